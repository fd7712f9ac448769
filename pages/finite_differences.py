"""Finite differences vs. analytic vs. autograd: three ways to the same gradient."""

import math

import pandas as pd
import streamlit as st

import thermo_core as tc
from ui import gradient_charts as charts
from ui.gradient_code import pytorch_code
from ui.settings import Preset, choice_setting, float_setting, prepare, preset_buttons
from ui.sidebar import render_sidebar

DELTAS = tc.finite_differences.delta_grid()
DELTA = choice_setting("delta", 0.1, DELTAS, label=tc.finite_differences.delta_label)
SCHEME = choice_setting("scheme", "central", tc.SCHEMES)
DTYPE = choice_setting("dtype", "float32", tuple(tc.DTYPES))
FD_W = float_setting("fd_w", 1.0, -1.0, 2.0)
FD_B = float_setting("fd_b", 0.0, -40.0, 40.0)
FD_WRT = choice_setting("fd_wrt", "w", tc.finite_differences.WRT)
LR = 1e-2  # the notes' learning rate for the one step they take by hand

CHAPTER = {"fd_w": 1.0, "fd_b": 0.0, "fd_wrt": "w"}
PRESETS = [
    Preset(
        "The chapter's estimate",
        {**CHAPTER, "delta": 0.1, "scheme": "central", "dtype": "float32"},
        "Central differences with δ = 0.1 at w = 1, b = 0, in float32, as in the chapter. "
        "The estimate agrees with the reference to about 7 significant digits, which is all "
        "float32 holds. The analytic and autograd values are no closer. On the error chart "
        "the ring sits low on the blue dashed line.",
    ),
    Preset(
        "Tiny δ in float32",
        {**CHAPTER, "delta": 1e-7, "scheme": "central", "dtype": "float32"},
        "δ = 1e-7 in float32: the estimate for ∂L/∂w is about a third too big, and ∂L/∂b "
        "collapses to 0. Under *Inside one estimate*, the loss is a staircase, because float32 "
        "can only store it in steps of about 0.000122. Also, w + δ is stored as 1.00000012, so "
        "the step really taken is not the δ you asked for.",
    ),
    Preset(
        "Same δ in float64",
        {**CHAPTER, "delta": 1e-7, "scheme": "central", "dtype": "float64"},
        "The same δ = 1e-7 in float64 is accurate to about 10 digits. float64 keeps 16 digits "
        "instead of 7, so its round-off wall (the left arm of the V) sits at much smaller δ. "
        "Compare the solid and dashed lines on the chart.",
    ),
    Preset(
        "Forward with a big δ",
        {**CHAPTER, "delta": 1.0, "scheme": "forward", "dtype": "float64"},
        "A forward difference with δ = 1 is off by ∂²L/∂w² · δ / 2, which is pure truncation "
        "error. In the zoom, the red line is visibly steeper than the tangent. On the chart the "
        "red lines climb to the right with slope 1: halve δ and you halve the error. Now switch "
        "to central. For a parabola the central chord is exactly parallel to the tangent.",
    ),
]


@st.cache_data(max_entries=256, show_spinner=False)
def comparison(w: float, b: float, delta: float, scheme: str, dtype: str) -> pd.DataFrame:
    """The table's numbers: FD, analytic and autograd against the float64 reference."""
    t_u, t_c = tc.load_readings()
    return tc.finite_differences.gradient_comparison(t_u, t_c, w, b, delta, scheme, dtype)


@st.cache_data(max_entries=64, show_spinner=False)
def sweep(w: float, b: float, wrt: str, schemes: tuple[str, ...]) -> pd.DataFrame:
    """Measured error over the whole δ grid for both dtypes."""
    t_u, t_c = tc.load_readings()
    raw = tc.fd_error_sweep(t_u, t_c, w, b, list(DELTAS), schemes, tuple(tc.DTYPES), wrt)
    return tc.finite_differences.label_sweep(raw)


def fmt(value: float, spec: str) -> str:
    """Format a number, spelling out inf and nan rather than hiding them."""
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return format(value, spec)


def fmt_error(value: float, method: str = "") -> str:
    """Errors in scientific notation; an exact zero says so; the reference has none."""
    if method == "reference":
        return "—"
    return "0 (exact)" if value == 0 else fmt(value, ".2e")


render_sidebar()
st.title("Finite differences vs. analytic vs. autograd")
st.markdown(
    """
Gradient descent needs the slope of the loss along every parameter. There are three ways to
get it:

* **Finite differences**: nudge one parameter by a small step δ, evaluate the loss again and
  divide the change by δ. You only need to be able to *evaluate* the loss, so the chapter
  starts here.
* **Analytic**: work the derivative out with the chain rule and code up the formula.
* **Autograd**: PyTorch records the operations that produced the loss and applies the
  chain rule for you, backwards through them, in one pass (`loss.backward()`).

Finite differences are approximate in two ways. The formula replaces the tangent with a
chord, which is **truncation error**. The computer rounds every loss it stores, and dividing
by a small δ magnifies that rounding, which is **round-off error**. Nudge one parameter at a
time and you get each partial derivative:
"""
)
st.latex(
    r"\text{forward: } \frac{\partial L}{\partial w} \approx \frac{L(w+\delta,\,b) - L(w,\,b)}{\delta}"
    r"\qquad \text{central: } \frac{\partial L}{\partial w} \approx "
    r"\frac{L(w+\delta,\,b) - L(w-\delta,\,b)}{2\delta}"
)
st.markdown(
    "Backward differences use L(w, b) − L(w − δ, b) over δ. The chain rule gives the exact "
    "values that autograd also computes, with t_p = w·t_u + b:"
)
st.latex(
    r"\frac{\partial L}{\partial w} = \frac{2}{n}\sum_i (t_{p,i} - t_{c,i})\,t_{u,i}, \qquad "
    r"\frac{\partial L}{\partial b} = \frac{2}{n}\sum_i (t_{p,i} - t_{c,i})"
)

preset_buttons("fd", PRESETS)

prepare([DELTA, SCHEME, DTYPE, FD_W, FD_B, FD_WRT])
# value= repeats the seeded default on purpose. Streamlit drops a URL value that equals the
# widget's *declared* default (the first option, or the minimum, when value= is absent),
# so without it ?delta=1e-08 or ?fd_w=-1 would silently reopen at the chapter's values.
with st.container(border=True):
    c1, c2, c3 = st.columns([3, 1, 1])
    delta = c1.select_slider(
        "δ, the nudge (log scale)",
        options=DELTAS,
        value=DELTA.default,
        format_func=tc.finite_differences.delta_label,
        key="delta",
        bind="query-params",
        help="How far each parameter is moved to probe the loss. The steps are 1, 2 and 5 "
        "per power of ten, from 1e-8 to 10. The chapter uses 0.1.",
    )
    scheme = c2.radio(
        "Scheme",
        tc.SCHEMES,
        key="scheme",
        bind="query-params",
        help="central: (L(p+δ) − L(p−δ)) / 2δ. forward: (L(p+δ) − L(p)) / δ. "
        "backward: (L(p) − L(p−δ)) / δ.",
    )
    dtype = c3.radio(
        "Number type",
        tuple(tc.DTYPES),
        key="dtype",
        bind="query-params",
        help="float32 (PyTorch's default) keeps about 7 significant digits; float64 keeps "
        "about 16. Finite differences, analytic and autograd all run in this type.",
    )
    c4, c5 = st.columns(2)
    w = c4.slider(
        "w, where the gradient is taken",
        FD_W.bounds[0],
        FD_W.bounds[1],
        value=FD_W.default,
        step=0.001,
        format="%.3f",
        key="fd_w",
        bind="query-params",
        help="The slope parameter of the point (w, b). The chapter starts at w = 1.",
    )
    b = c5.slider(
        "b, where the gradient is taken",
        FD_B.bounds[0],
        FD_B.bounds[1],
        value=FD_B.default,
        step=0.1,
        format="%.1f",
        key="fd_b",
        bind="query-params",
        help="The offset parameter of the point (w, b). The chapter starts at b = 0.",
    )

t_u, t_c = tc.load_readings()
table = comparison(w, b, delta, scheme, dtype)
value = {(r.method, r.wrt): r for r in table.itertuples()}
parts = {
    p: tc.finite_differences.fd_parts(t_u, t_c, w, b, delta, scheme, dtype, p)
    for p in tc.finite_differences.WRT
}

st.header("Three gradients at this point")
names = {
    "finite difference": f"Finite difference ({scheme}, δ = {tc.finite_differences.delta_label(delta)}, {dtype})",
    "analytic": f"Analytic, chain rule by hand ({dtype})",
    "autograd": f"Autograd, loss.backward() ({dtype})",
    "reference": "Reference: chain rule in float64",
}
shown = pd.DataFrame(
    [
        {
            "method": names[m],
            "∂L/∂w": fmt(value[m, "w"].value, ",.6f"),
            "error in ∂L/∂w": fmt_error(value[m, "w"].abs_error, m),
            "relative error in ∂L/∂w": fmt_error(value[m, "w"].rel_error, m),
            "∂L/∂b": fmt(value[m, "b"].value, ",.6f"),
            "error in ∂L/∂b": fmt_error(value[m, "b"].abs_error, m),
            "relative error in ∂L/∂b": fmt_error(value[m, "b"].rel_error, m),
        }
        for m in tc.finite_differences.METHODS
    ]
)
st.table(shown.set_index("method"))
st.caption(
    "Errors are |value − reference|. The reference is the chain-rule formula in float64 on the "
    "same eleven readings. Relative error is that divided by |reference|. Analytic and autograd "
    "are exact formulas, so in float32 they differ from the reference only by rounding, in the "
    "7th or 8th digit. Autograd adds its terms in a different order from the hand-written "
    "formula, so the two can differ in the last digit."
)

for p in tc.finite_differences.WRT:
    fd = value["finite difference", p]
    if not math.isfinite(fd.value):
        st.error(
            f"The finite-difference ∂L/∂{p} is {fmt(fd.value, 'g')}: the loss overflowed "
            f"{dtype}. Pick a smaller δ or a point nearer the data.",
            icon=":material/error:",
        )
    elif fd.value == 0 and value["reference", p].value != 0:
        why = (
            f"{p} + δ rounds back to {p} in {dtype}, so the formula never moves"
            if parts[p].step_vanished
            else f"the loss changes by less than half of {dtype}'s step between neighbouring "
            f"numbers near L = {parts[p].loss_mid:,.4f} "
            f"(that step is {tc.finite_differences.spacing(parts[p].loss_mid, dtype):.3g}), "
            "so both losses round to the same number"
        )
        where = (
            f"With {p} chosen under *Inside one estimate*, the error chart shows it as a "
            "cross at relative error 1."
        )
        st.warning(
            f"**The estimate of ∂L/∂{p} collapsed to exactly 0 (100 % error):** {why}. {where}",
            icon=":material/warning:",
        )

st.header("Inside one estimate")
wrt = st.radio(
    "Look inside the partial derivative with respect to",
    tc.finite_differences.WRT,
    key="fd_wrt",
    bind="query-params",
    horizontal=True,
    captions=[f"∂L/∂{p}" for p in tc.finite_differences.WRT],
    help="Which parameter is nudged in the zoom and on the error chart below.",
)
part = parts[wrt]
loss64, slope64, curv64 = tc.finite_differences.quadratic_pieces(t_u, t_c, w, b, wrt)
ulp = tc.finite_differences.spacing(part.loss_mid, dtype)
left, right = st.columns([2, 3])
with left:
    st.table(
        pd.DataFrame(
            {
                "quantity": [
                    f"{wrt} as stored",
                    f"{wrt} + δ as stored",
                    f"{wrt} − δ as stored",
                    "step the computer really took",
                    f"L at {wrt} + δ",
                    f"L at {wrt}",
                    f"L at {wrt} − δ",
                    "numerator (difference of losses)",
                    "denominator",
                    f"estimate of ∂L/∂{wrt}",
                ],
                dtype: [
                    repr(part.param),
                    repr(part.up),
                    repr(part.down),
                    repr(part.step),
                    repr(part.loss_up),
                    repr(part.loss_mid),
                    repr(part.loss_down),
                    repr(part.numerator),
                    repr(part.denominator),
                    repr(part.estimate),
                ],
            }
        ).set_index("quantity")
    )
    st.caption(
        f"Near L = {part.loss_mid:,.2f}, {dtype} stores numbers in steps of {ulp:.3g}. The "
        "numerator is always a whole number of such steps, so this scheme can only report "
        f"multiples of {ulp:.3g} / {part.denominator:.3g} = {part.resolution:.3g}."
    )
with right:
    zoom = tc.finite_differences.loss_zoom(t_u, t_c, w, b, delta, dtype, wrt)
    st.altair_chart(charts.loss_zoom_chart(zoom, part, slope64, wrt), width="stretch")
    st.caption(
        f"The loss along {wrt} near the current point, from −2.5δ to +2.5δ. The green line is "
        f"the loss as {dtype} computes it; when it turns into a staircase, rounding is "
        "bigger than the change δ makes. The red dots are where the formula evaluates the "
        "loss, and the red line has the slope it reports. The dashed black line is the "
        "true tangent."
    )

st.header("Error against δ: the V")
schemes = ("forward", "central", "backward") if scheme == "backward" else ("forward", "central")
errors = sweep(w, b, wrt, schemes)
field = "rel_error" if slope64 != 0 else "abs_error"
if field == "abs_error":
    st.info(
        f"∂L/∂{wrt} is exactly 0 here, so a relative error is undefined: the chart shows "
        "absolute errors instead.",
        icon=":material/info:",
    )
model = tc.finite_differences.fd_error_model(t_u, t_c, w, b, list(DELTAS), scheme, dtype, wrt)
best_delta = tc.finite_differences.optimal_delta(t_u, t_c, w, b, scheme, dtype, wrt)
st.altair_chart(
    charts.error_chart(
        errors, model, {"scheme": scheme, "dtype": dtype, "delta": delta}, best_delta, field
    ),
    width="stretch",
)
st.caption(
    f"Each point is one finite-difference estimate of ∂L/∂{wrt}, scored against the float64 "
    "reference. Colour is the scheme; solid lines are float64 and dashed lines float32. The "
    "ring is your current setting. Errors of exactly 0 cannot sit on a log axis, so they are "
    "drawn as triangles at the floor. Estimates that collapsed to 0 are drawn as crosses. The "
    "thin grey dotted line is the error model below for your scheme and dtype. The grey dashed "
    "rule is its predicted bottom."
)
emp_delta, emp_err = tc.finite_differences.sweep_minimum(errors, scheme, dtype)
here = errors[
    (errors["scheme"] == scheme) & (errors["dtype"] == dtype) & (errors["delta"] == delta)
].iloc[0]
predicted = tc.finite_differences.fd_error_model(
    t_u, t_c, w, b, [best_delta], scheme, dtype, wrt
).iloc[0]
m1, m2, m3 = st.columns(3)
m1.metric(
    "Relative error at your δ",
    fmt_error(here["rel_error"]),
    help="|estimate − reference| / |reference| for the current scheme, dtype and δ.",
)
m2.metric(
    "Predicted best δ",
    f"{best_delta:.2g}",
    help="Bottom of the V from the error model below, for the current scheme and dtype.",
)
m3.metric(
    "Best δ on the grid",
    tc.finite_differences.delta_label(emp_delta),
    help="The δ on the slider's grid with the smallest measured error, for the current "
    "scheme and dtype.",
)
if not tc.finite_differences.DELTA_MIN <= best_delta <= tc.finite_differences.DELTA_MAX:
    st.info(
        f"The predicted bottom, δ ≈ {best_delta:.2g}, lies outside the slider's range, so "
        "the measured errors keep falling towards that end of the chart.",
        icon=":material/info:",
    )
eps = tc.finite_differences.machine_epsilon(dtype)
limit = tc.finite_differences.collapse_limit(errors, scheme, "float32")
collapse_text = (
    f"Here, {scheme} differences for ∂L/∂{wrt} in float32 collapse for δ up to "
    f"{tc.finite_differences.delta_label(limit)}."
    if limit is not None
    else f"Here, {scheme} differences for ∂L/∂{wrt} in float32 never collapse on the grid."
)
st.markdown(
    f"""
**Why a V?** Two errors pull in opposite directions.

* **Truncation (right arm).** Expand the loss around the point:
  L(p + δ) = L + L′δ + L″δ²/2 + L‴δ³/6 + …. Forward and backward differences keep the
  L″δ/2 term, so their error is proportional to δ: a line of slope 1 on log-log axes.
  In central differences the even terms cancel, which leaves only L‴δ²/6. The MSE of a
  straight-line model is exactly quadratic in each parameter, so L‴ = 0 and central
  differences have **no** truncation error here.
* **Round-off (left arm).** Each stored loss is off by up to about ε·|L|, where ε is the
  dtype's machine epsilon: {tc.finite_differences.machine_epsilon("float32"):.3g} for float32 and
  {tc.finite_differences.machine_epsilon("float64"):.3g} for float64. Subtracting two nearly equal losses
  keeps their absolute error but loses most of the digits, and dividing by δ magnifies what
  is left: an error of about 2ε|L|/δ.
"""
)
st.latex(
    r"E_\text{forward}(\delta) \approx \frac{|L''|}{2}\,\delta + \frac{2\varepsilon|L|}{\delta}"
    r"\;\Rightarrow\; \delta^* = 2\sqrt{\frac{\varepsilon\,|L|}{|L''|}}, \qquad "
    r"E_\text{central}(\delta) \approx \varepsilon\Big(\frac{L}{\delta} + \frac{L''\delta}{2}\Big)"
    r"\;\Rightarrow\; \delta^* = \sqrt{\frac{2L}{L''}}"
)
st.markdown(
    f"""
Here L = {loss64:,.4f}, ∂L/∂{wrt} = {slope64:,.4f} and ∂²L/∂{wrt}² = {curv64:,.4f}, and
{dtype} has ε = {eps:.3g}. For the **{scheme}** scheme the model puts the bottom at
**δ\\* ≈ {best_delta:.2g}**, with a relative error of about {fmt_error(predicted["rel_error"])}.
On the grid, the smallest measured error is at δ = {tc.finite_differences.delta_label(emp_delta)}.
Round-off is erratic, so single points can land above or below the model. Why the central
V still has a right arm: the losses themselves grow like δ², and their rounding error grows
with them. Its bottom, √(2L/L″), does not depend on ε. A smaller ε only makes the V deeper.

**The collapse.** In float32, 1 + 1e-8 is stored as exactly 1, because float32 has no number
between 1 and 1 + {tc.finite_differences.machine_epsilon("float32"):.3g}. So w + δ rounds back to w, both
losses are the same number, and the estimate is exactly 0 (an error of 100 %). The same
happens whenever the change in loss, about |∂L/∂p|·δ, is smaller than half the rounding step
of the loss. {collapse_text} float64 moves both limits about nine orders of magnitude further
away.
"""
)

st.header("Spot the bug")
lesson = tc.finite_differences.bracket_lesson(t_u, t_c, w, b, delta, "w")
bug = tc.buggy_descent_step(t_u, t_c, w, b, delta, LR)
fixed = tc.finite_differences.fixed_descent_step(t_u, t_c, w, b, delta, LR)
st.markdown(
    "The notes compute the chapter's central difference like this. It prints "
    "−4462.7925 at w = 1, b = 0, δ = 0.1, with the wrong sign and the wrong size. Can you "
    "see why?"
)
k1, k2 = st.columns(2)
k1.code(
    "loss(model(t_u, w + delta, b), t_c) - loss(model(t_u, w - delta, b), t_c) / (2.0 * delta)",
    language="python",
    wrap_lines=True,
)
k1.caption("As typed in the notes.")
k2.code(
    "(loss(model(t_u, w + delta, b), t_c) - loss(model(t_u, w - delta, b), t_c)) / (2.0 * delta)",
    language="python",
    wrap_lines=True,
)
k2.caption("With the brackets the formula needs.")
st.markdown(
    f"""
Python, like ordinary algebra, divides before it subtracts. Without brackets only the second
loss is divided by 2δ, so the line computes a − c/(2δ), not (a − c)/(2δ). With a = L(w + δ)
and c = L(w − δ) at your point and δ (float32, as in the notes):
a − c/(2δ) = {lesson["a"]:,.4f} − {lesson["c"]:,.4f} / {lesson["denominator"]:g} =
**{lesson["buggy"]:,.4f}**, while (a − c)/(2δ) = **{lesson["fixed"]:,.4f}**.
A finite difference should be a *small difference* divided by a small number. Whenever a
formula's parts are large losses rather than a difference, suspect the brackets.
"""
)
s1, s2 = st.columns(2)
s1.metric(
    "a − c / (2δ), the notes' formula",
    fmt(lesson["buggy"], ",.4f"),
    help="What the unbracketed line gives at your point and δ, in float32.",
)
s2.metric(
    "(a − c) / (2δ), the central difference",
    fmt(lesson["fixed"], ",.4f"),
    help="The same two losses, combined correctly.",
)
st.markdown(
    f"The notes then take one gradient-descent step with learning rate {LR:g}: first w, "
    "then b at the new w, each with its own buggy estimate. Here is that step from your point, "
    "with and without the brackets:"
)
step_table = pd.DataFrame(
    {
        "": ["w", "b", "loss (MSE)"],
        "start": [fmt(w, ",.4f"), fmt(b, ",.4f"), fmt(bug["loss_before"], ",.4f")],
        "after the notes' step (bug)": [
            fmt(bug["w_new"], ",.4f"),
            fmt(bug["b_new"], ",.4f"),
            fmt(bug["loss_after"], ",.4f"),
        ],
        "after the same step, brackets fixed": [
            fmt(fixed["w_new"], ",.4f"),
            fmt(fixed["b_new"], ",.4f"),
            fmt(fixed["loss_after"], ",.4f"),
        ],
    }
).set_index("")
st.table(step_table)
if not all(math.isfinite(v) for v in (bug["w_new"], bug["b_new"], bug["loss_after"])):
    st.error(
        "The buggy step overflowed float32: a value passed 3.4e38 and became inf (or nan). "
        "With a tiny δ the bug divides a whole loss by 2δ, and the result is astronomically large.",
        icon=":material/error:",
    )
st.markdown(
    f"""
At the chapter's point the bug flips the sign of the slope and blows up its size, so the step
goes the wrong way and far too far: w jumps to 45.63, then b to 242,388, as the notes printed. The fixed step is not good either: a
learning rate of {LR:g} is far too large for raw t_u, so even the true gradient overshoots.
That is the chapter's next lesson, on learning rates and normalizing the inputs. A bracket
slip like this survives because nothing crashes. It is exactly what **gradient checking**
catches: compare your gradient code against a central difference at a few points before you
trust it.
"""
)

st.header("Why autograd exists: the cost")
costs = tc.finite_differences.gradient_cost_table()
st.table(
    pd.DataFrame(
        {
            "parameters P": [f"{p:,}" for p in costs["params"]],
            "central FD: loss evaluations (2P)": [f"{n:,}" for n in costs["central_evals"]],
            "forward FD: loss evaluations (P + 1)": [f"{n:,}" for n in costs["forward_evals"]],
            "autograd: 1 forward + 1 backward pass": [
                f"≈ {n:g} forward passes" for n in costs["autograd_evals"]
            ],
            "central FD ÷ autograd": [
                f"{r:,.0f}×" if r >= 10 else f"{r:.2g}×" for r in costs["central_over_autograd"]
            ],
            "central FD at 1 s per loss": [
                tc.finite_differences.human_duration(s) for s in costs["central_seconds"]
            ],
            "autograd at 1 s per forward pass": [
                tc.finite_differences.human_duration(s) for s in costs["autograd_seconds"]
            ],
        }
    ).set_index("parameters P")
)
st.markdown(
    f"""
Finite differences probe one direction at a time. One gradient of P parameters costs 2P loss
evaluations with central differences, or P + 1 with forward differences, which share the
evaluation at p. Our thermometer has P = 2, so 4 evaluations are nothing. A model with a
billion parameters would need two billion full passes over the data for **one** step. Each of
those passes also gets slower as P grows, so the total grows like P².

Reverse-mode differentiation, which is what `loss.backward()` does, gets **all P partial
derivatives** from one forward pass and one backward pass. The backward pass costs a small
constant multiple of the forward pass, about {tc.finite_differences.BACKWARD_FACTOR:g}×,
because each layer needs the gradient with respect to both its input and its weights. That
multiple does not depend on P. Autograd is also exact up to rounding: no δ to choose and no
V to fall into. This is why every deep-learning framework is built around it, and why finite
differences survive only as a check on gradient code.
"""
)

with st.expander("Show the PyTorch code", icon=":material/code:"):
    st.caption(
        "A self-contained script that reproduces this page's numbers for the current "
        "settings, using only torch. Run it and compare."
    )
    st.code(pytorch_code(w, b, delta, scheme, dtype), language="python")
