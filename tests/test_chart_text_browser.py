"""In a real Chromium: a chart's generated description reaches the page as its accessible name,
and a scrubber's twin slider works from the keyboard, reading out the numbers as it moves."""

from __future__ import annotations

import time

import pytest
from conftest import open_page

from ui.chart_text import TABLE_LABEL, TWIN_LABEL

pytestmark = pytest.mark.browser


def test_the_key_chart_is_named_by_its_description(page, app_url):
    open_page(page, app_url, "divergence", "lr=0.0001")
    chart = page.locator("[data-testid='stVegaLiteChart']").first
    chart.locator("canvas").first.wait_for()
    # Vega puts the spec's description on the chart's container as its accessible name
    name = chart.get_attribute("aria-label") or ""
    assert chart.get_attribute("role") == "graphics-document"
    assert name.startswith("Top: the path of the chapter's manual update with lr 0.0001"), name
    assert "falls from 1,763.8848 to" in name


def test_the_twin_slider_moves_by_keyboard_and_reads_out_the_epoch(page, app_url):
    open_page(page, app_url, "divergence", "lr=0.0001&epochs=50")
    page.get_by_text(TABLE_LABEL).first.click()  # the twin waits in the chart's numbers box
    twin = page.get_by_role("slider", name=TWIN_LABEL)
    twin.wait_for()
    line = page.get_by_text("before its update: w =", exact=False)
    assert line.inner_text().startswith("Epoch 50,")
    twin.focus()
    for _ in range(3):
        page.keyboard.press("ArrowLeft")
    deadline = time.time() + 20
    while time.time() < deadline and not line.inner_text().startswith("Epoch 47,"):
        time.sleep(0.2)
    assert line.inner_text().startswith("Epoch 47,"), line.inner_text()
