"""The loss-surface maths, checked against plain-Python float64 computations."""

from __future__ import annotations

import math

import pandas as pd
import pytest
import torch
from reference import T_C, T_U_BOOK, hessian_eigs64, mse64

import thermo_core as tc


def inputs(mode: str):
    t_u, t_c = tc.load_readings()
    return tc.normalize(t_u.double(), mode), t_c.double()


@pytest.mark.parametrize("mode", tc.NORMALIZATIONS)
def test_windows_hold_the_start_and_the_minimum_and_are_square(mode):
    win = tc.landscape.surface_window(mode)
    x, t_c = inputs(mode)
    w_star, b_star = (float(v) for v in tc.optimal_params(x, t_c))
    assert win.w_range[1] - win.w_range[0] == pytest.approx(win.b_range[1] - win.b_range[0])
    for lo_hi, v in ((win.w_bounds, 1.0), (win.b_bounds, 0.0), (win.w_range, w_star)):
        assert lo_hi[0] < v < lo_hi[1]
    assert win.b_range[0] < b_star < win.b_range[1]
    assert win.w_range[0] <= win.w_bounds[0] and win.w_bounds[1] <= win.w_range[1]
    assert win.b_range[0] <= win.b_bounds[0] and win.b_bounds[1] <= win.b_range[1]
    with pytest.raises(ValueError):
        tc.landscape.surface_window("foo")


def test_loss_and_grad_match_closed_forms():
    x = T_U_BOOK
    n = len(x)
    for w, b in [(1.0, 0.0), (0.5, -17.0), (-0.3, 5.0)]:
        value, gw, gb = tc.landscape.loss_and_grad(*inputs("none"), w, b)
        r = [w * xi + b - yi for xi, yi in zip(x, T_C, strict=True)]
        assert value == pytest.approx(sum(ri * ri for ri in r) / n, rel=1e-6)
        assert gw == pytest.approx(
            sum(2 * ri * xi for ri, xi in zip(r, x, strict=True)) / n, rel=1e-6
        )
        assert gb == pytest.approx(sum(2 * ri for ri in r) / n, rel=1e-6)
        l1, g1w, g1b = tc.landscape.loss_and_grad(*inputs("none"), w, b, "l1")
        assert l1 == pytest.approx(sum(abs(ri) for ri in r) / n, rel=1e-6)
        sign = [math.copysign(1.0, ri) for ri in r]
        assert g1w == pytest.approx(
            sum(s * xi for s, xi in zip(sign, x, strict=True)) / n, rel=1e-6
        )
        assert g1b == pytest.approx(sum(sign) / n, rel=1e-6)
        d = 3.0
        hub, hw, hb = tc.landscape.loss_and_grad(*inputs("none"), w, b, "huber", d)
        pen = [0.5 * ri * ri if abs(ri) <= d else d * (abs(ri) - 0.5 * d) for ri in r]
        slope = [max(-d, min(d, ri)) for ri in r]
        assert hub == pytest.approx(sum(pen) / n, rel=1e-6)
        assert hw == pytest.approx(
            sum(s * xi for s, xi in zip(slope, x, strict=True)) / n, rel=1e-6
        )
        assert hb == pytest.approx(sum(slope) / n, rel=1e-6)
    with pytest.raises(ValueError):
        tc.landscape.loss_and_grad(*inputs("none"), 1.0, 0.0, "hinge")


@pytest.mark.parametrize("mode", tc.NORMALIZATIONS)
def test_surface_frame_values_and_cells(mode):
    x, t_c = inputs(mode)
    win = tc.landscape.surface_window(mode)
    frame = tc.landscape.surface_frame(x, t_c, win, steps=11)
    assert len(frame) == 121
    xs = x.tolist()
    for i in (0, 17, 60, 120):
        row = frame.iloc[i]
        assert row["loss"] == pytest.approx(mse64(row["w"], row["b"], xs), rel=1e-9)
        assert row["w1"] - row["w0"] == pytest.approx((win.w_range[1] - win.w_range[0]) / 10)
    assert frame["w0"].min() == pytest.approx(win.w_range[0] - (win.side / 20))


def test_unusable_cells_counts_inf_nan_and_nonpositive():
    assert tc.landscape.unusable_cells(pd.Series([1.0, math.inf, math.nan, 0.0, -2.0, 3.0])) == (
        2,
        2,
    )
    huge = torch.tensor([1e200, 2e200], dtype=torch.float64)
    frame = tc.loss_grid(huge, torch.zeros(2, dtype=torch.float64), (1.0, 2.0), (0.0, 1.0), 2)
    assert tc.landscape.unusable_cells(frame["loss"]) == (4, 0)


def test_slices_and_tangent():
    x, t_c = inputs("none")
    s = tc.landscape.slice_frame(x, t_c, "w", -3.0, (-1.0, 3.0), steps=5)
    assert s["value"].tolist() == pytest.approx([-1.0, 0.0, 1.0, 2.0, 3.0])
    assert s["loss"].tolist() == pytest.approx(
        [mse64(w, -3.0, T_U_BOOK) for w in s["value"]], rel=1e-6
    )
    sb = tc.landscape.slice_frame(x, t_c, "b", 0.5, (-10.0, 10.0), steps=3)
    assert sb["loss"].tolist() == pytest.approx(
        [mse64(0.5, b, T_U_BOOK) for b in (-10, 0, 10)], rel=1e-6
    )
    t = tc.landscape.tangent_segment(2.0, 10.0, 3.0, 0.5)
    assert t["value"].tolist() == [1.5, 2.5] and t["loss"].tolist() == [8.5, 11.5]
    with pytest.raises(ValueError):
        tc.landscape.slice_frame(x, t_c, "z", 0.0, (0.0, 1.0))


def test_chart_extents_cover_what_they_show():
    # Tangent segments span a fifth of the input's range either side of the point.
    raw = tc.landscape.surface_window("none")
    assert raw.tangent_half_width("w") == pytest.approx(0.2 * 4.0)
    assert raw.tangent_half_width("b") == pytest.approx(0.2 * 50.0)
    # The penalty panels reach past the largest residual and past Huber's bend.
    r = pd.Series([-30.0, 2.0, 10.0])
    assert tc.landscape.penalty_span(r, 1.0) == pytest.approx(33.0)
    assert tc.landscape.penalty_span(pd.Series([0.5]), 1.0) == 4.0
    assert tc.landscape.penalty_span(pd.Series([0.5]), 20.0) == 50.0


def test_clip_line_to_box():
    seg = tc.landscape.clip_line_to_box((0.0, 0.0), (1.0, 1.0), (-1.0, 2.0), (-5.0, 1.0))
    assert seg == ((-1.0, -1.0), (1.0, 1.0))
    assert tc.landscape.clip_line_to_box((5.0, 5.0), (0.0, 1.0), (0.0, 1.0), (0.0, 1.0)) is None
    assert tc.landscape.clip_line_to_box((0.5, 0.0), (0.0, 2.0), (0.0, 1.0), (-1.0, 1.0)) == (
        (0.5, -1.0),
        (0.5, 1.0),
    )


@pytest.mark.parametrize("mode", tc.NORMALIZATIONS)
def test_eigen_lines_pass_through_the_minimum_along_eigenvectors(mode):
    x, t_c = inputs(mode)
    win = tc.landscape.surface_window(mode)
    lines = tc.landscape.eigen_lines(x, t_c, win)
    lo, hi = hessian_eigs64(x.tolist())
    w_star, b_star = (float(v) for v in tc.optimal_params(x, t_c))
    h = tc.hessian(x)
    for name, lam in (("flattest (λ_min)", lo), ("steepest (λ_max)", hi)):
        seg = lines[lines["direction"] == name]
        assert len(seg) == 2 and seg["eigenvalue"].iloc[0] == pytest.approx(lam, rel=1e-9)
        dw, db = seg["w"].iloc[1] - seg["w"].iloc[0], seg["b"].iloc[1] - seg["b"].iloc[0]
        # H·d = λ·d and the minimum lies on the segment
        hd = h @ torch.tensor([dw, db], dtype=torch.float64)
        assert hd.tolist() == pytest.approx([lam * dw, lam * db], rel=1e-6, abs=1e-9)
        cross = (w_star - seg["w"].iloc[0]) * db - (b_star - seg["b"].iloc[0]) * dw
        assert abs(cross) < 1e-6 * math.hypot(dw, db) * win.side
        # ends on the window's border
        for w, b in zip(seg["w"], seg["b"], strict=True):
            on_edge = (
                min(abs(w - e) for e in win.w_range) < 1e-9
                or min(abs(b - e) for e in win.b_range) < 1e-9
            )
            assert on_edge


def test_descent_arrow_points_downhill_and_stays_inside():
    win = tc.landscape.surface_window("none")
    a = tc.landscape.descent_arrow(1.0, 0.0, 4517.3, 82.6, win)
    assert a is not None
    dw, db = a["w1"] - a["w0"], a["b1"] - a["b0"]
    assert dw < 0 and db < 0 and db / dw == pytest.approx(82.6 / 4517.3)
    assert math.hypot(dw, db) == pytest.approx(0.18 * win.side)
    assert a["angle"] == pytest.approx(math.degrees(math.atan2(-4517.3, -82.6)) % 360)
    near_edge = tc.landscape.descent_arrow(-23.9, 0.0, 10.0, 0.0, win)
    assert near_edge is not None and near_edge["w1"] == pytest.approx(-24.0)
    assert tc.landscape.descent_arrow(0.0, 0.0, 0.0, 0.0, win) is None
    assert tc.landscape.descent_arrow(0.0, 0.0, math.nan, 1.0, win) is None


@pytest.mark.parametrize("mode", tc.NORMALIZATIONS)
def test_mse_contours_sit_at_their_level(mode):
    x, t_c = inputs(mode)
    best = tc.optimal_params(x, t_c)
    base = mse64(float(best[0]), float(best[1]), x.tolist())
    frame = tc.landscape.mse_contours(x, t_c, (1.0, 100.0), points=9)
    for _, row in frame.iterrows():
        assert mse64(row["w"], row["b"], x.tolist()) == pytest.approx(base + row["delta"], rel=1e-6)


def test_lowest_cell_and_valley_floor():
    frame = pd.DataFrame({"w": [0, 1, 2], "b": [5, 6, 7], "loss": [3.0, math.nan, 1.0]})
    assert tc.landscape.lowest_cell(frame) == (2.0, 7.0, 1.0)
    x, t_c = inputs("none")
    w = tc.landscape.valley_floor_point(x, t_c, 10.0)
    _, gw, gb = tc.landscape.loss_and_grad(x, t_c, w, 10.0)
    lo, _ = hessian_eigs64(x.tolist())
    # On the floor the gradient is λ_min times the offset: tiny, and along the valley.
    w_star, b_star = (float(v) for v in tc.optimal_params(x, t_c))
    assert math.hypot(gw, gb) == pytest.approx(lo * math.hypot(w - w_star, 10.0 - b_star), rel=1e-6)
    with pytest.raises(ValueError):
        tc.landscape.valley_floor_point(*inputs("standardize"), 3.0)


def test_penalty_curves_and_residual_penalties():
    curves = tc.landscape.penalty_curves(5.0, huber_delta=2.0, steps=11)
    assert (curves["r"] != 0).all() and len(curves) == 3 * 12
    l1 = curves[curves["loss"] == "l1"]
    assert set(l1["slope"]) == {-1.0, 1.0} and (l1["piece"] == l1["slope"]).all()
    hub = curves[curves["loss"] == "huber"]
    for r, p, s in zip(hub["r"], hub["penalty"], hub["slope"], strict=True):
        assert p == pytest.approx(0.5 * r * r if abs(r) <= 2 else 2 * (abs(r) - 1))
        assert s == pytest.approx(max(-2.0, min(2.0, r)))
    dots = tc.landscape.residual_penalties(*inputs("none"), 1.0, 0.0, "mse")
    assert dots["r"].tolist() == pytest.approx([u - c for u, c in zip(T_U_BOOK, T_C, strict=True)])
    assert dots["penalty"].mean() == pytest.approx(mse64(1.0, 0.0, T_U_BOOK), rel=1e-6)
    assert dots["slope"].tolist() == pytest.approx([2 * r for r in dots["r"]])
