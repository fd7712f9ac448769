"""Training loops: the chapter's hand-written update and every torch.optim optimizer.

The gradient of the MSE of a linear model has a closed form, so ``train`` writes it
straight into ``params.grad`` and lets the real ``torch.optim`` optimizer take its
step. That is several times faster than building an autograd graph every epoch and
gives the same trajectory to float32 rounding. Losses are then computed for the whole
recorded trajectory at once, which is also how divergence is found.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import pandas as pd
import torch
from torch import Tensor

from . import compiled, lean_optim
from .checks import check_choice

OPTIMIZERS: tuple[str, ...] = (
    "manual",
    "SGD",
    "Adam",
    "AdamW",
    "RMSprop",
    "Adagrad",
    "Adadelta",
    "Adamax",
    "NAdam",
    "RAdam",
    "ASGD",
    "Rprop",
    "LBFGS",
)
"""Names ``train`` accepts: "manual" (params - lr·grad) or a torch.optim class name."""

ENGINES: tuple[str, ...] = ("compiled", "python", "book")
"""What ran a training, as ``Run.settings["engine"]`` records it: the fast path compiled by
TorchScript, the fast path as plain Python (TorchScript could not compile it), or the
book's loop with the real ``torch.optim`` classes."""

SCHEDULES: tuple[str, ...] = (
    "constant",
    "StepLR",
    "ExponentialLR",
    "CosineAnnealingLR",
    "ReduceLROnPlateau",
)
"""Learning-rate schedules ``train`` accepts: "constant" or a torch.optim.lr_scheduler class."""

SCHEDULE_DEFAULTS: dict[str, dict[str, float | int]] = {
    "constant": {},
    "StepLR": {"step_size": 100, "gamma": 0.5},
    "ExponentialLR": {"gamma": 0.99},
    "CosineAnnealingLR": {"eta_min": 0.0},  # T_max defaults to the number of epochs
    "ReduceLROnPlateau": {"factor": 0.5, "patience": 10},
}
"""Settings used for a schedule unless ``schedule_kwargs`` overrides them."""

_CHUNK = 512
"""Epochs between divergence checks; a diverged run wastes at most this many steps."""


@dataclass
class Run:
    """The result of :func:`train`.

    params: [w, b] after training. For a diverged run they are the parameters *before* the
    update that blew up, i.e. those of epoch ``diverged_at`` whose loss was the first
    non-finite one; the book's ``training_loop`` returns the parameters *after* that update.
    history: one row per epoch; ``loss``, ``grad_w`` and ``grad_b`` are taken at the
    parameters ``w``, ``b`` *before* that epoch's update, as the chapter prints them.
    diverged_at: first epoch whose loss is not finite, else None.
    With a ``schedule`` the history has an ``lr`` column: the rate used for that epoch's update.
    states: with ``record_state_at``, one row per recorded epoch k (after the k-th update):
    ``epoch``, ``lr``, ``update_w``/``update_b`` (the change the k-th step made to w, b) and
    every 2-element tensor in ``optimizer.state`` as ``<key>_w``/``<key>_b`` (e.g.
    ``exp_avg_w``), plus ``step`` where the optimizer counts steps. Else None.
    """

    params: Tensor
    history: pd.DataFrame
    diverged_at: int | None
    optimizer: str = "SGD"
    lr: float = 1e-2
    settings: dict = field(default_factory=dict)
    states: pd.DataFrame | None = None

    @property
    def final_loss(self) -> float:
        """Loss in the last history row."""
        return float(self.history["loss"].iloc[-1])


def _validate(optimizer: str, lr: float, epochs: int) -> None:
    check_choice("optimizer", optimizer, OPTIMIZERS)
    if not (isinstance(lr, (int, float)) and math.isfinite(lr) and lr > 0):
        raise ValueError(f"lr must be a finite number > 0, got {lr!r}")
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 1:
        raise ValueError(f"epochs must be a whole number >= 1, got {epochs!r}")


def make_optimizer(name: str, param: Tensor, lr: float, kwargs: dict) -> torch.optim.Optimizer:
    """The ``torch.optim`` class ``name`` for ``train``, with a settings error as ValueError."""
    try:
        return getattr(torch.optim, name)([param], lr=lr, **kwargs)
    except (TypeError, ValueError, RuntimeError) as exc:
        raise ValueError(f"bad settings for {name}: {exc}") from exc


def _make_scheduler(
    name: str, opt: torch.optim.Optimizer, epochs: int, kwargs: dict | None
) -> torch.optim.lr_scheduler.LRScheduler | torch.optim.lr_scheduler.ReduceLROnPlateau | None:
    if name not in SCHEDULES:
        raise ValueError(f"unknown schedule {name!r}; allowed: {', '.join(SCHEDULES)}")
    kw = {**SCHEDULE_DEFAULTS[name], **(kwargs or {})}
    if name == "constant":
        if kw:
            raise ValueError(f"'constant' takes no schedule settings, got {sorted(kw)}")
        return None
    if name == "CosineAnnealingLR":
        kw.setdefault("T_max", epochs)
    try:
        return getattr(torch.optim.lr_scheduler, name)(opt, **kw)
    except (TypeError, ValueError, RuntimeError) as exc:
        raise ValueError(f"bad settings for {name}: {exc}") from exc


def _state_row(epoch: int, lr: float, update: Tensor, state: dict) -> dict[str, float]:
    row = {"epoch": epoch, "lr": lr, "update_w": float(update[0]), "update_b": float(update[1])}
    for key, value in state.items():
        if not isinstance(value, Tensor):
            continue
        if value.numel() == 2:
            row[f"{key}_w"], row[f"{key}_b"] = float(value[0]), float(value[1])
        elif value.numel() == 1 and key == "step":
            row["step"] = float(value)
    return row


def batch_mse(params: Tensor, t_u: Tensor, t_c: Tensor) -> Tensor:
    """MSE for many parameter pairs at once: params [k, 2] -> losses [k].

    Same elementwise operations as ``mse_loss(model(t_u, w, b), t_c)``.
    """
    w, b = params[:, :1], params[:, 1:]
    return ((w * t_u + b - t_c) ** 2).mean(dim=1)


def _scheduled_rates(driver: torch.optim.Optimizer, sched: torch.optim.lr_scheduler.LRScheduler,
                     epochs: int) -> list[float]:
    """The rate of every epoch, as the Python loop reads it before each update and steps the
    scheduler after it (a schedule other than ReduceLROnPlateau ignores the training)."""
    driver.step()  # no gradients, so no update: only the scheduler's call-order check sees it
    group, rates = driver.param_groups[0], []
    for _ in range(epochs):
        rates.append(float(group["lr"]))
        sched.step()
    return rates


@compiled.hot("lean_optim")
def _descend_epochs(param_hist: Tensor, x_row: Tensor, y_row: Tensor, grad_map: Tensor,
                    neg_lr: Tensor, resid: Tensor, prod: Tensor, g: Tensor,
                    epochs: int) -> None:
    """``descend_many``'s epochs: row i + 1 of ``param_hist`` from row i, for every rate."""
    for i in range(epochs):
        p = param_hist[i]
        torch.addcmul(p[:, 1:] - y_row, p[:, :1], x_row, out=resid)
        torch.sum(torch.mul(resid.unsqueeze(1), grad_map, out=prod), 2, out=g)
        torch.addcmul(p, neg_lr, g, out=param_hist[i + 1])


def _first_bad(losses: Tensor) -> int | None:
    bad = (~torch.isfinite(losses)).nonzero()
    return int(bad[0, 0]) if bad.numel() else None


class _FastPathFailed(Exception):
    """Raised inside ``_train`` when the fast path fails; ``train`` then runs the book's loop."""


def train(
    t_u: Tensor,
    t_c: Tensor,
    *,
    optimizer: str = "SGD",
    lr: float = 1e-2,
    epochs: int = 5000,
    init: tuple[float, float] = (1.0, 0.0),
    val: tuple[Tensor, Tensor] | None = None,
    schedule: str | None = None,
    schedule_kwargs: dict | None = None,
    record_state_at: Iterable[int] | None = None,
    book_loop: bool = False,
    **optimizer_kwargs,
) -> Run:
    """Fit t_c ≈ w·t_u + b by minimising the MSE, recording every epoch.

    optimizer: "manual" runs the chapter's ``params = params - lr * grad`` with the
    analytic gradient; any other name in ``OPTIMIZERS`` is the torch.optim class of
    that name, built with ``lr`` and ``optimizer_kwargs`` (e.g. momentum=0.9,
    nesterov=True). One epoch is one full-batch step (for LBFGS, one ``step(closure)``).
    val: optional (val_t_u, val_t_c); adds a ``val_loss`` column computed under no_grad.
    Training stops at the first epoch whose loss is not finite (``Run.diverged_at``).
    schedule: None (no scheduler, no ``lr`` column) or a name in
    ``SCHEDULES``; the real torch.optim.lr_scheduler class steps once per epoch after the
    update (ReduceLROnPlateau is given that epoch's loss). For "manual" the scheduler drives
    an otherwise unused SGD optimizer whose lr the hand-written update reads every epoch.
    schedule_kwargs: overrides ``SCHEDULE_DEFAULTS`` (e.g. {"step_size": 20, "gamma": 0.5}).
    record_state_at: epochs (1-based) after whose update ``optimizer.state`` is copied into
    ``Run.states``. Only these epochs are copied, so a long run stays cheap.
    "manual", SGD, Adam, AdamW, Adagrad, RMSprop, Adadelta, NAdam and RAdam (in their plain
    settings, with any schedule but ReduceLROnPlateau) run compiled by
    ``thermo_core.lean_optim``: the same numbers, without holding up a shared server.
    book_loop=True, ``THERMO_FAST_PATH`` without ``lean_optim``, or a failure of the fast path
    (logged) run the book's loop; ``Run.settings["engine"]`` says which ran (``ENGINES``).
    """
    kw = {"optimizer": optimizer, "lr": lr, "epochs": epochs, "init": init, "val": val,
          "schedule": schedule, "schedule_kwargs": schedule_kwargs,
          "record_state_at": None if record_state_at is None else list(record_state_at)}
    if not book_loop and compiled.enabled("lean_optim"):
        try:
            return _train(t_u, t_c, fast=True, **kw, **optimizer_kwargs)
        except _FastPathFailed as failed:
            compiled.fell_back("tc.train's fast path (thermo_core.lean_optim)",
                               failed.__cause__ or failed)
    return _train(t_u, t_c, fast=False, **kw, **optimizer_kwargs)


def _train(t_u: Tensor, t_c: Tensor, *, optimizer: str, lr: float, epochs: int,
           init: tuple[float, float], val: tuple[Tensor, Tensor] | None, schedule: str | None,
           schedule_kwargs: dict | None, record_state_at: list[int] | None, fast: bool,
           **optimizer_kwargs) -> Run:
    """``train``'s work; fast: try ``lean_optim`` (raising ``_FastPathFailed`` if it fails)."""
    _validate(optimizer, lr, epochs)
    if optimizer == "manual" and optimizer_kwargs:
        raise ValueError(f"'manual' takes no optimizer settings, got {sorted(optimizer_kwargs)}")
    x, y = t_u.detach(), t_c.detach()
    n = x.numel()
    design = torch.stack([x, torch.ones_like(x)], dim=1)
    grad_map = (2.0 / n) * design.T.contiguous()
    neg_y = -y
    param_hist = torch.empty(epochs, 2, dtype=x.dtype)
    grad_hist = torch.empty(epochs, 2, dtype=x.dtype)
    losses = torch.empty(epochs, dtype=x.dtype)
    # Row views made once: indexing a tensor inside the loop costs more than the maths.
    param_rows, grad_rows = param_hist.unbind(0), grad_hist.unbind(0)
    p = torch.tensor([float(init[0]), float(init[1])], dtype=x.dtype, requires_grad=True)

    opt = None if optimizer == "manual" else make_optimizer(optimizer, p, lr, optimizer_kwargs)
    sched = None
    if schedule is not None:
        # "manual" has no optimizer: a stand-in SGD (never given a gradient) carries the lr.
        driver = (
            opt if opt is not None else torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=lr)
        )
        sched = _make_scheduler(schedule, driver, epochs, schedule_kwargs)
        group = driver.param_groups[0]
        if opt is None and sched is not None:
            driver.step()  # a no-op step, so the scheduler does not warn about the call order
    elif schedule_kwargs:
        raise ValueError("schedule_kwargs needs a schedule")
    plateau = isinstance(sched, torch.optim.lr_scheduler.ReduceLROnPlateau)
    lr_hist = (
        torch.full((epochs,), float(lr), dtype=torch.float64) if schedule is not None else None
    )
    record = {int(e) for e in record_state_at} if record_state_at is not None else set()
    if any(e < 1 or e > epochs for e in record):
        raise ValueError(f"record_state_at epochs must lie in 1..{epochs}")
    state_rows: list[dict[str, float]] = []
    lr_now = float(lr)
    closure = None
    if optimizer == "LBFGS":

        def closure() -> Tensor:
            with torch.no_grad():
                r = torch.addmv(neg_y, design, p)
                p.grad = torch.mv(grad_map, r)
                return (r * r).mean()

    lean, engine = None, "book"
    try:
        lean = lean_optim.plan(optimizer, opt) if fast and not plateau else None
        if lean is not None:
            code, hyper, keys = lean
            state = lean_optim.new_state(keys, p)
            loop = lean_optim.compiled_loop()
            engine = compiled.engine(lean_optim.line_epochs, loop)
            marks = [i + 1 in record for i in range(epochs)]
            lrs = [float(lr)] * epochs if sched is None else _scheduled_rates(driver, sched,
                                                                              epochs)
    except Exception as exc:
        raise _FastPathFailed from exc
    if lean is not None and lr_hist is not None:
        lr_hist.copy_(torch.tensor(lrs, dtype=torch.float64))
    diverged_at: int | None = None
    done = 0
    with compiled.running():
        while done < epochs and diverged_at is None:
            stop = min(done + _CHUNK, epochs)
            if lean is not None:  # the same epochs, compiled (see thermo_core.lean_optim)
                try:
                    p, recorded = loop(code, p, design, neg_y, grad_map, param_hist, grad_hist,
                                       done, stop, lrs, hyper, state, marks)
                except Exception as exc:
                    raise _FastPathFailed from exc
                per = 1 + len(keys)
                for k, epoch in enumerate(e for e in range(done + 1, stop + 1) if e in record):
                    got = recorded[k * per:(k + 1) * per]
                    state_rows.append(_state_row(epoch, lrs[epoch - 1], got[0],
                                                 dict(zip(keys, got[1:], strict=True))))
            else:
                for i in range(done, stop):
                    if sched is not None:
                        lr_now = group["lr"]
                        lr_hist[i] = lr_now
                    param_rows[i].copy_(p)
                    r = torch.addmv(neg_y, design, p)
                    g = torch.mv(grad_map, r, out=grad_rows[i])
                    if opt is None:
                        p = p - lr_now * g
                    else:
                        p.grad = g
                        opt.step(closure)
                    if sched is not None:
                        sched.step(float((r * r).mean())) if plateau else sched.step()
                    if record and i + 1 in record:
                        state = opt.state[p] if opt is not None else {}
                        state_rows.append(_state_row(i + 1, lr_now, p - param_rows[i], state))
            losses[done:stop] = batch_mse(param_hist[done:stop], x, y)
            bad = _first_bad(losses[done:stop])
            if bad is not None:
                diverged_at = done + bad + 1
            done = stop

    last = diverged_at if diverged_at is not None else epochs
    final = param_hist[last - 1].clone() if diverged_at is not None else p.detach().clone()
    columns = {
        "epoch": torch.arange(1, last + 1).numpy(),
        "loss": losses[:last].numpy(),
        "w": param_hist[:last, 0].numpy(),
        "b": param_hist[:last, 1].numpy(),
        "grad_w": grad_hist[:last, 0].numpy(),
        "grad_b": grad_hist[:last, 1].numpy(),
    }
    if lr_hist is not None:
        columns["lr"] = lr_hist[:last].numpy()
    if val is not None:
        with torch.no_grad():
            columns["val_loss"] = batch_mse(param_hist[:last], val[0], val[1]).numpy()
    history = pd.DataFrame(columns)
    settings = {"init": tuple(init), "epochs": epochs, **optimizer_kwargs, "engine": engine}
    if schedule is not None:
        settings["schedule"] = schedule
        settings["schedule_kwargs"] = dict(schedule_kwargs or {})
    states = None
    if record_state_at is not None:
        states = pd.DataFrame([row for row in state_rows if row["epoch"] <= last])
    return Run(final, history, diverged_at, optimizer, float(lr), settings, states)


@dataclass
class ManyRuns:
    """The result of :func:`descend_many`: plain gradient descent at many learning rates at once.

    lrs: [R] the rates, float64. losses: [epochs, R] the loss before each epoch's update (as in
    ``Run.history``; inf/nan once a run has blown up). params: [R, 2] after the last update.
    diverged_at: per rate, the first epoch whose loss is not finite, else None.
    engine: "compiled" or "python" (see ``ENGINES``): whether TorchScript ran the epochs.
    """

    lrs: Tensor
    losses: Tensor
    params: Tensor
    diverged_at: list[int | None]
    engine: str

    @property
    def final_losses(self) -> Tensor:
        """[R] the loss in the last epoch of each run, like ``Run.final_loss``."""
        return self.losses[-1]


def descend_many(
    t_u: Tensor,
    t_c: Tensor,
    lrs: Sequence[float],
    *,
    epochs: int = 5000,
    init: tuple[float, float] = (1.0, 0.0),
) -> ManyRuns:
    """Run the chapter's ``params - lr * grad`` for every rate in ``lrs`` as one tensor computation.

    All R runs advance together as an [R, 2] parameter tensor with the closed-form gradient,
    so a 60-rate sweep costs about one Python loop of ``epochs`` steps, not 60. Each run
    follows the same update as ``train(optimizer="manual")``; the sums are formed in another
    order, so the two agree to float32 rounding (and on the epoch a run overflows). Runs are
    not stopped at divergence: their losses simply stay inf or nan. The epochs run compiled
    while ``lean_optim``'s part of the fast path is on, else (or if that fails, logged) as
    plain Python, with the same numbers; ``ManyRuns.engine`` says which.
    """
    rates = [float(v) for v in lrs]
    if not rates:
        raise ValueError("lrs must hold at least one learning rate")
    for v in rates:
        _validate("manual", v, epochs)
    x, y = t_u.detach(), t_c.detach()
    n, count = x.numel(), len(rates)
    x_row, y_row = x.unsqueeze(0), y.unsqueeze(0)
    # d(MSE)/d(w, b) = (2/n)·Σ r·(x, 1): one [R, 2, n] product summed over the readings.
    grad_map = ((2.0 / n) * torch.stack([x, torch.ones_like(x)])).unsqueeze(0)
    neg_lr = -torch.tensor(rates, dtype=x.dtype).unsqueeze(1)
    # Row k holds the parameters before epoch k+1; each step writes straight into the next
    # row (out=). Only elementwise ops and sums: tiny matrix products would go through the
    # BLAS, whose threads stall badly on a busy machine.
    param_hist = torch.empty(epochs + 1, count, 2, dtype=x.dtype)
    param_hist[0, :, 0], param_hist[0, :, 1] = float(init[0]), float(init[1])
    resid = torch.empty(count, n, dtype=x.dtype)
    prod = torch.empty(count, 2, n, dtype=x.dtype)
    g = torch.empty(count, 2, dtype=x.dtype)
    args = (param_hist, x_row, y_row, grad_map, neg_lr, resid, prod, g, epochs)
    loop = compiled.script(_descend_epochs) if compiled.enabled("lean_optim") else _descend_epochs
    engine = compiled.engine(_descend_epochs, loop)
    with compiled.running():  # the epochs without the GIL (thermo_core.compiled)
        try:
            loop(*args)
        except Exception as exc:
            if loop is _descend_epochs:
                raise
            compiled.fell_back("descend_many's compiled loop", exc, "it ran as plain Python")
            _descend_epochs(*args)  # row 0 (the start) is untouched; every later row rewritten
            engine = "python"
        losses = batch_mse(param_hist[:epochs].reshape(-1, 2), x, y).reshape(epochs, count)
    p = param_hist[epochs].clone()
    bad = ~torch.isfinite(losses)
    first = torch.where(bad.any(0), bad.int().argmax(0) + 1, 0).tolist()
    diverged = [int(e) if e else None for e in first]
    return ManyRuns(torch.tensor(rates, dtype=torch.float64), losses, p, diverged, engine)
