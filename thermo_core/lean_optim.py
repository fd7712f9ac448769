"""``training.train``'s epochs for the line, compiled: torch.optim's updates without the GIL.

Why: the optimizer page races several ``torch.optim`` optimizers for up to 5000 epochs on
every change, in a server process that a whole class shares. Each small tensor operation
releases Python's GIL and must win it back, and beside other sessions' Python each win
waits up to the switch interval (see ``ui.server``):
1000 epochs of Adam took 0.03 s alone and 11 s beside one busy thread. Here the epochs
run in TorchScript, which releases the GIL once per chunk of epochs.

The numbers are ``torch.optim``'s, bit for bit: each update below is the single-tensor
code of that class (what ``torch.optim`` runs on CPU by default), in its order, with its
defaults read from the optimizer object ``train`` built; ``tests/test_lean_optim.py``
compares every history value, state and parameter with the real classes. Adam's update,
:func:`adam_`, is also the one ``thermo_core.model_training``'s lean loop steps with: the
fast path has one Adam. A schedule's rates do not depend on the training
(ReduceLROnPlateau's do, and keeps the Python loop), so ``train`` works them out first and
passes one per epoch. Settings this module does not reproduce (weight decay on SGD,
centered RMSprop, amsgrad, LBFGS, ...) keep ``train``'s Python loop too.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor

from . import compiled

CODES = {"manual": 0, "SGD": 1, "Adam": 2, "AdamW": 3, "Adagrad": 4, "RMSprop": 5,
         "Adadelta": 6, "NAdam": 7, "RAdam": 8}
"""Optimizers this module runs; the code selects the update in ``line_epochs``."""

STATE_KEYS: dict[str, tuple[str, ...]] = {
    "manual": (), "SGD": (), "Adam": ("step", "exp_avg", "exp_avg_sq"),
    "AdamW": ("step", "exp_avg", "exp_avg_sq"), "Adagrad": ("step", "sum"),
    "RMSprop": ("step", "square_avg"), "Adadelta": ("step", "square_avg", "acc_delta"),
    "NAdam": ("step", "mu_product", "exp_avg", "exp_avg_sq"),
    "RAdam": ("step", "exp_avg", "exp_avg_sq"),
}
"""``optimizer.state`` keys in the order torch creates them (SGD with momentum adds
``momentum_buffer``)."""


def plan(name: str,
         opt: torch.optim.Optimizer | None) -> tuple[int, list[float], list[str]] | None:
    """(code, hyperparameters, state keys) if this module can run ``opt`` exactly, else None.

    ``opt`` is the optimizer ``train`` built (None for "manual"); only its defaults are read.
    """
    if name == "manual":
        return CODES[name], [], []
    if name not in CODES or opt is None:
        return None
    d = opt.defaults
    if any(d.get(k) for k in ("maximize", "differentiable", "capturable", "fused", "foreach")):
        return None  # torch.optim's other code paths, not the single-tensor one
    if name == "SGD":
        if d["weight_decay"] or d["dampening"]:
            return None
        keys = ["momentum_buffer"] if d["momentum"] else []
        return CODES[name], [float(d["momentum"]), float(bool(d["nesterov"]))], keys
    if name in ("Adam", "AdamW"):
        if d["amsgrad"] or d["decoupled_weight_decay"] != (name == "AdamW"):
            return None
        b1, b2 = d["betas"]
        return CODES[name], [float(b1), float(b2), float(d["weight_decay"]), float(d["eps"])], \
            list(STATE_KEYS[name])
    if name == "Adagrad":
        if d["initial_accumulator_value"]:
            return None
        return CODES[name], [float(d["lr_decay"]), float(d["weight_decay"]), float(d["eps"])], \
            list(STATE_KEYS[name])
    if d.get("weight_decay"):
        return None
    if name == "RMSprop":
        if d["momentum"] or d["centered"]:
            return None
        return CODES[name], [float(d["alpha"]), float(d["eps"])], list(STATE_KEYS[name])
    if name == "Adadelta":
        return CODES[name], [float(d["rho"]), float(d["eps"])], list(STATE_KEYS[name])
    if d.get("decoupled_weight_decay"):
        return None
    b1, b2 = d["betas"]
    hyper = [float(b1), float(b2), float(d["eps"])]
    if name == "NAdam":
        hyper.append(float(d["momentum_decay"]))
    return CODES[name], hyper, list(STATE_KEYS[name])


def new_state(keys: list[str], p: Tensor) -> list[Tensor]:
    """The state tensors as torch creates them: a float32 ``step`` 0, ``mu_product`` 1,
    the rest zeros like the parameters."""
    out = []
    for key in keys:
        if key == "step":
            out.append(torch.tensor(0.0, dtype=torch.float32))
        elif key == "mu_product":
            out.append(torch.ones((), dtype=torch.float32))
        else:
            out.append(torch.zeros_like(p, memory_format=torch.preserve_format))
    return out


def adam_(param: Tensor, grad: Tensor, exp_avg: Tensor, exp_avg_sq: Tensor, step: float,
          lr: float, beta1: float, beta2: float, eps: float, weight_decay: float,
          decoupled: bool) -> None:
    """``torch.optim.Adam``'s single-tensor update of one parameter (AdamW's with
    ``decoupled``), in its order: step ``step`` (counted from 1), averages updated in place."""
    if weight_decay != 0:
        if decoupled:
            param.mul_(1 - lr * weight_decay)
        else:
            grad = grad.add(param, alpha=weight_decay)
    exp_avg.lerp_(grad, 1 - beta1)
    exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
    step_size = lr / (1 - beta1**step)
    bias_correction2_sqrt = (1 - beta2**step) ** 0.5
    denom = (exp_avg_sq.sqrt() / bias_correction2_sqrt).add_(eps)
    param.addcdiv_(exp_avg, denom, value=-step_size)


@compiled.hot("lean_optim")
def line_epochs(code: int, p: Tensor, design: Tensor, neg_y: Tensor, grad_map: Tensor,
                param_hist: Tensor, grad_hist: Tensor, start: int, stop: int,
                lrs: list[float], hyper: list[float], state: list[Tensor],
                record: list[bool]) -> tuple[Tensor, list[Tensor]]:
    """Epochs ``start``..``stop - 1`` of ``train``'s loop, updating ``state``'s tensors in place.

    Returns the parameters (a new tensor for "manual", ``p`` itself otherwise) and, for each
    epoch with ``record`` set, the step taken followed by a copy of every state tensor.
    lrs: the learning rate of every epoch (a schedule's, worked out beforehand).
    """
    recorded: list[Tensor] = []
    for i in range(start, stop):
        lr = lrs[i]
        param_hist[i].copy_(p)
        r = torch.addmv(neg_y, design, p)
        g = torch.mv(grad_map, r, out=grad_hist[i])
        if code == 0:
            p = p - lr * g
        elif code == 1:
            if hyper[0] != 0.0:
                buf = state[0]
                if i == 0:
                    buf.copy_(g)
                else:
                    buf.mul_(hyper[0]).add_(g, alpha=1.0)
                step_dir = g.add(buf, alpha=hyper[0]) if hyper[1] != 0.0 else buf
                p.add_(step_dir, alpha=-lr)
            else:
                p.add_(g, alpha=-lr)
        elif code == 2 or code == 3:  # its step count goes into state[0] when it is read
            adam_(p, g, state[1], state[2], float(i + 1), lr, hyper[0], hyper[1], hyper[3],
                  hyper[2], code == 3)
        elif code == 4:
            state[0].add_(1)
            if hyper[1] != 0:
                g = g.add(p, alpha=hyper[1])
            clr = lr / (1 + (state[0].item() - 1) * hyper[0])
            state[1].addcmul_(g, g, value=1)
            std = state[1].sqrt().add_(hyper[2])
            p.addcdiv_(g, std, value=-clr)
        elif code == 5:
            state[0].add_(1)
            square_avg = state[1]
            square_avg.mul_(hyper[0]).addcmul_(g, g, value=1 - hyper[0])
            avg = square_avg.sqrt().add_(hyper[1])
            p.addcdiv_(g, avg, value=-lr)
        elif code == 6:
            state[0].add_(1)
            square_avg, acc_delta = state[1], state[2]
            rho, eps = hyper[0], hyper[1]
            square_avg.mul_(rho).addcmul_(g, g, value=1 - rho)
            std = square_avg.add(eps).sqrt_()
            delta = acc_delta.add(eps).sqrt_()
            delta.div_(std).mul_(g)
            acc_delta.mul_(rho).addcmul_(delta, delta, value=1 - rho)
            p.add_(delta, alpha=-lr)
        elif code == 7:
            beta1, beta2, eps, momentum_decay = hyper[0], hyper[1], hyper[2], hyper[3]
            state[0].add_(1)
            step = state[0].item()
            mu_product, exp_avg, exp_avg_sq = state[1], state[2], state[3]
            bias_correction2 = 1 - beta2**step
            mu = beta1 * (1.0 - 0.5 * (0.96 ** (step * momentum_decay)))
            mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((step + 1) * momentum_decay)))
            mu_product.mul_(mu)
            exp_avg.lerp_(g, 1 - beta1)
            exp_avg_sq.mul_(beta2).addcmul_(g, g, value=1 - beta2)
            denom = exp_avg_sq.div(bias_correction2).sqrt()
            mu_product_next = mu_product.item() * mu_next
            denom.add_(eps)
            p.addcdiv_(g, denom, value=(-lr * (1.0 - mu) / (1.0 - mu_product.item())))
            p.addcdiv_(exp_avg, denom, value=(-lr * mu_next) / (1.0 - mu_product_next))
        else:
            beta1, beta2, eps = hyper[0], hyper[1], hyper[2]
            state[0].add_(1)
            step = state[0].item()
            exp_avg, exp_avg_sq = state[1], state[2]
            exp_avg.lerp_(g, 1 - beta1)
            exp_avg_sq.mul_(beta2).addcmul_(g, g, value=1 - beta2)
            bias_correction1 = 1 - beta1**step
            bias_correction2 = 1 - beta2**step
            corrected = exp_avg / bias_correction1
            rho_inf = 2 / (1 - beta2) - 1
            rho_t = rho_inf - 2 * step * (beta2**step) / bias_correction2
            if rho_t > 5.0:
                # Tensor.__rtruediv__ is reciprocal() * other
                adaptive = exp_avg_sq.sqrt().add_(eps).reciprocal() * (bias_correction2**0.5)
                rect = ((rho_t - 4) * (rho_t - 2) * rho_inf
                        / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
                p.add_(corrected * lr * adaptive * rect, alpha=-1.0)
            else:
                p.add_(corrected * lr, alpha=-1.0)
        if record[i]:
            if code == 2 or code == 3:
                state[0].fill_(float(i + 1))
            recorded.append(p - param_hist[i])
            for s in state:
                recorded.append(s.clone())
    return p, recorded


def compiled_loop() -> Callable:
    """``line_epochs``, compiled if TorchScript can (see ``thermo_core.compiled``)."""
    return compiled.script(line_epochs)
