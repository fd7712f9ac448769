"""Sentences of the loss-surface page that quote computed numbers (static prose lives in
content/loss_surface/*.md)."""

from __future__ import annotations

import math
from functools import cache
from pathlib import Path

from thermo_core.numbers import fmt
from ui.divergence.text import factor_text

CONTENT = Path(__file__).resolve().parents[2] / "content" / "loss_surface"


@cache
def text(name: str) -> str:
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
