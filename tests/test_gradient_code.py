"""The "Show the PyTorch code" script: run the exact text the page shows, compare its output.

Every number the script prints must match the number the page displays for the same
settings, to the page's displayed precision.
"""

from __future__ import annotations

import math
import re

import pytest
from conftest import as_number, metric_value, run_page
from reference import run_printed

from ui.gradient_code import PRINTED, pytorch_code

PAGE = "pages/finite_differences.py"


def shown_number(text: str) -> float:
    return float(text) if text in ("inf", "-inf", "nan") else as_number(text)


def matches(text: str, value: float) -> bool:
    """Does ``value`` display as ``text`` at the page's precision?"""
    shown = shown_number(text)
    if math.isnan(shown) or math.isinf(shown):
        return (math.isnan(shown) and math.isnan(value)) or shown == value
    places = len(text.split(".")[1]) if "." in text else 0
    return abs(shown - value) <= 0.51 * 10.0**-places


def page_numbers(at) -> dict[str, str]:
    """The page's displayed text for each printed name."""
    grads = at.table[0].value
    rows = {re.match(r"[A-Za-z]+", label).group().lower(): row for label, row in grads.iterrows()}
    shown = {}
    for method, prefix in (
        ("finite", "fd"),
        ("analytic", "analytic"),
        ("autograd", "autograd"),
        ("reference", "reference"),
    ):
        for p in ("w", "b"):
            shown[f"{prefix}_d{p}"] = rows[method][f"∂L/∂{p}"]
    shown["buggy_dw"] = metric_value(at, "a − c / (2δ), the notes' formula")
    shown["fixed_dw"] = metric_value(at, "(a − c) / (2δ), the central difference")
    steps = at.table[2].value
    shown["buggy_w_new"] = steps.loc["w"].iloc[1]
    shown["buggy_b_new"] = steps.loc["b"].iloc[1]
    shown["loss_before"] = steps.loc["loss (MSE)"].iloc[0]
    shown["buggy_loss_after"] = steps.loc["loss (MSE)"].iloc[1]
    return shown


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"delta": "1e-07"},
        {"delta": "1e-07", "dtype": "float64"},
        {"delta": "1", "scheme": "forward", "dtype": "float64"},
        {"delta": "0.005", "scheme": "backward", "fd_w": "0.5", "fd_b": "-10"},
        {"delta": "1e-08", "scheme": "forward", "fd_w": "-0.75", "fd_b": "33.3"},
    ],
)
def test_the_shown_code_prints_the_numbers_the_page_shows(query):
    at = run_page(PAGE, query)
    code = at.code[-1].value
    assert code.startswith("import torch\n")
    assert [ln for ln in code.splitlines() if ln.startswith(("import", "from"))] == ["import torch"]
    printed = run_printed(code, "<page snippet>")
    assert list(printed) == list(PRINTED)
    shown = page_numbers(at)
    for name in PRINTED:
        assert matches(shown[name], printed[name]), (name, shown[name], printed[name])


def test_the_code_follows_the_settings():
    at = run_page(PAGE, {"delta": "0.02", "scheme": "forward", "dtype": "float64"})
    code = at.code[-1].value
    assert code == pytorch_code(1.0, 0.0, 0.02, "forward", "float64").rstrip("\n")
    assert "w, b, delta = 1.0, 0.0, 0.02" in code
    assert "dtype = torch.float64" in code
    assert "(L(p + step) - L(p)) / d" in code
    at.radio(key="scheme").set_value("central").run()
    assert "(L(p + step) - L(p - step)) / (2 * d)" in at.code[-1].value


def test_the_chapter_script_prints_the_books_numbers():
    printed = run_printed(pytorch_code(1.0, 0.0, 0.1, "central", "float32"), "<page snippet>")
    assert printed["autograd_dw"] == pytest.approx(4517.2969, abs=1e-4)
    assert printed["autograd_db"] == pytest.approx(82.6, abs=1e-4)
    assert printed["buggy_dw"] == pytest.approx(-4462.7925, abs=1e-4)
    assert printed["buggy_w_new"] == pytest.approx(45.6279, abs=1e-4)
    assert printed["buggy_b_new"] == 242388.0


def test_unknown_settings_are_refused():
    with pytest.raises(ValueError):
        pytorch_code(1.0, 0.0, 0.1, "sideways", "float32")
    with pytest.raises(ValueError):
        pytorch_code(1.0, 0.0, 0.1, "central", "float16")
