"""How good is a given line? Scores the Home page shows while the learner fits by hand."""

from __future__ import annotations

import math
from dataclasses import dataclass

from torch import Tensor

from .losses import model, mse_loss
from .surface import optimal_params


@dataclass(frozen=True)
class LineScore:
    """The MSE of a line, its square root in °C, and how far it is above the best line."""

    mse: float
    rmse: float
    excess: float


def score_line(t_u: Tensor, t_c: Tensor, w: float, b: float) -> LineScore:
    """Score t_c ≈ w·t_u + b on the readings (MSE in the data's dtype, as training sees it)."""
    mse = float(mse_loss(model(t_u, w, b), t_c))
    return LineScore(mse, math.sqrt(mse), mse - best_mse(t_u, t_c))


def best_mse(t_u: Tensor, t_c: Tensor) -> float:
    """The smallest MSE any straight line reaches on these readings (float64)."""
    p = optimal_params(t_u, t_c)
    return float(mse_loss(model(t_u.double(), p[0], p[1]), t_c.double()))
