"""The overfitting page's "Show the PyTorch code": the page's run as a plain training loop.

The script rebuilds the split, the extra readings and the model the way thermo_core does
(same seeds, same operations), trains with torch.optim in the book's loop and prints the
numbers the page shows, so a test can run it and compare.
"""

from __future__ import annotations

import thermo_core as tc
from ui.codegen import floats, which

PRINTED = ("train_loss", "val_loss", "best_epoch", "best_val_loss")


def _split(data: tc.Readings, s: dict) -> str:
    if s["split_name"] == "book" and data.is_book:
        return ("train_indices = torch.tensor([9, 6, 5, 8, 4, 7, 0, 1, 3])  # the book's randperm\n"
                "val_indices = torch.tensor([2, 10])\n")
    fraction, seed = (0.2, 0) if s["split_name"] == "book" else (s["val_fraction"], s["split_seed"])
    return (f"n_val = min(max(1, int({fraction!r} * {data.n})), {data.n - 1})\n"
            f"shuffled = torch.randperm({data.n}, generator=torch.Generator().manual_seed({seed}))\n"
            "train_indices, val_indices = shuffled[:-n_val], shuffled[-n_val:]\n")


def _extra(s: dict) -> str:
    if not s["extra"]:
        return ""
    return f'''
# {s["extra"]} simulated Fahrenheit readings, training only: t_u = 1.8 t_c + 32 + noise
gen = torch.Generator().manual_seed({s["data_seed"]})
sim_c = -5.0 + 35.0 * torch.rand({s["extra"]}, generator=gen, dtype=torch.float64)
sim_u = 1.8 * sim_c + 32.0 + {s["noise"]!r} * torch.randn({s["extra"]}, generator=gen, dtype=torch.float64)
train_t_u = torch.cat([train_t_u, sim_u.float()])
train_t_c = torch.cat([train_t_c, sim_c.float()])
'''


def _model(s: dict) -> str:
    if s["kind"] == "linear":
        return '''# %% Model: the chapter's line, w · (0.1 t_u) + b.
params = torch.tensor([1.0, 0.0], requires_grad=True)
parameters = [params]

def model(t_u):
    return params[0] * (0.1 * t_u) + params[1]  # the chapter's w * t_un + b
'''
    if s["kind"] == "poly":
        return f'''# %% Model: a polynomial of degree {s["degree"]} in t_u, mapped onto [-1, 1].
lo, hi = float(train_t_u.min()), float(train_t_u.max())
shift, scale = (lo + hi) / 2, (hi - lo) / 2  # the readings' range onto [-1, 1]
coeffs = torch.zeros({s["degree"] + 1}, requires_grad=True)
parameters = [coeffs]

def model(t_u):
    x = (t_u - shift) / scale
    return (x.unsqueeze(-1) ** torch.arange({s["degree"] + 1}, dtype=x.dtype)) @ coeffs
'''
    return f'''# %% Model: a network with {s["hidden"]} tanh units, as in chapter 6.
seq = nn.Sequential(nn.Linear(1, {s["hidden"]}), nn.Tanh(), nn.Linear({s["hidden"]}, 1))
gen = torch.Generator().manual_seed({s["init_seed"]})  # PyTorch's default init, from our generator
with torch.no_grad():
    for layer in (seq[0], seq[2]):
        nn.init.kaiming_uniform_(layer.weight, a=math.sqrt(5), generator=gen)
        bound = 1 / math.sqrt(layer.weight.shape[1])
        nn.init.uniform_(layer.bias, -bound, bound, generator=gen)
parameters = list(seq.parameters())

def model(t_u):
    return seq((0.1 * t_u).unsqueeze(-1)).squeeze(-1)
'''


def script(data: tc.Readings, s: dict) -> str:
    """A self-contained torch script for the run ``s`` (the page's ``run_settings``)."""
    leak = s["leak"]
    val_step = (
        "    val_loss = loss_fn(model(val_t_u), val_t_c)  # BUG: graph kept, backward() below\n"
        if leak else
        "    with torch.no_grad():  # no graph: validation must not train\n"
        "        val_loss = loss_fn(model(val_t_u), val_t_c)\n"
        "        assert val_loss.requires_grad == False\n"
    )
    return f'''# %% Data: {which(data)}, split into training and validation readings.
import math

import torch
from torch import nn

torch.set_num_threads(1)
t_u = torch.tensor({floats(data.values()[0])})
t_c = torch.tensor({floats(data.values()[1])})
{_split(data, s)}train_t_u, train_t_c = t_u[train_indices], t_c[train_indices]
val_t_u, val_t_c = t_u[val_indices], t_c[val_indices]
{_extra(s)}
{_model(s)}

# %% Loss: the mean of the squared misses (the MSE).
def loss_fn(t_p, t_c):
    return ((t_p - t_c) ** 2).mean()

# %% Training: the book's loop, with the validation loss taken every epoch.
optimizer = torch.optim.{s["optimizer"]}(parameters, lr={s["lr"]!r})
best_epoch, best_val, losses = 0, math.inf, []  # losses: (train, val) per epoch
for epoch in range(1, {s["epochs"]} + 1):
    train_loss = loss_fn(model(train_t_u), train_t_c)
{val_step}    if val_loss.item() < best_val:
        best_epoch, best_val = epoch, val_loss.item()
    if not math.isfinite(train_loss.item()):
        break  # diverged
    losses.append((train_loss.item(), val_loss.item()))
    optimizer.zero_grad()
    train_loss.backward()
{"    val_loss.backward()  # BUG: the validation readings now train the model" + chr(10) if leak else ""}    optimizer.step()

# %% Results: the split, the final losses and the best validation epoch.
print(f"train_indices = {{train_indices.tolist()}}")
print(f"val_indices = {{val_indices.tolist()}}")
print(f"train_loss = {{train_loss.item():.4f}}")
print(f"val_loss = {{val_loss.item():.4f}}")
print(f"best_epoch = {{best_epoch}}")
print(f"best_val_loss = {{best_val:.4f}}")
'''
