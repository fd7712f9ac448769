"""The divergence page's computations, cached once and shared by every session: the key
chart's run, the learning-rate sweep, the surface under them and the book's log.

They live outside the page file so the page reads as its sections. Arguments are plain
values and the readings, so equal settings share one entry.
"""

from __future__ import annotations

import math

import pandas as pd
import streamlit as st

import thermo_core as tc
from thermo_core.lessons import divergence as dv
from thermo_core.lessons import loss_surface as ls
from thermo_core.numbers import fmt
from ui.divergence import charts
from ui.vega import arrow_bytes

DRAWN = 400  # rows of a history sent to the browser; every epoch is computed


@st.cache_data(max_entries=3)
def surface(data: tc.Readings, norm: str) -> dict:
    """The heatmap's datasets for one normalization (the same for every run)."""
    t_u, t_c = data.tensors()
    x, y = tc.normalize(t_u.double(), norm), t_c.double()
    win = ls.surface_window(data, norm)
    best = tc.optimal_params(x, y)
    return {
        "grid": arrow_bytes(ls.surface_frame(x, y, win)[["w", "b", "loss"]]),
        "eigen": arrow_bytes(ls.eigen_lines(x, y, win)),
        "contours": arrow_bytes(ls.mse_contours(x, y, (1.0, 10.0, 100.0, 1e3, 1e4), 121)),
        "marks": [{"w": float(best[0]), "b": float(best[1]), "what": "least-squares minimum"}],
    }


def train(data: tc.Readings, norm: str, lr: float, epochs: int, rule: str, schedule: str, kwargs: tuple,
          w0: float, b0: float) -> dv.DivergenceRun:
    """The run behind the key chart, uncached: :func:`lesson` draws it thinned,
    :func:`history` hands every epoch to the download."""
    return dv.run_lesson(data, norm, lr, epochs, rule, schedule, w0, b0, **dict(kwargs))


def history(data: tc.Readings, norm: str, lr: float, epochs: int, rule: str, schedule: str, kwargs: tuple,
            w0: float, b0: float, columns: tuple[str, ...] | None = None) -> pd.DataFrame:
    """Every epoch of :func:`train`'s run (only ``columns``, if given)."""
    h = train(data, norm, lr, epochs, rule, schedule, kwargs, w0, b0).run.history
    return h if columns is None else h[list(columns)]


def rates(data: tc.Readings, norm: str, epochs: int, w0: float, b0: float) -> dv.Sweep:
    """The 60-rate sweep, uncached: :func:`sweep` draws it, the download holds its frame."""
    return dv.lr_sweep(data, norm, epochs, w0=w0, b0=b0)


@st.cache_data(max_entries=64)
def lesson(data: tc.Readings, norm: str, lr: float, epochs: int, rule: str, schedule: str, kwargs: tuple,
           w0: float, b0: float) -> dict:
    """One run, its outcome in words and its rows for drawing (thinned to DRAWN)."""
    out = train(data, norm, lr, epochs, rule, schedule, kwargs, w0, b0)
    run, win = out.run, ls.surface_window(data, norm)
    h = run.history
    clipped = dv.clip_path(h["w"], h["b"], win.w_range, win.b_range, h["epoch"])
    keep = [] if run.diverged_at is None else [run.diverged_at - 2, run.diverged_at - 1]
    rows = clipped.frame.iloc[dv.thin_indices(len(h), DRAWN, keep)]
    path = charts.path_rows(rows, clipped.exits)
    loss = [{"epoch": int(e), "loss": float(v), "loss_text": fmt(v, sig=5)}
            for e, v in zip(h["epoch"].iloc[rows.index], h["loss"].iloc[rows.index], strict=True)]
    bad = []
    if run.diverged_at is not None:
        word = fmt(float(h["loss"].iloc[-1]))
        bad = [{"epoch": run.diverged_at, "label": f"{word} at epoch {run.diverged_at}",
                "note": f"the loss is {word} from epoch {run.diverged_at} on"}]
    exits = [{"w_edge": e.w_edge, "b_edge": e.b_edge,
              "note": f"epoch {e.epoch}, heading to w ≈ {fmt(e.w_to, sig=2)}, "
                      f"b ≈ {fmt(e.b_to, sig=2)}"} for e in clipped.exits.itertuples()]
    lrs = h["lr"].iloc[dv.thin_indices(len(h), DRAWN)]
    v = out.verdict
    f64 = None  # the same run in float64, when the schedule may have left rounding in charge
    if v.code == "diverging" and run.diverged_at is None and not v.past_critical:
        twin = dv.run_lesson(data, norm, lr, epochs, rule, schedule, w0, b0, "float64", **dict(kwargs))
        f64 = twin.run.final_loss
    peak = int(h["loss"].fillna(-math.inf).to_numpy().argmax())  # a nan is no peak
    return {
        "verdict": v.code, "growth": v.growth, "last_step": v.last_step, "past": v.past_critical,
        "last_lr": float(h["lr"].iloc[-1]), "best": dv.best_loss(data, norm), "f64_loss": f64,
        "rounding": f64 is not None and dv.rounding_decides(run.final_loss, f64),
        "peak_loss": float(h["loss"].iloc[peak]), "peak_epoch": int(h["epoch"].iloc[peak]),
        "critical": out.critical_lr, "diverged_at": run.diverged_at,
        "final_loss": run.final_loss, "first_loss": float(h["loss"].iloc[0]),
        "params": run.params.tolist(), "sentence": clipped.sentence, "last": int(h["epoch"].iloc[-1]),
        "path": path, "loss": loss, "bad": bad, "exits": exits,
        "lrs": [{"epoch": int(h["epoch"].iloc[i]), "lr": float(v)} for i, v in lrs.items()],
        "table": h.iloc[rows.index][["epoch", "w", "b", "loss"]].reset_index(drop=True),
    }


def sweep_frame(data: tc.Readings, norm: str, epochs: int, w0: float, b0: float) -> pd.DataFrame:
    """The 60 rates :func:`sweep` draws, with their final losses and regions."""
    return rates(data, norm, epochs, w0, b0).frame


@st.cache_data(max_entries=12)
def sweep(data: tc.Readings, norm: str, epochs: int, w0: float, b0: float) -> dict:
    """60 rates trained at once (the chapter's update), as rows and region bounds."""
    s = rates(data, norm, epochs, w0, b0)
    rows = [{"lr": r.lr, "plot_loss": r.plot_loss, "region": r.region,
             "lr_text": fmt(r.lr, sig=3), "loss_text": fmt(r.final_loss, sig=4)}
            for r in s.frame.itertuples()]
    return {"rows": rows, "bounds": s.bounds, "critical": s.critical_lr, "best": s.best_loss}


@st.cache_data(max_entries=8)
def book(data: tc.Readings, norm: str, lr: float, epochs: int, w0: float, b0: float) -> tuple[list[str], int | None]:
    """The book's training_loop printout for these settings."""
    log = dv.book_log(data, norm, lr, epochs, w0, b0)
    return list(log.lines), log.stopped_at
