"""The "Show the PyTorch code" script for "The loss surface", generated for the current settings.

Pure string building (no Streamlit), so a test can exec the script and compare what it
prints with what the page shows.
"""

from __future__ import annotations

import thermo_core as tc
from thermo_core.checks import check_choice
from ui.codegen import floats, which

_NORMALIZE = {
    "none": "x = t_u                              # raw readings",
    "scale": "x = 0.1 * t_u                        # the book's rescaling",
    "standardize": "x = (t_u - t_u.mean()) / t_u.std()  # mean 0, std 1 (std uses n - 1)",
}

_LOSS = {
    "mse": "loss = ((t_p - t_c) ** 2).mean()  # MSE",
    "l1": "loss = (t_p - t_c).abs().mean()  # L1: mean absolute error",
    "huber": "loss = torch.nn.functional.huber_loss(t_p, t_c, delta={delta!r})  # Huber",
}


PRINTED = (
    "loss", "grad_w", "grad_b", "loss_float32", "grad_w_float32", "grad_b_float32",
    "lambda_min", "lambda_max", "condition_number", "critical_lr", "w_star", "b_star", "min_mse",
)
"""The names the script prints, in order."""


def script(data: tc.Readings, norm: str, loss: str, w: float, b: float, huber_delta: float = 1.0) -> str:
    """A self-contained torch script printing the page's numbers as ``name = value`` lines.

    It rebuilds the readings (float32, as the book), works in float64 like the page, and
    prints the loss and gradient at (w, b), the same in float32 as the chapter computes
    them (its last digits differ), the MSE Hessian's eigenvalues, condition
    number and critical learning rate, and the least-squares minimum.
    """
    check_choice("normalization", norm, _NORMALIZE)
    T_U, T_C = data.values()
    check_choice("loss", loss, _LOSS)
    loss_line = _LOSS[loss].format(delta=float(huber_delta))
    return f"""# %% Data: {which(data)}, and the inputs x the normalization makes of them.
import torch

t_c = torch.tensor({floats(T_C)}).double()
t_u = torch.tensor({floats(T_U)}).double()  # float32 readings, then float64
{_NORMALIZE[norm]}

# %% Loss: the loss and its gradient at the point (w, b), by autograd, in float64.
w = torch.tensor({float(w)!r}, dtype=torch.float64, requires_grad=True)
b = torch.tensor({float(b)!r}, dtype=torch.float64, requires_grad=True)
t_p = w * x + b                       # prediction, compared with t_c
{loss_line}
loss.backward()
print("loss =", loss.item())
print("grad_w =", w.grad.item())
print("grad_b =", b.grad.item())

# %% Float32: the same as the chapter computes it, in float32; the last digits differ.
w32 = torch.tensor({float(w)!r}, requires_grad=True)
b32 = torch.tensor({float(b)!r}, requires_grad=True)
x, t_c = x.float(), t_c.float()
t_p = w32 * x + b32
{loss_line.replace("t_p, t_c", "t_p, t_c").replace("loss =", "loss32 =", 1)}
loss32.backward()
print("loss_float32 =", loss32.item())
print("grad_w_float32 =", w32.grad.item())
print("grad_b_float32 =", b32.grad.item())
x, t_c = x.double(), t_c.double()

# %% Curvature: the MSE's Hessian, constant for a line: 2 * [[mean(x^2), mean(x)], [mean(x), 1]].
m1, m2 = x.mean(), (x * x).mean()
H = 2 * torch.stack([torch.stack([m2, m1]), torch.stack([m1, torch.ones_like(m1)])])
lam = torch.linalg.eigvalsh(H)        # ascending
print("lambda_min =", lam[0].item())
print("lambda_max =", lam[1].item())
print("condition_number =", (lam[1] / lam[0]).item())
print("critical_lr =", (2 / lam[1]).item())  # plain gradient descent diverges above this

# %% Minimum: the least-squares line for these inputs x.
A = torch.stack([x, torch.ones_like(x)], dim=1)
w_star, b_star = torch.linalg.lstsq(A, t_c.unsqueeze(1)).solution.squeeze(1)
print("w_star =", w_star.item())
print("b_star =", b_star.item())
print("min_mse =", ((w_star * x + b_star - t_c) ** 2).mean().item())
"""
