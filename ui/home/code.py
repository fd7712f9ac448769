"""Home's "Show the PyTorch code": the MSE of the learner's line, as the chapter computes it."""

from __future__ import annotations

from ui.codegen import floats

PRINTED = ("mse",)


def script(w: float, b: float) -> str:
    """A self-contained torch script printing ``mse = <value>`` for the line (w, b)."""
    return f'''# %% Data: the chapter's readings, t_c in °C and t_u in the unknown unit.
import torch

t_c = torch.tensor({floats((0.5, 14.0, 15.0, 28.0, 11.0, 8.0, 3.0, -4.0, 6.0, 13.0, 21.0))})
t_u = torch.tensor({floats((35.7, 55.9, 58.2, 81.9, 56.3, 48.9, 33.9, 21.8, 48.4, 60.4, 68.4))})

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
