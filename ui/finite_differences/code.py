"""The "Show the PyTorch code" script for the Finite differences page.

Pure string building, no Streamlit, so tests can exec the exact text the page shows. The
script does the same tensor operations, in the same order, as the thermo_core functions
behind the page, so it prints the page's numbers exactly.
"""

from __future__ import annotations

import thermo_core as tc
from thermo_core.checks import check_choice
from ui.codegen import floats, which

_FD_LINE = {
    "central": "(L(p + step) - L(p - step)) / (2 * d)",
    "forward": "(L(p + step) - L(p)) / d",
    "backward": "(L(p) - L(p - step)) / d",
}

PRINTED = (
    "fd_dw",
    "fd_db",
    "analytic_dw",
    "analytic_db",
    "autograd_dw",
    "autograd_db",
    "reference_dw",
    "reference_db",
    "buggy_dw",
    "fixed_dw",
    "buggy_w_new",
    "buggy_b_new",
    "loss_before",
    "buggy_loss_after",
    "fixed_w_new",
    "fixed_b_new",
    "fixed_loss_after",
)
"""The names the script prints, one ``name = value`` line each, in this order."""


def script(data: tc.Readings, w: float, b: float, delta: float, scheme: str, dtype: str) -> str:
    """A self-contained torch script for these settings; prints every name in PRINTED."""
    check_choice("scheme", scheme, tuple(_FD_LINE))
    T_U, T_C = data.values()
    check_choice("dtype", dtype, ("float32", "float64"))
    return f"""# %% Data: {which(data)}, the point (w, b), the step δ and the precision.
import torch

t_c = torch.tensor({floats(T_C)})
t_u = torch.tensor({floats(T_U)})
w, b, delta = {float(w)!r}, {float(b)!r}, {float(delta)!r}
dtype = torch.{dtype}
x, y = t_u.to(dtype), t_c.to(dtype)


# %% Loss: the mean squared error of the line w · t_u + b.
def loss(w, b, t_u, t_c):
    t_p = w * t_u + b
    return ((t_p - t_c) ** 2).mean()


# %% Finite differences: {scheme} differences with step δ, everything in {dtype}.
p = torch.tensor([w, b], dtype=dtype)
d = torch.tensor(delta, dtype=dtype)


def L(q):
    return loss(q[0], q[1], x, y)


fd = []
for i in range(2):
    step = torch.zeros(2, dtype=dtype)
    step[i] = d
    fd.append({_FD_LINE[scheme]})

# %% Chain rule: the gradient by hand, in {dtype}.
t_p = w * x + b
dloss_dtp = 2 * (t_p - y) / t_p.size(0)
analytic = [(dloss_dtp * x).sum(), dloss_dtp.sum()]

# %% Autograd: the gradient PyTorch computes, in {dtype}.
params = torch.tensor([w, b], dtype=dtype, requires_grad=True)
loss(params[0], params[1], x, y).backward()
autograd = params.grad

# %% Reference: the chain rule in float64 on the same readings.
x64, y64 = t_u.double(), t_c.double()
g64 = 2 * (w * x64 + b - y64) / x64.size(0)
reference = [(g64 * x64).sum(), g64.sum()]

# %% Bracket slip: the notes' a - c / (2 delta) and the bracketed line, one step each, in {dtype}.
def buggy(a, c):
    return a - c / (2.0 * delta)


def fixed(a, c):
    return (a - c) / (2.0 * delta)


def step(slope, lr=1e-2):
    w_new = float(torch.tensor(w, dtype=dtype) - lr * torch.tensor(float(slope(
        loss(w + delta, b, x, y), loss(w - delta, b, x, y))), dtype=dtype))
    g_b = slope(loss(w_new, b + delta, x, y), loss(w_new, b - delta, x, y))
    b_new = float(torch.tensor(b, dtype=dtype) - lr * torch.tensor(float(g_b), dtype=dtype))
    return w_new, b_new, loss(w_new, b_new, x, y)


a, c = loss(w + delta, b, x, y), loss(w - delta, b, x, y)
buggy_dw, fixed_dw = buggy(a, c), fixed(a, c)
w_new, b_new, buggy_after = step(buggy)
fixed_w_new, fixed_b_new, fixed_after = step(fixed)

# %% Results: every number the page shows.
for name, value in [
    ("fd_dw", fd[0]), ("fd_db", fd[1]),
    ("analytic_dw", analytic[0]), ("analytic_db", analytic[1]),
    ("autograd_dw", autograd[0]), ("autograd_db", autograd[1]),
    ("reference_dw", reference[0]), ("reference_db", reference[1]),
    ("buggy_dw", buggy_dw), ("fixed_dw", fixed_dw),
    ("buggy_w_new", w_new), ("buggy_b_new", b_new),
    ("loss_before", loss(w, b, x, y)),
    ("buggy_loss_after", buggy_after),
    ("fixed_w_new", fixed_w_new), ("fixed_b_new", fixed_b_new),
    ("fixed_loss_after", fixed_after),
]:
    print(f"{{name}} = {{float(value)!r}}")
"""
