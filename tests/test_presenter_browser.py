"""Presenter mode (``?present=1``) in Chromium: on a projector a page shows its takeaway,
controls and key chart (at full width), and at most 60% of the prose a learner's screen shows.

Prose is measured as a learner's eye meets it: the visible text of the page's main area
(rendered elements' ``innerText``, so closed expanders and hidden elements do not count),
without the widgets' own labels, options and values, which presenter mode keeps.
"""

from __future__ import annotations

import pytest
from conftest import open_page

from ui.catalog import PAGES

SHARE = 0.60
"""The most prose presenter mode may keep, as a share of the normal page's."""

_PROSE = """() => {
  const widgets = ["stRadio", "stSelectSlider", "stSlider", "stMultiSelect", "stNumberInput",
    "stCheckbox", "stToggle", "stButton", "stSelectbox", "stMetric", "stPageLink",
    "stWidgetLabel", "stTooltipContent"].map(t => `[data-testid='${t}']`).join(", ");
  const main = document.querySelector("[data-testid='stMain']");
  return [...main.querySelectorAll(
    "[data-testid='stMarkdownContainer'], [data-testid='stCaptionContainer'], " +
    "[data-testid='stText'], [data-testid='stExpander'] summary")]
    .filter(e => e.checkVisibility() && !e.closest(widgets))
    .filter(e => !e.parentElement.closest(
      "[data-testid='stMarkdownContainer'], [data-testid='stCaptionContainer']"))
    .map(e => e.innerText).join("\\n").length;
}"""


def prose_length(tab) -> int:
    """Characters of visible prose in the page's main area, once two reads 0.5 s apart agree
    (charts and fonts settle after the script has finished)."""
    last = -1
    for _ in range(20):
        tab.wait_for_timeout(500)
        now = int(tab.evaluate(_PROSE))
        if now == last:
            return now
        last = now
    return last


@pytest.mark.parametrize("info", [pytest.param(p, id=p.stem) for p in PAGES])
def test_presenter_mode_keeps_at_most_60_percent_of_the_prose(page, app_url, info):
    open_page(page, app_url, info.url_path)
    normal = prose_length(page)
    open_page(page, app_url, info.url_path, "present=1")
    presented = prose_length(page)
    print(f"{info.stem}: {presented} of {normal} characters ({presented / normal:.0%})")
    assert page.get_by_text(info.takeaway).count() == 1, "the takeaway stays"
    page.locator("[data-testid='stVegaLiteChart'], [data-testid='stGraphVizChart']").first.wait_for()
    assert not page.get_by_text("Show the PyTorch code").count()
    assert not page.get_by_text("Go deeper:").count()
    page.wait_for_timeout(500)  # the chart re-measures its container after the layout
    chart, whole = page.evaluate("""() => {
      const c = document.querySelector("[data-testid='stMain'] :is("
        + "[data-testid='stVegaLiteChart'], [data-testid='stGraphVizChart'])");
      const m = document.querySelector("[data-testid='stMainBlockContainer']");
      const pad = parseFloat(getComputedStyle(m).paddingLeft) * 2;
      return [c.getBoundingClientRect().width, m.getBoundingClientRect().width - pad];
    }""")
    assert chart >= 0.9 * whole, f"{info.stem}: the key chart is {chart:.0f} of {whole:.0f} px"
    assert presented <= SHARE * normal, f"{info.stem}: {presented} of {normal}"
