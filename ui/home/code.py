"""Home's "Show the PyTorch code": the MSE of the learner's line, as the chapter computes it."""

from __future__ import annotations

import thermo_core as tc
from ui.codegen import data_cell

PRINTED = ("mse",)


def script(data: tc.Readings, w: float, b: float) -> str:
    """A self-contained torch script printing ``mse = <value>`` for the line (w, b)."""
    return f'''{data_cell(data)}

# %% Model: a straight line, t_p = w · t_u + b.
def model(t_u, w, b):
    return w * t_u + b

# %% Loss: the mean of the squared misses (the MSE).
def loss_fn(t_p, t_c):
    squared_diffs = (t_p - t_c) ** 2
    return squared_diffs.mean()

# %% Results: the MSE of your line (w, b), as the page shows it.
w, b = torch.tensor({w!r}), torch.tensor({b!r})
t_p = model(t_u, w, b)
print(f"mse = {{loss_fn(t_p, t_c).item():.4f}}")
'''
