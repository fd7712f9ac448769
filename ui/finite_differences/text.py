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


def error_description(rows: list[dict], current: dict, wrt: str, best: float, field: str) -> str:
    """The V chart in words: what is drawn, where the learner's setting sits, the bottoms."""
    kind = "relative" if field == "rel_error" else "absolute"
    schemes = sorted({r["scheme"] for r in rows}, key=list(FD.SCHEMES).index)
    here = next((r for r in rows if (r["scheme"], r["dtype"], r["delta"])
                 == (current["scheme"], current["dtype"], current["delta"])), None)
    out = (f"Log–log chart of the {kind} error of the finite-difference estimate of ∂L/∂{wrt} "
           f"against δ from {FD.delta_label(FD.DELTA_MIN)} to {FD.delta_label(FD.DELTA_MAX)}, for "
           f"{', '.join(schemes)} differences in float32 (dashed) and float64 (solid). ")
    if here is not None:
        out += (f"Your setting, {current['scheme']} in {current['dtype']} at δ = "
                f"{here['delta_label']}, has error {here['error_text']}. ")
    for scheme in schemes:
        for dtype in FD.DTYPES:
            mine = [r for r in rows if (r["scheme"], r["dtype"]) == (scheme, dtype)]
            drawn = [r for r in mine if r["outcome"] == "estimate"] or mine
            if drawn:
                low = min(drawn, key=lambda r: r["plot"])
                out += (f"{scheme.capitalize()} {dtype} is lowest, {low['error_text']}, at δ = "
                        f"{low['delta_label']}. ")
    return out + f"The model puts your scheme's bottom at δ ≈ {fmt(best, sig=2)}."


def error_table(rows: list[dict]) -> pd.DataFrame:
    """The V's points as one row per δ and one column per scheme and dtype (errors as drawn)."""
    deltas = sorted({r["delta"] for r in rows})
    by = {(r["scheme"], r["dtype"], r["delta"]): r for r in rows}
    series = sorted({(r["scheme"], r["dtype"]) for r in rows},
                    key=lambda s: (list(FD.SCHEMES).index(s[0]), s[1]))
    table = {"δ": [FD.delta_label(d) for d in deltas]}
    for scheme, dtype in series:
        table[f"{scheme}, {dtype}: error"] = [
            by[(scheme, dtype, d)]["error_text"] if (scheme, dtype, d) in by else "—" for d in deltas]
    return pd.DataFrame(table)


def zoom_description(wrt: str, dtype: str, part, slope64: float, zoom: dict) -> str:
    """The zoom in words: the staircase of the stored loss, the reported and true slopes."""
    steps = len(set(zoom["rounded"]))
    return (f"The loss minus L(p) along {wrt} from {fmt(min(zoom['offset']), sig=3)} to "
            f"{fmt(max(zoom['offset']), sig=3)} around {wrt} = {exact(part.param)}: as {dtype} "
            f"stores it, it takes {steps} distinct values over {len(zoom['rounded'])} samples. The "
            f"{part.scheme} formula reports slope {fmt(part.estimate, 6)}; the true slope (the "
            f"tangent) is {fmt(slope64, 6)}.")


def _digits(rel: float) -> str:
    """Correct significant digits a relative error leaves, in words."""
    if rel == 0:
        return "every digit"
    if rel >= 0.5:
        return "no correct digit"
    n = max(round(-math.log10(rel)), 1)
    return f"about {n} significant digit{'s' if n != 1 else ''}"


def _versus(other: float, fd: float) -> str:
    """How a method's relative error compares with the finite difference's."""
    if other == fd:
        return "exactly as close"
    if other == 0:
        return "exact"
    if fd == 0 or other > fd:
        ratio = math.inf if fd == 0 else other / fd
        return f"{_ratio(ratio)}× further off" if math.isfinite(ratio) else "further off"
    return f"{_ratio(fd / other)}× closer"


def _ratio(x: float) -> str:
    """A ratio to two significant digits (9.1e6, not 9,061,724)."""
    return fmt(float(f"{x:.2g}"), sig=2)


def accuracy_summary(table: pd.DataFrame) -> str:
    """One sentence on how close each method got, generated from a :func:`gradient_comparison`.

    It quotes the finite difference's relative errors (and the digits they leave) and says
    how much closer or further analytic and autograd are, per parameter, so no claim on the
    page can disagree with the table beside it.
    """
    rel = {(r.method, r.wrt): float(r.rel_error) for r in table.itertuples()}
    fd = [f"{fmt(rel['finite difference', p], sig=2)} in ∂L/∂{p} ({_digits(rel['finite difference', p])})"
          for p in FD.WRT]
    parts = [
        f"{m} is {_versus(rel[m, 'w'], rel['finite difference', 'w'])} for ∂L/∂w and "
        f"{_versus(rel[m, 'b'], rel['finite difference', 'b'])} for ∂L/∂b"
        for m in ("analytic", "autograd")
    ]
    return (
        f"The finite difference is off by a relative {fd[0]} and {fd[1]}. "
        f"Against it, {parts[0]}; {parts[1]}."
    )
