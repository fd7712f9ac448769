"""Load smoke test: a small class (5 students, 20 s) on a real ``streamlit run`` of this tree.

It runs benchmarks/classroom.py through its Python API and asserts only that nothing
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

pytestmark = pytest.mark.load  # a load smoke test: one server, 5 websocket students, ~40 s


def _classroom():
    spec = importlib.util.spec_from_file_location(
        "classroom", ROOT / "benchmarks" / "classroom.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules["classroom"] = module
    spec.loader.exec_module(module)
    return module


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
