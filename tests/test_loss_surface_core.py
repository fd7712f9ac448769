"""The loss-surface maths (thermo_core.lessons.loss_surface), checked against plain-Python
float64 computations and the book's printed float32 values."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import torch
from reference import T_C, T_U32, T_U_BOOK, hessian_eigs64, mse64

import thermo_core as tc
from thermo_core.lessons import loss_surface as ls


def inputs(mode: str):
    t_u, t_c = tc.load_readings()
    return tc.normalize(t_u.double(), mode), t_c.double()


@pytest.mark.parametrize("mode", tc.NORMALIZATIONS)
def test_windows_hold_the_start_and_the_minimum_and_are_square(mode):
    win = ls.surface_window(tc.book(), mode)
    x, t_c = inputs(mode)
    w_star, b_star = (float(v) for v in tc.optimal_params(x, t_c))
    assert win.w_range[1] - win.w_range[0] == pytest.approx(win.b_range[1] - win.b_range[0])
    for lo_hi, v in ((win.w_bounds, 1.0), (win.b_bounds, 0.0), (win.w_range, w_star)):
        assert lo_hi[0] < v < lo_hi[1]
    assert win.b_range[0] < b_star < win.b_range[1]
    # Issue 10 bug 13: the point inputs accept the whole drawn window.
    assert win.w_bounds == win.w_range and win.b_bounds == win.b_range
    assert win.w_range[0] <= win.w_span[0] and win.w_span[1] <= win.w_range[1]
    with pytest.raises(ValueError):
        ls.surface_window(tc.book(), "foo")


def test_loss_and_grad_match_closed_forms():
    x = T_U_BOOK
    n = len(x)
    for w, b in [(1.0, 0.0), (0.5, -17.0), (-0.3, 5.0)]:
        value, gw, gb = ls.loss_and_grad(*inputs("none"), w, b)
        r = [w * xi + b - yi for xi, yi in zip(x, T_C, strict=True)]
        assert value == pytest.approx(sum(ri * ri for ri in r) / n, rel=1e-6)
        assert gw == pytest.approx(
            sum(2 * ri * xi for ri, xi in zip(r, x, strict=True)) / n, rel=1e-6
        )
        assert gb == pytest.approx(sum(2 * ri for ri in r) / n, rel=1e-6)
        l1, g1w, g1b = ls.loss_and_grad(*inputs("none"), w, b, "l1")
        assert l1 == pytest.approx(sum(abs(ri) for ri in r) / n, rel=1e-6)
        sign = [math.copysign(1.0, ri) for ri in r]
        assert g1w == pytest.approx(
            sum(s * xi for s, xi in zip(sign, x, strict=True)) / n, rel=1e-6
        )
        assert g1b == pytest.approx(sum(sign) / n, rel=1e-6)
        d = 3.0
        hub, hw, hb = ls.loss_and_grad(*inputs("none"), w, b, "huber", d)
        pen = [0.5 * ri * ri if abs(ri) <= d else d * (abs(ri) - 0.5 * d) for ri in r]
        slope = [max(-d, min(d, ri)) for ri in r]
        assert hub == pytest.approx(sum(pen) / n, rel=1e-6)
        assert hw == pytest.approx(
            sum(s * xi for s, xi in zip(slope, x, strict=True)) / n, rel=1e-6
        )
        assert hb == pytest.approx(sum(slope) / n, rel=1e-6)
    with pytest.raises(ValueError):
        ls.loss_and_grad(*inputs("none"), 1.0, 0.0, "hinge")


@pytest.mark.parametrize("mode", tc.NORMALIZATIONS)
def test_surface_frame_values_and_cells(mode):
    x, t_c = inputs(mode)
    win = ls.surface_window(tc.book(), mode)
    frame = ls.surface_frame(x, t_c, win, steps=11)
    assert len(frame) == 121
    xs = x.tolist()
    for i in (0, 17, 60, 120):
        row = frame.iloc[i]
        assert row["loss"] == pytest.approx(mse64(row["w"], row["b"], xs), rel=1e-9)
        assert row["w1"] - row["w0"] == pytest.approx((win.w_range[1] - win.w_range[0]) / 10)
    assert frame["w0"].min() == pytest.approx(win.w_range[0] - (win.side / 20))


def test_unusable_cells_counts_inf_nan_and_nonpositive():
    assert ls.unusable_cells(pd.Series([1.0, math.inf, math.nan, 0.0, -2.0, 3.0])) == (
        2,
        2,
    )
    huge = torch.tensor([1e200, 2e200], dtype=torch.float64)
    frame = tc.loss_grid(huge, torch.zeros(2, dtype=torch.float64), (1.0, 2.0), (0.0, 1.0), 2)
    assert ls.unusable_cells(frame["loss"]) == (4, 0)


def test_slices_and_tangent():
    x, t_c = inputs("none")
    s = ls.slice_frame(x, t_c, "w", -3.0, (-1.0, 3.0), steps=5)
    assert s["value"].tolist() == pytest.approx([-1.0, 0.0, 1.0, 2.0, 3.0])
    assert s["loss"].tolist() == pytest.approx(
        [mse64(w, -3.0, T_U_BOOK) for w in s["value"]], rel=1e-6
    )
    sb = ls.slice_frame(x, t_c, "b", 0.5, (-10.0, 10.0), steps=3)
    assert sb["loss"].tolist() == pytest.approx(
        [mse64(0.5, b, T_U_BOOK) for b in (-10, 0, 10)], rel=1e-6
    )
    t = ls.tangent_segment(2.0, 10.0, 3.0, 0.5)
    assert t["value"].tolist() == [1.5, 2.5] and t["loss"].tolist() == [8.5, 11.5]
    with pytest.raises(ValueError):
        ls.slice_frame(x, t_c, "z", 0.0, (0.0, 1.0))


def test_chart_extents_cover_what_they_show():
    # Tangent segments span a fifth of the input's range either side of the point.
    raw = ls.surface_window(tc.book(), "none")
    assert raw.tangent_half_width("w") == pytest.approx(0.2 * 4.0)  # the raw w span is −1 … 3
    assert raw.tangent_half_width("b") == pytest.approx(0.2 * 50.0)
    # The penalty panels reach past the largest residual and past Huber's bend.
    r = pd.Series([-30.0, 2.0, 10.0])
    assert ls.penalty_span(r, 1.0) == pytest.approx(33.0)
    assert ls.penalty_span(pd.Series([0.5]), 1.0) == 4.0
    assert ls.penalty_span(pd.Series([0.5]), 20.0) == 50.0


def test_clip_line_to_box():
    seg = ls.clip_line_to_box((0.0, 0.0), (1.0, 1.0), (-1.0, 2.0), (-5.0, 1.0))
    assert seg == ((-1.0, -1.0), (1.0, 1.0))
    assert ls.clip_line_to_box((5.0, 5.0), (0.0, 1.0), (0.0, 1.0), (0.0, 1.0)) is None
    assert ls.clip_line_to_box((0.5, 0.0), (0.0, 2.0), (0.0, 1.0), (-1.0, 1.0)) == (
        (0.5, -1.0),
        (0.5, 1.0),
    )


@pytest.mark.parametrize("mode", tc.NORMALIZATIONS)
def test_eigen_lines_pass_through_the_minimum_along_eigenvectors(mode):
    x, t_c = inputs(mode)
    win = ls.surface_window(tc.book(), mode)
    lines = ls.eigen_lines(x, t_c, win)
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
    win = ls.surface_window(tc.book(), "none")
    a = ls.descent_arrow(1.0, 0.0, 4517.3, 82.6, win)
    assert a is not None
    dw, db = a["w1"] - a["w0"], a["b1"] - a["b0"]
    assert dw < 0 and db < 0 and db / dw == pytest.approx(82.6 / 4517.3)
    assert math.hypot(dw, db) == pytest.approx(0.18 * win.side)
    assert a["angle"] == pytest.approx(math.degrees(math.atan2(-4517.3, -82.6)) % 360)
    near_edge = ls.descent_arrow(-23.9, 0.0, 10.0, 0.0, win)
    assert near_edge is not None and near_edge["w1"] == pytest.approx(-24.0)
    assert ls.descent_arrow(0.0, 0.0, 0.0, 0.0, win) is None
    assert ls.descent_arrow(0.0, 0.0, math.nan, 1.0, win) is None


@pytest.mark.parametrize("mode", tc.NORMALIZATIONS)
def test_mse_contours_sit_at_their_level(mode):
    x, t_c = inputs(mode)
    best = tc.optimal_params(x, t_c)
    base = mse64(float(best[0]), float(best[1]), x.tolist())
    frame = ls.mse_contours(x, t_c, (1.0, 100.0), points=9)
    for _, row in frame.iterrows():
        assert mse64(row["w"], row["b"], x.tolist()) == pytest.approx(base + row["delta"], rel=1e-6)


def test_lowest_cell_and_valley_floor():
    frame = pd.DataFrame({"w": [0, 1, 2], "b": [5, 6, 7], "loss": [3.0, math.nan, 1.0]})
    assert ls.lowest_cell(frame) == (2.0, 7.0, 1.0)
    x, t_c = inputs("none")
    w = ls.valley_floor_point(x, t_c, 10.0)
    _, gw, gb = ls.loss_and_grad(x, t_c, w, 10.0)
    lo, _ = hessian_eigs64(x.tolist())
    # On the floor the gradient is λ_min times the offset: tiny, and along the valley.
    w_star, b_star = (float(v) for v in tc.optimal_params(x, t_c))
    assert math.hypot(gw, gb) == pytest.approx(lo * math.hypot(w - w_star, 10.0 - b_star), rel=1e-6)
    with pytest.raises(ValueError):
        ls.valley_floor_point(*inputs("standardize"), 3.0)


def test_penalty_curves_and_residual_penalties():
    curves = ls.penalty_curves(5.0, huber_delta=2.0, steps=11)
    assert (curves["r"] != 0).all() and len(curves) == 3 * 12
    l1 = curves[curves["loss"] == "l1"]
    assert set(l1["slope"]) == {-1.0, 1.0} and (l1["piece"] == l1["slope"]).all()
    hub = curves[curves["loss"] == "huber"]
    for r, p, s in zip(hub["r"], hub["penalty"], hub["slope"], strict=True):
        assert p == pytest.approx(0.5 * r * r if abs(r) <= 2 else 2 * (abs(r) - 1))
        assert s == pytest.approx(max(-2.0, min(2.0, r)))
    dots = ls.residual_penalties(*inputs("none"), 1.0, 0.0, "mse")
    assert dots["r"].tolist() == pytest.approx([u - c for u, c in zip(T_U_BOOK, T_C, strict=True)])
    assert dots["penalty"].mean() == pytest.approx(mse64(1.0, 0.0, T_U_BOOK), rel=1e-6)
    assert dots["slope"].tolist() == pytest.approx([2 * r for r in dots["r"]])


def test_slice_span_follows_a_point_outside_the_default_span():
    raw = ls.surface_window(tc.book(), "none")
    assert raw.slice_span("w", 1.0) == (-1.0, 3.0)  # the default span while it holds the point
    assert raw.slice_span("w", 10.0) == (8.0, 12.0)  # as wide, centred on the point
    assert raw.slice_span("w", 25.5) == (22.0, 26.0)  # kept inside the window
    assert raw.slice_span("w", -23.0) == (-24.0, -20.0)


def test_snap_puts_a_click_on_the_inputs_grid_inside_the_window():
    raw = ls.surface_window(tc.book(), "none")
    assert raw.snap(0.53671234, -17.30478) == (0.5367, -17.3)
    assert raw.snap(99.0, -99.0) == (26.0, -33.0)
    std = ls.surface_window(tc.book(), "standardize")
    assert std.snap(9.0349, 10.4999) == (9.03, 10.5)


def test_arrow_wings_meet_at_the_tip_symmetric_about_the_shaft():
    arrow = {"w0": 1.0, "b0": 0.0, "w1": -8.0, "b1": -0.2}
    wings = ls.arrow_wings(arrow, length=0.3, spread_deg=28.0)
    dw, db = -9.0, -0.2
    for wing in wings:
        assert (wing["w1"], wing["b1"]) == (-8.0, -0.2)
        back = (wing["w1"] - wing["w0"], wing["b1"] - wing["b0"])
        assert math.hypot(*back) == pytest.approx(0.3 * math.hypot(dw, db))
        cos = (back[0] * dw + back[1] * db) / (math.hypot(*back) * math.hypot(dw, db))
        assert cos == pytest.approx(math.cos(math.radians(28.0)))
    crosses = [(w["w1"] - w["w0"]) * db - (w["b1"] - w["b0"]) * dw for w in wings]
    assert crosses[0] == pytest.approx(-crosses[1])  # one wing each side


def test_float32_values_are_the_chapters():
    # Issue 10 bug 10: the chapter (float32, autograd) prints 1763.8848 and
    # [4517.2969, 82.6000]; float64 gives 1763.8846 and 4517.2966.
    loss, gw, gb = ls.float32_loss_and_grad(*inputs("none"), 1.0, 0.0)
    assert f"{loss:.4f}" == "1763.8848" and f"{gw:.4f}" == "4517.2969" and f"{gb:.4f}" == "82.6000"
    loss64, gw64, _ = ls.loss_and_grad(*inputs("none"), 1.0, 0.0)
    assert f"{loss64:.4f}" == "1763.8846" and f"{gw64:.4f}" == "4517.2966"
    assert loss64 == pytest.approx(mse64(1.0, 0.0, [float(x) for x in inputs("none")[0]]), rel=1e-12)
    for loss_name in ("l1", "huber"):
        v32 = ls.float32_loss_and_grad(*inputs("scale"), 2.0, -3.0, loss_name, 2.0)
        v64 = ls.loss_and_grad(*inputs("scale"), 2.0, -3.0, loss_name, 2.0)
        assert v32 == pytest.approx(v64, rel=1e-6)


def test_float32_left_to_right_sum_is_the_books_printed_loss():
    t_u, t_c = tc.load_readings()
    xs, ys = np.array(T_U32, np.float32), np.array(T_C, np.float32)
    for w, b in ((1.0, 0.0), (0.5, -10.0), (-3.0, 40.0)):
        sq = (np.float32(w) * xs + np.float32(b) - ys) ** 2
        total = np.float32(0)
        for v in sq:
            total = np.float32(total + v)
        expected = float(total / np.float32(11))
        assert ls.float32_loss_left_to_right(t_u, t_c, w, b) == expected
    assert f"{ls.float32_loss_left_to_right(t_u, t_c, 1.0, 0.0):.4f}" == "1763.8846"  # the book
    assert f"{ls.float32_loss_and_grad(t_u, t_c, 1.0, 0.0)[0]:.4f}" == "1763.8848"  # today
