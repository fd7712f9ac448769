"""Keyboard alone, in Chromium: Tab through a page, reach and operate its controls, and
see where the focus is at every stop.

Home is walked in full (sidebar, presets, both sliders, the chart's toolbar, the reveal
button, the expanders, the next-page link); on the divergence page the in-browser epoch
scrubber is reached and moved with the arrow keys without a rerun.
"""

from __future__ import annotations

import pytest
from conftest import metric_text, open_page, wait_for_app, wait_for_metric

pytestmark = pytest.mark.browser
FOCUSED = """() => { const e = document.activeElement; const cs = getComputedStyle(e);
  const bar = e.closest("[data-testid='stElementToolbar']"); const box = e.getBoundingClientRect();
  return {tag: e.tagName, label: (e.getAttribute('aria-label') || e.innerText || '').trim().slice(0, 60),
          outline: cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) >= 2,
          shadow: cs.boxShadow !== 'none', area: box.width * box.height,
          toolbar: bar ? parseFloat(getComputedStyle(bar).opacity) : null}; }"""


def _walk(tab, limit: int = 80) -> list[dict]:
    """Every Tab stop from the top of the page until focus comes back round to the body."""
    stops = []
    for _ in range(limit):
        tab.keyboard.press("Tab")
        stop = tab.evaluate(FOCUSED)
        if stop["tag"] == "BODY" and stops:
            break
        stops.append(stop)
    return stops


def _tab_to(tab, label: str, limit: int = 80) -> None:
    """Press Tab until the focused element's label starts with ``label``."""
    for _ in range(limit):
        tab.keyboard.press("Tab")
        if tab.evaluate(FOCUSED)["label"].startswith(label):
            return
    raise AssertionError(f"{label!r} not reached by Tab")


def test_home_every_stop_visible_and_every_control_reached(page, app_url):
    open_page(page, app_url, "home")
    stops = _walk(page)
    labels = [s["label"] for s in stops]
    for wanted in ("w (slope)", "b (offset)", "Reveal the least-squares fit",
                   "The chapter's start", "Show the PyTorch code"):
        assert any(wanted in label for label in labels), f"{wanted!r} not reached"
    assert any("Next: The loss surface" in label for label in labels)
    for stop in stops:
        if stop["tag"] == "MAIN":
            continue  # the skip link's target: focus lands on the region itself
        assert stop["outline"] or stop["shadow"], f"no visible focus on {stop['label']!r}"
        assert stop["area"] > 0, f"focus on an invisible element {stop['label']!r}"
        if stop["toolbar"] is not None:
            assert stop["toolbar"] == 1, f"chart toolbar invisible while {stop['label']!r} has focus"


def test_home_operated_by_keyboard(page, app_url):
    open_page(page, app_url, "home")
    before = metric_text(page, "MSE of your line")
    _tab_to(page, "w (slope)")
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    wait_for_metric(page, "MSE of your line", before, equal=False)
    _tab_to(page, "Reveal the least-squares fit")
    page.keyboard.press("Enter")
    page.locator("[data-testid='stMetric']").filter(has_text="Best w").first.wait_for()
    wait_for_app(page)


def test_divergence_scrubber_moves_by_keyboard_without_a_rerun(page, app_url):
    open_page(page, app_url, "divergence")
    page.locator("[data-testid='stVegaLiteChart'] input[type='range']").first.wait_for()
    # The scrubber is the range input Vega binds under the key chart (Streamlit's own
    # sliders are range inputs too, so the test looks for Vega's bindings).
    on_scrubber = "() => !!document.activeElement.closest('.vega-bindings')"
    for _ in range(120):
        page.keyboard.press("Tab")
        if page.evaluate(on_scrubber):
            break
    assert page.evaluate(on_scrubber), "scrubber not reached"
    assert page.evaluate("() => document.activeElement.type") == "range"
    value = "() => Number(document.activeElement.value)"
    low = page.evaluate("() => Number(document.activeElement.min)")
    step = page.evaluate("() => Number(document.activeElement.step) || 1")
    page.keyboard.press("End")
    high = page.evaluate(value)
    page.keyboard.press("Home")
    assert page.evaluate(value) == low < high
    page.keyboard.press("ArrowRight")
    assert page.evaluate(value) == low + step
    state = page.evaluate("() => document.querySelector(\"[data-testid='stApp']\").dataset.testScriptState")
    assert state == "notRunning"


def test_phone_tab_skips_the_collapsed_sidebar_and_reaches_it_once_opened(browser, app_url):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    tab = context.new_page()
    try:
        open_page(tab, app_url, "finite_differences")
        in_sidebar = "() => !!document.activeElement.closest(\"[data-testid='stSidebar']\")"
        for _ in range(4):
            tab.keyboard.press("Tab")
            assert not tab.evaluate(in_sidebar), "Tab went into the sidebar a phone keeps closed"
        tab.locator("[data-testid='stExpandSidebarButton']").click()
        tab.wait_for_selector("[data-testid='stSidebar'][data-collapsed='false']")
        tab.locator("[data-testid='stSidebar'] a").first.focus()
        assert tab.evaluate(in_sidebar), "the opened sidebar's links take no focus"
    finally:
        context.close()
