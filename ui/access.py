"""What every page adds so that all learners can read it: contrast, focus, zoom, headings.

Streamlit's own styles fall short in a few places the app cannot reach through its
theme options (measured with axe-core, ``tests/test_axe_browser.py``):

* captions are drawn at 60 % opacity (3.9:1 on white) and code is highlighted with fixed
  colours of 2.3–3.8:1 in either theme. The rules below mix each hue with the text colour
  the theme sets (``currentColor``), so one rule reads in both themes;
* formulas, code and tables scroll sideways on a phone or at 200 % zoom but cannot take
  focus, so a keyboard cannot scroll them: a small script makes every block that
  scrolls sideways focusable, and code wraps instead of scrolling;
* white labels on primaryColor (primary buttons, multiselect tags) are 3.2:1 on the dark
  theme's lighter red: they become white or black, whichever is opposite to the theme's
  text colour;
* the chart toolbar takes focus while invisible, and a focused page link or radio shows
  only a faint tint: focus gets a visible outline;
* at 200 % zoom or on a phone, metric values, button labels, the multiselect's choices and
  select values are cut: they wrap instead, and columns narrower than 7.5rem move to a new
  row; on a phone a chart's toolbar, shown on a tap, floats above the chart
  over the control before it, so charts keep the toolbar's height free above them.

The takeaway is the page's level-two heading, so headings go h1, h2, h3 in order.
"""

from __future__ import annotations

import html

import streamlit as st

TOKEN_HUES = {
    "keyword": "#1c83e1",
    "builtin": "#1c83e1",
    "boolean": "#1c83e1",
    "function": "#7a4fd0",
    "class-name": "#7a4fd0",
    "number": "#12836f",
    "string": "#0b7a35",
    "operator": "#c0570f",
    "decorator": "#c0570f",
    "punctuation": "#808495",
    "comment": "#808495",
}
"""Prism's token classes in Streamlit's code blocks, and the hue each is drawn near."""
TOKEN_MIX = 45
"""Percent of the hue in each token's colour; the rest is the theme's text colour."""
CAPTION_ALPHA = 78
"""Percent opacity of caption text (Streamlit's own is 60: 3.9:1 on white)."""

_CSS = "\n".join(
    [
        *(
            f"[data-testid='stCode'] code .token.{name}"
            f"{{color:color-mix(in srgb,{hue} {TOKEN_MIX}%,currentColor) !important}}"
            for name, hue in TOKEN_HUES.items()
        ),
        "[data-testid='stCode'] pre, [data-testid='stCode'] code"
        "{white-space:pre-wrap !important;overflow-wrap:anywhere}",
        "[data-testid='stCaptionContainer']{opacity:1 !important;"
        f"color:color-mix(in srgb,currentColor {CAPTION_ALPHA}%,transparent)}}",
        ":is([data-testid='stBaseButton-primary'],[data-testid='stMultiSelectTagsContainer']>span>span)"
        "{color:rgb(from currentColor calc((128 - r) * 99) calc((128 - g) * 99)"
        " calc((128 - b) * 99)) !important}",
        ":is([data-testid='stBaseButton-primary'],[data-testid='stMultiSelectTagsContainer']>span>span) :is(p,span)"
        "{color:inherit !important}",
        "[data-testid='stElementToolbar']:focus-within{opacity:1 !important;visibility:visible}",
        # A collapsed sidebar slides off screen but stays in the tab order and the
        # accessibility tree; hiding it keeps Tab on the page a learner can see.
        "[data-testid='stSidebar'][data-collapsed='true']{visibility:hidden}",
        ":is(a,button,[role='radio'],[role='checkbox'],[role='slider'],[tabindex='0'],"
        "input,summary):focus-visible{outline:2px solid currentColor !important;outline-offset:2px}",
        "label:has(input:focus-visible){outline:2px solid currentColor;outline-offset:2px}",
        "[data-testid='stMetricValue'] div{white-space:normal !important;overflow:visible !important;"
        "text-overflow:clip !important;overflow-wrap:anywhere}",
        "[data-testid='stMetricValue']{height:auto !important}",
        "[data-testid='stBaseButton-secondary'] p, [data-testid='stBaseButton-primary'] p"
        "{white-space:normal !important;overflow-wrap:anywhere}",
        "[data-testid='stMultiSelectTagsContainer']{flex-wrap:wrap !important;overflow:visible !important;"
        "mask-image:none !important;height:auto !important}",
        "div:has(>[data-testid='stMultiSelectTagsContainer']){height:auto !important;max-height:none !important}",
        # Above phone width only: below it Streamlit stacks columns itself.
        "@media (min-width:641px){[data-testid='stHorizontalBlock']{flex-wrap:wrap !important}"
        "[data-testid='stHorizontalBlock']>[data-testid='stColumn']{min-width:min(7.5rem,100%)}}",
        "label [data-testid='stMarkdownContainer'], label [data-testid='stMarkdownContainer'] p"
        "{white-space:normal !important;overflow:visible !important;text-overflow:clip !important}",
        "[data-testid='stSidebar'] [data-testid='stPageLink'] span"
        "{white-space:normal !important;overflow:visible !important;text-overflow:clip !important}",
        "h2.takeaway{font-size:1rem !important;font-weight:700 !important;padding:0 !important;"
        "margin:0 0 0.5rem 0 !important;line-height:1.6 !important;scroll-margin-top:0}",
        "@media (max-width:640px){.katex-display>.katex{font-size:1em !important}"
        "[data-testid='stElementContainer']:has([data-testid='stVegaLiteChart'])"
        "{margin-top:2.75rem}}",
    ]
)

_SCRIPT = """
(() => {
  if (window.__lessonFocusable) return;
  window.__lessonFocusable = true;
  const sideways = el => ["auto", "scroll"].includes(getComputedStyle(el).overflowX);
  const mark = () => document.querySelectorAll(
      ".katex-display, [data-testid='stCode'] pre, [data-testid='stTable'] div")
    .forEach(el => {
      if (el.scrollWidth > el.clientWidth + 1 && sideways(el) && !el.hasAttribute("tabindex")) {
        el.setAttribute("tabindex", "0");
      }
    });
  new MutationObserver(mark).observe(document.body, {childList: true, subtree: true});
  window.addEventListener("resize", mark);
  mark();
})();
"""
"""Make each formula, code block or table that scrolls sideways focusable, so arrow keys scroll it.

CSS cannot add a tab stop; the script only sets ``tabindex`` on blocks that overflow."""


def page_styles() -> None:
    """The style rules and the focus script, once per page run (no layout space)."""
    st.html(f"<style>{_CSS}</style><script>{_SCRIPT}</script>", unsafe_allow_javascript=True)


def takeaway(text: str) -> None:
    """The page's one-sentence takeaway as its level-two heading, drawn as bold text."""
    st.markdown(f"<h2 class='takeaway'>{html.escape(text, quote=False)}</h2>", unsafe_allow_html=True)
