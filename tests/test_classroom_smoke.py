"""Load smoke tests: a small class (5 students, 20 s) on a real ``streamlit run`` of this tree,
and a tiny harsh class (2 students) through scripts/serve.sh with two replicas.

They run benchmarks/classroom.py through its Python API and assert only that nothing
failed (no Exception element, disconnect, timeout, compile error or missing page) and
that every student got at least one rerun after a widget change. No timing asserts: the
figures are printed for the log, and the full-size comparison is
``python benchmarks/classroom.py``.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

sys.path.insert(0, str(ROOT / "benchmarks"))
from classroom_client import Widget, first_range_widget, uniform_state  # noqa: E402
from streamlit.proto.NumberInput_pb2 import NumberInput  # noqa: E402
from streamlit.proto.Slider_pb2 import Slider  # noqa: E402


def _classroom():
    spec = importlib.util.spec_from_file_location(
        "classroom", ROOT / "benchmarks" / "classroom.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules["classroom"] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.load  # one server, 5 websocket students, ~40 s
def test_classroom_load_smoke_five_students_twenty_seconds(capsys):
    classroom = _classroom()
    cfg = classroom.LoadConfig(sessions=5, duration=20.0, ramp=2.0, think=2.0, timeout=30.0)
    # In a thread of its own: the session's Playwright browser keeps an event loop running in
    # this one, and the harness starts its own with asyncio.run.
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as pool:
        result = pool.submit(classroom.run_load, ROOT, cfg, label="current").result()
    with capsys.disabled():
        classroom.report([result])

    tally = result.tally
    assert tally.errors == [], f"{len(tally.errors)} errors under load: {tally.errors[:5]}"
    assert result.log_tracebacks == 0, result.extra.get("server log tail")
    assert sorted(tally.reruns_per_student) == list(range(cfg.sessions))
    no_rerun = [s for s, n in tally.reruns_per_student.items() if n < 1]
    assert no_rerun == [], f"students without a completed rerun: {no_rerun}"
    assert len(tally.first_render) >= cfg.sessions


# ---------------------------------------------------------------- the harsh class


def _slider(lo: float, hi: float, step: float, default: list[float], whole: bool = False,
            main: bool = True) -> Widget:
    proto = Slider(id="s", label="s", min=lo, max=hi, step=step, default=default,
                   data_type=Slider.INT if whole else Slider.FLOAT)
    return Widget("s", "slider", "s", proto, "", False, main=main)


def test_harsh_values_cover_a_sliders_whole_range_on_its_step_grid():
    import random

    w = _slider(-1.0, 2.0, 0.001, [1.0])
    rng = random.Random(3)
    values = [uniform_state(w, None, rng).double_array_value.data[0] for _ in range(400)]
    assert all(-1.0 <= v <= 2.0 for v in values)
    assert all(abs((v + 1.0) / 0.001 - round((v + 1.0) / 0.001)) < 1e-6 for v in values)
    # Uniform over 3,001 points: both outer tenths are reached and almost no value repeats
    # (a window around the current value, or a few favourite values, would fail one).
    assert min(values) < -0.7 and max(values) > 1.7
    assert len(set(values)) > 360


def test_harsh_values_keep_a_widgets_kind():
    import random

    rng = random.Random(5)
    ints = _slider(1, 60, 1, [10], whole=True)
    for _ in range(50):
        (v,) = uniform_state(ints, None, rng).double_array_value.data
        assert v == int(v) and 1 <= v <= 60
    pair = _slider(0.0, 1.0, 0.05, [0.2, 0.8])
    for _ in range(50):
        lo, hi = uniform_state(pair, None, rng).double_array_value.data
        assert 0.0 <= lo < hi <= 1.0
    box = NumberInput(id="n", label="n", min=0.0001, max=1.0, has_min=True, has_max=True,
                      step=0.0001, data_type=NumberInput.FLOAT)
    number = Widget("n", "number_input", "n", box, "", False)
    got = {uniform_state(number, None, rng).double_value for _ in range(100)}
    assert all(0.0001 <= v <= 1.0 for v in got) and len(got) > 90


def test_harsh_changes_the_first_slider_or_number_input_of_the_page_itself():
    side = _slider(0, 1, 0.1, [0.5], main=False)
    radio = Widget("r", "radio", "r", None, "", False)
    first = _slider(0, 1, 0.1, [0.5])
    assert first_range_widget([side, radio, first, _slider(0, 2, 1, [1])]) is first
    assert first_range_widget([side, radio]) is None


@pytest.mark.load
@pytest.mark.proxy
def test_harsh_class_through_two_replicas(capsys):
    """2 students at once, every change new, through serve.sh's HAProxy to 2 replicas."""
    classroom = _classroom()
    cfg = classroom.LoadConfig(sessions=2, duration=12.0, ramp=0.0, think=1.0, p_preset=0.0,
                               timeout=30.0, harsh=True)
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as pool:
        result = pool.submit(classroom.run_load, ROOT, cfg, "2 replicas", replicas=2).result()
    with capsys.disabled():
        classroom.report([result])

    tally = result.tally
    assert tally.errors == [], tally.errors[:5]
    assert result.log_tracebacks == 0, result.extra.get("server log tail")
    assert tally.presets_clicked == 0
    assert all(n >= 1 for n in tally.reruns_per_student.values()), tally.reruns_per_student
    assert len(tally.first_render) >= cfg.sessions
    # Both replicas' processes were measured (the tree of serve.sh), each well over 100 MB.
    assert result.rss_peak_mb > 200
