"""What the "loss surface" page draws: windows, slices, tangents, arrows and contours.

Also reachable under its old name ``thermo_core.landscape`` (``tc.landscape``).

Everything is computed in float64 from the inputs a page passes in (usually
``normalize(t_u.double(), mode)``), so drawn shapes are not blurred by rounding.
The windows are square with equal units on both axes: only then does the picture show
the valley the way plain gradient descent sees it (one learning rate for w and b).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch
from torch import Tensor

from ..checks import check_choice
from ..data import normalize
from ..gradients import analytic_grad
from ..losses import LOSSES, loss_fn, model, mse_loss, penalty, penalty_slope
from ..readings import Readings
from ..surface import curvature, loss_grid, optimal_params

SURFACE_START: tuple[float, float] = (1.0, 0.0)
"""Where the chapter starts training: w = 1, b = 0 (inside every window below)."""


@dataclass(frozen=True)
class SurfaceWindow:
    """The (w, b) box a page plots for one normalization, and the point inputs' bounds.

    ``w_range`` and ``b_range`` are the plotted square (the same width in w as in b).
    The point inputs accept all of it (``w_bounds``/``b_bounds``), so any point the
    learner clicks on the picture can also be typed. ``w_span``/``b_span`` are where the
    slices are drawn by default: narrow enough to show the bottom of that mode's valley.
    The steps are fine enough to reach the bottom of the valley.
    """

    w_range: tuple[float, float]
    b_range: tuple[float, float]
    w_span: tuple[float, float]
    b_span: tuple[float, float]
    w_step: float
    b_step: float

    @property
    def w_bounds(self) -> tuple[float, float]:
        """What the w input accepts: the whole drawn window."""
        return self.w_range

    @property
    def b_bounds(self) -> tuple[float, float]:
        """What the b input accepts: the whole drawn window."""
        return self.b_range

    @property
    def side(self) -> float:
        """Width of the plotted square, in parameter units."""
        return self.w_range[1] - self.w_range[0]

    def slice_span(self, wrt: str, at: float) -> tuple[float, float]:
        """Where the slice along ``wrt`` is drawn for a point at ``at``.

        The default span while it holds the point (so the curve stays put while the point
        moves along it); otherwise a span as wide, centred on the point and kept inside
        the drawn window.
        """
        lo, hi = self.w_span if wrt == "w" else self.b_span
        if lo <= at <= hi:
            return lo, hi
        edge_lo, edge_hi = self.w_range if wrt == "w" else self.b_range
        half = (hi - lo) / 2
        centre = min(max(at, edge_lo + half), edge_hi - half)
        return centre - half, centre + half

    def tangent_half_width(self, wrt: str) -> float:
        """Half the length of a slice's tangent segment: a fifth of that slice's span.

        Long enough to read the slope, short enough to stay near the point it touches.
        """
        lo, hi = self.w_span if wrt == "w" else self.b_span
        return 0.2 * (hi - lo)

    def snap(self, w: float, b: float) -> tuple[float, float]:
        """(w, b) on the inputs' step grid and inside the window: where a click lands."""

        def one(v: float, step: float, bounds: tuple[float, float]) -> float:
            decimals = max(0, -math.floor(math.log10(step)))
            v = round(round((v - bounds[0]) / step) * step + bounds[0], decimals)
            return min(max(v, bounds[0]), bounds[1]) + 0.0

        return one(w, self.w_step, self.w_range), one(b, self.b_step, self.b_range)


SURFACE_WINDOWS: dict[str, SurfaceWindow] = {
    # Raw readings: the valley is ~183x longer than wide, nearly parallel to the b axis.
    # The slices cover a narrow strip around it and w moves in steps of 1e-4 (the valley
    # floor is only ~0.1 wide in w where the loss is 10 above its minimum).
    "none": SurfaceWindow(
        w_range=(-24.0, 26.0), b_range=(-33.0, 17.0), w_span=(-1.0, 3.0),
        b_span=(-33.0, 17.0), w_step=1e-4, b_step=0.01,
    ),
    # 0.1·t_u: the valley is ~19x longer than wide and tilted by about 10 degrees.
    "scale": SurfaceWindow(
        w_range=(-22.0, 28.0), b_range=(-33.0, 17.0), w_span=(-22.0, 28.0),
        b_span=(-33.0, 17.0), w_step=0.001, b_step=0.01,
    ),
    # Standardized: a nearly round bowl around (9.03, 10.50).
    "standardize": SurfaceWindow(
        w_range=(-7.0, 17.0), b_range=(-7.0, 17.0), w_span=(-7.0, 17.0),
        b_span=(-7.0, 17.0), w_step=0.01, b_step=0.01,
    ),
}


def surface_window(readings: Readings, mode: str) -> SurfaceWindow:
    """The plotting window and point-input bounds for a normalization mode.

    The book's readings have hand-made windows; other readings get a square window around
    their least-squares point, wide enough to show the valley or bowl around it.
    """
    check_choice("normalization", mode, SURFACE_WINDOWS)
    if readings.is_book:
        return SURFACE_WINDOWS[mode]
    t_u, t_c = readings.tensors(torch.float64)
    x = normalize(t_u, mode)
    w_best, b_best = (float(v) for v in optimal_params(x, t_c))
    half = 1.5 * max(abs(w_best), abs(b_best), float(t_c.std() / x.std()), float(t_c.std()), 1e-9)
    step = 10.0 ** math.floor(math.log10(2 * half / 2000))

    def around(centre: float) -> tuple[float, float]:
        return math.floor((centre - half) / step) * step, math.ceil((centre + half) / step) * step

    w_range, b_range = around(w_best), around(b_best)
    return SurfaceWindow(w_range, b_range, w_range, b_range, step, step)


def _check_loss(loss: str) -> None:
    check_choice("loss", loss, LOSSES)


def loss_and_grad(
    x: Tensor, t_c: Tensor, w: float, b: float, loss: str = "mse", huber_delta: float = 1.0
) -> tuple[float, float, float]:
    """(loss, dL/dw, dL/db) at (w, b) in float64.

    MSE uses the hand-derived gradient (:func:`analytic_grad`); L1 and Huber use
    autograd, which takes slope 0 for a residual exactly at L1's kink.
    """
    _check_loss(loss)
    x64, y64 = x.double(), t_c.double()
    if loss == "mse":
        value = mse_loss(model(x64, w, b), y64)
        g = analytic_grad(x64, y64, w, b)
        return float(value), float(g[0]), float(g[1])
    return _autograd(x64, y64, w, b, loss, huber_delta)


def _autograd(
    x: Tensor, t_c: Tensor, w: float, b: float, loss: str, huber_delta: float
) -> tuple[float, float, float]:
    """(loss, dL/dw, dL/db) by autograd, in the dtype of ``x``."""
    params = torch.tensor([float(w), float(b)], dtype=x.dtype, requires_grad=True)
    value = loss_fn(loss, huber_delta)(model(x, params[0], params[1]), t_c)
    value.backward()
    assert params.grad is not None
    return float(value.detach()), float(params.grad[0]), float(params.grad[1])


def float32_loss_and_grad(
    x: Tensor, t_c: Tensor, w: float, b: float, loss: str = "mse", huber_delta: float = 1.0
) -> tuple[float, float, float]:
    """(loss, dL/dw, dL/db) as the chapter computes them: float32 tensors and autograd.

    The page works in float64; float32 keeps about 7 significant digits, so the two
    agree to about 1e-7 relative and their last printed digits can differ. At the chapter's
    start (w = 1, b = 0) float64 gives 1763.8846 and 4517.2966; today's float32 gives
    1763.8848 (1763.884765625) and 4517.2969. The book's notebook printed tensor(1763.8846):
    the PyTorch it ran on added the 11 squares in another order (see
    :func:`float32_loss_left_to_right`).
    """
    _check_loss(loss)
    return _autograd(x.float(), t_c.float(), w, b, loss, huber_delta)


def float32_loss_left_to_right(
    x: Tensor, t_c: Tensor, w: float, b: float, loss: str = "mse", huber_delta: float = 1.0
) -> float:
    """The loss in float32 with the 11 penalties added one by one, left to right.

    The PyTorch the book ran on summed 11 numbers this way, so this reproduces the book's
    printed loss (1763.8846 at w = 1, b = 0); today's vectorised sum adds in another order
    and gives 1763.8848. Same float32 maths, different rounding of the additions.
    """
    _check_loss(loss)
    with torch.no_grad():
        r = model(x.float(), float(w), float(b)) - t_c.float()
        terms = penalty(r, loss, huber_delta).numpy()
    total = np.float32(0.0)
    with np.errstate(over="ignore", invalid="ignore"):
        for v in terms:
            total = np.float32(total + v)
    return float(np.float32(total / np.float32(len(terms))))


def surface_frame(
    x: Tensor,
    t_c: Tensor,
    win: SurfaceWindow,
    loss: str = "mse",
    huber_delta: float = 1.0,
    steps: int = 60,
) -> pd.DataFrame:
    """Loss on a steps×steps grid over the window, with each cell's edges for a heatmap.

    Columns: w, b (cell centres), w0, w1, b0, b1 (cell edges), loss.
    """
    frame = loss_grid(x, t_c, win.w_range, win.b_range, steps, loss, huber_delta)
    hw = (win.w_range[1] - win.w_range[0]) / (steps - 1) / 2
    hb = (win.b_range[1] - win.b_range[0]) / (steps - 1) / 2
    return frame.assign(w0=frame.w - hw, w1=frame.w + hw, b0=frame.b - hb, b1=frame.b + hb)


def unusable_cells(values: pd.Series) -> tuple[int, int]:
    """(count of non-finite values, count of values ≤ 0): what a log colour scale cannot show."""
    v = torch.tensor(values.to_numpy(dtype=float), dtype=torch.float64)
    finite = torch.isfinite(v)
    return int((~finite).sum()), int((finite & (v <= 0)).sum())


def slice_frame(
    x: Tensor,
    t_c: Tensor,
    along: str,
    fixed: float,
    value_range: tuple[float, float],
    loss: str = "mse",
    huber_delta: float = 1.0,
    steps: int = 161,
) -> pd.DataFrame:
    """The loss along one axis with the other parameter held fixed; columns value, loss.

    ``along="w"`` varies w at b = fixed; ``along="b"`` varies b at w = fixed.
    """
    _check_loss(loss)
    if along not in ("w", "b"):
        raise ValueError("along must be 'w' or 'b'")
    values = torch.linspace(value_range[0], value_range[1], steps, dtype=torch.float64)
    x64, y64 = x.double(), t_c.double()
    col = values.unsqueeze(1)
    w, b = (col, fixed) if along == "w" else (fixed, col)
    t_p = w * x64 + b
    losses = penalty(t_p - y64, loss, huber_delta).mean(1)
    return pd.DataFrame({"value": values.numpy(), "loss": losses.numpy()})


def tangent_segment(at: float, loss_value: float, slope: float, half_width: float) -> pd.DataFrame:
    """Two points of the tangent line loss_value + slope·(v - at) over at ± half_width."""
    vs = [at - half_width, at + half_width]
    return pd.DataFrame({"value": vs, "loss": [loss_value + slope * (v - at) for v in vs]})


def clip_line_to_box(
    point: tuple[float, float],
    direction: tuple[float, float],
    w_range: tuple[float, float],
    b_range: tuple[float, float],
) -> tuple[tuple[float, float], tuple[float, float]] | None:
    """The part of the infinite line point + t·direction inside the box, or None if it misses.

    Liang-Barsky clipping: intersect the t-intervals where each coordinate is in range.
    """
    lo, hi = -math.inf, math.inf
    for p, d, (a, c) in ((point[0], direction[0], w_range), (point[1], direction[1], b_range)):
        if d == 0:
            if not a <= p <= c:
                return None
            continue
        t1, t2 = (a - p) / d, (c - p) / d
        lo, hi = max(lo, min(t1, t2)), min(hi, max(t1, t2))
    if not lo < hi or not math.isfinite(lo) or not math.isfinite(hi):
        return None
    return (
        (point[0] + lo * direction[0], point[1] + lo * direction[1]),
        (point[0] + hi * direction[0], point[1] + hi * direction[1]),
    )


def eigen_lines(x: Tensor, t_c: Tensor, win: SurfaceWindow) -> pd.DataFrame:
    """The MSE Hessian's two eigen-directions as lines through the minimum, clipped to the window.

    Columns: direction ("flattest (λ_min)" or "steepest (λ_max)"), eigenvalue, w, b; two rows
    (the segment's ends) per direction.
    """
    curv = curvature(x)
    best = optimal_params(x, t_c)
    centre = (float(best[0]), float(best[1]))
    rows = []
    for i, name in enumerate(("flattest (λ_min)", "steepest (λ_max)")):
        vec = curv.eigenvectors[:, i]
        seg = clip_line_to_box(centre, (float(vec[0]), float(vec[1])), win.w_range, win.b_range)
        if seg is None:
            continue
        for w, b in seg:
            rows.append(
                {"direction": name, "eigenvalue": float(curv.eigenvalues[i]), "w": w, "b": b}
            )
    return pd.DataFrame(rows, columns=["direction", "eigenvalue", "w", "b"])


def descent_arrow(
    w: float, b: float, grad_w: float, grad_b: float, win: SurfaceWindow, fraction: float = 0.18
) -> dict[str, float] | None:
    """The −∇L arrow at (w, b), rescaled to ``fraction`` of the window's side.

    Only its direction is meaningful (the gradient is often thousands of units long).
    It is shortened if needed so its head stays inside the window. ``angle`` is the
    head's rotation in degrees clockwise from "up", valid because the window is square
    and plotted square. Returns None when the gradient is zero or not finite.
    """
    dw, db = -grad_w, -grad_b
    norm = math.hypot(dw, db)
    if not math.isfinite(norm) or norm == 0.0:
        return None
    scale = fraction * win.side / norm
    for p, d, (lo, hi) in ((w, dw, win.w_range), (b, db, win.b_range)):
        if d > 0:
            scale = min(scale, (hi - p) / d)
        elif d < 0:
            scale = min(scale, (lo - p) / d)
    scale = max(scale, 0.0)
    return {
        "w0": w,
        "b0": b,
        "w1": w + scale * dw,
        "b1": b + scale * db,
        "angle": math.degrees(math.atan2(dw, db)) % 360.0,
    }


def arrow_wings(
    arrow: dict[str, float], length: float = 0.3, spread_deg: float = 28.0
) -> list[dict[str, float]]:
    """The arrowhead as two short segments from the tip, in (w, b) units.

    Built in data units, the head stays attached to the shaft and points along it
    whatever the chart's aspect ratio (a stretched chart shears both alike). Each row
    has the tip (w1, b1) and a wing end (w0, b0); ``length`` is a fraction of the shaft.
    """
    dw, db = arrow["w1"] - arrow["w0"], arrow["b1"] - arrow["b0"]
    rows = []
    for sign in (1.0, -1.0):
        a = math.radians(sign * spread_deg)
        cw = math.cos(a) * dw - math.sin(a) * db
        cb = math.sin(a) * dw + math.cos(a) * db
        rows.append(
            {"w0": arrow["w1"] - length * cw, "b0": arrow["b1"] - length * cb,
             "w1": arrow["w1"], "b1": arrow["b1"]}
        )
    return rows


def mse_contours(
    x: Tensor, t_c: Tensor, levels_above_min: tuple[float, ...], points: int = 241
) -> pd.DataFrame:
    """Exact MSE contour ellipses: where MSE = MSE_min + Δ for each Δ in levels_above_min.

    The MSE of a line is exactly quadratic, MSE = MSE_min + ½·dᵀHd with d the offset
    from the minimum, so along eigen-direction i the ellipse's half-axis is √(2Δ/λ_i).
    Drawn as paths, they stay sharp however thin the valley. Columns: delta, order, w, b.
    """
    curv = curvature(x)
    best = optimal_params(x, t_c)
    theta = torch.linspace(0, 2 * math.pi, points, dtype=torch.float64)
    frames = []
    for delta in levels_above_min:
        r = torch.sqrt(2 * delta / curv.eigenvalues)
        offsets = curv.eigenvectors[:, 0:1] * (r[0] * torch.cos(theta)) + curv.eigenvectors[
            :, 1:2
        ] * (r[1] * torch.sin(theta))
        frames.append(
            pd.DataFrame(
                {
                    "delta": float(delta),
                    "order": range(points),
                    "w": (best[0] + offsets[0]).numpy(),
                    "b": (best[1] + offsets[1]).numpy(),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def lowest_cell(frame: pd.DataFrame) -> tuple[float, float, float]:
    """(w, b, loss) of the grid cell with the smallest finite loss (the surface's own minimum, roughly)."""
    finite = frame[frame["loss"].map(math.isfinite)]
    row = finite.loc[finite["loss"].idxmin()]
    return float(row["w"]), float(row["b"]), float(row["loss"])


def valley_floor_point(x: Tensor, t_c: Tensor, b: float) -> float:
    """The w where the flattest eigen-direction through the MSE minimum crosses height b.

    Points on that line have a gradient pointing exactly along the valley, towards the minimum.
    """
    curv = curvature(x)
    best = optimal_params(x, t_c)
    vw, vb = float(curv.eigenvectors[0, 0]), float(curv.eigenvectors[1, 0])
    if abs(vb) < 1e-12:
        raise ValueError("the flattest direction is parallel to the w axis: it never reaches b")
    return float(best[0]) + (b - float(best[1])) * vw / vb


def residuals_at(x: Tensor, t_c: Tensor, w: float, b: float) -> Tensor:
    """r = t_p − t_c = w·x + b − t_c for each reading, float64 (prediction minus truth)."""
    return model(x.double(), w, b) - t_c.double()


def penalty_curves(r_max: float, huber_delta: float = 1.0, steps: int = 200) -> pd.DataFrame:
    """Each loss's per-residual penalty and its slope over −r_max..r_max.

    Columns: loss, r, penalty, slope, piece. ``steps`` is even so r = 0 itself is never
    sampled; for L1 ``piece`` (−1 or +1, the side of 0) lets a chart draw its slope as two
    flat pieces with a jump at 0 instead of a fake steep line (0 for the smooth losses).
    """
    if steps % 2:
        steps += 1
    r = torch.linspace(-r_max, r_max, steps, dtype=torch.float64)
    frames = [
        pd.DataFrame(
            {
                "loss": name,
                "r": r.numpy(),
                "penalty": penalty(r, name, huber_delta).numpy(),
                "slope": penalty_slope(r, name, huber_delta).numpy(),
                "piece": (torch.sign(r) if name == "l1" else torch.zeros_like(r)).numpy(),
            }
        )
        for name in LOSSES
    ]
    return pd.concat(frames, ignore_index=True)


def penalty_span(residuals: pd.Series, huber_delta: float = 1.0) -> float:
    """How far the penalty panels reach in r: past every residual and Huber's bend, at least 4."""
    return max(4.0, 2.5 * huber_delta, 1.1 * float(residuals.abs().max()))


def residual_penalties(
    x: Tensor, t_c: Tensor, w: float, b: float, loss: str = "mse", huber_delta: float = 1.0
) -> pd.DataFrame:
    """Each reading's residual at (w, b) with what ``loss`` charges for it and that charge's slope.

    The loss at (w, b) is the mean of the ``penalty`` column.
    """
    _check_loss(loss)
    r = residuals_at(x, t_c, w, b)
    return pd.DataFrame(
        {
            "loss": loss,
            "r": r.numpy(),
            "penalty": penalty(r, loss, huber_delta).numpy(),
            "slope": penalty_slope(r, loss, huber_delta).numpy(),
        }
    )
