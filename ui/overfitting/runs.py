"""The overfitting page's training run, cached once and shared by every session.

The run lives here, not in the page file, because the presets' "look for" sentences quote
its numbers too. Arguments are plain numbers and strings, so sessions asking for the same
settings share one computation.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

import thermo_core as tc
from thermo_core.lessons import overfitting as ov
from thermo_core.model_training import RunSpec
from thermo_core.numbers import fmt
from ui.vega import arrow_bytes

DRAWN = 300
"""Epochs of a history sent to the browser (every epoch is computed)."""
SNAPSHOTS = 40
"""About this many epochs at which the fitted curve is kept for the scrubber."""
FRAME_POINTS = 61
"""Grid readings per fitted-curve snapshot."""
CURVE_CLIP = 1e3
"""Predictions beyond ±this (°C) are drawn at the edge: the chart clips them anyway."""
HOLDOUT = 200
"""Fresh simulated readings every run is also scored on (never trained on)."""
EARLY = 60
"""The first epochs are all drawn (a run that diverges mostly does so within them)."""


def _planned(epochs: int) -> np.ndarray:
    """About DRAWN row positions: every one of the first EARLY epochs, the rest spread evenly
    to the last. Only these are scored on the 200 fresh readings."""
    rows = np.linspace(0, epochs - 1, min(epochs, DRAWN - EARLY)).round().astype(int)
    return np.unique(np.concatenate([rows, np.arange(min(epochs, EARLY))]))


def _drawn(planned: np.ndarray, n: int, best: int) -> np.ndarray:
    """The planned rows a run of ``n`` rows reached, its last row and its best epoch."""
    return np.unique(np.concatenate([planned[planned < n], [n - 1, best]]))


def experiment(data: tc.Readings, kind: str, degree: int, hidden: int, init_seed: int, split_name: str,
               val_fraction: float, split_seed: int, extra: int, noise: float, data_seed: int,
               optimizer: str, lr: float, epochs: int, leak: bool) -> ov.Experiment:
    """The training run behind :func:`lesson`, uncached: the fresh readings are scored at
    the drawn epochs only (blank elsewhere in its history)."""
    return ov.experiment(
        data,
        RunSpec(kind, degree=degree, hidden=hidden, seed=init_seed, optimizer=optimizer, lr=lr,
                epochs=epochs, leak=leak),
        ov.Sampling(split_name, val_fraction, split_seed, extra, noise, data_seed),
        holdout=HOLDOUT, snapshots=SNAPSHOTS, frame_points=FRAME_POINTS,
        holdout_at=(_planned(epochs) + 1).tolist(),
    )


def history(**settings) -> pd.DataFrame:
    """Every epoch of the run :func:`lesson` draws thinned: the chart's download."""
    return experiment(**settings).history


@st.cache_data(max_entries=48, show_spinner="Training the model…")
def lesson(data: tc.Readings, kind: str, degree: int, hidden: int, init_seed: int, split_name: str,
           val_fraction: float, split_seed: int, extra: int, noise: float, data_seed: int,
           optimizer: str, lr: float, epochs: int, leak: bool) -> dict:
    """One training run, its numbers as text and its chart data (thinned, as Arrow bytes)."""
    planned = _planned(epochs)
    e = experiment(data, kind, degree, hidden, init_seed, split_name, val_fraction, split_seed, extra,
                   noise, data_seed, optimizer, lr, epochs, leak)
    h, s = e.history, e.summary
    best_row = int(h["val_loss"].to_numpy().argmin())
    rows = h.iloc[_drawn(planned, len(h), best_row)]
    drawn = rows[["epoch", "loss", "val_loss", "holdout_loss"]]
    frames = e.frames.assign(t_c_pred=e.frames["t_c_pred"].clip(-CURVE_CLIP, CURVE_CLIP))
    by_epoch = h.set_index("epoch")
    return {
        "raw": {"loss": s.final_loss, "val": s.final_val_loss, "holdout": e.holdout_mse,
                "best_val": s.best_val_loss, "gap": s.final_gap},
        "final_loss": fmt(s.final_loss), "final_val": fmt(s.final_val_loss),
        "final_holdout": fmt(e.holdout_mse), "gap": fmt(s.final_gap),
        "best_epoch": s.best_epoch, "best_val": fmt(s.best_val_loss),
        "loss_at_best": fmt(s.loss_at_best),
        "last": int(h["epoch"].iloc[-1]), "epochs": epochs, "diverged_at": e.diverged_at,
        "kind": kind, "n_params": e.n_params, "params": e.params,
        "train_idx": e.train_indices, "val_idx": e.val_indices,
        "log": {ep: (fmt(by_epoch.loc[ep, "loss"]), fmt(by_epoch.loc[ep, "val_loss"]))
                for ep in ov.BOOK_LOG if ep in by_epoch.index},
        "n_train": int((e.points["role"] != "validation").sum()),
        "table": rows[[c for c in ("epoch", "w", "b", "loss", "val_loss", "holdout_loss")
                       if c in rows]].reset_index(drop=True),
        "snapshots": sorted(int(x) for x in e.frames["epoch"].unique()),
        "datasets": {
            "losses": arrow_bytes(drawn),
            "points": arrow_bytes(e.points.assign(index=[str(i) for i in e.train_indices
                                                    + e.val_indices] + ["simulated"] * extra)),
            "frames": arrow_bytes(frames),
        },
    }
