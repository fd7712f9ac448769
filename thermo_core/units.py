"""Reading the fitted line backwards: which temperature scale is the thermometer in?

The model says t_c = w·t_u + b, so t_u = t_c/w - b/w: a scale factor and an offset
we can compare with the known temperature scales.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor


@dataclass(frozen=True)
class Unit:
    """A temperature scale as reading = factor·Celsius + offset."""

    name: str
    factor: float
    offset: float


KNOWN_UNITS: tuple[Unit, ...] = (
    Unit("Celsius", 1.0, 0.0),
    Unit("Fahrenheit", 1.8, 32.0),
    Unit("Kelvin", 1.0, 273.15),
    Unit("Rankine", 1.8, 491.67),
    Unit("Réaumur", 0.8, 0.0),
)


def conversion_from_fit(params: Tensor) -> tuple[float, float]:
    """(factor, offset) with t_u ≈ factor·t_c + offset, from fitted raw [w, b]."""
    w, b = float(params[0]), float(params[1])
    if w == 0.0:
        raise ValueError("w = 0 cannot be inverted: the line is flat")
    return 1.0 / w, -b / w


def closest_unit(factor: float, offset: float, t_c: Tensor | None = None) -> tuple[Unit, float]:
    """The known unit whose readings differ least from factor·t_c + offset.

    The gap is the root-mean-square difference in readings over the Celsius values
    ``t_c`` (by default -10 to 40 °C), so factor and offset are weighed in degrees.
    Returns (unit, gap).
    """
    temps = torch.linspace(-10.0, 40.0, 51, dtype=torch.float64) if t_c is None else t_c.double()
    ours = factor * temps + offset
    scored = []
    for unit in KNOWN_UNITS:
        gap = float(((unit.factor * temps + unit.offset - ours) ** 2).mean().sqrt())
        scored.append((gap, unit))
    gap, unit = min(scored, key=lambda s: s[0])
    return unit, gap
