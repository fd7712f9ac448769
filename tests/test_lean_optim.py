"""The compiled optimizer loop must be torch.optim's, bit for bit.

``tc.train`` runs ``thermo_core.lean_optim`` wherever it can and its Python loop with the
real ``torch.optim`` classes when asked (``book_loop=True``). Every history value, recorded
state and final parameter must be *equal*: the optimizer page shows the compiled numbers,
and its tests compare them with independent replays. Each comparison also checks which
engine ran (``Run.settings["engine"]``), so it fails if the fast path silently stops running.
The fast path is switched on here whatever ``THERMO_FAST_PATH`` says: these tests test it.
"""

from __future__ import annotations

import logging

import pytest
import torch

import thermo_core as tc
from thermo_core import compiled, lean_optim
from thermo_core.training import train

torch.set_num_threads(1)


@pytest.fixture(autouse=True)
def fast_path_on(monkeypatch):
    monkeypatch.setattr(compiled, "ENABLED", frozenset(compiled.PARTS))

CASES = [
    ("manual", {}), ("SGD", {}), ("SGD", {"momentum": 0.9}),
    ("SGD", {"momentum": 0.99, "nesterov": True}), ("Adagrad", {}),
    ("Adagrad", {"lr_decay": 0.01, "weight_decay": 0.1}), ("RMSprop", {}),
    ("Adadelta", {}), ("Adam", {}), ("Adam", {"betas": (0.5, 0.9)}),
    ("Adam", {"weight_decay": 0.1}), ("AdamW", {}), ("AdamW", {"betas": (0.8, 0.99)}),
    ("NAdam", {}), ("NAdam", {"betas": (0.95, 0.9)}),
    ("RAdam", {}),
]
RATES = {"manual": 1e-4, "SGD": 1e-4, "Adadelta": 1.0}


def _both(name: str, kw: dict, mode: str, epochs: int = 1100, lr: float | None = None):
    t_u, t_c = tc.load_readings()
    x = tc.normalize(t_u, mode)
    rate = lr if lr is not None else RATES.get(name, 0.1)
    record = [e for e in (1, 2, 3, 511, 512, 513, 1100) if e <= epochs]
    return [train(x, t_c, optimizer=name, lr=rate, epochs=epochs, record_state_at=record,
                  val=(x[:3], t_c[:3]), book_loop=book, **kw) for book in (True, False)]


def _assert_same(a, b, engine: str = "compiled") -> None:
    """``a`` ran the book's loop, ``b`` the fast path on ``engine``; every number equal."""
    assert (a.settings["engine"], b.settings["engine"]) == ("book", engine)
    assert list(a.history.columns) == list(b.history.columns)
    for col in a.history.columns:
        assert torch.equal(torch.tensor(a.history[col].to_numpy()).nan_to_num(),
                           torch.tensor(b.history[col].to_numpy()).nan_to_num()), col
    assert torch.equal(a.params.nan_to_num(), b.params.nan_to_num())
    assert a.diverged_at == b.diverged_at
    assert list(a.states.columns) == list(b.states.columns)
    assert a.states.fillna(0).equals(b.states.fillna(0))


@pytest.mark.parametrize("mode", ["none", "scale"])
@pytest.mark.parametrize(("name", "kw"), CASES, ids=[f"{n}-{k}" for n, k in CASES])
def test_compiled_loop_equals_torch_optim_bit_for_bit(name, kw, mode):
    _assert_same(*_both(name, kw, mode))


@pytest.mark.parametrize("name", ["SGD", "Adam", "RMSprop"])
def test_a_diverging_run_matches_too(name):
    a, b = _both(name, {}, "none", epochs=600, lr=10.0 if name != "SGD" else 1e-2)
    _assert_same(a, b)


def test_every_catalogue_optimizer_but_lbfgs_is_compiled():
    from thermo_core.lessons import optimizers as op

    t_u, t_c = tc.load_readings()
    for label, spec in op.CATALOGUE.items():
        for mode in ("none", "scale"):
            run = train(tc.normalize(t_u, mode), t_c, epochs=3, **op.settings_for(label, mode))
            want = "book" if spec.cls == "LBFGS" else "compiled"
            assert run.settings["engine"] == want, (label, mode)


def test_settings_it_does_not_reproduce_keep_the_python_loop():
    p = torch.zeros(2, requires_grad=True)
    assert lean_optim.plan("SGD", torch.optim.SGD([p], lr=0.1, weight_decay=0.1)) is None
    assert lean_optim.plan("Adam", torch.optim.Adam([p], lr=0.1, fused=True)) is None
    assert lean_optim.plan("Adam", torch.optim.Adam([p], lr=0.1, foreach=True)) is None
    assert lean_optim.plan("Adam", torch.optim.Adam([p], lr=0.1, amsgrad=True)) is None
    assert lean_optim.plan("RMSprop", torch.optim.RMSprop([p], lr=0.1, centered=True)) is None
    assert lean_optim.plan("LBFGS", torch.optim.LBFGS([p])) is None


def test_the_loop_compiles():
    assert lean_optim.compiled_loop() is not lean_optim.line_epochs, "TorchScript failed"


@pytest.mark.parametrize("schedule", ["constant", "StepLR", "ExponentialLR", "CosineAnnealingLR"])
@pytest.mark.parametrize(("name", "kw"), [("manual", {}), ("SGD", {"momentum": 0.9}),
                                          ("Adam", {}), ("NAdam", {})])
def test_scheduled_runs_are_compiled_and_equal(name, kw, schedule):
    t_u, t_c = tc.load_readings()
    x = tc.normalize(t_u, "scale")
    runs = [train(x, t_c, optimizer=name, lr=RATES.get(name, 0.05), epochs=700,
                  schedule=schedule, schedule_kwargs={"step_size": 50} if schedule == "StepLR"
                  else None, record_state_at=[1, 50, 51, 700], book_loop=book, **kw)
            for book in (True, False)]
    _assert_same(*runs)
    if schedule != "constant":
        assert runs[1].history["lr"].nunique() > 1


def test_plateau_schedule_keeps_the_python_loop(monkeypatch):
    t_u, t_c = tc.load_readings()
    monkeypatch.setattr(lean_optim, "compiled_loop", lambda: pytest.fail("compiled used"))
    run = train(tc.normalize(t_u, "scale"), t_c, optimizer="SGD", lr=0.05, epochs=50,
                schedule="ReduceLROnPlateau")
    assert len(run.history) == 50 and run.settings["engine"] == "book"


def _fails_in_chunk(chunk: int):
    """A stand-in for the compiled loop: the real one, raising at the start of ``chunk``
    (after earlier chunks changed the parameters and the optimizer state in place)."""
    real = compiled.script(lean_optim.line_epochs)

    def loop(code, p, *args):
        if args[5] // 512 == chunk:  # args[5] is the first epoch of the chunk
            raise RuntimeError("forced failure of the fast path")
        return real(code, p, *args)

    return loop


@pytest.mark.parametrize("chunk", [0, 1])
@pytest.mark.parametrize(("name", "kw", "schedule"), [("Adam", {}, "StepLR"),
                                                      ("SGD", {"momentum": 0.9}, None),
                                                      ("manual", {}, None)])
def test_a_failing_fast_path_runs_the_book_loop_and_says_so(monkeypatch, caplog, name, kw,
                                                            schedule, chunk):
    t_u, t_c = tc.load_readings()
    x = tc.normalize(t_u, "scale")
    args = {"optimizer": name, "lr": RATES.get(name, 0.05), "epochs": 1100,
            "schedule": schedule, "record_state_at": [1, 600, 1100], **kw}
    book = train(x, t_c, book_loop=True, **args)
    monkeypatch.setattr(lean_optim, "compiled_loop", lambda: _fails_in_chunk(chunk))
    monkeypatch.setattr(compiled, "_reported", set())  # a reason is logged once per process
    with caplog.at_level(logging.WARNING, logger="thermo_core.compiled"):
        fell_back = train(x, t_c, **args)
    _assert_same(book, fell_back, engine="book")
    assert "forced failure of the fast path" in caplog.text


@pytest.mark.parametrize("name", ["Adam", "AdamW", "Adagrad"])
def test_the_switch_turns_lean_optim_off_and_changes_no_number(monkeypatch, name):
    t_u, t_c = tc.load_readings()
    fast = train(t_u, t_c, optimizer=name, lr=0.1, epochs=20, record_state_at=[20])
    monkeypatch.setattr(compiled, "ENABLED", frozenset({"lean_loop"}))
    monkeypatch.setattr(lean_optim, "compiled_loop", lambda: pytest.fail("lean_optim used"))
    off = train(t_u, t_c, optimizer=name, lr=0.1, epochs=20, record_state_at=[20])
    _assert_same(off, fast)


def test_a_failing_plan_runs_the_book_loop_too(monkeypatch):
    """What a torch release renaming an optimizer's defaults would do to ``lean_optim.plan``."""
    t_u, t_c = tc.load_readings()
    book = train(t_u, t_c, optimizer="NAdam", lr=0.1, epochs=50, book_loop=True)

    def broken(name, opt):
        raise KeyError("momentum_decay")

    monkeypatch.setattr(lean_optim, "plan", broken)
    fell_back = train(t_u, t_c, optimizer="NAdam", lr=0.1, epochs=50)
    assert fell_back.settings["engine"] == "book"
    assert fell_back.history.equals(book.history) and torch.equal(fell_back.params, book.params)
