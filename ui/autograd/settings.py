"""The autograd page's controls and presets, declared once."""

from __future__ import annotations

import thermo_core as tc
from thermo_core.lessons import autograd as ag
from thermo_core.numbers import fmt
from ui import readings
from ui.controls import Control, Values, offset_slider, slope_slider
from ui.page import Preset

MODELS = ("line", "quad")
MODEL_LABELS = {
    "line": "w·t_u + b (the chapter's line)",
    "quad": "w·t_u + b + w2·t_u² (w2 starts at 0)",
}

POINT = (
    slope_slider(
        "ag_w",
        "w (slope)",
        "The first entry of params. Every gradient on the page is computed at this w.",
    ),
    offset_slider(
        "ag_b",
        "b (offset)",
        "The second entry of params.",
    ),
    Control(
        "ag_model",
        "Model",
        "radio",
        "line",
        options=MODELS,
        labels=MODEL_LABELS,
        help="Add a term and autograd records more operations: the graph grows with the code.",
    ),
)
"""Where the graph is built: params and the model, beside the graph."""
ZERO_GRAD = (
    Control(
        "ag_nozero",
        "Forget optimizer.zero_grad()",
        "toggle",
        False,
        help="Train the line again without clearing .grad between steps, and compare.",
    ),
)
"""The switch of the training without ``zero_grad()``."""
GRAD_MODE = (
    Control(
        "ag_train",
        "is_train",
        "toggle",
        True,
        help="The flag passed to torch.set_grad_enabled(is_train), as in a training/validation loop.",
    ),
)
"""The flag of the detach / no_grad / set_grad_enabled table."""
CONTROLS = POINT + ZERO_GRAD + GRAD_MODE


def _best_line(v: Values) -> str:
    return (
        f"At w = {v.ag_w:g}, b = {v.ag_b:g} the line is close to the least-squares fit, so the "
        "gradient flowing into params is small: every node still passes the chain rule on, "
        "but there is little left to pass."
    )


def _start(v: Values) -> str:
    grad_w, grad_b = _gradient(readings.of(v), v.ag_w, v.ag_b)
    n = readings.of(v).n
    return (
        f"params = [{v.ag_w:g}, {v.ag_b:g}], as in the chapter: the gradient reaching params is "
        f"dL/dw = {fmt(grad_w)} and dL/db = {fmt(grad_b)}. Follow it up the graph: the mean "
        f"hands each squared miss 1/{n}, the square doubles each miss, and the multiply by t_u "
        "makes dL/dw so much larger than dL/db."
    )


def _gradient(data: tc.Readings, w: float, b: float) -> list[float]:
    """params.grad after one backward() of the line's loss at (w, b), as the page shows it."""
    graph = ag.loss_graph(data, w, b)
    leaf = next(n for n in graph.nodes if n.op == "AccumulateGrad")
    assert leaf.grad is not None
    return list(leaf.grad)


PRESETS = (
    Preset(
        "The chapter's start",
        {"ag_w": 1.0, "ag_b": 0.0, "ag_model": "line"},
        _start,
    ),
    Preset(
        "Add a w2·t_u² term",
        {"ag_w": 1.0, "ag_b": 0.0, "ag_model": "quad"},
        "One more term in the model and the graph gains an AddBackward0 and a MulBackward0; "
        "params gets a third gradient, for w2. The code changed, so the recorded graph did.",
    ),
    Preset(
        "Near the best line",
        {"ag_w": 0.537, "ag_b": -17.3, "ag_model": "line"},
        _best_line,
    ),
)
