"""The loss surface: the loss as a landscape over (w, b), its curvature, and loss shapes.

Sections: the controls, the landscape with the current point (a fragment: moving the
point reruns only it), the curvature and the loss shapes in "Go deeper" expanders.
"""

import math
from functools import partial

import pandas as pd
import streamlit as st

import thermo_core as tc
from thermo_core.lessons import loss_surface as ls
from thermo_core.numbers import fmt
from ui import controls, downloads, page, readings
from ui.chart_text import described, numbers
from ui.loss_surface import charts
from ui.loss_surface import text as words
from ui.loss_surface.code import script
from ui.loss_surface.settings import (
    DELTA,
    LOSS_NAMES,
    POINT,
    PRESETS,
    SETTINGS,
    picked_point,
)
from ui.loss_surface.text import float32_caption, prose, rate_sentence
from ui.vega import arrow_bytes, show

STEM = "loss_surface"
PICK_KEY = "loss_surface.pick"
CONTOUR_LEVELS = (0.1, 1.0, 10.0, 100.0, 1e3, 1e4, 1e5)


def _inputs(data: tc.Readings, norm: str):
    t_u, t_c = data.tensors()
    return tc.normalize(t_u.double(), norm), t_c.double()


def surface_cells(data: tc.Readings, norm: str, loss: str, delta: float) -> pd.DataFrame:
    """Every cell of the heatmap: its centre (w, b) and its loss, in float64."""
    window = ls.surface_window(data, norm)
    return ls.surface_frame(*_inputs(data, norm), window, loss, delta)[["w", "b", "loss"]]


@st.cache_data(max_entries=32)
def view(data: tc.Readings, norm: str, loss: str, delta: float) -> dict:
    """Everything that depends on the settings but not on the point (big data as Arrow)."""
    x, t_c = _inputs(data, norm)
    win = ls.surface_window(data, norm)
    grid = ls.surface_frame(x, t_c, win, loss, delta)
    curv = tc.curvature(x)
    best = tc.optimal_params(x, t_c)
    lowest = ls.lowest_cell(grid)
    marks = [{"w": float(best[0]), "b": float(best[1]), "what": "least-squares minimum"}]
    if loss != "mse":
        marks.append({"w": lowest[0], "b": lowest[1], "what": "lowest cell of this loss"})
    xs = x.tolist()
    pad = 0.08 * (max(xs) - min(xs))
    datasets = {
        "grid": arrow_bytes(grid[["w", "b", "loss"]]),
        "eigen": arrow_bytes(ls.eigen_lines(x, t_c, win)),
        "marks": marks,
    }
    if loss == "mse":
        datasets["contours"] = arrow_bytes(ls.mse_contours(x, t_c, CONTOUR_LEVELS, 121))
    cell = (win.side / 59, (win.b_range[1] - win.b_range[0]) / 59)  # 60 × 60 cell centres
    template = charts.surface_template(win.w_range, win.b_range, cell, loss == "mse", loss != "mse")
    return {
        "surface": {**template, "datasets": datasets},
        "eigenvalues": [float(v) for v in curv.eigenvalues],
        "condition": curv.condition_number,
        "critical_lr": curv.critical_lr,
        "best": (float(best[0]), float(best[1])),
        "best_mse": ls.loss_and_grad(x, t_c, float(best[0]), float(best[1]))[0],
        "best_raw": [float(v) for v in tc.optimal_params(*data.tensors())],
        "lowest": lowest,
        "coarse": words.coarse_grid(grid),
        "unusable": ls.unusable_cells(grid["loss"]),
        "x": xs,
        "t_c": t_c.tolist(),
        "x_domain": (min(xs) - pad, max(xs) + pad),
    }


@st.cache_data(max_entries=256)
def at_point(data: tc.Readings, norm: str, loss: str, delta: float, w: float, b: float) -> dict:
    """The loss, gradient (also in float32), slices, arrow and residual penalties at (w, b)."""
    x, t_c = _inputs(data, norm)
    win = ls.surface_window(data, norm)
    value, gw, gb = ls.loss_and_grad(x, t_c, w, b, loss, delta)
    arrow = ls.descent_arrow(w, b, gw, gb, win)
    dots = ls.residual_penalties(x, t_c, w, b, loss, delta)
    span = {k: win.slice_span(k, v) for k, v in (("w", w), ("b", b))}
    return {
        "loss": value,
        "grad": (gw, gb),
        "float32": ls.float32_loss_and_grad(x, t_c, w, b, loss, delta),
        "float32_in_order": ls.float32_loss_left_to_right(x, t_c, w, b, loss, delta),
        "arrow": [] if arrow is None else [arrow, *ls.arrow_wings(arrow)],
        "w_slice": ls.slice_frame(x, t_c, "w", b, span["w"], loss, delta, steps=81),
        "b_slice": ls.slice_frame(x, t_c, "b", w, span["b"], loss, delta, steps=81),
        "w_tangent": ls.tangent_segment(w, value, gw, win.tangent_half_width("w")),
        "b_tangent": ls.tangent_segment(b, value, gb, win.tangent_half_width("b")),
        "dots": dots,
        "curves": ls.penalty_curves(ls.penalty_span(dots["r"], delta), delta, steps=120),
    }


def _pick() -> None:
    """A click on the heatmap: move the point to that cell's centre, on the inputs' steps."""
    point = picked_point(st.session_state[PICK_KEY], st.session_state["norm"])
    if point is not None:
        st.session_state["point_w"], st.session_state["point_b"] = point


def _section_controls() -> controls.Values:
    slot = page.preset_buttons(STEM, PRESETS)
    c1, c2, c3 = st.columns([1.3, 1, 0.8])
    values = controls.draw(SETTINGS, slots={"norm": c1, "loss": c2}, after={"data": readings.in_session()})
    if values.loss == "huber":
        values = controls.draw((DELTA,), slots={DELTA.key: c3}, after=values)
    else:
        values["surf_huber_delta"] = DELTA.default
    slot.empty()  # the box is drawn beside the point, which the fragment redraws
    return values


@st.fragment
def _section_landscape(values: controls.Values) -> None:
    norm, loss, delta = values.norm, values.loss, float(values.surf_huber_delta)
    box = st.empty()
    left, right = st.columns([1, 1], gap="medium")
    with right:
        c1, c2 = st.columns(2)
        values = controls.draw(POINT, slots={"point_w": c1, "point_b": c2}, after=values)
    page.preset_box(box, STEM, PRESETS, values)
    w, b = float(values.point_w), float(values.point_b)
    v, p = view(readings.in_session(), norm, loss, delta), at_point(readings.in_session(), norm, loss, delta, w, b)
    gw, gb = p["grad"]
    name = LOSS_NAMES[loss]
    with left:
        lowest, win = (None if loss == "mse" else v["lowest"]), ls.surface_window(readings.in_session(), norm)
        about = words.surface_description(name, win.w_range, win.b_range, v["best"],
                                          v["best_mse"], lowest)
        spec = described(charts.surface_spec(v["surface"], (w, b), p["arrow"]), about)
        show(spec, key=PICK_KEY, on_select=_pick, selection_mode=charts.PICK)
    with right:
        m1, m2 = st.columns(2)
        m1.metric("Loss at the point", fmt(p["loss"]), help=f"The {name} of the line w·x + b.")
        m2.metric("|∇L|", fmt(math.hypot(gw, gb)),
                  help="Length of the gradient: how steep the surface is at the point.")
        m3, m4 = st.columns(2)
        m3.metric("∂L/∂w", fmt(gw), help="How fast the loss rises per unit of w, b held fixed.")
        m4.metric("∂L/∂b", fmt(gb), help="How fast the loss rises per unit of b, w held fixed.")
        l32, gw32, gb32 = p["float32"]
        st.caption(float32_caption(l32, gw32, gb32, p["float32_in_order"],
                                   (norm, loss, w, b) == ("none", "mse", 1.0, 0.0)))
        show(described(charts.fit_spec(charts.fit_template(charts.X_TITLES[norm], v["x_domain"]),
                                       v["x"], v["t_c"], w, b),
                       words.fit_description(charts.X_TITLES[norm], v["x"], v["t_c"], w, b)))
        st.caption("The line for this point and its residuals r = t_p − t_c (vertical bars).")
    _caption_surface(v, p, loss, name)
    numbers(("The points marked on the heatmap.",
             words.marks_table((w, b), p["loss"], p["grad"], v["best"], v["best_mse"], lowest)),
            ("The surface: every 6th of the 60 cells in w and in b.", v["coarse"]),
            csv=downloads.csv(STEM, partial(surface_cells, readings.in_session(), norm, loss, delta), inputs=norm, loss=loss,
                              **({"delta": delta} if loss == "huber" else {})))
    _section_slices(p, w, b, gw, gb, loss, name)
    page.code_panel(
        script(readings.in_session(), norm, loss, w, b, delta),
        "Runs on its own with only torch and prints the numbers shown on this page.",
    )


def _caption_surface(v: dict, p: dict, loss: str, name: str) -> None:
    bad_cells, nonpositive = v["unusable"]
    if bad_cells or nonpositive:
        st.warning(f"{bad_cells} grid cells have a loss that is not a finite number and "
                   f"{nonpositive} are ≤ 0; a log colour scale cannot place them, so they are grey.")
    length = math.hypot(*p["grad"])
    arrow = (f"The red arrow is −∇L, the way gradient descent steps, drawn at a fixed length "
             f"(the true gradient is {fmt(length, sig=4)} long)." if p["arrow"]
             else "The gradient is zero here, so there is no arrow: this is the bottom.")
    extra = (" Thin white lines are MSE contours at 0.1, 1, 10, … 100,000 above the minimum."
             if loss == "mse" else
             f" The square is the lowest grid cell of the {name} (w ≈ "
             f"{fmt(v['lowest'][0], 3)}, b ≈ {fmt(v['lowest'][1], 2)}).")
    win = ls.surface_window(readings.in_session(), st.session_state["norm"])
    st.caption(
        "**Click the surface to move the point.** Colours show the loss on a log scale "
        f"(dark = low). w and b have different units, but the window spans {fmt(win.side, 0)} "
        "of each, so both axes have the same scale. The white diamond is the least-squares "
        "minimum; the MSE Hessian's eigen-directions are the long-dashed line (the "
        f"flattest) and the dotted line (the steepest). {arrow}{extra}"
    )


def _section_slices(p: dict, w: float, b: float, gw: float, gb: float, loss: str,
                    name: str) -> None:
    st.subheader("Slices through the point")
    sa, sb, sc = st.columns(3)
    with sa:
        show(described(charts.slice_spec(charts.slice_template("w", name), p["w_slice"],
                                         p["w_tangent"], w, p["loss"]),
                       words.slice_description("w", name, p["w_slice"], w, p["loss"], gw,
                                               f"b = {fmt(b, 2)}")))
        st.caption(f"Loss against w at b = {fmt(b, 2)}; tangent slope ∂L/∂w = {fmt(gw)}.")
    with sb:
        show(described(charts.slice_spec(charts.slice_template("b", name), p["b_slice"],
                                         p["b_tangent"], b, p["loss"]),
                       words.slice_description("b", name, p["b_slice"], b, p["loss"], gb,
                                               f"w = {fmt(w)}")))
        st.caption(f"Loss against b at w = {fmt(w)}; tangent slope ∂L/∂b = {fmt(gb)}.")
    with sc:
        show(described(charts.penalty_spec(charts.penalty_template("penalty", loss), p["curves"],
                                           p["dots"]), words.penalty_description(name, p["dots"])))
        st.caption(f"What each loss charges one residual; red dots: the 11 residuals under "
                   f"the {name}. The loss is the mean of their heights.")


def _not_mse_note(loss: str, delta: float) -> str:
    """Why the curvature numbers below are the MSE's, in words that fit the chosen loss."""
    if loss == "l1":
        return ("These numbers describe the **MSE**'s Hessian, the chapter's loss. The L1 "
                "surface is made of flat planes meeting in creases: no curvature between them, "
                "none defined on them, but its valley is stretched by the same badly scaled inputs.")
    return ("These numbers describe the **MSE**'s Hessian, the chapter's loss. The Huber loss "
            f"curves like half the MSE only through readings whose residual is within δ = "
            f"{fmt(delta, 1)}; readings further off add no curvature, so its curvature changes "
            "from point to point, but its valley is stretched by the same badly scaled inputs.")


def _section_curvature(values: controls.Values) -> None:
    delta = float(values.surf_huber_delta)
    v = view(readings.in_session(), values.norm, values.loss, delta)
    with page.go_deeper("curvature, the Hessian and the largest stable learning rate"):
        if values.loss != "mse":
            st.info(_not_mse_note(values.loss, delta), icon=":material/info:")
        st.markdown(prose("curvature"))
        lam_min, lam_max = v["eigenvalues"]
        k1, k2, k3, k4 = st.columns(4)
        k1.metric("λ_min", fmt(lam_min), help="MSE curvature along its flattest direction.")
        k2.metric("λ_max", fmt(lam_max), help="MSE curvature along its steepest direction.")
        k3.metric("Condition number κ", fmt(v["condition"], 3), help="κ = λ_max/λ_min.")
        k4.metric("Critical lr 2/λ_max", fmt(v["critical_lr"], sig=4),
                  help="Plain gradient descent on the MSE diverges at any larger learning rate.")
        st.markdown(rate_sentence(charts.X_TITLES[values.norm], v["condition"]))
        s1, s2, s3 = st.columns(3)
        s1.metric("Least-squares w*", fmt(v["best"][0]), help="Slope of the best line for x.")
        s2.metric("Least-squares b*", fmt(v["best"][1]), help="Offset of the best line for x.")
        s3.metric("Lowest MSE", fmt(v["best_mse"]), help="The same for every normalization.")
        if values.norm != "none":
            st.caption("The minimum moves because the coordinates changed, not the line: in raw "
                       f"units it is always w ≈ {fmt(v['best_raw'][0])}, "
                       f"b ≈ {fmt(v['best_raw'][1], 2)}.")
    with page.go_deeper("why the chapter squares the residuals"):
        st.markdown(prose("loss_shapes"))


page.start(STEM)
VALUES = _section_controls()
_section_landscape(VALUES)
_section_curvature(VALUES)
page.finish(STEM)
