"""Forward passes and MSE gradients of the three models, by the ATen calls autograd makes.

Why: ``lean_loop`` trains without building a graph, yet must produce exactly the numbers
of the book's ``loss.backward()`` (the overfitting page's code panel replays that loop).
So each gradient here is the chain of ATen functions that autograd's backward nodes call
for that model, in the same shapes and memory layouts:

- ``mean`` backward gives 1/n per reading and ``pow(·, 2)`` backward ``that · 2d``;
  doubling is exact, so ``seed · d`` with ``seed = (1/n)·2`` is the same float;
- the line ``p[0]·x + p[1]``: ``add`` and ``mul`` backward reduce to a 0-d parameter by
  ``sum(0, keepdim=True)`` (``sum_to``), ``select`` backward puts each into its slot;
- the polynomial ``powers @ c`` is ``mv``, whose backward is ``powersᵀ.mv(g)``;
- ``F.linear(x, W, b)`` is ``addmm(b, x, Wᵀ)``; Wᵀ is column-major, so addmm's backward
  returns ``(gᵀ·x)ᵀ`` for it and the transpose back to W gives ``gᵀ·x``; b gets g summed
  over the rows; the hidden layer gets ``g·W`` and then ``tanh_backward``.

Every function is plain TorchScript-compatible Python: ``lean_loop`` compiles its epoch
loop together with these. ``tests/test_lean_loop.py`` checks the results bit for bit
against autograd and ``torch.optim``.
"""

from __future__ import annotations

import torch
from torch import Tensor

from . import compiled

LINEAR, POLY, MLP = 0, 1, 2
"""Model codes: ``thermo_core.models`` classes carry theirs as ``BACKPROP_KIND``."""


def mean_seed(n: int, dtype: torch.dtype) -> Tensor:
    """d mean((p - y)²) / d (p - y), without the residual: (1/n)·2 per reading, as autograd
    forms it (``expand`` then divide, then pow's factor 2)."""
    return (torch.ones((), dtype=dtype).expand(n) / n) * 2


def forward(kind: int, x: Tensor, params: list[Tensor]) -> Tensor:
    """The model's prediction from prepared inputs ``x`` (see ``models.*.prepare``)."""
    if kind == 0:  # LINEAR (TorchScript takes no global constants)
        p = params[0]
        return p[0] * x + p[1]
    if kind == 1:  # POLY
        return torch.mv(x, params[0])
    hidden = torch.tanh(torch.addmm(params[1], x, params[0].t()))
    return torch.addmm(params[3], hidden, params[2].t()).squeeze(-1)


def mse(t_p: Tensor, t_c: Tensor) -> Tensor:
    """The chapter's loss, mean((t_p - t_c)²), written the same way as ``tc.mse_loss``
    (``models`` re-exports it)."""
    return ((t_p - t_c) ** 2).mean()


def loss_and_grads(kind: int, x: Tensor, t_c: Tensor, seed: Tensor,
                   params: list[Tensor]) -> tuple[Tensor, list[Tensor]]:
    """MSE of ``forward(kind, x, params)`` and its gradient, one tensor per parameter.

    Call under ``torch.no_grad()``: outside it would record a graph for nothing.
    """
    if kind == 0:  # LINEAR (TorchScript takes no global constants)
        p = params[0]
        d = p[0] * x + p[1] - t_c
        g = seed * d
        grad_w = (g * x).sum(0, keepdim=True).squeeze(0)
        grad_b = g.sum(0, keepdim=True).squeeze(0)
        return mse_of_residuals(d), [torch.stack([grad_w, grad_b])]
    if kind == 1:  # POLY
        d = torch.mv(x, params[0]) - t_c
        return mse_of_residuals(d), [x.t().mv(seed * d)]
    w1, b1, w2, b2 = params[0], params[1], params[2], params[3]
    a = torch.tanh(torch.addmm(b1, x, w1.t()))
    d = torch.addmm(b2, a, w2.t()).squeeze(-1) - t_c
    g2 = (seed * d).unsqueeze(-1)
    gz = torch.ops.aten.tanh_backward(g2.mm(w2), a)
    grads = [gz.t().mm(x), gz.sum(0, keepdim=True).view(b1.shape),
             g2.t().mm(a), g2.sum(0, keepdim=True).view(b2.shape)]
    return mse_of_residuals(d), grads


def mse_of_residuals(d: Tensor) -> Tensor:
    """``mse``'s last two operations, for a residual already formed."""
    return (d ** 2).mean()


@compiled.hot("lean_loop")
def forward_each(kind: int, vectors: list[Tensor], shapes: list[list[int]],
                 x: Tensor) -> list[Tensor]:
    """``forward`` at each flat parameter vector (``ModelRun.snapshots``' layout).

    ``shapes`` are the parameter tensors' shapes in ``model.parameters()`` order; each is
    cut out of the vector and copied, so it is laid out as the model's own tensor is.
    """
    out: list[Tensor] = []
    for vector in vectors:
        params: list[Tensor] = []
        start = 0
        for shape in shapes:
            size = 1
            for dim in shape:
                size *= dim
            params.append(vector[start:start + size].view(shape).clone())
            start += size
        out.append(forward(kind, x, params))
    return out
