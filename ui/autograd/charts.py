"""The autograd page's pictures: the computation graph as DOT, and the zero_grad loss chart.

The DOT text is written from a :class:`thermo_core.graphs.Graph`, which was read from the
real ``grad_fn`` chain after a real ``backward()``: change the model and the picture
changes with it. The loss chart is an Altair template built once; each rerun fills rows.
"""

from __future__ import annotations

import altair as alt

from thermo_core.graphs import Graph
from thermo_core.numbers import fmt
from ui import palette
from ui.vega import frozen, with_data

MEANING = {
    "MeanBackward0": "mean over the readings",
    "PowBackward0": "square each miss",
    "SubBackward0": "miss = t_p − t_c",
    "AddBackward0": "add",
    "MulBackward0": "multiply by t_u (or t_u²)",
    "UnbindBackward0": "*params → w, b, …",
    "AccumulateGrad": "adds into params.grad",
}
"""Plain words for each operation the chapter's expression records."""


def values_text(values: list[float]) -> str:
    """'4,517.3' for one value, '[4,517.3, 82.6]' for a few, '11 values, sum 82.6' for many."""
    def one(x: float) -> str:
        return fmt(x, sig=5, trim=True)

    if len(values) == 1:
        return one(values[0])
    if len(values) <= 3:
        return "[" + ", ".join(one(v) for v in values) + "]"
    return f"{len(values)} values, sum {one(sum(values))}"


def _label(op: str, name: str, grad: list[float] | None) -> str:
    meaning = MEANING.get(op, "")
    if name:
        meaning = f"leaf {name}, {meaning}"
    lines = [f"{op}: {meaning}" if meaning else op]
    if grad is not None:
        lines.append("grad in: " + values_text(grad))
    return "\\n".join(line.replace('"', '\\"') for line in lines if line)


def graph_dot(graph: Graph, description: str) -> str:
    """DOT text, loss at the top: each arrow is the way backward() hands a gradient on.

    The graph is named (its SVG title) and carries ``description`` as its tooltip, so
    assistive technology has words for the picture.
    """
    tooltip = description.replace("\\", "\\\\").replace('"', '\\"')
    lines = [
        'digraph "autograd graph of the loss" {',
        '  graph [rankdir=TB, nodesep=0.15, ranksep=0.22, margin=0, bgcolor="transparent", '
        f'tooltip="{tooltip}"];',
        '  node [shape=box, style="rounded,filled", fillcolor="#f5f5f5", color="#9ca3af", '
        'fontname="Helvetica", fontsize=11, margin="0.08,0.03"];',
        '  edge [color="#c0392b", arrowsize=0.6];',
    ]
    for node in graph.nodes:
        fill = ', fillcolor="#dbeafe"' if node.op == "AccumulateGrad" else ""
        lines.append(f'  {node.id} [label="{_label(node.op, node.label, node.grad)}"{fill}];')
    lines += [f"  {parent} -> {child};" for parent, child in graph.edges]
    lines.append("}")
    return "\n".join(lines)


RUNS = ("with zero_grad()", "without zero_grad()")
COLOURS = palette.AUTOGRAD_RUNS
DASHES = ([1, 0], [6, 3])
"""Solid with zero_grad(), dashed without: the two runs differ by more than colour."""


def _template() -> dict:
    chart = (
        alt.Chart(alt.NamedData("loss"))
        .mark_line(strokeWidth=2, clip=True)
        .encode(
            x=alt.X("epoch:Q", title="epoch"),
            y=alt.Y(
                "loss:Q",
                title="loss (log scale)",
                scale=alt.Scale(type="log"),
                axis=alt.Axis(values=[1, 2, 5, 10, 20, 50, 100, 200, 500, 1000]),
            ),
            color=alt.Color(
                "run:N",
                title=None,
                scale=alt.Scale(domain=list(RUNS), range=list(COLOURS)),
                legend=alt.Legend(orient="bottom", symbolStrokeWidth=2.5),
            ),
            strokeDash=alt.StrokeDash(
                "run:N",
                title=None,
                scale=alt.Scale(domain=list(RUNS), range=list(DASHES)),
                legend=alt.Legend(orient="bottom", symbolStrokeWidth=2.5),
            ),
            tooltip=["run:N", "epoch:Q", alt.Tooltip("loss:Q", format=".4g")],
        )
        .properties(height=300)
    )
    return frozen(chart)


TEMPLATE = _template()


def loss_spec(rows: list[dict]) -> dict:
    """The loss chart for rows {epoch, run, loss} (already thinned by the page's cache)."""
    return with_data(TEMPLATE, {"loss": rows})
