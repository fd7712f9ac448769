"""The benchmark script keeps working: a short run, checked for agreement, not for speed."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_train_speed_script_runs_and_agrees_with_the_chapter_loop(capsys):
    spec = importlib.util.spec_from_file_location(
        "train_speed", ROOT / "benchmarks" / "train_speed.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.main(["--repeats", "1", "--epochs", "300"]) == 0
    out = capsys.readouterr().out
    assert "SGD lr=1e-2, scale inputs" in out and "Adam lr=1e-1, raw inputs" in out
    assert "final params agree with the chapter loop: yes" in out
