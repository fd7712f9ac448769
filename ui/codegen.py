"""Small helpers shared by every page's code-panel generator."""

from __future__ import annotations

from collections.abc import Iterable


def floats(values: Iterable[float]) -> str:
    """``[a, b, …]`` with each float written exactly (repr), for pasting into a script."""
    return "[" + ", ".join(repr(float(v)) for v in values) + "]"
