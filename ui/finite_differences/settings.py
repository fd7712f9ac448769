"""Finite differences: the controls and presets, declared once.

δ is a choice among the grid's labels ("1e-07", "0.1", "10000"): the URL carries exactly
the label. Every preset's "look for" text that quotes a number is
generated from the numbers the page shows for those settings.
"""

from __future__ import annotations

import thermo_core as tc
from thermo_core.lessons import finite_differences as FD
from thermo_core.numbers import fmt
from ui import readings
from ui.controls import Control, Values, offset_slider, slope_slider
from ui.finite_differences.text import accuracy_summary, gradient_table
from ui.page import Preset

DELTAS: tuple[str, ...] = tuple(FD.delta_label(d) for d in FD.delta_grid())

NUDGE = (
    Control(
        "delta",
        "δ, the nudge (log scale)",
        "select_slider",
        "0.1",
        options=DELTAS,
        help="How far each parameter is moved to probe the loss: 1, 2 and 5 per power of ten, "
        f"from {DELTAS[0]} to {DELTAS[-1]}. The chapter uses 0.1.",
    ),
    Control(
        "scheme",
        "Scheme",
        "radio",
        "central",
        options=tc.SCHEMES,
        help="central: (L(p+δ) − L(p−δ)) / 2δ. forward: (L(p+δ) − L(p)) / δ. "
        "backward: (L(p) − L(p−δ)) / δ.",
    ),
    Control(
        "dtype",
        "Number type",
        "radio",
        "float32",
        options=tuple(tc.DTYPES),
        help="float32 (PyTorch's default) keeps about 7 significant digits; float64 about 16. "
        "Everything on the page, the notes' bug included, runs in this type.",
    ),
    Control(
        "fd_wrt",
        "Chart the error of",
        "radio",
        "w",
        options=FD.WRT,
        labels={"w": "∂L/∂w", "b": "∂L/∂b"},
        help="Which parameter is nudged on the error chart and in the zoom.",
    ),
)
"""How the gradient is estimated: one row above the chart."""
POINT = (
    slope_slider(
        "fd_w",
        "w, where the gradient is taken",
        "The slope parameter of the point (w, b). The chapter starts at w = 1.",
    ),
    offset_slider(
        "fd_b",
        "b, where the gradient is taken",
        "The offset parameter of the point (w, b). The chapter starts at b = 0.",
    ),
)
"""Where the gradient is taken, in a "Go deeper" expander."""
CONTROLS = NUDGE + POINT


def comparison(v: Values):
    """The gradient table for the settings ``v`` (what the page shows beside the chart)."""
    return FD.gradient_comparison(*readings.of(v).tensors(), v.fd_w, v.fd_b, float(v.delta), v.scheme, v.dtype)


def _rel(v: Values, method: str, wrt: str) -> tuple[float, float]:
    table = comparison(v)
    row = table[(table["method"] == method) & (table["wrt"] == wrt)].iloc[0]
    ref = table[(table["method"] == "reference") & (table["wrt"] == wrt)].iloc[0]
    return float(row["value"]), float(row["value"] - ref["value"]) / abs(float(ref["value"]))


def _chapter(v: Values) -> str:
    return (
        "Central differences with δ = 0.1 at w = 1, b = 0 in float32, as in the chapter. "
        + accuracy_summary(comparison(v))
        + " So the chapter's estimate is good, but the chain rule, by hand or by autograd, "
        "is closer still."
    )


def _tiny(v: Values) -> str:
    _, rel_w = _rel(v, "finite difference", "w")
    est_b, rel_b = _rel(v, "finite difference", "b")
    parts = FD.fd_parts(*readings.of(v).tensors(), v.fd_w, v.fd_b, float(v.delta), v.scheme, v.dtype, "w")
    b_text = (
        "∂L/∂b collapses to exactly 0"
        if est_b == 0
        else f"∂L/∂b is off by {fmt(100 * abs(rel_b), sig=2)} %"
    )
    return (
        f"δ = {v.delta} in float32: the estimate for ∂L/∂w is {fmt(100 * abs(rel_w), sig=2)} % "
        f"too {'big' if rel_w > 0 else 'small'}, and {b_text}. Under *Inside one estimate* the "
        "loss is a staircase: near L = "
        f"{fmt(parts.loss_mid, 2)} float32 only has numbers every {fmt(FD.spacing(parts.loss_mid), sig=3)}. "
        f"And w + δ is stored as {parts.up!r}, so the step really taken is {fmt(parts.step, sig=3)}, "
        f"not {v.delta}."
    )


def _float64(v: Values) -> str:
    return (
        f"The same δ = {v.delta} in float64. " + accuracy_summary(comparison(v)) + " float64 "
        "keeps about 16 digits instead of 7, so the left arm of its V (round-off) sits at much "
        "smaller δ: compare the solid and dashed lines."
    )


def _forward(v: Values) -> str:
    shown = gradient_table(comparison(v), "w")
    est, ref = shown.loc["finite difference", "∂L/∂w"], shown.loc["reference", "∂L/∂w"]
    rel = shown.loc["finite difference", "relative error"]
    return (
        f"A forward difference with δ = {v.delta}: the table's estimate of ∂L/∂w is {est} against "
        f"the reference {ref}, a relative error of {rel}. That is truncation: the chord is "
        "steeper than the tangent, by exactly ∂²L/∂w² · δ / 2 for this quadratic loss. On the "
        "chart the forward lines (▶) climb with slope 1: halve δ and you halve the error. Now "
        "switch to central: for a parabola the central chord is exactly parallel to the tangent."
    )


PRESETS = tuple(
    Preset(
        label,
        {"fd_w": 1.0, "fd_b": 0.0, "fd_wrt": "w", "delta": delta, "scheme": scheme, "dtype": dtype},
        look_for,
        help=f"{scheme}, δ = {delta}, {dtype}: {hint}",
    )
    for label, delta, scheme, dtype, look_for, hint in (
        ("The chapter's estimate", "0.1", "central", "float32", _chapter, "the chapter's numbers."),
        ("Tiny δ in float32", "1e-07", "central", "float32", _tiny, "round-off takes over."),
        (
            "Same δ in float64",
            "1e-07",
            "central",
            "float64",
            _float64,
            "the same nudge, 16 digits.",
        ),
        ("Forward with a big δ", "1", "forward", "float64", _forward, "pure truncation error."),
    )
)
"""The "Try this" buttons, all at the chapter's point (w, b) = (1, 0)."""
