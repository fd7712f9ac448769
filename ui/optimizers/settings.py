"""The optimizer page's controls and presets, declared once.

Each optimizer has a short URL id (``opts=sgd,adam``) and its own learning rate, plus
momentum or betas where the class takes them. Their defaults are the catalogue's for the
chosen inputs, so only the settings a learner changed reach the URL; changing the inputs
puts every rate back to the new inputs' defaults.
"""

from __future__ import annotations

import streamlit as st

import thermo_core as tc
from thermo_core.lessons.optimizers import CATALOGUE
from thermo_core.numbers import fmt
from ui import readings
from ui.controls import Control, Values
from ui.optimizers import text
from ui.optimizers.runs import critical_lr, race
from ui.page import Preset

IDS: dict[str, str] = {
    "sgd": "SGD",
    "momentum": "SGD + momentum",
    "nesterov": "SGD + Nesterov",
    "adagrad": "Adagrad",
    "rmsprop": "RMSprop",
    "adadelta": "Adadelta",
    "adam": "Adam",
    "adamw": "AdamW",
    "nadam": "NAdam",
    "radam": "RAdam",
    "lbfgs": "LBFGS",
}
"""URL id -> catalogue label, in the catalogue's order."""
LABELS_TO_IDS = {label: key for key, label in IDS.items()}
DEFAULT_OPTS = ("sgd", "momentum", "rmsprop", "adam")
LR_GRID = (*tuple(float(f"{m}e{k}") for k in range(-6, 1) for m in (1, 2, 3, 5)), 10.0)
"""Learning rates a slider offers: 1, 2, 3, 5 per decade from 1e-6 to 10 (every default is on it)."""
EPOCHS = (100, 200, 500, 1000, 2000, 3000, 5000)
LBFGS_EPOCHS = 200
"""LBFGS runs at most this many epochs: each evaluates the loss up to 20 times, and it
has converged long before."""
NORM_LABELS = {"none": "raw t_u", "scale": "0.1 · t_u (the book)", "standardize": "standardized"}


def lr_key(oid: str) -> str:
    return f"opt_{oid}_lr"


def mom_key(oid: str) -> str:
    return f"opt_{oid}_mom"


def beta_keys(oid: str) -> tuple[str, str]:
    return f"opt_{oid}_b1", f"opt_{oid}_b2"


def _reset_rates() -> None:
    """New inputs, new scale: every rate and momentum goes back to that input's default."""
    for oid in IDS:
        for key in (lr_key(oid), mom_key(oid)):
            st.session_state.pop(key, None)


def _tuning(oid: str) -> tuple[Control, ...]:
    spec = CATALOGUE[IDS[oid]]
    out = [
        Control(
            lr_key(oid), f"{spec.label}: learning rate", "select_slider",
            lambda v, s=spec: s.lr[v["opt_norm"]], options=LR_GRID,
            labels={x: fmt(x, sig=1, trim=True) for x in LR_GRID},
            help=f"lr passed to torch.optim.{spec.cls}. The default depends on the inputs.",
        )
    ]
    if spec.momentum is not None:
        out.append(Control(
            mom_key(oid), f"{spec.label}: momentum", "slider",
            lambda v, s=spec: s.momentum[v["opt_norm"]],
            # torch refuses Nesterov without momentum ("Nesterov momentum requires a momentum
            # and zero dampening"), so its slider starts one step above 0.
            bounds=(0.001 if oid == "nesterov" else 0.0, 0.999), step=0.001, fmt="%.3f",
            help="Fraction of the previous step kept in the momentum buffer."
            + (" Nesterov needs some momentum, so 0 is not offered." if oid == "nesterov" else ""),
        ))
    if spec.betas is not None:
        b1, b2 = beta_keys(oid)
        out.append(Control(b1, f"{spec.label}: beta1", "slider", spec.betas[0],
                           bounds=(0.0, 0.999), step=0.001, fmt="%.3f",
                           help="Decay of the running mean of gradients (exp_avg)."))
        out.append(Control(b2, f"{spec.label}: beta2", "slider", spec.betas[1],
                           bounds=(0.9, 0.9999), step=0.0001, fmt="%.4f",
                           help="Decay of the running mean of squared gradients (exp_avg_sq)."))
    return tuple(out)


MAIN = (
    Control(
        "opts", "Optimizers (real torch.optim classes)", "multiselect", DEFAULT_OPTS,
        options=tuple(IDS), labels=IDS,
        help="Each runs on the readings in use from w = 1, b = 0 with the rate set below.",
    ),
    Control(
        "opt_norm", "Inputs", "radio", "none", options=tc.NORMALIZATIONS, labels=NORM_LABELS,
        horizontal=True, on_change=_reset_rates,
        help="Raw readings, or rescaled ones. Switching puts every learning rate back to "
        "that input's default.",
    ),
    Control("opt_epochs", "Epochs", "select_slider", 5000, options=EPOCHS,
            help=f"Every optimizer takes this many steps (LBFGS at most {LBFGS_EPOCHS})."),
)
TUNING: dict[str, tuple[Control, ...]] = {oid: _tuning(oid) for oid in IDS}
AT = Control(
    "opt_at", "Epoch to look inside", "number", 1, bounds=lambda v: (1, int(v["opt_epochs"])),
    step=1, help="The optimizers' state right after this epoch's step, read from optimizer.state.",
)
CONTROLS = MAIN + tuple(c for group in TUNING.values() for c in group) + (AT,)


def run_args(oid: str, v: Values) -> tuple:
    """One optimizer's run as plain values for ``run_optimizer``: (label, mode, lr, epochs,
    momentum, beta1, beta2), None where the class takes no such setting."""
    label = IDS[oid]
    spec = CATALOGUE[label]
    mode = v["opt_norm"]
    epochs = int(v["opt_epochs"])
    momentum = beta1 = beta2 = None
    if spec.momentum is not None:
        momentum = float(v.get(mom_key(oid), spec.momentum[mode]))
    if spec.betas is not None:
        b1, b2 = beta_keys(oid)
        beta1, beta2 = float(v.get(b1, spec.betas[0])), float(v.get(b2, spec.betas[1]))
    return (label, mode, float(v.get(lr_key(oid), spec.lr[mode])),
            min(epochs, LBFGS_EPOCHS) if oid == "lbfgs" else epochs, momentum, beta1, beta2)


def _run(oid: str, v: Values) -> dict:
    """This optimizer's run for the page's values: the very one its Results row shows."""
    return race(readings.of(v), *run_args(oid, v))


def _lesson(v: Values) -> str:
    return text.lesson(_run("sgd", v), _run("adam", v), int(v.opt_epochs),
                       critical_lr(readings.of(v), v.opt_norm))


def _normalized(v: Values) -> str:
    return text.normalized(_run("sgd", v), _run("momentum", v), _run("adam", v), v.opt_norm,
                           int(v.opt_epochs))


def _too_big(v: Values) -> str:
    return text.too_big(_run("sgd", v), _run("adam", v), int(v.opt_epochs),
                        critical_lr(readings.of(v), v.opt_norm))


PRESETS = (
    Preset("The chapter's lesson: raw inputs, SGD vs Adam",
           {"opts": ("sgd", "adam"), "opt_norm": "none", "opt_epochs": 2000,
            lr_key("sgd"): 1e-4, lr_key("adam"): 0.1}, _lesson),
    Preset("Normalize, and SGD catches up",
           {"opts": ("sgd", "momentum", "adam"), "opt_norm": "scale", "opt_epochs": 5000,
            lr_key("sgd"): 2e-2, lr_key("momentum"): 1e-2, mom_key("momentum"): 0.9,
            lr_key("adam"): 0.1}, _normalized),
    Preset("Too large a rate for SGD",
           {"opts": ("sgd", "adam"), "opt_norm": "none", "opt_epochs": 5000,
            lr_key("sgd"): 1e-3, lr_key("adam"): 0.1}, _too_big),
)
