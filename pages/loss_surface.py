"""The loss surface: the loss as a landscape over (w, b), its curvature, and loss shapes."""

import math

import streamlit as st

import thermo_core as tc
from ui import surface_charts as charts
from ui.settings import Preset, choice_setting, float_setting, prepare, preset_buttons
from ui.sidebar import render_sidebar
from ui.surface_code import surface_code

NORM = choice_setting("norm", "none", tc.NORMALIZATIONS)
LOSS = choice_setting("loss", "mse", tc.LOSSES)
DELTA = float_setting("surf_huber_delta", 1.0, 0.1, 20.0)
CONTOUR_LEVELS = (0.1, 1.0, 10.0, 100.0, 1e3, 1e4, 1e5)
NORM_CAPTIONS = [
    "raw readings t_u",
    "0.1 · t_u, as the book does",
    "(t_u − mean) / std: mean 0, std 1",
]
LOSS_CAPTIONS = ["mean of r², the chapter's choice", "mean of |r|", "r²/2 near 0, linear beyond δ"]
X_TITLES = {
    "none": "t_u (raw reading)",
    "scale": "x = 0.1 · t_u",
    "standardize": "x = (t_u − mean) / std",
}
LOSS_NAMES = {"mse": "MSE", "l1": "L1 loss", "huber": "Huber loss"}


def _inputs(norm: str):
    t_u, t_c = tc.load_readings()
    return tc.normalize(t_u.double(), norm), t_c.double()


@st.cache_data(max_entries=32)
def view(norm: str, loss: str, delta: float) -> dict:
    """Everything that depends on the settings but not on the current point."""
    x, t_c = _inputs(norm)
    win = tc.landscape.surface_window(norm)
    grid = tc.landscape.surface_frame(x, t_c, win, loss, delta)
    curv = tc.curvature(x)
    best = tc.optimal_params(x, t_c)
    best_mse, _, _ = tc.landscape.loss_and_grad(x, t_c, float(best[0]), float(best[1]))
    return {
        "grid": grid,
        "eigen": tc.landscape.eigen_lines(x, t_c, win),
        "contours": tc.landscape.mse_contours(x, t_c, CONTOUR_LEVELS) if loss == "mse" else None,
        "eigenvalues": [float(v) for v in curv.eigenvalues],
        "condition": curv.condition_number,
        "critical_lr": curv.critical_lr,
        "best": (float(best[0]), float(best[1])),
        "best_mse": best_mse,
        "best_raw": [float(v) for v in tc.optimal_params(*tc.load_readings())],
        "lowest": tc.landscape.lowest_cell(grid),
        "unusable": tc.landscape.unusable_cells(grid["loss"]),
        "x": x.tolist(),
        "t_c": t_c.tolist(),
    }


@st.cache_data(max_entries=256)
def at_point(norm: str, loss: str, delta: float, w: float, b: float) -> dict:
    """The loss, gradient, slices, arrow and residual penalties at the current point."""
    x, t_c = _inputs(norm)
    win = tc.landscape.surface_window(norm)
    value, gw, gb = tc.landscape.loss_and_grad(x, t_c, w, b, loss, delta)
    dots = tc.landscape.residual_penalties(x, t_c, w, b, loss, delta)
    return {
        "loss": value,
        "grad": (gw, gb),
        "arrow": tc.landscape.descent_arrow(w, b, gw, gb, win),
        "w_slice": tc.landscape.slice_frame(x, t_c, "w", b, win.w_bounds, loss, delta),
        "b_slice": tc.landscape.slice_frame(x, t_c, "b", w, win.b_bounds, loss, delta),
        "w_tangent": tc.landscape.tangent_segment(w, value, gw, win.tangent_half_width("w")),
        "b_tangent": tc.landscape.tangent_segment(b, value, gb, win.tangent_half_width("b")),
        "dots": dots,
        "curves": tc.landscape.penalty_curves(tc.landscape.penalty_span(dots["r"], delta), delta),
    }


@st.cache_data
def preset_facts() -> dict:
    """Numbers the presets quote and the valley-floor point they jump to."""
    x, t_c = _inputs("none")
    b_floor = 10.0
    w_floor = round(tc.landscape.valley_floor_point(x, t_c, b_floor), 4)
    best = tc.optimal_params(_inputs("standardize")[0], t_c)
    _, gw0, gb0 = tc.landscape.loss_and_grad(x, t_c, *tc.landscape.SURFACE_START)
    _, gw1, gb1 = tc.landscape.loss_and_grad(x, t_c, w_floor, b_floor)
    return {
        "floor": (w_floor, b_floor),
        "std_best": (round(float(best[0]), 2), round(float(best[1]), 2)),
        "shrink": math.hypot(gw0, gb0) / math.hypot(gw1, gb1),
        "cond": {m: tc.curvature(_inputs(m)[0]).condition_number for m in tc.NORMALIZATIONS},
    }


def _reset_point() -> None:
    """A new normalization means new coordinates: go back to the chapter's start."""
    st.session_state["point_w"], st.session_state["point_b"] = tc.landscape.SURFACE_START


FACTS = preset_facts()
PRESETS = [
    Preset(
        "Raw inputs: a thin valley",
        {"norm": "none", "loss": "mse", "point_w": 1.0, "point_b": 0.0},
        "Both axes use the same units, so the valley is drawn as it really is: a dark "
        "hairline almost parallel to the b axis. At the chapter's start the red arrow points "
        "almost straight along −w, across the valley, not at the white diamond (the minimum). "
        f"Condition number ≈ {FACTS['cond']['none']:,.0f}.",
    ),
    Preset(
        "Standardize: a round bowl",
        {"norm": "standardize", "loss": "mse", "point_w": 1.0, "point_b": 0.0},
        "Now the contours are almost circles and the arrow points nearly at the minimum. "
        f"The condition number drops to {FACTS['cond']['standardize']:.2f}, and the critical "
        "learning rate rises to 1.",
    ),
    Preset(
        "Walk the valley floor",
        {
            "norm": "none",
            "loss": "mse",
            "point_w": FACTS["floor"][0],
            "point_b": FACTS["floor"][1],
        },
        "This point sits on the floor of the raw valley. The arrow now points along the "
        "valley towards the minimum, but compare |∇L|: it is about "
        f"{FACTS['shrink']:,.0f} times smaller than at the start. With a learning rate below "
        "2/λ_max, gradient descent creeps along this floor for thousands of steps.",
    ),
    Preset(
        "L1's kink",
        {
            "norm": "standardize",
            "loss": "l1",
            "point_w": FACTS["std_best"][0],
            "point_b": FACTS["std_best"][1],
        },
        "The penalty |r| has a corner at r = 0 where its slope jumps from −1 to +1. The "
        "surface gets creases, the slices get kinks, and the L1 minimum (yellow diamond) is "
        "not the least-squares one (white diamond).",
    ),
]

render_sidebar()
st.title("The loss surface")
st.markdown(
    """
The loss turns every choice of the two parameters into one number. Draw that number
over all pairs (w, b) and you get a landscape: training means walking downhill on it.
Gradient descent cannot see the landscape. At the point where it stands it only feels
the slope, the **gradient** ∇L, and steps against it. Whether those steps lead quickly
to the bottom depends on the landscape's *shape*, and that shape is set by the loss you
choose and by how the inputs are scaled.
"""
)
st.latex(
    r"L(w,b)=\frac1n\sum_{i=1}^{n}\bigl(\underbrace{w\,x_i+b}_{t_{p,i}}-t_{c,i}\bigr)^2,"
    r"\qquad (w,b)\leftarrow(w,b)-\eta\,\nabla L,"
    r"\qquad \text{stable only if } \eta<\frac{2}{\lambda_{\max}}"
)
st.caption(
    "x is the input after normalization, t_p the prediction, η the learning rate and "
    "λ_max the largest eigenvalue of the MSE's Hessian (its steepest curvature)."
)
preset_buttons("surf", PRESETS)

prepare([NORM, LOSS, DELTA])
c1, c2, c3 = st.columns([1.2, 1.2, 1])
norm = c1.radio(
    "Input normalization",
    tc.NORMALIZATIONS,
    captions=NORM_CAPTIONS,
    key="norm",
    bind="query-params",
    on_change=_reset_point,
    help="How the readings are rescaled before the model sees them. Changing it moves the "
    "current point back to the chapter's start (w = 1, b = 0) in the new coordinates.",
)
loss = c2.radio(
    "Loss shape",
    tc.LOSSES,
    captions=LOSS_CAPTIONS,
    key="loss",
    bind="query-params",
    help="What each residual r = t_p − t_c costs. The surface, slices, gradient and "
    "penalty charts all switch; the curvature numbers stay those of the MSE.",
)
delta = c3.slider(
    "Huber δ",
    DELTA.bounds[0],
    DELTA.bounds[1],
    value=DELTA.default,
    step=0.1,
    format="%.1f",
    key="surf_huber_delta",
    bind="query-params",
    disabled=loss != "huber",
    help="Where Huber switches from quadratic (|r| ≤ δ) to linear. Used only by the "
    "Huber loss; PyTorch's default is 1.",
)

win = tc.landscape.surface_window(norm)
PW = float_setting("point_w", tc.landscape.SURFACE_START[0], *win.w_bounds)
PB = float_setting("point_b", tc.landscape.SURFACE_START[1], *win.b_bounds)
prepare([PW, PB])
s1, s2 = st.columns(2)
w = s1.number_input(
    "w at the current point",
    win.w_bounds[0],
    win.w_bounds[1],
    value=PW.default,
    step=win.w_step,
    format="%.4f" if win.w_step < 1e-3 else "%.3f",
    key="point_w",
    bind="query-params",
    help="The slope of the line being judged, in the coordinates of the chosen "
    f"normalization, from {win.w_bounds[0]:g} to {win.w_bounds[1]:g}. The +/− buttons "
    "and the keyboard's up/down arrows move it by one step.",
)
b = s2.number_input(
    "b at the current point",
    win.b_bounds[0],
    win.b_bounds[1],
    value=PB.default,
    step=win.b_step,
    format="%.2f",
    key="point_b",
    bind="query-params",
    help="The offset of the line being judged (its prediction where x = 0), from "
    f"{win.b_bounds[0]:g} to {win.b_bounds[1]:g}.",
)

v = view(norm, loss, float(delta))
p = at_point(norm, loss, float(delta), float(w), float(b))
gw, gb = p["grad"]
name = LOSS_NAMES[loss]

if not all(math.isfinite(t) for t in (p["loss"], gw, gb)):
    st.error(
        f"The {name} or its gradient is not a finite number at w = {w}, b = {b}: the "
        "arrow and tangents cannot be drawn here. Move the point back towards the minimum."
    )

st.header("The landscape and where you stand")
m1, m2, m3, m4 = st.columns(4)
m1.metric(
    "Loss at the point", f"{p['loss']:,.4f}", help=f"The {name} of the line w·x + b shown right."
)
m2.metric("∂L/∂w", f"{gw:,.4f}", help="How fast the loss rises per unit of w, b held fixed.")
m3.metric("∂L/∂b", f"{gb:,.4f}", help="How fast the loss rises per unit of b, w held fixed.")
m4.metric(
    "|∇L|",
    f"{math.hypot(gw, gb):,.4f}",
    help="Length of the gradient: how steep the surface is at the point, in its steepest direction.",
)

bad_cells, nonpositive = v["unusable"]
if bad_cells or nonpositive:
    st.warning(
        f"{bad_cells} grid cells have a loss that is not a finite number and {nonpositive} "
        "are ≤ 0; a log colour scale cannot place them, so they are drawn grey.",
        icon=":material/warning:",
    )

left, right = st.columns([1.25, 1])
with left:
    st.altair_chart(
        charts.surface_chart(
            v["grid"],
            win.w_range,
            win.b_range,
            v["best"],
            (float(w), float(b)),
            p["arrow"],
            v["eigen"],
            v["contours"],
            v["lowest"][:2] if loss != "mse" else None,
        ),
        width="content",
    )
with right:
    st.altair_chart(
        charts.fit_chart(v["x"], v["t_c"], float(w), float(b), X_TITLES[norm]), width="stretch"
    )
    st.caption(
        "The line for the current point (blue) and its residuals r = t_p − t_c (red). "
        "Every point of the landscape on the left is one such line."
    )

arrow_text = (
    "The red arrow is **−∇L**: it points downhill, the way gradient descent would step. "
    f"It is drawn at a fixed length for visibility; the true gradient is {math.hypot(gw, gb):,.4g} "
    "long."
    if p["arrow"] is not None
    else "The gradient is zero here, so there is no downhill arrow: this is the bottom."
)
contour_text = (
    " Thin white lines are exact MSE contours at 0.1, 1, 10, … 100,000 above the minimum."
    if loss == "mse"
    else f" The yellow diamond is the lowest grid cell of the {name} "
    f"(w ≈ {v['lowest'][0]:.3f}, b ≈ {v['lowest'][1]:.2f}), close to but not at the "
    "least-squares point."
)
st.caption(
    "Colours show the loss on a log scale (dark = low). Both axes use the same units, so "
    "distances and angles look as gradient descent feels them. The white diamond is the "
    f"least-squares minimum; the dashed lines are the MSE Hessian's eigen-directions "
    f"through it. {arrow_text}{contour_text}"
)

st.subheader("Slices through the current point")
st.markdown(
    "Hold one parameter fixed and walk along the other: you get an ordinary curve. The red "
    "dashed tangent touches it at the current point, and its slope *is* the partial "
    "derivative shown above. A steep tangent means a large component of the gradient."
)
sa, sb = st.columns(2)
with sa:
    st.altair_chart(
        charts.slice_chart(p["w_slice"], p["w_tangent"], float(w), p["loss"], "w", name),
        width="stretch",
    )
    st.caption(f"Loss against w at b = {b:.2f}; tangent slope ∂L/∂w = {gw:,.4f}.")
with sb:
    st.altair_chart(
        charts.slice_chart(p["b_slice"], p["b_tangent"], float(b), p["loss"], "b", name),
        width="stretch",
    )
    st.caption(f"Loss against b at w = {w:.4f}; tangent slope ∂L/∂b = {gb:,.4f}.")

st.header("Curvature: why normalization matters")
if loss != "mse":
    st.info(
        f"These numbers describe the **MSE**'s Hessian, the chapter's loss. The {name} has "
        "no constant curvature (L1 is flat between its creases), but its valley is "
        "stretched by the same badly scaled inputs.",
        icon=":material/info:",
    )
k1, k2, k3, k4 = st.columns(4)
lam_min, lam_max = v["eigenvalues"]
k1.metric(
    "λ_min", f"{lam_min:,.4f}", help="Curvature of the MSE along its flattest direction (orange)."
)
k2.metric(
    "λ_max", f"{lam_max:,.4f}", help="Curvature of the MSE along its steepest direction (teal)."
)
k3.metric(
    "Condition number κ",
    f"{v['condition']:,.3f}",
    help="κ = λ_max/λ_min: how many times steeper the steepest direction is than the flattest. 1 is a round bowl.",
)
k4.metric(
    "Critical lr 2/λ_max",
    f"{v['critical_lr']:.3e}",
    help="The critical learning rate: plain gradient descent on the MSE diverges for any larger learning rate.",
)
st.markdown(
    f"""
For a straight-line model the MSE is exactly a quadratic bowl, so its curvature is the same
everywhere. It is the **Hessian** H = 2·[[mean(x²), mean(x)], [mean(x), 1]], which does not
depend on w, b or t_c. Its eigenvectors are the bowl's axes (dashed lines above) and its
eigenvalues say how sharply the bowl curves along each.

Gradient descent uses one learning rate η for every direction. Along a direction of
curvature λ, each step multiplies the distance to the minimum by (1 − η·λ). The steepest
direction therefore needs η < 2/λ_max or the steps overshoot further each time and the loss
blows up (divergence). At such an η the flattest direction shrinks by a factor of only
about (1 − 2/κ) per step, where κ = λ_max/λ_min is the condition number. With
{X_TITLES[norm]} as input, κ = {v["condition"]:,.1f}.

Raw readings are around 50, so mean(x²) ≈ 3,000 dwarfs the 1 that b gets: w is thousands
of times more sensitive than b, and the bowl is a long thin valley. Multiplying by 0.1
cuts that mismatch a hundredfold. Standardizing makes mean(x) = 0 and mean(x²) = 10/11,
so H is nearly 2·I: a round bowl where the gradient points at the minimum.
"""
)
s_col1, s_col2, s_col3 = st.columns(3)
s_col1.metric(
    "Least-squares w*", f"{v['best'][0]:.4f}", help="Slope of the best line for these inputs x."
)
s_col2.metric(
    "Least-squares b*", f"{v['best'][1]:.4f}", help="Offset of the best line for these inputs x."
)
s_col3.metric(
    "Lowest MSE",
    f"{v['best_mse']:.4f}",
    help="The same for every normalization: it is the same best line.",
)
if norm != "none":
    st.caption(
        "The minimum moves because the coordinates changed, not the line: mapped back to raw "
        f"units it is always w ≈ {v['best_raw'][0]:.4f}, b ≈ {v['best_raw'][1]:.2f}."
    )

st.header("Loss shape: why the chapter squares the residuals")
st.markdown(
    """
A loss compares the **prediction** t_p = w·x + b with the true t_c through the residual
r = t_p − t_c, then averages a penalty over the readings. The penalty's slope is what
the gradient is built from: ∂L/∂w = mean(penalty′(r)·x) and ∂L/∂b = mean(penalty′(r)).

- **|r| (L1)** is a V: its slope is −1 for every r < 0 and +1 for every r > 0, jumping at
  r = 0, where there is no derivative (a kink). The slope does not shrink near the best
  fit, so fixed-size gradient steps keep rattling around the bottom.
- **r² (MSE)** is smooth everywhere. Its slope 2r is zero exactly at r = 0 and shrinks
  steadily as the residual does, so steps get smaller on their own as the fit improves,
  and the minimum of a line's MSE has a closed form. The price: a reading twice as far
  off costs four times as much, so outliers pull hard.
- **Huber** is r²/2 for |r| ≤ δ and linear beyond: smooth at the bottom like the square,
  gentle on outliers like |r|.
"""
)
st.altair_chart(charts.penalty_chart(p["curves"], p["dots"], loss), width="content")
st.caption(
    f"Top: what each loss charges for one residual; bottom: that charge's slope. Red dots: "
    f"the 11 residuals at the current point under the {name}; the loss at the point is the "
    "mean of their heights, and each gradient component averages their slopes (weighted "
    "by x for ∂L/∂w). Hollow circles mark L1's jump at r = 0."
)

with st.expander("Show the PyTorch code"):
    st.code(surface_code(norm, loss, float(w), float(b), float(delta)), language="python")
    st.caption(
        "Runs on its own with only torch and prints the numbers shown on this page for the "
        "current settings."
    )
