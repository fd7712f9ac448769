"""Every page in the catalog, in a real Chromium: lesson first on a desktop, no sideways
pan on a phone, a next-page link, links that cannot inject, and presenter mode.

A new page joins by being listed in ui/catalog.py.
"""

from __future__ import annotations

import urllib.parse

import pytest
from conftest import SCREENSHOTS, open_page, screenshot

from ui.catalog import PAGES, next_page

pytestmark = pytest.mark.browser
IDS = [p.stem for p in PAGES]
DESKTOP = {"width": 1400, "height": 900}
PHONE = {"width": 390, "height": 844}
PAYLOADS = (
    "x` [click me](https://example.com/a) `",
    "`![t](https://example.com/t.png)`",
    "<img src=https://example.com/h.png><a href=https://example.com/h>h</a>",
)


def _tab(browser, viewport):
    context = browser.new_context(viewport=viewport)
    tab = context.new_page()
    tab.set_default_timeout(30_000)
    return context, tab


def _main_height(tab) -> int:
    return tab.evaluate(
        "() => document.querySelector(\"[data-testid='stMainBlockContainer']\").scrollHeight"
    )


@pytest.mark.parametrize("info", PAGES, ids=IDS)
def test_desktop_lesson_first_and_short(browser, app_url, info):
    context, tab = _tab(browser, DESKTOP)
    try:
        open_page(tab, app_url, info.url_path)
        assert tab.locator("[data-testid='stException']").count() == 0
        assert tab.locator("[data-testid='stAlertContentError']").count() == 0
        takeaway = tab.get_by_text(info.takeaway).first
        chart = tab.locator("[data-testid='stVegaLiteChart'], [data-testid='stGraphVizChart']")
        chart.first.wait_for(state="visible")
        for element in (takeaway, chart.first):
            box = element.bounding_box()
            assert box is not None and box["y"] < DESKTOP["height"], "not in the first screen"
        height = _main_height(tab)
        assert height < 3000, f"{height} px tall with the expanders closed"
        nxt = next_page(info.stem)
        link = tab.locator("[data-testid='stMain'] [data-testid='stPageLink'] a").last
        # Home's link carries no path of its own (Streamlit serves it at / only): it is
        # named for it instead; every other link carries its page's path.
        if nxt is PAGES[0]:
            assert link.inner_text().strip().endswith("Back to the start")
        else:
            assert link.evaluate("a => a.href").rstrip("/").endswith(f"/{nxt.url_path}")
            assert link.inner_text().strip().endswith(f"Next: {nxt.title}")
        screenshot(tab, f"{info.stem}-desktop")
    finally:
        context.close()


@pytest.mark.parametrize("info", PAGES, ids=IDS)
def test_phone_never_pans_sideways(browser, app_url, info):
    context, tab = _tab(browser, PHONE)
    try:
        open_page(tab, app_url, info.url_path)
        tab.locator("[data-testid='stVegaLiteChart'], [data-testid='stGraphVizChart']").first.wait_for()
        sizes = tab.evaluate(
            "() => { const m = document.querySelector(\"[data-testid='stMain']\");"
            " return [m.scrollWidth, m.clientWidth]; }"
        )
        assert sizes[0] <= sizes[1], f"stMain scrollWidth {sizes[0]} > clientWidth {sizes[1]}"
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        tab.screenshot(path=str(SCREENSHOTS / f"{info.stem}-phone.png"))
    finally:
        context.close()


@pytest.mark.parametrize("info", PAGES, ids=IDS)
def test_url_values_never_become_links_or_images(browser, app_url, info):
    import importlib

    keys = [c.key for c in importlib.import_module(f"ui.{info.stem}.settings").CONTROLS]
    context, tab = _tab(browser, DESKTOP)
    try:
        for payload in PAYLOADS:
            query = urllib.parse.urlencode({k: payload for k in keys})
            open_page(tab, app_url, info.url_path, query)
            found = tab.evaluate(
                "() => [...document.querySelectorAll('a[href], img[src]')]"
                ".map(e => e.href || e.src).filter(u => new URL(u).hostname.endsWith('example.com'))"
            )
            assert found == [], f"{payload!r} became {found}"
            assert tab.locator("[data-testid='stException']").count() == 0
    finally:
        context.close()


@pytest.mark.parametrize("info", PAGES, ids=IDS)
def test_presenter_mode_hides_prose_and_can_be_turned_off(browser, app_url, info):
    context, tab = _tab(browser, DESKTOP)
    try:
        open_page(tab, app_url, info.url_path, "present=1")
        sidebar = tab.locator("[data-testid='stSidebar']")
        assert sidebar.get_by_text(info.learn).count() == 0
        assert "present=1" in tab.url
        screenshot(tab, f"{info.stem}-present")
        open_page(tab, app_url, info.url_path, "present=0")
        assert sidebar.get_by_text(info.learn).count() == 1
    finally:
        context.close()
