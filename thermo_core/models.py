"""Models of growing capacity: the chapter's line, polynomials, the next chapter's MLP.

The chapter's line ``w·t_u + b``, polynomials of degree 1..10 and the next chapter's
``nn.Sequential(nn.Linear(1, H), nn.Tanh(), nn.Linear(H, 1))``. Every model takes *raw*
t_u (shape [n]) and applies its own input scaling, so a page can draw any fitted curve
over a grid of raw readings without knowing how the model was normalized. Each splits its
forward pass into ``prepare`` (what depends on the readings alone, done once by a training
loop) and the rest. Training them is ``thermo_core.model_training``'s.

Randomness comes only from a seeded ``torch.Generator`` per model (app sessions share one
process, so the global seed is never touched).
"""

from __future__ import annotations

import math

import pandas as pd
import torch
from torch import Tensor, nn

from .data import normalization_constants

MODEL_KINDS: tuple[str, ...] = ("linear", "poly", "mlp")
"""``make_model`` kinds: the chapter's line, a polynomial, the next chapter's tanh MLP."""

INPUT_SCALINGS: tuple[str, ...] = ("none", "scale", "standardize", "range")
"""How a model rescales raw t_u: as in ``tc.normalize`` plus "range" (min..max -> -1..1)."""

DEFAULT_SCALING: dict[str, str] = {"linear": "scale", "poly": "range", "mlp": "scale"}
"""The book uses 0.1·t_u for the line and the MLP; polynomials need "range" (see PolyModel)."""

MAX_DEGREE = 10
MAX_HIDDEN = 256

def input_constants(t_u: Tensor, scaling: str) -> tuple[float, float]:
    """(shift, scale) with scaled = (t_u - shift) / scale, computed from ``t_u``.

    "range" maps [min, max] of ``t_u`` onto [-1, 1]; the others are ``tc.normalize``'s.
    """
    if scaling not in INPUT_SCALINGS:
        raise ValueError(f"unknown scaling {scaling!r}; allowed: {', '.join(INPUT_SCALINGS)}")
    if scaling == "range":
        lo, hi = float(t_u.min()), float(t_u.max())
        if not hi > lo:
            raise ValueError("'range' scaling needs at least two different readings")
        return (lo + hi) / 2, (hi - lo) / 2
    return normalization_constants(t_u, scaling)


class _Scaled(nn.Module):
    """Base: stores the input scaling as plain floats and applies it in ``scaled``."""

    def __init__(self, shift: float, scale: float) -> None:
        super().__init__()
        self.shift, self.scale = float(shift), float(scale)

    def scaled(self, t_u: Tensor) -> Tensor:
        if self.shift == 0.0 and self.scale == 10.0:
            return 0.1 * t_u  # the book's exact expression, so its float32 log reproduces
        if self.shift == 0.0 and self.scale == 1.0:
            return t_u
        return (t_u - self.shift) / self.scale


class LinearModel(_Scaled):
    """The chapter's model t_p = w·x + b with ``params = [w, b]`` as one tensor, as in the book."""

    def __init__(self, shift: float, scale: float, init: tuple[float, float] = (1.0, 0.0)) -> None:
        super().__init__(shift, scale)
        self.params = nn.Parameter(torch.tensor([float(init[0]), float(init[1])]))

    def prepare(self, t_u: Tensor) -> Tensor:
        """What ``forward`` computes from the readings alone: the scaled input x."""
        return self.scaled(t_u)

    def forward(self, t_u: Tensor) -> Tensor:
        p = self.params
        return p[0] * self.prepare(t_u) + p[1]


class PolyModel(_Scaled):
    """t_p = c0 + c1·x + ... + cd·x^d in the scaled input x, coefficients starting at 0.

    Why "range" scaling: with the book's 0.1·t_u, x reaches 8.2 and x^10 ≈ 1.4e9, so one
    SGD step with any usable learning rate overflows. Mapping the readings' range onto
    [-1, 1] keeps every power x^k in [-1, 1]: the loss's curvature is then at most
    2·(d + 1) (each feature squared averages ≤ 1), so SGD is stable for lr < 1/(d + 1)
    whatever the degree. (High powers are still nearly collinear, so SGD fits them slowly;
    Adam fits them fast, which is what makes degree 10 overfit.)
    """

    def __init__(self, degree: int, shift: float, scale: float) -> None:
        super().__init__(shift, scale)
        self.degree = int(degree)
        self.coeffs = nn.Parameter(torch.zeros(self.degree + 1))

    def prepare(self, t_u: Tensor) -> Tensor:
        """The powers x^0..x^d of the scaled readings: [n, d + 1], fixed during training."""
        x = self.scaled(t_u)
        return x.unsqueeze(-1) ** torch.arange(self.degree + 1, dtype=x.dtype)

    def forward(self, t_u: Tensor) -> Tensor:
        return torch.mv(self.prepare(t_u), self.coeffs)


class MLPModel(_Scaled):
    """The next chapter's ``nn.Sequential(nn.Linear(1, H), nn.Tanh(), nn.Linear(H, 1))``.

    Takes [n] readings, feeds them as the [n, 1] column the book uses, returns [n].
    """

    def __init__(self, hidden: int, shift: float, scale: float, seed: int = 0) -> None:
        super().__init__(shift, scale)
        # skip_init builds the layers without drawing from the global random generator.
        self.seq = nn.Sequential(
            nn.utils.skip_init(nn.Linear, 1, hidden),
            nn.Tanh(),
            nn.utils.skip_init(nn.Linear, hidden, 1),
        )
        gen = torch.Generator().manual_seed(int(seed))
        for layer in (self.seq[0], self.seq[2]):
            default_linear_init(layer, gen)

    def prepare(self, t_u: Tensor) -> Tensor:
        """The scaled readings as the [n, 1] column the first layer takes."""
        return self.scaled(t_u).unsqueeze(-1)

    def forward(self, t_u: Tensor) -> Tensor:
        return self.seq(self.prepare(t_u)).squeeze(-1)


@torch.no_grad()
def default_linear_init(layer: nn.Linear, gen: torch.Generator) -> None:
    """PyTorch's own ``nn.Linear.reset_parameters``, drawing from ``gen`` instead of the global RNG.

    weight: kaiming_uniform(a=√5), i.e. U(-1/√fan_in, 1/√fan_in); bias: U(-1/√fan_in, 1/√fan_in).
    Same calls in the same order, so a generator seeded s gives what ``nn.Linear`` gives
    after the global generator is seeded with s (which this module never does).
    """
    nn.init.kaiming_uniform_(layer.weight, a=math.sqrt(5), generator=gen)
    if layer.bias is not None:
        fan_in = layer.weight.shape[1]
        bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0.0
        nn.init.uniform_(layer.bias, -bound, bound, generator=gen)


def make_model(
    kind: str = "linear",
    *,
    t_u: Tensor,
    degree: int = 1,
    hidden: int = 13,
    seed: int = 0,
    scaling: str | None = None,
    init: tuple[float, float] = (1.0, 0.0),
) -> nn.Module:
    """Build a model that maps raw t_u [n] to predicted Celsius [n].

    kind: "linear" (book's line, starts at ``init``), "poly" (``degree`` 1..10, starts at
    0) or "mlp" (``hidden`` tanh units, default 13 as in the book, initialised with
    PyTorch's default bounds from a generator seeded ``seed``).
    t_u: the raw training readings the input scaling is computed from.
    scaling: one of ``INPUT_SCALINGS``; None picks ``DEFAULT_SCALING[kind]``.
    """
    if kind not in MODEL_KINDS:
        raise ValueError(f"unknown model {kind!r}; allowed: {', '.join(MODEL_KINDS)}")
    shift, scale = input_constants(t_u.detach(), scaling or DEFAULT_SCALING[kind])
    if kind == "linear":
        return LinearModel(shift, scale, init)
    if kind == "poly":
        if isinstance(degree, bool) or not isinstance(degree, int) or not 1 <= degree <= MAX_DEGREE:
            raise ValueError(
                f"degree must be a whole number from 1 to {MAX_DEGREE}, got {degree!r}"
            )
        return PolyModel(degree, shift, scale)
    if isinstance(hidden, bool) or not isinstance(hidden, int) or not 1 <= hidden <= MAX_HIDDEN:
        raise ValueError(f"hidden must be a whole number from 1 to {MAX_HIDDEN}, got {hidden!r}")
    return MLPModel(hidden, shift, scale, seed)


def count_parameters(model: nn.Module) -> int:
    """Number of trainable numbers in ``model`` (its capacity, roughly)."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def t_u_grid(lo: float, hi: float, n: int = 201, margin: float = 0.25) -> Tensor:
    """``n`` evenly spaced raw readings from lo to hi, widened by ``margin``·(hi - lo) each side.

    The margin shows how a model extrapolates beyond the data it was fitted to.
    """
    if not hi > lo:
        raise ValueError("need hi > lo")
    pad = margin * (hi - lo)
    return torch.linspace(lo - pad, hi + pad, int(n))


def fitted_curve(model: nn.Module, t_u: Tensor) -> pd.DataFrame:
    """Columns t_u, t_c_pred: the model's predictions over the readings ``t_u`` (e.g. a grid)."""
    with torch.no_grad():
        pred = model(t_u)
    return pd.DataFrame({"t_u": t_u.numpy(), "t_c_pred": pred.numpy()})
