"""The "Show the PyTorch code" script really prints what the loss-surface page shows."""

from __future__ import annotations

import pytest
from conftest import as_number, metric_value, run_page
from reference import run_printed

from ui.surface_code import surface_code

# printed name -> (metric label, displayed decimals as an absolute tolerance)
SHOWN = {
    "loss": ("Loss at the point", 5e-5),
    "grad_w": ("∂L/∂w", 5e-5),
    "grad_b": ("∂L/∂b", 5e-5),
    "lambda_min": ("λ_min", 5e-5),
    "lambda_max": ("λ_max", 5e-5),
    "condition_number": ("Condition number κ", 5e-4),
    "w_star": ("Least-squares w*", 5e-5),
    "b_star": ("Least-squares b*", 5e-5),
    "min_mse": ("Lowest MSE", 5e-5),
}


@pytest.mark.parametrize(
    ("query", "norm", "loss", "w", "b", "delta"),
    [
        ({}, "none", "mse", 1.0, 0.0, 1.0),
        ({"norm": "scale", "point_w": "5.5", "point_b": "-12"}, "scale", "mse", 5.5, -12.0, 1.0),
        (
            {"norm": "standardize", "loss": "l1", "point_w": "3", "point_b": "4"},
            "standardize",
            "l1",
            3.0,
            4.0,
            1.0,
        ),
        (
            {"loss": "huber", "surf_huber_delta": "2.5", "point_w": "0.4", "point_b": "-7"},
            "none",
            "huber",
            0.4,
            -7.0,
            2.5,
        ),
    ],
)
def test_code_prints_the_page_numbers(query, norm, loss, w, b, delta):
    at = run_page("pages/loss_surface.py", query)
    [code] = [c.value for c in at.code]
    assert code.strip() == surface_code(norm, loss, w, b, delta).strip()
    printed = run_printed(code, "<surface_code>")
    assert set(printed) == {*SHOWN, "critical_lr"}
    for name, (label, tol) in SHOWN.items():
        assert as_number(metric_value(at, label)) == pytest.approx(printed[name], abs=tol), name
    shown_lr = as_number(metric_value(at, "Critical lr 2/λ_max"))
    assert shown_lr == pytest.approx(printed["critical_lr"], rel=6e-4)
    assert "import torch" in code and "thermo_core" not in code


def test_code_rejects_unknown_settings():
    with pytest.raises(ValueError):
        surface_code("foo", "mse", 1.0, 0.0)
    with pytest.raises(ValueError):
        surface_code("none", "hinge", 1.0, 0.0)
