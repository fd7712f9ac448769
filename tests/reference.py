"""Independent references shared by the tests: plain-Python float64 maths on the readings.

Nothing here imports ``thermo_core``: these are the answers the code under test is checked
against, so they must not be computed by it. numpy appears only where the dtype itself is
the point (``fd_numpy``).
"""

from __future__ import annotations

import contextlib
import io
import math
import struct
from collections.abc import Sequence

import numpy as np


def f32(value: float) -> float:
    """``value`` rounded to the nearest float32, as a Python float."""
    return struct.unpack("f", struct.pack("f", value))[0]


# ---- the readings --------------------------------------------------------------------------
# The book's decimals for the unknown-unit thermometer ...
T_U_BOOK = [35.7, 55.9, 58.2, 81.9, 56.3, 48.9, 33.9, 21.8, 48.4, 60.4, 68.4]
# ... and as the app's float32 tensors hold them (35.7 becomes 35.70000076...).
T_U32 = [f32(x) for x in T_U_BOOK]
# Celsius readings: every one is exact in float32, so the book's decimals are also what
# the float32 tensors hold (checked here, so that stays true if the list is edited).
T_C = [0.5, 14.0, 15.0, 28.0, 11.0, 8.0, 3.0, -4.0, 6.0, 13.0, 21.0]
assert [f32(y) for y in T_C] == T_C


# ---- loss, gradient, least squares, curvature (plain-Python float64) ---------------------
def mse64(w: float, b: float, xs: Sequence[float] = T_U32, ys: Sequence[float] = T_C) -> float:
    """Mean squared error of the line ``w·x + b`` on (xs, ys)."""
    return sum((w * x + b - y) ** 2 for x, y in zip(xs, ys, strict=True)) / len(xs)


def grad64(
    w: float, b: float, xs: Sequence[float] = T_U32, ys: Sequence[float] = T_C
) -> tuple[float, float]:
    """Closed-form MSE gradient: dL/dw = 2·mean((w·x + b - y)·x), dL/db = 2·mean(w·x + b - y)."""
    n = len(xs)
    r = [w * x + b - y for x, y in zip(xs, ys, strict=True)]
    return 2 * sum(ri * x for ri, x in zip(r, xs, strict=True)) / n, 2 * sum(r) / n


def lstsq64(xs: Sequence[float] = T_U32, ys: Sequence[float] = T_C) -> tuple[float, float]:
    """Closed-form simple linear regression: the (w, b) minimizing the MSE."""
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    w = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sum(
        (x - mx) ** 2 for x in xs
    )
    return w, my - w * mx


def mean_x2(xs: Sequence[float] = T_U32) -> float:
    """mean(x²): half of ∂²L/∂w² for the MSE."""
    return sum(x * x for x in xs) / len(xs)


def hessian_eigs64(xs: Sequence[float]) -> tuple[float, float]:
    """Eigenvalues (λ_min, λ_max) of the MSE Hessian 2·[[m2, m1], [m1, 1]] in closed form."""
    n = len(xs)
    m1, m2 = sum(xs) / n, sum(x * x for x in xs) / n
    mid, half = m2 + 1, math.sqrt((m2 - 1) ** 2 + 4 * m1 * m1)
    return mid - half, mid + half


# ---- finite differences in numpy, where the dtype matters ---------------------------------
def ulp(value: float, dtype: str) -> float:
    """The gap from |value| to the next representable number in ``dtype``."""
    v = np.abs(np.array(value, dtype=dtype))
    return float(np.nextafter(v, np.array(np.inf, dtype=dtype)) - v)


def fd_numpy(
    w: float,
    b: float,
    delta: float,
    scheme: str,
    dtype: str,
    k: int,
    xs: Sequence[float] = T_U32,
    ys: Sequence[float] = T_C,
) -> tuple[float, float]:
    """Finite difference of the MSE in parameter ``k`` done in numpy, entirely in ``dtype``.

    Returns (estimate, tolerance). numpy and torch may add the squares in a different
    order, so their losses can differ by a few ulps; the tolerance is 8 ulps of the
    largest of the three losses over the denominator.
    """
    dt = np.dtype(dtype)
    x, y = np.array(xs, dtype=dt), np.array(ys, dtype=dt)
    p, step = np.array([w, b], dtype=dt), np.zeros(2, dtype=dt)
    step[k] = dt.type(delta)

    def loss(q):
        return np.mean((q[0] * x + q[1] - y) ** 2, dtype=dt)

    up, mid, down = loss(p + step), loss(p), loss(p - step)
    if scheme == "central":
        den = dt.type(2) * step[k]
        est = (up - down) / den
    elif scheme == "forward":
        den, est = step[k], (up - mid) / step[k]
    else:
        den, est = step[k], (mid - down) / step[k]
    big = max(abs(float(up)), abs(float(mid)), abs(float(down)))
    return float(est), 8 * ulp(big, dtype) / float(den)


# ---- running a generated script ----------------------------------------------------------
def run_printed(code: str, filename: str = "<script>") -> dict[str, float]:
    """exec ``code`` as a script and parse the ``name = value`` lines it prints."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, filename, "exec"), {"__name__": "__main__"})
    printed = {}
    for line in out.getvalue().splitlines():
        name, value = line.split(" = ")
        printed[name] = float(value)
    return printed
