"""Home's chart in words and in a table, generated from the numbers it draws."""

from __future__ import annotations

import pandas as pd

from thermo_core.numbers import fmt


def _line(w: float, b: float) -> str:
    sign = "−" if b < 0 else "+"
    return f"t_c = {fmt(w, 3)} · t_u {sign} {fmt(abs(b), 2)}"


def fit_description(w: float, b: float, mse: float, best: tuple[float, float, float] | None) -> str:
    """The fit chart for the line (w, b): what it shows and how far the line is off.

    ``best`` is (w, b, MSE) of the least-squares line once it is revealed, else None.
    """
    out = (f"Scatter of the 11 readings, t_u against t_c in °C, with your line {_line(w, b)} "
           f"(solid) and a red bar from each reading to the line; its MSE is {fmt(mse)}.")
    if best is not None:
        out += (f" The least-squares line {_line(best[0], best[1])} (dashed) has MSE "
                f"{fmt(best[2])}.")
    return out


def fit_table(t_u: list[float], t_c: list[float], w: float, b: float) -> pd.DataFrame:
    """Each reading, your line's prediction and the residual drawn as a red bar."""
    pred = [w * u + b for u in t_u]
    return pd.DataFrame({"t_u": t_u, "t_c (°C)": t_c, "your prediction (°C)": pred,
                         "residual (°C)": [p - c for p, c in zip(pred, t_c, strict=True)]})


CLOSE_ENOUGH = 1.0
"""Mean difference (degrees) below which the closest known scale is named as the unit."""


def unit_verdict(n: int, name: str, mean_abs: float) -> str:
    """What the fitted conversion says about the thermometer's unit, for ``n`` readings."""
    if mean_abs < CLOSE_ENOUGH:
        return f"That is the noise of {n} hand-written readings: the thermometer reads **{name}**."
    return ("That is more than reading noise: no scale we know fits, so this thermometer has "
            "a scale of its own.")
