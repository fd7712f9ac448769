"""The book's training loop with less Python around it: same tensor operations, same bits.

Why: the overfitting page trains a fresh model for every new setting and a class of 30
shares one server. In ``train_model``'s literal loop (module calls, ``loss.backward()``,
``torch.optim``'s ``step``) most of the time per epoch is Python bookkeeping around tensors
of a few dozen numbers. This loop keeps every tensor operation and drops the bookkeeping:

- inputs are scaled once (``model.prepare``), not every epoch, and the forward pass calls
  the layers' functions directly (``model.apply``), the same ATen operations the modules
  call;
- gradients come from ``model.loss_and_grads``, which calls the ATen functions autograd's
  backward nodes call for that model (``mean``, ``pow``, ``addmm``, ``tanh_backward``, the
  reductions to a bias's shape), in the same shapes and layouts; a leaking
  ``val_loss.backward()`` or a missing ``zero_grad()`` adds gradients as ``.grad`` would;
- SGD and Adam apply ``torch.optim``'s single-tensor update, operation for operation, to
  each parameter tensor (same shapes, so the same kernels).

So the run is bitwise the book's: ``tests/test_lean_loop.py`` trains every model kind with
both loops and asserts ``torch.equal`` on every history value and parameter. Optimizers
with other settings, or models without ``prepare``/``apply``, use the literal loop.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor, nn

LEAN_OPTIMIZERS: tuple[str, ...] = ("SGD", "Adam")
"""Optimizers whose default update this loop applies by hand."""

ADAM_BETAS = (0.9, 0.999)
ADAM_EPS = 1e-8


def supports(model: nn.Module, optimizer: str, optimizer_kwargs: dict) -> bool:
    """Whether :func:`run` can train this model with this optimizer."""
    return (optimizer in LEAN_OPTIMIZERS and not optimizer_kwargs and all(
        hasattr(model, name) for name in ("prepare", "apply_prepared", "loss_and_grads")))


def _loss(pred: Tensor, t_c: Tensor) -> Tensor:
    return ((pred - t_c) ** 2).mean()  # models.mse, inlined


def mean_seed(n: int, dtype: torch.dtype) -> Tensor:
    """d mean((p - y)²) / d (p - y), without the residual: 2·(1/n) per reading.

    Autograd's mean backward gives 1/n (``expand`` then divide) and pow's gives
    ``that · (2·d)``; doubling is exact, so ``(2/n)·d`` rounds to the same float.
    """
    return (torch.ones((), dtype=dtype).expand(n) / n) * 2


def _updater(params: list[Tensor], optimizer: str, lr: float) -> Callable[[list[Tensor]], None]:
    """``torch.optim``'s single-tensor step for each parameter, without its bookkeeping."""
    if optimizer == "SGD":
        def sgd(grads: list[Tensor]) -> None:
            for p, g in zip(params, grads, strict=True):
                p.add_(g, alpha=-lr)
        return sgd
    beta1, beta2 = ADAM_BETAS
    avgs = [torch.zeros_like(p, memory_format=torch.preserve_format) for p in params]
    sqs = [torch.zeros_like(p, memory_format=torch.preserve_format) for p in params]
    count = [0.0]

    def adam(grads: list[Tensor]) -> None:
        count[0] += 1.0
        step = count[0]
        step_size = lr / (1 - beta1**step)
        bias_correction2_sqrt = (1 - beta2**step) ** 0.5
        for p, g, avg, sq in zip(params, grads, avgs, sqs, strict=True):
            avg.lerp_(g, 1 - beta1)
            sq.mul_(beta2).addcmul_(g, g, value=1 - beta2)
            denom = (sq.sqrt() / bias_correction2_sqrt).add_(ADAM_EPS)
            p.addcdiv_(avg, denom, value=-step_size)
    return adam


def run(model: nn.Module, optimizer: str, lr: float, sets: dict[str, tuple[Tensor, Tensor]],
        record: dict[str, Tensor], wb: Tensor | None, epochs: int, zero_grad: bool,
        leak: bool, keep: tuple[set[int], dict[int, Tensor]], scored: set[int] | None,
        chunk: int) -> int | None:
    """``models._loop``'s contract: fills ``record``/``wb``/``keep``, trains ``model`` in place,
    returns the first epoch whose training loss is not finite (checked every ``chunk``)."""
    params = list(model.parameters())
    step = _updater(params, optimizer, lr)
    apply, loss_and_grads = model.apply_prepared, model.loss_and_grads
    data = {name: (model.prepare(x.detach()), y.detach(), mean_seed(len(y), y.dtype))
            for name, (x, y) in sets.items()}
    x, y, seed = data["loss"]
    val, holdout = data.get("val_loss"), data.get("holdout_loss")
    rec_loss, rec_val, rec_hold = record["loss"], record.get("val_loss"), record.get("holdout_loss")
    total: list[Tensor] | None = None  # .grad when zero_grad() is never called
    diverged_at: int | None = None
    done = 0
    with torch.no_grad():
        while done < epochs and diverged_at is None:
            stop = min(done + chunk, epochs)
            for i in range(done, stop):
                if wb is not None:
                    wb[i] = model.params
                if i + 1 in keep[0]:
                    keep[1][i + 1] = torch.cat([p.reshape(-1) for p in params])
                rec_loss[i], grads = loss_and_grads(x, y, seed)
                if leak:
                    rec_val[i], val_grads = loss_and_grads(*val)
                elif val is not None:
                    rec_val[i] = _loss(apply(val[0]), val[1])
                if holdout is not None and (scored is None or i + 1 in scored):
                    rec_hold[i] = _loss(apply(holdout[0]), holdout[1])
                if not zero_grad:  # .grad += this epoch's gradient
                    if total is not None:
                        grads = [t.add_(g) for t, g in zip(total, grads, strict=True)]
                    total = grads
                if leak:  # the second backward() adds into .grad
                    for g, v in zip(grads, val_grads, strict=True):
                        g.add_(v)
                step(grads)
            bad = (~torch.isfinite(rec_loss[done:stop])).nonzero()
            if bad.numel():
                diverged_at = done + int(bad[0, 0]) + 1
            done = stop
    return diverged_at
