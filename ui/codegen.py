"""Small helpers shared by every page's code-panel generator."""

from __future__ import annotations

from collections.abc import Iterable

import thermo_core as tc


def floats(values: Iterable[float]) -> str:
    """``[a, b, …]`` with each float written exactly (repr), for pasting into a script."""
    return "[" + ", ".join(repr(float(v)) for v in values) + "]"


def which(data: tc.Readings) -> str:
    """How a script's data cell names the readings it writes out."""
    return "the chapter's readings" if data.is_book else f"the {data.n} readings in use"


def data_cell(data: tc.Readings) -> str:
    """The script's first cell: ``import torch`` and the readings in use, written out."""
    t_u, t_c = data.values()
    return (
        f"# %% Data: {which(data)}, t_c in °C and t_u in the unknown unit.\n"
        "import torch\n\n"
        f"t_c = torch.tensor({floats(t_c)})\n"
        f"t_u = torch.tensor({floats(t_u)})\n"
    )
