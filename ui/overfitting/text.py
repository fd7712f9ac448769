"""Sentences for the overfitting page, generated from the runs whose numbers they quote.

A run here is the dict ``ui.overfitting.runs.lesson`` returns: its numbers already formatted as
the metrics show them ("final_loss", "final_val", "best_epoch" …) plus the raw floats.
The key chart's description, its table and its scrubber twin's sentence come from the
same run.
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping

import pandas as pd

from thermo_core.numbers import fmt
from ui.chart_text import trend
from ui.overfitting.runs import HOLDOUT

BEYOND = "Beyond the chapter"
"""The label prefix of presets whose model Chapter 5 never builds."""


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def given(values: Mapping) -> str:
    """A preset's settings in words, for its button's tooltip."""
    model = {"linear": "the line w · 0.1·t_u + b",
             "poly": f"a degree {values.get('ov_degree')} polynomial",
             "mlp": f"Linear(1, {values.get('ov_hidden')}) → Tanh → "
                    f"Linear({values.get('ov_hidden')}, 1)"}[values["ov_model"]]
    out = (f"{model}, {values['ov_opt']} lr {fmt(values['ov_lr'], sig=2, trim=True)}, "
           f"{values['ov_epochs']} epochs")
    if values.get("ov_extra"):
        out += f", {values['ov_extra']} simulated readings added to training"
    return out + "."


def book_line(r: Mapping) -> str:
    """Preset "The chapter's line": the book's log, reproduced."""
    log = r["log"]
    first, last = min(log), max(log)
    return (f"Chapter 5's own run, and the book's log reproduced: epoch {first} training "
            f"{log[first][0]}, validation {log[first][1]}; epoch {last} training {log[last][0]}, "
            f"validation {log[last][1]}. The line has {r['n_params']} parameters and cannot "
            "bend, so the two losses stay close: it does not overfit.")


def chapter6(r: Mapping) -> str:
    """Preset: Chapter 6's small network on the same split."""
    return (f"From Chapter 6, which replaces the line with this network of {r['n_params']} "
            f"parameters. Its training loss ends at {r['final_loss']}, below the validation loss "
            f"{r['final_val']}. The validation loss was lowest at epoch {r['best_epoch']}; "
            f"training kept fitting the {_n(r['n_train'], 'training reading')} after that.")


def big_net(r: Mapping) -> str:
    """Preset: a wide network trained hard."""
    return (f"Chapter 6's network made wider: {r['n_params']} parameters for "
            f"{_n(r['n_train'], 'training reading')}. Training falls to {r['final_loss']} while "
            f"validation climbs to {r['final_val']}. Early stopping at epoch {r['best_epoch']} "
            f"would have kept validation at {r['best_val']}. Scrub the epochs and watch the "
            "curve bend through the training points.")


def more_data(r: Mapping, extra: int) -> str:
    """Preset: the same wide network with simulated readings added to training."""
    return (f"The same {r['n_params']}-parameter network with {extra} more "
            f"readings: training {r['final_loss']}, validation {r['final_val']}, and "
            f"{r['final_holdout']} on the fresh readings. With data everywhere the curve has no "
            "room to wiggle.")


def polynomial(r: Mapping) -> str:
    """Preset: a high-degree polynomial, Chapter 5's exercise taken far."""
    return (f"Chapter 5's exercise adds a t_u² term; this goes much further: "
            f"{r['n_params']} coefficients for {_n(r['n_train'], 'training reading')}: training "
            f"{r['final_loss']}, validation {r['final_val']}. Look at the ends of the curve, "
            "beyond the readings: a polynomial's extrapolation runs away.")


def leak(honest: Mapping[str, float], leaked: Mapping[str, float]) -> str:
    """The leak switch's box: the honest run against the same run with
    ``val_loss.backward()``, each judged by its validation loss and by fresh readings.

    ``honest``/``leaked``: rows of ``ov.leak_report`` (final val_loss and holdout_loss).
    """
    def n(x: float) -> str:
        return fmt(x, sig=3)

    h_val, h_new = honest["val_loss"], honest["holdout_loss"]
    k_val, k_new = leaked["val_loss"], leaked["holdout_loss"]
    text = (f"Honest run: validation loss {n(h_val)} vs {n(h_new)} on fresh readings never "
            "trained on. With the leak the validation points are trained on too: validation "
            f"loss {n(k_val)}, but {n(k_new)} on the fresh readings. ")
    if k_val < h_val and k_val < k_new:
        flattery = k_new / k_val if k_val > 0 else float("inf")
        text += (f"The leaked validation loss looks {n(h_val / k_val)}× better than the honest "
                 f"one, yet the error on new readings is {n(flattery)}× what it reports: it has "
                 "stopped measuring how the model does on data it has not seen.")
    else:
        text += "In this setting the leak did not make the validation loss look better."
    return text


def book_log_caption(book: Mapping) -> str:
    """Under the book's log beside this run's: what each column is, and when they agree.

    ``book``: the settings of the book's run (the "The chapter's line" preset's values).
    """
    return (f"The book's columns are its printed log: the book's split, the line on 0.1 · t_u, "
            f"SGD with lr {fmt(book['ov_lr'], sig=2, trim=True)} for {book['ov_epochs']} epochs "
            "from w = 1, b = 0. This run's columns are computed now, with the settings above "
            "(— where this run is shorter); with the book's settings they agree to every digit "
            "printed.")

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
        out += f" On {HOLDOUT} fresh readings (dotted) the loss ends at {r['final_holdout']}."
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
