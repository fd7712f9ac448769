"""pytest on the overfitting page's maths: the book's split log, model capacity, leaks.

Every expected number is the book's printed value or a plain-Python float64 replay
(tests/reference.py style), never a value read back from thermo_core.
"""

from __future__ import annotations

import math
import random
import warnings
from dataclasses import replace

import pandas as pd
import pytest
import torch
from reference import T_C, T_U32, lstsq64, mse64
from torch import nn

import thermo_core as tc
from thermo_core.lessons import overfitting as ov

BOOK_TRAIN = [9, 6, 5, 8, 4, 7, 0, 1, 3]
BOOK_VAL = [2, 10]
BOOK_LOG = {1: ("66.5811", "142.3890"), 500: ("7.1454", "9.1252"), 3000: ("3.0125", "3.5756")}
"""The book's printed log (its split, the line, SGD lr 1e-2 on 0.1·t_u): epoch -> (training,
validation), as printed. The oracle for the page's defaults too (test_overfitting_app)."""
CHAPTER6 = tc.RunSpec("mlp", hidden=13, optimizer="SGD", lr=1e-3, epochs=5000)
"""Chapter 6's network and training (on the book's split, the default sampling)."""
BIG_NET = tc.RunSpec("mlp", hidden=64, optimizer="Adam", lr=1e-2, epochs=5000)
"""Chapter 6's network widened and trained hard."""


def _scaled(indices: list[int]) -> tuple[list[float], list[float]]:
    """0.1·t_u (float32 products, as the book's tensors hold them) and t_c for some readings."""
    from reference import f32

    return [f32(0.1 * T_U32[i]) for i in indices], [T_C[i] for i in indices]


def _grad64(w: float, b: float, xs: list[float], ys: list[float]) -> tuple[float, float]:
    n = len(xs)
    r = [w * x + b - y for x, y in zip(xs, ys, strict=True)]
    return 2 * sum(ri * x for ri, x in zip(r, xs, strict=True)) / n, 2 * sum(r) / n


@pytest.fixture(scope="module")
def book():
    return ov.experiment(tc.book())  # the defaults are the chapter's run


# ---- the split ---------------------------------------------------------------------------
def test_book_split_is_the_printed_one():
    tr, va = tc.book_split()
    assert tr.tolist() == BOOK_TRAIN and va.tolist() == BOOK_VAL
    assert sorted(BOOK_TRAIN + BOOK_VAL) == list(range(11))
    assert ov.split_indices(tc.book(), "book") == (BOOK_TRAIN, BOOK_VAL)
    tr2, va2 = tc.split(11, 0.3, 5)
    assert ov.split_indices(tc.book(), "random", 0.3, 5) == (tr2.tolist(), va2.tolist())
    with pytest.raises(ValueError, match="book, random"):
        ov.split_indices(tc.book(), "odd")


# ---- the book's log ----------------------------------------------------------------------
@pytest.mark.parametrize(("epoch", "train", "val"), [(e, *pair) for e, pair in BOOK_LOG.items()])
def test_book_split_preset_reproduces_printed_log(book, epoch, train, val):
    row = book.history.set_index("epoch").loc[epoch]
    assert f"{row['loss']:.4f}" == train
    assert f"{row['val_loss']:.4f}" == val


def test_the_book_log_the_page_prints_is_the_books():
    assert {e: (f"{tr:.4f}", f"{va:.4f}") for e, (tr, va) in ov.BOOK_LOG.items()} == BOOK_LOG


def test_book_split_preset_final_params_and_float64_replay(book):
    assert [f"{p:.4f}" for p in book.params] == ["5.1964", "-16.7512"]
    # Independent replay: plain-Python float64 gradient descent from (1, 0), lr 1e-2.
    xs, ys = _scaled(BOOK_TRAIN)
    vx, vy = _scaled(BOOK_VAL)
    w, b = 1.0, 0.0
    expected = {}
    for epoch in range(1, 3001):
        expected[epoch] = (mse64(w, b, xs, ys), mse64(w, b, vx, vy))
        gw, gb = _grad64(w, b, xs, ys)
        w, b = w - 1e-2 * gw, b - 1e-2 * gb
    h = book.history.set_index("epoch")
    for epoch in (1, 2, 10, 500, 3000):
        assert h.loc[epoch, "loss"] == pytest.approx(expected[epoch][0], rel=2e-5)
        assert h.loc[epoch, "val_loss"] == pytest.approx(expected[epoch][1], rel=2e-5)
    assert book.params == pytest.approx([w, b], rel=2e-5)


def test_history_rows_are_taken_before_each_update(book):
    h = book.history
    xs, ys = _scaled(BOOK_TRAIN)
    assert (h["w"].iloc[0], h["b"].iloc[0]) == (1.0, 0.0)
    for k in (0, 41, 2999):
        w, b = float(h["w"].iloc[k]), float(h["b"].iloc[k])
        assert h["loss"].iloc[k] == pytest.approx(mse64(w, b, xs, ys), rel=1e-5)


def test_validation_summary_matches_history(book):
    s = book.summary
    vals = book.history["val_loss"].tolist()
    best = min(range(len(vals)), key=vals.__getitem__)
    assert s.best_epoch == best + 1 and s.best_val_loss == pytest.approx(vals[best])
    assert s.final_gap == pytest.approx(vals[-1] - book.history["loss"].iloc[-1])
    assert s.final_epoch == 3000


def test_fitted_curve_covers_beyond_the_data(book):
    c, pts = book.curve, book.points
    span = pts["t_u"].max() - pts["t_u"].min()
    assert c["t_u"].min() == pytest.approx(pts["t_u"].min() - 0.25 * span, rel=1e-5)
    assert c["t_u"].max() == pytest.approx(pts["t_u"].max() + 0.25 * span, rel=1e-5)
    w, b = book.params
    for t_u, pred in zip(c["t_u"][::50], c["t_c_pred"][::50], strict=True):
        assert pred == pytest.approx(w * 0.1 * t_u + b, rel=1e-5, abs=1e-4)
    assert sorted(pts["role"].unique()) == ["train", "validation"]


# ---- models ------------------------------------------------------------------------------
def test_mlp_init_is_pytorch_default_from_a_generator_and_leaves_global_rng_alone():
    t_u, _ = tc.load_readings()
    state = torch.get_rng_state()
    m = tc.make_model("mlp", t_u=t_u, hidden=13, seed=7)
    assert torch.equal(torch.get_rng_state(), state)
    # The same draws nn.Linear makes from the global generator seeded 7 (in a forked RNG
    # so the test leaves global state as it found it).
    with torch.random.fork_rng():
        torch.manual_seed(7)
        ref = nn.Sequential(nn.Linear(1, 13), nn.Tanh(), nn.Linear(13, 1))
    for mine, theirs in zip(m.parameters(), ref.parameters(), strict=True):
        assert torch.equal(mine.detach(), theirs.detach())
    assert m.seq[0].weight.abs().max() <= 1.0 and m.seq[2].weight.abs().max() <= 1 / math.sqrt(13)
    assert tc.count_parameters(m) == 13 + 13 + 13 + 1
    other = tc.make_model("mlp", t_u=t_u, hidden=13, seed=8)
    assert not torch.equal(other.seq[0].weight, m.seq[0].weight)


def test_poly_range_scaling_keeps_degree_10_trainable_where_book_scaling_fails():
    t_u, t_c = tc.load_readings()
    fine = tc.train_model(tc.RunSpec("poly", degree=10, lr=0.05, epochs=500), t_u, t_c)
    assert fine.diverged_at is None
    assert fine.history["loss"].iloc[-1] < 0.1 * fine.history["loss"].iloc[0]
    bad = tc.RunSpec("poly", degree=10, scaling="scale", lr=0.05, epochs=50)
    assert tc.train_model(bad, t_u, t_c).diverged_at is not None


def test_poly_degree_1_converges_to_least_squares_line():
    t_u, t_c = tc.load_readings()
    run = tc.train_model(tc.RunSpec("poly", degree=1, optimizer="SGD", lr=0.3, epochs=2000),
                         t_u, t_c)
    w, b = lstsq64()
    pred = run.predict(t_u).tolist()
    assert pred == pytest.approx([w * x + b for x in T_U32], abs=1e-3)


def test_bad_settings_raise_clear_errors():
    t_u, t_c = tc.load_readings()
    with pytest.raises(ValueError, match="linear, poly, mlp"):
        tc.make_model("cubic", t_u=t_u)
    with pytest.raises(ValueError, match="degree"):
        tc.make_model("poly", t_u=t_u, degree=11)
    with pytest.raises(ValueError, match="hidden"):
        tc.make_model("mlp", t_u=t_u, hidden=0)
    with pytest.raises(ValueError, match="optimizer"):
        tc.train_model(tc.RunSpec(optimizer="LBFGS"), t_u, t_c)
    with pytest.raises(ValueError, match="validation"):
        tc.train_model(tc.RunSpec(leak=True), t_u, t_c)
    with pytest.raises(ValueError, match="epochs"):
        tc.train_model(tc.RunSpec(epochs=0), t_u, t_c)
    with pytest.raises(ValueError, match="lr"):
        tc.train_model(tc.RunSpec(lr=True), t_u, t_c)
    with pytest.raises(ValueError, match="bad settings for SGD"):
        tc.train_model(tc.RunSpec(hyper=(("momentum", -1.0),)), t_u, t_c)


# ---- the switches ------------------------------------------------------------------------
def _two_steps(leak: bool, zero_grad: bool) -> list[float]:
    t_u, t_c = tc.load_readings()
    tr, va = tc.book_split()
    spec = tc.RunSpec("linear", lr=1e-2, epochs=3, leak=leak, zero_grad=zero_grad)
    run = tc.train_model(spec, t_u[tr], t_c[tr], val=(t_u[va], t_c[va]))
    return run.params.tolist()


@pytest.mark.parametrize(
    ("leak", "zero_grad"), [(False, True), (True, True), (False, False), (True, False)]
)
def test_leak_and_zero_grad_switches_change_the_update_as_described(leak, zero_grad):
    xs, ys = _scaled(BOOK_TRAIN)
    vx, vy = _scaled(BOOK_VAL)
    w, b, acc_w, acc_b = 1.0, 0.0, 0.0, 0.0
    for _ in range(3):
        gw, gb = _grad64(w, b, xs, ys)
        if leak:  # val_loss.backward() adds the validation gradient
            vw, vb = _grad64(w, b, vx, vy)
            gw, gb = gw + vw, gb + vb
        acc_w, acc_b = (gw, gb) if zero_grad else (acc_w + gw, acc_b + gb)
        w, b = w - 1e-2 * acc_w, b - 1e-2 * acc_b
    assert _two_steps(leak, zero_grad) == pytest.approx([w, b], rel=1e-5)


def test_leak_makes_validation_loss_dishonest():
    honest, leak = (ov.experiment(tc.book(), replace(BIG_NET, leak=on)).history.iloc[-1]
                    for on in (False, True))
    # Honest: the validation loss and fresh readings tell the same story (both large).
    assert honest.val_loss > 5 and honest.holdout_loss > 5
    # Leak: validation loss falls far below both the honest one and the fresh-data loss.
    assert leak.val_loss < honest.val_loss / 10
    assert leak.val_loss < leak.holdout_loss / 5


# ---- capacity and data -------------------------------------------------------------------
def test_chapter6_mlp_training_loss_falls_below_validation():
    e = ov.experiment(tc.book(), CHAPTER6)
    h, s = e.history, e.summary
    assert e.n_params == 40
    assert s.final_loss < s.final_val_loss  # the book's qualitative result
    assert h["loss"].iloc[-1] < h["loss"].iloc[2499]  # training loss still falling ...
    assert s.best_epoch < 5000 and s.final_val_loss > s.best_val_loss  # ... validation is not


def test_big_mlp_overfits_and_more_data_tames_it():
    small, big = (ov.experiment(tc.book(), BIG_NET, ov.Sampling(extra=n)).history.iloc[-1]
                  for n in (0, 40))
    assert small.loss < 1.0 and small.holdout_loss > 10  # fits 9 points, fails new ones
    assert small.val_loss > 10 * small.loss
    big_gap, small_gap = big.holdout_loss - big.loss, small.holdout_loss - small.loss
    assert big.holdout_loss < 4 and big_gap < 1 < small_gap / 10
    # For scale: the chapter's line scored on the same fresh readings.
    line = ov.experiment(tc.book())
    assert big.holdout_loss < 1.5 * line.holdout_mse < small.holdout_loss


def test_synthetic_readings_follow_the_simulated_thermometer():
    state = torch.get_rng_state()
    t_u, t_c = tc.synthetic_readings(5000, noise=3.0, seed=1)
    assert torch.equal(torch.get_rng_state(), state)
    assert t_u.dtype == torch.float32 and t_u.shape == (5000,)
    again = tc.synthetic_readings(5000, noise=3.0, seed=1)
    assert torch.equal(again[0], t_u) and torch.equal(again[1], t_c)
    assert not torch.equal(tc.synthetic_readings(5000, 3.0, seed=2)[0], t_u)
    assert float(t_c.min()) >= -5.0 and float(t_c.max()) <= 30.0
    resid = [u - (1.8 * c + 32) for u, c in zip(t_u.tolist(), t_c.tolist(), strict=True)]
    sd = math.sqrt(sum(r * r for r in resid) / len(resid))
    assert sd == pytest.approx(3.0, rel=0.05)
    exact_u, exact_c = tc.synthetic_readings(50, noise=0.0, seed=3)
    assert exact_u.tolist() == pytest.approx([1.8 * c + 32 for c in exact_c.tolist()], abs=1e-4)
    with pytest.raises(ValueError):
        tc.synthetic_readings(-1)


def test_extra_readings_join_the_training_set_only():
    e = ov.experiment(tc.book(), tc.RunSpec(epochs=5), ov.Sampling(extra=7))
    assert (e.points["role"] == "synthetic").sum() == 7
    assert e.val_indices == BOOK_VAL  # same yardstick with or without extra data


# ---- the no_grad check -------------------------------------------------------------------
def _walk(fn, seen):
    if fn is None or fn in seen:
        return
    seen.add(fn)
    for child, _ in fn.next_functions:
        _walk(child, seen)


@pytest.mark.parametrize("kind", ["linear", "mlp"])
def test_no_grad_validation_loss_has_no_graph(kind):
    cost = ov.no_grad_cost(tc.book(), kind, repeats=5)
    assert cost.requires_grad_no_grad is False and cost.requires_grad_graph is True
    assert cost.nodes_no_grad == 0 and cost.same_value
    # Independent count of the graph a validation loss keeps alive.
    t_u, t_c = tc.load_readings()
    m = tc.make_model(kind, t_u=t_u, hidden=13)
    loss = ((m(t_u[BOOK_VAL]) - t_c[BOOK_VAL]) ** 2).mean()
    seen: set = set()
    _walk(loss.grad_fn, seen)
    assert cost.nodes_graph == len(seen) > 3
    assert cost.seconds_graph > 0 and cost.seconds_no_grad > 0


def test_random_split_is_repeatable():
    seed = random.Random(0).randrange(100)
    a = ov.experiment(tc.book(), tc.RunSpec(epochs=3), ov.Sampling("random", split_seed=seed))
    b = ov.experiment(tc.book(), tc.RunSpec(epochs=3), ov.Sampling("random", split_seed=seed))
    assert a.val_indices == b.val_indices and a.history.equals(b.history)


# ---- snapshots for the page's scrubber ---------------------------------------------------
def test_snapshot_epochs_span_the_run():
    epochs = ov.snapshot_epochs(5000, 40)
    assert epochs[0] == 1 and epochs[-1] == 5000 and epochs == sorted(set(epochs))
    assert ov.snapshot_epochs(3, 40) == [1, 2, 3]


def test_frames_record_the_curve_without_changing_training():
    spec = tc.RunSpec("mlp", hidden=8, lr=1e-2, epochs=60)
    plain = ov.experiment(tc.book(), spec)
    e = ov.experiment(tc.book(), spec, snapshots=10, frame_points=21)
    pd_testing = pytest.importorskip("pandas.testing")
    pd_testing.assert_frame_equal(plain.history, e.history)
    t_u, _ = tc.load_readings()
    tr, _ = tc.book_split()
    grid = torch.tensor(e.frames.loc[e.frames["epoch"] == 1, "t_u"].to_numpy())
    start = tc.make_model("mlp", t_u=t_u[tr], hidden=8, seed=0)
    with torch.no_grad():
        assert torch.equal(start(grid), torch.tensor(
            e.frames.loc[e.frames["epoch"] == 1, "t_c_pred"].to_numpy()))
    last = e.frames[e.frames["epoch"] == 60]["t_c_pred"].tolist()
    final = ov.experiment(tc.book(), spec, grid_points=21).curve
    assert last == final["t_c_pred"].tolist()  # the last frame is the trained model


def test_leak_report_works_from_last_rows():
    honest = {"loss": 2.0, "val_loss": 3.0, "holdout_loss": 3.5}
    leaked = {"loss": 2.1, "val_loss": 1.0, "holdout_loss": 4.0}
    assert ov.leak_report(honest, leaked)["val_minus_holdout"].tolist() == [-0.5, -3.0]


def test_a_diverged_summary_is_nan_without_a_runtime_warning():
    history = pd.DataFrame({"epoch": [1, 2], "loss": [5.0, math.inf],
                            "val_loss": [6.0, math.inf]})
    run = tc.ModelRun(torch.zeros(2), history, 2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = tc.validation_summary(run)
    assert math.isnan(s.final_gap) and s.best_epoch == 1 and s.gap_at_best == 1.0
