"""The divergence page's controls and presets, declared once (URL names: lr, epochs, norm, …)."""

from __future__ import annotations

import math
from functools import cache

import torch

import thermo_core as tc
from thermo_core.lessons import divergence as dv
from thermo_core.lessons import loss_surface as ls
from thermo_core.numbers import fmt, fmt_list
from ui import readings
from ui.controls import Control, Values
from ui.page import Preset

NORM_LABELS = {"none": "none (raw t_u)", "scale": "scale (0.1 · t_u)", "standardize": "standardize"}
RULE_LABELS = {"manual": "manual: params − lr · grad", "SGD": "torch.optim.SGD"}
SCHEDULE_LABELS = {
    "constant": "constant",
    "StepLR": "StepLR (× γ every N epochs)",
    "ExponentialLR": "ExponentialLR (× γ every epoch)",
    "CosineAnnealingLR": "CosineAnnealingLR (to 0 by the last epoch)",
    "ReduceLROnPlateau": "ReduceLROnPlateau (× factor when stuck)",
}
LR_BOUNDS = (1e-6, 10.0)
LR_STEP = 1e-8
"""The typed lr is kept to 1e-8: two significant digits even at the smallest rate."""


def lr_bounds(v: Values) -> tuple[float, float]:
    """The book's 1e-6 to 10, reaching lower when the readings' raw critical rate is below
    1e-5 (readings in the thousands), so a stable rate can always be typed."""
    crit = tc.critical_lr(readings.of(v).tensors(torch.float64)[0])
    return min(LR_BOUNDS[0], 10.0 ** (math.floor(math.log10(crit)) - 1)), LR_BOUNDS[1]


def _lr_step(v: Values) -> float:
    return min(LR_STEP, lr_bounds(v)[0] / 100)


def _inside(start: float, bounds: tuple[float, float]) -> float:
    """The chapter's start if the window holds it (the book's does), else the nearest edge."""
    return min(max(start, bounds[0]), bounds[1])


def _window(v: Values) -> ls.SurfaceWindow:
    return ls.surface_window(readings.of(v), v["norm"])


INPUT_AND_RATE = (
    Control(
        "norm", "Input normalization", "radio", "none", options=tc.NORMALIZATIONS,
        labels=NORM_LABELS, horizontal=True,
        help="Raw t_u, 0.1 · t_u as the book does, or (t_u − mean) / std. w and b are in "
        "the new input's coordinates.",
    ),
    Control(
        "lr", "Learning rate (type any value)", "number", 1e-2, bounds=lr_bounds, step=_lr_step,
        fmt="%g",
        help="Any rate from 0.000001 to 10; scientific notation such as 3e-4 works. The "
        "slider below moves it along a log grid that includes the critical rate.",
    ),
)
"""The inputs and the typed rate, above the log-grid rate slider (which needs both)."""
RULE = (
    Control(
        "rule", "Update rule", "radio", "manual", options=dv.RULES, labels=RULE_LABELS,
        horizontal=True,
        help="The chapter's hand-written update, or the same step taken by torch.optim.SGD "
        "(no momentum): the two give the same path.",
    ),
)
LENGTH = (
    Control(
        "epochs", "Epochs", "number", 100, bounds=(1, 5000), step=1, fmt="%d",
        help="Full-batch updates: each epoch uses all the readings once.",
    ),
    Control(
        "schedule", "Learning-rate schedule", "select", "constant", options=tc.SCHEDULES,
        labels=SCHEDULE_LABELS,
        help="A torch.optim.lr_scheduler that changes the rate after every epoch.",
    ),
)
"""Epochs and the schedule, side by side; the chosen schedule's settings follow."""
START = (
    Control(
        "start_w", "start w", "number", lambda v: _inside(1.0, _window(v).w_range), bounds=lambda v: _window(v).w_range, step=0.01,
        fmt="%.2f", help="Where training starts. Click the surface to move it.",
    ),
    Control(
        "start_b", "start b", "number", lambda v: _inside(0.0, _window(v).b_range), bounds=lambda v: _window(v).b_range, step=0.01,
        fmt="%.2f", help="Where training starts. Click the surface to move it.",
    ),
)
"""Where training starts, side by side (a click on the surface sets them too)."""
SCHEDULE = {
    "StepLR": (
        Control("step_size", "every N epochs", "number", 100, bounds=(1, 5000), step=1, fmt="%d",
                help="StepLR multiplies the rate by γ after every N epochs."),
        Control("step_gamma", "γ", "number", 0.5, bounds=(0.01, 1.0), step=0.01, fmt="%.2f",
                help="The factor StepLR applies every N epochs."),
    ),
    "ExponentialLR": (
        Control("exp_gamma", "γ per epoch", "number", 0.99, bounds=(0.5, 1.0), step=0.001,
                fmt="%.3f", help="ExponentialLR multiplies the rate by γ after every epoch."),
    ),
    "ReduceLROnPlateau": (
        Control("plateau_factor", "factor", "number", 0.5, bounds=(0.01, 0.99), step=0.01,
                fmt="%.2f", help="The factor applied when the loss has stopped improving."),
        Control("plateau_patience", "patience (epochs)", "number", 10, bounds=(0, 1000), step=1,
                fmt="%d", help="How many epochs without a new best loss are tolerated "
                "before the rate is cut. Any improvement counts (threshold 0)."),
    ),
}
CONTROLS = INPUT_AND_RATE + RULE + LENGTH + START + tuple(c for group in SCHEDULE.values() for c in group)


def schedule_settings(v: Values) -> dict:
    """The schedule widgets as keyword arguments for dv.schedule_kwargs (defaults if not drawn)."""
    get = {c.key: v.get(c.key, c.default) for c in CONTROLS}
    return {
        "step_size": int(get["step_size"]),
        "gamma": float(get["step_gamma"] if v.schedule == "StepLR" else get["exp_gamma"]),
        "factor": float(get["plateau_factor"]),
        "patience": int(get["plateau_patience"]),
        "threshold": 0.0,
    }


@cache
def _outcome(mode: str, lr: float, epochs: int, schedule: str = "constant",
             factor: float = 0.5, patience: int = 10) -> dv.DivergenceRun:
    """A preset's run (the same for everyone, so a process-wide cache is fine)."""
    return dv.run_lesson(readings.BOOK, mode, lr, epochs, schedule=schedule, factor=factor, patience=patience,
                         threshold=0.0)


_CHAPTER = {"rule": "manual", "start_w": 1.0, "start_b": 0.0, "schedule": "constant"}
_SP = dv.SCHEDULE_PRESET


def _blowup(v: Values) -> str:
    lr = float(v.lr)
    r = _outcome("none", lr, int(v.epochs))
    steep = dv.step_factors(readings.BOOK, "none", lr).iloc[1]
    return (f"The book's first try: lr {fmt(lr, sig=3, trim=True)} is "
            f"{fmt(lr / r.critical_lr, sig=3)}× the critical "
            f"rate, so each step multiplies the distance along w by {fmt(steep.factor, sig=4)} and "
            f"flips side. The path leaves the plot at once and the loss is ∞ by epoch "
            f"{r.run.diverged_at}.")


@cache
def book_end(mode: str, lr: float, epochs: int) -> tuple[str, list[float]]:
    """The book's last printed loss (its exact text) and returned params for these settings."""
    log = dv.book_log(readings.BOOK, mode, lr, epochs)
    last = [line for line in log.lines if line.startswith("Epoch ")][-1]
    return last.split("Loss ")[1], log.params.tolist()


PAST = 3.6e-4
"""Just above the raw critical rate 3.4e-4: the zig-zag grows slowly enough to watch."""


def _past(_: Values) -> str:
    r = _outcome("none", PAST, 100)
    steep = dv.step_factors(readings.BOOK, "none", PAST).iloc[1]
    end = (f"the loss is {fmt(float(r.run.history['loss'].iloc[-1]))} at epoch {r.run.diverged_at}"
           if r.run.diverged_at else f"the loss has grown to {fmt(r.run.final_loss, sig=3)} by epoch 100")
    return (f"lr {PAST} is {fmt(PAST / r.critical_lr, sig=3)}× the critical rate: along w each step "
            f"multiplies the distance by {fmt(steep.factor, sig=4)} and flips side. Scrub the "
            f"epochs: the zig-zag across the valley widens every step, and {end}.")


def _tiny(_: Values) -> str:
    loss, params = book_end("none", 1e-4, 100)
    return (f"Now it is stable but slow: the book prints loss {loss} at epoch 100 and "
            f"[w, b] = {fmt_list(params)}. b has barely moved: its direction is the flat one.")


def _scaled(_: Values) -> str:
    loss, params = book_end("scale", 1e-2, 5000)
    return (f"With 0.1 · t_u the same lr 0.01 is stable: the book ends at [w, b] = "
            f"{fmt_list(params)}, loss {loss}. Open the book's log below to compare.")


def _rescued(_: Values) -> str:
    const = _outcome("scale", _SP["lr"], _SP["epochs"]).run
    sched = _outcome("scale", _SP["lr"], _SP["epochs"], _SP["schedule"], _SP["factor"],
                     _SP["patience"]).run
    return (f"lr {_SP['lr']} is above the critical rate: kept constant it diverges at epoch "
            f"{const.diverged_at}. Halved whenever the loss stops improving, it settles and "
            f"ends at loss {fmt(sched.final_loss, 4)}. Compare the schedule chart below.")


PRESETS = (
    Preset("Blow up (book)", {"norm": "none", "lr": 1e-2, "epochs": 100, **_CHAPTER}, _blowup),
    Preset("Just past critical", {"norm": "none", "lr": PAST, "epochs": 100, **_CHAPTER}, _past),
    Preset("Tiny lr (book)", {"norm": "none", "lr": 1e-4, "epochs": 100, **_CHAPTER}, _tiny),
    Preset("Normalize (book)", {"norm": "scale", "lr": 1e-2, "epochs": 5000, **_CHAPTER},
           _scaled),
    Preset(
        "Decay rescues it",
        {**_CHAPTER, "norm": "scale", "lr": _SP["lr"], "epochs": _SP["epochs"],
         "schedule": _SP["schedule"], "plateau_factor": _SP["factor"],
         "plateau_patience": _SP["patience"]},
        _rescued,
    ),
)
