"""Helpers for the "Autograd under the hood" page.

Plain-number arguments, small dataclasses and DataFrames as results. Every number comes
from running real autograd on the readings (``thermo_core.graphs``,
``thermo_core.model_training``, ``thermo_core.losses``, ``thermo_core.gradients``).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import torch
from torch import Tensor

from ..gradients import analytic_grad
from ..graphs import Graph, trace_backward
from ..losses import model, mse_loss
from ..model_training import RunSpec, train_model
from ..readings import Readings


def _loss(params: Tensor, t_u: Tensor, t_c: Tensor) -> Tensor:
    """The chapter's loss; with a third parameter the model gains a w2·t_u² term."""
    if params.numel() == 2:
        return mse_loss(model(t_u, *params), t_c)
    w, b, w2 = params
    return mse_loss(model(t_u, w, b) + w2 * t_u**2, t_c)


def loss_graph(readings: Readings, w: float = 1.0, b: float = 0.0, w2: float | None = None) -> Graph:
    """The real autograd graph of ``mse_loss(model(t_u, *params), t_c)`` after ``backward()``.

    params = [w, b] (or [w, b, w2] when ``w2`` is given: the model becomes
    w·t_u + b + w2·t_u²). Raw t_u, as the chapter's first autograd example. Each node
    carries the gradient that flowed into it; ``.to_dot()`` gives text for st.graphviz_chart.
    """
    t_u, t_c = readings.tensors()
    values = [float(w), float(b)] + ([] if w2 is None else [float(w2)])
    params = torch.tensor(values, requires_grad=True)
    return trace_backward(_loss(params, t_u, t_c), {"params": params})


@dataclass(frozen=True)
class ChainRule:
    """dL/dw and dL/db assembled by hand from the chain rule, next to autograd's answer.

    table: per reading t_u, t_c, t_p, dL_dtp = 2(t_p - t_c)/n, dtp_dw = t_u, dtp_db = 1,
    dL_dw_term = dL_dtp·t_u, dL_db_term = dL_dtp (the gradient is the column sums).
    by_hand: the column sums in float32; autograd: ``params.grad`` after ``backward()``;
    analytic: ``tc.analytic_grad``; replay: autograd's own recipe (multiply by the float32
    value of 1/n instead of dividing by n) done by hand. note: why the last digits differ.
    """

    table: pd.DataFrame
    by_hand: list[float]
    autograd: list[float]
    analytic: list[float]
    replay: list[float]
    note: str


def chain_rule(readings: Readings, w: float = 1.0, b: float = 0.0) -> ChainRule:
    """The chain rule step by step at (w, b) on the raw readings, in float32."""
    t_u, t_c = readings.tensors()
    n = t_u.numel()
    params = torch.tensor([float(w), float(b)], requires_grad=True)
    _loss(params, t_u, t_c).backward()
    assert params.grad is not None
    with torch.no_grad():
        t_p = model(t_u, params[0], params[1])
        dl_dtp = 2 * (t_p - t_c) / n
        by_hand = torch.stack([(dl_dtp * t_u).sum(), dl_dtp.sum()])
        # MeanBackward hands each element 1·(1/n), PowBackward multiplies by 2·(t_p - t_c).
        g = 2 * (t_p - t_c) * (torch.ones(()) / n)
        replay = torch.stack([(g * t_u).sum(), g.sum()])
    table = pd.DataFrame(
        {
            "t_u": t_u.numpy(),
            "t_c": t_c.numpy(),
            "t_p": t_p.numpy(),
            "dL_dtp": dl_dtp.numpy(),
            "dtp_dw": t_u.numpy(),
            "dtp_db": torch.ones(n).numpy(),
            "dL_dw_term": (dl_dtp * t_u).numpy(),
            "dL_db_term": dl_dtp.numpy(),
        }
    )
    auto, hand, rep = params.grad.tolist(), by_hand.tolist(), replay.tolist()
    analytic = analytic_grad(t_u, t_c, float(w), float(b)).tolist()
    if auto == hand:
        note = "Autograd and the hand-written chain rule agree to the last float32 bit here."
    else:
        diffs = ", ".join(
            f"{name}: {a:.8g} vs {h:.8g}"
            for name, a, h in zip(("dL/dw", "dL/db"), auto, hand, strict=True)
            if a != h
        )
        same = "reproduces autograd exactly" if rep == auto else "still differs from autograd"
        note = (
            f"Autograd vs the formula 2(t_p - t_c)/n in float32 ({diffs}): the last digits "
            "differ because autograd's mean backward multiplies by the float32 value of 1/n, "
            "while the formula divides by n; each per-point term rounds differently before "
            f"the sum. Doing the multiplication by 1/n by hand {same}. Both are within "
            "float32 rounding of the exact value."
        )
    return ChainRule(table, hand, auto, analytic, rep, note)


def accumulation(readings: Readings, w: float = 1.0, b: float = 0.0, calls: int = 3) -> pd.DataFrame:
    """``params.grad`` after each of ``calls`` backward() calls, then zero_(), then one more.

    Columns step, action, grad_w, grad_b. Each backward builds a fresh forward graph, as the
    page's button does; the gradient is added to ``.grad``, never replaces it.
    """
    if isinstance(calls, bool) or not isinstance(calls, int) or not 1 <= calls <= 100:
        raise ValueError("calls must be a whole number from 1 to 100")
    t_u, t_c = readings.tensors()
    params = torch.tensor([float(w), float(b)], requires_grad=True)
    rows = []

    def record(action: str) -> None:
        assert params.grad is not None
        gw, gb = params.grad.tolist()
        rows.append({"step": len(rows) + 1, "action": action, "grad_w": gw, "grad_b": gb})

    for k in range(1, calls + 1):
        _loss(params, t_u, t_c).backward()
        record(f"backward() #{k}")
    assert params.grad is not None
    params.grad.zero_()
    record("params.grad.zero_()")
    _loss(params, t_u, t_c).backward()
    record("backward() after zero_()")
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class ZeroGradReport:
    """Loss curves of the same training with and without ``optimizer.zero_grad()``.

    history: epoch, loss_with, loss_without (NaN after the run without it diverged).
    tail_min_without, tail_max_without: the range of the run without zeroing over its last
    ``tail_epochs`` epochs (a tenth of the run), where it still swings.
    """

    history: pd.DataFrame
    final_with: float
    final_without: float
    diverged_at: int | None
    tail_min_without: float
    tail_max_without: float
    tail_epochs: int


def zero_grad_comparison(
    readings: Readings,
    lr: float = 1e-2, epochs: int = 3000, optimizer: str = "SGD", scaling: str = "scale"
) -> ZeroGradReport:
    """Train the chapter's line on all 11 readings (0.1·t_u by default), with and without zeroing."""
    t_u, t_c = readings.tensors()
    runs = {}
    for zero in (True, False):
        spec = RunSpec("linear", scaling=scaling, optimizer=optimizer, lr=lr, epochs=epochs,
                       zero_grad=zero)
        runs[zero] = train_model(spec, t_u, t_c)
    hist = pd.DataFrame({"epoch": range(1, epochs + 1)})
    hist["loss_with"] = hist["epoch"].map(runs[True].history.set_index("epoch")["loss"])
    hist["loss_without"] = hist["epoch"].map(runs[False].history.set_index("epoch")["loss"])
    bad = runs[False]
    final_with = float(runs[True].history["loss"].iloc[-1])
    final_without = float(bad.history["loss"].iloc[-1])
    tail = bad.history["loss"].iloc[-max(1, len(bad.history) // 10) :]
    lo, hi = float(tail.min()), float(tail.max())
    return ZeroGradReport(hist, final_with, final_without, bad.diverged_at, lo, hi, len(tail))


@dataclass(frozen=True)
class InplaceError:
    """What happens on ``params -= lr * params.grad`` outside ``torch.no_grad()``.

    error_type / message: the exception PyTorch really raised (message as text, not
    hard-coded); "" if none was raised. params_unchanged: the update did not happen.
    """

    code: str
    error_type: str
    message: str
    params_unchanged: bool


def inplace_update_error(readings: Readings, w: float = 1.0, b: float = 0.0, lr: float = 1e-2) -> InplaceError:
    """Try the chapter's update without ``torch.no_grad()`` and capture PyTorch's complaint."""
    t_u, t_c = readings.tensors()
    params = torch.tensor([float(w), float(b)], requires_grad=True)
    _loss(params, t_u, t_c).backward()
    before = params.detach().clone()
    code = "params -= learning_rate * params.grad"
    try:
        params -= lr * params.grad  # the mistake, on purpose
    except RuntimeError as exc:
        return InplaceError(
            code, type(exc).__name__, str(exc), bool(torch.equal(params.detach(), before))
        )
    return InplaceError(code, "", "", bool(torch.equal(params.detach(), before)))


def grad_mode_table(readings: Readings, is_train: bool = True) -> pd.DataFrame:
    """requires_grad and grad_fn of ``loss`` computed four ways from a params leaf.

    Rows: plain (graph recorded), ``.detach()``, ``with torch.no_grad()``,
    ``with torch.set_grad_enabled(is_train)``, and a leaf created *inside* no_grad with
    requires_grad=True (no_grad stops recording operations; it does not clear the flag
    you set yourself). Columns case, code, requires_grad, grad_fn (class name, or the text "None").
    """
    t_u, t_c = readings.tensors()
    params = torch.tensor([1.0, 0.0], requires_grad=True)
    cases: list[tuple[str, str, Tensor]] = []
    cases.append(("graph on", "loss = loss_fn(model(t_u, *params), t_c)", _loss(params, t_u, t_c)))
    cases.append(
        (
            "detach()",
            "loss = loss_fn(model(t_u, *params), t_c).detach()",
            _loss(params, t_u, t_c).detach(),
        )
    )
    with torch.no_grad():
        cases.append(("no_grad()", "with torch.no_grad(): loss = ...", _loss(params, t_u, t_c)))
    with torch.set_grad_enabled(bool(is_train)):
        cases.append(
            (
                f"set_grad_enabled({bool(is_train)})",
                f"with torch.set_grad_enabled({bool(is_train)}): loss = ...",
                _loss(params, t_u, t_c),
            )
        )
    with torch.no_grad():
        leaf = torch.tensor([1.0, 0.0], requires_grad=True)
    cases.append(
        (
            "leaf made in no_grad()",
            "with torch.no_grad(): p = torch.tensor(..., requires_grad=True)",
            leaf,
        )
    )
    return pd.DataFrame(
        {
            "case": [c for c, _, _ in cases],
            "code": [code for _, code, _ in cases],
            "requires_grad": [bool(t.requires_grad) for _, _, t in cases],
            "grad_fn": [
                type(t.grad_fn).__name__ if t.grad_fn is not None else "None" for _, _, t in cases
            ],
        }
    )
