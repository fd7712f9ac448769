"""The autograd page's "Show the PyTorch code": the graph walk, backward(), accumulation,
zero_(), the in-place mistake and no_grad, in one script that prints what the page shows."""

from __future__ import annotations

import thermo_core as tc
from ui.codegen import floats

_T_U, _T_C = tc.load_readings()


def script(w: float, b: float, quad: bool) -> str:
    """A self-contained torch script printing ``name = value`` lines the page also shows.

    Printed: nodes (autograd nodes in the graph), loss, grad_w, grad_b (and grad_w2 with
    the quadratic term), grad_w_twice, grad_b_twice (after a second backward), grad_w_zeroed,
    error (PyTorch's message for the in-place update outside no_grad).
    """
    start = f"[{w!r}, {b!r}" + (", 0.0]" if quad else "]")
    extra = " + w2 * t_u ** 2" if quad else ""
    args = "w, b, w2" if quad else "w, b"
    w2_line = '\nprint(f"grad_w2 = {params.grad[2].item():.4f}")' if quad else ""
    return f'''import torch

t_c = torch.tensor({floats(_T_C.tolist())})
t_u = torch.tensor({floats(_T_U.tolist())})

def model(t_u, {args}):
    return w * t_u + b{extra}

def loss_fn(t_p, t_c):
    squared_diffs = (t_p - t_c) ** 2
    return squared_diffs.mean()

params = torch.tensor({start}, requires_grad=True)
loss = loss_fn(model(t_u, *params), t_c)

# Walk the recorded graph from loss.grad_fn through next_functions.
seen, stack = [], [loss.grad_fn]
while stack:
    fn = stack.pop()
    if fn is None or any(fn is s for s in seen):
        continue
    seen.append(fn)
    stack.extend(child for child, _ in fn.next_functions)
print(f"nodes = {{len(seen)}}")

loss.backward()
print(f"loss = {{loss.item():.4f}}")
print(f"grad_w = {{params.grad[0].item():.4f}}")
print(f"grad_b = {{params.grad[1].item():.4f}}"){w2_line}

loss_fn(model(t_u, *params), t_c).backward()  # again, without zeroing: .grad adds up
print(f"grad_w_twice = {{params.grad[0].item():.4f}}")
print(f"grad_b_twice = {{params.grad[1].item():.4f}}")

params.grad.zero_()
print(f"grad_w_zeroed = {{params.grad[0].item():.4f}}")

try:
    params -= 1e-2 * params.grad  # the update, forgetting torch.no_grad()
except RuntimeError as exc:
    print(f"error = {{exc}}")

with torch.no_grad():
    val_loss = loss_fn(model(t_u, *params), t_c)
print(f"no_grad_requires_grad = {{val_loss.requires_grad}}")
'''
