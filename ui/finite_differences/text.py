"""Narrow tables and sentences for the Finite differences page, generated from its numbers.

Every number goes through :func:`thermo_core.numbers.fmt`, so none wraps mid-number or
prints thirty digits; every sentence that quotes a number is built from that number.
"""

from __future__ import annotations

import math

import pandas as pd

from thermo_core.lessons import finite_differences as FD
from thermo_core.numbers import fmt


def exact(x: float) -> str:
    """Every digit of the stored number (as many as repr needs), in the page's notation."""
    mantissa = repr(float(x)).split("e")[0]
    digits = mantissa.replace("-", "").replace(".", "").lstrip("0")
    return fmt(x, sig=max(len(digits), 1)) if math.isfinite(x) else fmt(x)


def gradient_table(table: pd.DataFrame, wrt: str) -> pd.DataFrame:
    """One parameter's three gradients and the reference: three narrow columns of text."""
    rows = table[table["wrt"] == wrt]
    return pd.DataFrame(
        {
            "method": rows["method"].tolist(),
            f"∂L/∂{wrt}": [fmt(v, 6) for v in rows["value"]],
            "relative error": [
                "—" if m == "reference" else ("0 (exact)" if e == 0 else fmt(e, sig=2))
                for m, e in zip(rows["method"], rows["rel_error"], strict=True)
            ],
        }
    ).set_index("method")


def overflow(bug: dict, delta: float, dtype: str) -> str:
    """Which number of the buggy step passed the dtype's largest, and by how much."""
    top = fmt(FD.largest(dtype), sig=2)
    head = f"It divides a whole loss by 2δ = {fmt(2 * delta, sig=2)}"
    tail = " That is the lesson, not a crash: the bug's size grows like 1/δ."
    for key, name in (("grad_w", "its slope for w"), ("w_new", "the new w"),
                      ("grad_b", "its slope for b"), ("b_new", "the new b")):
        if not math.isfinite(bug[key]):
            return f"{head}, and {name} passes {dtype}'s largest number {top}: it is stored as ∞.{tail}"
    return (
        f"{head}, which throws w to {fmt(bug['w_new'], sig=3)} and b to {fmt(bug['b_new'], sig=3)}. "
        f"There the eleven squared misses add up to about {fmt(bug['squares_exact'], sig=3)}, more "
        f"than {dtype}'s largest number {top}, so the loss is stored as ∞.{tail}"
    )
