"""The lean training loop must be the book's loop, bit for bit.

``train_model`` runs its lean loop (``thermo_core.model_training``) by default and the literal
loop (module calls, ``backward()``, ``torch.optim``) with ``book_loop=True``. Every recorded number, every kept
snapshot and the final parameters must be *equal*, not close: the overfitting page shows
the lean loop's numbers and its code panel prints the book loop's, and Adam on a big net
turns a last-bit difference into a different answer within a few thousand epochs.
Each comparison also checks which engine ran (``settings["engine"]``), so it fails if the
fast path silently stops running. The fast path is on here whatever ``THERMO_FAST_PATH`` says.
"""

from __future__ import annotations

import logging

import pytest
import torch

import thermo_core as tc
from thermo_core import compiled, model_training
from thermo_core.data import book_split, synthetic_readings

torch.set_num_threads(1)


@pytest.fixture(autouse=True)
def fast_path_on(monkeypatch):
    monkeypatch.setattr(compiled, "ENABLED", frozenset(compiled.PARTS))

CASES = [
    ("linear", {}, {"lr": 1e-2, "epochs": 400}),
    ("linear", {}, {"lr": 1e-2, "epochs": 300, "optimizer": "Adam"}),
    ("poly", {"degree": 10}, {"lr": 1e-1, "epochs": 400, "optimizer": "Adam"}),
    ("poly", {"degree": 4}, {"lr": 1e-1, "epochs": 300, "zero_grad": False}),
    ("poly", {"degree": 3}, {"lr": 0.2, "epochs": 300, "leak": True}),
    ("mlp", {"hidden": 13}, {"lr": 1e-3, "epochs": 400}),
    ("mlp", {"hidden": 1}, {"lr": 1e-2, "epochs": 200}),
    ("mlp", {"hidden": 64, "seed": 5}, {"lr": 1e-2, "epochs": 600, "optimizer": "Adam"}),
    ("mlp", {"hidden": 32}, {"lr": 1e-2, "epochs": 300, "optimizer": "Adam", "leak": True}),
    ("mlp", {"hidden": 8}, {"lr": 1e-1, "epochs": 300, "zero_grad": False, "leak": True}),
    ("mlp", {"hidden": 8}, {"lr": 1e-2, "epochs": 300, "zero_grad": False,
                            "optimizer": "Adam"}),
]


def _train(kind: str, model_kw: dict, train_kw: dict, book: bool, extra: int = 0,
           dtype: torch.dtype = torch.float32) -> tc.ModelRun:
    t_u, t_c = tc.load_readings()
    tr, va = book_split()
    x, y = t_u[tr], t_c[tr]
    if extra:
        su, sc = synthetic_readings(extra, 3.0, 1)
        x, y = torch.cat([x, su]), torch.cat([y, sc])
    held = synthetic_readings(50, 3.0, 7)
    cast = [a.to(dtype) for a in (x, y, t_u[va], t_c[va], *held)]
    return tc.train_model(tc.RunSpec(kind, **model_kw, **train_kw), cast[0], cast[1],
                          val=(cast[2], cast[3]), holdout=(cast[4], cast[5]),
                          keep_at=[1, 2, 50, 150], book_loop=book)


def _assert_same(a: tc.ModelRun, b: tc.ModelRun, engine: str = "compiled") -> None:
    """``a`` ran the book's loop, ``b`` the fast path on ``engine``; every number equal."""
    assert (a.settings["engine"], b.settings["engine"]) == ("book", engine)
    assert list(a.history.columns) == list(b.history.columns)
    for col in a.history.columns:
        assert torch.equal(torch.tensor(a.history[col].to_numpy()),
                           torch.tensor(b.history[col].to_numpy())), col
    assert torch.equal(a.params, b.params)
    assert a.snapshots.keys() == b.snapshots.keys()
    for k in a.snapshots:
        assert torch.equal(a.snapshots[k], b.snapshots[k]), k
    assert a.diverged_at == b.diverged_at


@pytest.mark.parametrize(("kind", "model_kw", "train_kw"), CASES)
def test_lean_loop_equals_the_book_loop_bit_for_bit(kind, model_kw, train_kw):
    _assert_same(_train(kind, model_kw, train_kw, book=True),
                 _train(kind, model_kw, train_kw, book=False))


@pytest.mark.parametrize("kind", ["linear", "poly", "mlp"])
def test_bit_for_bit_in_float64_and_with_extra_readings(kind):
    kw = {"degree": 5} if kind == "poly" else {"hidden": 16} if kind == "mlp" else {}
    train = {"lr": 1e-2, "epochs": 200, "optimizer": "Adam"}
    _assert_same(_train(kind, kw, train, book=True, extra=23, dtype=torch.float64),
                 _train(kind, kw, train, book=False, extra=23, dtype=torch.float64))


def test_a_diverging_run_stops_at_the_same_epoch_with_the_same_numbers():
    a = _train("poly", {"degree": 10}, {"lr": 5.0, "epochs": 600}, book=True)
    b = _train("poly", {"degree": 10}, {"lr": 5.0, "epochs": 600}, book=False)
    assert a.diverged_at is not None and a.diverged_at == b.diverged_at
    assert (a.settings["engine"], b.settings["engine"]) == ("book", "compiled")
    for col in a.history.columns:
        assert torch.equal(torch.tensor(a.history[col].to_numpy()).nan_to_num(),
                           torch.tensor(b.history[col].to_numpy()).nan_to_num()), col


def test_hold_out_scored_only_where_asked_in_both_loops():
    t_u, t_c = tc.load_readings()
    runs = []
    for book in (True, False):
        runs.append(tc.train_model(tc.RunSpec("mlp", hidden=4, lr=1e-3, epochs=20), t_u, t_c,
                                   holdout=(t_u[:3], t_c[:3]), holdout_at=[1, 7, 20],
                                   book_loop=book))
    assert [run.settings["engine"] for run in runs] == ["book", "compiled"]
    for run in runs:
        scored = run.history.dropna(subset=["holdout_loss"])["epoch"].tolist()
        assert scored == [1, 7, 20]
    assert torch.equal(torch.tensor(runs[0].history["holdout_loss"].to_numpy()).nan_to_num(),
                       torch.tensor(runs[1].history["holdout_loss"].to_numpy()).nan_to_num())


def test_other_optimizers_and_settings_fall_back_to_the_book_loop():
    t_u, t_c = tc.load_readings()
    model = tc.make_model("mlp", t_u=t_u)
    supports = model_training.lean_supports
    assert supports(model, tc.RunSpec(optimizer="Adam"))
    assert not supports(model, tc.RunSpec(optimizer="RMSprop"))
    assert not supports(model, tc.RunSpec(hyper=(("momentum", 0.9),)))
    assert not supports(torch.nn.Linear(1, 1), tc.RunSpec())
    for spec in (tc.RunSpec("mlp", optimizer="RMSprop", lr=1e-3, epochs=5),
                 tc.RunSpec("mlp", hyper=(("momentum", 0.9),), lr=1e-3, epochs=5)):
        assert tc.train_model(spec, t_u, t_c).settings["engine"] == "book"


def test_mean_seed_is_two_over_n():
    seed = model_training.mean_seed(9, torch.float64)
    assert seed.shape == (9,)
    assert torch.allclose(seed, torch.full((9,), 2 / 9, dtype=torch.float64), rtol=0, atol=1e-16)


def test_the_loop_compiles_and_the_compiled_and_python_runs_agree(monkeypatch):
    assert model_training.lean_loop() is not model_training._lean_epochs, "TorchScript failed"
    case = ("mlp", {"hidden": 16}, {"lr": 1e-2, "epochs": 300, "optimizer": "Adam",
                                    "leak": True})
    compiled = _train(*case, book=False)
    monkeypatch.setattr(model_training, "lean_loop", lambda: model_training._lean_epochs)
    python = _train(*case, book=False)
    assert python.settings["engine"] == "python"
    _assert_same(_train(*case, book=True), python, engine="python")
    _assert_same(_train(*case, book=True), compiled)


def _broken_loop(plan, params, *args):
    """A stand-in for the compiled loop that changes the parameters, then fails."""
    for p in params:
        p.add_(1.0)
    raise RuntimeError("forced failure of the fast path")


@pytest.mark.parametrize(("kind", "model_kw", "train_kw"), [CASES[1], CASES[7], CASES[9]])
def test_a_failing_fast_path_runs_the_book_loop_from_the_start(monkeypatch, caplog, kind,
                                                               model_kw, train_kw):
    book = _train(kind, model_kw, train_kw, book=True)
    monkeypatch.setattr(model_training, "lean_loop", lambda: _broken_loop)
    monkeypatch.setattr(compiled, "_reported", set())  # a reason is logged once per process
    with caplog.at_level(logging.WARNING, logger="thermo_core.compiled"):
        fell_back = _train(kind, model_kw, train_kw, book=False)
    _assert_same(book, fell_back, engine="book")
    assert "forced failure of the fast path" in caplog.text


def test_the_switch_turns_lean_loop_off(monkeypatch):
    monkeypatch.setattr(compiled, "ENABLED", frozenset({"lean_optim"}))
    monkeypatch.setattr(model_training, "lean_loop", lambda: pytest.fail("lean_loop used"))
    run = _train(*CASES[1], book=False)
    assert run.settings["engine"] == "book"
    t_u = tc.load_readings()[0]
    got = run.snapshot_predictions(t_u)
    monkeypatch.setattr(compiled, "ENABLED", frozenset(compiled.PARTS))
    want = run.snapshot_predictions(t_u)
    assert got.keys() == want.keys() == run.snapshots.keys()
    assert all(torch.equal(got[e], want[e]) for e in got)


@pytest.mark.parametrize("book", [True, False])
@pytest.mark.parametrize("optimizer", ["SGD", "Adam"])
@pytest.mark.parametrize(("model_dtype", "data_dtype"), [(torch.float32, torch.float64),
                                                         (torch.float64, torch.float32)])
def test_readings_of_another_dtype_than_t_u_are_refused(book, optimizer, model_dtype,
                                                        data_dtype):
    t_u, t_c = tc.load_readings()
    spec = tc.RunSpec(optimizer=optimizer, epochs=5)
    with pytest.raises(ValueError, match=f"t_c is {data_dtype}.*model, is {model_dtype}"):
        tc.train_model(spec, t_u.to(model_dtype), t_c.to(data_dtype), book_loop=book)
    with pytest.raises(ValueError, match=f"val is {data_dtype}"):
        tc.train_model(spec, t_u.to(model_dtype), t_c.to(model_dtype),
                       val=(t_u.to(data_dtype), t_c.to(data_dtype)), book_loop=book)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_the_model_takes_the_readings_dtype(dtype):
    t_u, t_c = tc.load_readings()
    run = tc.train_model(tc.RunSpec("mlp", hidden=3, epochs=5), t_u.to(dtype), t_c.to(dtype))
    assert {p.dtype for p in run.model.parameters()} == {dtype} and run.params.dtype == dtype


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("optimizer", ["SGD", "Adam"])
def test_the_line_trains_in_either_dtype_bit_for_bit(dtype, optimizer):
    train = {"lr": 1e-2, "epochs": 300, "optimizer": optimizer}
    _assert_same(_train("linear", {}, train, book=True, dtype=dtype),
                 _train("linear", {}, train, book=False, dtype=dtype))
