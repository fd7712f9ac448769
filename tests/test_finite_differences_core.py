"""Finite differences, analytic and autograd gradients, checked against independent sums.

The independent side is plain Python in float64 on the readings as float32 stores them
(the app's data are float32 tensors), plus numpy float32/float64 where the dtype matters.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest
import torch
from reference import fd_numpy, grad64, mean_x2, mse64

import thermo_core as tc
from thermo_core.lessons import finite_differences

BOOK_GRAD = (4517.2969, 82.6000)  # the chapter's autograd print at w=1, b=0
EPS32, EPS64 = 2.0**-23, 2.0**-52


@pytest.fixture(scope="module")
def data():
    return tc.load_readings()


# --- the chapter's numbers ---------------------------------------------------------------


def test_three_gradients_match_the_book_at_the_start(data):
    t_u, t_c = data
    analytic = tc.analytic_grad(t_u, t_c, 1.0, 0.0).tolist()
    auto = tc.autograd_grad(t_u, t_c, 1.0, 0.0).tolist()
    central = tc.numeric_grad(t_u, t_c, 1.0, 0.0, 0.1, "central").tolist()
    assert auto == pytest.approx(BOOK_GRAD, abs=1e-4)
    assert analytic == pytest.approx(BOOK_GRAD, abs=1e-3)
    assert central == pytest.approx(BOOK_GRAD, rel=1e-3)
    # and all of them agree with the float64 closed form
    exact = grad64(1.0, 0.0)
    for g in (analytic, auto, central):
        assert g == pytest.approx(exact, rel=1e-5)


def test_float64_analytic_grad_equals_closed_form(data):
    t_u, t_c = data
    for w, b in [(1.0, 0.0), (0.5, -10.0), (-1.0, 40.0), (0.5368, -17.3)]:
        got = tc.analytic_grad(t_u.double(), t_c.double(), w, b).tolist()
        assert got == pytest.approx(grad64(w, b), rel=1e-12, abs=1e-9)


def test_the_notes_bracket_bug_and_its_step(data):
    t_u, t_c = data
    assert float(tc.buggy_central_difference(t_u, t_c, 1.0, 0.0, 0.1)) == pytest.approx(
        -4462.7925, abs=1e-3
    )
    a, c = mse64(1.1, 0.0), mse64(0.9, 0.0)
    assert a - c / 0.2 == pytest.approx(-4462.7925, abs=2e-3)  # plain Python, same slip
    step = finite_differences.notes_step(t_u, t_c, 1.0, 0.0, 0.1, 1e-2, "float32", brackets=False)
    assert step["w_new"] == pytest.approx(45.628, abs=1e-3)
    assert step["b_new"] == pytest.approx(242388.0, rel=1e-6)
    assert step["loss_before"] == pytest.approx(mse64(1.0, 0.0), rel=1e-6)
    assert step["loss_after"] == pytest.approx(mse64(step["w_new"], step["b_new"]), rel=1e-5)


def test_bracket_lesson_combines_the_same_two_losses(data):
    t_u, t_c = data
    for w, b, d in [(1.0, 0.0, 0.1), (0.5, -10.0, 1e-3), (2.0, 40.0, 5.0)]:
        lesson = finite_differences.bracket_lesson(t_u, t_c, w, b, d)
        assert lesson["buggy"] == float(tc.buggy_central_difference(t_u, t_c, w, b, d))
        assert lesson["a"] == pytest.approx(mse64(w + d, b), rel=1e-6)
        assert lesson["c"] == pytest.approx(mse64(w - d, b), rel=1e-6)
        assert lesson["denominator"] == 2 * d
        # central differences are exact for a quadratic: only float32 rounding is left
        assert lesson["fixed"] == pytest.approx(grad64(w, b)[0], rel=1e-4, abs=0.05)


def test_fixed_step_uses_the_true_slope(data):
    t_u, t_c = data
    step = finite_differences.notes_step(t_u, t_c, 1.0, 0.0, 0.1, 1e-2, brackets=True)
    gw = grad64(1.0, 0.0)[0]
    assert step["w_new"] == pytest.approx(1.0 - 1e-2 * gw, rel=1e-6)
    gb = grad64(step["w_new"], 0.0)[1]
    # L is about 5e6 out there, stored in float32 steps of 0.5: a few steps / 0.2 of slack
    tol = 4 * finite_differences.spacing(mse64(step["w_new"], 0.0), "float32") / 0.2
    assert step["grad_b"] == pytest.approx(gb, abs=tol)
    assert step["b_new"] == pytest.approx(-1e-2 * gb, abs=1e-2 * tol)
    assert step["loss_after"] == pytest.approx(mse64(step["w_new"], step["b_new"]), rel=1e-5)


# --- truncation and round-off ----------------------------------------------------------


def test_forward_error_is_proportional_to_delta_for_large_delta(data):
    t_u, t_c = data
    sweep = tc.fd_error_sweep(t_u, t_c, 1.0, 0.0, [1e-2, 1e-1, 1.0, 10.0], ("forward",))
    f64 = sweep[sweep["dtype"] == "float64"]
    # forward error = L''·δ/2 = mean(x²)·δ exactly for a quadratic
    for row in f64.itertuples():
        assert row.abs_error == pytest.approx(mean_x2() * row.delta, rel=1e-6)
    errs = f64["abs_error"].tolist()
    for small, big in itertools.pairwise(errs):
        assert big / small == pytest.approx(10.0, rel=1e-5)


def test_central_is_exact_up_to_rounding_for_this_quadratic(data):
    t_u, t_c = data
    deltas = [1e-3, 1e-2, 1e-1, 1.0, 10.0]
    sweep = tc.fd_error_sweep(t_u, t_c, 1.0, 0.0, deltas, ("forward", "central"), ("float64",))
    central = sweep[sweep["scheme"] == "central"]["rel_error"].to_numpy()
    forward = sweep[sweep["scheme"] == "forward"]["rel_error"].to_numpy()
    assert (central < 1e-9).all()
    assert (forward / np.maximum(central, 1e-17) > 1e4).all()


def test_float64_beats_float32_at_tiny_delta(data):
    t_u, t_c = data
    deltas = [1e-8, 1e-7, 1e-6, 1e-5]
    sweep = tc.fd_error_sweep(t_u, t_c, 1.0, 0.0, deltas, ("forward", "central"))
    for scheme in ("forward", "central"):
        rows = sweep[sweep["scheme"] == scheme]
        e32 = rows[rows["dtype"] == "float32"]["rel_error"].to_numpy()
        e64 = rows[rows["dtype"] == "float64"]["rel_error"].to_numpy()
        assert (e32 > 100 * e64).all()
    # at δ = 1e-8, 1 + δ rounds back to 1 in float32: the estimate collapses to exactly 0
    tiny = sweep[(sweep["delta"] == 1e-8) & (sweep["dtype"] == "float32")]
    assert (tiny["estimate"] == 0.0).all() and (tiny["rel_error"] == 1.0).all()


def test_sweep_agrees_with_independent_numpy_finite_differences(data):
    t_u, t_c = data
    for w, b in [(1.0, 0.0), (0.5, -10.0)]:
        for wrt, k in (("w", 0), ("b", 1)):
            sweep = tc.fd_error_sweep(
                t_u, t_c, w, b, list(finite_differences.delta_grid()), tc.SCHEMES, wrt=wrt
            )
            for row in sweep.itertuples():
                ours, _ = fd_numpy(w, b, row.delta, row.scheme, row.dtype, k)
                den = row.delta * (2 if row.scheme == "central" else 1)
                big = max(mse64(w + row.delta, b + row.delta), mse64(w - row.delta, b - row.delta))
                # summation order may differ: allow a few ulps of the largest loss
                tol = 8 * finite_differences.spacing(max(big, mse64(w, b)), row.dtype) / den
                assert abs(row.estimate - ours) <= tol, row


def test_the_sweep_evaluates_each_loss_once_and_equals_numeric_grad_bit_for_bit(data, monkeypatch):
    """The page's sweep takes only the partial it plots and L(p) once per dtype (a third of
    numeric_grad's loss evaluations), with numeric_grad's very operations: the same bits."""
    t_u, t_c = data
    grid = list(finite_differences.delta_grid())
    calls = []
    real = tc.gradients._loss_at
    monkeypatch.setattr(tc.gradients, "_loss_at", lambda *a: calls.append(1) or real(*a))
    sweep = tc.fd_error_sweep(t_u, t_c, 1.3, -7.0, grid, tc.SCHEMES, tuple(tc.DTYPES), "b")
    monkeypatch.undo()
    # per dtype: L(p) once, then central 2 losses per δ, forward and backward 1 each
    assert len(calls) == len(tc.DTYPES) * (1 + 4 * len(grid))
    for row in sweep.itertuples():
        full = tc.numeric_grad(t_u, t_c, 1.3, -7.0, row.delta, row.scheme, tc.DTYPES[row.dtype])
        assert row.estimate == float(full[1]) or math.isnan(row.estimate), row


# --- the error model and the bottom of the V ---------------------------------------------


def test_optimal_delta_closed_forms(data):
    t_u, t_c = data
    L, curv_w = mse64(1.0, 0.0), 2 * mean_x2()
    got = finite_differences.optimal_delta(t_u, t_c, 1.0, 0.0, "forward", "float32", "w")
    assert got == pytest.approx(2 * math.sqrt(EPS32 * L / curv_w), rel=1e-6)
    got = finite_differences.optimal_delta(t_u, t_c, 1.0, 0.0, "backward", "float64", "b")
    assert got == pytest.approx(2 * math.sqrt(EPS64 * L / 2.0), rel=1e-6)
    for dtype in ("float32", "float64"):
        got = finite_differences.optimal_delta(t_u, t_c, 1.0, 0.0, "central", dtype, "w")
        assert got == pytest.approx(math.sqrt(2 * L / curv_w), rel=1e-6)


@pytest.mark.parametrize(
    ("scheme", "dtype", "wrt"),
    [
        ("forward", "float32", "w"),
        ("forward", "float64", "w"),
        ("backward", "float32", "w"),
        ("backward", "float64", "w"),
        ("forward", "float32", "b"),
        ("forward", "float64", "b"),
        ("backward", "float32", "b"),
        ("central", "float32", "w"),
    ],
)
def test_predicted_bottom_matches_the_measured_one(data, scheme, dtype, wrt):
    t_u, t_c = data
    sweep = tc.fd_error_sweep(
        t_u, t_c, 1.0, 0.0, list(finite_differences.delta_grid()), (scheme,), (dtype,), wrt
    )
    finite = sweep[sweep["abs_error"].map(math.isfinite)]
    measured = float(finite.loc[finite["abs_error"].idxmin(), "delta"])
    predicted = finite_differences.optimal_delta(t_u, t_c, 1.0, 0.0, scheme, dtype, wrt)
    # round-off is erratic near the bottom, so the measured minimum may sit a grid step off
    assert predicted / 4 <= measured <= predicted * 4


def test_error_model_terms_and_rough_bound(data):
    t_u, t_c = data
    grid = list(finite_differences.delta_grid())
    model = finite_differences.fd_error_model(
        t_u, t_c, 1.0, 0.0, grid, "forward", "float64", "w"
    )
    assert model["truncation"].tolist() == pytest.approx([mean_x2() * d for d in grid], rel=1e-9)
    central = finite_differences.fd_error_model(
        t_u, t_c, 1.0, 0.0, grid, "central", "float32", "w"
    )
    assert (central["truncation"] == 0).all()
    L, curv = mse64(1.0, 0.0), 2 * mean_x2()
    expect = [EPS32 * (L / d + curv * d / 2) for d in grid]
    assert central["roundoff"].tolist() == pytest.approx(expect, rel=1e-9)
    # the model is a rough upper bound on what is measured (collapsed points excepted)
    for scheme in tc.SCHEMES:
        for dtype in ("float32", "float64"):
            m = finite_differences.fd_error_model(t_u, t_c, 1.0, 0.0, grid, scheme, dtype, "w")
            s = finite_differences.label_sweep(
                tc.fd_error_sweep(t_u, t_c, 1.0, 0.0, grid, (scheme,), (dtype,))
            )
            ok = (s["outcome"] != "collapsed").to_numpy()
            ratio = s["abs_error"].to_numpy()[ok] / m["abs_error"].to_numpy()[ok]
            assert ratio.max() < 3


# --- the parts of one estimate ---------------------------------------------------------


@pytest.mark.parametrize(
    ("w", "b", "delta", "scheme", "dtype"),
    [
        (1.0, 0.0, 0.1, "central", "float32"),
        (1.0, 0.0, 1e-7, "central", "float32"),
        (1.0, 0.0, 1e-8, "forward", "float32"),
        (0.5, -10.0, 1e-3, "backward", "float64"),
        (2.0, 40.0, 10.0, "forward", "float64"),
    ],
)
def test_fd_parts_reproduce_numeric_grad_bit_for_bit(data, w, b, delta, scheme, dtype):
    t_u, t_c = data
    expected = tc.numeric_grad(t_u, t_c, w, b, delta, scheme, tc.DTYPES[dtype]).tolist()
    for k, wrt in enumerate(finite_differences.WRT):
        parts = finite_differences.fd_parts(t_u, t_c, w, b, delta, scheme, dtype, wrt)
        assert parts.estimate == expected[k]
        assert parts.estimate == pytest.approx(parts.numerator / parts.denominator, rel=1e-6)
        assert parts.param == float(np.array([w, b], dtype=dtype)[k])
        up = np.array([w, b], dtype=dtype)[k] + np.dtype(dtype).type(delta)
        assert parts.up == float(up)


def test_fd_parts_explain_the_collapse(data):
    t_u, t_c = data
    w_parts = finite_differences.fd_parts(t_u, t_c, 1.0, 0.0, 1e-8, "central", "float32", "w")
    assert w_parts.step_vanished and w_parts.step == 0.0 and w_parts.estimate == 0.0
    b_parts = finite_differences.fd_parts(t_u, t_c, 1.0, 0.0, 1e-6, "central", "float32", "b")
    assert not b_parts.step_vanished and b_parts.losses_equal and b_parts.estimate == 0.0
    # at δ = 1e-7 float32 stores 1 + δ as 1 + 2^-23: the step taken is not the δ asked for
    odd = finite_differences.fd_parts(t_u, t_c, 1.0, 0.0, 1e-7, "central", "float32", "w")
    assert odd.step == 2.0**-23
    assert odd.resolution == pytest.approx(2.0**-13 / 2e-7, rel=1e-7)


def test_spacing_and_machine_epsilon():
    assert (
        finite_differences.spacing(1.0, "float32")
        == 2.0**-23
        == finite_differences.machine_epsilon("float32")
    )
    assert finite_differences.spacing(1763.88, "float32") == 2.0**-13  # 1024 <= L < 2048
    assert finite_differences.spacing(1763.88, "float64") == 2.0**-42
    assert finite_differences.machine_epsilon("float64") == 2.0**-52


def test_label_sweep(data):
    t_u, t_c = data
    grid = list(finite_differences.delta_grid())
    sweep = finite_differences.label_sweep(tc.fd_error_sweep(t_u, t_c, 1.0, 0.0, grid, wrt="b"))
    collapsed = sweep[sweep["outcome"] == "collapsed"]
    assert (collapsed["estimate"] == 0).all() and (collapsed["rel_error"] == 1).all()
    assert set(collapsed["dtype"]) == {"float32"}
    # dL/db·δ = 82.6·δ is below half a float32 step of L (6.1e-5) for δ up to 1e-6
    central = collapsed[collapsed["scheme"] == "central"]
    assert central["delta"].max() == 1e-6
    exact = sweep[sweep["outcome"] == "exact"]
    assert (exact["abs_error"] == 0).all()
    synthetic = pd.DataFrame(
        [
            {"estimate": 1.0, "abs_error": 0.0},
            {"estimate": math.inf, "abs_error": math.inf},
            {"estimate": 0.0, "abs_error": 3.0},
            {"estimate": 2.0, "abs_error": 1.0},
        ]
    )
    assert finite_differences.label_sweep(synthetic)["outcome"].tolist() == [
        "exact",
        "non-finite",
        "collapsed",
        "estimate",
    ]


def test_gradient_comparison_against_closed_form(data):
    t_u, t_c = data
    for w, b, dtype in [(1.0, 0.0, "float32"), (0.5, -10.0, "float64")]:
        table = finite_differences.gradient_comparison(t_u, t_c, w, b, 0.1, "central", dtype)
        exact = grad64(w, b)
        for row in table.itertuples():
            k = finite_differences.WRT.index(row.wrt)
            tol = 1e-5 if dtype == "float32" else 1e-12
            assert row.value == pytest.approx(exact[k], rel=tol, abs=tol)
            assert row.abs_error == pytest.approx(abs(row.value - exact[k]), abs=1e-9)
        ref = table[table["method"] == "reference"]
        assert (ref["abs_error"] == 0).all() and (ref["rel_error"] == 0).all()


def test_loss_zoom_is_exact_and_rounded(data):
    t_u, t_c = data
    zoom = finite_differences.loss_zoom(t_u, t_c, 1.0, 0.0, 1e-7, "float32", "w")
    assert zoom["offset"].iloc[0] == pytest.approx(-2.5e-7) and len(zoom) == 61
    for row in zoom.iloc[::10].itertuples():
        assert row.exact == pytest.approx(mse64(1.0 + row.offset, 0.0) - mse64(1.0, 0.0), abs=1e-9)
    # float32 can only hold L in steps of 2^-13 near 1764: a staircase of few levels
    steps = zoom["rounded"] / 2.0**-13
    assert np.allclose(steps, np.round(steps))
    assert zoom["rounded"].nunique() < 15


def test_delta_grid_and_labels():
    grid = finite_differences.delta_grid()
    assert grid[0] == 1e-12 and grid[-1] == 1e4 and len(grid) == 16 * 3 + 1
    assert 0.1 in grid and 1e-7 in grid
    labels = [finite_differences.delta_label(d) for d in grid]
    assert len(set(labels)) == len(grid)
    assert [float(label) for label in labels] == list(grid)
    assert (
        finite_differences.delta_label(1e-8) == "1e-08"
        and finite_differences.delta_label(1e4) == "10000"
        and finite_differences.delta_label(0.1) == "0.1"
    )
    mantissas = {round(d / 10 ** math.floor(math.log10(d))) for d in grid}
    assert mantissas == {1, 2, 5}


def test_cost_table_counts_and_durations():
    table = finite_differences.gradient_cost_table()
    assert table["params"].tolist() == [2, 1000, 10**6, 10**9]
    assert table["central_evals"].tolist() == [2 * p for p in table["params"]]
    assert table["forward_evals"].tolist() == [p + 1 for p in table["params"]]
    assert (table["autograd_evals"] == 3.0).all()
    assert table["central_over_autograd"].tolist() == pytest.approx(
        [2 * p / 3 for p in table["params"]]
    )
    assert [finite_differences.human_duration(s) for s in table["central_seconds"]] == [
        "4 s",
        "33 min",
        "23 days",
        "63 years",
    ]
    assert finite_differences.human_duration(3.0) == "3 s"
    with pytest.raises(ValueError):
        finite_differences.human_duration(math.inf)


def test_bad_arguments_raise(data):
    t_u, t_c = data
    with pytest.raises(ValueError):
        finite_differences.fd_parts(t_u, t_c, 1.0, 0.0, 0.0)
    with pytest.raises(ValueError):
        finite_differences.fd_parts(t_u, t_c, 1.0, 0.0, 0.1, scheme="sideways")
    with pytest.raises(ValueError):
        finite_differences.fd_parts(t_u, t_c, 1.0, 0.0, 0.1, wrt="c")
    with pytest.raises(ValueError):
        finite_differences.optimal_delta(t_u, t_c, 1.0, 0.0, "sideways")
    with pytest.raises(ValueError):
        finite_differences.delta_grid(1.0, 0.1)
    assert torch.get_default_dtype() == torch.float32


# --- the notes' step in either dtype, and sentences generated from numbers --------------------


def test_notes_step_in_float64_follows_the_float64_losses(data):
    t_u, t_c = data
    d = 1e-7
    bug = finite_differences.notes_step(t_u, t_c, 1.0, 0.0, d, 1e-2, "float64", brackets=False)
    g_w = mse64(1.0 + d, 0.0) - mse64(1.0 - d, 0.0) / (2 * d)
    assert bug["grad_w"] == pytest.approx(g_w, rel=1e-12)
    assert bug["w_new"] == pytest.approx(1.0 - 1e-2 * g_w, rel=1e-12)
    assert math.isfinite(bug["loss_after"])  # float64 holds what float32 cannot
    fixed = finite_differences.notes_step(t_u, t_c, 1.0, 0.0, d, 1e-2, "float64")
    assert fixed["grad_w"] == pytest.approx(grad64(1.0, 0.0)[0], rel=1e-8)
    assert fixed["squares_exact"] == pytest.approx(11 * mse64(fixed["w_new"], fixed["b_new"]), rel=1e-12)
    lesson = finite_differences.bracket_lesson(t_u, t_c, 1.0, 0.0, d, "w", "float64")
    assert lesson["fixed"] == pytest.approx(grad64(1.0, 0.0)[0], rel=1e-8)
    assert finite_differences.largest("float32") == float(np.finfo(np.float32).max)
