"""The divergence page's "Show the PyTorch code": the chapter's loop with the page's settings."""

from __future__ import annotations

import thermo_core as tc
from ui.codegen import floats, which

PRINTED = ("diverged_at", "final_loss", "w", "b")

_INPUTS = {
    "none": "x = t_u",
    "scale": "x = 0.1 * t_u",
    "standardize": "x = (t_u - t_u.mean()) / t_u.std()",
}


def _scheduler(schedule: str, kwargs: dict) -> str:
    if schedule == "constant":
        return "scheduler = None"
    args = ", ".join(f"{k}={v!r}" for k, v in kwargs.items())
    if schedule == "CosineAnnealingLR" and "T_max" not in kwargs:
        args = ", ".join(filter(None, ["T_max=epochs", args]))
    return f"scheduler = optim.lr_scheduler.{schedule}(optimizer, {args})"


def script(data: tc.Readings, mode: str, lr: float, epochs: int, rule: str, schedule: str, kwargs: dict,
           w0: float, b0: float, digits: int = 5) -> str:
    """A self-contained torch script that trains as the page does and prints its outcome.

    ``kwargs`` are the scheduler's settings (dv.schedule_kwargs). A schedule is written as the
    PyTorch docs write it: ``optimizer.step()`` then ``scheduler.step()`` on the optimizer that
    owns the parameters (plain SGD, whose step is the chapter's ``params -= lr * grad``), and
    the script also prints the peak loss and its epoch. ``digits``: significant digits of the
    final loss, w and b (fewer when float32 rounding decides them, see text.code_caption).
    """
    t_u, t_c = data.values()
    scheduled = schedule != "constant"
    if rule == "manual" and not scheduled:
        setup = ""
        update = """    loss.backward()
    with torch.no_grad():
        params -= lr * params.grad  # the chapter's update
    params.grad = None"""
    else:
        note = ("  # its step is the chapter's params -= lr * grad" if rule == "manual" else "")
        setup = f"optimizer = optim.SGD([params], lr=lr){note}"
        if scheduled:
            setup += "\n" + _scheduler(schedule, kwargs)
        update = """    optimizer.zero_grad()
    loss.backward()
    optimizer.step()"""
        if scheduled:
            step = ("scheduler.step(loss.item())" if schedule == "ReduceLROnPlateau"
                    else "scheduler.step()")
            update += f"\n    {step}  # after optimizer.step(), as the PyTorch docs do"
    peak_init = peak_track = peak_print = ""
    if scheduled:
        peak_init = "\npeak_loss, peak_epoch = 0.0, 0"
        peak_track = """
    if loss.item() > peak_loss:
        peak_loss, peak_epoch = loss.item(), epoch"""
        peak_print = """
print(f"peak_loss = {peak_loss:.3g}")
print(f"peak_epoch = {peak_epoch}")"""
    return f'''# %% Data: {which(data)}, and the inputs x the normalization makes of them.
import torch
import torch.optim as optim

t_c = torch.tensor({floats(t_c)})
t_u = torch.tensor({floats(t_u)})
{_INPUTS[mode]}
# %% Settings: the learning rate, the epochs and the line's parameters [w, b] at the start.
lr, epochs = {lr!r}, {int(epochs)}

params = torch.tensor([{float(w0)!r}, {float(b0)!r}], requires_grad=True)
{setup}

# %% Training: the chapter's loop; it stops when the loss is no longer finite.
diverged_at, losses = None, []{peak_init}
for epoch in range(1, epochs + 1):
    w, b = params
    loss = ((w * x + b - t_c) ** 2).mean()  # the loss *before* this epoch's update
    if not torch.isfinite(loss):
        diverged_at = epoch  # stop, as the book's loop does
        break{peak_track}
    losses.append(loss.item())  # for the chart
{update}

# %% Results: where training stopped, the last loss and the parameters.
print(f"diverged_at = {{diverged_at or 'never'}}")
print(f"final_loss = {{loss.item():.{digits}g}}")
print(f"w = {{params[0].item():.{digits}g}}")
print(f"b = {{params[1].item():.{digits}g}}"){peak_print}
'''
