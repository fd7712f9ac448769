"""Helpers for the "Training vs. validation: overfitting" page.

A run is described by a ``RunSpec`` (the model and its training) and a :class:`Sampling`
(which readings it trains and is validated on); entry points return small dataclasses and
DataFrames. The maths lives in the general modules ``thermo_core.model_training``,
``thermo_core.models``, ``thermo_core.data`` and ``thermo_core.graphs``.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd
import torch
from torch import Tensor

from ..data import book_split, split, synthetic_readings
from ..graphs import count_graph_nodes
from ..model_training import (
    ModelRun,
    RunSpec,
    ValidationSummary,
    mse,
    train_model,
    validation_summary,
)
from ..models import count_parameters, fitted_curve, make_model, t_u_grid
from ..readings import Readings

SPLITS: tuple[str, ...] = ("book", "random")
""""book": the book's printed indices; "random": ``tc.split(11, val_fraction, split_seed)``."""

BOOK_LOG: dict[int, tuple[float, float]] = {
    1: (66.5811, 142.3890),
    500: (7.1454, 9.1252),
    3000: (3.0125, 3.5756),
}
"""The book's printed log for its split and the line (SGD, lr 1e-2, 0.1·t_u, from w = 1,
b = 0): epoch -> (training loss, validation loss), as printed to four decimals."""

HOLDOUT_SEED = 2024
"""Seed of the fresh readings used as an honest yardstick (never trained on)."""


@dataclass(frozen=True)
class Sampling:
    """Which readings a run trains and is validated on.

    split/val_fraction/split_seed: see :func:`split_indices`. extra/noise/data_seed: that
    many simulated Fahrenheit readings (``tc.synthetic_readings``) added to the *training*
    set; the validation points stay the same, so runs with and without extra data are
    compared on the same yardstick. ``noise`` is also the fresh hold-out readings' noise.
    """

    split: str = "book"
    val_fraction: float = 0.2
    split_seed: int = 0
    extra: int = 0
    noise: float = 3.0
    data_seed: int = 0


BOOK_RUN = RunSpec("linear", optimizer="SGD", lr=1e-2, epochs=3000)
"""The chapter's run: its line, SGD, lr 1e-2, 3000 epochs (``BOOK_LOG`` is its log)."""


@dataclass(frozen=True)
class Experiment:
    """One training run on the thermometer readings, ready to chart.

    history: epoch, loss (training), val_loss, holdout_loss (+ w, b for the line).
    points: t_u, t_c, role ("train", "validation", "synthetic") for the scatter; the
    synthetic readings are training points. curve: t_u, t_c_pred over a grid reaching 25 %
    beyond the data on each side. holdout_mse: final loss on ``holdout`` fresh simulated
    readings that never touch training, even with leak=True. frames (if snapshots were
    asked for): epoch, t_u, t_c_pred, the fitted curve as it stood at a few epochs, so a
    page can scrub through training; the last frame is the trained model.
    """

    history: pd.DataFrame
    points: pd.DataFrame
    curve: pd.DataFrame
    train_indices: list[int]
    val_indices: list[int]
    summary: ValidationSummary
    diverged_at: int | None
    n_params: int
    params: list[float]
    holdout_mse: float | None
    frames: pd.DataFrame | None = None


def split_indices(
    readings: Readings, split_name: str = "book", val_fraction: float = 0.2, split_seed: int = 0
) -> tuple[list[int], list[int]]:
    """(train, validation) indices of the readings, in shuffled order.

    The book's split exists only for the book's 11 readings; on other readings "book" means
    the book's recipe instead: 20 % for validation, shuffled with seed 0.
    """
    if split_name == "book" and readings.is_book:
        tr, va = book_split()
    elif split_name == "book":
        tr, va = split(readings.n, 0.2, 0)
    elif split_name == "random":
        tr, va = split(readings.n, val_fraction, split_seed)
    else:
        raise ValueError(f"unknown split {split_name!r}; allowed: {', '.join(SPLITS)}")
    return tr.tolist(), va.tolist()


def _run(
    readings: Readings,
    spec: RunSpec,
    sampling: Sampling,
    holdout: int,
    frame_at: tuple[list[int], Tensor] | None = None,
    holdout_at: list[int] | None = None,
) -> tuple[ModelRun, pd.DataFrame, list[int], list[int], list[pd.DataFrame]]:
    t_u, t_c = readings.tensors()
    tr, va = split_indices(readings, sampling.split, sampling.val_fraction, sampling.split_seed)
    x, y = t_u[tr], t_c[tr]
    roles = [("train", i) for i in tr] + [("validation", i) for i in va]
    points = pd.DataFrame(
        {
            "t_u": [float(t_u[i]) for _, i in roles],
            "t_c": [float(t_c[i]) for _, i in roles],
            "role": [r for r, _ in roles],
        }
    )
    if sampling.extra:
        su, sc = synthetic_readings(int(sampling.extra), sampling.noise, sampling.data_seed)
        x, y = torch.cat([x, su]), torch.cat([y, sc])
        synth = pd.DataFrame({"t_u": su.numpy(), "t_c": sc.numpy(), "role": "synthetic"})
        points = pd.concat([points, synth], ignore_index=True)
    held = synthetic_readings(int(holdout), sampling.noise, HOLDOUT_SEED) if holdout else None
    run = train_model(spec, x, y, val=(t_u[va], t_c[va]), holdout=held,
                      keep_at=frame_at[0] if frame_at else (), holdout_at=holdout_at)
    frames = _frames(run, frame_at[1]) if frame_at else []
    return run, points, tr, va, frames


def _frames(run: ModelRun, grid: Tensor) -> list[pd.DataFrame]:
    """The fitted curve over ``grid`` at each kept epoch (parameters before that epoch's
    update, the book's epoch numbering)."""
    t_u = grid.numpy()
    return [pd.DataFrame({"epoch": e, "t_u": t_u, "t_c_pred": p.numpy()})
            for e, p in run.snapshot_predictions(grid).items()]


def snapshot_epochs(epochs: int, n: int = 40) -> list[int]:
    """About ``n`` epochs from 1 to ``epochs`` to draw the fitted curve at.

    Half spaced geometrically (models change fastest early on), half evenly.
    """
    if epochs < 1 or n < 2:
        raise ValueError("need epochs >= 1 and n >= 2")
    half = max(n // 2, 2)
    geo = torch.logspace(0, math.log10(epochs), half, dtype=torch.float64).round().long()
    even = torch.linspace(1, epochs, half, dtype=torch.float64).round().long()
    return sorted({int(e) for e in torch.cat([geo, even]).tolist()})


def experiment(
    readings: Readings,
    spec: RunSpec = BOOK_RUN,
    sampling: Sampling = Sampling(),
    *,
    holdout: int = 200,
    grid_points: int = 201,
    snapshots: int = 0,
    frame_points: int = 61,
    holdout_at: list[int] | None = None,
) -> Experiment:
    """Train ``spec``'s model on ``sampling``'s readings and return everything the page draws.

    holdout: number of fresh simulated readings (seed ``HOLDOUT_SEED``, ``sampling.noise``)
    scored every epoch (or only at the epochs ``holdout_at`` lists; NaN at the others); they
    never influence training, so they judge the validation loss.
    snapshots/frame_points: also record the fitted curve at about ``snapshots`` epochs
    (:func:`snapshot_epochs`) on a grid of ``frame_points`` readings (``frames``).
    The defaults are the chapter's run: the book's split, the line, SGD at lr 1e-2.
    """
    lo, hi = _t_u_span(readings, sampling.extra, sampling.noise, sampling.data_seed)
    frame_at = None
    if snapshots:
        frame_at = (snapshot_epochs(spec.epochs, snapshots), t_u_grid(lo, hi, frame_points))
    run, points, tr, va, frames = _run(readings, spec, sampling, holdout, frame_at, holdout_at)
    assert run.model is not None
    curve = fitted_curve(run.model, t_u_grid(lo, hi, grid_points))
    h = run.history
    if frame_at is not None:
        last = fitted_curve(run.model, frame_at[1]).assign(epoch=int(h["epoch"].iloc[-1]))
        frames = [f for f in frames if f["epoch"].iloc[0] < last["epoch"].iloc[0]] + [last]
    return Experiment(
        history=h,
        points=points,
        curve=curve,
        train_indices=tr,
        val_indices=va,
        summary=validation_summary(run),
        diverged_at=run.diverged_at,
        n_params=count_parameters(run.model),
        params=run.params.tolist(),
        holdout_mse=float(h["holdout_loss"].iloc[-1]) if "holdout_loss" in h else None,
        frames=pd.concat(frames, ignore_index=True)[["epoch", "t_u", "t_c_pred"]]
        if frame_at is not None else None,
    )


def _t_u_span(readings: Readings, extra: int, noise: float, data_seed: int) -> tuple[float, float]:
    """Lowest and highest reading among all the points (book readings and synthetic)."""
    t_u, _ = readings.tensors()
    if extra:
        t_u = torch.cat([t_u, synthetic_readings(int(extra), noise, data_seed)[0]])
    return float(t_u.min()), float(t_u.max())


def leak_report(honest: Mapping[str, float], leaked: Mapping[str, float]) -> pd.DataFrame:
    """The last history rows (loss, val_loss, holdout_loss) of an honest run and of the same
    run trained with ``val_loss.backward()`` by mistake: one row per run ("honest", "leak"),
    plus val_minus_holdout, how far the validation loss flatters the model."""
    rows = []
    for name, last in (("honest", honest), ("leak", leaked)):
        rows.append(
            {
                "run": name,
                "loss": float(last["loss"]),
                "val_loss": float(last["val_loss"]),
                "holdout_loss": float(last["holdout_loss"]),
                "val_minus_holdout": float(last["val_loss"] - last["holdout_loss"]),
            }
        )
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class NoGradCost:
    """What computing the validation loss with and without ``torch.no_grad()`` gives and costs.

    requires_grad_*: the validation loss's ``requires_grad`` (the chapter's assert).
    nodes_*: autograd nodes kept alive behind the validation loss (0 under no_grad).
    seconds_*: best-of-``repeats`` time of one validation forward pass. same_value:
    both ways give the identical loss.
    """

    requires_grad_no_grad: bool
    requires_grad_graph: bool
    nodes_no_grad: int
    nodes_graph: int
    seconds_no_grad: float
    seconds_graph: float
    same_value: bool
    n_params: int


def no_grad_cost(
    readings: Readings,
    kind: str = "mlp", *, degree: int = 1, hidden: int = 13, init_seed: int = 0, repeats: int = 200
) -> NoGradCost:
    """Measure the chapter's ``with torch.no_grad(): val_loss = ...`` on the book's split
    (the book's recipe on other readings, see :func:`split_indices`)."""
    t_u, t_c = readings.tensors()
    tr, va = split_indices(readings)
    model = make_model(kind, t_u=t_u[tr], degree=degree, hidden=hidden, seed=init_seed)
    vx, vy = t_u[va], t_c[va]

    def timed(grad: bool) -> tuple[float, torch.Tensor]:
        best, out = float("inf"), None
        for _ in range(max(1, int(repeats))):
            start = time.perf_counter()
            with torch.set_grad_enabled(grad):
                out = mse(model(vx), vy)
            best = min(best, time.perf_counter() - start)
        assert out is not None
        return best, out

    t_off, off = timed(False)
    t_on, on = timed(True)
    return NoGradCost(
        requires_grad_no_grad=off.requires_grad,
        requires_grad_graph=on.requires_grad,
        nodes_no_grad=count_graph_nodes(off),
        nodes_graph=count_graph_nodes(on),
        seconds_no_grad=t_off,
        seconds_graph=t_on,
        same_value=bool(torch.equal(off, on.detach())),
        n_params=count_parameters(model),
    )

