"""Sentences for the optimizer page, generated from the runs whose numbers they quote.

Every function takes the numbers (a race's ``row`` and ``settings``, an epoch-1 step from
``runs.inside``) and returns markdown; no number is typed into a sentence. The page and
its presets call these with the same cached runs the Results table shows. The race chart's
description, its table and its scrubber twin's sentence come from the same runs.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from thermo_core.lessons.optimizers import torch_default
from thermo_core.numbers import fmt, fmt_list

INPUT_NAMES = {"none": "raw t_u", "scale": "0.1 · t_u", "standardize": "standardized t_u"}

RULES: dict[str, str] = {
    "SGD": "p ← p − lr·g",
    "SGD + momentum": "buf ← μ·buf + g;  p ← p − lr·buf",
    "SGD + Nesterov": "buf ← μ·buf + g;  p ← p − lr·(g + μ·buf)",
    "Adagrad": "sum ← sum + g²;  p ← p − lr·g / (√sum + ε)",
    "RMSprop": "v ← α·v + (1 − α)·g²;  p ← p − lr·g / (√v + ε)",
    "Adadelta": "v ← ρ·v + (1 − ρ)·g²;  Δ ← g·√(u + ε) / √(v + ε);  u ← ρ·u + (1 − ρ)·Δ²;  "
                "p ← p − lr·Δ",
    "Adam": "m ← β₁·m + (1 − β₁)·g;  v ← β₂·v + (1 − β₂)·g²;  p ← p − lr·m̂ / (√v̂ + ε)",
    "AdamW": "Adam's step, then p ← p − lr·λ·p (λ = weight_decay)",
    "NAdam": "Adam, with m̂ looking one step ahead: β₁·m̂ + (1 − β₁)·g, as Nesterov does",
    "RAdam": "Adam's step times a rectifier once v̂ is reliable; until then p ← p − lr·m̂",
    "LBFGS": "p ← p − lr·H⁻¹g, with H⁻¹ estimated from the last steps' changes in p and g",
}
"""Each catalogue optimizer's update in one line (g: the gradient, p: w or b)."""


def rate(x: float) -> str:
    """A learning rate as the page prints it."""
    return fmt(x, sig=2, trim=True)


def _decay(x: float) -> str:
    """A momentum or beta (slider steps of 0.001 and 0.0001)."""
    return fmt(x, 4, trim=True)


def settings_phrase(settings: Mapping) -> str:
    """"lr 0.01, momentum 0.9": what a run was given, as the tuning sliders show it."""
    out = f"lr {rate(settings['lr'])}"
    if "momentum" in settings:
        out += f", momentum {_decay(settings['momentum'])}"
    if "betas" in settings:
        b1, b2 = settings["betas"]
        out += f", betas ({_decay(b1)}, {_decay(b2)})"
    return out


def outcome(row: Mapping, epochs: int, short: bool = False) -> str:
    """How a run ended, as the Results table says it (``short`` once "within 1% of the best
    loss" has been said)."""
    target = "1%" if short else "1% of the best loss"
    if row["diverged_at"] is not None:
        return f"diverges at epoch {row['diverged_at']}"
    if row["reached_at"] is not None:
        return f"gets within {target} at epoch {row['reached_at']}"
    return f"is not within {target} after {epochs} epochs"


COLUMN_HELP = {
    "final loss": "The loss before the last step.",
    "within 1% at": "The first epoch whose loss is within 1% of the least-squares best.",
    "w, b": "The final line in raw units (°C per t_u unit, °C).",
    "distance": "From the final w, b to the least-squares w, b, in raw units.",
    "ms": "Wall time of the run on this server.",
    "diverged": "The epoch whose loss overflowed, if any.",
}
"""The Results table's column tooltips."""


def results_caption(best_loss: float, mode: str, epochs: int, runs: list[tuple[str, dict]],
                    lbfgs_epochs: int) -> str:
    """What each run was given, and the best loss the table is measured against."""
    given = "; ".join(f"{label} {settings_phrase(s)}" for label, s in runs)
    cap = f" (LBFGS at most {lbfgs_epochs})" if any(label == "LBFGS" for label, _ in runs) else ""
    return (f"From w = 1, b = 0 on {INPUT_NAMES[mode]}, {epochs} epochs each{cap}: {given}. "
            f"Least-squares best loss {fmt(best_loss, 6)}; hover a column's name for its "
            "meaning.")


def momentum_vs_adam(mode: str, epochs: int, mom: Mapping, adam: Mapping,
                     mom_elsewhere: Mapping, adam_elsewhere: Mapping) -> str:
    """The honest reading of the race: momentum with a tuned rate is fast too; Adam's edge is
    that one rate works on any input scale.

    ``mom``/``adam``: this race's runs ({"row", "settings"}). ``mom_elsewhere``: momentum on
    these inputs with the settings tuned for the other inputs; ``adam_elsewhere``: Adam with
    this race's settings on the other inputs (both also carry "mode").
    """
    here, other = INPUT_NAMES[mode], INPUT_NAMES[adam_elsewhere["mode"]]
    m_row, a_row = mom["row"], adam["row"]
    m_at, a_at = m_row["reached_at"], a_row["reached_at"]
    if m_at is not None and a_at is not None and m_at != a_at:
        first, second = ("SGD + momentum", "Adam") if m_at < a_at else ("Adam", "SGD + momentum")
        out = (f"{first} beats {second} to within 1% here, epoch {min(m_at, a_at)} against "
               f"{max(m_at, a_at)}")
        out += f": tuned to {here}, momentum is fast too. " if m_at < a_at else ". "
    else:
        out = (f"On {here}, SGD + momentum {outcome(m_row, epochs)}; Adam "
               f"{outcome(a_row, epochs, short=True)}. ")
    tuned = mom_elsewhere["row"]
    out += (f"Tuned for {other} ({settings_phrase(mom_elsewhere['settings'])}), momentum "
            f"{outcome(tuned, epochs, short=True)} on {here}, while Adam with the same settings "
            f"{outcome(adam_elsewhere['row'], epochs, short=True)} on {other}.")
    worse = (tuned["diverged_at"] is not None or tuned["reached_at"] is None
             or (m_at is not None and tuned["reached_at"] > m_at))
    if worse and a_at is not None and adam_elsewhere["row"]["reached_at"] is not None:
        out += " Adam's edge is one rate for any input scale."
    return out


FULL_BATCH = (
    "Here g is the gradient of the loss over all {n} readings: every step of every optimizer "
    "sees the whole data set, so this is full-batch gradient descent, with no random subset. "
    "The \"stochastic\" in SGD's name is for training on random mini-batches, which this page "
    "never does: `torch.optim.SGD` steps with whatever gradient it is given. Its `momentum` "
    "is {m} unless you pass one, and with momentum {m} it is plain gradient descent: the SGD "
    "row."
)


def full_batch(n_readings: int) -> str:
    """The chapter notes' two slips about SGD, put right (see the page's Go deeper)."""
    return FULL_BATCH.format(n=n_readings, m=fmt(torch_default("SGD", "momentum"), 0))


def _ratio(a: float, b: float) -> str:
    return fmt(abs(a / b), sig=3) if b else "∞"


def here(label: str, settings: Mapping, step: tuple[float, float], grad: tuple[float, float],
         row: Mapping, epochs: int, critical: float) -> str:
    """What one optimizer did to w and b in this race: its epoch-1 step, why, and the end.

    ``step``: the change in (w, b) at epoch 1; ``grad``: the gradient then; ``critical``:
    2/λ_max for these inputs.
    """
    sw, sb = step
    gw, gb = grad
    lr = settings["lr"]
    moved = f"w by {fmt(sw)} and b by {fmt(sb)}"
    if label == "SGD":
        what = (f"At epoch 1 it moved {moved}: the step is −lr times the gradient "
                f"({fmt(gw)}, {fmt(gb)}), so w moves {_ratio(sw, sb)}× as far as b, the ratio "
                f"of their gradients. Any rate above 2/λ_max = {rate(critical)} diverges on "
                "these inputs.")
    elif label == "SGD + momentum":
        keep = settings["momentum"]
        what = (f"At epoch 1 the buffer is just the gradient, so it moved {moved}, as plain "
                f"SGD with lr {rate(lr)} would; after that each step keeps {_decay(keep)} of the "
                "last, so along a steady slope the steps grow towards "
                f"1/(1 − μ) = {fmt(1 / (1 - keep), sig=3, trim=True)}× lr·g.")
    elif label == "SGD + Nesterov":
        keep = settings["momentum"]
        what = (f"It steps where momentum is taking it: at epoch 1 that is (1 + μ) = "
                f"{fmt(1 + keep, 4, trim=True)}× plain SGD's step, {moved}.")
    elif label == "Adagrad":
        what = (f"At epoch 1 sum = g², so g/√sum = ±1: it moved {moved}, lr for both "
                f"though w's gradient is {_ratio(gw, gb)}× b's. sum only grows, so later "
                "steps shrink.")
    elif label == "RMSprop":
        what = (f"At epoch 1 v is a small share of g², so each parameter moved "
                f"{_ratio(sw, lr)}× lr whatever its gradient ({moved}). Unlike Adagrad's sum, v "
                "forgets old gradients, so its steps do not fade away.")
    elif label == "Adadelta":
        what = (f"u, the running size of past steps, starts at 0, so its epoch-1 step is tiny, "
                f"{moved} ({_ratio(sw, lr)}× lr): it starts slowly whatever lr is.")
    elif label == "Adam":
        what = (f"At epoch 1 m̂/√v̂ = g/|g| = ±1, so it moved {moved}: lr each, though w's "
                f"gradient is {_ratio(gw, gb)}× b's. The gradient's size cancels.")
    elif label == "AdamW":
        decay = settings.get("weight_decay", torch_default("AdamW", "weight_decay"))
        what = (f"At epoch 1 it moved {moved}: Adam's step of lr, plus lr·λ·p with λ = "
                f"{fmt(decay, 4, trim=True)}. The decay pulls w and b towards 0, so it settles "
                f"{fmt(row['distance'], sig=3)} from the least-squares w, b.")
    elif label == "NAdam":
        what = f"Like Adam it moves each parameter by about lr at first: {moved} at epoch 1."
    elif label == "RAdam":
        what = (f"While v̂ is unreliable its steps are lr·m̂, in proportion to the gradient: at "
                f"epoch 1 it moved {moved}, {_ratio(sw, sb)}× as far in w as in b, a plain "
                "momentum step that a large rate would make diverge.")
    elif label == "LBFGS":
        evaluations = settings.get("max_iter", torch_default("LBFGS", "max_iter"))
        what = (f"Each epoch is one step(closure) that evaluates the loss up to {evaluations} "
                f"times and uses the curvature it finds: its first step moved {moved}.")
    else:
        raise ValueError(f"no sentence for optimizer {label!r}")
    return f"{what} In this race it {outcome(row, epochs)}."


def lesson(sgd: Mapping, adam: Mapping, epochs: int, critical: float) -> str:
    """Preset "The chapter's lesson": raw inputs, SGD against Adam."""
    a, s = adam["row"], sgd["row"]
    return (f"On raw readings Adam ({settings_phrase(adam['settings'])}) ends at w, b = "
            f"{fmt_list(a['params'])} with loss {fmt(a['final_loss'], 6)} after {epochs} epochs, "
            f"the chapter's answer. SGD can only use a rate below the critical {rate(critical)}; "
            f"with {settings_phrase(sgd['settings'])} it {outcome(s, epochs)} (final loss "
            f"{fmt(s['final_loss'], 6)}): its path barely leaves the start along b.")


def normalized(sgd: Mapping, mom: Mapping, adam: Mapping, mode: str, epochs: int) -> str:
    """Preset "Normalize, and SGD catches up"."""
    return (f"On {INPUT_NAMES[mode]} plain SGD ({settings_phrase(sgd['settings'])}) "
            f"{outcome(sgd['row'], epochs)}, SGD + momentum ({settings_phrase(mom['settings'])}) "
            f"{outcome(mom['row'], epochs, short=True)} and Adam "
            f"({settings_phrase(adam['settings'])}) {outcome(adam['row'], epochs, short=True)}: "
            "rescaling the input, not a cleverer optimizer, fixed SGD.")


def too_big(sgd: Mapping, adam: Mapping, epochs: int, critical: float) -> str:
    """Preset "Too large a rate for SGD"."""
    return (f"SGD with {settings_phrase(sgd['settings'])} on raw readings, above the critical "
            f"{rate(critical)}, {outcome(sgd['row'], epochs)}: the steep w direction overshoots "
            f"further each step. Adam ({settings_phrase(adam['settings'])}) "
            f"{outcome(adam['row'], epochs)}, because its step size does not grow with the "
            "gradient.")


def _end(row: dict) -> str:
    if row["diverged_at"] is not None:
        return f"diverges at epoch {row['diverged_at']}"
    within = ("never within 1% of the best" if row["reached_at"] is None
              else f"within 1% of the best from epoch {row['reached_at']}")
    return f"ends at loss {fmt(row['final_loss'], 4)}, {within}"


def race_description(labels: list[str], rows: list[dict], mode: str, epochs: int,
                     best_loss: float) -> str:
    """The stacked chart in one paragraph: the panels, then each optimizer's outcome."""
    outcomes = "; ".join(f"{label} {_end(row)}" for label, row in zip(labels, rows, strict=True))
    return (f"{len(labels)} optimizer{'s' if len(labels) != 1 else ''} trained for {epochs} epochs "
            f"on {INPUT_NAMES[mode]}. Top: their paths over the loss surface towards the "
            f"least-squares optimum (diamond). Middle: loss per epoch, log scale, against the best "
            f"loss {fmt(best_loss, 4)}. Bottom: the size of each step in w and b at the scrubbed "
            f"epoch. {outcomes}.")


def history_table(paths: list[pd.DataFrame]) -> pd.DataFrame:
    """Each optimizer's drawn epochs: w, b and the loss before that epoch's update."""
    frame = pd.concat(paths, ignore_index=True)
    return frame.rename(columns={"opt": "optimizer"})[["optimizer", "epoch", "w", "b", "loss"]]


def twin_epochs(table: pd.DataFrame) -> list[int]:
    """The epochs any optimizer's drawn history holds, in order."""
    return sorted({int(e) for e in table["epoch"]})


def epoch_sentence(table: pd.DataFrame, epoch: int) -> str:
    """What the dots show at ``epoch``: each optimizer's last drawn row at or before it."""
    parts = []
    for label, rows in table.groupby("optimizer", sort=False):
        row = rows[rows["epoch"] <= epoch].iloc[-1]
        other = "" if int(row["epoch"]) == epoch else f" (its last drawn epoch, {int(row['epoch'])})"
        parts.append(f"{label}{other}: w = {fmt(float(row['w']), sig=6)}, "
                     f"b = {fmt(float(row['b']), sig=6)}, loss = {fmt(float(row['loss']), sig=6)}")
    return f"Epoch {epoch}, before its update: " + "; ".join(parts) + "."
