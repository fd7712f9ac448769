"""The current view as a Jupyter notebook: the page's takeaway and settings, then the code
panel's script cut into cells at its ``# %% Title: what it does`` lines, each after a
markdown cell saying what it does, and last a cell drawing the page's chart.

The script inlines the readings and needs only torch; the chart needs pandas and Altair.
So the notebook runs top to bottom in a fresh kernel with no file of this repo.

The server executes nothing: the button hands Streamlit a function that builds the JSON
only when the learner clicks, so a rerun costs one closure over strings it already has.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
import streamlit as st
from nbformat import v4
from streamlit.runtime.scriptrunner import get_script_run_ctx

from .catalog import page_info
from .controls import Control
from .notebook_charts import CHARTS

LABEL = "Download as notebook (.ipynb)"
MIME = "application/x-ipynb+json"
_MARKER = re.compile(r"^# %% (?P<title>[^:\n]+): (?P<what>[^\n]+)$", re.MULTILINE)
_KERNEL = {"name": "python3", "display_name": "Python 3", "language": "python"}


@dataclass(frozen=True)
class Section:
    """One step of a script: its title, what it does, and its code (marker line dropped)."""

    title: str
    what: str
    code: str


def sections(script: str) -> list[Section]:
    """The script's steps, one per marker line; the script must open with a marker."""
    marks = list(_MARKER.finditer(script))
    if not marks or script[: marks[0].start()].strip():
        raise ValueError("a code-panel script must open with a '# %% Title: what it does' line")
    ends = [m.start() for m in marks[1:]] + [len(script)]
    return [
        Section(m["title"], m["what"], script[m.end() : end].strip("\n"))
        for m, end in zip(marks, ends, strict=True)
    ]


def _shown(control: Control, value: Any, values: Mapping[str, Any]) -> str:
    """A control's value as its widget shows it."""
    labels = control.labels_for(values)
    label = (lambda o: labels.get(o, str(o))) if labels else str
    if control.kind == "toggle":
        return "on" if value else "off"
    if control.kind == "multiselect":
        return ", ".join(label(v) for v in value)
    if control.numeric:
        fmt = control.resolve(values)[2]
        return fmt % value if fmt else repr(value)
    return label(value)


def settings(stem: str, values: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(label, value as shown) for each of the page's controls, in the page's order."""
    controls = importlib.import_module(f"ui.{stem}.settings").CONTROLS
    return [(c.label, _shown(c, values[c.key], values)) for c in controls if c.key in values]


def _intro(stem: str, shown: Sequence[tuple[str, str]]) -> str:
    info = page_info(stem)
    # Values go in code spans: they are data, shown as written, never read as markdown.
    lines = "\n".join(f"- {label}: `{value}`" for label, value in shown)
    return (
        f"# {info.title}\n\n**{info.takeaway}**\n\n"
        f"This notebook is the view you downloaded from *Mechanics of Learning*, with these "
        f"settings:\n\n{lines}\n\n"
        "The cells below are the page's \"Show the PyTorch code\" script, one step per cell, "
        "with the readings written in. Run them top to bottom in a fresh kernel: they need "
        "only `torch`, and `pandas` and `altair` for the chart at the end "
        "(`pip install torch pandas altair`)."
    )


def build(stem: str, script: str, shown: Sequence[tuple[str, str]]) -> nbformat.NotebookNode:
    """The notebook for the page ``stem`` showing ``script`` with the settings ``shown``."""
    cells = [v4.new_markdown_cell(_intro(stem, shown))]
    for part in sections(script):
        what = part.what[:1].upper() + part.what[1:]
        cells += [v4.new_markdown_cell(f"### {part.title}\n\n{what}"),
                  v4.new_code_cell(part.code)]
    chart = CHARTS.get(stem)
    if chart is not None:
        cells += [v4.new_markdown_cell(f"### Chart\n\n{chart.what}"), v4.new_code_cell(chart.code)]
    for i, cell in enumerate(cells):
        cell.id = f"cell-{i}"  # the same view always gives the same file
    return v4.new_notebook(
        cells=cells, metadata={"kernelspec": _KERNEL, "language_info": {"name": "python"}}
    )


def running_stem() -> str:
    """The stem of the page this script run draws (its file is ``pages/<stem>.py``).

    Read from Streamlit's page registry, so it also holds in a fragment's own rerun.
    """
    ctx = get_script_run_ctx()
    if ctx is None:
        raise RuntimeError("running_stem() needs a Streamlit script run")
    return Path(ctx.pages_manager.get_pages()[ctx.page_script_hash]["script_path"]).stem


def download_button(stem: str, script: str, values: Mapping[str, Any]) -> None:
    """The "Download as notebook (.ipynb)" button for this view; built only on click."""
    shown = settings(stem, values)
    st.download_button(
        LABEL,
        data=lambda: nbformat.writes(build(stem, script, shown)),
        file_name=f"{stem}.ipynb",
        mime=MIME,
        on_click="ignore",
        icon=":material/download:",
        help="This view's code as a Jupyter notebook: the takeaway and settings, the script "
        "one step per cell, and the chart. It runs anywhere torch, pandas and altair are "
        "installed.",
    )
