"""The autograd page's pictures in words and tables, generated from what they draw."""

from __future__ import annotations

import pandas as pd

from thermo_core.graphs import Graph
from thermo_core.lessons.autograd import ZeroGradReport
from ui.autograd.charts import MEANING, RUNS, values_text
from ui.chart_text import trend


def graph_description(graph: Graph) -> str:
    """The graph as one sentence: its nodes in the order backward() visits them."""
    steps = [f"{n.op} ({MEANING[n.op]})" if n.op in MEANING else n.op for n in graph.nodes]
    leaf = graph.nodes[-1]
    got = f", which receives {values_text(leaf.grad)}" if leaf.grad is not None else ""
    return (f"Autograd graph of the loss, {len(graph.nodes)} nodes, from the loss down to the "
            f"parameters: {' → '.join(steps)}{got}.")


def loss_description(rows: dict[str, list[dict]], shown: list[str]) -> str:
    """The zero_grad chart in words: each drawn run's loss from its first to its last epoch."""
    parts = []
    for run in shown:
        loss, epochs = [r["loss"] for r in rows[run]], [r["epoch"] for r in rows[run]]
        parts.append(f"{run} ({'solid' if run == RUNS[0] else 'dashed'}) the loss "
                     f"{trend(loss, epochs)} by epoch {epochs[-1]}")
    return "Loss per epoch, log scale, of the chapter's line: " + "; ".join(parts) + "."


def loss_table(rows: dict[str, list[dict]], shown: list[str]) -> pd.DataFrame:
    """Each drawn epoch with the loss of every drawn run."""
    table = {"epoch": [r["epoch"] for r in rows[shown[0]]]}
    for run in shown:
        table[f"loss {run}"] = [r["loss"] for r in rows[run]]
    return pd.DataFrame(table)


def zero_grad_story(report: ZeroGradReport, epochs: int) -> str:
    """What the run without ``zero_grad()`` did, in the numbers of :func:`zero_grad_comparison`."""
    text = (
        "Without zero_grad(), backward() adds each new gradient to .grad, so step k uses the "
        "sum of all k gradients so far: like momentum that never forgets. "
    )
    if report.diverged_at is not None:
        return text + (
            f"Here the steps keep growing and the loss overflows at epoch {report.diverged_at}, "
            f"while the run with zero_grad() ends at loss {report.final_with:.4g}."
        )
    return text + (
        f"After {epochs} epochs the run with zero_grad() reaches loss {report.final_with:.4g}; "
        f"the run without it ends at {report.final_without:.4g} and over its last "
        f"{report.tail_epochs} epochs swings between {report.tail_min_without:.4g} and "
        f"{report.tail_max_without:.4g}: the accumulated gradient keeps pushing the parameters "
        "past the minimum and back."
    )
