"""The MSE as a surface over (w, b): grid values, curvature, the minimum and stability.

For a linear model the MSE is an exact quadratic in (w, b), so its Hessian is constant:
H = 2·[[mean(x²), mean(x)], [mean(x), 1]]. Everything about conditioning and the
largest stable learning rate follows from H's two eigenvalues.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import torch
from torch import Tensor

from .losses import penalty


def optimal_params(t_u: Tensor, t_c: Tensor) -> Tensor:
    """Least-squares [w, b] from the normal equations, computed in float64."""
    x, y = t_u.double(), t_c.double()
    design = torch.stack([x, torch.ones_like(x)], dim=1)
    return torch.linalg.lstsq(design, y.unsqueeze(1)).solution.squeeze(1)


def hessian(t_u: Tensor) -> Tensor:
    """The MSE's Hessian in (w, b), float64. It does not depend on t_c, w or b."""
    x = t_u.double()
    m1, m2 = x.mean(), (x * x).mean()
    one = torch.ones((), dtype=torch.float64)
    return 2 * torch.stack([torch.stack([m2, m1]), torch.stack([m1, one])])


@dataclass(frozen=True)
class Curvature:
    """Eigen-decomposition of the Hessian: what the valley looks like.

    eigenvalues ascend; eigenvectors[:, i] is the unit direction for eigenvalues[i].
    """

    eigenvalues: Tensor
    eigenvectors: Tensor

    @property
    def condition_number(self) -> float:
        """λ_max/λ_min: how much steeper the steepest direction is than the flattest."""
        return float(self.eigenvalues[-1] / self.eigenvalues[0])

    @property
    def critical_lr(self) -> float:
        """2/λ_max: plain gradient descent diverges at any larger learning rate."""
        return float(2.0 / self.eigenvalues[-1])


def curvature(t_u: Tensor) -> Curvature:
    """Eigenvalues (ascending) and eigenvectors of the MSE Hessian for inputs t_u."""
    vals, vecs = torch.linalg.eigh(hessian(t_u))
    return Curvature(vals, vecs)


def critical_lr(t_u: Tensor) -> float:
    """Largest learning rate at which plain gradient descent on the MSE converges: 2/λ_max.

    Along an eigen-direction with curvature λ a step multiplies the error by (1 - lr·λ),
    which shrinks only while |1 - lr·λ| < 1, i.e. lr < 2/λ.
    """
    return curvature(t_u).critical_lr


def loss_grid(
    t_u: Tensor,
    t_c: Tensor,
    w_range: tuple[float, float],
    b_range: tuple[float, float],
    steps: int = 100,
    loss: str = "mse",
    huber_delta: float = 1.0,
) -> pd.DataFrame:
    """Loss on a steps×steps grid over w_range × b_range; columns w, b, loss.

    ``loss`` is "mse" (the default), "l1" or "huber" (with ``huber_delta``).

    Vectorised by broadcasting a [steps, steps, n] prediction tensor, computed in
    float64 so deep valleys are not lost to rounding.
    """
    if steps < 2:
        raise ValueError("steps must be at least 2")
    ws = torch.linspace(w_range[0], w_range[1], steps, dtype=torch.float64)
    bs = torch.linspace(b_range[0], b_range[1], steps, dtype=torch.float64)
    wg, bg = torch.meshgrid(ws, bs, indexing="ij")
    x, y = t_u.double(), t_c.double()
    t_p = wg.unsqueeze(-1) * x + bg.unsqueeze(-1)
    values = penalty(t_p - y, loss, huber_delta).mean(-1)
    return pd.DataFrame(
        {
            "w": wg.reshape(-1).numpy(),
            "b": bg.reshape(-1).numpy(),
            "loss": values.reshape(-1).numpy(),
        }
    )
