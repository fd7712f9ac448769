"""The guided tour of Chapter 5, as data: one :class:`Step` per entry, in teaching order.

Adding a step means adding one entry. ``check`` looks at the page's actual control
values (the same object the page computes with) and says whether the task is done;
``solve`` is one set of control values that does the task (the tests set them through
the widgets and confirm the check flips). Answers quote numbers computed here, so the
tour can never drift from the pages.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import torch

import thermo_core as tc
from thermo_core.lessons import divergence as dv
from thermo_core.lessons.optimizers import CATALOGUE, run_optimizer
from thermo_core.numbers import fmt

TOUR = "chapter5"
"""The tour's name in links: ``?tour=chapter5&step=3``."""


@dataclass(frozen=True)
class Step:
    """One step: where, what to read, what to do, how it is checked, what to predict."""

    page: str
    title: str
    text: str
    task: str
    check: Callable[[Mapping[str, Any]], bool]
    solve: Mapping[str, Any]
    question: str
    choices: tuple[str, ...]
    answer: int
    explain: str


def _readings() -> tuple[torch.Tensor, torch.Tensor]:
    return tc.load_readings()


def _mse(v: Mapping[str, Any]) -> float:
    t_u, t_c = _readings()
    return float(tc.mse_loss(tc.model(t_u, float(v["w"]), float(v["b"])), t_c))


def _fd_rel_error(delta: float, w: float, b: float) -> float:
    t_u, t_c = _readings()
    est = float(tc.numeric_grad(t_u, t_c, w, b, delta=delta, scheme="central")[0])
    exact = float(tc.analytic_grad(t_u.double(), t_c.double(), w, b)[0])
    return abs(est - exact) / abs(exact)


def _worse_than_tenth(v: Mapping[str, Any]) -> bool:
    if v.get("scheme") != "central" or v.get("dtype") != "float32":
        return False
    w, b = float(v.get("fd_w", 1.0)), float(v.get("fd_b", 0.0))
    return _fd_rel_error(float(v["delta"]), w, b) > _fd_rel_error(0.1, w, b)


def _raw_run(v: Mapping[str, Any], lr: float | None = None) -> tc.Run:
    """The divergence page's run for these control values (the chapter's update, constant lr)."""
    return dv.run_lesson("none", float(lr if lr is not None else v.get("lr", 1e-2)),
                         int(v.get("epochs", 100)), str(v.get("rule", "manual")), "constant",
                         float(v.get("start_w", 1.0)), float(v.get("start_b", 0.0))).run


def _tamed(v: Mapping[str, Any]) -> bool:
    if v.get("norm") != "none" or v.get("schedule", "constant") != "constant":
        return False
    run = _raw_run(v)
    return run.diverged_at is None and run.final_loss < float(run.history["loss"].iloc[0])


@lru_cache(maxsize=64)
def _reached(label: str, mode: str, lr: float, epochs: int) -> int | None:
    """First epoch within 1% of the best loss for a catalogue optimizer (None = never)."""
    return run_optimizer(label, mode, lr, epochs, state_at=[]).reached_at


def _sgd_gets_there(v: Mapping[str, Any]) -> bool:
    if "sgd" not in tuple(v.get("opts", ())):
        return False
    mode = v.get("opt_norm", "none")
    lr = float(v.get("opt_sgd_lr", CATALOGUE["SGD"].lr[mode]))
    return _reached("SGD", mode, lr, int(v.get("opt_epochs", 5000))) is not None


def _graph_sizes() -> tuple[int, int, float]:
    """Autograd nodes of the line's and the quadratic model's loss, and dL/dw2 at (1, 0, 0)."""
    from thermo_core.lessons import autograd as ag

    line, quad = ag.loss_graph(1.0, 0.0), ag.loss_graph(1.0, 0.0, w2=0.0)
    leaf = next(n for n in quad.nodes if n.op == "AccumulateGrad")
    assert leaf.grad is not None
    return len(line.nodes), len(quad.nodes), leaf.grad[2]


def _held_out_fit(split_name: str, val_fraction: float = 0.2, seed: int = 0) -> tuple:
    """Training and validation MSE of the least-squares line through a split's training
    readings (float64): where the chapter's training converges, computed in closed form."""
    from thermo_core.lessons.overfitting import split_indices

    t_u, t_c = _readings()
    tr, va = (torch.tensor(i) for i in split_indices(split_name, val_fraction, seed))
    w, b = tc.optimal_params(t_u[tr], t_c[tr]).tolist()
    mses = (float(((w * t_u[i].double() + b - t_c[i].double()) ** 2).mean()) for i in (tr, va))
    return (*mses, va.tolist())


def _coldest_held_out(v: Mapping[str, Any]) -> bool:
    from thermo_core.lessons.overfitting import split_indices

    if v.get("ov_split") != "random":
        return False
    return 7 in split_indices("random", float(v.get("ov_val", 0.2)), int(v.get("ov_seed", 0)))[1]


@lru_cache(maxsize=1)
def steps() -> tuple[Step, ...]:
    """The tour's steps, built on first use: their answers quote numbers computed from the
    readings (a few short trainings), which no process should pay for at import."""
    past = _raw_run({}, 3.6e-4)
    crit_raw = tc.critical_lr(_readings()[0].double())
    race = {label: _reached(label, "scale", CATALOGUE[label].lr["scale"], 5000)
            for label in ("SGD", "Adam")}
    line_nodes, quad_nodes, dw2 = _graph_sizes()
    loss0 = float(tc.mse_loss(tc.model(_readings()[0], 1.0, 0.0), _readings()[1]))
    ulp0 = tc.finite_differences.spacing(loss0, "float32")
    cond = {m: tc.curvature(tc.normalize(_readings()[0].double(), m)).condition_number
            for m in tc.NORMALIZATIONS}
    book_fit = _held_out_fit("book")
    cold_fit = _held_out_fit("random", 0.2, 0)
    cold_ratio = cold_fit[1] / book_fit[1]
    return (
        Step(
            "home",
            "Fit by hand",
            "The model is a line t_c ≈ w·t_u + b, and the loss is the mean of the squared misses.",
            "Move the sliders until the MSE of your line is below 10.",
            lambda v: _mse(v) < 10,
            {"w": 0.537, "b": -17.3},
            "Before you reveal the fit: which scale does the mystery thermometer read?",
            ("Kelvin", "Fahrenheit", "Réaumur"),
            1,
            "Fahrenheit: read backwards, the best line is t_u ≈ 1.8·t_c + 32.",
        ),
        Step(
            "loss_surface",
            "The landscape",
            "Each (w, b) has a loss. On raw readings the low ground is a long, thin valley.",
            "Switch the input normalization to standardize.",
            lambda v: v.get("norm") == "standardize",
            {"norm": "standardize"},
            "What happens to the condition number (steepest over flattest curvature)?",
            ("It stays about the same", "It drops to about 1", "It grows tenfold"),
            1,
            f"It drops from {fmt(cond['none'], 0)} on raw readings to "
            f"{fmt(cond['standardize'], 2)}: the valley becomes a round bowl.",
        ),
        Step(
            "finite_differences",
            "Nudging too little",
            "A finite difference estimates the slope from the loss at p ± δ.",
            "Keep central differences in float32 and find a δ where the estimate of ∂L/∂w is "
            "worse than at δ = 0.1.",
            _worse_than_tenth,
            {"delta": "1e-05", "scheme": "central", "dtype": "float32"},
            "Why does a tiny δ make float32's estimate worse, not better?",
            (
                "The loss is not smooth enough",
                "Rounding in L(p ± δ) is divided by a tiny 2δ",
                "The chain rule breaks down",
            ),
            1,
            f"Near the chapter's loss of {fmt(loss0, 1)}, neighbouring float32 numbers are "
            f"{fmt(ulp0, sig=2, trim=True)} apart, so each L(p ± δ) is rounded by up to half that; "
            "dividing the difference by a tiny 2δ blows the rounding up.",
        ),
        Step(
            "divergence",
            "Too big a step",
            "The chapter's first run, lr = 0.01 on raw readings, blows up: the loss is ∞ by epoch 11.",
            "With raw readings (normalization none) and a constant rate, find a learning rate "
            "at which the loss stays finite and ends lower than it started.",
            _tamed,
            {"norm": "none", "lr": 1e-4},
            f"The critical rate on raw readings is {fmt(crit_raw, sig=2, trim=True)}. What happens at "
            f"lr = {fmt(3.6e-4, sig=2, trim=True)}, just {round(100 * (3.6e-4 / crit_raw - 1))}% "
            "above it?",
            ("It converges, a little faster", "It still diverges, only more slowly",
             "The loss stays where it started"),
            1,
            f"It diverges: along w each step multiplies the distance to the minimum by "
            f"{fmt(abs(1 - 3.6e-4 * float(tc.curvature(_readings()[0].double()).eigenvalues[1])), sig=4)}"
            f", so the loss climbs to {fmt(float(past.history['loss'].iloc[-1]), sig=3)} by epoch "
            f"{len(past.history)}.",
        ),
        Step(
            "autograd",
            "The graph follows the code",
            "backward() runs the chain rule through the graph PyTorch recorded while the loss was "
            "computed.",
            "Change the model to w·t_u + b + w2·t_u².",
            lambda v: v.get("ag_model") == "quad",
            {"ag_model": "quad"},
            f"The line's loss records {line_nodes} autograd nodes. How many does the new model's?",
            (
                f"Still {line_nodes}: the graph is fixed by the loss function",
                f"{quad_nodes}: one more add and one more multiply",
                f"{2 * line_nodes}: every node is doubled",
            ),
            1,
            f"{quad_nodes} nodes: the extra term adds an AddBackward0 and a MulBackward0, and "
            f"params.grad gains dL/dw2 = {fmt(dw2, sig=5)}; t_u² needs no node because t_u does "
            "not require grad.",
        ),
        Step(
            "optimizers",
            "SGD needs normalized inputs",
            "On raw readings plain SGD never gets near the best loss: any rate that does not "
            "diverge is far too slow along b.",
            "Keep SGD in the race and change the inputs (or its learning rate) until it gets "
            "within 1% of the best loss.",
            _sgd_gets_there,
            {"opt_norm": "scale"},
            "On 0.1 · t_u with their default rates, which gets within 1% of the best loss first?",
            ("SGD (lr 0.02)", "Adam (lr 0.1)", "They tie"),
            0 if race["SGD"] < race["Adam"] else 1 if race["Adam"] < race["SGD"] else 2,
            f"Adam at epoch {race['Adam']}, SGD at epoch {race['SGD']}: once the inputs are "
            "normalized plain SGD gets there too, where on raw readings it never did.",
        ),
        Step(
            "overfitting",
            "Held out by chance",
            "The validation readings never train the model, so their loss estimates how it does "
            "on readings it has not seen. Which readings land there is the luck of the shuffle.",
            "Shuffle the readings with a seed so that the coldest one (index 7, t_u = 21.8) is "
            "in the validation set.",
            _coldest_held_out,
            {"ov_split": "random"},
            "The best line through the other readings must now extrapolate to the coldest one. "
            "Its validation loss, compared with the book's split, is…",
            ("about the same", "several times higher", "lower"),
            1 if cold_ratio > 2 else (2 if cold_ratio < 0.8 else 0),
            f"With seed 0 (validation {cold_fit[2]}) the least-squares line scores "
            f"{fmt(cold_fit[1], 2)} on validation against {fmt(book_fit[1], 2)} with the book's "
            f"split ({fmt(cold_ratio, 1)}×), though it fits its training readings better "
            f"({fmt(cold_fit[0], 2)} vs {fmt(book_fit[0], 2)}). Two held-out readings make a "
            "noisy yardstick, and the edge of the range is where models go wrong.",
        ),
    )


def step_pages() -> list[str]:
    """The page of every step, for the catalog check."""
    return [s.page for s in steps()]


def __getattr__(name: str) -> Any:
    """``STEPS``, the same tuple as :func:`steps`, for code that imports the name."""
    if name == "STEPS":
        return steps()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
