"""Small helpers shared by every page's code-panel generator."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterable


def floats(values: Iterable[float]) -> str:
    """``[a, b, …]`` with each float written exactly (repr), for pasting into a script."""
    return "[" + ", ".join(repr(float(v)) for v in values) + "]"


def run_script(code: str, timeout: float = 120) -> dict[str, str]:
    """Run a generated script with this Python; return its ``name = value`` lines.

    Used by the tests that check a code panel prints what its page shows.
    """
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout, check=True
    ).stdout
    pairs = (line.split(" = ", 1) for line in out.splitlines() if " = " in line)
    return {name.strip(): value.strip() for name, value in pairs}
