"""The optimizer page's "Show the PyTorch code": the chapter's training loop with each
chosen torch.optim class and the page's settings, printing the results table's numbers."""

from __future__ import annotations

import thermo_core as tc
from ui.codegen import floats, which

INPUTS = {
    "none": "t_u",
    "scale": "0.1 * t_u",
    "standardize": "(t_u - t_u.mean()) / t_u.std()",
}
TO_RAW = {
    "none": "w, b",
    "scale": "0.1 * w, b",
    "standardize": "w / t_u.double().std(), b - w * t_u.double().mean() / t_u.double().std()",
}


def _make(settings: dict) -> str:
    kw = {k: v for k, v in settings.items() if k != "optimizer"}
    args = ", ".join(f"{k}={v!r}" for k, v in kw.items())
    return f"lambda p: torch.optim.{settings['optimizer']}(p, {args})"


def script(data: tc.Readings, mode: str, runs: list[tuple[str, dict, int]]) -> str:
    """A self-contained script training each (name, settings, epochs) from w = 1, b = 0.

    For each it prints ``<name>_loss`` (the loss before the last update, as the page's
    table), ``<name>_within_1pct_at`` (first epoch within 1% of the least-squares loss,
    or never), ``<name>_distance`` (to the least-squares w, b in raw units) and
    ``<name>_diverged_at``.
    """
    calls = "\n".join(f"report({name!r}, {_make(s)}, {epochs})" for name, s, epochs in runs)
    return f'''# %% Data: {which(data)}, and the inputs x the normalization makes of them.
import math

import torch

t_c = torch.tensor({floats(data.values()[1])})
t_u = torch.tensor({floats(data.values()[0])})
x = {INPUTS[mode]}


# %% Model: a straight line, w · x + b.
def model(x, w, b):
    return w * x + b


# %% Loss: the mean of the squared misses (the MSE).
def loss_fn(t_p, t_c):
    return ((t_p - t_c) ** 2).mean()


# %% Target: the least-squares line, solved exactly in float64, that every optimizer chases.
A = torch.stack([x.double(), torch.ones(len(x), dtype=torch.float64)], dim=1)
best_w, best_b = torch.linalg.lstsq(A, t_c.double().unsqueeze(1)).solution.flatten().tolist()
best_loss = loss_fn(model(x.double(), best_w, best_b), t_c.double()).item()


# %% Training: the chapter's loop with a torch.optim optimizer, from w = 1, b = 0.
def to_raw(w, b):
    return {TO_RAW[mode]}


def train(make_optimizer, epochs, curve):
    params = torch.tensor([1.0, 0.0], requires_grad=True)
    optimizer = make_optimizer([params])

    def closure():
        optimizer.zero_grad()
        loss = loss_fn(model(x, *params), t_c)
        loss.backward()
        return loss

    reached = None
    for epoch in range(1, epochs + 1):
        loss = closure().item()  # the loss before this epoch's update, as the chapter prints it
        if not math.isfinite(loss):
            return loss, params.detach(), reached, epoch
        if reached is None and loss <= best_loss * 1.01:
            reached = epoch
        curve.append(loss)  # for the chart
        if isinstance(optimizer, torch.optim.LBFGS):
            optimizer.step(closure)  # LBFGS evaluates the loss itself, several times per step
        else:
            optimizer.step()
    return loss, params.detach(), reached, None


def report(name, make_optimizer, epochs):
    loss, (w, b), reached, diverged_at = train(make_optimizer, epochs, curves.setdefault(name, []))
    raw_w, raw_b = to_raw(w.double(), b.double())
    distance = math.hypot(raw_w - raw_best[0], raw_b - raw_best[1])
    print(f"{{name}}_loss = {{loss:.6f}}")
    print(f"{{name}}_within_1pct_at = {{reached if reached is not None else 'never'}}")
    print(f"{{name}}_distance = {{distance:.4g}}")
    print(f"{{name}}_diverged_at = {{diverged_at if diverged_at is not None else 'never'}}")


# %% Results: each optimizer's last loss, first epoch within 1% and distance from the target.
curves = {{}}  # name -> loss per epoch
raw_best = to_raw(torch.tensor(best_w, dtype=torch.float64), torch.tensor(best_b, dtype=torch.float64))
{calls}
'''
