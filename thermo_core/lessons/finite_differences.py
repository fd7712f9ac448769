"""Why finite differences go wrong, and what autograd saves: the maths of the FD page.

Finite-difference error has two parts. Truncation error comes from the formula itself: a
straight chord stands in for the tangent. Round-off error comes from subtracting two
nearly equal rounded losses and dividing by a small δ. Shrinking δ trades one for the
other, and the measured error against δ traces a V. For the chapter's MSE the loss is an
exact quadratic in each parameter, so both parts have closed forms. The bottom of the V
can be predicted from the dtype's machine epsilon, the loss and its curvature.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd
import torch
from torch import Tensor

from ..checks import check_choice
from ..gradients import (
    DTYPES,
    SCHEMES,
    analytic_grad,
    autograd_grad,
    loss_evaluations,
    numeric_grad,
)
from ..losses import model, mse_loss
from ..surface import hessian

DELTA_MIN = 1e-12
DELTA_MAX = 1e4
"""The δ grid spans 16 decades so that every (scheme, dtype) curve shows both arms of its V:
float64 forward bottoms out near 1e-8 and float64 central only rises again past δ = 100."""
WRT: tuple[str, ...] = ("w", "b")


def delta_grid(lo: float = DELTA_MIN, hi: float = DELTA_MAX) -> tuple[float, ...]:
    """δ values 1, 2, 5 × 10^k from lo to hi inclusive, as exact decimal-nearest floats.

    A 1-2-5 grid spaces points evenly enough on a log axis, and every value has a short label.
    """
    if not 0 < lo <= hi:
        raise ValueError("need 0 < lo <= hi")
    out = []
    for k in range(math.floor(math.log10(lo)) - 1, math.ceil(math.log10(hi)) + 1):
        for m in (1, 2, 5):
            v = float(f"{m}e{k}")
            if lo <= v <= hi:
                out.append(v)
    return tuple(out)


def delta_label(delta: float) -> str:
    """Short label for δ, such as "1e-08", "0.0005" or "10". It is also what the URL carries."""
    return f"{delta:g}"


def machine_epsilon(dtype: str) -> float:
    """Gap between 1 and the next larger number in ``dtype`` ("float32" or "float64")."""
    return float(torch.finfo(DTYPES[dtype]).eps)


def _index(wrt: str) -> int:
    check_choice("parameter", wrt, WRT)
    return WRT.index(wrt)


def spacing(value: float, dtype: str = "float32") -> float:
    """Gap from ``value`` to the next representable number above it in ``dtype`` (one ulp).

    A loss near ``value`` can only change in whole steps of this size, so a finite
    difference can only report multiples of spacing / denominator.
    """
    dt = DTYPES[dtype]
    v = torch.tensor(abs(value), dtype=dt)
    return float(torch.nextafter(v, torch.tensor(math.inf, dtype=dt)) - v)


def second_derivative(t_u: Tensor, wrt: str = "w") -> float:
    """∂²L/∂w² = 2·mean(t_u²) or ∂²L/∂b² = 2 for the MSE. Both are constant because L is quadratic."""
    k = _index(wrt)
    return float(hessian(t_u)[k, k])


@dataclass(frozen=True)
class FDParts:
    """The ingredients of one finite-difference estimate, as the computer actually held them.

    ``param`` is p rounded to the dtype. ``up`` and ``down`` are p ± δ after rounding, and
    ``step`` is the δ the computer really used, (up - param) for forward and central,
    (param - down) for backward. The ``loss_*`` fields are the rounded losses at those points.
    """

    scheme: str
    dtype: str
    wrt: str
    delta: float
    param: float
    up: float
    down: float
    step: float
    loss_up: float
    loss_mid: float
    loss_down: float
    numerator: float
    denominator: float
    estimate: float

    @property
    def resolution(self) -> float:
        """Smallest non-zero change this estimate can report: one ulp of L(p) / denominator.

        The numerator is a difference of two rounded losses near L(p), so it is (nearly
        always) a whole number of the dtype's steps at L(p).
        """
        return spacing(self.loss_mid, self.dtype) / self.denominator

    @property
    def step_vanished(self) -> bool:
        """True when p ± δ rounds back to p, so the formula sees no step at all."""
        moved = self.down if self.scheme == "backward" else self.up
        return moved == self.param

    @property
    def losses_equal(self) -> bool:
        """True when the two losses in the numerator are the same rounded number."""
        return self.numerator == 0.0


def fd_parts(
    t_u: Tensor,
    t_c: Tensor,
    w: float,
    b: float,
    delta: float,
    scheme: str = "central",
    dtype: str = "float32",
    wrt: str = "w",
) -> FDParts:
    """One finite-difference partial derivative, with every intermediate value kept.

    It does the same tensor operations as :func:`numeric_grad`, so ``estimate`` is
    bit-for-bit its result for ``wrt``.
    """
    check_choice("scheme", scheme, SCHEMES)
    if not delta > 0:
        raise ValueError("delta must be positive")
    k, dt = _index(wrt), DTYPES[dtype]
    x, y = t_u.to(dt), t_c.to(dt)
    p = torch.tensor([float(w), float(b)], dtype=dt)
    d = torch.tensor(delta, dtype=dt)
    step = torch.zeros(2, dtype=dt)
    step[k] = d
    up, down = p + step, p - step

    def loss_at(q: Tensor) -> Tensor:
        return mse_loss(model(x, q[0], q[1]), y)

    l_up, l_mid, l_down = loss_at(up), loss_at(p), loss_at(down)
    if scheme == "central":
        num, den = l_up - l_down, 2 * d
    elif scheme == "forward":
        num, den = l_up - l_mid, d
    else:
        num, den = l_mid - l_down, d
    moved = float(p[k]) - float(down[k]) if scheme == "backward" else float(up[k]) - float(p[k])
    return FDParts(
        scheme=scheme,
        dtype=dtype,
        wrt=wrt,
        delta=float(delta),
        param=float(p[k]),
        up=float(up[k]),
        down=float(down[k]),
        step=moved,
        loss_up=float(l_up),
        loss_mid=float(l_mid),
        loss_down=float(l_down),
        numerator=float(num),
        denominator=float(den),
        estimate=float(num / den),
    )


def quadratic_pieces(
    t_u: Tensor, t_c: Tensor, w: float, b: float, wrt: str
) -> tuple[float, float, float]:
    """(L, ∂L/∂p, ∂²L/∂p²) at (w, b) for p = ``wrt``, in float64.

    These three numbers are all the error model needs, because L is exactly quadratic in p.
    """
    x, y = t_u.double(), t_c.double()
    loss = float(mse_loss(model(x, w, b), y))
    slope = float(analytic_grad(x, y, w, b)[_index(wrt)])
    return loss, slope, second_derivative(t_u, wrt)


def fd_error_model(
    t_u: Tensor,
    t_c: Tensor,
    w: float,
    b: float,
    deltas: list[float] | tuple[float, ...],
    scheme: str = "forward",
    dtype: str = "float32",
    wrt: str = "w",
) -> pd.DataFrame:
    """Predicted error of a finite difference: truncation + round-off, one row per δ.

    L is quadratic along each parameter: L(p ± δ) = L ± L'·δ + L''·δ²/2 exactly.
    Truncation: forward and backward are off by L''·δ/2. Central is off by L'''·δ²/6,
    which is 0 here. Round-off: if each rounded loss is off by up to ε·|L|, the
    numerator is off by up to ε·(|L_1| + |L_2|), which is then divided by the denominator.
    Columns: delta, truncation, roundoff, abs_error, rel_error (relative to |L'|).
    """
    check_choice("scheme", scheme, SCHEMES)
    loss, slope, curv = quadratic_pieces(t_u, t_c, w, b, wrt)
    eps = machine_epsilon(dtype)
    rows = []
    for delta in deltas:
        up = loss + slope * delta + curv * delta**2 / 2
        down = loss - slope * delta + curv * delta**2 / 2
        if scheme == "central":
            trunc, rnd = 0.0, eps * (abs(up) + abs(down)) / (2 * delta)
        elif scheme == "forward":
            trunc, rnd = curv * delta / 2, eps * (abs(up) + abs(loss)) / delta
        else:
            trunc, rnd = curv * delta / 2, eps * (abs(loss) + abs(down)) / delta
        total = trunc + rnd
        rows.append(
            {
                "delta": float(delta),
                "truncation": trunc,
                "roundoff": rnd,
                "abs_error": total,
                "rel_error": total / abs(slope) if slope != 0 else math.inf,
            }
        )
    return pd.DataFrame(rows)


def optimal_delta(
    t_u: Tensor,
    t_c: Tensor,
    w: float,
    b: float,
    scheme: str = "forward",
    dtype: str = "float32",
    wrt: str = "w",
) -> float:
    """The δ at the bottom of the error model's V.

    Forward or backward: minimise L''·δ/2 + 2ε|L|/δ, giving δ* = 2·sqrt(ε·|L| / |L''|).
    Central: there is no truncation for a quadratic. The round-off term is
    ε·(L(p+δ) + L(p-δ))/(2δ) = ε·(L/δ + L''·δ/2), because the losses themselves grow
    like δ². Its minimum, δ* = sqrt(2·L / L''), does not depend on ε.
    """
    loss, _, curv = quadratic_pieces(t_u, t_c, w, b, wrt)
    if scheme == "central":
        return math.sqrt(2 * abs(loss) / curv)
    if scheme in ("forward", "backward"):
        return 2 * math.sqrt(machine_epsilon(dtype) * abs(loss) / curv)
    check_choice("scheme", scheme, SCHEMES)
    raise AssertionError("unreachable")


def label_sweep(sweep: pd.DataFrame) -> pd.DataFrame:
    """Add an ``outcome`` column to :func:`fd_error_sweep` rows, saying what each point means.

    "exact": error exactly 0 (a log axis cannot draw it). "collapsed": the estimate is
    exactly 0 while the true slope is not, because the two losses rounded to the same
    number. "non-finite": inf or nan. Otherwise "estimate".
    """
    out = sweep.copy()

    def outcome(estimate: float, abs_error: float) -> str:
        if not (math.isfinite(estimate) and math.isfinite(abs_error)):
            return "non-finite"
        if abs_error == 0.0:
            return "exact"
        if estimate == 0.0:
            return "collapsed"
        return "estimate"

    if not len(out):
        out["outcome"] = pd.Series(dtype=str)
        return out
    # Column by column, not DataFrame.apply: a row-wise apply builds a Series per row.
    pairs = zip(out["estimate"].tolist(), out["abs_error"].tolist(), strict=True)
    out["outcome"] = pd.Series([outcome(e, a) for e, a in pairs], index=out.index, dtype=object)
    return out


def _notes_losses(
    t_u: Tensor, t_c: Tensor, w: float, b: float, delta: float, wrt: str, dtype: str = "float32"
) -> tuple[Tensor, Tensor]:
    """The two losses the notes compute, with the same operations as buggy_central_difference.

    In float32 these are bit-for-bit the notes' numbers; in float64 the readings are widened
    first, so the same lines run in the page's other number type.
    """
    dw, db = (delta, 0.0) if wrt == "w" else (0.0, delta)
    x, y = t_u.to(DTYPES[dtype]), t_c.to(DTYPES[dtype])
    a = mse_loss(model(x, w + dw, b + db), y)
    c = mse_loss(model(x, w - dw, b - db), y)
    return a, c


def bracket_lesson(
    t_u: Tensor,
    t_c: Tensor,
    w: float,
    b: float,
    delta: float = 0.1,
    wrt: str = "w",
    dtype: str = "float32",
) -> dict[str, float]:
    """The notes' two losses, and both ways of combining them, in ``dtype``.

    Returns a = L(p+δ), c = L(p-δ), the denominator 2δ, ``buggy`` = a - c/(2δ) (what the notes typed) and
    ``fixed`` = (a - c)/(2δ). Both come from the same a and c.
    """
    a, c = _notes_losses(t_u, t_c, w, b, delta, wrt, dtype)
    return {
        "a": float(a),
        "c": float(c),
        "denominator": 2.0 * delta,
        "buggy": float(a - c / (2.0 * delta)),
        "fixed": float((a - c) / (2.0 * delta)),
    }


def notes_step(
    t_u: Tensor,
    t_c: Tensor,
    w: float = 1.0,
    b: float = 0.0,
    delta: float = 0.1,
    lr: float = 1e-2,
    dtype: str = "float32",
    brackets: bool = True,
) -> dict[str, float]:
    """The notes' one descent step in ``dtype``: w first, then b at the new w.

    ``brackets=False`` is the notes' slip a - c/(2δ), as
    :func:`thermo_core.buggy_central_difference` computes it. Keys: grad_w, w_new, grad_b, b_new, loss_before,
    loss_after, and loss_after_exact (the float64 loss at the new point, which says how
    big a loss that overflowed to ∞ really was) and squares_exact (the float64 sum of the
    squared misses there: the mean overflows as soon as this sum passes the dtype's largest
    number, even when the mean itself would fit).
    """
    dt = DTYPES[dtype]

    def slope(wv: float, bv: float, wrt: str) -> float:
        a, c = _notes_losses(t_u, t_c, wv, bv, delta, wrt, dtype)
        return float((a - c) / (2.0 * delta) if brackets else a - c / (2.0 * delta))

    def loss(wv: float, bv: float) -> float:
        return float(mse_loss(model(t_u.to(dt), wv, bv), t_c.to(dt)))

    gw = slope(w, b, "w")
    w_new = float(torch.tensor(w, dtype=dt) - lr * torch.tensor(gw, dtype=dt))
    gb = slope(w_new, b, "b")
    b_new = float(torch.tensor(b, dtype=dt) - lr * torch.tensor(gb, dtype=dt))
    exact = (
        float(mse_loss(model(t_u.double(), w_new, b_new), t_c.double()))
        if math.isfinite(w_new) and math.isfinite(b_new)
        else math.inf
    )
    return {
        "grad_w": gw,
        "w_new": w_new,
        "grad_b": gb,
        "b_new": b_new,
        "loss_before": loss(w, b),
        "loss_after": loss(w_new, b_new),
        "loss_after_exact": exact,
        "squares_exact": exact * len(t_u),
    }


def largest(dtype: str) -> float:
    """The largest finite number ``dtype`` holds; anything bigger is stored as ∞."""
    return float(torch.finfo(DTYPES[dtype]).max)


METHODS: tuple[str, ...] = ("finite difference", "analytic", "autograd", "reference")


def gradient_comparison(
    t_u: Tensor,
    t_c: Tensor,
    w: float,
    b: float,
    delta: float = 0.1,
    scheme: str = "central",
    dtype: str = "float32",
) -> pd.DataFrame:
    """[dL/dw, dL/db] by finite differences, by hand and by autograd, all in ``dtype``.

    Each is scored against the "reference", the analytic gradient in float64 on the
    same readings. Rows: method, wrt, value, abs_error, rel_error (relative to
    |reference|; inf when the reference is exactly 0).
    """
    dt = DTYPES[dtype]
    x, y = t_u.to(dt), t_c.to(dt)
    values = {
        "finite difference": numeric_grad(t_u, t_c, w, b, delta, scheme, dt),
        "analytic": analytic_grad(x, y, w, b),
        "autograd": autograd_grad(x, y, w, b),
        "reference": analytic_grad(t_u.double(), t_c.double(), w, b),
    }
    ref = [float(v) for v in values["reference"]]
    rows = []
    for method in METHODS:
        for k, wrt in enumerate(WRT):
            value = float(values[method][k])
            err = abs(value - ref[k]) if math.isfinite(value) else math.inf
            rel = err / abs(ref[k]) if ref[k] != 0 else (0.0 if err == 0 else math.inf)
            rows.append(
                {"method": method, "wrt": wrt, "value": value, "abs_error": err, "rel_error": rel}
            )
    return pd.DataFrame(rows)


def loss_zoom(
    t_u: Tensor,
    t_c: Tensor,
    w: float,
    b: float,
    delta: float,
    dtype: str = "float32",
    wrt: str = "w",
    span: float = 2.5,
    steps: int = 61,
) -> pd.DataFrame:
    """The loss near p along one parameter, exactly and as ``dtype`` computes it.

    For offsets t in [-span·δ, span·δ] the columns are offset, exact (the float64
    L(p+t) - L(p)) and rounded (the ``dtype`` loss at the rounded p+t minus the ``dtype``
    L(p), with the subtraction done exactly in float64). At small δ the rounded
    column turns into a staircase. That staircase is the round-off error.
    """
    k, dt = _index(wrt), DTYPES[dtype]
    x64, y64 = t_u.double(), t_c.double()
    x, y = t_u.to(dt), t_c.to(dt)
    p = torch.tensor([float(w), float(b)], dtype=dt)
    base64 = float(mse_loss(model(x64, w, b), y64))
    base = float(mse_loss(model(x, p[0], p[1]), y))
    rows = []
    for i in range(steps):
        t = span * delta * (2 * i / (steps - 1) - 1)
        shift = torch.zeros(2, dtype=dt)
        shift[k] = t
        q = p + shift
        q64 = [float(w), float(b)]
        q64[k] += t
        rows.append(
            {
                "offset": t,
                "exact": float(mse_loss(model(x64, q64[0], q64[1]), y64)) - base64,
                "rounded": float(mse_loss(model(x, q[0], q[1]), y)) - base,
            }
        )
    return pd.DataFrame(rows)


COST_PARAMS: tuple[int, ...] = (2, 1_000, 1_000_000, 1_000_000_000)
BACKWARD_FACTOR = 2.0
"""A backward pass costs about twice a forward pass: for each layer it needs the gradient
with respect to both the layer's input and its weights. So one gradient by autograd costs
about 3 forward passes, whatever the number of parameters."""


def gradient_cost_table(
    n_params: tuple[int, ...] = COST_PARAMS,
    backward_factor: float = BACKWARD_FACTOR,
    seconds_per_eval: float = 1.0,
) -> pd.DataFrame:
    """Loss evaluations one gradient costs by finite differences and by autograd.

    Columns: params, central_evals (2P), forward_evals (P + 1), autograd_evals (the cost of
    one forward plus one backward pass, counted in forward passes: 1 + backward_factor),
    central_over_autograd, and central_seconds / autograd_seconds at ``seconds_per_eval``.
    """
    rows = []
    auto = 1.0 + backward_factor
    for p in n_params:
        central = loss_evaluations(int(p), "central")
        rows.append(
            {
                "params": int(p),
                "central_evals": central,
                "forward_evals": loss_evaluations(int(p), "forward"),
                "autograd_evals": auto,
                "central_over_autograd": central / auto,
                "central_seconds": central * seconds_per_eval,
                "autograd_seconds": auto * seconds_per_eval,
            }
        )
    return pd.DataFrame(rows)


def human_duration(seconds: float) -> str:
    """Readable duration such as "4 s", "33 min", "23 days" or "63 years"."""
    if not math.isfinite(seconds) or seconds < 0:
        raise ValueError("seconds must be finite and non-negative")
    for unit, size in (("years", 365.25 * 86400), ("days", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds / size:,.0f} {unit}"
    return f"{seconds:g} s"
