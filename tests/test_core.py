"""pytest on thermo_core: the chapter's printed numbers and independent float64 checks."""

from __future__ import annotations

import math

import pytest
import torch
from reference import T_C, T_U32, grad64, hessian_eigs64, lstsq64, mean_x2, mse64

import thermo_core as tc


@pytest.fixture(scope="module")
def data():
    return tc.load_readings()


# ---- data --------------------------------------------------------------------------------
def test_readings_in_book_order(data):
    t_u, t_c = data
    assert t_u.dtype == t_c.dtype == torch.float32
    assert t_u.tolist() == T_U32 and t_c.tolist() == pytest.approx(T_C)


def test_normalize_modes(data):
    t_u, _ = data
    assert torch.equal(tc.normalize(t_u, "none"), t_u)
    assert tc.normalize(t_u, "scale").tolist() == pytest.approx([0.1 * x for x in T_U32], rel=1e-6)
    z = tc.normalize(t_u, "standardize").double()
    assert float(z.mean()) == pytest.approx(0.0, abs=1e-6)
    assert float(z.std()) == pytest.approx(1.0, abs=1e-6)
    assert float(z.abs().max()) > 1.0  # standardizing is not squeezing into [-1, 1]
    with pytest.raises(ValueError, match="none, scale, standardize"):
        tc.normalize(t_u, "minmax")


@pytest.mark.parametrize("mode", tc.NORMALIZATIONS)
def test_raw_param_mapping_round_trips_and_preserves_predictions(data, mode):
    t_u, _ = data
    p = torch.tensor([2.5, -3.0], dtype=torch.float64)
    raw = tc.to_raw_params(p, t_u, mode)
    back = tc.from_raw_params(raw, t_u, mode)
    assert back.tolist() == pytest.approx(p.tolist(), rel=1e-9)
    x = tc.normalize(t_u.double(), mode)
    assert tc.model(x, p[0], p[1]).tolist() == pytest.approx(
        tc.model(t_u.double(), raw[0], raw[1]).tolist(), rel=1e-5, abs=1e-5
    )


def test_split_is_deterministic_disjoint_and_leaves_global_rng_alone():
    state = torch.get_rng_state()
    train_a, val_a = tc.split(11, 0.2, seed=3)
    train_b, val_b = tc.split(11, 0.2, seed=3)
    assert torch.equal(torch.get_rng_state(), state)
    assert torch.equal(train_a, train_b) and torch.equal(val_a, val_b)
    assert len(train_a) == 9 and len(val_a) == 2
    assert sorted(train_a.tolist() + val_a.tolist()) == list(range(11))
    assert any(not torch.equal(tc.split(11, seed=s)[1], val_a) for s in range(4, 10))
    with pytest.raises(ValueError):
        tc.split(11, 1.5)


# ---- loss and gradients at the chapter's start -----------------------------------------
def test_loss_at_start_matches_book(data):
    t_u, t_c = data
    assert float(tc.mse_loss(tc.model(t_u, 1.0, 0.0), t_c)) == pytest.approx(1763.8848, abs=1e-4)
    assert mse64(1.0, 0.0) == pytest.approx(1763.8848, abs=5e-4)  # book rounds in float32


def test_three_gradients_match_book_and_float64(data):
    t_u, t_c = data
    book = [4517.2969, 82.6000]
    exact = grad64(1.0, 0.0)
    assert exact == pytest.approx(book, abs=1e-3)
    for g in (tc.analytic_grad(t_u, t_c, 1.0, 0.0), tc.autograd_grad(t_u, t_c, 1.0, 0.0)):
        assert g.shape == (2,)
        assert g.tolist() == pytest.approx(book, abs=1e-3)
    central = tc.numeric_grad(t_u, t_c, 1.0, 0.0, delta=0.1)
    assert central.tolist() == pytest.approx(book, rel=1e-3)


@pytest.mark.parametrize("scheme", tc.SCHEMES)
def test_numeric_grad_float64_matches_closed_form(data, scheme):
    """For a quadratic, forward/backward differ from the true slope by exactly ±(δ/2)·∂²L."""
    t_u, t_c = data
    w, b, d = 0.3, -4.0, 1e-3
    exact = grad64(w, b)
    curv = (2 * mean_x2(), 2.0)  # ∂²L/∂w², ∂²L/∂b²
    sign = {"central": 0.0, "forward": 1.0, "backward": -1.0}[scheme]
    expected = [e + sign * 0.5 * d * c for e, c in zip(exact, curv, strict=True)]
    est = tc.numeric_grad(t_u, t_c, w, b, d, scheme, torch.float64)
    assert est.dtype == torch.float64
    assert est.tolist() == pytest.approx(expected, rel=1e-7, abs=1e-7)


def test_numeric_grad_rejects_bad_arguments(data):
    t_u, t_c = data
    with pytest.raises(ValueError, match="central, forward, backward"):
        tc.numeric_grad(t_u, t_c, 1.0, 0.0, scheme="sideways")
    with pytest.raises(ValueError):
        tc.numeric_grad(t_u, t_c, 1.0, 0.0, delta=0.0)
    with pytest.raises(ValueError):
        tc.numeric_grad(t_u, t_c, 1.0, 0.0, dtype=torch.float16)


def test_other_losses_and_their_gradients(data):
    t_u, t_c = data
    t_p = tc.model(t_u, 0.5, -10.0)
    r = [0.5 * x - 10.0 - y for x, y in zip(T_U32, T_C, strict=True)]
    assert float(tc.l1_loss(t_p, t_c)) == pytest.approx(sum(abs(v) for v in r) / 11, rel=1e-6)
    hub = sum(0.5 * v * v if abs(v) <= 1 else abs(v) - 0.5 for v in r) / 11
    assert float(tc.huber_loss(t_p, t_c)) == pytest.approx(hub, rel=1e-6)
    g_l1 = tc.autograd_grad(t_u, t_c, 0.5, -10.0, loss="l1")
    sign = [(v > 0) - (v < 0) for v in r]
    assert g_l1.tolist() == pytest.approx(
        [sum(s * x for s, x in zip(sign, T_U32, strict=True)) / 11, sum(sign) / 11], rel=1e-5
    )


def test_penalty_shapes():
    r = torch.tensor([-3.0, -0.5, 0.0, 0.5, 3.0])
    assert tc.penalty(r, "mse").tolist() == [9.0, 0.25, 0.0, 0.25, 9.0]
    assert tc.penalty(r, "l1").tolist() == [3.0, 0.5, 0.0, 0.5, 3.0]
    assert tc.penalty(r, "huber").tolist() == [2.5, 0.125, 0.0, 0.125, 2.5]
    assert tc.penalty_slope(r, "mse").tolist() == [-6.0, -1.0, 0.0, 1.0, 6.0]
    assert tc.penalty_slope(r, "l1").tolist() == [-1.0, -1.0, 0.0, 1.0, 1.0]
    assert tc.penalty_slope(r, "huber").tolist() == [-1.0, -0.5, 0.0, 0.5, 1.0]


# ---- training: the chapter's printed runs ------------------------------------------------
def test_manual_lr_1e2_diverges_at_epoch_11(data):
    t_u, t_c = data
    run = tc.train(t_u, t_c, optimizer="manual", lr=1e-2, epochs=5000)
    assert run.diverged_at == 11
    h = run.history
    assert len(h) == 11 and h["epoch"].tolist() == list(range(1, 12))
    assert math.isinf(h["loss"].iloc[-1]) and h["loss"].iloc[:-1].map(math.isfinite).all()
    assert h["loss"].iloc[1] == pytest.approx(5802485.5, rel=1e-6)  # the book's epoch 2
    assert run.params.tolist() == pytest.approx([h["w"].iloc[-1], h["b"].iloc[-1]])


def test_manual_lr_1e4_hundred_epochs(data):
    t_u, t_c = data
    run = tc.train(t_u, t_c, optimizer="manual", lr=1e-4, epochs=100)
    assert run.diverged_at is None
    assert run.history["loss"].iloc[-1] == pytest.approx(29.0227, abs=1e-3)
    assert run.params.tolist() == pytest.approx([0.2327, -0.0438], abs=1e-4)


def test_sgd_on_scaled_inputs_5000_epochs(data):
    t_u, t_c = data
    run = tc.train(tc.normalize(t_u, "scale"), t_c, optimizer="SGD", lr=1e-2, epochs=5000)
    assert run.params.tolist() == pytest.approx([5.3671, -17.3012], abs=1e-4)
    assert run.history["loss"].iloc[-1] == pytest.approx(2.92765, abs=1e-5)
    assert run.history["loss"].iloc[499] == pytest.approx(7.860120, abs=1e-4)  # book epoch 500


def test_sgd_on_standardized_inputs_and_mapping_back(data):
    t_u, t_c = data
    run = tc.train(tc.normalize(t_u, "standardize"), t_c, optimizer="SGD", lr=1e-2, epochs=1000)
    assert run.params.tolist() == pytest.approx([9.0349, 10.5000], abs=1e-4)
    raw = tc.to_raw_params(run.params, t_u, "standardize")
    assert raw.tolist() == pytest.approx([0.5368, -17.30], abs=5e-3)
    assert raw.tolist() == pytest.approx(list(lstsq64()), abs=5e-3)


def test_adam_on_raw_inputs_reaches_least_squares(data):
    t_u, t_c = data
    run = tc.train(t_u, t_c, optimizer="Adam", lr=1e-1, epochs=5000)
    assert run.params.tolist() == pytest.approx([0.5368, -17.3048], abs=2e-4)
    assert run.history["loss"].iloc[499] == pytest.approx(7.612900, abs=1e-3)  # book epoch 500


# ---- training: independent float64 checks ----------------------------------------------
def test_manual_trajectory_matches_plain_python_float64(data):
    t_u, t_c = data
    xs = [0.1 * x for x in T_U32]
    run = tc.train(tc.normalize(t_u, "scale"), t_c, optimizer="manual", lr=1e-2, epochs=300)
    w, b = 1.0, 0.0
    for row in run.history.itertuples():
        assert row.w == pytest.approx(w, rel=1e-4, abs=1e-4)
        assert row.b == pytest.approx(b, rel=1e-4, abs=1e-4)
        assert row.loss == pytest.approx(mse64(w, b, xs), rel=1e-4)
        gw, gb = grad64(w, b, xs)
        assert (row.grad_w, row.grad_b) == pytest.approx((gw, gb), rel=1e-3, abs=1e-3)
        w, b = w - 1e-2 * gw, b - 1e-2 * gb
    assert run.params.tolist() == pytest.approx([w, b], rel=1e-4)


def test_sgd_momentum_matches_heavy_ball_in_float64(data):
    t_u, t_c = data
    xs = [0.1 * x for x in T_U32]
    run = tc.train(
        tc.normalize(t_u, "scale"), t_c, optimizer="SGD", lr=1e-2, epochs=200, momentum=0.9
    )
    w, b, vw, vb = 1.0, 0.0, 0.0, 0.0
    for i in range(200):
        gw, gb = grad64(w, b, xs)
        vw, vb = (gw, gb) if i == 0 else (0.9 * vw + gw, 0.9 * vb + gb)
        w, b = w - 1e-2 * vw, b - 1e-2 * vb
    assert run.params.tolist() == pytest.approx([w, b], rel=1e-3, abs=1e-3)


def test_history_rows_are_consistent(data):
    t_u, t_c = data
    x = tc.normalize(t_u, "scale")
    idx_train, idx_val = tc.split(11, seed=0)
    run = tc.train(
        x[idx_train],
        t_c[idx_train],
        optimizer="Adam",
        lr=0.05,
        epochs=120,
        val=(x[idx_val], t_c[idx_val]),
    )
    h = run.history
    assert list(h.columns) == ["epoch", "loss", "w", "b", "grad_w", "grad_b", "val_loss"]
    xs_t = [0.1 * T_U32[i] for i in idx_train.tolist()]
    ys_t = [T_C[i] for i in idx_train.tolist()]
    xs_v = [0.1 * T_U32[i] for i in idx_val.tolist()]
    ys_v = [T_C[i] for i in idx_val.tolist()]
    for row in h.iloc[::17].itertuples():
        assert row.loss == pytest.approx(mse64(row.w, row.b, xs_t, ys_t), rel=1e-5)
        assert row.val_loss == pytest.approx(mse64(row.w, row.b, xs_v, ys_v), rel=1e-5)
        assert (row.grad_w, row.grad_b) == pytest.approx(
            grad64(row.w, row.b, xs_t, ys_t), rel=1e-4, abs=1e-4
        )


@pytest.mark.parametrize("name", [o for o in tc.OPTIMIZERS if o != "manual"])
def test_every_optimizer_runs_and_reduces_the_loss(data, name):
    t_u, t_c = data
    lr = 1.0 if name in ("LBFGS", "Adadelta") else 1e-2
    run = tc.train(tc.normalize(t_u, "scale"), t_c, optimizer=name, lr=lr, epochs=60)
    assert run.diverged_at is None and len(run.history) == 60
    assert run.history["loss"].iloc[-1] < run.history["loss"].iloc[0]


def test_lbfgs_finds_the_minimum(data):
    t_u, t_c = data
    run = tc.train(tc.normalize(t_u, "scale"), t_c, optimizer="LBFGS", lr=1.0, epochs=20)
    w, b = lstsq64()
    assert run.params.tolist() == pytest.approx([10 * w, b], abs=1e-3)


def test_train_rejects_bad_settings(data):
    t_u, t_c = data
    with pytest.raises(ValueError, match="allowed: manual, SGD"):
        tc.train(t_u, t_c, optimizer="Sgd")
    for lr in (0.0, -1e-3, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="lr"):
            tc.train(t_u, t_c, lr=lr)
    for epochs in (0, -5, 2.5):
        with pytest.raises(ValueError, match="epochs"):
            tc.train(t_u, t_c, epochs=epochs)
    with pytest.raises(ValueError, match="bad settings for SGD"):
        tc.train(t_u, t_c, optimizer="SGD", momentum=-1.0)


# ---- surface and stability ---------------------------------------------------------------
def test_optimal_params_match_closed_form(data):
    t_u, t_c = data
    p = tc.optimal_params(t_u, t_c)
    assert p.dtype == torch.float64
    assert p.tolist() == pytest.approx(list(lstsq64()), rel=1e-10)


@pytest.mark.parametrize(("mode", "cond"), [("none", 33600), ("scale", 357), ("standardize", 1.1)])
def test_conditioning_by_normalization(data, mode, cond):
    t_u, _ = data
    x = tc.normalize(t_u, mode)
    lo, hi = hessian_eigs64(x.double().tolist())
    c = tc.curvature(x)
    assert c.eigenvalues.tolist() == pytest.approx([lo, hi], rel=1e-6)
    assert c.condition_number == pytest.approx(cond, rel=0.01)
    assert tc.critical_lr(x) == pytest.approx(2 / hi, rel=1e-6)
    v = c.eigenvectors
    h = tc.hessian(x)
    for i in range(2):
        assert (h @ v[:, i]).tolist() == pytest.approx(
            (c.eigenvalues[i] * v[:, i]).tolist(), abs=1e-6 * hi
        )


def test_critical_lr_separates_convergence_from_divergence(data):
    t_u, t_c = data
    x = tc.normalize(t_u, "scale")
    lr_c = tc.critical_lr(x)
    below = tc.train(x, t_c, optimizer="manual", lr=0.98 * lr_c, epochs=3000)
    above = tc.train(x, t_c, optimizer="manual", lr=1.02 * lr_c, epochs=3000)
    assert below.diverged_at is None and below.final_loss < 3.0
    assert above.diverged_at is not None


def test_loss_grid_values_and_shape(data):
    t_u, t_c = data
    grid = tc.loss_grid(t_u, t_c, (0.0, 1.0), (-20.0, 0.0), steps=11)
    assert list(grid.columns) == ["w", "b", "loss"] and len(grid) == 121
    for row in grid.iloc[::13].itertuples():
        assert row.loss == pytest.approx(mse64(row.w, row.b), rel=1e-12)
    best = grid.loc[grid["loss"].idxmin()]
    w, b = lstsq64()
    assert abs(best["w"] - w) <= 0.1 and abs(best["b"] - b) <= 2.0
    l1 = tc.loss_grid(t_u, t_c, (0.5, 0.5), (-10.0, -10.0), steps=2, loss="l1")
    r = [0.5 * x - 10.0 - y for x, y in zip(T_U32, T_C, strict=True)]
    assert l1["loss"].iloc[0] == pytest.approx(sum(abs(v) for v in r) / 11, rel=1e-12)


def test_thermometer_reads_fahrenheit(data):
    t_u, t_c = data
    factor, offset = tc.conversion_from_fit(tc.optimal_params(t_u, t_c))
    w, b = lstsq64()
    assert (factor, offset) == pytest.approx((1 / w, -b / w))
    unit, gap = tc.closest_unit(factor, offset)
    assert unit.name == "Fahrenheit" and gap < 3


def test_score_line_against_float64(data):
    t_u, t_c = data
    w_best, b_best = lstsq64()
    score = tc.score_line(t_u, t_c, 0.6, -20.0)
    assert score.mse == pytest.approx(mse64(0.6, -20.0), rel=1e-6)
    assert score.rmse == pytest.approx(math.sqrt(mse64(0.6, -20.0)), rel=1e-6)
    assert score.excess == pytest.approx(mse64(0.6, -20.0) - mse64(w_best, b_best), rel=1e-5)
    assert tc.best_mse(t_u, t_c) == pytest.approx(mse64(w_best, b_best), rel=1e-12)
