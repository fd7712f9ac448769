"""axe-core on every catalog page in Chromium: light, dark, a 390 px phone and 200 % zoom,
every expander open. The bar: no critical or serious violation from the app's content, and
on the phone and at 200 % no text cut short and no formula running off its block.

One server and one tab per form factor serve all pages. The viewport grows to the page's
full height before axe runs, because Streamlit scrolls inside its main container and axe
cannot judge the colours of text scrolled out of view. The dark theme is chosen the way
a learner's system chooses it (``prefers-color-scheme``); the test checks it took effect,
and that chart text drawn in SVG uses the dark ink. The dark runs save each page, expanders
open, as ``docs/screenshots/<stem>-dark.png``.
"""

from __future__ import annotations

import pytest
from colorimetry import contrast
from conftest import page_url, screenshot, wait_for_app

from ui import palette
from ui.catalog import PAGES
from ui.divergence.charts import ON_HEATMAP

pytestmark = pytest.mark.browser
FORMS = {
    "light": {"viewport": {"width": 1400, "height": 900}, "color_scheme": "light"},
    "dark": {"viewport": {"width": 1400, "height": 900}, "color_scheme": "dark"},
    "phone": {"viewport": {"width": 390, "height": 844}, "color_scheme": "light",
              "is_mobile": True, "has_touch": True},
    "zoom": {"viewport": {"width": 700, "height": 450}, "color_scheme": "light",
             "device_scale_factor": 2},
}
"""``zoom`` is a 1400×900 screen at 200 % browser zoom."""
STREAMLIT_FRAME: dict[tuple[str, str], str] = {}
"""(rule, CSS selector) of violations inside Streamlit's own frame that the app cannot
reach, with the reason. None at Streamlit 1.67: every node axe reported was app content."""
OPEN_EXPANDERS = """() => document.querySelectorAll(
    "[data-testid='stExpander'] details:not([open]) > summary").forEach(s => s.click())"""
FULL_HEIGHT = """() => Math.max(...[...document.querySelectorAll(
    "[data-testid='stMain'], [data-testid='stMainBlockContainer']")].map(e => e.scrollHeight), 900)"""
CUT = """() => {
  const cut = [];
  for (const el of document.querySelectorAll("[data-testid='stMain'] *, [data-testid='stSidebar'] *")) {
    if (!el.offsetParent || el.closest(".vega-embed, .katex-display, .katex-mathml, pre,"
        + " [data-testid='stDataFrame'], [data-testid='stTable']")) continue;
    const cs = getComputedStyle(el);
    const hides = cs.overflowX === "hidden" || cs.textOverflow === "ellipsis";
    if (hides && el.scrollWidth > el.clientWidth + 1 && el.innerText.trim())
      cut.push(el.innerText.trim().slice(0, 60));
  }
  for (const k of document.querySelectorAll(".katex-display"))
    if (k.scrollWidth > k.clientWidth + 2 && k.closest("[data-testid='stColumn']") === null)
      cut.push("formula " + k.innerText.replace(/\\s+/g, "").slice(0, 30));
  return cut; }"""
"""Text cut by an ellipsis or hidden overflow, and full-width formulas that run past their
block (KaTeX overhangs a pixel or two by itself; formulas inside columns may scroll)."""
SVG_TEXT_FILLS = """() => [...new Set([...document.querySelectorAll(
    "[data-testid='stVegaLiteChart'] svg text")].map(t => t.getAttribute('fill')).filter(Boolean))]"""


@pytest.fixture(scope="module")
def tabs(browser):
    """One tab per form factor, made on first use and closed at the end of the module."""
    made: dict[str, tuple] = {}

    def get(form: str):
        if form not in made:
            context = browser.new_context(**FORMS[form])
            tab = context.new_page()
            tab.set_default_timeout(60_000)
            made[form] = (context, tab)
        return made[form][1]

    yield get
    for context, _ in made.values():
        context.close()


def serious_app_violations(tab) -> list[tuple[str, str, str]]:
    """(rule, target, summary) of every serious or critical node not in STREAMLIT_FRAME."""
    from axe_playwright_python.sync_playwright import Axe

    found = []
    for violation in Axe().run(tab).response["violations"]:
        if violation["impact"] not in ("serious", "critical"):
            continue
        for node in violation["nodes"]:
            target = " ".join(str(t) for t in node["target"])
            if (violation["id"], target) not in STREAMLIT_FRAME:
                found.append((violation["id"], target, node.get("failureSummary", "")[:200]))
    return found


@pytest.mark.parametrize("form", list(FORMS))
@pytest.mark.parametrize("info", PAGES, ids=[p.stem for p in PAGES])
def test_no_serious_violations(tabs, app_url, info, form):
    tab = tabs(form)
    viewport = FORMS[form]["viewport"]
    tab.set_viewport_size(viewport)
    tab.goto(page_url(app_url, info.url_path))
    wait_for_app(tab)
    tab.evaluate(OPEN_EXPANDERS)
    wait_for_app(tab)
    if form == "dark":
        screenshot(tab, f"{info.stem}-dark")  # docs/screenshots: every page in the dark theme
    tab.set_viewport_size({"width": viewport["width"], "height": min(tab.evaluate(FULL_HEIGHT) + 40, 12000)})
    tab.wait_for_timeout(500)
    if form in ("phone", "zoom"):
        assert tab.evaluate(CUT) == [], "text or formula cut"
    kind = "dark" if form == "dark" else "light"
    background = tab.evaluate("() => getComputedStyle(document.querySelector('.stApp')).backgroundColor")
    assert _hex(background) == palette.INKS[kind].background, "the theme did not follow the system"
    for fill in tab.evaluate(SVG_TEXT_FILLS):
        if fill.lower() != ON_HEATMAP:
            assert contrast(fill, palette.INKS[kind].background) >= 4.5, f"chart text {fill} in {kind}"
    assert serious_app_violations(tab) == []


def _hex(css: str) -> str:
    """'rgb(23, 22, 20)' as '#171614'."""
    parts = css[css.index("(") + 1 : css.index(")")].split(",")[:3]
    return "#" + "".join(f"{int(float(p)):02x}" for p in parts)
