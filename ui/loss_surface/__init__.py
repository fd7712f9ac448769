"""The loss-surface page's pieces: controls and presets, chart specs, code panel, prose."""

from __future__ import annotations

from functools import cache
from pathlib import Path

CONTENT = Path(__file__).resolve().parents[2] / "content" / "loss_surface"


@cache
def text(name: str) -> str:
    """The static prose ``content/loss_surface/<name>.md`` (read once per process)."""
    return (CONTENT / f"{name}.md").read_text(encoding="utf-8")
