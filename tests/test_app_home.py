"""AppTest for the Home page: widgets drive the numbers, and the numbers are right."""

from __future__ import annotations

import pytest
from conftest import as_number, chart_frames, metric_value, run_page
from reference import T_U_BOOK, lstsq64, mse64

import thermo_core as tc


def test_home_defaults_show_the_chapter_starting_loss():
    at = run_page("pages/home.py")
    assert at.slider(key="w").value == 1.0 and at.slider(key="b").value == 0.0
    assert as_number(metric_value(at, "MSE of your line")) == pytest.approx(1763.8848, abs=1e-4)
    assert len(at.get("vega_lite_chart")) == 2
    residual_frame = chart_frames(at)[1][0]
    assert residual_frame["t_p"].tolist() == pytest.approx(T_U_BOOK, abs=1e-4)  # w=1, b=0
    assert not at.warning


@pytest.mark.parametrize(("w", "b"), [(0.5, 0.0), (0.537, -17.3), (-1.0, 40.0), (2.0, -40.0)])
def test_moving_sliders_changes_mse_to_the_right_value(w, b):
    at = run_page("pages/home.py")
    at.slider(key="w").set_value(w)
    at.slider(key="b").set_value(b).run()
    shown = as_number(metric_value(at, "MSE of your line"))
    t_u, t_c = tc.load_readings()
    assert shown == pytest.approx(float(tc.mse_loss(tc.model(t_u, w, b), t_c)), abs=1e-4)
    assert shown == pytest.approx(mse64(w, b, T_U_BOOK), rel=1e-6, abs=1e-3)
    assert as_number(metric_value(at, "Typical miss (RMSE)")) == pytest.approx(
        mse64(w, b, T_U_BOOK) ** 0.5, abs=0.006
    )


def test_reveal_shows_least_squares_fit_and_fahrenheit():
    at = run_page("pages/home.py")
    assert not any(m.label == "Best w" for m in at.metric)
    [btn] = [b for b in at.button if b.label == "Reveal the least-squares fit"]
    btn.click().run()
    w, b = lstsq64(T_U_BOOK)
    assert as_number(metric_value(at, "Best w")) == pytest.approx(w, abs=5e-5)
    assert as_number(metric_value(at, "Best b")) == pytest.approx(b, abs=5e-3)
    assert as_number(metric_value(at, "Lowest MSE")) == pytest.approx(
        mse64(w, b, T_U_BOOK), abs=5e-5
    )
    text = " ".join(m.value for m in at.markdown)
    assert f"{1 / w:.3f} · t_c + {-b / w:.2f}" in text
    assert "Fahrenheit" in text


def test_snap_button_moves_sliders_to_the_fit():
    at = run_page("pages/home.py")
    [btn] = [b for b in at.button if b.label == "Move my sliders to the fit"]
    btn.click().run()
    w, b = lstsq64(T_U_BOOK)
    assert at.slider(key="w").value == pytest.approx(round(w, 3))
    assert at.slider(key="b").value == pytest.approx(round(b, 1))
    assert as_number(metric_value(at, "MSE of your line")) < 2.94


def test_url_parameters_set_the_sliders():
    at = run_page("pages/home.py", {"w": "0.5", "b": "-10"})
    assert at.slider(key="w").value == 0.5 and at.slider(key="b").value == -10.0
    assert as_number(metric_value(at, "MSE of your line")) == pytest.approx(
        mse64(0.5, -10, T_U_BOOK), abs=1e-3
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
