"""The guided tour of Chapter 5, as data: one :class:`Step` per entry, in teaching order.

Adding a step means adding one entry. ``check`` looks at the page's actual control
values (the same object the page computes with) and says whether the task is done;
``solve`` is one set of control values that does the task (the tests set them through
the widgets and confirm the check flips). ``setup`` is what the step puts on the page
when the learner arrives: every other control of that page goes back to its default, so
no setting left over from earlier (a page visited before, a step answered differently)
changes the lesson the step is about. Every number a step quotes is computed here from
the same functions and the same control values the page uses, so the tour can never
drift from the pages.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import torch

import thermo_core as tc
from thermo_core.lessons import divergence as dv
from thermo_core.lessons.finite_differences import spacing
from thermo_core.lessons.optimizers import CATALOGUE, run_optimizer
from thermo_core.numbers import fmt
from ui import readings
from ui.controls import Values

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
    setup: Mapping[str, Any]


def page_values(stem: str, setup: Mapping[str, Any]) -> Values:
    """Every control of ``stem`` at its default, except those ``setup`` sets (callable
    defaults see the values before them, so an input-dependent rate follows ``setup``)."""
    import importlib

    values = Values()
    for control in importlib.import_module(f"ui.{stem}.settings").CONTROLS:
        values[control.key] = setup[control.key] if control.key in setup else control.initial(values)
    return values


TARGET_MSE = 10.0
"""Step 1's goal: an MSE any line through the cloud reaches, far above the best line's."""
PAST_CRITICAL = 3.6e-4
"""Step 4's rate: a round number just above the raw readings' critical rate (about 3.4e-4)."""


def _readings() -> tuple[torch.Tensor, torch.Tensor]:
    """The book's readings: the tour quotes their numbers and switches back to them."""
    return readings.BOOK.tensors()


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


def _raw_run(v: Mapping[str, Any]) -> dv.DivergenceRun:
    """The divergence page's run for these control values (the chapter's update, constant lr),
    with the page's verdict on it."""
    return dv.run_lesson(readings.BOOK, "none", float(v.get("lr", 1e-2)), int(v.get("epochs", 100)),
                         str(v.get("rule", "manual")), "constant",
                         float(v.get("start_w", 1.0)), float(v.get("start_b", 0.0)))


@lru_cache(maxsize=64)
def _reached(label: str, mode: str, lr: float, epochs: int) -> int | None:
    """First epoch within 1% of the best loss for a catalogue optimizer (None = never)."""
    return run_optimizer(readings.BOOK, label, mode, lr, epochs, state_at=[]).reached_at


def _sgd_gets_there(v: Mapping[str, Any]) -> bool:
    if "sgd" not in tuple(v.get("opts", ())):
        return False
    mode = v.get("opt_norm", "none")
    lr = float(v.get("opt_sgd_lr", CATALOGUE["SGD"].lr[mode]))
    return _reached("SGD", mode, lr, int(v.get("opt_epochs", 5000))) is not None


def _graph_sizes() -> tuple[int, int, float]:
    """Autograd nodes of the line's and the quadratic model's loss, and dL/dw2 at (1, 0, 0)."""
    from thermo_core.lessons import autograd as ag

    line, quad = ag.loss_graph(readings.BOOK, 1.0, 0.0), ag.loss_graph(readings.BOOK, 1.0, 0.0, w2=0.0)
    leaf = next(n for n in quad.nodes if n.op == "AccumulateGrad")
    assert leaf.grad is not None
    return len(line.nodes), len(quad.nodes), leaf.grad[2]


def _coldest_held_out(v: Mapping[str, Any]) -> bool:
    from thermo_core.lessons.overfitting import split_indices

    if v.get("ov_split") != "random":
        return False
    return 7 in split_indices(readings.BOOK, "random", float(v.get("ov_val", 0.2)), int(v.get("ov_seed", 0)))[1]


def _fahrenheit() -> tuple[str, str, str]:
    """The least-squares line read backwards, as the Home page's reveal prints it, and the
    closest known scale."""
    t_u, t_c = _readings()
    factor, offset = tc.conversion_from_fit(tc.optimal_params(t_u, t_c))
    unit, _ = tc.closest_unit(factor, offset)
    return f"{factor:.3f} · t_c + {offset:.2f}", unit.name, f"{unit.factor:g} · t_c + {unit.offset:g}"


def _overfitting_run(setup: Mapping[str, Any]) -> dict:
    """The overfitting page's own run (its cached ``lesson``) for these control values."""
    from ui.overfitting.runs import lesson
    from ui.overfitting.settings import run_settings

    return lesson(**run_settings(page_values("overfitting", setup)))


HOME = {"w": 1.0, "b": 0.0}
SURFACE = {"norm": "none"}
NUDGE = {"delta": "0.1", "scheme": "central", "dtype": "float32", "fd_w": 1.0, "fd_b": 0.0}
CHAPTER_RUN = {"norm": "none", "lr": 1e-2, "epochs": 100, "schedule": "constant"}
GRAPH = {"ag_w": 1.0, "ag_b": 0.0, "ag_model": "line"}
RACE = {"opt_norm": "none"}
LINE = {"ov_model": "linear", "ov_opt": "SGD", "ov_lr": 1e-2, "ov_epochs": 3000,
        "ov_split": "book", "ov_extra": 0, "ov_leak": False}
"""What each step puts on its page on arrival (every other control at its default)."""


@lru_cache(maxsize=1)
def steps() -> tuple[Step, ...]:
    """The tour's steps, built on first use: their answers quote numbers computed from the
    readings (a few short trainings), which no process should pay for at import."""
    fit, unit, unit_line = _fahrenheit()
    chapter = _raw_run(page_values("divergence", CHAPTER_RUN)).run
    past_values = page_values("divergence", {**CHAPTER_RUN, "lr": PAST_CRITICAL})
    past_lesson = _raw_run(past_values)
    past = past_lesson.run
    crit_raw = tc.critical_lr(_readings()[0].double())
    past_factor = max(r.factor for r in dv.step_factors(readings.BOOK, "none", PAST_CRITICAL).itertuples())
    race_values = page_values("optimizers", {**RACE, "opt_norm": "scale"})
    rates = {label: float(race_values[f"opt_{label.lower()}_lr"]) for label in ("SGD", "Adam")}
    race = {label: _reached(label, "scale", rates[label], int(race_values["opt_epochs"]))
            for label in rates}
    line_nodes, quad_nodes, dw2 = _graph_sizes()
    loss0 = float(tc.mse_loss(tc.model(_readings()[0], 1.0, 0.0), _readings()[1]))
    ulp0 = spacing(loss0, "float32")
    cond = {m: tc.curvature(tc.normalize(_readings()[0].double(), m)).condition_number
            for m in tc.NORMALIZATIONS}
    shuffled = {**LINE, "ov_split": "random", "ov_val": 0.2, "ov_seed": 0}
    book, cold = _overfitting_run(LINE), _overfitting_run(shuffled)
    cold_ratio = cold["raw"]["val"] / book["raw"]["val"]
    coldest = min(range(len(_readings()[0])), key=lambda i: float(_readings()[0][i]))
    return (
        Step(
            "home",
            "Fit by hand",
            "The model is a line t_c ≈ w·t_u + b, and the loss is the mean of the squared misses.",
            f"Move the sliders until the MSE of your line is below {TARGET_MSE:g}.",
            lambda v: _mse(v) < TARGET_MSE,
            {"w": 0.537, "b": -17.3},
            "Before you reveal the fit: which scale does the mystery thermometer read?",
            ("Kelvin", "Fahrenheit", "Réaumur"),
            ("Kelvin", "Fahrenheit", "Réaumur").index(unit),
            f"{unit}: press “Reveal the least-squares fit”. Read backwards, the best line is "
            f"t_u ≈ {fit}, close to {unit}'s t = {unit_line}.",
            HOME,
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
            SURFACE,
        ),
        Step(
            "finite_differences",
            "Nudging too little",
            "A finite difference estimates the slope from the loss at p ± δ.",
            "Keep central differences in float32 and find a δ where the estimate of ∂L/∂w is "
            f"worse than at δ = {NUDGE['delta']}.",
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
            NUDGE,
        ),
        Step(
            "divergence",
            "Just past the critical rate",
            f"The chapter's first run, lr = {fmt(CHAPTER_RUN['lr'], sig=2, trim=True)} on raw "
            f"readings, blows up: the loss is ∞ by epoch {chapter.diverged_at}. The critical "
            f"rate 2/λ_max is {fmt(crit_raw, sig=2, trim=True)}.",
            f"Keep raw readings and a constant rate, and set lr to "
            f"{fmt(PAST_CRITICAL, sig=2, trim=True)}, "
            f"{fmt(PAST_CRITICAL / crit_raw, sig=3)}× the critical rate.",
            lambda v: (v.get("norm") == "none" and v.get("schedule", "constant") == "constant"
                       and abs(float(v.get("lr", 0)) / PAST_CRITICAL - 1) < 1e-9),
            {"lr": PAST_CRITICAL},
            "Only a little past the critical rate: what does the run do?",
            ("It converges, a little faster", "It still diverges, only more slowly",
             "The loss stays where it started"),
            1 if past_lesson.verdict.code == "diverging" else 0,
            f"It diverges: along the steep direction each step multiplies the distance to the "
            f"minimum by {fmt(past_factor, sig=4)}, so the loss climbs to "
            f"{fmt(past.final_loss, sig=3)} by epoch {len(past.history)}. Only slowly: a factor "
            "just above 1 takes many steps to blow up.",
            CHAPTER_RUN,
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
                "Twice as many: every node is doubled",
            ),
            1,
            f"{quad_nodes} nodes: the extra term adds an AddBackward0 and a MulBackward0, and "
            f"params.grad gains dL/dw2 = {fmt(dw2, sig=5)}; t_u² needs no node because t_u does "
            "not require grad.",
            GRAPH,
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
            (f"SGD (lr {fmt(rates['SGD'], sig=2, trim=True)})",
             f"Adam (lr {fmt(rates['Adam'], sig=2, trim=True)})", "They tie"),
            0 if race["SGD"] < race["Adam"] else 1 if race["Adam"] < race["SGD"] else 2,
            f"Adam at epoch {race['Adam']}, SGD at epoch {race['SGD']}: once the inputs are "
            "normalized plain SGD gets there too, where on raw readings it never did.",
            RACE,
        ),
        Step(
            "overfitting",
            "Held out by chance",
            "The page shows the chapter's line on the book's split: the validation readings "
            "never train it, so their loss estimates how it does on readings it has not seen. "
            "Which readings land there is the luck of the shuffle.",
            f"Shuffle the readings with a seed so that the coldest one (index {coldest}) is in "
            "the validation set.",
            _coldest_held_out,
            {"ov_split": "random"},
            f"On the book's split the line's validation loss is {book['final_val']}. Held out, "
            "the coldest reading makes the line extrapolate. Its validation loss will be…",
            ("about the same", "several times higher", "lower"),
            1 if cold_ratio > 2 else (2 if cold_ratio < 0.8 else 0),
            f"With seed 0 (validation {list(cold['val_idx'])}) the line scores "
            f"{cold['final_val']} on validation against {book['final_val']} with the book's "
            f"split, though it fits its training readings at {cold['final_loss']} against "
            f"{book['final_loss']}. Two held-out readings make a noisy yardstick, and the edge "
            "of the range is where models go wrong.",
            LINE,
        ),
    )

