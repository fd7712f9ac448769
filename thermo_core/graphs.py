"""The autograd graph behind a tensor, read from its real ``grad_fn`` chain.

``walk_graph`` follows ``grad_fn.next_functions`` from a result back to the leaves.
``trace_backward`` does the same, then runs ``backward()`` with a pre-hook on every node,
so each node reports the gradient that actually flowed into it. ``Graph.to_dot`` turns
either into Graphviz DOT text (for ``st.graphviz_chart``). Nothing is drawn by hand: change
the expression and the graph changes with it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
from torch import Tensor


@dataclass
class GraphNode:
    """One autograd node.

    id: "n0", "n1", ... in walk order (n0 is the root). op: the node's class name, e.g.
    "MulBackward0"; leaves are "AccumulateGrad". label: the leaf's name if it was given,
    else "". shape: the leaf tensor's shape for AccumulateGrad nodes, else None.
    grad: after ``trace_backward``, the gradient flowing *into* the node (dL/d its output),
    flattened to a list; a node with several outputs (e.g. ``UnbindBackward0`` from
    ``*params``) lists its outputs' gradients one after another. None before backward.
    """

    id: str
    op: str
    label: str = ""
    shape: tuple[int, ...] | None = None
    grad: list[float] | None = None


@dataclass
class Graph:
    """Nodes plus edges (parent id, child id): parent's gradient flows on to the child."""

    nodes: list[GraphNode]
    edges: list[tuple[str, str]] = field(default_factory=list)

    @property
    def ops(self) -> list[str]:
        """Node operations in walk order (what a test compares)."""
        return [n.op for n in self.nodes]

    def to_dot(self, digits: int = 5, max_values: int = 3) -> str:
        """Graphviz DOT text, top-down from the loss; gradients shown when known.

        Vectors longer than ``max_values`` are shown by length and sum.
        """
        lines = [
            "digraph autograd {",
            '  rankdir="TB";',
            '  node [shape=box, style="rounded,filled", fillcolor="#f5f5f5", fontname="Helvetica"];',
        ]
        for node in self.nodes:
            parts = [node.op]
            if node.label:
                parts.append(node.label + (f" {list(node.shape)}" if node.shape else ""))
            if node.grad is not None:
                parts.append("grad in: " + format_values(node.grad, digits, max_values))
            text = "\\n".join(_escape(p) for p in parts)
            fill = ', fillcolor="#dbeafe"' if node.op == "AccumulateGrad" else ""
            lines.append(f'  {node.id} [label="{text}"{fill}];')
        for parent, child in self.edges:
            lines.append(f"  {parent} -> {child};")
        lines.append("}")
        return "\n".join(lines)


def format_values(values: list[float], digits: int = 5, max_values: int = 3) -> str:
    """'4517.3' for one value, '[1, 2]' for a few, '11 values, sum 82.6' for many."""
    fmt = f"{{:.{digits}g}}"
    if len(values) == 1:
        return fmt.format(values[0])
    if len(values) <= max_values:
        return "[" + ", ".join(fmt.format(v) for v in values) + "]"
    return f"{len(values)} values, sum {fmt.format(sum(values))}"


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def _op_name(fn) -> str:
    name = type(fn).__name__
    return "AccumulateGrad" if name.endswith("AccumulateGrad") else name


def _walk(root) -> tuple[list, list[tuple[int, int]]]:
    """Autograd nodes reachable from ``root`` (each once, depth-first) and their edges."""
    order: list = []
    index: dict[int, int] = {}
    edges: list[tuple[int, int]] = []
    stack = [root]
    while stack:
        fn = stack.pop()
        if id(fn) in index:
            continue
        index[id(fn)] = len(order)
        order.append(fn)
        children = [c for c, _ in fn.next_functions if c is not None]
        stack.extend(reversed(children))
    for fn in order:
        for child, _ in fn.next_functions:
            if child is not None:
                edges.append((index[id(fn)], index[id(child)]))
    return order, edges


def walk_graph(result: Tensor, names: dict[str, Tensor] | None = None) -> tuple[Graph, list]:
    """The graph of ``result`` (no backward run) and the raw autograd nodes in the same order.

    names: optional {"params": params, ...} to label the leaves.
    """
    if result.grad_fn is None:
        return Graph([]), []
    by_id = {id(t): name for name, t in (names or {}).items()}
    fns, edges = _walk(result.grad_fn)
    nodes = []
    for i, fn in enumerate(fns):
        var = getattr(fn, "variable", None)
        nodes.append(
            GraphNode(
                id=f"n{i}",
                op=_op_name(fn),
                label=by_id.get(id(var), "leaf") if var is not None else "",
                shape=tuple(var.shape) if var is not None else None,
            )
        )
    return Graph(nodes, [(f"n{a}", f"n{b}") for a, b in edges]), fns


def count_graph_nodes(result: Tensor) -> int:
    """How many autograd nodes hang on ``result`` (0 for a tensor made under no_grad)."""
    return 0 if result.grad_fn is None else len(_walk(result.grad_fn)[0])


def trace_backward(loss: Tensor, names: dict[str, Tensor] | None = None) -> Graph:
    """Walk ``loss``'s graph, run ``loss.backward()``, and record each node's incoming gradient.

    A pre-hook on every node sees the gradient arriving at it (for AccumulateGrad: the
    gradient about to be added to the leaf's ``.grad``). The hooks are removed afterwards.
    """
    graph, fns = walk_graph(loss, names)
    seen: dict[int, Tensor] = {}
    handles = []
    for i, fn in enumerate(fns):

        def hook(grad_outputs, i: int = i):
            parts = [g.detach().reshape(-1) for g in grad_outputs if g is not None]
            if parts:
                seen[i] = torch.cat(parts).clone()

        handles.append(fn.register_prehook(hook))
    try:
        loss.backward()
    finally:
        for h in handles:
            h.remove()
    for i, node in enumerate(graph.nodes):
        if i in seen:
            node.grad = [float(v) for v in seen[i].reshape(-1)]
    return graph
