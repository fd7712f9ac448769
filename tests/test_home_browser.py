"""Home in a real Chromium: the keyboard moves a slider, the MSE and the URL follow."""

from __future__ import annotations

import re

import pytest
from conftest import metric_text, open_page, screenshot, wait_for_app, wait_for_metric

import thermo_core as tc

pytestmark = pytest.mark.browser


def test_home_slider_moves_with_keyboard_and_changes_mse(page, app_url):
    open_page(page, app_url, "home")
    before = metric_text(page, "MSE of your line")
    assert before == "1,763.8848"
    thumb = (
        page.locator("[data-testid='stSlider']").filter(has_text="w (slope)").get_by_role("slider")
    )
    thumb.focus()
    # w moves from 1.000 down by five 0.001 steps. Each press starts a rerun, and a press
    # that lands while the slider is being redrawn can be lost, so press once, wait for the
    # MSE of that exact w (checked independently), then press again.
    t_u, t_c = tc.load_readings()
    for step in range(1, 6):
        thumb.focus()
        thumb.press("ArrowLeft")
        w = round(1.0 - 0.001 * step, 3)
        expected = float(tc.mse_loss(tc.model(t_u, w, 0.0), t_c))
        wait_for_metric(page, "MSE of your line", f"{expected:,.4f}")
    after = metric_text(page, "MSE of your line")
    assert after != before
    assert float(after.replace(",", "")) == pytest.approx(expected, abs=1e-3)
    assert re.search(r"w=0\.995", page.url)
    page.get_by_role("button", name="Reveal the least-squares fit").click()
    wait_for_app(page)
    page.get_by_text("Fahrenheit").first.wait_for(state="visible")
    screenshot(page, "home-revealed")
