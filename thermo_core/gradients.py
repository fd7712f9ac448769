"""Three ways to get dL/d[w, b] for the MSE: by hand, by finite differences, by autograd.

The finite-difference helpers also measure their own error against the float64
analytic gradient, which is what the "Finite differences" page plots.
"""

from __future__ import annotations

import math

import pandas as pd
import torch
from torch import Tensor

from .checks import check_choice
from .losses import loss_fn, model, mse_loss

SCHEMES: tuple[str, ...] = ("central", "forward", "backward")
DTYPES: dict[str, torch.dtype] = {"float32": torch.float32, "float64": torch.float64}


def _as_float(x: float | Tensor) -> float:
    return float(x.item()) if isinstance(x, Tensor) else float(x)


def analytic_grad(t_u: Tensor, t_c: Tensor, w: float | Tensor, b: float | Tensor) -> Tensor:
    """[dL/dw, dL/db] of the MSE by the chain rule written out by hand.

    dL/dt_p = 2(t_p - t_c)/n, dt_p/dw = t_u, dt_p/db = 1; sum over the points.
    """
    t_p = model(t_u, w, b)
    dloss_dtp = 2 * (t_p - t_c) / t_p.size(0)
    return torch.stack([(dloss_dtp * t_u).sum(), dloss_dtp.sum()])


def autograd_grad(
    t_u: Tensor, t_c: Tensor, w: float | Tensor, b: float | Tensor, loss: str = "mse"
) -> Tensor:
    """[dL/dw, dL/db] from ``loss.backward()``, for any of the losses in ``LOSSES``."""
    params = torch.tensor([_as_float(w), _as_float(b)], dtype=t_u.dtype, requires_grad=True)
    value = loss_fn(loss)(model(t_u, params[0], params[1]), t_c)
    value.backward()
    assert params.grad is not None
    return params.grad.detach()


def numeric_grad(
    t_u: Tensor,
    t_c: Tensor,
    w: float | Tensor,
    b: float | Tensor,
    delta: float = 0.1,
    scheme: str = "central",
    dtype: torch.dtype = torch.float32,
) -> Tensor:
    """[dL/dw, dL/db] of the MSE by finite differences, computed entirely in ``dtype``.

    forward: (L(p+δ) - L(p))/δ; backward: (L(p) - L(p-δ))/δ;
    central: (L(p+δ) - L(p-δ))/(2δ). Note the brackets: see :func:`buggy_central_difference`.
    """
    check_choice("scheme", scheme, SCHEMES)
    if dtype not in DTYPES.values():
        raise ValueError("dtype must be torch.float32 or torch.float64")
    if not delta > 0:
        raise ValueError("delta must be positive")
    x, y = t_u.to(dtype), t_c.to(dtype)
    p = torch.tensor([_as_float(w), _as_float(b)], dtype=dtype)
    d = torch.tensor(delta, dtype=dtype)
    base = None if scheme == "central" else _loss_at(x, y, p)
    return torch.stack([_partial(x, y, p, d, i, scheme, base) for i in range(2)])


def _loss_at(x: Tensor, y: Tensor, q: Tensor) -> Tensor:
    return mse_loss(model(x, q[0], q[1]), y)


def _partial(x: Tensor, y: Tensor, p: Tensor, d: Tensor, i: int, scheme: str,
             base: Tensor | None) -> Tensor:
    """One finite-difference partial along parameter ``i``; ``base`` is L(p), which forward
    and backward share across both partials and every δ (central never needs it)."""
    step = torch.zeros(2, dtype=p.dtype)
    step[i] = d
    if scheme == "central":
        return (_loss_at(x, y, p + step) - _loss_at(x, y, p - step)) / (2 * d)
    assert base is not None
    if scheme == "forward":
        return (_loss_at(x, y, p + step) - base) / d
    return (base - _loss_at(x, y, p - step)) / d


def buggy_central_difference(
    t_u: Tensor, t_c: Tensor, w: float, b: float, delta: float = 0.1, wrt: str = "w"
) -> Tensor:
    """The notes' slip: ``loss(p+δ) - loss(p-δ) / (2δ)``. Division binds first.

    Kept on purpose for the "spot the bug" lesson; never use it as a gradient.
    """
    dw, db = (delta, 0.0) if wrt == "w" else (0.0, delta)
    a = mse_loss(model(t_u, w + dw, b + db), t_c)
    c = mse_loss(model(t_u, w - dw, b - db), t_c)
    return a - c / (2.0 * delta)


def fd_error_sweep(
    t_u: Tensor,
    t_c: Tensor,
    w: float,
    b: float,
    deltas: list[float],
    schemes: tuple[str, ...] = ("forward", "central"),
    dtypes: tuple[str, ...] = ("float32", "float64"),
    wrt: str = "w",
) -> pd.DataFrame:
    """Error of the finite-difference dL/dw (or dL/db) against the float64 analytic value.

    One row per (scheme, dtype, delta) with columns scheme, dtype, delta, estimate,
    abs_error, rel_error. An exact hit gives abs_error 0.0 (a log axis cannot draw it).
    """
    k = {"w": 0, "b": 1}[wrt]
    exact = float(analytic_grad(t_u.double(), t_c.double(), w, b)[k])
    for scheme in schemes:
        check_choice("scheme", scheme, SCHEMES)
    # The same tensor operations as numeric_grad, so every estimate is bitwise the same; but
    # only the partial asked for, and L(p) once per dtype: a third of the loss evaluations.
    at = {}
    for dname in dtypes:
        x, y = t_u.to(DTYPES[dname]), t_c.to(DTYPES[dname])
        p = torch.tensor([_as_float(w), _as_float(b)], dtype=DTYPES[dname])
        at[dname] = (x, y, p, _loss_at(x, y, p))
    rows = []
    for scheme in schemes:
        for dname in dtypes:
            x, y, p, base = at[dname]
            for delta in deltas:
                if not delta > 0:
                    raise ValueError("delta must be positive")
                d = torch.tensor(delta, dtype=DTYPES[dname])
                est = float(_partial(x, y, p, d, k, scheme, base))
                err = abs(est - exact) if math.isfinite(est) else math.inf
                rows.append(
                    {
                        "scheme": scheme,
                        "dtype": dname,
                        "delta": float(delta),
                        "estimate": est,
                        "abs_error": err,
                        "rel_error": err / abs(exact) if exact != 0 else math.inf,
                    }
                )
    return pd.DataFrame(rows)


def loss_evaluations(n_params: int, scheme: str = "central") -> int:
    """Loss evaluations finite differences need for one gradient of n_params parameters.

    central: 2P; forward or backward: P + 1 (one shared base point).
    Autograd needs one forward and one backward pass whatever P is.
    """
    check_choice("scheme", scheme, SCHEMES)
    return 2 * n_params if scheme == "central" else n_params + 1
