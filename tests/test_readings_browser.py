"""Own readings in a real Chromium: a .csv through the real file input, then a paste, each
checked against least squares in plain Python (tests/reference.py)."""

from __future__ import annotations

import pytest
from conftest import metric_text, open_page, wait_for_app, wait_for_metric
from reference import f32, lstsq64

pytestmark = pytest.mark.browser

T_U = [10.0, 20.0, 30.0, 45.0]
T_C = [3.0, 7.5, 11.0, 17.5]


def _own_readings(tab) -> None:
    """Open the "your own readings" expander (a rerun that adds a section above closes it)."""
    if not tab.get_by_text("Where from").is_visible():
        tab.get_by_text("Go deeper: use your own readings").click()
    tab.get_by_text("Where from").wait_for(state="visible")


def test_upload_then_paste_own_readings(page, app_url, tmp_path):
    open_page(page, app_url, "home")
    _own_readings(page)
    page.get_by_text("Upload a .csv").click()
    wait_for_app(page)
    csv = tmp_path / "mine.csv"
    csv.write_text("t_u,t_c\n" + "\n".join(f"{u},{c}" for u, c in zip(T_U, T_C, strict=True)))
    page.locator("input[type='file']").set_input_files(str(csv))
    page.get_by_text("In use on every page: your own 4 readings.").wait_for(state="visible")
    page.wait_for_url("**data=10_3~20_7.5~30_11~45_17.5**")
    page.get_by_role("button", name="Reveal the least-squares fit").click()
    w, _ = lstsq64([f32(x) for x in T_U], T_C)
    wait_for_metric(page, "Best w", f"{w:.4f}")

    _own_readings(page)
    page.locator("[data-testid='stRadio'] label").filter(has_text="Paste").first.click()
    wait_for_app(page)
    page.locator("[data-testid='stTextArea'] textarea").fill("1\t2\n2\tnan\n3\t5")
    page.get_by_role("button", name="Use these readings").click()
    page.get_by_text("Row 2, column 2 (t_c): 'nan' is not a finite number.").wait_for(state="visible")
    assert metric_text(page, "Best w") == f"{w:.4f}"  # the uploaded readings are still in use
