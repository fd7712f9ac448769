"""The "Divergence at high learning rates" page: the chapter's loop, pushed past its limit.

Everything a page shows is computed here from plain numbers: the run itself (with an
optional lr schedule), the book's own printed log, the path clipped to the plot window,
the per-direction step factors |1 - lr·λ|, a batched learning-rate sweep and a thinned
history for drawing.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch
from torch import Tensor

from ..data import normalize
from ..numbers import fmt
from ..readings import Readings
from ..surface import critical_lr, curvature, optimal_params
from ..training import SCHEDULES, Run, descend_many, train

RULES: tuple[str, ...] = ("manual", "SGD")
"""Update rules: the chapter's ``params = params - lr * grad``, or torch.optim.SGD."""

BOOK_PRINT_EPOCHS: tuple[int, ...] = (1, 2, 3, 10, 11, 99, 100, 4000, 5000)
"""Epochs the book's ``training_loop`` prints; it prints "..." after 3, 11 and 100."""

BOOK_ELLIPSIS_EPOCHS: tuple[int, ...] = (4, 12, 101)

SCHEDULE_PRESET: dict = {
    "mode": "scale",
    "lr": 0.06,
    "epochs": 5000,
    "schedule": "ReduceLROnPlateau",
    "factor": 0.5,
    "patience": 3,
    "threshold": 0.0,
}
"""Start at lr 0.06 on 0.1·t_u (1.8x the critical 0.033): as a constant it diverges at epoch
44; halved whenever the loss fails to beat its best for 4 epochs, it peaks near 8e5 and then
converges to the least-squares loss (2.9277 vs 2.92765 after 5000 epochs)."""

SWEEP_RANGE: tuple[float, float] = (1e-6, 10.0)


def inputs(readings: Readings, mode: str) -> tuple[Tensor, Tensor]:
    """(x, t_c): the chapter's readings with t_u normalized by ``mode``, float32."""
    t_u, t_c = readings.tensors()
    return normalize(t_u, mode), t_c


def schedule_kwargs(
    schedule: str,
    *,
    step_size: int | None = None,
    gamma: float | None = None,
    t_max: int | None = None,
    eta_min: float | None = None,
    factor: float | None = None,
    patience: int | None = None,
    threshold: float | None = None,
) -> dict:
    """The torch scheduler's keyword arguments from plain numbers; None keeps the default.

    Only the settings that ``schedule`` takes are kept, so a page can pass all its widgets.
    """
    if schedule not in SCHEDULES:
        raise ValueError(f"unknown schedule {schedule!r}; allowed: {', '.join(SCHEDULES)}")
    given = {
        "StepLR": {"step_size": step_size, "gamma": gamma},
        "ExponentialLR": {"gamma": gamma},
        "CosineAnnealingLR": {"T_max": t_max, "eta_min": eta_min},
        "ReduceLROnPlateau": {"factor": factor, "patience": patience, "threshold": threshold},
        "constant": {},
    }[schedule]
    return {k: v for k, v in given.items() if v is not None}


VERDICTS: tuple[str, ...] = ("converging", "too slow", "diverging")
"""What a run did, judged by :func:`judge`: the status box, the sweep's regions and the tour
all use this one rule."""

GOOD_WITHIN = 0.01
"""A run converges when its final loss is within this fraction of the least-squares loss."""

GREW_TOLERANCE = 1e-6
"""Relative rise of the loss that counts as growth (float32 noise around a flat loss is less)."""


@dataclass(frozen=True)
class Verdict:
    """One run judged from its losses.

    code: one of ``VERDICTS``. "diverging": the loss is not finite, ended above where it
    started, or the rate at the end is past the critical rate and the last step did not
    lower the loss. "converging": the final loss is within ``GOOD_WITHIN`` of the
    least-squares loss. "too slow": the rest (stable, but not there yet).
    growth: final loss / first loss (inf once the loss overflowed). last_step: final loss /
    the loss one epoch before (1.0 for a one-epoch run). past_critical: the rate used last
    is above the critical rate.
    """

    code: str
    growth: float
    last_step: float
    past_critical: bool


def _ratio(num: float, den: float) -> float:
    if not math.isfinite(num):
        return math.inf
    return num / den if den > 0 else (1.0 if num == den else math.inf)


def judge(
    losses: Sequence[float], last_lr: float, critical: float, best_loss: float
) -> Verdict:
    """Classify a run from its loss per epoch (before each update) and the rate it ended on."""
    first, last = float(losses[0]), float(losses[-1])
    prev = float(losses[-2]) if len(losses) > 1 else last
    growth, step = _ratio(last, first), _ratio(last, prev)
    past = last_lr > critical
    if (
        not math.isfinite(last)
        or growth > 1 + GREW_TOLERANCE
        or (past and len(losses) > 1 and last >= prev)
    ):
        code = "diverging"
    elif last <= best_loss * (1 + GOOD_WITHIN):
        code = "converging"
    else:
        code = "too slow"
    return Verdict(code, growth, step, past)


def best_loss(readings: Readings, mode: str) -> float:
    """The least-squares loss for these inputs (float64): where every converging run ends."""
    x, t_c = inputs(readings, mode)
    best = optimal_params(x, t_c)
    x64, y64 = x.double(), t_c.double()
    return float(((best[0] * x64 + best[1] - y64) ** 2).mean())


def rounding_decides(f32_loss: float, f64_loss: float, rel: float = 0.01) -> bool:
    """Whether float32 rounding, not the maths, decided where a run ended: its final loss and
    the same run's in float64 differ by more than ``rel``. This happens when a schedule
    lowers the rate after a blow-up: at the peak, rounding the huge steep component leaks
    into the flat direction, and the small late rates never remove it."""
    if not (math.isfinite(f32_loss) and math.isfinite(f64_loss)):
        return False
    return abs(f32_loss - f64_loss) > rel * abs(f64_loss)


@dataclass(frozen=True)
class DivergenceRun:
    """One run of the page: the tc.Run, the critical rate 2/λ_max and its :class:`Verdict`."""

    run: Run
    mode: str
    critical_lr: float
    verdict: Verdict


def run_lesson(
    readings: Readings,
    mode: str = "none",
    lr: float = 1e-2,
    epochs: int = 5000,
    rule: str = "manual",
    schedule: str = "constant",
    w0: float = 1.0,
    b0: float = 0.0,
    precision: str = "float32",
    **schedule_settings: float | int | None,
) -> DivergenceRun:
    """Train with the page's controls (plain values, so st.cache_data can key on them).

    rule: "manual" or "SGD". precision: "float32" (the chapter's) or "float64", to tell
    what float32 rounding did to a run. schedule_settings: see :func:`schedule_kwargs`.
    The history always has an ``lr`` column.
    """
    if rule not in RULES:
        raise ValueError(f"unknown update rule {rule!r}; allowed: {', '.join(RULES)}")
    x, t_c = inputs(readings, mode)
    if precision == "float64":
        x, t_c = x.double(), t_c.double()
    elif precision != "float32":
        raise ValueError(f"unknown precision {precision!r}; allowed: float32, float64")
    kw = schedule_kwargs(schedule, **schedule_settings)
    run = train(
        x,
        t_c,
        optimizer=rule,
        lr=lr,
        epochs=epochs,
        init=(w0, b0),
        schedule=schedule,
        schedule_kwargs=kw,
    )
    crit = critical_lr(x)
    h = run.history
    verdict = judge(h["loss"].tolist(), float(h["lr"].iloc[-1]), crit, best_loss(readings, mode))
    return DivergenceRun(run, mode, crit, verdict)


# ---- the book's own log ----------------------------------------------------------------
@dataclass(frozen=True)
class BookLog:
    """What the book's ``training_loop`` prints, and what it returns.

    lines: the printed lines. "Epoch k, Loss L" is the loss *before* the k-th update;
    "Params" is the result *of* the k-th update; "Grad" the gradient it used.
    params: the returned parameters. stopped_at: the epoch the loop broke at (loss not
    finite), else None.
    """

    lines: tuple[str, ...]
    params: Tensor
    stopped_at: int | None


def _seq_sum(values: Tensor) -> Tensor:
    """Add left to right in float32, as the PyTorch the book ran on did for 11 numbers.

    Today's vectorised ``sum`` adds in another order and changes the 7th digit (and
    ``cumsum`` accumulates in float64), so the float32 additions are done one by one here.
    """
    total = np.float32(0.0)
    with np.errstate(over="ignore", invalid="ignore"):
        for v in values.numpy():
            total = np.float32(total + v)
    return torch.tensor(total)


def book_log(
    readings: Readings,
    mode: str = "none",
    lr: float = 1e-2,
    epochs: int = 100,
    w0: float = 1.0,
    b0: float = 0.0,
    print_params: bool = True,
    print_epochs: Sequence[int] = BOOK_PRINT_EPOCHS,
    ellipsis_epochs: Sequence[int] = BOOK_ELLIPSIS_EPOCHS,
) -> BookLog:
    """Run the book's chapter-5 ``training_loop`` verbatim (float32, its own grad_fn).

    Same operations as the book, with sums added left to right, so the printed digits are the
    book's:
    ``grad = stack([(2(t_p - t_c)/n · t_u).sum(), (2(t_p - t_c)/n).sum()])``,
    ``params = params - lr * grad``, a print at ``print_epochs``, "..." after them, and a
    break once the loss is not finite.
    """
    t_u, t_c = inputs(readings, mode)
    params = torch.tensor([float(w0), float(b0)])
    shown, dots = set(print_epochs), set(ellipsis_epochs)
    lines: list[str] = []
    stopped = None
    for epoch in range(1, epochs + 1):
        w, b = params
        t_p = w * t_u + b
        loss = _seq_sum((t_p - t_c) ** 2) / t_p.size(0)
        dloss_dtp = 2 * (t_p - t_c) / t_p.size(0)
        grad = torch.stack([_seq_sum(dloss_dtp * t_u), _seq_sum(dloss_dtp * 1.0)])
        params = params - lr * grad
        if epoch in shown:
            lines.append(f"Epoch {epoch}, Loss {float(loss):f}")  # the book: "Epoch %d, Loss %f"
            if print_params:
                lines.append(f"    Params: {params}")
                lines.append(f"    Grad:   {grad}")
        if epoch in dots:
            lines.append("...")
        if not torch.isfinite(loss).all():
            stopped = epoch
            break
    return BookLog(tuple(lines), params, stopped)


# ---- the path on the surface ------------------------------------------------------------
@dataclass(frozen=True)
class ClippedPath:
    """A trajectory made safe to draw inside a fixed window.

    frame: one row per epoch: epoch, w, b (true values, may be huge or not finite),
    w_plot, b_plot (clamped into the window), inside (bool), finite (bool).
    exits: one row per time the path leaves the window: epoch (first point outside),
    w_edge, b_edge (where the segment crosses the edge), w_to, b_to (the last finite
    point of that excursion). sentence: e.g. "left the plot at epoch 4, heading to
    w ≈ -3.2e+19, b ≈ -5.8e+17", or "" when the path stays inside.
    """

    frame: pd.DataFrame
    exits: pd.DataFrame
    sentence: str


def _edge_point(
    p: tuple[float, float],
    q: tuple[float, float],
    w_range: tuple[float, float],
    b_range: tuple[float, float],
) -> tuple[float, float]:
    """Where the segment from p (inside) towards q (outside or not finite) crosses the box."""
    if not (math.isfinite(q[0]) and math.isfinite(q[1])):
        return p
    t_out, hit = 1.0, None
    for axis, (start, end, (lo, hi)) in enumerate(((p[0], q[0], w_range), (p[1], q[1], b_range))):
        d = end - start
        if d > 0 and end > hi and (hi - start) / d < t_out:
            t_out, hit = (hi - start) / d, (axis, hi)
        elif d < 0 and end < lo and (lo - start) / d < t_out:
            t_out, hit = (lo - start) / d, (axis, lo)
    point = [p[0] + t_out * (q[0] - p[0]), p[1] + t_out * (q[1] - p[1])]
    if hit is not None:
        point[hit[0]] = hit[1]  # exactly on the edge, whatever the rounding of t_out
    ew, eb = point
    return min(max(ew, w_range[0]), w_range[1]), min(max(eb, b_range[0]), b_range[1])


def clip_path(
    w: Sequence[float],
    b: Sequence[float],
    w_range: tuple[float, float],
    b_range: tuple[float, float],
    epochs: Sequence[int] | None = None,
) -> ClippedPath:
    """Clip a (w, b) path to the window ``w_range`` × ``b_range`` (e.g. from surface_window).

    Points outside are clamped onto the window's edge and flagged, so they never stretch
    the axes; non-finite points are flagged and clamped to the edge they run off to (nan
    stays where the last finite point was).
    """
    ws = [float(v) for v in w]
    bs = [float(v) for v in b]
    eps = list(epochs) if epochs is not None else list(range(1, len(ws) + 1))
    rows, exits = [], []
    last_finite: tuple[float, float] | None = None
    prev_inside_pt: tuple[float, float] | None = None
    was_inside = True
    for k, wv, bv in zip(eps, ws, bs, strict=True):
        finite = math.isfinite(wv) and math.isfinite(bv)
        inside = finite and w_range[0] <= wv <= w_range[1] and b_range[0] <= bv <= b_range[1]
        if finite:
            wp, bp = min(max(wv, w_range[0]), w_range[1]), min(max(bv, b_range[0]), b_range[1])
            last_finite = (wv, bv)
        elif last_finite is not None and not (math.isnan(wv) or math.isnan(bv)):
            wp = min(max(wv, w_range[0]), w_range[1])
            bp = min(max(bv, b_range[0]), b_range[1])
        else:
            ref = last_finite or (sum(w_range) / 2, sum(b_range) / 2)
            wp = min(max(ref[0], w_range[0]), w_range[1])
            bp = min(max(ref[1], b_range[0]), b_range[1])
        if was_inside and not inside:
            start = prev_inside_pt if prev_inside_pt is not None else (wp, bp)
            ew, eb = _edge_point(start, (wv, bv), w_range, b_range)
            exits.append({"epoch": int(k), "w_edge": ew, "b_edge": eb})
        if not inside and exits and finite:
            exits[-1]["w_to"], exits[-1]["b_to"] = wv, bv
        if inside:
            prev_inside_pt = (wv, bv)
        was_inside = inside
        rows.append(
            {
                "epoch": int(k),
                "w": wv,
                "b": bv,
                "w_plot": wp,
                "b_plot": bp,
                "inside": inside,
                "finite": finite,
            }
        )
    for e in exits:
        e.setdefault("w_to", e["w_edge"])
        e.setdefault("b_to", e["b_edge"])
    exit_frame = pd.DataFrame(exits, columns=["epoch", "w_edge", "b_edge", "w_to", "b_to"])
    sentence = ""
    if exits:
        first = exits[0]
        sentence = (
            f"left the plot at epoch {first['epoch']}, heading to "
            f"w ≈ {fmt(first['w_to'], sig=2, trim=True)}, b ≈ {fmt(first['b_to'], sig=2, trim=True)}"
        )
        if len(exits) > 1:
            sentence += f" (and left it {len(exits) - 1} more time{'s' if len(exits) > 2 else ''})"
    return ClippedPath(pd.DataFrame(rows), exit_frame, sentence)


# ---- per-direction step factors ------------------------------------------------------------
def step_factors(readings: Readings, mode: str, lr: float) -> pd.DataFrame:
    """For each Hessian eigen-direction, how one step of plain GD scales the distance to the minimum.

    Along eigenvector v_i (eigenvalue λ_i) the offset from the minimum is multiplied by
    (1 - lr·λ_i) every step. Columns: direction ("flattest"/"steepest"), eigenvalue,
    v_w, v_b, mostly ("mostly w"/"mostly b", the eigenvector's larger component), share
    (that component's share of the direction, v²), factor (|1 - lr·λ|), flips (1 - lr·λ < 0:
    the step overshoots to the other side), verdict ("shrinks"/"grows"/"stays"),
    critical_lr (2/λ_i, the lr at which this direction stops shrinking).
    """
    x, _ = inputs(readings, mode)
    curv = curvature(x)
    rows = []
    for i, name in enumerate(("flattest", "steepest")):
        lam = float(curv.eigenvalues[i])
        vw, vb = float(curv.eigenvectors[0, i]), float(curv.eigenvectors[1, i])
        if vw < 0 or (vw == 0 and vb < 0):
            vw, vb = -vw, -vb  # the sign of an eigenvector is arbitrary: make w's part >= 0
        raw = 1.0 - lr * lam
        factor = abs(raw)
        verdict = "shrinks" if factor < 1 else ("grows" if factor > 1 else "stays")
        mostly = "mostly w" if abs(vw) >= abs(vb) else "mostly b"
        rows.append(
            {
                "direction": name,
                "eigenvalue": lam,
                "v_w": vw,
                "v_b": vb,
                "mostly": mostly,
                "share": max(vw * vw, vb * vb),
                "factor": factor,
                "flips": raw < 0,
                "verdict": verdict,
                "critical_lr": 2.0 / lam,
            }
        )
    return pd.DataFrame(rows)


# ---- learning-rate sweep -----------------------------------------------------------------
@dataclass(frozen=True)
class Sweep:
    """Final loss against learning rate, all rates trained at once.

    frame columns: lr, final_loss (the last epoch's loss; inf/nan if it blew up),
    diverged_at (first non-finite epoch or None, as ``Run.diverged_at``), overflowed
    (bool), plot_loss (final_loss where finite, else None, for a log axis), region (the
    run's :func:`judge` code, one of ``VERDICTS``).
    critical_lr: 2/λ_max. best_loss: the least-squares loss. bounds: per region the
    (smallest, largest) lr in it, or None when no rate falls in it.
    """

    frame: pd.DataFrame
    critical_lr: float
    best_loss: float
    bounds: dict[str, tuple[float, float] | None]


def log_spaced(lo: float, hi: float, count: int) -> list[float]:
    """``count`` rates evenly spaced in log10 from lo to hi, both included."""
    if count < 2 or not (0 < lo < hi) or not math.isfinite(hi):
        raise ValueError("need count >= 2 and 0 < lo < hi")
    a, b = math.log10(lo), math.log10(hi)
    return [10 ** (a + (b - a) * i / (count - 1)) for i in range(count)]


def lr_sweep(
    readings: Readings,
    mode: str = "none",
    epochs: int = 5000,
    lr_min: float = SWEEP_RANGE[0],
    lr_max: float = SWEEP_RANGE[1],
    count: int = 60,
    w0: float = 1.0,
    b0: float = 0.0,
) -> Sweep:
    """Final loss of the chapter's manual update at ``count`` log-spaced rates (one batched run).

    Uses :func:`thermo_core.training.descend_many`, so it costs about one single run. Each
    rate is judged by :func:`judge`, the rule the page's own run is judged by.
    """
    x, t_c = inputs(readings, mode)
    rates = log_spaced(lr_min, lr_max, count)
    many = descend_many(x, t_c, rates, epochs=epochs, init=(w0, b0))
    best, crit = best_loss(readings, mode), critical_lr(x)
    tail = many.losses[-2:] if epochs > 1 else many.losses[-1:]
    first = many.losses[0].tolist()
    rows = []
    for i, (lr, final, div) in enumerate(
        zip(rates, many.final_losses.tolist(), many.diverged_at, strict=True)
    ):
        seen = [first[i], *tail[:, i].tolist()] if epochs > 2 else many.losses[:, i].tolist()
        rows.append(
            {
                "lr": lr,
                "final_loss": final,
                "diverged_at": div,
                "overflowed": div is not None,
                "plot_loss": final if math.isfinite(final) else None,
                "region": judge(seen, lr, crit, best).code,
            }
        )
    frame = pd.DataFrame(rows)
    bounds: dict[str, tuple[float, float] | None] = {}
    for name in VERDICTS:
        part = frame.loc[frame["region"] == name, "lr"]
        bounds[name] = (float(part.min()), float(part.max())) if len(part) else None
    return Sweep(frame, crit, best, bounds)


# ---- thinning long histories for drawing --------------------------------------------------
def thin_indices(n: int, max_points: int = 500, keep: Sequence[int] = ()) -> list[int]:
    """Row positions to draw from n rows: first, last, every position in ``keep``, evenly spaced.

    At most about ``max_points`` (+ len(keep)); all rows when n is small. Positions are 0-based.
    """
    if n <= 0:
        return []
    if n <= max_points:
        return list(range(n))
    step = (n - 1) / (max_points - 1)
    chosen = {round(i * step) for i in range(max_points)}
    chosen.update({0, n - 1})
    chosen.update(k for k in keep if 0 <= k < n)
    return sorted(chosen)

