"""The overfitting page in a real Chromium: scrubbing the epoch redraws the chart in the
browser without rerunning the script, and a preset button retrains to the right numbers."""

from __future__ import annotations

import pytest
from conftest import metric_text, open_page, screenshot, wait_for_metric

from thermo_core.numbers import fmt
from ui.controls import Values, defaults
from ui.overfitting.runs import experiment
from ui.overfitting.settings import CONTROLS, PRESETS, run_settings

pytestmark = pytest.mark.browser

WATCH_RUNS = """() => {
    window.__runs = 0;
    const app = document.querySelector("[data-testid='stApp']");
    new MutationObserver(() => {
        if (app.getAttribute('data-test-script-state') === 'running') window.__runs += 1;
    }).observe(app, {attributes: true});
}"""


def test_scrubbing_redraws_the_chart_without_a_rerun(page, app_url):
    open_page(page, app_url, "overfitting")
    chart = page.locator("[data-testid='stVegaLiteChart']").first
    scrub = chart.locator("input[type='range']")
    scrub.wait_for()
    assert scrub.get_attribute("max") == str(defaults(CONTROLS).ov_epochs)
    before = chart.screenshot()
    page.evaluate(WATCH_RUNS)
    scrub.evaluate("(el) => { el.value = 40; el.dispatchEvent(new Event('input', {bubbles: true})); }")
    page.wait_for_timeout(1500)
    assert scrub.input_value() == "40"
    assert chart.screenshot() != before, "the chart did not change"
    assert page.evaluate("() => window.__runs") == 0, "scrubbing reran the script"
    screenshot(page, "overfitting-scrubbed")


def test_big_net_preset_shows_validation_climbing(page, app_url):
    open_page(page, app_url, "overfitting")
    [big] = [p for p in PRESETS if p.label.endswith("a big net overfits")]
    page.get_by_role("button", name="A big net overfits").click()
    e = experiment(**run_settings(Values({**defaults(CONTROLS), **big.values})))
    wait_for_metric(page, "Validation loss", fmt(e.summary.final_val_loss))
    assert metric_text(page, "Training loss") == fmt(e.summary.final_loss)
    assert metric_text(page, "Best epoch") == str(e.summary.best_epoch)
    page.get_by_text("Early stopping at epoch").first.wait_for(state="visible")
    assert "ov_hidden=64" in page.url
    screenshot(page, "overfitting-big-net")
