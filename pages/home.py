"""Home: the story of the thermometer with no units, and a first fit by hand.

Sections: the story, the fit by hand (sliders over the chart, scores beside it), the
reveal of the least-squares line and the unit it implies, and the readings themselves.
"""

from functools import partial

import streamlit as st
import torch

import thermo_core as tc
from thermo_core.numbers import fmt
from ui import controls, downloads, page, readings, tour
from ui.chart_text import described, numbers
from ui.home import charts, own_readings, text
from ui.home.code import script
from ui.home.settings import CONTROLS, PRESETS
from ui.vega import show

STEM = "home"
REVEALED = "home.reveal"


@st.cache_data(max_entries=8)
def points(data: tc.Readings) -> tuple[list[float], list[float]]:
    """The readings as plain lists (float32 values, as training sees them)."""
    t_u, t_c = data.tensors()
    return t_u.tolist(), t_c.tolist()


@st.cache_data(max_entries=8)
def best_fit(data: tc.Readings) -> dict:
    """The least-squares line and the unit it implies; the same for every learner."""
    t_u, t_c = data.tensors()
    best = tc.optimal_params(t_u, t_c)
    factor, offset = tc.conversion_from_fit(best)
    temps = torch.linspace(-10.0, 40.0, 51, dtype=torch.float64)  # °C, one per degree
    unit, rms = tc.closest_unit(factor, offset, temps)
    miss = (unit.factor - factor) * temps + (unit.offset - offset)
    return {
        "w": float(best[0]),
        "b": float(best[1]),
        "mse": tc.best_mse(t_u, t_c),
        "factor": factor,
        "offset": offset,
        "unit": (unit.name, unit.factor, unit.offset),
        "rms": rms,
        "mean_abs": float(miss.abs().mean()),
    }


@st.cache_data(max_entries=512)
def score(data: tc.Readings, w: float, b: float) -> tuple[float, float, float]:
    """MSE (float32, as training sees it), RMSE and excess over the best line."""
    t_u, t_c = data.tensors()
    s = tc.score_line(t_u, t_c, w, b)
    return s.mse, s.rmse, s.excess


def _toggle_reveal() -> None:
    st.session_state[REVEALED] = not st.session_state.get(REVEALED, False)


def _snap() -> None:
    fit = best_fit(readings.in_session())
    st.session_state["w"] = round(fit["w"], 3)
    st.session_state["b"] = round(fit["b"], 1)


def _section_story() -> None:
    page.prose(
        "You are back from a trip with a thermometer whose scale has no unit printed on it. "
        "Eleven times you write down its reading, **t_u**, next to a trusted Celsius "
        "reading, **t_c**. The chapter guesses the simplest rule between them, a straight "
        "line, and lets the data choose its slope **w** and offset **b**:"
    )
    if tour.active_step() is None:
        st.button(
            "Start the guided tour",
            on_click=tour.start,
            icon=":material/tour:",
            help="A few short steps through every page: a task on the real controls, a "
            "check that says when it is done, and a question to answer before the reveal.",
        )
    st.latex(
        r"\begin{gathered}t_c \approx w\,t_u + b\\ \text{loss}=\mathrm{MSE}(w,b)="
        r"\tfrac{1}{n}\textstyle\sum_{i=1}^{n}(w\,t_{u,i}+b-t_{c,i})^2\end{gathered}"
    )


def _section_fit(data: tc.Readings) -> None:
    st.subheader("Fit the line yourself")
    slot = page.preset_buttons(STEM, PRESETS)
    chart_col, score_col = st.columns([2.2, 1], gap="large")
    with chart_col:
        values = controls.draw(CONTROLS, after={"data": data})
        xs, ys = points(data)
        fit = best_fit(data)
        best = (fit["w"], fit["b"]) if st.session_state.get(REVEALED) else None
        mse, rmse, excess = score(data, values.w, values.b)
        spec = charts.fit_spec(xs, ys, values.w, values.b, best)
        words = text.fit_description(values.w, values.b, mse, best and (*best, fit["mse"]))
        show(described(spec, words))
        st.caption(
            "Each red bar is a residual: the gap between your line's prediction and the "
            "Celsius reading. The loss squares those gaps and averages them."
        )
        numbers(("", text.fit_table(xs, ys, values.w, values.b)),
                csv=downloads.csv("home", partial(text.fit_table, xs, ys, values.w, values.b),
                                  w=values.w, b=values.b))
    with score_col:
        st.metric("MSE of your line", fmt(mse), help="Mean of the squared residuals, in °C².")
        st.metric(
            "Typical miss (RMSE)",
            f"{fmt(rmse, 2)} °C",
            help="Square root of the MSE: roughly how far a typical prediction is off, in °C.",
        )
        st.metric(
            "Above the best possible",
            fmt(excess),
            help="Your MSE minus the least-squares MSE. Zero means you found the best line.",
        )
        revealed = bool(st.session_state.get(REVEALED))
        # Once revealed, the button hides the fit again: a button that stays and does
        # nothing tells the learner nothing.
        st.button(
            "Hide the least-squares fit" if revealed else "Reveal the least-squares fit",
            on_click=_toggle_reveal,
            type="secondary" if revealed else "primary",
            width="stretch",
            help="Take the least-squares line off the chart, to keep fitting by hand."
            if revealed
            else "Solve for the w and b with the smallest MSE exactly (normal equations, float64).",
        )
    page.preset_box(slot, STEM, PRESETS, values)
    if st.session_state.get(REVEALED):
        _section_reveal(data)
    page.code_panel(
        script(data, values.w, values.b),
        "Runs on its own with only torch and prints the MSE shown above for your line.",
    )


def _section_reveal(data: tc.Readings) -> None:
    fit = best_fit(data)
    name, factor, offset = fit["unit"]
    st.subheader("What the best line says")
    f1, f2, f3 = st.columns(3)
    f1.metric("Best w", fmt(fit["w"]), help="Least-squares slope, °C per unknown unit.")
    f2.metric("Best b", fmt(fit["b"], 2), help="Least-squares offset, in °C.")
    f3.metric("Lowest MSE", fmt(fit["mse"]), help="No straight line does better on these points.")
    st.button(
        "Move my sliders to the fit",
        on_click=_snap,
        help="Set w and b to the least-squares values, rounded to the sliders' steps.",
    )
    st.markdown(
        f"Read backwards, the line turns Celsius into the unknown unit: "
        f"t_u = t_c / w − b / w ≈ **{fit['factor']:.3f} · t_c + {fit['offset']:.2f}**. "
        f"The closest scale we know is **{name}** (t = {factor:g} · t_c + {offset:g}); "
        f"between −10 °C and 40 °C the two differ by {fit['mean_abs']:.2f} degrees on average "
        f"({fit['rms']:.2f} root-mean-square). " + text.unit_verdict(data.n, name, fit["mean_abs"])
    )
    page.prose(
        "Here the best line has an exact formula because the model is a straight line. "
        "The next pages show how *gradient descent* finds it step by step, the way every "
        "neural network is trained."
    )


def _section_readings(data: tc.Readings) -> None:
    with page.go_deeper("the readings in use"):
        xs, ys = points(data)
        st.dataframe(charts.readings_frame(xs, ys), hide_index=True, width="stretch")
        st.caption("t_u is the unknown unit, t_c the Celsius reading taken at the same time.")
    own_readings.section(data)


page.start(STEM)
DATA = readings.in_use()
_section_story()
_section_fit(DATA)
_section_readings(DATA)
page.finish(STEM)
