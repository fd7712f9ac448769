"""In a real Chromium: a chart's CSV download arrives as a file holding every epoch; the
chart toolbar's "Download as PNG" is reached and used with the keyboard alone; on a phone
the open numbers box with its button does not make the page pan sideways."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import open_page

from ui import downloads
from ui.chart_text import TABLE_LABEL

pytestmark = pytest.mark.browser
PNG = b"\x89PNG\r\n\x1a\n"
FOCUSED = "() => (document.activeElement.getAttribute('aria-label') || document.activeElement.innerText || '').trim()"


def test_the_run_s_csv_downloads_with_every_epoch(page, app_url):
    open_page(page, app_url, "divergence", "lr=0.0001&epochs=100")
    page.get_by_text(TABLE_LABEL).first.click()
    button = page.get_by_role("button", name=downloads.LABEL).first
    button.wait_for()
    with page.expect_download(timeout=60_000) as info:
        button.click()
    download = info.value
    assert download.suggested_filename == (
        "divergence_run_lr0.0001_epochs100_none_manual_constant_w1_b0.csv")
    frame = pd.read_csv(download.path())
    assert frame["epoch"].tolist() == list(range(1, 101))
    assert frame["loss"].iloc[-1] == pytest.approx(29.022669, rel=1e-6)  # the book's epoch 100


def test_the_chart_picture_is_saved_as_png_by_keyboard(page, app_url):
    open_page(page, app_url, "home")
    page.locator("[data-testid='stVegaLiteChart'][role='graphics-document']").first.wait_for()
    for _ in range(60):
        page.keyboard.press("Tab")
        if page.evaluate(FOCUSED) == "Download as PNG":
            break
    assert page.evaluate(FOCUSED) == "Download as PNG", "the chart toolbar's PNG button not reached"
    with page.expect_download(timeout=30_000) as info:
        page.keyboard.press("Enter")
    download = info.value
    assert download.suggested_filename.endswith(".png")
    with open(download.path(), "rb") as f:
        assert f.read(8) == PNG


def test_the_open_numbers_box_does_not_pan_on_a_phone(browser, app_url):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True,
                                  has_touch=True)
    tab = context.new_page()
    try:
        open_page(tab, app_url, "optimizers")
        tab.get_by_text(TABLE_LABEL).first.click()
        tab.get_by_role("button", name=downloads.LABEL).first.wait_for()
        wide = tab.evaluate("() => document.documentElement.scrollWidth")
        assert wide <= 390, f"the page is {wide} px wide at 390 px"
    finally:
        context.close()
