"""The autograd page's "Show the PyTorch code": the graph walk, backward(), accumulation,
zero_(), the in-place mistake and no_grad, in one script that prints what the page shows."""

from __future__ import annotations

import thermo_core as tc
from ui.codegen import floats, which


def script(data: tc.Readings, w: float, b: float, quad: bool) -> str:
    """A self-contained torch script printing ``name = value`` lines the page also shows.

    Printed: nodes (autograd nodes in the graph), loss, grad_w, grad_b (and grad_w2 with
    the quadratic term), grad_w_twice, grad_b_twice (after a second backward), grad_w_zeroed,
    error (PyTorch's message for the in-place update outside no_grad).
    """
    start = f"[{w!r}, {b!r}" + (", 0.0]" if quad else "]")
    extra = " + w2 * t_u ** 2" if quad else ""
    args = "w, b, w2" if quad else "w, b"
    w2_line = '\nprint(f"grad_w2 = {params.grad[2].item():.4f}")' if quad else ""
    return f'''# %% Data: {which(data)}, t_c in °C and t_u in the unknown unit.
import torch

t_c = torch.tensor({floats(data.values()[1])})
t_u = torch.tensor({floats(data.values()[0])})

# %% Model: the line w · t_u + b (plus w2 · t_u² with the quadratic term).
def model(t_u, {args}):
    return w * t_u + b{extra}

# %% Loss: the mean of the squared misses (the MSE).
def loss_fn(t_p, t_c):
    squared_diffs = (t_p - t_c) ** 2
    return squared_diffs.mean()

# %% Forward: the loss at params; PyTorch records each operation as a graph.
params = torch.tensor({start}, requires_grad=True)
loss = loss_fn(model(t_u, *params), t_c)

# %% Graph: walk the recorded graph from loss.grad_fn through next_functions.
seen, stack = [], [loss.grad_fn]
while stack:
    fn = stack.pop()
    if fn is None or any(fn is s for s in seen):
        continue
    seen.append(fn)
    stack.extend(child for child, _ in fn.next_functions)
print(f"nodes = {{len(seen)}}")

# %% Backward: the chain rule runs back through the graph into params.grad.
loss.backward()
print(f"loss = {{loss.item():.4f}}")
print(f"grad_w = {{params.grad[0].item():.4f}}")
print(f"grad_b = {{params.grad[1].item():.4f}}"){w2_line}

# %% Accumulation: a second backward() without zeroing adds into .grad.
loss_fn(model(t_u, *params), t_c).backward()  # again, without zeroing: .grad adds up
print(f"grad_w_twice = {{params.grad[0].item():.4f}}")
print(f"grad_b_twice = {{params.grad[1].item():.4f}}")

# %% Zeroing: what optimizer.zero_grad() does to each parameter.
params.grad.zero_()
print(f"grad_w_zeroed = {{params.grad[0].item():.4f}}")

# %% In-place update: changing params outside torch.no_grad() fails.
try:
    params -= 1e-2 * params.grad  # the update, forgetting torch.no_grad()
except RuntimeError as exc:
    print(f"error = {{exc}}")

# %% No graph: a loss computed under torch.no_grad() records nothing.
with torch.no_grad():
    val_loss = loss_fn(model(t_u, *params), t_c)
print(f"no_grad_requires_grad = {{val_loss.requires_grad}}")
'''
