"""Real-browser test for "The loss surface": a control changes the view, and a screenshot."""

from __future__ import annotations

import re

import pytest
from conftest import metric_text as _metric
from conftest import open_page, screenshot, wait_for_app
from conftest import wait_for_metric as _wait_metric

pytestmark = pytest.mark.browser


def test_standardize_turns_the_valley_into_a_bowl(page, app_url):
    open_page(page, app_url, "loss_surface")
    assert page.locator("[data-testid='stException']").count() == 0
    assert _metric(page, "Condition number") == "33,598.861"
    # Move the point first (three clicks on b's "+"), so the reset on a normalization
    # change is really tested.
    b_input = page.locator("[data-testid='stNumberInput']").filter(has_text="b at the current")
    for step in (1, 2, 3):
        b_input.get_by_test_id("stNumberInputStepUp").click()
        _wait_metric(page, "∂L/∂b", f"{82.6 + 2 * 0.01 * step:.4f}")  # ∂L/∂b = 82.6 + 2b
    assert re.search(r"point_b=0\.03", page.url)
    radio = page.locator("[data-testid='stRadio']").filter(has_text="Input normalization")
    radio.get_by_text("standardize", exact=True).click()
    _wait_metric(page, "Condition number", "33,598.861", equal=False)
    assert _metric(page, "Condition number") == "1.100"
    assert _metric(page, "Critical lr") == "1.000e+00"
    # The point went back to the chapter's start (1, 0) in the new coordinates, and the
    # URL says so too, so a copied link reopens this view.
    assert _metric(page, "Loss at the point") == "171.8683"
    assert "norm=standardize" in page.url and "point_b=0.03" not in page.url
    page.reload()
    wait_for_app(page)
    assert _metric(page, "Loss at the point") == "171.8683"
    assert page.locator("[data-testid='stVegaLiteChart']").count() == 5
    assert page.locator("[data-testid='stException']").count() == 0
    screenshot(page, "loss_surface-standardized")
