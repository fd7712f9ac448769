"""The optimizer race in words and tables, generated from the runs it draws."""

from __future__ import annotations

import pandas as pd

from thermo_core.numbers import fmt
from ui.optimizers.settings import NORM_LABELS


def _end(row: dict) -> str:
    if row["diverged_at"] is not None:
        return f"diverges at epoch {row['diverged_at']}"
    within = ("never within 1% of the best" if row["reached_at"] is None
              else f"within 1% of the best from epoch {row['reached_at']}")
    return f"ends at loss {fmt(row['final_loss'], 4)}, {within}"


def race_description(labels: list[str], rows: list[dict], mode: str, epochs: int,
                     best_loss: float) -> str:
    """The stacked chart in one paragraph: the panels, then each optimizer's outcome."""
    outcomes = "; ".join(f"{label} {_end(row)}" for label, row in zip(labels, rows, strict=True))
    return (f"{len(labels)} optimizer{'s' if len(labels) != 1 else ''} trained for {epochs} epochs "
            f"on {NORM_LABELS[mode]} inputs. Top: their paths over the loss surface towards the "
            f"least-squares optimum (diamond). Middle: loss per epoch, log scale, against the best "
            f"loss {fmt(best_loss, 4)}. Bottom: the size of each step in w and b at the scrubbed "
            f"epoch. {outcomes}.")


def history_table(paths: list[pd.DataFrame]) -> pd.DataFrame:
    """Each optimizer's drawn epochs: w, b and the loss before that epoch's update."""
    frame = pd.concat(paths, ignore_index=True)
    return frame.rename(columns={"opt": "optimizer"})[["optimizer", "epoch", "w", "b", "loss"]]


def twin_epochs(table: pd.DataFrame) -> list[int]:
    """The epochs any optimizer's drawn history holds, in order."""
    return sorted({int(e) for e in table["epoch"]})


def epoch_sentence(table: pd.DataFrame, epoch: int) -> str:
    """What the dots show at ``epoch``: each optimizer's last drawn row at or before it."""
    parts = []
    for label, rows in table.groupby("optimizer", sort=False):
        row = rows[rows["epoch"] <= epoch].iloc[-1]
        other = "" if int(row["epoch"]) == epoch else f" (its last drawn epoch, {int(row['epoch'])})"
        parts.append(f"{label}{other}: w = {fmt(float(row['w']), sig=6)}, "
                     f"b = {fmt(float(row['b']), sig=6)}, loss = {fmt(float(row['loss']), sig=6)}")
    return f"Epoch {epoch}, before its update: " + "; ".join(parts) + "."
