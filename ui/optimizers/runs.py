"""The optimizer page's runs, cached once and shared by every session.

They live outside the page file because the presets' "look for" sentences quote the same
numbers the Results table shows: both read them from :func:`race`, so they cannot differ.
Arguments are plain values (``settings.run_args``), so equal settings share one run.
"""

from __future__ import annotations

import streamlit as st

import thermo_core as tc
from thermo_core.lessons import optimizers as op
from ui import this_run

DRAW_FIRST, DRAW_TOTAL = 60, 360  # rows drawn per optimizer: every early epoch, then spaced


def race(data: tc.Readings, label: str, mode: str, lr: float, epochs: int,
         momentum: float | None, beta1: float | None, beta2: float | None) -> dict:
    """One optimizer's run: its table row, drawn rows (thinned) and recorded steps.

    Looked up once per script run (:mod:`ui.this_run`): the page reads each run in four
    sections. The caller must not change the returned tables."""
    return this_run.once(_race, data, label, mode, lr, epochs, momentum, beta1, beta2)


@st.cache_data(max_entries=96)
def _race(data: tc.Readings, label: str, mode: str, lr: float, epochs: int,
          momentum: float | None, beta1: float | None, beta2: float | None) -> dict:
    """:func:`race`, computed and shared by every session."""
    # The first run of a process pays one-off costs that are not the optimizer's wall time;
    # the server pays them at start (ui.server preloads, ui.warm runs the default race).
    r = op.run_optimizer(data, label, mode, lr, epochs, momentum, beta1, beta2)
    hist = r.run.history
    rows = hist.iloc[[e - 1 for e in op.state_epochs(len(hist), DRAW_FIRST, DRAW_TOTAL)]]
    steps = r.states.melt(id_vars="epoch", value_vars=["update_w", "update_b"], value_name="size")
    steps = steps.assign(param=steps["variable"].str[-1], size=steps["size"].abs(), opt=label)
    return {
        "row": {"final_loss": r.final_loss, "reached_at": r.reached_at, "distance": r.distance,
                "seconds": r.seconds, "diverged_at": r.run.diverged_at, "params": r.raw_params},
        "paths": rows[["epoch", "w", "b", "loss"]].assign(opt=label),
        "steps": steps[steps["size"] > 0][["opt", "epoch", "param", "size"]],
        "settings": r.settings,
    }


def inside(data: tc.Readings, label: str, mode: str, lr: float, momentum: float | None,
           beta1: float | None, beta2: float | None, at: int) -> dict:
    """:func:`_inside`, looked up once per script run (the page reads it in two sections)."""
    return this_run.once(_inside, data, label, mode, lr, momentum, beta1, beta2, at)


@st.cache_data(max_entries=64)
def _inside(data: tc.Readings, label: str, mode: str, lr: float, momentum: float | None,
            beta1: float | None, beta2: float | None, at: int) -> dict:
    """State and steps right after epoch ``at`` (a run of exactly ``at`` epochs, so the
    race's length is not part of the key)."""
    r = op.run_optimizer(data, label, mode, lr, at, momentum, beta1, beta2, state_at=[at])
    row = r.states.iloc[-1].to_dict() if len(r.states) else {}
    hist = r.run.history.iloc[-1]
    return {"state": row, "grad": (float(hist["grad_w"]), float(hist["grad_b"]))}


def inside_at(data: tc.Readings, args: tuple, at: int) -> dict:
    """:func:`inside` for a race's ``run_args`` tuple, at epoch ``at`` (capped at its length)."""
    label, mode, lr, epochs, momentum, beta1, beta2 = args
    return inside(data, label, mode, lr, momentum, beta1, beta2, min(at, epochs))


def critical_lr(data: tc.Readings, mode: str) -> float:
    """2/λ_max of the loss on ``mode``'s inputs: plain SGD diverges above it."""
    return tc.critical_lr(tc.normalize(data.tensors()[0], mode))
