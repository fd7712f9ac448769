"""Input normalization and the train/validation split of the readings (which readings:
``readings.py``)."""

from __future__ import annotations

import torch
from torch import Tensor

from .checks import check_choice

NORMALIZATIONS: tuple[str, ...] = ("none", "scale", "standardize")
SCALE_FACTOR = 0.1
"""The book's normalization: t_un = 0.1 * t_u."""


def _check_mode(mode: str) -> None:
    check_choice("normalization", mode, NORMALIZATIONS)


def normalization_constants(t_u: Tensor, mode: str) -> tuple[float, float]:
    """(shift, scale) such that normalized = (t_u - shift) / scale, as Python floats.

    "standardize" uses the sample standard deviation (torch.std, n-1), as the notes do.
    """
    _check_mode(mode)
    if mode == "none":
        return 0.0, 1.0
    if mode == "scale":
        return 0.0, 1.0 / SCALE_FACTOR
    return float(t_u.mean()), float(t_u.std())


def normalize(t_u: Tensor, mode: str) -> Tensor:
    """Rescale raw readings: "none" (as is), "scale" (0.1·t_u, the book) or "standardize".

    "standardize" gives (t_u - mean) / std: mean 0 and standard deviation 1, which is
    not the same as squeezing the readings into [-1, 1].
    """
    _check_mode(mode)
    if mode == "none":
        return t_u.clone()
    if mode == "scale":
        return SCALE_FACTOR * t_u
    return (t_u - t_u.mean()) / t_u.std()


def to_raw_params(params: Tensor, t_u: Tensor, mode: str) -> Tensor:
    """Map [w, b] learned on normalized inputs back to raw-unit [w, b].

    Parameters fitted to normalized inputs only mean something for raw readings after
    this step: if x = (t_u - m)/s then w·x + b = (w/s)·t_u + (b - w·m/s).
    ``t_u`` is the raw input the normalization was computed from.
    """
    shift, scale = normalization_constants(t_u, mode)
    w, b = params[0], params[1]
    return torch.stack([w / scale, b - w * shift / scale])


def from_raw_params(params: Tensor, t_u: Tensor, mode: str) -> Tensor:
    """Inverse of :func:`to_raw_params`: raw-unit [w, b] expressed for normalized inputs."""
    shift, scale = normalization_constants(t_u, mode)
    w, b = params[0], params[1]
    return torch.stack([w * scale, b + w * shift])


def split(n: int, val_fraction: float = 0.2, seed: int = 0) -> tuple[Tensor, Tensor]:
    """Shuffle indices 0..n-1 with randperm and cut off int(val_fraction·n) for validation.

    Uses its own ``torch.Generator`` so it is repeatable for a seed and never touches
    the global random state (app sessions share one process).
    """
    if n < 2:
        raise ValueError("split needs at least 2 samples")
    if not 0.0 < val_fraction < 1.0:
        raise ValueError("val_fraction must lie strictly between 0 and 1")
    n_val = max(1, int(val_fraction * n))
    n_val = min(n_val, n - 1)
    gen = torch.Generator().manual_seed(int(seed))
    perm = torch.randperm(n, generator=gen)
    return perm[:-n_val], perm[-n_val:]


BOOK_TRAIN_INDICES: tuple[int, ...] = (9, 6, 5, 8, 4, 7, 0, 1, 3)
BOOK_VAL_INDICES: tuple[int, ...] = (2, 10)
"""The shuffled split the book printed (its ``randperm`` run), so its log can be reproduced."""


def book_split() -> tuple[Tensor, Tensor]:
    """(train_indices, val_indices) exactly as the book printed them, as int64 tensors."""
    return torch.tensor(BOOK_TRAIN_INDICES), torch.tensor(BOOK_VAL_INDICES)


def synthetic_readings(
    n: int,
    noise: float = 3.0,
    seed: int = 0,
    t_c_range: tuple[float, float] = (-5.0, 30.0),
) -> tuple[Tensor, Tensor]:
    """``n`` extra (t_u, t_c) readings from a simulated Fahrenheit thermometer, float32.

    t_c is drawn uniformly from ``t_c_range``; the thermometer reads
    t_u = 1.8·t_c + 32 + noise·N(0, 1), so ``noise`` is the standard deviation of the
    reading error in t_u units. The book's 11 readings scatter about 3 t_u units around
    their best line, hence the default. A seeded ``torch.Generator`` makes the readings
    repeatable without touching the global random state.
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise ValueError(f"n must be a whole number >= 0, got {n!r}")
    if not noise >= 0:
        raise ValueError(f"noise must be >= 0, got {noise!r}")
    lo, hi = float(t_c_range[0]), float(t_c_range[1])
    if not hi > lo:
        raise ValueError("t_c_range must be (low, high) with high > low")
    gen = torch.Generator().manual_seed(int(seed))
    t_c = lo + (hi - lo) * torch.rand(n, generator=gen, dtype=torch.float64)
    t_u = 1.8 * t_c + 32.0 + float(noise) * torch.randn(n, generator=gen, dtype=torch.float64)
    return t_u.float(), t_c.float()
