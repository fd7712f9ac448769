"""Optimizer comparison in a real Chromium: scrubbing the epoch replays the race in the
browser (the chart changes) without a single script rerun."""

from __future__ import annotations

import pytest
from conftest import open_page, screenshot

pytestmark = pytest.mark.browser

COUNT_RUNS = """() => {
    window.__runs = 0;
    const app = document.querySelector("[data-testid='stApp']");
    new MutationObserver(() => {
        if (app.getAttribute('data-test-script-state') === 'running') window.__runs += 1;
    }).observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
}"""
SCRUB_TO = """(value) => {
    const input = document.querySelector(".vega-bind input[type='range']");
    input.value = value;
    input.dispatchEvent(new Event('input', {bubbles: true}));
    input.dispatchEvent(new Event('change', {bubbles: true}));
    return input.max;
}"""


def test_scrubbing_moves_the_race_without_rerunning(page, app_url):
    open_page(page, app_url, "optimizers")
    chart = page.locator("[data-testid='stVegaLiteChart']").first
    chart.wait_for(state="visible")
    page.locator(".vega-bind input[type='range']").wait_for(state="attached")
    page.wait_for_timeout(500)
    page.evaluate(COUNT_RUNS)
    at_end = chart.screenshot()
    top = page.evaluate(SCRUB_TO, 20)
    assert top == "5000"
    page.wait_for_timeout(600)
    assert page.locator(".vega-bind input[type='range']").first.input_value() == "20"
    early = chart.screenshot()
    assert early != at_end, "the chart did not change when scrubbed"
    page.evaluate(SCRUB_TO, 900)
    page.wait_for_timeout(1500)
    assert page.evaluate("() => window.__runs") == 0, "scrubbing reran the script"
    screenshot(page, "optimizers-scrubbed")
