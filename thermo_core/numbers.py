"""One way to print a number, used by every page and every generated sentence.

Values that span twenty orders of magnitude (a diverging loss, a δ of 1e-12) must stay
readable: plain digits between 1e-4 and 1e7, scientific notation outside, words for
the non-finite values so that no "nan" or "inf" reaches a learner unexplained.
"""

from __future__ import annotations

import math

SCI_ABOVE = 1e7
"""Magnitudes at or above this print in scientific notation."""
SCI_BELOW = 1e-4
"""Non-zero magnitudes below this print in scientific notation."""


def fmt(
    x: float, digits: int = 4, *, sig: int | None = None, thousands: bool = True, trim: bool = False
) -> str:
    """``x`` as text: ``digits`` decimals in plain notation, scientific outside [1e-4, 1e7).

    ``sig`` (significant digits) replaces ``digits`` when given; ``trim`` drops trailing
    zeros (for prose). −0 prints as 0. NaN prints as "not a number" and ±inf as "∞"/"−∞",
    so a sentence can explain them.
    """
    text = _fmt(x, digits, sig, thousands)
    if (trim and text[-1:].isdigit()) or (trim and "e" in text):
        head, _, exp = text.partition("e")
        if "." in head:
            head = head.rstrip("0").rstrip(".")
        text = head + ("e" + exp if exp else "")
    return text


def _fmt(x: float, digits: int, sig: int | None, thousands: bool) -> str:
    x = float(x)
    if math.isnan(x):
        return "not a number"
    if math.isinf(x):
        return "∞" if x > 0 else "−∞"
    if x == 0:
        x = 0.0  # drop the sign of −0
    mag = abs(x)
    if mag != 0 and (mag >= SCI_ABOVE or mag < SCI_BELOW):
        mantissa = (sig - 1) if sig is not None else min(max(digits, 1), 4)
        text = f"{x:.{mantissa}e}"
        head, exp = text.split("e")
        return f"{head}e{int(exp)}".replace("-", "−")
    if sig is not None:
        decimals = max(sig - 1 - math.floor(math.log10(mag)), 0) if mag else sig - 1
    else:
        decimals = digits
    text = f"{x:,.{decimals}f}" if thousands else f"{x:.{decimals}f}"
    if float(text.replace(",", "")) == 0:
        text = text.lstrip("-")
    return text.replace("-", "−")


def fmt_list(values, digits: int = 4, **kw) -> str:
    """``[a, b, …]`` with each entry through :func:`fmt`."""
    return "[" + ", ".join(fmt(v, digits, **kw) for v in values) + "]"


def parse(text: str) -> float:
    """Read a number as :func:`fmt` writes it (commas, "−", "∞", "not a number")."""
    t = text.strip().replace(",", "").replace("−", "-")
    if t == "not a number":
        return math.nan
    if t in ("∞", "-∞"):
        return math.copysign(math.inf, -1.0 if t.startswith("-") else 1.0)
    return float(t.split()[0])
