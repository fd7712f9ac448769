"""Home's controls and presets, declared once."""

from __future__ import annotations

import thermo_core as tc
from ui import readings
from ui.controls import Values, offset_slider, slope_slider
from ui.page import Preset

MEAN_T_C = round(float(readings.BOOK.tensors()[1].mean()), 1)


def _too_high(v: Values) -> str:
    """How many predictions lie above their reading, counted at the current line."""
    t_u, t_c = readings.of(v).tensors()
    above = int((tc.model(t_u, v.w, v.b) > t_c).sum())
    return f"{above} of {len(t_u)} predictions lie above their reading"


CONTROLS = (
    slope_slider(
        "w",
        "w (slope)",
        "How many °C one step of the unknown unit is worth. Keyboard arrows move it finely.",
    ),
    offset_slider(
        "b",
        "b (offset)",
        "The Celsius value the line predicts at a reading of 0 on the unknown scale.",
    ),
)

PRESETS = (
    Preset(
        "The chapter's start",
        {"w": 1.0, "b": 0.0},
        lambda v: (
            "w = 1 and b = 0 simply copy the reading as the temperature: "
            f"{_too_high(v)}, most by tens of degrees. This is where the chapter starts training."
        ),
    ),
    Preset(
        "A flat line",
        {"w": 0.0, "b": MEAN_T_C},
        f"With w = 0 the line ignores the thermometer and predicts the average, {MEAN_T_C} °C, "
        "for every reading: too warm for the cold readings on the left, too cold for the warm "
        "ones on the right. A slope is missing.",
    ),
    Preset(
        "Slope about right",
        {"w": 0.55, "b": 0.0},
        lambda v: (
            f"The slope is close, but the whole line sits too high: {_too_high(v)}. "
            "Now drag b down and watch the loss fall."
        ),
    ),
)
