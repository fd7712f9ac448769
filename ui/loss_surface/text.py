"""The loss-surface page's words: its charts in words and in tables, the sentences that
quote computed numbers, and the static prose of content/loss_surface/*.md."""

from __future__ import annotations

import math
from functools import cache
from pathlib import Path

import pandas as pd

from thermo_core.numbers import fmt
from ui.divergence.text import factor_text

CONTENT = Path(__file__).resolve().parents[2] / "content" / "loss_surface"

COARSE = 6
"""The surface table keeps every 6th grid row and column: 10 × 10 of the 60 × 60 cells."""


def coarse_grid(grid: pd.DataFrame, every: int = COARSE) -> pd.DataFrame:
    """Every ``every``-th w and b of the heatmap's grid, as w, b, loss rows."""
    ws = sorted(grid["w"].unique())[::every]
    bs = sorted(grid["b"].unique())[::every]
    keep = grid[grid["w"].isin(ws) & grid["b"].isin(bs)]
    return keep[["w", "b", "loss"]].sort_values(["b", "w"]).reset_index(drop=True)


def marks_table(point: tuple[float, float], loss: float, grad: tuple[float, float],
                best: tuple[float, float], best_loss: float,
                lowest: tuple[float, float, float] | None) -> pd.DataFrame:
    """The marked points of the heatmap: the current point, the minimum, the lowest cell."""
    rows = [("your point (red dot)", *point, loss, *grad),
            ("least-squares minimum (diamond)", *best, best_loss, math.nan, math.nan)]
    if lowest is not None:
        rows.append(("lowest cell of this loss (square)", *lowest, math.nan, math.nan))
    return pd.DataFrame(rows, columns=["point", "w", "b", "loss", "∂L/∂w", "∂L/∂b"])


def surface_description(name: str, w_range: tuple[float, float], b_range: tuple[float, float],
                        best: tuple[float, float], best_loss: float,
                        lowest: tuple[float, float, float] | None) -> str:
    """The heatmap in one paragraph: its window, the minimum, the lowest cell.

    It leaves out the point on purpose: Streamlit rebuilds a chart whose description
    changed, and a click on this heatmap otherwise only swaps two tiny datasets (measured
    ×3 redraw time with the point in the description). The point's loss and gradient are
    the metrics beside the chart and the first row of its numbers table.
    """
    out = (f"Heatmap of the {name} over w from {fmt(w_range[0], 3)} to {fmt(w_range[1], 3)} and "
           f"b from {fmt(b_range[0], 2)} to {fmt(b_range[1], 2)}, colours on a log scale, dark is "
           f"low; a red dot marks your point and a red arrow points downhill. The least-squares "
           f"minimum (diamond) is at w = {fmt(best[0])}, b = {fmt(best[1], 3)}, MSE "
           f"{fmt(best_loss)}.")
    if lowest is not None:
        out += (f" The lowest grid cell of the {name} (square) is at w ≈ {fmt(lowest[0], 3)}, "
                f"b ≈ {fmt(lowest[1], 2)}, loss {fmt(lowest[2])}.")
    return out + " Dashed lines: the MSE Hessian's flattest and steepest directions."


def fit_description(x_title: str, x: list[float], t_c: list[float], w: float, b: float) -> str:
    """The small fit chart: the line for the point and its largest miss."""
    r = [w * u + b - c for u, c in zip(x, t_c, strict=True)]
    worst = max(r, key=abs)
    return (f"The 11 readings against {x_title} with the line t_c = {fmt(w)} · x + {fmt(b, 3)} "
            f"and its residuals, from {fmt(min(r), 2)} to {fmt(max(r), 2)} °C; the largest miss is "
            f"{fmt(worst, 2)} °C.")


def slice_description(param: str, name: str, curve: pd.DataFrame, at: float, loss: float,
                      slope: float, fixed: str) -> str:
    """One slice: the loss along one parameter, its lowest point and the tangent's slope."""
    low = curve.loc[curve["loss"].idxmin()]
    return (f"The {name} along {param} from {fmt(curve['value'].iloc[0])} to "
            f"{fmt(curve['value'].iloc[-1])} with {fixed}: lowest, {fmt(float(low['loss']))}, at "
            f"{param} = {fmt(float(low['value']))}. At your {param} = {fmt(at)} the loss is "
            f"{fmt(loss)} and the dashed tangent has slope {fmt(slope)}.")


def penalty_description(name: str, dots: pd.DataFrame) -> str:
    """The penalty panel: the three losses' shapes and this line's residuals on them."""
    return (f"What MSE (solid), L1 (dashed) and Huber (dotted) charge one residual r, the "
            f"{name} drawn thickest. The 11 residuals of your line, from "
            f"{fmt(float(dots['r'].min()), 2)} to {fmt(float(dots['r'].max()), 2)}, are dots on "
            f"the {name} with penalties up to {fmt(float(dots['penalty'].max()))}; their mean is "
            "the loss.")


@cache
def prose(name: str) -> str:
    """The static prose ``content/loss_surface/<name>.md`` (read once per process)."""
    return (CONTENT / f"{name}.md").read_text(encoding="utf-8")


def float32_caption(l32: float, gw32: float, gb32: float, in_order: float, start: bool) -> str:
    """The float32 values beside the float64 metrics, and why the book printed other digits.

    ``in_order``: the float32 loss with the penalties added left to right, as the PyTorch the
    book ran on did. ``start``: the point is the chapter's start on raw readings with the MSE,
    where the book's notebook printed its loss.
    """
    out = (f"Computed in float64. In float32, as the code panel runs it, today's PyTorch gives "
           f"{fmt(l32)}, {fmt(gw32)} and {fmt(gb32)}. Added one by one, left to right, as the "
           f"PyTorch the book ran on did, the float32 loss is {fmt(in_order)}")
    if start:
        out += f", the tensor({fmt(in_order, thousands=False)}) the book's notebook printed here"
    return out + (". float32 keeps about 7 significant digits, so its last digits depend on the "
                  "order of the additions.")


def rate_sentence(input_name: str, kappa: float) -> str:
    """What the condition number κ means for plain gradient descent, with its numbers."""
    edge = 1 - 2 / kappa
    best = (kappa - 1) / (kappa + 1)
    tenfold = math.log(10) / -math.log(best) if 0 < best < 1 else math.inf
    pace = ("so each step shrinks the distance more than tenfold" if tenfold < 1 else
            f"so it takes about {fmt(float(f'{tenfold:.3g}'), 0)} steps to shrink the distance "
            "tenfold")
    return (f"With {input_name} as input, κ = {fmt(kappa, 1)}. Just below the largest stable "
            f"rate 2/λ_max the flattest direction is multiplied by 1 − 2/κ = "
            f"{factor_text(edge)} per step{', flipping side each time' if edge < 0 else ''}. "
            f"The best single rate 2/(λ_min + λ_max) multiplies both directions' distances by "
            f"(κ − 1)/(κ + 1) = {factor_text(best)} in size per step (the steep one flipping "
            f"side), {pace}.")
