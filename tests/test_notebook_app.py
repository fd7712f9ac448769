"""The "Download as notebook (.ipynb)" button of every page, in its default view and after
every preset: the notebook is valid, holds the page's takeaway, settings and the whole code
panel script, and runs top to bottom in a fresh kernel (in an empty folder, so no file of
this repo can help) printing the same ``name = value`` lines as that script. The page
tests check those lines against the numbers on the page.

Starting a kernel (torch, pandas, Altair) is the cost here, so each distinct script is
executed once, and the plain script runs after the notebook in the same kernel, in a
namespace of its own, rather than in a second interpreter.
"""

from __future__ import annotations

import importlib
import json
import math
import re
from collections.abc import Callable
from pathlib import Path

import nbformat
import pytest
import streamlit as st
from conftest import run_page
from nbclient import NotebookClient

from ui import notebook
from ui.catalog import PAGES, page_info
from ui.controls import Control

STEMS = [p.stem for p in PAGES]
SLOW = {"overfitting": 600, "optimizers": 300}  # AppTest timeouts of the pages that train
_PRINTED = re.compile(r"^(\S+) = (.*)$", re.MULTILINE)
_SPEC = "chart spec: "


def _printed(text: str) -> dict[str, str]:
    """The ``name = value`` lines of a script's output."""
    return {name: value.strip() for name, value in _PRINTED.findall(text)}


def _same(a: str, b: str) -> bool:
    """Equal texts, or numbers equal to 1e-9: LAPACK's least squares can differ in the last
    bit from one call to the next, far below the digits any page shows."""
    if a == b:
        return True
    try:
        return math.isclose(float(a), float(b), rel_tol=1e-9)
    except ValueError:
        return False


@pytest.fixture
def downloads(monkeypatch) -> list[dict]:
    """Every st.download_button call the page makes, with its arguments."""
    calls: list[dict] = []
    original = st.download_button

    def spy(label, data, **kwargs):
        calls.append({"label": label, "data": data, **kwargs})
        return original(label, data, **kwargs)

    monkeypatch.setattr(st, "download_button", spy)
    return calls


def _open(stem: str):
    return run_page(page_info(stem).path, timeout=SLOW.get(stem, 120))


def _script(at) -> str:
    [panel] = [e for e in at.expander if e.label == "Show the PyTorch code"]
    return panel.code[0].value


def _notebook_download(calls: list[dict]) -> dict:
    """The one notebook button of the run just made (and forget the calls seen so far)."""
    found = [c for c in calls if c["label"] == notebook.LABEL]
    calls.clear()
    assert len(found) == 1, f"{len(found)} notebook download buttons"
    return found[0]


def _read(data: Callable[[], str]) -> nbformat.NotebookNode:
    nb = nbformat.reads(data(), as_version=4)
    nbformat.validate(nb)
    return nb


def _code_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip() and not line.startswith("# %% ")]


def _check_structure(nb: nbformat.NotebookNode, stem: str, script: str) -> None:
    """Takeaway and settings first; a markdown cell before each code cell; the script's
    lines all there in order; a chart cell last; nothing imported from this repo."""
    cells = nb.cells
    intro = cells[0].source
    assert cells[0].cell_type == "markdown" and page_info(stem).takeaway in intro
    for control in importlib.import_module(f"ui.{stem}.settings").CONTROLS:
        assert f"- {control.label}: `" in intro, f"setting {control.label!r} missing"
    kinds = [c.cell_type for c in cells[1:]]
    assert kinds == ["markdown", "code"] * (len(kinds) // 2), kinds
    code = [c.source for c in cells if c.cell_type == "code"]
    assert [line for cell in code[:-1] for line in _code_lines(cell)] == _code_lines(script)
    assert "altair" in code[-1], "the last cell draws the page's chart"
    assert not re.search(r"^\s*(from|import) (thermo_core|ui)\b", "\n".join(code), re.MULTILINE)


def _run(nb: nbformat.NotebookNode, script: str, folder: Path) -> tuple[dict, dict, list, dict]:
    """Execute the notebook in a fresh kernel, then the plain script in the same kernel.

    Returns what the notebook printed, what the script printed, the chart cell's outputs
    and the Vega-Lite spec of the chart it drew.
    """
    nb = nbformat.from_dict(nb)
    cells = len(nb.cells)
    nb.cells += [
        # Out: IPython's outputs by execution count; the chart is the last one.
        nbformat.v4.new_code_cell(f"import json\nprint({_SPEC!r} + json.dumps(Out[max(Out)].to_dict()))"),
        nbformat.v4.new_code_cell(f"exec({script!r}, {{'__name__': '__main__'}})"),
    ]
    NotebookClient(nb, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(folder)}}).execute()
    spec_out, script_out = (_stdout(c) for c in nb.cells[cells:])
    assert spec_out.startswith(_SPEC), "the chart cell's value is not an Altair chart"
    return (_printed("".join(_stdout(c) for c in nb.cells[:cells])), _printed(script_out),
            nb.cells[cells - 1].outputs, json.loads(spec_out.removeprefix(_SPEC)))


def _stdout(cell: nbformat.NotebookNode) -> str:
    if cell.cell_type != "code":
        return ""
    return "".join(o.text for o in cell.outputs if o.output_type == "stream" and o.name == "stdout")


def _unplotted(spec: dict) -> list[str]:
    """Encoded fields missing from the rows they are drawn from (Altair does not check)."""

    def walk(part: dict, data: str | None) -> list[str]:
        data = part.get("data", {}).get("name", data)
        missing = []
        if "encoding" in part:
            rows = spec["datasets"][data]
            assert rows, f"{data}: nothing to draw"
            missing += [f"{channel}: {enc['field']}" for channel, enc in part["encoding"].items()
                        if "field" in enc and any(enc["field"] not in row for row in rows)]
        for layer in part.get("layer", []):
            missing += walk(layer, data)
        return missing

    return walk(spec, None)


@pytest.mark.parametrize("stem", STEMS)
def test_every_page_offers_its_view_as_a_notebook(stem, downloads):
    at = _open(stem)
    assert [b.label for b in at.get("download_button")].count(notebook.LABEL) == 1
    call = _notebook_download(downloads)
    assert call["file_name"] == f"{stem}.ipynb"
    assert call["mime"] == "application/x-ipynb+json"
    assert call["on_click"] == "ignore", "a download must not rerun the page"
    assert callable(call["data"]), "built on click, not on every rerun"
    _check_structure(_read(call["data"]), stem, _script(at))


@pytest.mark.parametrize("stem", STEMS)
def test_every_presets_notebook_runs_and_prints_what_its_script_prints(stem, downloads,
                                                                       tmp_path):
    at = _open(stem)
    views = {"default": (_script(at), _notebook_download(downloads)["data"])}
    presets = importlib.import_module(f"ui.{stem}.settings").PRESETS
    for i, preset in enumerate(presets):
        at.button(key=f"{stem}.preset.{i}").click().run(timeout=SLOW.get(stem, 120))
        assert not at.exception, [e.value for e in at.exception]
        views[preset.label] = (_script(at), _notebook_download(downloads)["data"])
    done: set[str] = set()
    for view, (script, data) in views.items():
        nb = _read(data)
        _check_structure(nb, stem, script)
        if script in done:
            continue
        done.add(script)
        from_notebook, from_script, shown, spec = _run(nb, script, tmp_path)
        assert from_script, f"{view}: the script printed no `name = value` line"
        assert from_notebook.keys() == from_script.keys(), view
        assert all(_same(from_notebook[k], v) for k, v in from_script.items()), \
            (view, from_notebook, from_script)
        assert any("vega" in o.get("data", {}).get("text/html", "") for o in shown), view
        assert not _unplotted(spec), f"{view}: fields missing from the chart's data"
    assert list(tmp_path.iterdir()) == [], "the notebook wrote files"


def test_a_script_is_cut_at_its_markers_and_must_open_with_one():
    parts = notebook.sections(
        "# %% Data: the readings: eleven.\nx = 1\n\n\n# %% Results: what it prints.\nprint(x)\n"
    )
    assert [(p.title, p.what, p.code) for p in parts] == [
        ("Data", "the readings: eleven.", "x = 1"), ("Results", "what it prints.", "print(x)")
    ]
    for unmarked in ("import torch\n# %% Data: x.\nx = 1\n", "import torch\n"):
        with pytest.raises(ValueError, match="must open with"):
            notebook.sections(unmarked)


def test_settings_read_as_the_widgets_show_them(monkeypatch):
    controls = (
        Control("n", "Rate", "slider", 0.5, bounds=(0.0, 1.0), step=0.001, fmt="%.3f"),
        Control("m", "Model", "radio", "mlp", options=("line", "mlp"), labels={"mlp": "Network"}),
        Control("t", "Leak", "toggle", False),
        Control("o", "Optimizers", "multiselect", (), options=("sgd", "adam"),
                labels={"sgd": "SGD", "adam": "Adam"}),
    )
    monkeypatch.setattr(importlib.import_module("ui.home.settings"), "CONTROLS", controls)
    values = {"n": 0.25, "m": "mlp", "t": True, "o": ("adam", "sgd")}
    assert notebook.settings("home", values) == [
        ("Rate", "0.250"), ("Model", "Network"), ("Leak", "on"), ("Optimizers", "Adam, SGD")
    ]
