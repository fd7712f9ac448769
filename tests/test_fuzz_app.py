"""Property-based fuzzing of every page in the catalog (hypothesis + AppTest).

For each page, random links (valid, off-step, out-of-range, non-numeric, markdown/HTML,
repeated values) for its declared controls, then random widget changes and preset
clicks. Whatever happens, the page must not raise, must not show a red error box, must
not print "nan"/"inf"/"None" bare, and every control must show the value the page
computed with (the same value is in session state and, canonically, in the URL).

CI runs FUZZ_EXAMPLES (default 100) examples per page; scripts/fuzz.sh runs 2,000.
A new page joins by being listed in ui/catalog.py.
"""

from __future__ import annotations

import importlib
import os
import re

import pytest
from conftest import ROOT
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ui.catalog import PAGES
from ui.controls import Control, Values

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "100"))
HOSTILE = [
    "x` [click me](https://example.com) `",
    "`![t](https://example.com/t.png)`",
    "<script>alert(1)</script>",
    "1_0",
    "١",
    "１",
    "-0",
    "nan",
    "inf",
    "-inf",
    "1e999",
    "",
    " ",
    "0x10",
    "None",
]
BARE = re.compile(r"(?<![\w-])(nan|NaN|inf|None)(?![\w-])")


def _controls(stem: str) -> tuple[Control, ...]:
    return importlib.import_module(f"ui.{stem}.settings").CONTROLS


def _presets(stem: str):
    return importlib.import_module(f"ui.{stem}.settings").PRESETS


def _url_value(control: Control) -> st.SearchStrategy[str]:
    if control.numeric:
        bounds = control.bounds if not callable(control.bounds) else (-1e3, 1e3)
        lo, hi = bounds
        span = hi - lo
        numbers = st.floats(lo - span, hi + span, allow_nan=False, allow_infinity=False)
        return st.one_of(
            numbers.map(repr),
            numbers.map(lambda x: f"{x:.3e}"),
            st.sampled_from(HOSTILE),
        )
    if control.kind == "toggle":
        return st.sampled_from(["1", "0", "true", "yes", *HOSTILE[:3]])
    if control.kind == "multiselect":
        names = st.lists(st.sampled_from([str(o) for o in control.options]), max_size=4)
        return st.one_of(names.map(",".join), st.sampled_from(HOSTILE))
    return st.one_of(st.sampled_from([str(o) for o in control.options]), st.sampled_from(HOSTILE))


def _links(controls) -> st.SearchStrategy[dict[str, list[str]]]:
    return st.fixed_dictionaries(
        {},
        optional={c.key: st.lists(_url_value(c), min_size=1, max_size=2) for c in controls},
    )


def _widget_value(control: Control, data: st.DataObject, values: Values):
    if control.numeric:
        lo, hi = control.resolve(values)[0]
        x = data.draw(st.floats(lo, hi, allow_nan=False))
        return control.snap(x, values)
    if control.kind == "toggle":
        return data.draw(st.booleans())
    if control.kind == "multiselect":
        chosen = data.draw(st.lists(st.sampled_from(control.options), unique=True, max_size=4))
        return [o for o in control.options if o in chosen]
    return data.draw(st.sampled_from(control.options))


def _check(at, stem: str) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    shown = [m.value for m in at.metric] + [m.value for m in at.markdown]
    # Program output in code fences (the book's own log) is quoted verbatim on purpose.
    shown = [re.sub(r"```.*?```", "", t, flags=re.S) for t in shown]
    for text in shown:
        assert not BARE.search(text), f"{stem}: bare value in {text[:120]!r}"
    for control in _controls(stem):
        widget = _widget(at, control)
        if widget is None or control.key not in at.session_state:
            continue  # not drawn in this state (e.g. a setting of another model)
        value = at.session_state[control.key]
        url = at.query_params.get(control.key)
        default = control.initial(_state(at, stem))
        if control.to_url(value) == control.to_url(default):
            assert url is None, (control.key, url)
        else:
            assert url == control.to_url(value), (control.key, url, value)


def _state(at, stem: str) -> Values:
    return Values({c.key: at.session_state[c.key] for c in _controls(stem)
                   if c.key in at.session_state})


def _widget(at, control: Control):
    finder = {
        "slider": at.slider,
        "number": at.number_input,
        "radio": at.radio,
        "select": at.selectbox,
        "toggle": at.toggle,
        "select_slider": at.select_slider,
        "multiselect": at.multiselect,
    }[control.kind]
    for widget in finder:
        if widget.key == control.key:
            return widget
    return None


@pytest.mark.parametrize("info", PAGES, ids=[p.stem for p in PAGES])
def test_fuzz_page(info):
    from streamlit.testing.v1 import AppTest

    controls = _controls(info.stem)
    presets = _presets(info.stem)

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=os.environ.get("FUZZ_RANDOM") != "1",
        suppress_health_check=list(HealthCheck),
    )
    @given(link=_links(controls), data=st.data())
    def run(link, data):
        at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=60)
        at.switch_page(info.path)
        at.query_params.update(link)
        at.run()
        _check(at, info.stem)
        for _ in range(data.draw(st.integers(0, 2))):
            if presets and data.draw(st.booleans()):
                i = data.draw(st.integers(0, len(presets) - 1))
                at.button(key=f"{info.stem}.preset.{i}").click().run()
            else:
                control = data.draw(st.sampled_from(controls))
                widget = _widget(at, control)
                if widget is None or widget.disabled:
                    continue
                values = _state(at, info.stem)
                widget.set_value(_widget_value(control, data, values)).run()
            _check(at, info.stem)

    run()
