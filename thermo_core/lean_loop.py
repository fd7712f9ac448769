"""The book's training loop without Python around it: same tensor operations, same bits.

Why: the overfitting page trains a fresh model for every new setting, and a class of 30
shares one server process. In ``train_model``'s literal loop (module calls,
``loss.backward()``, ``torch.optim``'s ``step``) every one of ~40 tiny tensor operations
per epoch releases Python's GIL and must win it back. When other sessions' scripts are
running Python, each win waits for their switch interval (5 ms): measured here, a 0.11 s
training took 253 s beside one busy Python thread. This loop

- computes the same numbers: inputs prepared once (``model.prepare``), forward passes and
  gradients by ``thermo_core.backprop`` (the ATen calls autograd makes), and
  ``torch.optim``'s single-tensor SGD and Adam updates, operation for operation, on each
  parameter tensor; a leaking ``val_loss.backward()`` or a missing ``zero_grad()`` adds
  gradients as ``.grad`` would;
- is compiled once per process with TorchScript (``thermo_core.compiled``) and then runs
  entirely in C++: the GIL is released once for the whole run, so a training uses the
  second core instead of fighting every other session for the first.

``tests/test_lean_loop.py`` trains every model kind both ways and asserts ``torch.equal``
on every recorded number, snapshot and parameter.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor, nn

from . import backprop, compiled

LEAN_OPTIMIZERS: tuple[str, ...] = ("SGD", "Adam")
"""Optimizers whose update this loop applies by hand, with torch.optim's defaults (Adam:
betas 0.9, 0.999, eps 1e-8, written into ``epochs_loop``: TorchScript reads no globals)."""


def supports(model: nn.Module, optimizer: str, optimizer_kwargs: dict) -> bool:
    """Whether :func:`run` can train this model with this optimizer (and ``THERMO_FAST_PATH``
    leaves this part of the fast path on)."""
    return (compiled.enabled("lean_loop") and optimizer in LEAN_OPTIMIZERS
            and not optimizer_kwargs and hasattr(model, "BACKPROP_KIND")
            and hasattr(model, "prepare"))


@compiled.hot("lean_loop")
def epochs_loop(kind: int, params: list[Tensor], data: list[Tensor], seeds: list[Tensor],
                has_val: bool, has_holdout: bool, records: list[Tensor], record_wb: bool,
                scored: list[bool], keep: list[bool], epochs: int, chunk: int, adam: bool,
                lr: float, zero_grad: bool, leak: bool) -> tuple[int, list[Tensor]]:
    """Train ``params`` in place; returns (first non-finite epoch or 0, kept snapshots).

    data: x, y, then val x, y and hold-out x, y where present (prepared inputs). seeds:
    ``backprop.mean_seed`` of the training and validation sets. records: loss, then
    val_loss, holdout_loss where present, then [epochs, 2] w, b if ``record_wb``.
    scored[i]/keep[i]: score the hold-out / copy the parameters at epoch i + 1. Values of
    epoch i are taken before its update (the book's numbering); divergence is checked
    every ``chunk`` epochs and the run goes on to the chunk's end, as the book loop does.
    """
    x, y = data[0], data[1]
    rec_loss = records[0]
    rec_val = records[1] if has_val else rec_loss
    rec_hold = records[2 if has_val else 1] if has_holdout else rec_loss
    rec_wb = records[len(records) - 1]
    beta1, beta2 = 0.9, 0.999
    avgs = [torch.zeros_like(p) for p in params]
    sqs = [torch.zeros_like(p) for p in params]
    total = [torch.zeros_like(p) for p in params]  # .grad when zero_grad() is never called
    snapshots: list[Tensor] = []
    diverged = 0
    done = 0
    while done < epochs and diverged == 0:
        stop = min(done + chunk, epochs)
        for i in range(done, stop):
            if record_wb:
                rec_wb[i] = params[0]
            if keep[i]:
                snapshots.append(torch.cat([p.reshape(-1) for p in params]))
            loss, grads = backprop.loss_and_grads(kind, x, y, seeds[0], params)
            rec_loss[i] = loss
            val_grads: list[Tensor] = []
            if leak:
                val_loss, val_grads = backprop.loss_and_grads(kind, data[2], data[3], seeds[1],
                                                              params)
                rec_val[i] = val_loss
            elif has_val:
                rec_val[i] = backprop.mse(backprop.forward(kind, data[2], params), data[3])
            if has_holdout and scored[i]:
                k = 4 if has_val else 2
                rec_hold[i] = backprop.mse(backprop.forward(kind, data[k], params), data[k + 1])
            if not zero_grad:  # .grad += this epoch's gradient
                if i == 0:
                    total = grads
                else:
                    for j in range(len(total)):
                        total[j].add_(grads[j])
                grads = total
            if leak:  # the second backward() adds into .grad
                for j in range(len(grads)):
                    grads[j].add_(val_grads[j])
            if adam:  # torch.optim.Adam's single-tensor update, in its order
                step = float(i + 1)
                step_size = lr / (1 - beta1**step)
                bias_correction2_sqrt = (1 - beta2**step) ** 0.5
                for j in range(len(params)):
                    avgs[j].lerp_(grads[j], 1 - beta1)
                    sqs[j].mul_(beta2).addcmul_(grads[j], grads[j], value=1 - beta2)
                    denom = (sqs[j].sqrt() / bias_correction2_sqrt).add_(1e-8)
                    params[j].addcdiv_(avgs[j], denom, value=-step_size)
            else:
                for j in range(len(params)):
                    params[j].add_(grads[j], alpha=-lr)
        bad = (~torch.isfinite(rec_loss[done:stop])).nonzero()
        if bad.numel() > 0:
            diverged = done + int(bad[0, 0]) + 1
        done = stop
    return diverged, snapshots


def compiled_loop() -> Callable:
    """``epochs_loop``, compiled if TorchScript can (see ``thermo_core.compiled``)."""
    return compiled.script(epochs_loop)


def predictions(model: nn.Module, vectors: list[Tensor], t_u: Tensor) -> list[Tensor]:
    """``model(t_u)`` at each flat parameter vector (e.g. ``ModelRun.snapshots``), computed
    like ``model.apply_prepared`` and compiled, so the GIL is released once for them all
    (plain Python where this part of the fast path is off or fails)."""
    plain = backprop.forward_each
    loop = compiled.script(plain) if compiled.enabled("lean_loop") else plain
    args = (model.BACKPROP_KIND, vectors, [list(p.shape) for p in model.parameters()],
            model.prepare(t_u).contiguous())
    with compiled.running():
        if loop is plain:
            return plain(*args)
        try:
            return loop(*args)
        except Exception as exc:
            compiled.fell_back("lean_loop.predictions", exc, "it ran as plain Python")
            return plain(*args)


def run(model: nn.Module, optimizer: str, lr: float, sets: dict[str, tuple[Tensor, Tensor]],
        record: dict[str, Tensor], wb: Tensor | None, epochs: int, zero_grad: bool,
        leak: bool, keep: tuple[set[int], dict[int, Tensor]], scored: set[int] | None,
        chunk: int) -> tuple[int | None, str]:
    """``models._loop``'s contract: fills ``record``/``wb``/``keep``, trains ``model`` in place;
    returns the first epoch whose training loss is not finite (checked every ``chunk``) and
    the engine that ran ("compiled" or "python", see ``training.ENGINES``)."""
    params = [p.detach() for p in model.parameters()]
    data, seeds, records = [], [], [record["loss"]]
    for name, (x, y) in sets.items():
        data += [model.prepare(x.detach()).contiguous(), y.detach()]
        if name != "holdout_loss":
            seeds.append(backprop.mean_seed(len(y), y.dtype))
        if name != "loss":
            records.append(record[name])
    if wb is not None:
        records.append(wb)
    keep_at = [i + 1 in keep[0] for i in range(epochs)]
    score = [scored is None or i + 1 in scored for i in range(epochs)]
    loop = compiled_loop()
    with compiled.running():
        diverged, snaps = loop(model.BACKPROP_KIND, params, data, seeds, "val_loss" in sets,
                               "holdout_loss" in sets, records, wb is not None, score, keep_at,
                               epochs, chunk, optimizer == "Adam", float(lr), zero_grad, leak)
    kept = sorted(keep[0] & set(range(1, epochs + 1)))
    keep[1].update(zip(kept, snaps, strict=False))
    return diverged or None, compiled.engine(epochs_loop, loop)
