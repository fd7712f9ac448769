"""Real-browser tests for "The loss surface": controls, click-to-move, phone and page height."""

from __future__ import annotations

import re

import pytest
from conftest import metric_text as _metric
from conftest import open_page, screenshot, wait_for_app
from conftest import wait_for_metric as _wait_metric

pytestmark = pytest.mark.browser


def test_standardize_resets_the_point_and_the_link_reopens_it(page, app_url):
    open_page(page, app_url, "loss_surface")
    assert page.locator("[data-testid='stException']").count() == 0
    assert _metric(page, "Loss at the point") == "1,763.8846"
    b_input = page.locator("[data-testid='stNumberInput']").filter(has_text="b at the current")
    for step in (1, 2, 3):
        b_input.get_by_test_id("stNumberInputStepUp").click()
        _wait_metric(page, "∂L/∂b", f"{82.6 + 2 * 0.01 * step:.4f}")  # ∂L/∂b = 82.6 + 2b
    assert re.search(r"point_b=0\.03", page.url)
    radio = page.locator("[data-testid='stRadio']").filter(has_text="Input normalization")
    radio.get_by_text("standardize", exact=True).click()
    _wait_metric(page, "Loss at the point", "171.8683")
    assert "norm=standardize" in page.url and "point_b=0.03" not in page.url
    page.reload()
    wait_for_app(page)
    assert _metric(page, "Loss at the point") == "171.8683"
    assert page.locator("[data-testid='stException']").count() == 0


def test_clicking_the_surface_moves_the_point(page, app_url):
    page.set_viewport_size({"width": 1400, "height": 900})
    open_page(page, app_url, "loss_surface", "norm=standardize")
    canvas = page.locator("[data-testid='stVegaLiteChart'] canvas").first
    canvas.wait_for(state="visible")
    box = canvas.bounding_box()
    assert box is not None
    # The plot area's middle is near (w, b) = (5, 5) in the standardized window −7 … 17.
    page.mouse.click(box["x"] + box["width"] * 0.55, box["y"] + box["height"] * 0.4)
    page.wait_for_function("() => location.search.includes('point_w')", timeout=30_000)
    wait_for_app(page)
    w = page.locator("[data-testid='stNumberInput']").filter(has_text="w at the current")
    assert float(w.locator("input").input_value()) != 1.0
    assert _metric(page, "Loss at the point") != "171.8683"


def test_first_screen_page_height_and_phone(page, app_url):
    page.set_viewport_size({"width": 1400, "height": 900})
    open_page(page, app_url, "loss_surface")
    chart = page.locator("[data-testid='stVegaLiteChart']").first.bounding_box()
    assert chart is not None and chart["y"] + 0.8 * chart["height"] < 900  # key chart on screen
    height = page.evaluate("() => document.querySelector(\"[data-testid='stMain']\").scrollHeight")
    assert height < 3000
    screenshot(page, "loss_surface-desktop")
    page.set_viewport_size({"width": 390, "height": 844})
    wait_for_app(page)
    page.wait_for_timeout(500)
    widths = page.evaluate(
        "() => { const m = document.querySelector(\"[data-testid='stMain']\");"
        " return [m.scrollWidth, m.clientWidth]; }"
    )
    assert widths[0] <= widths[1], widths
    screenshot(page, "loss_surface-phone")
