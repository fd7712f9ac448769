"""Home: the story of the thermometer with no units, and a first fit by hand."""

import streamlit as st

import thermo_core as tc
from ui import charts
from ui.settings import float_setting, prepare
from ui.sidebar import render_sidebar

W = float_setting("w", 1.0, -1.0, 2.0)
B = float_setting("b", 0.0, -40.0, 40.0)

render_sidebar()
st.title("The mystery thermometer")
st.markdown(
    """
You are back from a trip with a souvenir: a thermometer whose scale has no unit
printed on it. You write down its reading, **t_u**, next to what a trusted Celsius
thermometer says, **t_c**, eleven times. Is there a simple rule that turns one into
the other? Chapter 5 guesses the simplest one, a straight line, and lets the data
choose its slope and offset:
"""
)
st.latex(
    r"t_c \approx w \cdot t_u + b, \qquad \mathrm{MSE}(w, b) = \frac{1}{n}\sum_{i=1}^{n}\bigl(w\,t_{u,i} + b - t_{c,i}\bigr)^2"
)

t_u, t_c = tc.load_readings()
xs, ys = t_u.tolist(), t_c.tolist()

left, right = st.columns([1, 2])
with left:
    st.subheader("The readings")
    st.dataframe(charts.readings_frame(xs, ys), hide_index=True, height=422)
with right:
    st.subheader("Plotted")
    st.altair_chart(charts.readings_scatter(xs, ys), width="stretch")
    st.caption("The points lie close to a straight line: a linear model is worth a try.")

st.header("Fit the line yourself")
st.markdown(
    "Move **w** (slope) and **b** (offset). Each red bar is a *residual*, the gap between "
    "what your line predicts and the Celsius reading. The loss squares those gaps and "
    "averages them: make it as small as you can. The sliders start where the chapter "
    "starts training, w = 1 and b = 0."
)
prepare([W, B])
if "home.reveal" not in st.session_state:
    st.session_state["home.reveal"] = False
best = tc.optimal_params(t_u, t_c)


def _reveal() -> None:
    st.session_state["home.reveal"] = True


def _snap() -> None:
    st.session_state["w"] = round(float(best[0]), 3)
    st.session_state["b"] = round(float(best[1]), 1)


controls, picture = st.columns([1, 2], gap="large")
with controls:
    w = st.slider(
        "w (slope)",
        W.bounds[0],
        W.bounds[1],
        value=W.default,
        step=0.001,
        format="%.3f",
        key="w",
        bind="query-params",
        help="How many °C one step of the unknown unit is worth. Keyboard arrows move it finely.",
    )
    b = st.slider(
        "b (offset)",
        B.bounds[0],
        B.bounds[1],
        value=B.default,
        step=0.1,
        format="%.1f",
        key="b",
        bind="query-params",
        help="The Celsius value the line predicts at a reading of 0 on the unknown scale.",
    )
    score = tc.score_line(t_u, t_c, w, b)
    st.metric(
        "MSE of your line", f"{score.mse:,.4f}", help="Mean of the squared residuals, in °C²."
    )
    st.metric(
        "Typical miss (RMSE)",
        f"{score.rmse:,.2f} °C",
        help="Square root of the MSE: roughly how far a typical prediction is off, in °C.",
    )
    st.metric(
        "Above the best possible",
        f"{score.excess:,.4f}",
        help="Your MSE minus the least-squares MSE. Zero means you found the best line.",
    )
    st.button(
        "Reveal the least-squares fit",
        on_click=_reveal,
        type="primary",
        width="stretch",
        help="Solve for the w and b with the smallest MSE exactly (normal equations, float64).",
    )
    st.button(
        "Move my sliders to the fit",
        on_click=_snap,
        width="stretch",
        help="Set w and b to the least-squares values, rounded to the sliders' steps.",
    )

reveal = st.session_state["home.reveal"]
with picture:
    best_line = (float(best[0]), float(best[1])) if reveal else None
    st.altair_chart(charts.fit_chart(xs, ys, w, b, best_line), width="stretch")

if reveal:
    factor, offset = tc.conversion_from_fit(best)
    unit, gap = tc.closest_unit(factor, offset)
    st.subheader("What the best line says")
    f1, f2, f3 = st.columns(3)
    f1.metric("Best w", f"{float(best[0]):.4f}", help="Least-squares slope, °C per unknown unit.")
    f2.metric("Best b", f"{float(best[1]):.2f}", help="Least-squares offset, in °C.")
    f3.metric(
        "Lowest MSE",
        f"{tc.best_mse(t_u, t_c):.4f}",
        help="No straight line does better on these points.",
    )
    st.markdown(
        f"""
Turn the line around to read the unknown unit from Celsius:
t_u = t_c / w − b / w ≈ **{factor:.3f} · t_c + {offset:.2f}**.

Of the temperature scales we know, the closest is **{unit.name}**
(t = {unit.factor:g} · t_c + {unit.offset:g}); its readings differ from this line by
{gap:.1f} degrees on average between −10 °C and 40 °C. The thermometer reads
**{unit.name}**. The small mismatch is the noise in eleven hand-written readings.
"""
    )
    st.success(
        "Finding the best w and b exactly is easy here because the model is a straight line. "
        "The rest of this app is about how *gradient descent* finds them step by step, "
        "the way every neural network is trained."
    )
