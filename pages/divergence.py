"""Divergence at high learning rates: the chapter's training loop, pushed past its limit.

Sections: the run (controls beside the path on the loss surface and the loss per epoch,
scrubbed in the browser), the two eigen-directions and their step factors, the
learning-rate sweep, schedules, and in "Go deeper" the book's own printed log.
"""

from functools import partial

import pandas as pd
import streamlit as st

import thermo_core as tc
from thermo_core.lessons import divergence as dv
from thermo_core.lessons import loss_surface as ls
from thermo_core.numbers import fmt
from ui import controls, downloads, page, readings
from ui.chart_text import Twin, described, numbers
from ui.divergence import charts, runs, text
from ui.divergence.code import script
from ui.divergence.settings import (
    INPUT_AND_RATE,
    LENGTH,
    PRESETS,
    RULE,
    SCHEDULE,
    START,
    schedule_settings,
)
from ui.vega import show

STEM = "divergence"
KEY_CHART = "divergence.chart"
LR_PICK = "divergence.lr_pick"
LR_GRID = (*(float(f"{m}e{e}") for e in range(-6, 1) for m in (1, 2, 5)), 10.0)
TWIN = "divergence.twin"
TWIN_HELP = ("The scrubber under the chart, as a slider you can use with the keys: it steps "
             "over the drawn epochs and reads out the orange point's w, b and loss.")


def _take_pick() -> None:
    st.session_state["lr"] = st.session_state[LR_PICK]


def _lr_slider(lr: float, critical: float) -> None:
    """A log-grid slider for the lr that moves the typed value.

    Its stops are 1, 2, 5 per decade, the critical rate and the typed rate itself, so the
    slider always shows exactly the rate the page runs with: one source of truth.
    """
    crit = round(critical, 8) if critical >= 1e-6 else float(f"{critical:.4g}")  # own readings
    grid = sorted({*LR_GRID, crit, lr})
    st.session_state[LR_PICK] = lr
    st.select_slider(
        "… or slide along a log scale", grid, key=LR_PICK, on_change=_take_pick,
        format_func=lambda g: fmt(g, sig=10, trim=True) + (" = critical" if g == crit else ""),
        help="1, 2, 5 per decade from 0.000001 to 10, the critical rate for these inputs, and "
        "the rate typed above.",
    )


def _pick_start() -> None:
    """A click on the surface: start there (rounded to the inputs' 0.01 step)."""
    chosen = st.session_state[KEY_CHART].selection.get("pick") or []
    if chosen and "w" in chosen[0] and "b" in chosen[0]:
        win = ls.surface_window(readings.in_session(), st.session_state.get("norm", "none"))
        for key, v, (lo, hi) in (("start_w", chosen[0]["w"], win.w_range),
                                 ("start_b", chosen[0]["b"], win.b_range)):
            st.session_state[key] = min(max(round(v, 2), lo), hi) + 0.0


def _section_run() -> controls.Values:
    slot = page.preset_buttons(STEM, PRESETS)
    left, right = st.columns([1, 2.3], gap="medium")
    with left:
        values = controls.draw(INPUT_AND_RATE, after={"data": readings.in_session()})
        _lr_slider(values.lr, tc.critical_lr(dv.inputs(readings.in_session(), values.norm)[0]))
        values = controls.draw(RULE, after=values)
        c1, c2 = st.columns(2)
        values = controls.draw(LENGTH, slots={"epochs": c1, "schedule": c2}, after=values)
        values = controls.draw(SCHEDULE.get(values.schedule, ()), after=values)
        with st.expander("Settings of the other schedules"):
            for name, group in SCHEDULE.items():
                if name != values.schedule:
                    st.caption(f"{name}:")
                    values = controls.draw(group, after=values)
        c1, c2 = st.columns(2)
        values = controls.draw(START, slots={"start_w": c1, "start_b": c2}, after=values)
    page.preset_box(slot, STEM, PRESETS, values)
    run = _run(values)
    with right:
        spec = charts.key_spec(_template(values.norm), runs.surface(readings.in_session(), values.norm),
                               (values.start_w, values.start_b), run)
        win = ls.surface_window(readings.in_session(), values.norm)
        spec = described(spec, text.key_description(values, run, win.w_range, win.b_range))
        show(spec, key=KEY_CHART, on_select=_pick_start, selection_mode="pick")
    with left:
        _outcome(values, run)
    st.caption(
        "**Top:** the loss surface (dark = low, white diamond = the best line) with the path "
        "from the red start point; click anywhere to start there. **Bottom:** the loss per "
        "epoch, log scale. Drag **scrub the epoch** under the chart: the orange point and "
        "marker show the parameters and the loss *before* that epoch's update, as the book "
        "prints them. Points that leave the window are pinned to its edge (red triangles).")
    numbers(("Every drawn epoch: the parameters and the loss before that epoch's update.",
             text.path_table(run["table"])),
            twin=Twin(TWIN, run["table"]["epoch"].tolist(),
                      lambda e: text.epoch_sentence(run["table"], e), TWIN_HELP),
            csv=_run_csv("run", values))
    return values


def _template(norm: str) -> dict:
    win = ls.surface_window(readings.in_session(), norm)
    cell = (win.side / 59, (win.b_range[1] - win.b_range[0]) / 59)
    return charts.key_template(win.w_range, win.b_range, cell)


def _kwargs(values: controls.Values) -> tuple:
    return tuple(sorted(dv.schedule_kwargs(values.schedule, **schedule_settings(values)).items()))


def _args(values: controls.Values) -> tuple:
    """The run's settings as :func:`lesson` and :func:`history` take them."""
    return (readings.in_session(), values.norm, float(values.lr), int(values.epochs), values.rule, values.schedule,
            _kwargs(values), float(values.start_w), float(values.start_b))


def _run(values: controls.Values) -> dict:
    return runs.lesson(*_args(values))


def _run_csv(chart: str, values: controls.Values, columns: tuple[str, ...] | None = None):
    """The download of a chart of the run: every epoch, named by the run's settings."""
    _, norm, lr, epochs, rule, schedule, _, w0, b0 = _args(values)
    return downloads.csv(f"{STEM}_{chart}", partial(runs.history, *_args(values), columns),
                         lr=lr, epochs=epochs, inputs=norm, rule=rule, schedule=schedule,
                         w=w0, b=b0)


def _outcome(values: controls.Values, run: dict) -> None:
    ratio = values.lr / run["critical"]
    st.metric("lr ÷ critical lr", f"{fmt(ratio, sig=3)}×",
              help=f"The critical rate 2/λ_max is {fmt(run['critical'], sig=4)} for these inputs.")
    where = f" The path {run['sentence']}." if run["sentence"] else ""
    box = getattr(st, text.BOX[run["verdict"]])
    icon = ":material/trending_up:" if run["verdict"] == "diverging" else ":material/trending_down:"
    box(text.outcome(run, float(values.lr)) + where, icon=icon)


def _section_directions(values: controls.Values) -> None:
    st.subheader("Two directions, two step factors")
    f = dv.step_factors(readings.in_session(), values.norm, values.lr)
    rows = ["| per step | flattest | steepest |", "|---|---|---|"]
    for name, cells in (
        ("curvature λ", [fmt(r.eigenvalue, sig=4) for r in f.itertuples()]),
        ("mostly moves", [r.mostly.removeprefix("mostly ") for r in f.itertuples()]),
        ("factor \\|1 − lr·λ\\|", [f"**{text.factor_text(r.factor)}**" for r in f.itertuples()]),
        ("the distance", [r.verdict + (", flips side" if r.flips else "") for r in f.itertuples()]),
        ("critical lr 2/λ", [fmt(r.critical_lr, sig=4) for r in f.itertuples()]),
    ):
        rows.append(f"| {name} | {cells[0]} | {cells[1]} |")
    c1, c2 = st.columns([1, 1.4], gap="medium")
    c1.markdown("\n".join(rows))
    c2.markdown(text.directions(values.norm, values.lr, f))


def _section_sweep(values: controls.Values) -> None:
    st.subheader("Sixty learning rates at once")
    s = runs.sweep(readings.in_session(), values.norm, int(values.epochs), float(values.start_w), float(values.start_b))
    show(described(charts.sweep_spec(s["rows"], s["critical"], float(values.lr),
                                     (fmt(s["critical"], sig=4), fmt(values.lr, sig=4))),
                   text.sweep_description(s, int(values.epochs), float(values.lr))))
    st.caption(text.sweep(s, int(values.epochs)))
    numbers(("", text.sweep_table(s)),
            csv=downloads.csv(f"{STEM}_sweep", partial(runs.sweep_frame, readings.in_session(), values.norm, int(values.epochs),
                                                       float(values.start_w), float(values.start_b)),
                              epochs=int(values.epochs), inputs=values.norm,
                              w=float(values.start_w), b=float(values.start_b)))


def _section_schedule(values: controls.Values, run: dict) -> None:
    if values.schedule == "constant":
        return
    st.subheader("The schedule")
    const = runs.lesson(readings.in_session(), values.norm, float(values.lr), int(values.epochs), values.rule, "constant", (),
                   float(values.start_w), float(values.start_b))
    show(described(charts.schedule_spec(run["lrs"], run["critical"], fmt(run["critical"], sig=3)),
                   text.schedule_description(values, run)))
    st.caption(text.schedule(values, run, const))
    numbers(("", pd.DataFrame(run["lrs"]).rename(columns={"lr": "learning rate"})),
            csv=_run_csv("schedule", values, ("epoch", "lr")))


def _section_book(values: controls.Values) -> None:
    with page.go_deeper("the book's own log for these settings"):
        lines, stopped = runs.book(readings.in_session(), values.norm, float(values.lr), int(values.epochs),
                              float(values.start_w), float(values.start_b))
        st.markdown(text.EPOCH_MEANING)
        st.markdown(f"```text\n{chr(10).join(lines)}\n```" if lines else "(no epoch printed)")
        st.caption(text.book_caption(values, stopped))
    with page.go_deeper("why the raw readings make one direction so steep"):
        st.markdown(text.steep_reason(readings.in_session()))


page.start(STEM)
VALUES = _section_run()
RUN = _run(VALUES)
_section_directions(VALUES)
_section_sweep(VALUES)
_section_schedule(VALUES, RUN)
_section_book(VALUES)
page.code_panel(
    script(readings.in_session(), VALUES.norm, VALUES.lr, int(VALUES.epochs), VALUES.rule, VALUES.schedule,
           dict(_kwargs(VALUES)), VALUES.start_w, VALUES.start_b,
           2 if RUN["rounding"] else text.CODE_DIGITS),
    text.code_caption(RUN),
)
page.finish(STEM)
