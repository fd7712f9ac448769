"""Finite differences: nudge, chain rule or autograd, and when a nudged slope lies.

Sections: the V (error against δ, beside the three gradients), with the zoom into one
estimate, the error model and the formulas in closed "Go deeper" expanders; the notes'
bracket bug; and what a gradient costs by finite differences and by autograd.
"""

import math
from functools import partial

import pandas as pd
import streamlit as st

import thermo_core as tc
from thermo_core.lessons import finite_differences as FD
from thermo_core.numbers import fmt
from ui import controls, downloads, page, readings
from ui.chart_text import described, numbers
from ui.finite_differences import charts, text
from ui.finite_differences.code import script
from ui.finite_differences.settings import NUDGE, POINT, PRESETS
from ui.vega import show

STEM = "finite_differences"
LR = 1e-2  # the notes' learning rate for the one step they take by hand
NOTES = "loss(model(t_u, w + delta, b), t_c) - loss(model(t_u, w - delta, b), t_c) / (2.0 * delta)"


@st.cache_data(max_entries=256, show_spinner=False)
def comparison(data: tc.Readings, w: float, b: float, delta: float, scheme: str, dtype: str) -> pd.DataFrame:
    """FD, analytic and autograd against the float64 reference."""
    t_u, t_c = data.tensors()
    return FD.gradient_comparison(t_u, t_c, w, b, delta, scheme, dtype)


@st.cache_data(max_entries=64, show_spinner=False)
def sweep(data: tc.Readings, w: float, b: float, wrt: str, field: str) -> list[dict]:
    """Chart rows: the measured error over the whole δ grid, every scheme and dtype."""
    return charts.sweep_rows(sweep_frame(data, w, b, wrt, tc.SCHEMES), field)


def sweep_frame(data: tc.Readings, w: float, b: float, wrt: str, schemes: tuple[str, ...]) -> pd.DataFrame:
    """The V's points for ``schemes``, every dtype and δ, with both errors and what each means."""
    t_u, t_c = data.tensors()
    raw = tc.fd_error_sweep(t_u, t_c, w, b, list(FD.delta_grid()), tc.SCHEMES, tuple(tc.DTYPES), wrt)
    out = FD.label_sweep(raw)
    return out[out["scheme"].isin(schemes)].reset_index(drop=True)


@st.cache_data(max_entries=256, show_spinner=False)
def inside(data: tc.Readings, w: float, b: float, delta: float, scheme: str, dtype: str, wrt: str) -> tuple:
    """(parts of both partials, the zoom's columns, L, L', L'' in float64, model, best δ)."""
    t_u, t_c = data.tensors()
    parts = {p: FD.fd_parts(t_u, t_c, w, b, delta, scheme, dtype, p) for p in FD.WRT}
    zoom = FD.loss_zoom(t_u, t_c, w, b, delta, dtype, wrt).to_dict("list")
    pieces = FD.quadratic_pieces(t_u, t_c, w, b, wrt)
    model = FD.fd_error_model(t_u, t_c, w, b, list(FD.delta_grid()), scheme, dtype, wrt)
    best = FD.optimal_delta(t_u, t_c, w, b, scheme, dtype, wrt)
    return parts, zoom, pieces, model, best


@st.cache_data(max_entries=256, show_spinner=False)
def notes(data: tc.Readings, w: float, b: float, delta: float, dtype: str) -> tuple[dict, dict, dict]:
    """The notes' bracket slip at this point: the lesson, the buggy step and the fixed step."""
    t_u, t_c = data.tensors()
    return (
        FD.bracket_lesson(t_u, t_c, w, b, delta, "w", dtype),
        FD.notes_step(t_u, t_c, w, b, delta, LR, dtype, brackets=False),
        FD.notes_step(t_u, t_c, w, b, delta, LR, dtype, brackets=True),
    )


def _collapse_notes(v: controls.Values, table: pd.DataFrame, parts: dict) -> None:
    """Say so when an estimate collapsed to 0 or overflowed, and why, from the numbers."""
    for p in FD.WRT:
        est = float(table[(table["method"] == "finite difference") & (table["wrt"] == p)]["value"].iloc[0])
        if not math.isfinite(est):
            st.warning(f"The estimate of ∂L/∂{p} is {fmt(est)}: the loss overflowed {v.dtype}.")
        elif est == 0 and parts[p].estimate == 0 and parts[p].loss_mid != 0:
            why = (
                f"{p} + δ rounds back to {p} in {v.dtype}, so the formula never moves"
                if parts[p].step_vanished
                else f"both losses round to the same {v.dtype} number: near L = "
                f"{fmt(parts[p].loss_mid, 2)} the next number is {fmt(FD.spacing(parts[p].loss_mid, v.dtype), sig=3)} "
                "away, more than the change δ makes"
            )
            st.warning(f"**The estimate of ∂L/∂{p} collapsed to exactly 0 (100 % error):** {why}.")


def _section_lesson() -> controls.Values:
    page.prose(
        "Gradient descent needs the slope of the loss along each parameter. **Finite "
        "differences** nudge a parameter by δ and divide the change in loss by δ; the "
        "**chain rule** (by hand, or by **autograd**'s `loss.backward()`) gives it exactly."
    )
    slot = page.preset_buttons(STEM, PRESETS)
    c1, c2, c3, c4 = st.columns([3, 1, 1, 1])
    values = controls.draw(NUDGE, slots={"delta": c1, "scheme": c2, "dtype": c3, "fd_wrt": c4})
    left, right = st.columns([3, 2], gap="medium")
    with page.go_deeper("take the gradient at another point (w, b)"):
        values = controls.draw(POINT, after={**values, "data": readings.in_session()})
    page.preset_box(slot, STEM, PRESETS, values)
    v, delta = values, float(values.delta)
    table = comparison(readings.in_session(), v.fd_w, v.fd_b, delta, v.scheme, v.dtype)
    parts, zoom, (loss64, slope64, curv64), model, best = inside(
        readings.in_session(), v.fd_w, v.fd_b, delta, v.scheme, v.dtype, v.fd_wrt
    )
    field = "rel_error" if slope64 != 0 else "abs_error"
    shown = {"forward", "central", v.scheme}
    rows = [r for r in sweep(readings.in_session(), v.fd_w, v.fd_b, v.fd_wrt, field) if r["scheme"] in shown]
    current = {"scheme": v.scheme, "dtype": v.dtype, "delta": delta}
    show(described(charts.error_spec(rows, model, current, best, field),
                   text.error_description(rows, current, v.fd_wrt, best, field)), left)
    left.caption(
        f"Each point is one estimate of ∂L/∂{v.fd_wrt} against the float64 chain rule: ● central, "
        "▶ forward, ◀ backward. Solid: float64, dashed: float32; the ring is your setting; "
        "crosses: the estimate collapsed to 0. Grey dotted: the error model for your scheme and dtype."
    )
    with left:
        kept = tuple(s for s in tc.SCHEMES if s in shown)
        numbers(("", text.error_table(rows)),
                csv=downloads.csv(STEM, partial(sweep_frame, readings.in_session(), v.fd_w, v.fd_b, v.fd_wrt, kept),
                                  wrt=f"dL-d{v.fd_wrt}", w=v.fd_w, b=v.fd_b, schemes="-".join(kept)))
    with right:
        st.markdown(f"**Three gradients** ({v.scheme}, δ = {v.delta}, {v.dtype})")
        for p in FD.WRT:
            st.table(text.gradient_table(table, p))
        st.caption(text.accuracy_summary(table))
    _collapse_notes(v, table, parts)
    if field == "abs_error":
        st.info(f"∂L/∂{v.fd_wrt} is exactly 0 here, so the chart shows absolute errors.")
    st.markdown(
        "**Why a V?** Too large a δ and the chord is not the tangent (*truncation*, the right "
        "arm of forward and backward); too small a δ and the two losses agree in all but "
        "their last rounded digits (*round-off*, the left arm). **Central differences have no "
        "truncation error here:** the loss is a parabola in each parameter, and for a "
        "parabola the chord from p − δ to p + δ is exactly parallel to the tangent at p. "
        "Their right arm is round-off too, in losses that grow like δ²."
    )
    _deeper_inside(v, parts[v.fd_wrt], zoom, slope64)
    _deeper_model(v, rows, loss64, slope64, curv64, best, field)
    return values


def _deeper_inside(v: controls.Values, part: FD.FDParts, zoom: dict, slope64: float) -> None:
    with page.go_deeper("inside one estimate: the rounded losses"):
        show(described(charts.zoom_spec(zoom, part, slope64), text.zoom_description(
            v.fd_wrt, v.dtype, part, slope64, zoom)))
        st.caption(
            f"The loss along {v.fd_wrt} from −2.5δ to +2.5δ. Solid line: as {v.dtype} computes it "
            "(a staircase when rounding beats the change δ makes), dotted: exact; big dots: where "
            "the formula evaluates it; dash-dot: the slope it reports; dashed: the true tangent."
        )
        names = ("as stored", "+ δ as stored", "− δ as stored")
        quantities = [f"{v.fd_wrt} {n}" for n in names] + [
            "step really taken", f"L at {v.fd_wrt} + δ", f"L at {v.fd_wrt}", f"L at {v.fd_wrt} − δ",
            "numerator", "denominator", f"estimate of ∂L/∂{v.fd_wrt}",
        ]
        numbers = (part.param, part.up, part.down, part.step, part.loss_up, part.loss_mid,
                   part.loss_down, part.numerator, part.denominator, part.estimate)
        st.table(pd.DataFrame({v.dtype: [text.exact(x) for x in numbers]}, index=quantities))
        ulp = FD.spacing(part.loss_mid, v.dtype)
        st.caption(
            f"Near L = {fmt(part.loss_mid, 2)}, {v.dtype} stores numbers in steps of {fmt(ulp, sig=3)}, "
            f"so this estimate can only be a multiple of {fmt(ulp, sig=3)} / {fmt(part.denominator, sig=3)} "
            f"= {fmt(part.resolution, sig=3)}."
        )


def _deeper_model(v, rows, loss64, slope64, curv64, best, field) -> None:
    with page.go_deeper("truncation, round-off and machine epsilon"):
        eps = FD.machine_epsilon(v.dtype)
        st.markdown(
            "Taylor: L(p + δ) = L + L′δ + L″δ²/2 + L‴δ³/6 + …. Forward and backward keep "
            "L″δ/2 (error ∝ δ, slope 1 on the chart); central keeps only L‴δ²/6, and the MSE of "
            "a line has L‴ = 0. Each stored loss is off by up to ε·|L| (ε, the machine epsilon: "
            f"{fmt(FD.machine_epsilon('float32'), sig=3)} for float32, "
            f"{fmt(FD.machine_epsilon('float64'), sig=3)} for float64), and dividing by δ "
            "magnifies it:"
        )
        # One formula per line, so a 390 px phone shows both without scrolling sideways.
        st.latex(
            r"\begin{gathered}E_\text{fwd}\approx\frac{|L''|}{2}\delta+\frac{2\varepsilon|L|}{\delta}"
            r"\Rightarrow\delta^*=2\sqrt{\frac{\varepsilon|L|}{|L''|}}\\ "
            r"E_\text{central}\approx\varepsilon\Big(\frac{L}{\delta}+\frac{L''\delta}{2}\Big)"
            r"\Rightarrow\delta^*=\sqrt{\frac{2L}{L''}}\end{gathered}"
        )
        mine = [r for r in rows if (r["scheme"], r["dtype"]) == (v.scheme, v.dtype)]
        drawn = [r for r in mine if r["outcome"] == "estimate"] or mine
        lowest = min(drawn, key=lambda r: r["plot"])
        st.markdown(
            f"Here L = {fmt(loss64)}, ∂L/∂{v.fd_wrt} = {fmt(slope64)}, ∂²L/∂{v.fd_wrt}² = "
            f"{fmt(curv64)} and {v.dtype} has ε = {fmt(eps, sig=3)}. For **{v.scheme}** the model "
            f"puts the bottom at **δ\\* ≈ {fmt(best, sig=2)}**; the smallest measured "
            f"{'relative' if field == 'rel_error' else 'absolute'} error on the grid is at "
            f"δ = {lowest['delta_label']}. Round-off is erratic, so single points land above or "
            "below the model."
        )


def _section_bug(v: controls.Values) -> None:
    st.header("Spot the bug")
    delta = float(v.delta)
    lesson, bug, fixed = notes(readings.in_session(), v.fd_w, v.fd_b, delta, v.dtype)
    st.markdown(
        "The notes compute the chapter's central difference like this, and print −4462.7925 "
        "at w = 1, b = 0, δ = 0.1 in float32: the wrong sign and the wrong size. Why?"
    )
    st.code(NOTES, language="python", wrap_lines=True)
    st.markdown(
        "Python divides before it subtracts: this is a − c/(2δ), not (a − c)/(2δ). At your "
        f"point and δ, in {v.dtype}: a − c/(2δ) = {fmt(lesson['a'])} − {fmt(lesson['c'])} / "
        f"{fmt(lesson['denominator'], sig=3)} = **{fmt(lesson['buggy'])}**, while "
        f"(a − c)/(2δ) = **{fmt(lesson['fixed'])}**. A finite difference is a *small "
        "difference* over a small number; when a formula divides a whole loss, suspect the brackets."
    )
    st.markdown(f"One descent step from your point with learning rate {LR:g} (w first, then b):")
    st.table(
        pd.DataFrame(
            {
                "start": [fmt(v.fd_w), fmt(v.fd_b), fmt(bug["loss_before"])],
                "notes' step (bug)": [fmt(bug[k]) for k in ("w_new", "b_new", "loss_after")],
                "brackets fixed": [fmt(fixed[k]) for k in ("w_new", "b_new", "loss_after")],
            },
            index=["w", "b", "loss"],
        )
    )
    if not math.isfinite(bug["loss_after"]):
        st.warning(f"**The buggy step overflowed {v.dtype}.** " + text.overflow(bug, delta, v.dtype))
    stuck = [p for p in ("w", "b") if fixed[f"grad_{p}"] == 0]
    if stuck:
        names, slopes = " and ".join(stuck), " and ".join(f"∂L/∂{p}" for p in stuck)
        were = "they were" if len(stuck) > 1 else "it was"
        st.info(
            f"The fixed step leaves {names} where {were} because the estimate of {slopes} "
            f"collapsed to 0: nudging by δ = {v.delta} did not change the {v.dtype} loss at "
            "all. A collapsed estimate stops learning."
        )
    page.prose(
        "At the chapter's point the bug flips the slope's sign and blows up its size. The fixed "
        f"step overshoots too: a learning rate of {LR:g} is too large for raw t_u (the chapter's "
        "next lesson). **Gradient checking** catches slips like this: compare gradient code with "
        "a central difference at a few points before you trust it."
    )


def _section_cost() -> None:
    with page.go_deeper("why autograd exists: the cost"):
        costs = FD.gradient_cost_table()
        st.table(
            pd.DataFrame(
                {
                    "central FD": [f"{fmt(n, sig=1)} losses" for n in costs["central_evals"]],
                    "autograd": [f"≈ {n:g} passes" for n in costs["autograd_evals"]],
                    "at 1 s per pass": [
                        f"{FD.human_duration(s)} vs {FD.human_duration(a)}"
                        for s, a in zip(costs["central_seconds"], costs["autograd_seconds"], strict=True)
                    ],
                },
                index=[f"P = {fmt(p, sig=1)}" for p in costs["params"]],
            )
        )
        st.markdown(
            "Finite differences probe one direction at a time: 2P loss evaluations per gradient "
            "(P + 1 forward). Autograd gets all P partials from one forward and one backward "
            f"pass, about {FD.BACKWARD_FACTOR:g}× a forward pass whatever P is, and exactly: no "
            "δ to choose, no V to fall into. Finite differences survive as a check on gradient code."
        )


page.start(STEM)
values = _section_lesson()
_section_bug(values)
_section_cost()
page.code_panel(
    script(readings.in_session(), values.fd_w, values.fd_b, float(values.delta), values.scheme, values.dtype),
    "Runs on its own with only torch and prints the gradients, the notes' bug and both "
    "steps exactly as this page shows them.",
)
page.finish(STEM)
