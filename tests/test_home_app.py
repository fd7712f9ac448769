"""AppTest for the Home page: widgets drive the numbers, the numbers are right, and links
are read strictly."""

from __future__ import annotations

import math

import pytest
from conftest import as_number, chart_specs, metric_value, run_page, run_script
from reference import T_U_BOOK, lstsq64, mse64

import thermo_core as tc
from ui.home import charts
from ui.home.code import script
from ui.home.settings import MEAN_T_C, PRESETS
from ui.vega import validate

HOME = "pages/home.py"


def _spec(at) -> dict:
    [spec] = chart_specs(at)
    return spec


def test_defaults_show_the_chapter_starting_loss():
    at = run_page(HOME)
    assert at.slider(key="w").value == 1.0 and at.slider(key="b").value == 0.0
    assert as_number(metric_value(at, "MSE of your line")) == pytest.approx(1763.8848, abs=1e-4)
    pts = _spec(at)["datasets"]["pts"]
    assert [p["t_p"] for p in pts] == pytest.approx(T_U_BOOK, abs=1e-4)  # w=1, b=0
    assert not at.warning and not at.error


@pytest.mark.parametrize(("w", "b"), [(0.5, 0.0), (0.537, -17.3), (-1.0, 40.0), (2.0, -40.0)])
def test_moving_sliders_changes_mse_to_the_right_value(w, b):
    at = run_page(HOME)
    at.slider(key="w").set_value(w)
    at.slider(key="b").set_value(b).run()
    shown = as_number(metric_value(at, "MSE of your line"))
    t_u, t_c = tc.load_readings()
    assert shown == pytest.approx(float(tc.mse_loss(tc.model(t_u, w, b), t_c)), abs=1e-4)
    assert shown == pytest.approx(mse64(w, b, T_U_BOOK), rel=1e-6, abs=1e-3)
    assert as_number(metric_value(at, "Typical miss (RMSE)")) == pytest.approx(
        mse64(w, b, T_U_BOOK) ** 0.5, abs=0.006
    )
    assert at.query_params["w"] == (str(w) if w != int(w) else str(int(w)))


@pytest.mark.parametrize(("w", "b"), [(1.0, 0.0), (-1.0, 40.0), (2.0, -40.0), (2.0, 40.0)])
def test_line_and_residuals_stay_on_the_chart_at_every_slider_value(w, b):
    """The y-axis follows the line and the residuals, wherever the sliders put them."""
    at = run_page(HOME, {"w": str(w), "b": str(b)})
    spec = _spec(at)
    lo, hi = spec["layer"][0]["encoding"]["y"]["scale"]["domain"]
    t_p = [p["t_p"] for p in spec["datasets"]["pts"]]
    t_c = [p["t_c"] for p in spec["datasets"]["pts"]]
    assert lo <= min(t_p + t_c) and max(t_p + t_c) <= hi
    validate(spec)


def test_y_axis_keeps_the_readings_range_when_the_line_is_close():
    assert charts.y_domain([0.5, 28.0], [1.0, 20.0]) == charts.DATA_Y


def test_nothing_hints_at_the_answer_before_reveal():
    """Before the reveal, neither the legend nor a button gives the least-squares fit away."""
    at = run_page(HOME)
    colour = _spec(at)["layer"][1]["encoding"]["color"]["scale"]["domain"]
    assert colour == ["your line"]
    assert not [b for b in at.button if b.label == "Move my sliders to the fit"]
    [reveal] = [b for b in at.button if b.label == "Reveal the least-squares fit"]
    reveal.click().run()
    assert _spec(at)["layer"][1]["encoding"]["color"]["scale"]["domain"] == [
        "your line",
        "least-squares fit",
    ]


def test_reveal_shows_least_squares_fit_and_fahrenheit():
    at = run_page(HOME)
    assert not any(m.label == "Best w" for m in at.metric)
    [btn] = [b for b in at.button if b.label == "Reveal the least-squares fit"]
    btn.click().run()
    w, b = lstsq64(T_U_BOOK)
    assert as_number(metric_value(at, "Best w")) == pytest.approx(w, abs=5e-5)
    assert as_number(metric_value(at, "Best b")) == pytest.approx(b, abs=5e-3)
    assert as_number(metric_value(at, "Lowest MSE")) == pytest.approx(mse64(w, b, T_U_BOOK), abs=5e-5)
    text = " ".join(m.value for m in at.markdown)
    assert f"{1 / w:.3f} · t_c + {-b / w:.2f}" in text
    assert "Fahrenheit" in text


def test_the_gap_to_fahrenheit_is_named_for_what_it_is():
    at = run_page(HOME)
    [btn] = [b for b in at.button if b.label == "Reveal the least-squares fit"]
    btn.click().run()
    w, b = lstsq64(T_U_BOOK)
    temps = [-10.0 + k for k in range(51)]  # every degree from −10 °C to 40 °C
    miss = [(1.8 - 1 / w) * t + (32.0 + b / w) for t in temps]
    mean_abs = sum(abs(m) for m in miss) / len(miss)
    rms = math.sqrt(sum(m * m for m in miss) / len(miss))
    text = " ".join(m.value for m in at.markdown)
    assert f"differ by {mean_abs:.2f} degrees on average ({rms:.2f} root-mean-square)" in text


def test_snap_button_moves_sliders_to_the_fit_without_a_state_warning(no_widget_state_warning):
    """Issue 9 item 6: setting slider values from a button never logs the duplicate warning."""
    at = run_page(HOME)
    [reveal] = [b for b in at.button if b.label == "Reveal the least-squares fit"]
    reveal.click().run()
    [snap] = [b for b in at.button if b.label == "Move my sliders to the fit"]
    snap.click().run()
    w, b = lstsq64(T_U_BOOK)
    assert at.slider(key="w").value == pytest.approx(round(w, 3))
    assert at.slider(key="b").value == pytest.approx(round(b, 1))
    assert as_number(metric_value(at, "MSE of your line")) < 2.94
    assert no_widget_state_warning == []


def test_the_warning_spy_catches_the_duplicate_state_warning(no_widget_state_warning):
    """The fixture that fails the suite on the warning really sees it."""
    from streamlit.testing.v1 import AppTest

    def app():
        import streamlit as st

        if st.button("set"):
            pass
        st.session_state.setdefault("x", 0.3)
        st.slider("x", 0.0, 1.0, value=0.5, key="x")

    AppTest.from_function(app).run()
    assert no_widget_state_warning, "the spy did not see the warning"
    no_widget_state_warning.clear()


@pytest.mark.parametrize("preset", range(len(PRESETS)))
def test_presets_set_the_sliders_and_their_box_goes_when_settings_change(preset):
    """Bug 2: a preset's "look for" box stays only while the settings match it."""
    at = run_page(HOME)
    at.button(key=f"home.preset.{preset}").click().run()
    for key, value in PRESETS[preset].values.items():
        assert at.slider(key=key).value == pytest.approx(value)
    assert len(at.info) == 1 and PRESETS[preset].label in at.info[0].value
    at.slider(key="b").set_value(-33.3).run()
    assert not at.info


def test_flat_line_preset_quotes_the_mean_reading():
    assert pytest.approx(sum(tc.load_readings()[1].tolist()) / 11, abs=0.05) == MEAN_T_C


def test_code_panel_prints_the_mse_shown():
    at = run_page(HOME, {"w": "0.55", "b": "-3.3"})
    [code] = at.code
    assert code.value.strip() == script(tc.book(), 0.55, -3.3).strip()
    printed = run_script(code.value)
    assert printed["mse"] == metric_value(at, "MSE of your line").replace(",", "")


def test_url_parameters_set_the_sliders():
    at = run_page(HOME, {"w": "0.5", "b": "-10"})
    assert at.slider(key="w").value == 0.5 and at.slider(key="b").value == -10.0
    assert as_number(metric_value(at, "MSE of your line")) == pytest.approx(
        mse64(0.5, -10, T_U_BOOK), abs=1e-3
    )


@pytest.mark.parametrize(("w", "b"), [(-1.0, -40.0), (2.0, 40.0), (1.0, 0.0)])
def test_url_edge_values_reopen_the_same_view(w, b):
    at = run_page(HOME, {"w": str(w), "b": str(b)})
    assert at.slider(key="w").value == w and at.slider(key="b").value == b
    assert not at.warning


def test_off_step_url_value_is_snapped_so_shown_equals_computed():
    """Issue 9 item 2: w=0.5123456789 showed 0.512 but computed at 0.5123456789."""
    at = run_page(HOME, {"w": "0.5123456789"})
    assert at.slider(key="w").value == 0.512
    assert as_number(metric_value(at, "MSE of your line")) == pytest.approx(
        mse64(0.512, 0.0, T_U_BOOK), abs=1e-3
    )
    assert at.query_params["w"] == "0.512"
    assert "rounded to the control's step" in " ".join(t.value for t in at.text)


@pytest.mark.parametrize("values", [["0.5", "0.7"], ["0.5", "0.5"]])
def test_repeated_parameter_uses_the_first_value_and_keeps_only_it(values):
    """Issue 9 item 3: one rule for every control, said in the note, one value left."""
    at = run_page(HOME, {"w": values})
    assert at.slider(key="w").value == 0.5
    assert at.query_params["w"] == "0.5"
    assert "the first value is used" in " ".join(t.value for t in at.text)


@pytest.mark.parametrize("value", ["1_0", "١", "１", "0x1", "1e999"])
def test_odd_numerals_are_refused(value):
    """Issue 9 item 4: only plain ASCII decimals and scientific notation are numbers."""
    at = run_page(HOME, {"b": value})
    assert at.slider(key="b").value == 0.0
    assert len(at.warning) == 1 and "b" not in at.query_params


def test_negative_zero_reads_as_zero():
    at = run_page(HOME, {"b": "-0"})
    assert at.slider(key="b").value == 0.0 and not at.warning


@pytest.mark.parametrize("query", [{"w": "abc"}, {"w": "99"}, {"w": "nan"}])
def test_bad_url_parameters_fall_back_with_a_note(query):
    at = run_page(HOME, query)
    assert at.slider(key="w").value == 1.0 and at.slider(key="b").value == 0.0
    assert len(at.warning) == 1 and "could not use" in at.warning[0].value
    assert not at.error


def test_every_widget_has_help_text():
    at = run_page(HOME)
    for widget in [*at.slider, *at.button]:
        assert widget.help, f"{widget.label} has no help text"


def test_reveal_becomes_hide_and_hides_the_fit_again():
    """Issue 14 item 5: "Reveal" stayed after the reveal and did nothing."""
    at = run_page(HOME)
    [reveal] = [b for b in at.button if b.label == "Reveal the least-squares fit"]
    reveal.click().run()
    assert not [b for b in at.button if b.label == "Reveal the least-squares fit"]
    [hide] = [b for b in at.button if b.label == "Hide the least-squares fit"]
    hide.click().run()
    assert not any(m.label == "Best w" for m in at.metric)
    assert _spec(at)["layer"][1]["encoding"]["color"]["scale"]["domain"] == ["your line"]
    assert [b for b in at.button if b.label == "Reveal the least-squares fit"]
