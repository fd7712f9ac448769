"""Models of growing capacity and a torch.optim training loop with a validation set.

The chapter's line ``w·t_u + b``, polynomials of degree 1..10 and the next chapter's
``nn.Sequential(nn.Linear(1, H), nn.Tanh(), nn.Linear(H, 1))``. Every model takes *raw*
t_u (shape [n]) and applies its own input scaling, so a page can draw any fitted curve
over a grid of raw readings without knowing how the model was normalized.

Randomness comes only from a seeded ``torch.Generator`` per model (app sessions share one
process, so the global seed is never touched). ``train_model`` is the book's loop: forward,
validation loss under ``torch.no_grad()``, ``zero_grad``, ``backward``, ``step``; two
switches reproduce the classic mistakes (a validation ``backward()`` that leaks, and a
missing ``zero_grad``).
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import pandas as pd
import torch
from torch import Tensor, nn

from . import backprop, compiled, lean_loop
from .backprop import mse
from .data import normalization_constants
from .training import OPTIMIZERS, Run

MODEL_KINDS: tuple[str, ...] = ("linear", "poly", "mlp")
"""``make_model`` kinds: the chapter's line, a polynomial, the next chapter's tanh MLP."""

INPUT_SCALINGS: tuple[str, ...] = ("none", "scale", "standardize", "range")
"""How a model rescales raw t_u: as in ``tc.normalize`` plus "range" (min..max -> -1..1)."""

DEFAULT_SCALING: dict[str, str] = {"linear": "scale", "poly": "range", "mlp": "scale"}
"""The book uses 0.1·t_u for the line and the MLP; polynomials need "range" (see PolyModel)."""

MAX_DEGREE = 10
MAX_HIDDEN = 256

MODEL_OPTIMIZERS: tuple[str, ...] = tuple(o for o in OPTIMIZERS if o not in ("manual", "LBFGS"))
"""torch.optim classes ``train_model`` accepts (LBFGS needs a closure; "manual" is tc.train's)."""

_CHUNK = 500
"""Epochs between divergence checks (a check forces a sync, so not every epoch)."""


def input_constants(t_u: Tensor, scaling: str) -> tuple[float, float]:
    """(shift, scale) with scaled = (t_u - shift) / scale, computed from ``t_u``.

    "range" maps [min, max] of ``t_u`` onto [-1, 1]; the others are ``tc.normalize``'s.
    """
    if scaling not in INPUT_SCALINGS:
        raise ValueError(f"unknown scaling {scaling!r}; allowed: {', '.join(INPUT_SCALINGS)}")
    if scaling == "range":
        lo, hi = float(t_u.min()), float(t_u.max())
        if not hi > lo:
            raise ValueError("'range' scaling needs at least two different readings")
        return (lo + hi) / 2, (hi - lo) / 2
    return normalization_constants(t_u, scaling)


class _Scaled(nn.Module):
    """Base: stores the input scaling as plain floats and applies it in ``scaled``."""

    def __init__(self, shift: float, scale: float) -> None:
        super().__init__()
        self.shift, self.scale = float(shift), float(scale)

    def scaled(self, t_u: Tensor) -> Tensor:
        if self.shift == 0.0 and self.scale == 10.0:
            return 0.1 * t_u  # the book's exact expression, so its float32 log reproduces
        if self.shift == 0.0 and self.scale == 1.0:
            return t_u
        return (t_u - self.shift) / self.scale


class LinearModel(_Scaled):
    """The chapter's model t_p = w·x + b with ``params = [w, b]`` as one tensor, as in the book."""

    BACKPROP_KIND = backprop.LINEAR

    def __init__(self, shift: float, scale: float, init: tuple[float, float] = (1.0, 0.0)) -> None:
        super().__init__(shift, scale)
        self.params = nn.Parameter(torch.tensor([float(init[0]), float(init[1])]))

    def prepare(self, t_u: Tensor) -> Tensor:
        """What ``forward`` computes from the readings alone (a training loop does it once)."""
        return self.scaled(t_u)

    def apply_prepared(self, x: Tensor) -> Tensor:
        """The rest of ``forward``: the part that involves the parameters."""
        return backprop.forward(self.BACKPROP_KIND, x, [self.params])

    def forward(self, t_u: Tensor) -> Tensor:
        return self.apply_prepared(self.prepare(t_u))


class PolyModel(_Scaled):
    """t_p = c0 + c1·x + ... + cd·x^d in the scaled input x, coefficients starting at 0.

    Why "range" scaling: with the book's 0.1·t_u, x reaches 8.2 and x^10 ≈ 1.4e9, so one
    SGD step with any usable learning rate overflows. Mapping the readings' range onto
    [-1, 1] keeps every power x^k in [-1, 1]: the loss's curvature is then at most
    2·(d + 1) (each feature squared averages ≤ 1), so SGD is stable for lr < 1/(d + 1)
    whatever the degree. (High powers are still nearly collinear, so SGD fits them slowly;
    Adam fits them fast, which is what makes degree 10 overfit.)
    """

    BACKPROP_KIND = backprop.POLY

    def __init__(self, degree: int, shift: float, scale: float) -> None:
        super().__init__(shift, scale)
        self.degree = int(degree)
        self.coeffs = nn.Parameter(torch.zeros(self.degree + 1))

    def prepare(self, t_u: Tensor) -> Tensor:
        """The powers x^0..x^d of the scaled readings: [n, d + 1], fixed during training."""
        x = self.scaled(t_u)
        return x.unsqueeze(-1) ** torch.arange(self.degree + 1, dtype=x.dtype)

    def apply_prepared(self, powers: Tensor) -> Tensor:
        return backprop.forward(self.BACKPROP_KIND, powers, [self.coeffs])

    def forward(self, t_u: Tensor) -> Tensor:
        return self.apply_prepared(self.prepare(t_u))


class MLPModel(_Scaled):
    """The next chapter's ``nn.Sequential(nn.Linear(1, H), nn.Tanh(), nn.Linear(H, 1))``.

    Takes [n] readings, feeds them as the [n, 1] column the book uses, returns [n].
    """

    BACKPROP_KIND = backprop.MLP

    def __init__(self, hidden: int, shift: float, scale: float, seed: int = 0) -> None:
        super().__init__(shift, scale)
        # skip_init builds the layers without drawing from the global random generator.
        self.seq = nn.Sequential(
            nn.utils.skip_init(nn.Linear, 1, hidden),
            nn.Tanh(),
            nn.utils.skip_init(nn.Linear, hidden, 1),
        )
        gen = torch.Generator().manual_seed(int(seed))
        for layer in (self.seq[0], self.seq[2]):
            default_linear_init(layer, gen)

    def prepare(self, t_u: Tensor) -> Tensor:
        """The scaled readings as the [n, 1] column the first layer takes."""
        return self.scaled(t_u).unsqueeze(-1)

    def apply_prepared(self, x: Tensor) -> Tensor:
        """``seq`` without the module calls: the same addmm (F.linear) and tanh, the same
        results."""
        return backprop.forward(self.BACKPROP_KIND, x, list(self.parameters()))

    def forward(self, t_u: Tensor) -> Tensor:
        return self.seq(self.prepare(t_u)).squeeze(-1)


@torch.no_grad()
def default_linear_init(layer: nn.Linear, gen: torch.Generator) -> None:
    """PyTorch's own ``nn.Linear.reset_parameters``, drawing from ``gen`` instead of the global RNG.

    weight: kaiming_uniform(a=√5), i.e. U(-1/√fan_in, 1/√fan_in); bias: U(-1/√fan_in, 1/√fan_in).
    Same calls in the same order, so a generator seeded s gives what ``nn.Linear`` gives
    after the global generator is seeded with s (which this module never does).
    """
    nn.init.kaiming_uniform_(layer.weight, a=math.sqrt(5), generator=gen)
    if layer.bias is not None:
        fan_in = layer.weight.shape[1]
        bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0.0
        nn.init.uniform_(layer.bias, -bound, bound, generator=gen)


def make_model(
    kind: str = "linear",
    *,
    t_u: Tensor,
    degree: int = 1,
    hidden: int = 13,
    seed: int = 0,
    scaling: str | None = None,
    init: tuple[float, float] = (1.0, 0.0),
) -> nn.Module:
    """Build a model that maps raw t_u [n] to predicted Celsius [n].

    kind: "linear" (book's line, starts at ``init``), "poly" (``degree`` 1..10, starts at
    0) or "mlp" (``hidden`` tanh units, default 13 as in the book, initialised with
    PyTorch's default bounds from a generator seeded ``seed``).
    t_u: the raw training readings the input scaling is computed from.
    scaling: one of ``INPUT_SCALINGS``; None picks ``DEFAULT_SCALING[kind]``.
    """
    if kind not in MODEL_KINDS:
        raise ValueError(f"unknown model {kind!r}; allowed: {', '.join(MODEL_KINDS)}")
    shift, scale = input_constants(t_u.detach(), scaling or DEFAULT_SCALING[kind])
    if kind == "linear":
        return LinearModel(shift, scale, init)
    if kind == "poly":
        if isinstance(degree, bool) or not isinstance(degree, int) or not 1 <= degree <= MAX_DEGREE:
            raise ValueError(
                f"degree must be a whole number from 1 to {MAX_DEGREE}, got {degree!r}"
            )
        return PolyModel(degree, shift, scale)
    if isinstance(hidden, bool) or not isinstance(hidden, int) or not 1 <= hidden <= MAX_HIDDEN:
        raise ValueError(f"hidden must be a whole number from 1 to {MAX_HIDDEN}, got {hidden!r}")
    return MLPModel(hidden, shift, scale, seed)


def count_parameters(model: nn.Module) -> int:
    """Number of trainable numbers in ``model`` (its capacity, roughly)."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


@dataclass
class ModelRun(Run):
    """The result of :func:`train_model`: a ``tc.Run`` plus the trained model.

    params: all parameters flattened into one vector (for "linear": [w, b] on the scaled
    input). history: one row per epoch with ``epoch``, ``loss`` (training MSE),
    ``val_loss`` (if a validation set was given), ``holdout_loss`` (if a hold-out set was
    given) and, for the linear model, ``w`` and ``b``; every value is taken at the
    parameters *before* that epoch's update, the book's convention (its "Epoch 1" line is
    the loss at the starting point).
    """

    model: nn.Module | None = None
    snapshots: dict[int, Tensor] = field(default_factory=dict)
    """Parameter vectors (``params``' layout) kept with ``keep_at``: epoch -> the parameters
    *before* that epoch's update, the same point its history row describes."""

    @property
    def best_epoch(self) -> int | None:
        """Epoch with the lowest validation loss (where early stopping would stop), or None."""
        if "val_loss" not in self.history or self.history.empty:
            return None
        return int(self.history["epoch"].iloc[int(self.history["val_loss"].to_numpy().argmin())])

    def predict(self, t_u: Tensor) -> Tensor:
        """The trained model's predictions for raw readings ``t_u``, without a graph."""
        assert self.model is not None
        with torch.no_grad():
            return self.model(t_u)


def _validate(optimizer: str, lr: float, epochs: int) -> None:
    if optimizer not in MODEL_OPTIMIZERS:
        raise ValueError(f"unknown optimizer {optimizer!r}; allowed: {', '.join(MODEL_OPTIMIZERS)}")
    if not (isinstance(lr, (int, float)) and math.isfinite(lr) and lr > 0):
        raise ValueError(f"lr must be a finite number > 0, got {lr!r}")
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 1:
        raise ValueError(f"epochs must be a whole number >= 1, got {epochs!r}")


@contextmanager
def single_thread() -> Iterator[None]:
    """Run torch ops on one intra-op thread inside the block, then restore the setting.

    These tensors hold a few dozen numbers, so a second thread never helps; on a busy
    machine its thread-pool hand-offs are ruinous (measured with the default MLP, 5000
    epochs, load ~10 on 2 cores: 15-40 s on 2 threads, 0.8-1.3 s on 1). The setting is
    process-wide; restoring it while another session trains only costs that one speed.
    """
    before = torch.get_num_threads()
    if before > 1:
        torch.set_num_threads(1)
    try:
        yield
    finally:
        if before > 1:
            torch.set_num_threads(before)


def train_model(
    model: nn.Module,
    t_u: Tensor,
    t_c: Tensor,
    *,
    val: tuple[Tensor, Tensor] | None = None,
    holdout: tuple[Tensor, Tensor] | None = None,
    optimizer: str = "SGD",
    lr: float = 1e-2,
    epochs: int = 3000,
    zero_grad: bool = True,
    leak: bool = False,
    keep_at: tuple[int, ...] | list[int] = (),
    holdout_at: Collection[int] | None = None,
    book_loop: bool = False,
    **optimizer_kwargs,
) -> ModelRun:
    """Train ``model`` in place on (t_u, t_c) with a torch.optim optimizer, full batch.

    Each epoch is the book's loop: training loss; validation loss under
    ``torch.no_grad()``; ``optimizer.zero_grad()``; ``loss.backward()``; ``step()``.
    val: (val_t_u, val_t_c), recorded as ``val_loss``.
    holdout: readings that never influence training in any mode, recorded as
    ``holdout_loss`` (an honest yardstick for judging the validation loss).
    holdout_at: epochs at which to score the hold-out readings (None: every epoch); the
    others hold NaN. A page that draws a few hundred epochs need not score 5000.
    leak=True: the mistake of also calling ``val_loss.backward()``: the validation loss is
    computed with a graph and its gradient is *added* to the training gradient, so the
    validation points are really trained on.
    zero_grad=False: the mistake of never zeroing, so ``.grad`` holds the sum of every
    gradient so far and each step uses that running sum.
    keep_at: epochs whose parameters (before that epoch's update) go into ``snapshots``.
    Stops at the first epoch whose training loss is not finite (``diverged_at``).
    Every reading must have the dtype of the model's parameters (the book's loop cannot mix
    them in a matrix product; ``model.double()`` trains in float64).
    book_loop: run the literal loop above even where ``thermo_core.lean_loop`` (the same
    operations with less Python, bitwise-equal results, 2-3× faster) can run it. The fast
    path also gives way to the literal loop under ``THERMO_FAST_PATH`` without ``lean_loop``
    and, logged, when it fails; ``settings["engine"]`` says which ran (``training.ENGINES``).
    """
    _validate(optimizer, lr, epochs)
    if leak and val is None:
        raise ValueError("leak=True needs a validation set")
    _check_dtypes(model, {"t_u": t_u, "t_c": t_c, "val": val, "holdout": holdout})
    try:
        opt = getattr(torch.optim, optimizer)(model.parameters(), lr=lr, **optimizer_kwargs)
    except (TypeError, ValueError, RuntimeError) as exc:
        raise ValueError(f"bad settings for {optimizer}: {exc}") from exc
    x, y = t_u.detach(), t_c.detach()
    sets = {"loss": (x, y)}
    if val is not None:
        sets["val_loss"] = (val[0].detach(), val[1].detach())
    if holdout is not None:
        sets["holdout_loss"] = (holdout[0].detach(), holdout[1].detach())
    record = {name: torch.empty(epochs) for name in sets}
    if holdout is not None and holdout_at is not None:
        record["holdout_loss"].fill_(math.nan)
    linear = isinstance(model, LinearModel)
    wb = torch.empty(epochs, 2) if linear else None

    model.train()
    snapshots: dict[int, Tensor] = {}
    keep = (set(keep_at), snapshots)
    scored = None if holdout_at is None else set(holdout_at)
    engine = "book"
    with single_thread():
        if not book_loop and lean_loop.supports(model, optimizer, optimizer_kwargs):
            start = [p.detach().clone() for p in model.parameters()]
            try:
                diverged_at, engine = lean_loop.run(model, optimizer, float(lr), sets, record,
                                                    wb, epochs, zero_grad, leak, keep, scored,
                                                    _CHUNK)
            except Exception as exc:
                compiled.fell_back("train_model's fast path (thermo_core.lean_loop)", exc)
                with torch.no_grad():  # the book's loop starts where the fast one started
                    for p, p0 in zip(model.parameters(), start, strict=True):
                        p.copy_(p0)
                snapshots.clear()
        if engine == "book":
            diverged_at = _loop(model, opt, sets, record, wb, epochs, zero_grad, leak, keep,
                                scored)

    model.eval()
    last = diverged_at if diverged_at is not None else epochs
    columns: dict = {"epoch": torch.arange(1, last + 1).numpy()}
    columns.update({name: values[:last].numpy() for name, values in record.items()})
    if wb is not None:
        columns["w"], columns["b"] = wb[:last, 0].numpy(), wb[:last, 1].numpy()
    params = torch.cat([p.detach().reshape(-1) for p in model.parameters()]).clone()
    settings = {
        "epochs": epochs,
        "zero_grad": bool(zero_grad),
        "leak": bool(leak),
        "n_params": count_parameters(model),
        **optimizer_kwargs,
        "engine": engine,
    }
    return ModelRun(
        params, pd.DataFrame(columns), diverged_at, optimizer, float(lr), settings, model=model,
        snapshots=snapshots,
    )


def _check_dtypes(model: nn.Module, readings: dict[str, Tensor | tuple | None]) -> None:
    """Refuse readings whose dtype is not the parameters' (see :func:`train_model`)."""
    want = next(model.parameters()).dtype
    for name, value in readings.items():
        for t in (value if isinstance(value, tuple) else (value,)):
            if t is not None and t.dtype != want:
                raise ValueError(f"{name} is {t.dtype} but the model's parameters are {want}: "
                                 f"convert the readings (.to({want})) or the model "
                                 f"(model.to({t.dtype}))")


def _loop(
    model: nn.Module,
    opt: torch.optim.Optimizer,
    sets: dict[str, tuple[Tensor, Tensor]],
    record: dict[str, Tensor],
    wb: Tensor | None,
    epochs: int,
    zero_grad: bool,
    leak: bool,
    keep: tuple[set[int], dict[int, Tensor]],
    scored: set[int] | None,
) -> int | None:
    """The epochs of :func:`train_model`; returns the first non-finite epoch or None."""
    x, y = sets["loss"]
    val = sets.get("val_loss")
    holdout = sets.get("holdout_loss")
    diverged_at: int | None = None
    done = 0
    while done < epochs and diverged_at is None:
        stop = min(done + _CHUNK, epochs)
        for i in range(done, stop):
            if wb is not None:
                wb[i] = model.params.detach()
            if i + 1 in keep[0]:
                keep[1][i + 1] = torch.cat([p.detach().reshape(-1) for p in model.parameters()])
            loss = mse(model(x), y)
            if leak:
                val_loss = mse(model(val[0]), val[1])
            elif val is not None:
                with torch.no_grad():
                    val_loss = mse(model(val[0]), val[1])
            with torch.no_grad():
                record["loss"][i] = loss
                if val is not None:
                    record["val_loss"][i] = val_loss
                if holdout is not None and (scored is None or i + 1 in scored):
                    record["holdout_loss"][i] = mse(model(holdout[0]), holdout[1])
            if zero_grad:
                opt.zero_grad()
            loss.backward()
            if leak:
                val_loss.backward()
            opt.step()
        losses = record["loss"][done:stop]
        bad = (~torch.isfinite(losses)).nonzero()
        if bad.numel():
            diverged_at = done + int(bad[0, 0]) + 1
        done = stop
    return diverged_at


@dataclass(frozen=True)
class ValidationSummary:
    """Where a run ended and where early stopping would have stopped it.

    gap = validation loss - training loss (positive: the model does worse on unseen points).
    """

    final_epoch: int
    final_loss: float
    final_val_loss: float
    final_gap: float
    best_epoch: int
    best_val_loss: float
    loss_at_best: float
    gap_at_best: float


def validation_summary(run: Run) -> ValidationSummary:
    """Final and best-validation (early-stopping) losses and gaps from a run's history."""
    h = run.history
    if "val_loss" not in h or h.empty:
        raise ValueError("the run has no validation loss")
    last = h.iloc[-1]
    best = h.iloc[int(h["val_loss"].to_numpy().argmin())]
    # Python floats: a diverged run's inf - inf is NaN without numpy's RuntimeWarning.
    final, final_val = float(last["loss"]), float(last["val_loss"])
    at_best, best_val = float(best["loss"]), float(best["val_loss"])
    return ValidationSummary(
        final_epoch=int(last["epoch"]),
        final_loss=final,
        final_val_loss=final_val,
        final_gap=final_val - final,
        best_epoch=int(best["epoch"]),
        best_val_loss=best_val,
        loss_at_best=at_best,
        gap_at_best=best_val - at_best,
    )


def t_u_grid(lo: float, hi: float, n: int = 201, margin: float = 0.25) -> Tensor:
    """``n`` evenly spaced raw readings from lo to hi, widened by ``margin``·(hi - lo) each side.

    The margin shows how a model extrapolates beyond the data it was fitted to.
    """
    if not hi > lo:
        raise ValueError("need hi > lo")
    pad = margin * (hi - lo)
    return torch.linspace(lo - pad, hi + pad, int(n))


def fitted_curve(model: nn.Module, t_u: Tensor) -> pd.DataFrame:
    """Columns t_u, t_c_pred: the model's predictions over the readings ``t_u`` (e.g. a grid)."""
    with torch.no_grad():
        pred = model(t_u)
    return pd.DataFrame({"t_u": t_u.numpy(), "t_c_pred": pred.numpy()})
