"""Text alternatives for charts: a spec's spoken description and the table behind a chart.

A chart is canvas or SVG without words: a screen reader announces it as "Vega
visualization" unless the spec has a ``description`` (Vega sets it as the chart's
aria-label). Each page builds that sentence from the numbers it draws (``ui/<stem>/text.py``)
and sets it per rerun, which costs the server one dict copy. In the browser a changed
description makes Streamlit rebuild the chart instead of swapping its data, so a heavy chart
whose data alone follows a frequent click (the loss-surface heatmap) gets a description that
does not follow that click. The table in a closed expander under a key chart is the same
numbers, readable by anyone, downsampled as drawn; under it, a button downloads the chart's
full-resolution data as CSV (``ui/downloads.py``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
import streamlit as st

from thermo_core.numbers import fmt
from ui import downloads

TABLE_LABEL = "The numbers behind this chart"


def described(spec: Mapping[str, Any], description: str) -> dict:
    """A shallow copy of ``spec`` with its ``description`` (the chart's accessible name)."""
    return {**spec, "description": description}


@dataclass(frozen=True)
class Twin:
    """A scrubber's twin (:func:`scrub_twin`): its widget key, the drawn epochs it steps
    over, the sentence for an epoch, and its help text."""

    key: str
    epochs: Sequence[int]
    sentence: Callable[[int], str]
    help: str


def numbers(*tables: tuple[str, pd.DataFrame], twin: Twin | None = None,
            label: str = TABLE_LABEL, csv: downloads.Csv | None = None) -> None:
    """A closed expander holding the chart's scrubber twin (if any), then each (caption,
    frame) as a table with named headers, then the chart's CSV download (if any).

    Raises if a column is unnamed: a screen reader reads each cell with its header.
    """
    with st.expander(label, expanded=False, icon=":material/table:"):
        if twin is not None:
            scrub_twin(twin.key, twin.epochs, twin.sentence, twin.help)
        for caption, frame in tables:
            unnamed = [c for c in frame.columns if not str(c).strip()]
            if unnamed:
                raise ValueError(f"table {caption!r} has an unnamed column")
            if caption:
                st.caption(caption)
            st.dataframe(frame, hide_index=True, width="stretch")
        if csv is not None:
            downloads.button(csv)


def trend(values: Sequence[float], epochs: Sequence[int] | None = None, digits: int = 4) -> str:
    """How a series goes from its first value to its last, in words: "falls from 1,763.8848
    to 2.9276", or "rises from 1,763.8848 to ∞ by epoch 11" when it stops being finite."""
    first = float(values[0])
    bad = next((i for i, v in enumerate(values) if not math.isfinite(float(v))), None)
    if bad is not None:
        when = f" by epoch {epochs[bad]}" if epochs is not None else ""
        return f"rises from {fmt(first, digits)} to {fmt(float(values[bad]), digits)}{when}"
    last = float(values[-1])
    verb = "falls" if last < first else "rises" if last > first else "stays"
    return f"{verb} from {fmt(first, digits)} to {fmt(last, digits)}"


def lr_text(lr: float) -> str:
    """A learning rate as a learner reads it: 0.01, 0.0001, 1e−5."""
    return fmt(lr, sig=3, trim=True)


TWIN_LABEL = "Read the numbers at epoch"


@st.fragment
def scrub_twin(key: str, epochs: Sequence[int], sentence: Callable[[int], str],
               help_text: str) -> None:
    """A keyboard and screen-reader twin of a chart's in-browser epoch scrubber.

    The chart's scrubber changes only pixels; this slider steps over the same drawn epochs
    and states the numbers at the chosen one in a line of text. It is a fragment, so moving
    it reruns only itself, never the page's training runs or charts.
    """
    options = list(epochs)
    at = st.select_slider(TWIN_LABEL, options=options, value=options[-1], key=key,
                          help=help_text)
    st.markdown(sentence(int(at)))
