"""Training loops: the chapter's hand-written update and every torch.optim optimizer.

The gradient of the MSE of a linear model has a closed form, so ``train`` writes it
straight into ``params.grad`` and lets the real ``torch.optim`` optimizer take its
step. That is several times faster than building an autograd graph every epoch and
gives the same trajectory to float32 rounding. Losses are then computed for the whole
recorded trajectory at once, which is also how divergence is found.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import pandas as pd
import torch
from torch import Tensor

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

_FUSED = frozenset({"Adam", "AdamW", "Adagrad"})
"""Optimizers whose fused CPU kernel is used by default: same update, less overhead."""

_CHUNK = 512
"""Epochs between divergence checks; a diverged run wastes at most this many steps."""


@dataclass
class Run:
    """The result of :func:`train`.

    params: [w, b] after training (at divergence: the parameters whose loss blew up).
    history: one row per epoch; ``loss``, ``grad_w`` and ``grad_b`` are taken at the
    parameters ``w``, ``b`` *before* that epoch's update, as the chapter prints them.
    diverged_at: first epoch whose loss is not finite, else None.
    """

    params: Tensor
    history: pd.DataFrame
    diverged_at: int | None
    optimizer: str = "SGD"
    lr: float = 1e-2
    settings: dict = field(default_factory=dict)

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


def _make_optimizer(name: str, param: Tensor, lr: float, kwargs: dict) -> torch.optim.Optimizer:
    cls = getattr(torch.optim, name)
    kw = dict(kwargs)
    if name in _FUSED and "foreach" not in kw and "fused" not in kw:
        kw["fused"] = True
    try:
        return cls([param], lr=lr, **kw)
    except (TypeError, ValueError, RuntimeError) as exc:
        raise ValueError(f"bad settings for {name}: {exc}") from exc


def batch_mse(params: Tensor, t_u: Tensor, t_c: Tensor) -> Tensor:
    """MSE for many parameter pairs at once: params [k, 2] -> losses [k].

    Same elementwise operations as ``mse_loss(model(t_u, w, b), t_c)``.
    """
    w, b = params[:, :1], params[:, 1:]
    return ((w * t_u + b - t_c) ** 2).mean(dim=1)


def _first_bad(losses: Tensor) -> int | None:
    bad = (~torch.isfinite(losses)).nonzero()
    return int(bad[0, 0]) if bad.numel() else None


def train(
    t_u: Tensor,
    t_c: Tensor,
    *,
    optimizer: str = "SGD",
    lr: float = 1e-2,
    epochs: int = 5000,
    init: tuple[float, float] = (1.0, 0.0),
    val: tuple[Tensor, Tensor] | None = None,
    **optimizer_kwargs,
) -> Run:
    """Fit t_c ≈ w·t_u + b by minimising the MSE, recording every epoch.

    optimizer: "manual" runs the chapter's ``params = params - lr * grad`` with the
    analytic gradient; any other name in ``OPTIMIZERS`` is the torch.optim class of
    that name, built with ``lr`` and ``optimizer_kwargs`` (e.g. momentum=0.9,
    nesterov=True). One epoch is one full-batch step (for LBFGS, one ``step(closure)``).
    val: optional (val_t_u, val_t_c); adds a ``val_loss`` column computed under no_grad.
    Training stops at the first epoch whose loss is not finite (``Run.diverged_at``).
    """
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

    opt = None if optimizer == "manual" else _make_optimizer(optimizer, p, lr, optimizer_kwargs)
    closure = None
    if optimizer == "LBFGS":

        def closure() -> Tensor:
            with torch.no_grad():
                r = torch.addmv(neg_y, design, p)
                p.grad = torch.mv(grad_map, r)
                return (r * r).mean()

    diverged_at: int | None = None
    done = 0
    with torch.no_grad():
        while done < epochs and diverged_at is None:
            stop = min(done + _CHUNK, epochs)
            for i in range(done, stop):
                param_rows[i].copy_(p)
                g = torch.mv(grad_map, torch.addmv(neg_y, design, p), out=grad_rows[i])
                if opt is None:
                    p = p - lr * g
                else:
                    p.grad = g
                    opt.step(closure)
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
    if val is not None:
        with torch.no_grad():
            columns["val_loss"] = batch_mse(param_hist[:last], val[0], val[1]).numpy()
    history = pd.DataFrame(columns)
    settings = {"init": tuple(init), "epochs": epochs, **optimizer_kwargs}
    return Run(final, history, diverged_at, optimizer, float(lr), settings)
