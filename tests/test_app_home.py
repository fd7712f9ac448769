"""AppTest for the Home page: widgets drive the numbers, and the numbers are right."""

from __future__ import annotations

import pytest
from conftest import as_number, chart_frames, metric_value, run_page

import thermo_core as tc

T_U = [35.7, 55.9, 58.2, 81.9, 56.3, 48.9, 33.9, 21.8, 48.4, 60.4, 68.4]
T_C = [0.5, 14.0, 15.0, 28.0, 11.0, 8.0, 3.0, -4.0, 6.0, 13.0, 21.0]


def mse64(w: float, b: float) -> float:
    """Independent plain-Python float64 MSE."""
    return sum((w * x + b - y) ** 2 for x, y in zip(T_U, T_C, strict=True)) / len(T_U)


def least_squares64() -> tuple[float, float]:
    """Closed-form simple linear regression in plain Python."""
    n = len(T_U)
    mx, my = sum(T_U) / n, sum(T_C) / n
    sxy = sum((x - mx) * (y - my) for x, y in zip(T_U, T_C, strict=True))
    sxx = sum((x - mx) ** 2 for x in T_U)
    w = sxy / sxx
    return w, my - w * mx


def test_home_defaults_show_the_chapter_starting_loss():
    at = run_page("pages/home.py")
    assert at.slider(key="w").value == 1.0 and at.slider(key="b").value == 0.0
    assert as_number(metric_value(at, "MSE of your line")) == pytest.approx(1763.8848, abs=1e-4)
    assert len(at.get("vega_lite_chart")) == 2
    residual_frame = chart_frames(at)[1][0]
    assert residual_frame["t_p"].tolist() == pytest.approx(T_U, abs=1e-4)  # w=1, b=0
    assert not at.warning


@pytest.mark.parametrize(("w", "b"), [(0.5, 0.0), (0.537, -17.3), (-1.0, 40.0), (2.0, -40.0)])
def test_moving_sliders_changes_mse_to_the_right_value(w, b):
    at = run_page("pages/home.py")
    at.slider(key="w").set_value(w)
    at.slider(key="b").set_value(b).run()
    shown = as_number(metric_value(at, "MSE of your line"))
    t_u, t_c = tc.load_readings()
    assert shown == pytest.approx(float(tc.mse_loss(tc.model(t_u, w, b), t_c)), abs=1e-4)
    assert shown == pytest.approx(mse64(w, b), rel=1e-6, abs=1e-3)
    assert as_number(metric_value(at, "Typical miss (RMSE)")) == pytest.approx(
        mse64(w, b) ** 0.5, abs=0.006
    )


def test_reveal_shows_least_squares_fit_and_fahrenheit():
    at = run_page("pages/home.py")
    assert not any(m.label == "Best w" for m in at.metric)
    [btn] = [b for b in at.button if b.label == "Reveal the least-squares fit"]
    btn.click().run()
    w, b = least_squares64()
    assert as_number(metric_value(at, "Best w")) == pytest.approx(w, abs=5e-5)
    assert as_number(metric_value(at, "Best b")) == pytest.approx(b, abs=5e-3)
    assert as_number(metric_value(at, "Lowest MSE")) == pytest.approx(mse64(w, b), abs=5e-5)
    text = " ".join(m.value for m in at.markdown)
    assert f"{1 / w:.3f} · t_c + {-b / w:.2f}" in text
    assert "Fahrenheit" in text


def test_snap_button_moves_sliders_to_the_fit():
    at = run_page("pages/home.py")
    [btn] = [b for b in at.button if b.label == "Move my sliders to the fit"]
    btn.click().run()
    w, b = least_squares64()
    assert at.slider(key="w").value == pytest.approx(round(w, 3))
    assert at.slider(key="b").value == pytest.approx(round(b, 1))
    assert as_number(metric_value(at, "MSE of your line")) < 2.94


def test_url_parameters_set_the_sliders():
    at = run_page("pages/home.py", {"w": "0.5", "b": "-10"})
    assert at.slider(key="w").value == 0.5 and at.slider(key="b").value == -10.0
    assert as_number(metric_value(at, "MSE of your line")) == pytest.approx(
        mse64(0.5, -10), abs=1e-3
    )


@pytest.mark.parametrize(("w", "b"), [(-1.0, -40.0), (2.0, 40.0), (1.0, 0.0)])
def test_url_edge_values_reopen_the_same_view(w, b):
    at = run_page("pages/home.py", {"w": str(w), "b": str(b)})
    assert at.slider(key="w").value == w and at.slider(key="b").value == b
    assert not at.warning


@pytest.mark.parametrize("query", [{"w": "abc"}, {"w": "99"}, {"w": "nan"}, {"b": ["1", "2"]}])
def test_bad_url_parameters_fall_back_with_a_note(query):
    at = run_page("pages/home.py", query)
    assert at.slider(key="w").value == 1.0 and at.slider(key="b").value == 0.0
    assert len(at.warning) == 1 and "cannot use" in at.warning[0].value


def test_every_widget_has_help_text():
    at = run_page("pages/home.py")
    for widget in [*at.slider, *at.button]:
        assert widget.help, f"{widget.label} has no help text"
