"""The overfitting page's controls and presets, declared once.

Keys start with ``ov_`` so they never collide with another page's ``lr`` or ``epochs``.
"""

from __future__ import annotations

from collections.abc import Callable

from ui import readings
from ui.controls import Control, Values, defaults
from ui.overfitting import text
from ui.overfitting.runs import lesson
from ui.page import Preset

MODELS = ("linear", "poly", "mlp")
MODEL_LABELS = {"linear": "Line", "poly": "Polynomial", "mlp": "Neural net"}
HIDDEN = (1, 2, 4, 8, 13, 16, 32, 64, 128)
LRS = (1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1)
EPOCHS = (100, 500, 1000, 2000, 3000, 5000)
EXTRAS = (0, 5, 10, 20, 40, 80)
VAL_FRACTIONS = (0.1, 0.2, 0.3, 0.4, 0.5)


def _n_val(fraction: float, n: int) -> int:
    """Validation readings ``tc.split`` cuts off from ``n``: int(fraction·n), at least 1."""
    return min(max(1, int(fraction * n)), n - 1)


SPLIT = (
    Control("ov_split", "Split", "radio", "book", options=("book", "random"),
            labels={"book": "The book's indices", "random": "Shuffle with a seed"},
            horizontal=True,
            help="The book printed its randperm's result (on other readings: its recipe, 20 % "
            "held out, seed 0); or shuffle the readings yourself."),
)
SHUFFLE = (
    Control("ov_val", "Validation fraction", "select_slider", 0.2, options=VAL_FRACTIONS,
            labels=lambda v: {f: f"{f:g} ({_n_val(f, readings.of(v).n)} of {readings.of(v).n})"
                              for f in VAL_FRACTIONS},
            help="Share of the n readings held out: int(fraction · n) of them."),
    Control("ov_seed", "Shuffle seed", "number", 0, bounds=(0, 9999), step=1, fmt="%d",
            help="Seeds the torch.Generator that randperm uses; same seed, same split."),
)
MODEL = (
    Control("ov_model", "Model", "radio", "linear", options=MODELS, labels=MODEL_LABELS,
            horizontal=True,
            help="The chapter's line w · 0.1·t_u + b; beyond the chapter, a polynomial in the "
            "normalized reading, or Chapter 6's Linear(1, H) → Tanh → Linear(H, 1)."),
)
POLY = (
    Control("ov_degree", "Degree", "slider", 3, bounds=(1, 10), step=1, fmt="%d",
            help="Highest power of the reading; the readings' range is mapped onto −1…1."),
)
MLP = (
    Control("ov_hidden", "Hidden units H", "select_slider", 13, options=HIDDEN,
            help="Width of the tanh layer; Chapter 6 uses 13."),
    Control("ov_init", "Init seed", "number", 0, bounds=(0, 9999), step=1, fmt="%d",
            help="Seeds the torch.Generator the layers' starting weights are drawn from."),
)
TRAINING = (
    Control("ov_opt", "Optimizer", "radio", "SGD", options=("SGD", "Adam"), horizontal=True,
            help="torch.optim.SGD (the chapter's) or torch.optim.Adam."),
    Control("ov_lr", "Learning rate", "select_slider", 1e-2, options=LRS,
            labels={lr: f"{lr:g}" for lr in LRS}, help="Step size of the optimizer."),
    Control("ov_epochs", "Epochs", "select_slider", 3000, options=EPOCHS,
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
        "data": readings.of(v),
    }


def _result(v: Values) -> dict:
    return lesson(**run_settings(v))


def _says(sentence: Callable[[dict], str]) -> Callable[[Values], str]:
    """A "look for" text: ``sentence`` of the run these values give."""
    return lambda v: sentence(_result(v))


BOOK_LINE = {"ov_split": "book", "ov_model": "linear", "ov_opt": "SGD", "ov_lr": 1e-2,
             "ov_epochs": 3000, "ov_extra": 0, "ov_leak": False}
"""Chapter 5's own run: the book's split, the line, SGD. The page opens on it."""
_CHAPTER6 = {"ov_split": "book", "ov_model": "mlp", "ov_hidden": 13, "ov_init": 0,
             "ov_opt": "SGD", "ov_lr": 1e-3, "ov_epochs": 5000, "ov_extra": 0, "ov_leak": False}
_BIG = {"ov_split": "book", "ov_model": "mlp", "ov_hidden": 64, "ov_init": 0, "ov_opt": "Adam",
        "ov_lr": 1e-2, "ov_epochs": 5000, "ov_extra": 0, "ov_leak": False}
_MORE = {**_BIG, "ov_extra": 40, "ov_noise": 3.0, "ov_data_seed": 0}
_POLY = {"ov_split": "book", "ov_model": "poly", "ov_degree": 10, "ov_opt": "Adam",
         "ov_lr": 1e-1, "ov_epochs": 5000, "ov_extra": 0, "ov_leak": False}

PRESETS = (
    Preset("The chapter's line", BOOK_LINE, _says(text.book_line),
           help="Chapter 5's run, where the page opens: the book's indices, "
           + text.given(BOOK_LINE)),
    Preset(f"{text.BEYOND}: Chapter 6's network", _CHAPTER6, _says(text.chapter6),
           help="From Chapter 6: " + text.given(_CHAPTER6)),
    Preset(f"{text.BEYOND}: a big net overfits", _BIG, _says(text.big_net),
           help="Chapter 6's network widened and trained hard: " + text.given(_BIG)),
    Preset(f"{text.BEYOND}: more data tames it", _MORE,
           lambda v: text.more_data(_result(v), int(v.ov_extra)),
           help="Chapter 6's network widened, with more data: " + text.given(_MORE)),
    Preset(f"{text.BEYOND}: degree 10 polynomial", _POLY, _says(text.polynomial),
           help="Chapter 5's exercise adds t_u²; this goes further: " + text.given(_POLY)),
)
