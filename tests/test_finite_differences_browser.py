"""Real browser: the Finite differences page on a desktop and on a phone.

Lesson first (takeaway, the main controls and the V chart in the first 1400×900 screen,
the page under 3,000 px with the expanders closed), no sideways pan at 390 px, numbers
that never wrap mid-number, and the δ slider driving the page from the keyboard.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from conftest import open_page, screenshot, wait_for_app

pytestmark = pytest.mark.browser

MAIN = "[data-testid='stMain']"
WRAPPED_NUMBERS = """() => [...document.querySelectorAll("[data-testid='stTable'] td, [data-testid='stTable'] th")]
    .filter(c => /^[−-]?[0-9][0-9,.]*(e[−-]?[0-9]+)?$/.test(c.innerText.trim()))
    .filter(c => { const walk = document.createTreeWalker(c, NodeFilter.SHOW_TEXT); let n, lines = 0;
                   while ((n = walk.nextNode())) { const r = document.createRange(); r.selectNodeContents(n);
                     lines += new Set([...r.getClientRects()].map(x => Math.round(x.top))).size; }
                   return lines > 1; })
    .map(c => c.innerText)"""


def _fd_w(page) -> float:
    row = page.locator("[data-testid='stTable'] tr").filter(has_text="finite difference").first
    return float(row.locator("td").nth(0).inner_text().replace(",", "").replace("−", "-"))


def _numpy_central_w(delta: float) -> float:
    """Central difference for dL/dw at w=1, b=0 in numpy float32 (independent of torch)."""
    x = np.array([35.7, 55.9, 58.2, 81.9, 56.3, 48.9, 33.9, 21.8, 48.4, 60.4, 68.4], np.float32)
    y = np.array([0.5, 14.0, 15.0, 28.0, 11.0, 8.0, 3.0, -4.0, 6.0, 13.0, 21.0], np.float32)
    d = np.float32(delta)

    def loss(w):
        return np.mean((w * x - y) ** 2, dtype=np.float32)

    return float((loss(np.float32(1) + d) - loss(np.float32(1) - d)) / (np.float32(2) * d))


def _main_size(page) -> dict:
    return page.evaluate(
        f"() => {{ const m = document.querySelector(\"{MAIN}\"); return {{scroll: m.scrollWidth, "
        "client: m.clientWidth, height: m.scrollHeight}; }"
    )


def test_lesson_first_on_a_desktop(page, app_url):
    page.set_viewport_size({"width": 1400, "height": 900})
    open_page(page, app_url, "finite_differences")
    assert page.locator("[data-testid='stException']").count() == 0
    page.locator("[data-testid='stVegaLiteChart'] canvas, [data-testid='stVegaLiteChart'] svg").first.wait_for()
    page.wait_for_timeout(500)  # let the layout settle before measuring
    first_screen = [
        page.get_by_text("Nudging a parameter by δ estimates the gradient").first,
        page.locator("[data-testid='stSlider']").filter(has_text="δ, the nudge").first,
        page.locator("[data-testid='stRadio']").filter(has_text="Scheme").first,
        page.locator("[data-testid='stRadio']").filter(has_text="Number type").first,
        page.locator("[data-testid='stVegaLiteChart']").first,
    ]
    for element in first_screen:
        box = element.bounding_box()
        assert box and box["y"] >= 0 and box["y"] + box["height"] <= 900, box
    assert page.locator("[data-testid='stExpander'] details[open]").count() == 0
    size = _main_size(page)
    assert size["height"] < 3000, size
    assert page.evaluate(WRAPPED_NUMBERS) == []
    screenshot(page, "finite_differences-desktop")


def test_phone_does_not_pan_and_numbers_do_not_wrap(page, app_url):
    page.set_viewport_size({"width": 390, "height": 844})
    open_page(page, app_url, "finite_differences", "delta=1e-08")
    size = _main_size(page)
    assert size["scroll"] <= size["client"], size
    assert page.evaluate(WRAPPED_NUMBERS) == []
    for chart in page.locator("[data-testid='stVegaLiteChart']").all():
        box = chart.bounding_box()
        assert box is None or box["width"] <= 390
    screenshot(page, "finite_differences-phone")


def test_delta_slider_moves_with_keyboard_and_updates_table_chart_and_url(page, app_url):
    open_page(page, app_url, "finite_differences")
    page.get_by_text("(central, δ = 0.1, float32)").wait_for(state="visible")
    before = _fd_w(page)
    assert before == pytest.approx(4517.2974, abs=1e-3)
    thumb = page.locator("[data-testid='stSlider']").filter(has_text="δ, the nudge").get_by_role("slider")
    for label in ("0.05", "0.02", "0.01", "0.005", "0.002", "0.001"):  # one grid step each
        thumb.focus()
        thumb.press("ArrowLeft")
        page.get_by_text(f"(central, δ = {label}, float32)").wait_for(state="visible", timeout=30_000)
        wait_for_app(page)
    after = _fd_w(page)
    # float32 rounding differs with the summation order, so allow a few float32 steps
    assert after == pytest.approx(_numpy_central_w(0.001), abs=8 * 2.0**-13 / 0.002)
    assert re.search(r"delta=0\.001", page.url)
    assert page.locator("[data-testid='stException']").count() == 0


def test_tiny_delta_preset_shows_the_collapse(page, app_url):
    open_page(page, app_url, "finite_differences")
    page.get_by_role("button", name="Tiny δ in float32").click()
    page.get_by_text("(central, δ = 1e-07, float32)").wait_for(state="visible")
    wait_for_app(page)
    shown = _fd_w(page)
    steps = shown * float(np.float32(2) * np.float32(1e-7)) / 2.0**-13
    assert abs(steps - round(steps)) < 1e-3  # a whole number of float32 steps of L over 2δ
    assert abs(shown - 4517.2966) / 4517.2966 > 0.2
    page.get_by_text("collapsed to exactly 0").first.wait_for(state="visible")
    assert re.search(r"delta=1e-07", page.url)
    page.mouse.move(5, 5)
    page.wait_for_timeout(300)
    screenshot(page, "finite_differences-tiny")
