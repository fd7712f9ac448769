"""Compiling a loop must change no number: each compiled loop against the same code run
as plain Python (``thermo_core.compiled.script`` swapped for the identity). And the fast
path must give way cleanly: to plain Python where TorchScript cannot compile, to the book's
loop where it fails, and everywhere ``THERMO_FAST_PATH`` turns it off."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import textwrap

import pytest
import torch
from conftest import ROOT

import thermo_core as tc
from thermo_core import compiled
from thermo_core.training import _descend_epochs, descend_many

RATES = [1e-5 * k for k in range(1, 61)]  # some of them diverge


@pytest.fixture(autouse=True)
def fast_path_on(monkeypatch):
    monkeypatch.setattr(compiled, "ENABLED", frozenset(compiled.PARTS))


def _assert_same_sweep(a: tc.ManyRuns, b: tc.ManyRuns) -> None:
    assert torch.equal(a.losses.nan_to_num(), b.losses.nan_to_num())
    assert torch.equal(a.params.nan_to_num(), b.params.nan_to_num())
    assert a.diverged_at == b.diverged_at and any(a.diverged_at)


def test_descend_many_compiled_equals_python(monkeypatch):
    t_u, t_c = tc.load_readings()
    fast = descend_many(t_u, t_c, RATES, epochs=700)
    monkeypatch.setattr(compiled, "script", lambda fn: fn)
    slow = descend_many(t_u, t_c, RATES, epochs=700)
    assert (fast.engine, slow.engine) == ("compiled", "python")
    _assert_same_sweep(fast, slow)


def test_descend_many_runs_as_python_when_the_compiled_loop_fails(monkeypatch, caplog):
    t_u, t_c = tc.load_readings()
    fast = descend_many(t_u, t_c, RATES, epochs=700)

    def broken(param_hist, *args):
        param_hist[1:].fill_(7.0)  # writes some rows, then fails
        raise RuntimeError("forced failure of the fast path")

    monkeypatch.setattr(compiled, "script", lambda fn: broken)
    monkeypatch.setattr(compiled, "_reported", set())
    with caplog.at_level(logging.WARNING, logger="thermo_core.compiled"):
        fell_back = descend_many(t_u, t_c, RATES, epochs=700)
    assert fell_back.engine == "python" and "forced failure" in caplog.text
    _assert_same_sweep(fast, fell_back)


def test_script_compiles_and_caches():
    first = compiled.script(_descend_epochs)
    assert first is not _descend_epochs and compiled.script(_descend_epochs) is first


def test_every_hot_loop_compiles_at_startup():
    compiled.compile_all()
    names = {fn.__name__ for fn in compiled._hot}
    assert {"_lean_epochs", "line_epochs", "_descend_epochs", "_forward_each"} <= names
    for fn in compiled._hot:
        assert compiled.script(fn) is not fn, f"{fn.__name__} did not compile"


def test_script_falls_back_to_python_and_says_why_once(caplog):
    def not_scriptable(x):  # no annotations and a generator: TorchScript refuses it
        return sum(v for v in x)

    with caplog.at_level(logging.WARNING, logger="thermo_core.compiled"):
        assert compiled.script(not_scriptable) is not_scriptable
        assert compiled.script(not_scriptable) is not_scriptable
    warned = [r for r in caplog.records if "not_scriptable" in r.getMessage()]
    assert len(warned) == 1 and warned[0].levelno == logging.WARNING
    assert not_scriptable([1, 2]) == 3


def test_without_torchscript_every_training_runs_as_python_with_the_same_numbers(monkeypatch):
    """What torch dropping TorchScript would do: no compile, no optimized_execution."""
    t_u, t_c = tc.load_readings()
    spec = tc.RunSpec("mlp", hidden=8, optimizer="Adam", lr=1e-2, epochs=600)
    runs = [tc.train(t_u, t_c, optimizer="Adam", lr=0.1, epochs=600),
            tc.train_model(spec, t_u, t_c)]

    def gone(fn):
        raise RuntimeError("torch.jit.script is gone")

    monkeypatch.setattr(torch.jit, "script", gone)
    monkeypatch.delattr(torch.jit, "optimized_execution")
    monkeypatch.setattr(compiled, "_cache", {})
    plain = [tc.train(t_u, t_c, optimizer="Adam", lr=0.1, epochs=600),
             tc.train_model(spec, t_u, t_c)]
    for fast, slow in zip(runs, plain, strict=True):
        assert (fast.settings["engine"], slow.settings["engine"]) == ("compiled", "python")
        assert torch.equal(fast.params, slow.params)
        assert fast.history.equals(slow.history)


@pytest.mark.parametrize(("raw", "parts"), [
    ("", {"lean_loop", "lean_optim"}), ("1", {"lean_loop", "lean_optim"}), ("0", set()),
    ("lean_loop", {"lean_loop"}), (" lean_optim , lean_loop ", {"lean_loop", "lean_optim"}),
])
def test_the_switch_names_the_parts_that_run(raw, parts):
    assert compiled.parts_from_env({compiled.ENV_VAR: raw}) == parts


@pytest.mark.parametrize("raw", ["off", "lean_loop,typo", ","])
def test_a_bad_switch_keeps_every_part_on_with_a_warning(raw, caplog):
    with caplog.at_level(logging.WARNING, logger="thermo_core.compiled"):
        assert compiled.parts_from_env({compiled.ENV_VAR: raw}) == set(compiled.PARTS)
    assert compiled.ENV_VAR in caplog.text


def test_the_switch_is_read_at_import_and_only_the_deprecation_notice_is_silenced():
    """A fresh process, deprecation warnings as errors: the compile's notice is filtered at
    import, any other deprecation still raises, and THERMO_FAST_PATH picks the engines."""
    code = textwrap.dedent("""
        import warnings
        import thermo_core as tc
        from thermo_core import compiled, model_training
        assert model_training.lean_loop() is not model_training._lean_epochs
        try:
            warnings.warn("something else is deprecated", DeprecationWarning)
        except DeprecationWarning:
            print("other warnings still raise")
        t_u, t_c = tc.load_readings()
        print(tc.train(t_u, t_c, optimizer="Adam", lr=0.1, epochs=5).settings["engine"])
        print(tc.train_model(tc.RunSpec(epochs=5), t_u, t_c).settings["engine"])
    """)
    env = {**os.environ, compiled.ENV_VAR: "lean_loop", "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-W", "error::DeprecationWarning", "-c", code],
                         env=env, capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split("\n")[:3] == ["other warnings still raise", "book", "compiled"]
