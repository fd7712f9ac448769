"""One test over the catalog, for every page: presets set only declared controls, keys mean
one thing app-wide, each page runs, executes its code panel and links to the next page.

A new page joins these checks by being listed in ui/catalog.py, with no edit here.
"""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest
from conftest import ROOT, run_page

from ui.catalog import PAGES, next_page
from ui.controls import Control, Values

STEMS = [p.stem for p in PAGES]


def settings(stem: str):
    return importlib.import_module(f"ui.{stem}.settings")


def _meaning(c: Control) -> tuple:
    def plain(x):
        return (None if callable(x) else x)
    return (c.kind, c.default, plain(c.bounds), plain(c.step), c.options)


@pytest.mark.parametrize("stem", STEMS)
def test_page_has_one_stem_across_layers(stem):
    assert (ROOT / "pages" / f"{stem}.py").exists()
    assert (ROOT / "ui" / stem / "settings.py").exists()
    assert (ROOT / "ui" / stem / "code.py").exists()
    assert list((ROOT / "tests").glob(f"test_{stem}_*.py")), "no tests named after the stem"
    lines = len((ROOT / "pages" / f"{stem}.py").read_text().splitlines())
    assert lines <= 300, f"pages/{stem}.py has {lines} lines"


@pytest.mark.parametrize("stem", STEMS)
def test_presets_set_only_declared_controls_to_values_they_accept(stem):
    mod = settings(stem)
    declared = {c.key: c for c in mod.CONTROLS}
    assert mod.PRESETS, "every page offers 'Try this' presets"
    for preset in mod.PRESETS:
        unknown = set(preset.values) - set(declared)
        assert not unknown, f"{preset.label} sets undeclared {unknown}"
        values = Values({**{c.key: c.default for c in mod.CONTROLS}, **preset.values})
        for key, value in preset.values.items():
            assert declared[key].accepts(value, values), f"{preset.label}: {key}={value!r}"


def test_no_two_pages_use_one_key_with_different_meanings():
    seen: dict[str, tuple[str, tuple]] = {}
    for stem in STEMS:
        for control in settings(stem).CONTROLS:
            meaning = _meaning(control)
            if control.key in seen:
                other, other_meaning = seen[control.key]
                assert other_meaning == meaning, f"{control.key}: {other} vs {stem}"
            seen[control.key] = (stem, meaning)
    assert "present" not in seen, "'present' is the presenter-mode flag"


@pytest.mark.parametrize("stem", STEMS)
def test_page_runs_shows_takeaway_code_panel_and_next_link(stem):
    info = next(p for p in PAGES if p.stem == stem)
    at = run_page(info.path)
    assert not at.error, [e.value for e in at.error]
    assert any(info.takeaway in m.value for m in at.markdown), "takeaway missing"
    nxt = next_page(stem)
    links = {link.proto.label: link.proto.page for link in at.get("page_link")}
    label = "Back to the start" if nxt.stem == "home" else f"Next: {nxt.title}"
    assert links.get(label) == nxt.url_path, links
    _run_panel_strictly(at, "the defaults")


def _run_panel_strictly(at, what: str) -> None:
    """Run the page's code panel with every Python warning an error; it must print values."""
    panels = [e for e in at.expander if e.label == "Show the PyTorch code"]
    assert len(panels) == 1 and panels[0].code, f"{what}: no code panel"
    out = subprocess.run([sys.executable, "-W", "error", "-c", panels[0].code[0].value],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, f"{what}: the code panel failed or warned:\n{out.stderr[-1500:]}"
    assert " = " in out.stdout, f"{what}: the code panel printed no `name = value` line"


@pytest.mark.parametrize("stem", STEMS)
def test_code_panel_runs_for_every_preset_without_a_warning(stem):
    info = next(p for p in PAGES if p.stem == stem)
    at = run_page(info.path)
    for i, preset in enumerate(settings(stem).PRESETS):
        at.button(key=f"{stem}.preset.{i}").click().run()
        assert not at.error and not at.exception, preset.label
        _run_panel_strictly(at, f"{stem}, preset {preset.label!r}")


def test_last_page_links_home():
    assert next_page(PAGES[-1].stem).stem == "home"
