"""Training a model of ``thermo_core.models``: the settings, the loop, and the engine that runs it.

A run's settings travel as one frozen :class:`RunSpec`; ``train_model(spec, t_u, t_c, ...)``
builds the model, trains it full batch and records every epoch, and picks the engine:

- ``"book"``: the chapter's loop, literally: forward, validation loss under
  ``torch.no_grad()``, ``zero_grad``, ``backward``, ``torch.optim``'s ``step``;
- ``"compiled"``: the same epochs without Python around them (:func:`_lean_epochs`, compiled
  once per process by ``thermo_core.compiled``), so a training releases the GIL once
  instead of at each of ~40 tiny tensor operations per epoch. In a server a class shares,
  each of those would wait for other sessions' Python (a 0.11 s training took 253 s beside
  one busy Python thread);
- ``"python"``: that lean loop uncompiled, where TorchScript cannot compile it.

The lean loop computes the book's numbers bit for bit: inputs prepared once
(``model.prepare``), forward passes and gradients by the ATen calls autograd makes
(:func:`forward`, :func:`loss_and_grads`), and ``torch.optim``'s single-tensor SGD and Adam
updates (Adam's is ``lean_optim.adam_``, the one the line's fast path uses too).
``tests/test_lean_loop.py`` trains every model kind both ways and asserts ``torch.equal`` on
every recorded number. ``THERMO_FAST_PATH`` without ``lean_loop`` or ``book_loop=True`` runs
the book's loop; so does a failure of the lean loop (logged), from the start.

How the overfitting page's validation loss is computed, in four files:

1. ``pages/overfitting.py`` ``_section_run``: ``lesson(**run_settings(values))``;
2. ``ui/overfitting/runs.py`` ``lesson``: ``ov.experiment(RunSpec(...), Sampling(...))``, cached;
3. ``thermo_core/lessons/overfitting.py`` ``experiment``: splits the readings, then
   ``train_model(spec, train_x, train_y, val=(val_x, val_y))``;
4. here, ``train_model`` → ``_lean_epochs``: ``mse(forward(kind, val_x, params), val_y)``
   each epoch (``_book_epochs``: ``mse(model(val_x), val_y)``), and
   ``validation_summary`` reads the last epoch's value.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import NamedTuple

import pandas as pd
import torch
from torch import Tensor, nn

from . import compiled, lean_optim
from .models import LinearModel, MLPModel, PolyModel, count_parameters, make_model
from .training import OPTIMIZERS, Run

MODEL_OPTIMIZERS: tuple[str, ...] = tuple(o for o in OPTIMIZERS if o not in ("manual", "LBFGS"))
"""torch.optim classes ``train_model`` accepts (LBFGS needs a closure; "manual" is tc.train's)."""

LEAN_OPTIMIZERS: tuple[str, ...] = ("SGD", "Adam")
"""Optimizers the lean loop applies, with torch.optim's defaults (Adam: betas 0.9, 0.999,
eps 1e-8)."""

LINEAR, POLY, MLP = 0, 1, 2
"""Model codes the lean loop selects the arithmetic by (TorchScript takes no classes)."""

_KINDS: dict[type, int] = {LinearModel: LINEAR, PolyModel: POLY, MLPModel: MLP}

_CHUNK = 500
"""Epochs between divergence checks (a check forces a sync, so not every epoch)."""


@dataclass(frozen=True)
class RunSpec:
    """Everything that decides one training run except the readings, which go beside it.

    model/degree/hidden/seed/scaling: the model (see ``tc.make_model``: "linear", "poly"
    of ``degree``, "mlp" of ``hidden`` units initialised from a generator seeded ``seed``;
    ``scaling`` None is the kind's default input scaling). optimizer: a name in
    ``MODEL_OPTIMIZERS``, built with ``lr`` and ``hyper`` (its other settings as
    (name, value) pairs, e.g. ``(("momentum", 0.9),)``). The loss is the chapter's MSE.
    zero_grad=False: the mistake of never zeroing, so ``.grad`` holds the sum of every
    gradient so far. leak=True: the mistake of also calling ``val_loss.backward()``, so the
    validation readings are trained on too.
    """

    model: str = "linear"
    degree: int = 1
    hidden: int = 13
    seed: int = 0
    scaling: str | None = None
    optimizer: str = "SGD"
    lr: float = 1e-2
    epochs: int = 3000
    hyper: tuple[tuple[str, object], ...] = ()
    zero_grad: bool = True
    leak: bool = False

    def build(self, t_u: Tensor) -> nn.Module:
        """The untrained model, its input scaling from ``t_u``, in ``t_u``'s dtype."""
        return make_model(self.model, t_u=t_u, degree=self.degree, hidden=self.hidden,
                          seed=self.seed, scaling=self.scaling).to(t_u.dtype)

    def check(self) -> None:
        """Raise ValueError for settings no run can take."""
        if self.optimizer not in MODEL_OPTIMIZERS:
            raise ValueError(f"unknown optimizer {self.optimizer!r}; allowed: "
                             f"{', '.join(MODEL_OPTIMIZERS)}")
        lr = self.lr
        if isinstance(lr, bool) or not (isinstance(lr, (int, float)) and math.isfinite(lr)
                                        and lr > 0):
            raise ValueError(f"lr must be a finite number > 0, got {lr!r}")
        epochs = self.epochs
        if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 1:
            raise ValueError(f"epochs must be a whole number >= 1, got {epochs!r}")


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

    def snapshot_predictions(self, t_u: Tensor) -> dict[int, Tensor]:
        """The model's predictions for ``t_u`` at every kept epoch (see ``snapshots``),
        computed like ``model(t_u)`` but compiled, so the GIL is released once for them all
        (plain Python where ``lean_loop`` is off or fails)."""
        assert self.model is not None
        epochs = sorted(self.snapshots)
        plain = _forward_each
        loop = compiled.script(plain) if compiled.enabled("lean_loop") else plain
        args = (_KINDS[type(self.model)], [self.snapshots[e] for e in epochs],
                [list(p.shape) for p in self.model.parameters()],
                self.model.prepare(t_u).contiguous())
        with compiled.running():
            try:
                preds = loop(*args)
            except Exception as exc:
                if loop is plain:
                    raise
                compiled.fell_back("ModelRun.snapshot_predictions", exc,
                                   "it ran as plain Python")
                preds = plain(*args)
        return dict(zip(epochs, preds, strict=True))


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


class _Record(NamedTuple):
    """Where a run writes what it records: loss per epoch (and val_loss, holdout_loss where
    given, keyed as in the history), w and b of the line, the epochs whose parameters are
    kept and those whose hold-out loss is scored (None: every one)."""

    losses: dict[str, Tensor]
    wb: Tensor | None
    keep: set[int]
    scored: set[int] | None


def train_model(
    spec: RunSpec,
    t_u: Tensor,
    t_c: Tensor,
    *,
    val: tuple[Tensor, Tensor] | None = None,
    holdout: tuple[Tensor, Tensor] | None = None,
    keep_at: Collection[int] = (),
    holdout_at: Collection[int] | None = None,
    book_loop: bool = False,
) -> ModelRun:
    """Build ``spec``'s model from the training readings (t_u, t_c) and train it, full batch.

    val: (val_t_u, val_t_c), recorded as ``val_loss``.
    holdout: readings that never influence training in any mode, recorded as
    ``holdout_loss`` (an honest yardstick for judging the validation loss).
    holdout_at: epochs at which to score the hold-out readings (None: every epoch); the
    others hold NaN. A page that draws a few hundred epochs need not score 5000.
    keep_at: epochs whose parameters (before that epoch's update) go into ``snapshots``.
    Stops at the first epoch whose training loss is not finite (``diverged_at``).
    The model takes the dtype of ``t_u``; every other reading must have it too.
    book_loop: run the book's loop even where the lean one can; ``settings["engine"]``
    says which ran (``training.ENGINES``).
    """
    spec.check()
    if spec.leak and val is None:
        raise ValueError("leak=True needs a validation set")
    _check_dtypes(t_u.dtype, {"t_c": t_c, "val": val, "holdout": holdout})
    model = spec.build(t_u.detach())
    hyper = dict(spec.hyper)
    try:
        opt = getattr(torch.optim, spec.optimizer)(model.parameters(), lr=spec.lr, **hyper)
    except (TypeError, ValueError, RuntimeError) as exc:
        raise ValueError(f"bad settings for {spec.optimizer}: {exc}") from exc
    sets = {"loss": (t_u.detach(), t_c.detach())}
    if val is not None:
        sets["val_loss"] = (val[0].detach(), val[1].detach())
    if holdout is not None:
        sets["holdout_loss"] = (holdout[0].detach(), holdout[1].detach())
    losses = {name: torch.empty(spec.epochs) for name in sets}
    if holdout is not None and holdout_at is not None:
        losses["holdout_loss"].fill_(math.nan)
    wb = torch.empty(spec.epochs, 2) if isinstance(model, LinearModel) else None
    record = _Record(losses, wb, set(keep_at), None if holdout_at is None else set(holdout_at))

    model.train()
    snapshots: dict[int, Tensor] = {}
    engine = "book"
    with single_thread():
        if not book_loop and lean_supports(model, spec):
            start = [p.detach().clone() for p in model.parameters()]
            try:
                diverged_at, engine = _run_lean(model, spec, sets, record, snapshots)
            except Exception as exc:
                compiled.fell_back("train_model's lean loop", exc)
                with torch.no_grad():  # the book's loop starts where the lean one started
                    for p, p0 in zip(model.parameters(), start, strict=True):
                        p.copy_(p0)
                snapshots.clear()
        if engine == "book":
            diverged_at = _book_epochs(model, opt, spec, sets, record, snapshots)

    model.eval()
    last = diverged_at if diverged_at is not None else spec.epochs
    columns: dict = {"epoch": torch.arange(1, last + 1).numpy()}
    columns.update({name: values[:last].numpy() for name, values in losses.items()})
    if wb is not None:
        columns["w"], columns["b"] = wb[:last, 0].numpy(), wb[:last, 1].numpy()
    params = torch.cat([p.detach().reshape(-1) for p in model.parameters()]).clone()
    settings = {
        "epochs": spec.epochs,
        "zero_grad": bool(spec.zero_grad),
        "leak": bool(spec.leak),
        "n_params": count_parameters(model),
        **hyper,
        "engine": engine,
    }
    return ModelRun(params, pd.DataFrame(columns), diverged_at, spec.optimizer, float(spec.lr),
                    settings, model=model, snapshots=snapshots)


def _check_dtypes(want: torch.dtype, readings: dict[str, Tensor | tuple | None]) -> None:
    """Refuse readings whose dtype is not t_u's, the model's (the book's loop cannot mix them
    in a matrix product)."""
    for name, value in readings.items():
        for t in (value if isinstance(value, tuple) else (value,)):
            if t is not None and t.dtype != want:
                raise ValueError(f"{name} is {t.dtype} but t_u, and so the model, is {want}: "
                                 f"convert the readings (.to({want}))")


def _book_epochs(model: nn.Module, opt: torch.optim.Optimizer, spec: RunSpec,
                 sets: dict[str, tuple[Tensor, Tensor]], record: _Record,
                 snapshots: dict[int, Tensor]) -> int | None:
    """The book's epochs; returns the first epoch whose training loss is not finite, or None."""
    x, y = sets["loss"]
    val = sets.get("val_loss")
    holdout = sets.get("holdout_loss")
    losses = record.losses
    diverged_at: int | None = None
    done = 0
    while done < spec.epochs and diverged_at is None:
        stop = min(done + _CHUNK, spec.epochs)
        for i in range(done, stop):
            if record.wb is not None:
                record.wb[i] = model.params.detach()
            if i + 1 in record.keep:
                snapshots[i + 1] = torch.cat([p.detach().reshape(-1) for p in model.parameters()])
            loss = mse(model(x), y)
            if spec.leak:
                val_loss = mse(model(val[0]), val[1])
            elif val is not None:
                with torch.no_grad():
                    val_loss = mse(model(val[0]), val[1])
            with torch.no_grad():
                losses["loss"][i] = loss
                if val is not None:
                    losses["val_loss"][i] = val_loss
                if holdout is not None and (record.scored is None or i + 1 in record.scored):
                    losses["holdout_loss"][i] = mse(model(holdout[0]), holdout[1])
            if spec.zero_grad:
                opt.zero_grad()
            loss.backward()
            if spec.leak:
                val_loss.backward()
            opt.step()
        bad = (~torch.isfinite(losses["loss"][done:stop])).nonzero()
        if bad.numel():
            diverged_at = done + int(bad[0, 0]) + 1
        done = stop
    return diverged_at


# ---- the lean loop -----------------------------------------------------------------------

def lean_supports(model: nn.Module, spec: RunSpec) -> bool:
    """Whether the lean loop can train this model with these settings (and
    ``THERMO_FAST_PATH`` leaves ``lean_loop`` on)."""
    return (compiled.enabled("lean_loop") and spec.optimizer in LEAN_OPTIMIZERS
            and not spec.hyper and type(model) in _KINDS)


class _Plan(NamedTuple):
    """The lean loop's settings, as TorchScript takes them."""

    kind: int
    adam: bool
    lr: float
    epochs: int
    chunk: int
    zero_grad: bool
    leak: bool
    has_val: bool
    has_holdout: bool
    record_wb: bool


@compiled.hot("lean_loop")
def _lean_epochs(plan: _Plan, params: list[Tensor], data: list[Tensor], seeds: list[Tensor],
                 records: list[Tensor], scored: list[bool],
                 keep: list[bool]) -> tuple[int, list[Tensor]]:
    """Train ``params`` in place; returns (first non-finite epoch or 0, kept snapshots).

    data: x, y, then val x, y and hold-out x, y where present (prepared inputs). seeds:
    :func:`mean_seed` of the training and validation sets. records: loss, then val_loss,
    holdout_loss where present, then [epochs, 2] w, b if ``plan.record_wb``.
    scored[i]/keep[i]: score the hold-out / copy the parameters at epoch i + 1. Values of
    epoch i are taken before its update (the book's numbering); divergence is checked
    every ``plan.chunk`` epochs and the run goes on to the chunk's end, as the book's does.
    A leaking ``val_loss.backward()`` or a missing ``zero_grad()`` adds gradients as
    ``.grad`` would.
    """
    kind = plan.kind
    x, y = data[0], data[1]
    rec_loss = records[0]
    rec_val = records[1] if plan.has_val else rec_loss
    rec_hold = records[2 if plan.has_val else 1] if plan.has_holdout else rec_loss
    rec_wb = records[len(records) - 1]
    avgs = [torch.zeros_like(p) for p in params]
    sqs = [torch.zeros_like(p) for p in params]
    total = [torch.zeros_like(p) for p in params]  # .grad when zero_grad() is never called
    snapshots: list[Tensor] = []
    diverged = 0
    done = 0
    while done < plan.epochs and diverged == 0:
        stop = min(done + plan.chunk, plan.epochs)
        for i in range(done, stop):
            if plan.record_wb:
                rec_wb[i] = params[0]
            if keep[i]:
                snapshots.append(torch.cat([p.reshape(-1) for p in params]))
            loss, grads = loss_and_grads(kind, x, y, seeds[0], params)
            rec_loss[i] = loss
            val_grads: list[Tensor] = []
            if plan.leak:
                val_loss, val_grads = loss_and_grads(kind, data[2], data[3], seeds[1], params)
                rec_val[i] = val_loss
            elif plan.has_val:
                rec_val[i] = mse(forward(kind, data[2], params), data[3])
            if plan.has_holdout and scored[i]:
                k = 4 if plan.has_val else 2
                rec_hold[i] = mse(forward(kind, data[k], params), data[k + 1])
            if not plan.zero_grad:  # .grad += this epoch's gradient
                if i == 0:
                    total = grads
                else:
                    for j in range(len(total)):
                        total[j].add_(grads[j])
                grads = total
            if plan.leak:  # the second backward() adds into .grad
                for j in range(len(grads)):
                    grads[j].add_(val_grads[j])
            for j in range(len(params)):  # torch.optim's single-tensor updates
                if plan.adam:
                    lean_optim.adam_(params[j], grads[j], avgs[j], sqs[j], float(i + 1),
                                     plan.lr, 0.9, 0.999, 1e-8, 0.0, False)
                else:
                    params[j].add_(grads[j], alpha=-plan.lr)
        bad = (~torch.isfinite(rec_loss[done:stop])).nonzero()
        if bad.numel() > 0:
            diverged = done + int(bad[0, 0]) + 1
        done = stop
    return diverged, snapshots


def lean_loop() -> Callable:
    """:func:`_lean_epochs`, compiled if TorchScript can (see ``thermo_core.compiled``)."""
    return compiled.script(_lean_epochs)


def _run_lean(model: nn.Module, spec: RunSpec, sets: dict[str, tuple[Tensor, Tensor]],
              record: _Record, snapshots: dict[int, Tensor]) -> tuple[int | None, str]:
    """:func:`_book_epochs`' contract on the lean loop; returns the first non-finite epoch
    (or None) and the engine that ran ("compiled" or "python")."""
    params = [p.detach() for p in model.parameters()]
    data, seeds, records = [], [], [record.losses["loss"]]
    for name, (x, y) in sets.items():
        data += [model.prepare(x).contiguous(), y]
        if name != "holdout_loss":
            seeds.append(mean_seed(len(y), y.dtype))
        if name != "loss":
            records.append(record.losses[name])
    if record.wb is not None:
        records.append(record.wb)
    epochs = spec.epochs
    keep = [i + 1 in record.keep for i in range(epochs)]
    scored = [record.scored is None or i + 1 in record.scored for i in range(epochs)]
    plan = _Plan(_KINDS[type(model)], spec.optimizer == "Adam", float(spec.lr), epochs,
                 _CHUNK, bool(spec.zero_grad), bool(spec.leak), "val_loss" in sets,
                 "holdout_loss" in sets, record.wb is not None)
    loop = lean_loop()
    with compiled.running():
        diverged, snaps = loop(plan, params, data, seeds, records, scored, keep)
    kept = sorted(record.keep & set(range(1, epochs + 1)))
    snapshots.update(zip(kept, snaps, strict=False))
    return diverged or None, compiled.engine(_lean_epochs, loop)


# ---- the arithmetic the lean loop runs: the ATen calls autograd makes --------------------
# ``loss.backward()``'s numbers without a graph. Each gradient is the chain of ATen functions
# autograd's backward nodes call for that model, in the same shapes and memory layouts:
# - ``mean`` backward gives 1/n per reading and ``pow(·, 2)`` backward ``that · 2d``;
#   doubling is exact, so ``seed · d`` with ``seed = (1/n)·2`` is the same float;
# - the line ``p[0]·x + p[1]``: ``add`` and ``mul`` backward reduce to a 0-d parameter by
#   ``sum(0, keepdim=True)`` (``sum_to``), ``select`` backward puts each into its slot;
# - the polynomial ``powers @ c`` is ``mv``, whose backward is ``powersᵀ.mv(g)``;
# - ``F.linear(x, W, b)`` is ``addmm(b, x, Wᵀ)``; Wᵀ is column-major, so addmm's backward
#   returns ``(gᵀ·x)ᵀ`` for it and the transpose back to W gives ``gᵀ·x``; b gets g summed
#   over the rows; the hidden layer gets ``g·W`` and then ``tanh_backward``.
# The forward passes are the models' own ``forward`` written on a parameter list.

def mean_seed(n: int, dtype: torch.dtype) -> Tensor:
    """d mean((p - y)²) / d (p - y), without the residual: (1/n)·2 per reading, as autograd
    forms it (``expand`` then divide, then pow's factor 2)."""
    return (torch.ones((), dtype=dtype).expand(n) / n) * 2


def forward(kind: int, x: Tensor, params: list[Tensor]) -> Tensor:
    """The model's prediction from prepared inputs ``x`` (see ``models.*.prepare``)."""
    if kind == 0:  # LINEAR (TorchScript takes no global constants)
        p = params[0]
        return p[0] * x + p[1]
    if kind == 1:  # POLY
        return torch.mv(x, params[0])
    hidden = torch.tanh(torch.addmm(params[1], x, params[0].t()))
    return torch.addmm(params[3], hidden, params[2].t()).squeeze(-1)


def mse(t_p: Tensor, t_c: Tensor) -> Tensor:
    """The chapter's loss, mean((t_p - t_c)²), written the same way as ``tc.mse_loss``."""
    return ((t_p - t_c) ** 2).mean()


def loss_and_grads(kind: int, x: Tensor, t_c: Tensor, seed: Tensor,
                   params: list[Tensor]) -> tuple[Tensor, list[Tensor]]:
    """MSE of ``forward(kind, x, params)`` and its gradient, one tensor per parameter.

    Call under ``torch.no_grad()``: outside it would record a graph for nothing.
    """
    if kind == 0:  # LINEAR
        p = params[0]
        d = p[0] * x + p[1] - t_c
        g = seed * d
        grad_w = (g * x).sum(0, keepdim=True).squeeze(0)
        grad_b = g.sum(0, keepdim=True).squeeze(0)
        return (d ** 2).mean(), [torch.stack([grad_w, grad_b])]
    if kind == 1:  # POLY
        d = torch.mv(x, params[0]) - t_c
        return (d ** 2).mean(), [x.t().mv(seed * d)]
    w1, b1, w2, b2 = params[0], params[1], params[2], params[3]
    a = torch.tanh(torch.addmm(b1, x, w1.t()))
    d = torch.addmm(b2, a, w2.t()).squeeze(-1) - t_c
    g2 = (seed * d).unsqueeze(-1)
    gz = torch.ops.aten.tanh_backward(g2.mm(w2), a)
    grads = [gz.t().mm(x), gz.sum(0, keepdim=True).view(b1.shape),
             g2.t().mm(a), g2.sum(0, keepdim=True).view(b2.shape)]
    return (d ** 2).mean(), grads


@compiled.hot("lean_loop")
def _forward_each(kind: int, vectors: list[Tensor], shapes: list[list[int]],
                  x: Tensor) -> list[Tensor]:
    """:func:`forward` at each flat parameter vector (``ModelRun.snapshots``' layout).

    ``shapes`` are the parameter tensors' shapes in ``model.parameters()`` order; each is
    cut out of the vector and copied, so it is laid out as the model's own tensor is.
    """
    out: list[Tensor] = []
    for vector in vectors:
        params: list[Tensor] = []
        start = 0
        for shape in shapes:
            size = 1
            for dim in shape:
                size *= dim
            params.append(vector[start:start + size].view(shape).clone())
            start += size
        out.append(forward(kind, x, params))
    return out
