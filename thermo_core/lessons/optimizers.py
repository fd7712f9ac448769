"""The "Optimizer comparison" page: real torch.optim classes racing on the chapter's data.

A catalogue of optimizers with learning rates that work on raw and on normalized inputs,
one run per optimizer (cache them one by one: changing one optimizer's lr must not rerun
the others), a results table, and the optimizer's internal state at chosen epochs with the
step that state implies.

State is copied from ``optimizer.state`` only at a thinned set of epochs (every epoch of
the first 20, then evenly spaced, about 200 in all): copying it every epoch of a 5000-epoch
run would cost more than the run's maths, and a scrubber can snap to the nearest recorded
epoch. Ask for exact epochs with ``state_epochs``.
"""

from __future__ import annotations

import inspect
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import pandas as pd
import torch

from ..data import NORMALIZATIONS, normalize, to_raw_params
from ..readings import Readings
from ..surface import loss_grid, optimal_params
from ..training import Run, train


@dataclass(frozen=True)
class OptimizerSpec:
    """One entry of the catalogue.

    cls: the torch.optim class name. fixed: settings that define the entry (e.g.
    nesterov=True). lr / momentum: defaults per normalization mode ("none", "scale",
    "standardize"); momentum is None where the class takes none. betas: Adam-family
    default (beta1, beta2) or None. What each does here is said by the page
    (``ui/optimizers/text.py``), from its runs.
    """

    label: str
    cls: str
    fixed: dict
    lr: dict[str, float]
    momentum: dict[str, float] | None = None
    betas: tuple[float, float] | None = None


def _per_mode(raw: float, normalized: float) -> dict[str, float]:
    return {"none": raw, "scale": normalized, "standardize": normalized}


CATALOGUE: dict[str, OptimizerSpec] = {
    spec.label: spec
    for spec in (
        OptimizerSpec("SGD", "SGD", {}, _per_mode(1e-4, 2e-2)),
        OptimizerSpec(
            "SGD + momentum", "SGD", {}, _per_mode(2e-4, 1e-2), momentum=_per_mode(0.99, 0.9)
        ),
        OptimizerSpec(
            "SGD + Nesterov",
            "SGD",
            {"nesterov": True},
            _per_mode(2e-4, 1e-2),
            momentum=_per_mode(0.99, 0.9),
        ),
        OptimizerSpec("Adagrad", "Adagrad", {}, _per_mode(3.0, 3.0)),
        OptimizerSpec("RMSprop", "RMSprop", {}, _per_mode(1e-2, 1e-2)),
        OptimizerSpec("Adadelta", "Adadelta", {}, _per_mode(1.0, 0.3)),
        OptimizerSpec("Adam", "Adam", {}, _per_mode(0.1, 0.1), betas=(0.9, 0.999)),
        OptimizerSpec("AdamW", "AdamW", {}, _per_mode(0.1, 0.1), betas=(0.9, 0.999)),
        OptimizerSpec("NAdam", "NAdam", {}, _per_mode(0.03, 0.1), betas=(0.9, 0.999)),
        OptimizerSpec("RAdam", "RAdam", {}, _per_mode(3e-4, 0.1), betas=(0.9, 0.999)),
        OptimizerSpec("LBFGS", "LBFGS", {}, _per_mode(1.0, 1.0)),
    )
}
"""Label -> spec, in the order the page lists them."""

DEFAULT_VIEW: tuple[str, ...] = ("SGD", "SGD + momentum", "RMSprop", "Adam")

WITHIN = 0.01
""""Reached the optimum" means a loss within 1% of the least-squares loss."""


def settings_for(
    label: str,
    mode: str,
    lr: float | None = None,
    momentum: float | None = None,
    beta1: float | None = None,
    beta2: float | None = None,
) -> dict:
    """The keyword arguments for ``train``: catalogue defaults, overridden by given values."""
    if label not in CATALOGUE:
        raise ValueError(f"unknown optimizer {label!r}; allowed: {', '.join(CATALOGUE)}")
    if mode not in NORMALIZATIONS:
        raise ValueError(f"unknown normalization {mode!r}; allowed: {', '.join(NORMALIZATIONS)}")
    spec = CATALOGUE[label]
    kw: dict = {"optimizer": spec.cls, "lr": float(lr if lr is not None else spec.lr[mode])}
    kw.update(spec.fixed)
    if spec.momentum is not None:
        kw["momentum"] = float(momentum if momentum is not None else spec.momentum[mode])
    elif momentum is not None:
        raise ValueError(f"{label} takes no momentum")
    if spec.betas is not None:
        kw["betas"] = (
            float(beta1 if beta1 is not None else spec.betas[0]),
            float(beta2 if beta2 is not None else spec.betas[1]),
        )
    elif beta1 is not None or beta2 is not None:
        raise ValueError(f"{label} takes no betas")
    return kw


def torch_default(cls: str, name: str) -> float:
    """The default of ``torch.optim.<cls>``'s argument ``name`` (e.g. LBFGS's max_iter), for
    sentences that quote a setting the page leaves at torch's default."""
    return inspect.signature(getattr(torch.optim, cls)).parameters[name].default


def state_epochs(epochs: int, first: int = 20, total: int = 200) -> list[int]:
    """Epochs (1-based) at which to copy optimizer state: 1..first, then evenly spaced, and the last."""
    chosen = set(range(1, min(first, epochs) + 1))
    if epochs > first:
        span = epochs - first
        count = max(total - first, 1)
        chosen.update(first + round(span * (i + 1) / count) for i in range(count))
    chosen.add(epochs)
    return sorted(e for e in chosen if 1 <= e <= epochs)


@dataclass
class OptimizerResult:
    """One optimizer's run and the numbers its row of the results table shows.

    final_loss: ``run.final_loss`` (the last epoch's loss). reached_at: first epoch whose
    loss is within 1% of the least-squares loss, or None ("never"). raw_params: final
    [w, b] mapped back to raw units. distance: Euclidean distance from raw_params to the
    raw least-squares [w, b] (for a diverged run: from the parameters whose loss overflowed;
    inf if they are not finite). seconds: wall time of the run. states:
    ``run.states`` plus ``implied_w``/``implied_b``, the step the state implies (NaN where
    no formula is given here: NAdam, RAdam, Adadelta, LBFGS).
    """

    label: str
    mode: str
    settings: dict
    run: Run
    final_loss: float
    reached_at: int | None
    raw_params: tuple[float, float]
    distance: float
    seconds: float
    states: pd.DataFrame | None = field(default=None)

    @property
    def diverged(self) -> bool:
        """True when the loss became inf or nan."""
        return self.run.diverged_at is not None


def run_optimizer(
    readings: Readings,
    label: str,
    mode: str = "none",
    lr: float | None = None,
    epochs: int = 5000,
    momentum: float | None = None,
    beta1: float | None = None,
    beta2: float | None = None,
    w0: float = 1.0,
    b0: float = 0.0,
    state_at: Sequence[int] | None = None,
) -> OptimizerResult:
    """Train one catalogue optimizer on the chapter's data and score it (plain args: cacheable).

    ``state_at`` defaults to :func:`state_epochs`.
    """
    kw = settings_for(label, mode, lr, momentum, beta1, beta2)
    t_u, t_c = readings.tensors()
    x = normalize(t_u, mode)
    record = list(state_at) if state_at is not None else state_epochs(epochs)
    start = time.perf_counter()
    run = train(x, t_c, epochs=epochs, init=(w0, b0), record_state_at=record, **kw)
    seconds = time.perf_counter() - start
    best = optimal_params(x, t_c)
    x64, y64 = x.double(), t_c.double()
    best_loss = float(((best[0] * x64 + best[1] - y64) ** 2).mean())
    losses = torch.tensor(run.history["loss"].to_numpy())
    hits = (losses <= best_loss * (1 + WITHIN)).nonzero()
    reached = int(hits[0, 0]) + 1 if hits.numel() else None
    raw = to_raw_params(run.params.double(), t_u.double(), mode)
    raw_best = optimal_params(t_u, t_c)
    distance = float(torch.linalg.vector_norm(raw - raw_best))
    if not math.isfinite(distance):
        distance = math.inf
    states = implied_steps(run.states, run.history, kw) if run.states is not None else None
    return OptimizerResult(
        label,
        mode,
        kw,
        run,
        run.final_loss,
        reached,
        (float(raw[0]), float(raw[1])),
        distance,
        seconds,
        states,
    )


def compare(
    readings: Readings,
    labels: Sequence[str] = DEFAULT_VIEW, mode: str = "none", epochs: int = 5000
) -> list[OptimizerResult]:
    """Run each optimizer with its catalogue defaults (a page should cache run_optimizer per label)."""
    return [run_optimizer(readings, label, mode, epochs=epochs) for label in labels]


def implied_steps(states: pd.DataFrame, history: pd.DataFrame, settings: dict) -> pd.DataFrame:
    """``states`` plus implied_w/implied_b: the parameter change the recorded state implies.

    SGD: -lr·g, with momentum -lr·buf, Nesterov -lr·(g + μ·buf). Adam: -lr·m̂/(√v̂+eps),
    AdamW also -lr·wd·p. RMSprop: -lr·g/(√square_avg + eps). Adagrad: -lr·g/(√sum + eps).
    g and p are the epoch's gradient and parameters from ``history``.

    These are the textbook formulas written out in float64 for the learner, beside the step
    the real optimizer took, so the page can show that the state explains the step; they are
    not an optimizer (training runs ``torch.optim``, or ``lean_optim``'s bitwise copy of it).
    """
    out = states.copy()
    if out.empty:
        out["implied_w"], out["implied_b"] = [], []
        return out
    name = settings["optimizer"]
    hist = history.set_index("epoch")
    cols = {}
    for axis in ("w", "b"):
        g = hist.loc[out["epoch"], f"grad_{axis}"].to_numpy()
        p = hist.loc[out["epoch"], axis].to_numpy()
        lr = out["lr"].to_numpy()
        if name == "SGD":
            mom = settings.get("momentum", 0.0)
            if mom:
                buf = out[f"momentum_buffer_{axis}"].to_numpy()
                step = g + mom * buf if settings.get("nesterov") else buf
            else:
                step = g
            cols[axis] = -lr * step
        elif name in ("Adam", "AdamW"):
            b1, b2 = settings.get("betas", (0.9, 0.999))
            t = out["step"].to_numpy()
            m_hat = out[f"exp_avg_{axis}"].to_numpy() / (1 - b1**t)
            v_hat = out[f"exp_avg_sq_{axis}"].to_numpy() / (1 - b2**t)
            change = -lr * m_hat / (v_hat**0.5 + 1e-8)
            if name == "AdamW":
                change = change - lr * settings.get("weight_decay", 0.01) * p
            cols[axis] = change
        elif name == "RMSprop":
            cols[axis] = -lr * g / (out[f"square_avg_{axis}"].to_numpy() ** 0.5 + 1e-8)
        elif name == "Adagrad":
            cols[axis] = -lr * g / (out[f"sum_{axis}"].to_numpy() ** 0.5 + 1e-10)
        else:
            cols[axis] = [math.nan] * len(out)
    out["implied_w"], out["implied_b"] = cols["w"], cols["b"]
    return out


def path_window(
    readings: Readings,
    ws: Sequence[float],
    bs: Sequence[float],
    mode: str,
    pad: float = 0.08,
) -> tuple[tuple[float, float], tuple[float, float]]:
    """The (w, b) box that holds every finite point of the paths, the start and the optimum.

    Each axis gets its own range (the paths of different optimizers cover very different
    spans of w and b), padded by ``pad`` of the span and rounded outwards to a tidy step
    so that small changes reuse the same box. Points farther from the optimum than twice
    the start's distance plus 5 (a diverging path) are left out: they would squash the
    picture.
    """
    best = best_point(readings, mode)
    reach = 2 * max(abs(1.0 - best[0]), abs(0.0 - best[1])) + 5
    out = []
    for values, start, opt in ((ws, 1.0, best[0]), (bs, 0.0, best[1])):
        lo_cap, hi_cap = opt - reach, opt + reach
        inside = [v for v in values if math.isfinite(v) and lo_cap <= v <= hi_cap]
        lo, hi = min([*inside, start, opt]), max([*inside, start, opt])
        span = max(hi - lo, 1e-3)
        step = 10 ** math.floor(math.log10(span)) / 4
        lo = math.floor((lo - pad * span) / step) * step
        hi = math.ceil((hi + pad * span) / step) * step
        out.append((round(lo, 10), round(hi, 10)))
    return out[0], out[1]


def surface_cells(
    readings: Readings, mode: str, window: tuple[tuple[float, float], tuple[float, float]], steps: int = 48
) -> pd.DataFrame:
    """The loss (float64) on a steps×steps grid of cells tiling ``window``: w0, w1, b0, b1, loss."""
    (w_lo, w_hi), (b_lo, b_hi) = window
    dw, db = (w_hi - w_lo) / steps, (b_hi - b_lo) / steps
    t_u, t_c = readings.tensors()
    grid = loss_grid(normalize(t_u.double(), mode), t_c.double(),
                     (w_lo + dw / 2, w_hi - dw / 2), (b_lo + db / 2, b_hi - db / 2), steps)
    return pd.DataFrame({"w0": grid["w"] - dw / 2, "w1": grid["w"] + dw / 2,
                         "b0": grid["b"] - db / 2, "b1": grid["b"] + db / 2, "loss": grid["loss"]})


def best_point(readings: Readings, mode: str) -> tuple[float, float, float]:
    """The least-squares (w, b) for ``mode``'s inputs and its loss, in float64."""
    t_u, t_c = readings.tensors()
    x, y = normalize(t_u.double(), mode), t_c.double()
    best = optimal_params(x, y)
    return float(best[0]), float(best[1]), float(((best[0] * x + best[1] - y) ** 2).mean())
