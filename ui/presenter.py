"""Presenter mode (``?present=1``): for a projector, less prose and bigger chart text.

A projected page shows its takeaway, its controls and its key chart: explanatory prose
(:func:`ui.page.prose`), captions, "Go deeper" sections and the code panel are left out
(the speaker says them).

This is TensorFlow Playground's ``hideText`` idea. The flag is kept in session state so
that it survives moving between pages, and written back to each page's URL so the
link in the address bar still opens presenter mode; ``present=0`` turns it off.
"""

from __future__ import annotations

import streamlit as st

KEY = "present"
_STATE = "_presenter.on"


_CHARTS = "[data-testid='stVegaLiteChart'], [data-testid='stGraphVizChart']"
_CHART_ROW = (
    "[data-testid='stMain'] [data-testid='stHorizontalBlock']"
    f":has(> [data-testid='stColumn'] :is({_CHARTS}))"
)
"""A row of columns with a chart in one of them: stacked, the chart's column first."""


def presenting() -> bool:
    """Is presenter mode on for this session? Reads and keeps the URL flag."""
    given = st.query_params.get_all(KEY)
    if given:
        st.session_state[_STATE] = given[0] == "1"
    on = bool(st.session_state.get(_STATE, False))
    if on and given != ["1"]:
        st.query_params[KEY] = "1"
    elif not on and given:
        del st.query_params[KEY]
    return on


def style() -> None:
    """Enlarge chart and body text when presenting, hide the main area's captions (pages
    write them with ``st.caption``; the sidebar leaves its own out), and stack any row of
    columns that holds a chart, chart first, so the chart spans the projector's width."""
    if presenting():
        st.html(
            "<style>.vega-embed text{font-size:15px !important}"
            "[data-testid='stMarkdownContainer'] p{font-size:1.2rem}"
            "[data-testid='stMetricValue']{font-size:2.4rem}"
            "[data-testid='stMain'] [data-testid='stCaptionContainer']{display:none}"
            f"{_CHART_ROW}{{flex-direction:column !important}}"
            f"{_CHART_ROW} > [data-testid='stColumn']"
            "{width:100% !important;flex:1 1 auto !important;min-width:100% !important}"
            f"{_CHART_ROW} > [data-testid='stColumn']:has(:is({_CHARTS})){{order:-1}}</style>"
        )
