"""Argument checks shared by the whole library, so every wrong name fails the same way."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


def check_choice(what: str, value: Any, allowed: Iterable[Any]) -> None:
    """Raise ``ValueError("unknown <what> 'x'; allowed: a, b")`` unless value is allowed."""
    allowed = tuple(allowed)
    if value not in allowed:
        raise ValueError(f"unknown {what} {value!r}; allowed: {', '.join(map(str, allowed))}")
