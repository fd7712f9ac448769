"""Links at the ends of the loss-surface controls reopen the same view (Streamlit drops a URL
value equal to a widget's declared default, so every bound widget must declare the real one)."""

from __future__ import annotations

import pytest
from conftest import run_page

import thermo_core as tc


@pytest.mark.parametrize("norm", tc.NORMALIZATIONS)
def test_point_at_the_window_corners_survives_the_link(norm):
    win = tc.landscape.surface_window(norm)
    for w, b in [(win.w_bounds[0], win.b_bounds[0]), (win.w_bounds[1], win.b_bounds[1])]:
        at = run_page("pages/loss_surface.py", {"norm": norm, "point_w": str(w), "point_b": str(b)})
        assert at.number_input(key="point_w").value == pytest.approx(w)
        assert at.number_input(key="point_b").value == pytest.approx(b)
        assert not at.warning


@pytest.mark.parametrize("delta", [0.1, 20.0])
def test_huber_delta_at_its_limits_survives_the_link(delta):
    at = run_page("pages/loss_surface.py", {"loss": "huber", "surf_huber_delta": str(delta)})
    assert at.slider(key="surf_huber_delta").value == pytest.approx(delta)


def test_raw_minimum_caption_is_computed():
    at = run_page("pages/loss_surface.py", {"norm": "scale"})
    w, b = (float(v) for v in tc.optimal_params(*tc.load_readings()))
    captions = " ".join(c.value for c in at.caption)
    assert f"w ≈ {w:.4f}, b ≈ {b:.2f}" in captions
