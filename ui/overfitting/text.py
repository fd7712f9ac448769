"""The overfitting page's key chart in words and tables, generated from the run it draws."""

from __future__ import annotations

import bisect

import pandas as pd

from thermo_core.numbers import fmt
from ui.chart_text import trend

COLUMNS = {"epoch": "epoch", "w": "w", "b": "b", "loss": "training loss",
           "val_loss": "validation loss", "holdout_loss": "fresh-readings loss"}


def model_name(settings: dict) -> str:
    """The model in words: "the line", "a degree-3 polynomial", "a network, 8 hidden units"."""
    if settings["kind"] == "poly":
        return f"a degree-{settings['degree']} polynomial"
    if settings["kind"] == "mlp":
        return f"a network with {settings['hidden']} hidden units"
    return "the line"


def key_description(settings: dict, r: dict, fresh: bool) -> str:
    """Both panels in one paragraph: how the losses move, where validation is lowest."""
    t = r["table"]
    epochs = t["epoch"].tolist()
    out = (f"Top: MSE per epoch, log scale, of {model_name(settings)} ({r['n_params']} parameters) "
           f"over {r['last']} epochs: the training loss (solid) {trend(t['loss'].tolist(), epochs)}, "
           f"the validation loss (dashed) {trend(t['val_loss'].tolist(), epochs)}; validation is "
           f"lowest, {r['best_val']}, at epoch {r['best_epoch']}.")
    if fresh:
        out += f" On 200 fresh readings (dotted) the loss ends at {r['final_holdout']}."
    return out + (f" Bottom: the fitted curve at the scrubbed epoch over {r['n_train']} training "
                  f"readings (circles) and {len(r['val_idx'])} validation readings (diamonds).")


def loss_table(r: dict, fresh: bool) -> pd.DataFrame:
    """The drawn epochs with the losses drawn (and w, b for the line)."""
    t = r["table"] if fresh else r["table"].drop(columns="holdout_loss")
    return t.rename(columns=COLUMNS)


def epoch_sentence(r: dict, epoch: int) -> str:
    """The numbers at the scrubbed epoch: its losses, w and b for the line, the curve drawn."""
    t = r["table"]
    row = t[t["epoch"] <= epoch].iloc[-1]
    out = (f"Epoch {int(row['epoch'])}, before its update: training loss "
           f"{fmt(float(row['loss']), sig=6)}, validation loss {fmt(float(row['val_loss']), sig=6)}")
    if "w" in t:
        out += f", w = {fmt(float(row['w']), sig=6)}, b = {fmt(float(row['b']), sig=6)}"
    shots = r["snapshots"]
    at = bisect.bisect_right(shots, int(row["epoch"]))
    curve = f"; the fitted curve drawn is epoch {shots[at - 1]}'s" if at else ""
    return out + curve + "."
