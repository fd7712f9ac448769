"""The linear model and the three loss shapes the app compares.

Each loss is the mean of a per-residual penalty; the penalties are exposed too so a
page can draw what each one charges for a single error.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import Tensor

from .checks import check_choice

LOSSES: tuple[str, ...] = ("mse", "l1", "huber")


def model(t_u: Tensor, w: float | Tensor, b: float | Tensor) -> Tensor:
    """The chapter's model: predicted Celsius t_p = w·t_u + b."""
    return w * t_u + b


def mse_loss(t_p: Tensor, t_c: Tensor) -> Tensor:
    """Mean squared error, the chapter's loss: mean((t_p - t_c)²)."""
    squared_diffs = (t_p - t_c) ** 2
    return squared_diffs.mean()


def l1_loss(t_p: Tensor, t_c: Tensor) -> Tensor:
    """Mean absolute error: mean(|t_p - t_c|). Its slope jumps at zero residual."""
    return (t_p - t_c).abs().mean()


def huber_loss(t_p: Tensor, t_c: Tensor, delta: float = 1.0) -> Tensor:
    """Huber loss: quadratic for |residual| ≤ delta, linear beyond (mean over points)."""
    return F.huber_loss(t_p, t_c, reduction="mean", delta=delta)


def penalty(residual: Tensor, loss: str = "mse", delta: float = 1.0) -> Tensor:
    """What one loss charges for each residual r = t_p - t_c, elementwise."""
    if loss == "mse":
        return residual**2
    if loss == "l1":
        return residual.abs()
    if loss == "huber":
        a = residual.abs()
        return torch.where(a <= delta, 0.5 * residual**2, delta * (a - 0.5 * delta))
    check_choice("loss", loss, LOSSES)
    raise AssertionError("unreachable")


def penalty_slope(residual: Tensor, loss: str = "mse", delta: float = 1.0) -> Tensor:
    """d(penalty)/dr, elementwise; for L1 at r = 0 it returns 0 (the subgradient torch uses)."""
    if loss == "mse":
        return 2 * residual
    if loss == "l1":
        return torch.sign(residual)
    if loss == "huber":
        return torch.clamp(residual, -delta, delta)
    check_choice("loss", loss, LOSSES)
    raise AssertionError("unreachable")


def loss_fn(name: str, delta: float = 1.0) -> Callable[[Tensor, Tensor], Tensor]:
    """Look up a loss by name ("mse", "l1", "huber")."""
    if name == "mse":
        return mse_loss
    if name == "l1":
        return l1_loss
    if name == "huber":
        return lambda t_p, t_c: huber_loss(t_p, t_c, delta)
    check_choice("loss", name, LOSSES)
    raise AssertionError("unreachable")
