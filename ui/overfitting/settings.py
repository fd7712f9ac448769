"""The overfitting page's controls and presets, declared once.

Keys start with ``ov_`` so they never collide with another page's ``lr`` or ``epochs``.
"""

from __future__ import annotations

from ui.controls import Control, Values, defaults
from ui.page import Preset

MODELS = ("linear", "poly", "mlp")
MODEL_LABELS = {"linear": "Line", "poly": "Polynomial", "mlp": "Neural net"}
HIDDEN = (1, 2, 4, 8, 13, 16, 32, 64, 128)
LRS = (1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1)
EPOCHS = (100, 500, 1000, 2000, 3000, 5000)
EXTRAS = (0, 5, 10, 20, 40, 80)
VAL_FRACTIONS = (0.1, 0.2, 0.3, 0.4, 0.5)


def _n_val(fraction: float) -> int:
    """Validation readings ``tc.split`` cuts off: int(fraction·11), at least 1."""
    return max(1, int(fraction * 11))


SPLIT = (
    Control("ov_split", "Split", "radio", "book", options=("book", "random"),
            labels={"book": "The book's indices", "random": "Shuffle with a seed"},
            horizontal=True,
            help="The book printed its randperm's result; or shuffle the 11 readings yourself."),
)
SHUFFLE = (
    Control("ov_val", "Validation fraction", "select_slider", 0.2, options=VAL_FRACTIONS,
            labels={f: f"{f:g} ({_n_val(f)} of 11)" for f in VAL_FRACTIONS},
            help="Share of the 11 readings held out: int(fraction · 11) of them."),
    Control("ov_seed", "Shuffle seed", "number", 0, bounds=(0, 9999), step=1, fmt="%d",
            help="Seeds the torch.Generator that randperm uses; same seed, same split."),
)
MODEL = (
    Control("ov_model", "Model", "radio", "mlp", options=MODELS, labels=MODEL_LABELS,
            horizontal=True,
            help="The chapter's line, a polynomial in the normalized reading, or chapter 6's "
            "Linear(1, H) → Tanh → Linear(H, 1)."),
)
POLY = (
    Control("ov_degree", "Degree", "slider", 3, bounds=(1, 10), step=1, fmt="%d",
            help="Highest power of the reading; the readings' range is mapped onto −1…1."),
)
MLP = (
    Control("ov_hidden", "Hidden units H", "select_slider", 13, options=HIDDEN,
            help="Width of the tanh layer; chapter 6 uses 13."),
    Control("ov_init", "Init seed", "number", 0, bounds=(0, 9999), step=1, fmt="%d",
            help="Seeds the torch.Generator the layers' starting weights are drawn from."),
)
TRAINING = (
    Control("ov_opt", "Optimizer", "radio", "SGD", options=("SGD", "Adam"), horizontal=True,
            help="torch.optim.SGD (the chapter's) or torch.optim.Adam."),
    Control("ov_lr", "Learning rate", "select_slider", 1e-3, options=LRS,
            labels={lr: f"{lr:g}" for lr in LRS}, help="Step size of the optimizer."),
    Control("ov_epochs", "Epochs", "select_slider", 5000, options=EPOCHS,
            help="Full passes over the training readings."),
)
DATA = (
    Control("ov_extra", "Extra synthetic readings", "select_slider", 0, options=EXTRAS,
            help="Simulated Fahrenheit readings added to the training set only."),
    Control("ov_noise", "Thermometer noise (t_u units)", "slider", 3.0, bounds=(0.0, 10.0),
            step=0.5, fmt="%.1f",
            help="Standard deviation of the simulated thermometer's reading error, for the extra "
            "readings and the 200 fresh ones. The book's readings scatter about 3."),
    Control("ov_data_seed", "Data seed", "number", 0, bounds=(0, 9999), step=1, fmt="%d",
            help="Seeds the torch.Generator that draws the extra readings."),
)
LEAK = (
    Control("ov_leak", "Call val_loss.backward() by mistake", "toggle", False,
            help="The classic bug: the validation loss is computed with a graph and its "
            "gradient is added to the training gradient before each step."),
)
CONTROLS = SPLIT + SHUFFLE + MODEL + POLY + MLP + TRAINING + DATA + LEAK


def run_settings(v: Values) -> dict:
    """The plain-number arguments of ``ov.experiment`` for the page's values.

    Settings a model does not use are pinned to their defaults, so changing, say, H while
    the line is shown reuses the cached run.
    """
    d = defaults(CONTROLS)
    kind = v.ov_model
    random = v.ov_split == "random"
    return {
        "kind": kind,
        "degree": int(v.ov_degree) if kind == "poly" else 1,
        "hidden": int(v.ov_hidden) if kind == "mlp" else int(d.ov_hidden),
        "init_seed": int(v.ov_init) if kind == "mlp" else 0,
        "split_name": v.ov_split,
        "val_fraction": float(v.ov_val) if random else 0.2,
        "split_seed": int(v.ov_seed) if random else 0,
        "extra": int(v.ov_extra),
        "noise": float(v.ov_noise),
        "data_seed": int(v.ov_data_seed) if v.ov_extra else 0,
        "optimizer": v.ov_opt,
        "lr": float(v.ov_lr),
        "epochs": int(v.ov_epochs),
        "leak": bool(v.ov_leak),
    }


def _result(v: Values) -> dict:
    from ui.overfitting import lesson

    return lesson(**run_settings(v))


def _book(v: Values) -> str:
    r = _result(v)
    log = r["log"]
    return ("The book's log, reproduced: epoch 1 training " + log[1][0] + ", validation "
            + log[1][1] + "; epoch 3000 training " + log[3000][0] + ", validation "
            + log[3000][1] + ". The line has 2 parameters and cannot bend, so the two "
            "losses stay close: it does not overfit.")


def _says(template: str):
    """A "look for" text: ``template`` filled with the run's numbers (and ``extra``)."""
    return lambda v: template.format(**_result(v), extra=v.ov_extra)


_chapter6 = _says(
    "Chapter 6's result: the training loss ends at {final_loss}, below the validation loss "
    "{final_val}. The validation loss was lowest at epoch {best_epoch}; training kept "
    "fitting the 9 points after that.")
_big = _says(
    "{n_params} parameters for 9 points: training falls to {final_loss} while validation "
    "climbs to {final_val}. Early stopping at epoch {best_epoch} would have kept validation "
    "at {best_val}. Scrub the epochs and watch the curve bend through the training points.")
_more = _says(
    "The same {n_params}-parameter network with {extra} more readings: training "
    "{final_loss}, validation {final_val}, and {final_holdout} on 200 fresh readings. With "
    "data everywhere the curve has no room to wiggle.")
_poly = _says(
    "Eleven coefficients for 9 points: training {final_loss}, validation {final_val}. Look "
    "at the ends of the curve, beyond the readings: a polynomial's extrapolation runs away.")


_BOOK_LINE = {"ov_split": "book", "ov_model": "linear", "ov_opt": "SGD", "ov_lr": 1e-2,
              "ov_epochs": 3000, "ov_extra": 0, "ov_leak": False}
_BIG = {"ov_split": "book", "ov_model": "mlp", "ov_hidden": 64, "ov_init": 0, "ov_opt": "Adam",
        "ov_lr": 1e-2, "ov_epochs": 5000, "ov_leak": False}

PRESETS = (
    Preset("The book's split", _BOOK_LINE, _book,
           help="The book's indices, 0.1·t_u, SGD lr 1e-2, 3000 epochs from (1, 0)."),
    Preset("Chapter 6's network",
           {"ov_split": "book", "ov_model": "mlp", "ov_hidden": 13, "ov_init": 0, "ov_opt": "SGD",
            "ov_lr": 1e-3, "ov_epochs": 5000, "ov_extra": 0, "ov_leak": False}, _chapter6,
           help="Linear(1, 13) → Tanh → Linear(13, 1), SGD lr 1e-3, 5000 epochs."),
    Preset("A big net overfits", {**_BIG, "ov_extra": 0}, _big,
           help="H = 64 (193 parameters) trained hard with Adam on 9 readings."),
    Preset("More data tames it", {**_BIG, "ov_extra": 40, "ov_noise": 3.0, "ov_data_seed": 0},
           _more, help="The same big net with 40 simulated readings added to training."),
    Preset("Degree 10 polynomial",
           {"ov_split": "book", "ov_model": "poly", "ov_degree": 10, "ov_opt": "Adam",
            "ov_lr": 1e-1, "ov_epochs": 5000, "ov_extra": 0, "ov_leak": False}, _poly,
           help="11 coefficients, Adam lr 0.1, 5000 epochs."),
)
