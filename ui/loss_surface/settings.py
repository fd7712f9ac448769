"""The loss surface's controls and presets, declared once (URL names as before)."""

from __future__ import annotations

import math
from typing import Any

import streamlit as st

import thermo_core as tc
from thermo_core.lessons import loss_surface as ls
from thermo_core.numbers import fmt
from ui import readings
from ui.controls import Control, Values
from ui.loss_surface.charts import PICK
from ui.page import Preset

NORM_LABELS = {"none": "none (raw t_u)", "scale": "scale (0.1 · t_u)", "standardize": "standardize"}
LOSS_LABELS = {"mse": "MSE", "l1": "L1", "huber": "Huber"}
LOSS_NAMES = {"mse": "MSE", "l1": "L1 loss", "huber": "Huber loss"}


def _window(v: Values) -> ls.SurfaceWindow:
    return ls.surface_window(readings.of(v), v.norm)


def reset_point() -> None:
    """A new normalization means new coordinates: go back to the chapter's start."""
    st.session_state["point_w"], st.session_state["point_b"] = ls.SURFACE_START


def picked_point(state: Any, norm: str) -> tuple[float, float] | None:
    """The point a click on the heatmap chose (the cell's centre on the inputs' steps), if any.

    ``state`` is the chart's selection state as Streamlit keeps it in session state.
    """
    chosen = (state.get("selection") or {}).get(PICK) or []
    if not chosen or "w" not in chosen[0] or "b" not in chosen[0]:
        return None
    return ls.surface_window(readings.in_session(), norm).snap(float(chosen[0]["w"]), float(chosen[0]["b"]))


SETTINGS = (
    Control(
        "norm", "Input normalization", "radio", "none", options=tc.NORMALIZATIONS,
        labels=NORM_LABELS, horizontal=True, on_change=reset_point,
        help="How the readings are rescaled before the model sees them: raw t_u, 0.1 · t_u as "
        "the book does, or (t_u − mean) / std. Changing it moves the point back to the "
        "chapter's start (w = 1, b = 0) in the new coordinates.",
    ),
    Control(
        "loss", "Loss shape", "radio", "mse", options=tc.LOSSES, labels=LOSS_LABELS,
        horizontal=True,
        help="What each residual r = t_p − t_c costs: r² (MSE, the chapter's choice), |r| (L1) "
        "or Huber (r²/2 near 0, linear beyond δ). The surface, slices and gradient switch; "
        "the curvature numbers stay those of the MSE.",
    ),
)
DELTA = Control(
    "surf_huber_delta", "Huber δ", "slider", 1.0, bounds=(0.1, 20.0), step=0.1, fmt="%.1f",
    help="Where Huber switches from quadratic (|r| ≤ δ) to linear. PyTorch's default is 1.",
)

def _inside(start: float, bounds: tuple[float, float]) -> float:
    """The chapter's start if the window holds it (the book's does), else the nearest edge."""
    return min(max(start, bounds[0]), bounds[1])


POINT = (
    Control(
        "point_w", "w at the current point", "number", lambda v: _inside(ls.SURFACE_START[0], _window(v).w_bounds),
        bounds=lambda v: _window(v).w_bounds, step=lambda v: _window(v).w_step,
        fmt=lambda v: "%.4f" if _window(v).w_step < 1e-3 else "%.3f",
        help="The slope of the line being judged, in the chosen normalization's coordinates. "
        "Any w on the picture is allowed; click the surface to jump there. The +/− buttons "
        "and the up/down keys move it by one step.",
    ),
    Control(
        "point_b", "b at the current point", "number", lambda v: _inside(ls.SURFACE_START[1], _window(v).b_bounds),
        bounds=lambda v: _window(v).b_bounds, step=lambda v: _window(v).b_step, fmt="%.2f",
        help="The offset of the line being judged (its prediction where x = 0). Any b on the "
        "picture is allowed; click the surface to jump there.",
    ),
)
CONTROLS = (*SETTINGS, DELTA, *POINT)
"""Every control of the page (the point and δ are drawn apart from the rest)."""


def _facts() -> dict:
    """Numbers the presets quote (the book's: presets switch to them), and the valley-floor
    point they jump to."""
    t_u, t_c = readings.BOOK.tensors()
    x = {m: tc.normalize(t_u.double(), m) for m in tc.NORMALIZATIONS}
    y = t_c.double()
    b_floor = 10.0
    w_floor = round(ls.valley_floor_point(x["none"], y, b_floor), 4)
    best = tc.optimal_params(x["standardize"], y)
    curv = {m: tc.curvature(x[m]) for m in tc.NORMALIZATIONS}
    return {
        "floor": (w_floor, b_floor),
        "std_best": (round(float(best[0]), 2), round(float(best[1]), 2)),
        "cond": {m: c.condition_number for m, c in curv.items()},
        "lr": {m: c.critical_lr for m, c in curv.items()},
    }


FACTS = _facts()


def _grad_norm(v: Values) -> float:
    """|∇L| of the page's loss at the page's point, as its metric shows it."""
    t_u, t_c = readings.of(v).tensors()
    x = tc.normalize(t_u.double(), v["norm"])
    _, gw, gb = ls.loss_and_grad(x, t_c.double(), float(v["point_w"]), float(v["point_b"]),
                                 v["loss"], float(v.get("surf_huber_delta", 1.0)))
    return math.hypot(gw, gb)

PRESETS = (
    Preset(
        "Raw inputs: a thin valley",
        {"norm": "none", "loss": "mse", "point_w": 1.0, "point_b": 0.0},
        "w and b have different units (°C per reading unit, and °C), but the window spans "
        f"{fmt(ls.surface_window(readings.BOOK, 'none').side, 0)} of each, so both axes have the same scale and the valley is drawn with its true "
        "proportions: a dark hairline almost parallel to the b axis. At the chapter's start the "
        "red arrow points almost straight along −w, across the valley, not at the white diamond "
        f"(the minimum). Condition number ≈ {fmt(FACTS['cond']['none'], 0)}.",
        help="Raw readings, MSE, the chapter's start (w = 1, b = 0).",
    ),
    Preset(
        "Standardize: a round bowl",
        {"norm": "standardize", "loss": "mse", "point_w": 1.0, "point_b": 0.0},
        "Now the contours are almost circles and the arrow points nearly at the minimum. The "
        f"condition number drops to {fmt(FACTS['cond']['standardize'], 2)}, and the critical "
        f"learning rate rises to {fmt(FACTS['lr']['standardize'], sig=3)}.",
        help="Standardized readings, MSE, the chapter's start (w = 1, b = 0).",
    ),
    Preset(
        "Walk the valley floor",
        {"norm": "none", "loss": "mse", "point_w": FACTS["floor"][0],
         "point_b": FACTS["floor"][1]},
        lambda v: (
            "This point sits on the floor of the raw valley. The arrow now points along the "
            f"valley towards the minimum, but |∇L| is only {fmt(_grad_norm(v))} here: press "
            "“Raw inputs: a thin valley” to compare it with the chapter's start. With a learning "
            "rate below 2/λ_max, gradient descent creeps along this floor for thousands of steps."
        ),
        help="Raw readings, MSE, a point on the valley floor at b = 10.",
    ),
    Preset(
        "L1's kink",
        {"norm": "standardize", "loss": "l1", "point_w": FACTS["std_best"][0],
         "point_b": FACTS["std_best"][1]},
        "The penalty |r| has a corner at r = 0 where its slope jumps from −1 to +1. The surface "
        "gets creases, the slices get kinks, and the L1 minimum (the square) is not the "
        "least-squares one (the diamond).",
        help="Standardized readings, L1 loss, the point at the least-squares minimum.",
    ),
)
