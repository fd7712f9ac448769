"""A chart's data as a CSV file: every computed point, not the thinned rows the browser draws.

Pages thin long histories before sending them to Vega (a few hundred rows of a 5,000-epoch
run); a learner who wants to plot or check the numbers elsewhere wants all of them. So a
download names a function that recomputes the chart's full frame from plain settings, and
Streamlit calls it only when the learner clicks: a rerun registers a closure and computes
nothing, and no cache holds full histories for sessions that never ask for them. The
function runs in a server thread outside the script run, so it must not touch ``st``: it
calls ``thermo_core`` (or the page's plain helpers) with values captured at the rerun.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
import streamlit as st

LABEL = "Download these numbers (CSV)"
MIME = "text/csv"
HELP = ("Every computed point behind this chart, not only the ones drawn, as a CSV file "
        "for a spreadsheet or pandas. Floats are written in full, so they read back exactly.")
_UNSAFE = re.compile(r"[^A-Za-z0-9._+-]+")


@dataclass(frozen=True)
class Csv:
    """One chart's download: its file name and the function that builds its frame on click."""

    file_name: str
    frame: Callable[[], pd.DataFrame]


def _part(key: str, value: object) -> str:
    """A setting in a file name: numbers after their key (``lr0.0001``), words as they are."""
    if isinstance(value, bool):
        return f"{key}-{'on' if value else 'off'}"
    if isinstance(value, int | float):
        return f"{key}{float(value):g}"
    return str(value)


def file_name(chart: str, **settings: object) -> str:
    """``<chart>_<setting>_….csv`` in safe characters, e.g. ``divergence_lr0.0001_epochs100.csv``.

    A setting's value is data (it may come from a link), so anything outside letters,
    digits and ``._+-`` becomes a ``-``.
    """
    parts = [chart, *(_part(k, v) for k, v in settings.items())]
    return "_".join(_UNSAFE.sub("-", p).strip("-") for p in parts) + ".csv"


def csv(chart: str, frame: Callable[[], pd.DataFrame], **settings: object) -> Csv:
    """The download of ``chart`` drawn with ``settings``, whose full frame ``frame`` builds."""
    return Csv(file_name(chart, **settings), frame)


def text(frame: pd.DataFrame) -> str:
    """The frame as CSV text, each float with the fewest digits that identify it in its own
    dtype: a float32 loss reads ``1763.8848``, not ``1763.884765625``, and reads back
    exactly as float32 (``pd.read_csv(..., dtype="float32")``)."""
    return frame.to_csv(index=False, lineterminator="\n")


def button(download: Csv) -> None:
    """A small download button whose CSV is built only when it is clicked."""
    st.download_button(
        LABEL,
        data=lambda: text(download.frame()),
        file_name=download.file_name,
        mime=MIME,
        on_click="ignore",
        type="tertiary",
        icon=":material/download:",
        help=HELP,
        key=f"csv.{download.file_name}",
    )
