"""Compiling a loop must change no number: each compiled loop against the same code run
as plain Python (``thermo_core.compiled.script`` swapped for the identity)."""

from __future__ import annotations

import torch

import thermo_core as tc
from thermo_core import compiled
from thermo_core.training import _descend_epochs, descend_many


def test_descend_many_compiled_equals_python(monkeypatch):
    t_u, t_c = tc.load_readings()
    rates = [1e-5 * k for k in range(1, 61)]  # some of them diverge
    fast = descend_many(t_u, t_c, rates, epochs=700)
    monkeypatch.setattr(compiled, "script", lambda fn: fn)
    slow = descend_many(t_u, t_c, rates, epochs=700)
    assert torch.equal(fast.losses.nan_to_num(), slow.losses.nan_to_num())
    assert torch.equal(fast.params.nan_to_num(), slow.params.nan_to_num())
    assert fast.diverged_at == slow.diverged_at and any(fast.diverged_at)


def test_script_compiles_and_caches():
    first = compiled.script(_descend_epochs)
    assert first is not _descend_epochs and compiled.script(_descend_epochs) is first


def test_every_hot_loop_compiles_at_startup():
    compiled.compile_all()
    names = {fn.__name__ for fn in compiled._hot}
    assert {"epochs_loop", "line_epochs", "_descend_epochs", "forward_each"} <= names
    for fn in compiled._hot:
        assert compiled.script(fn) is not fn, f"{fn.__name__} did not compile"


def test_script_falls_back_to_python_for_what_torchscript_cannot_compile():
    def not_scriptable(x):  # no annotations and a generator: TorchScript refuses it
        return sum(v for v in x)

    assert compiled.script(not_scriptable) is not_scriptable
    assert not_scriptable([1, 2]) == 3
