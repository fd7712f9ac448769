"""Optimizer comparison: real torch.optim classes race on the chapter's eleven readings.

Sections: the race (optimizers, inputs, the stacked chart with its in-browser epoch
scrubber), the results table, inside the optimizer (its state at a chosen epoch and the
step it implies), and Go-deeper notes. Each optimizer's run is cached on its own, so
changing one rate reruns one optimizer.
"""

from functools import partial

import pandas as pd
import streamlit as st

import thermo_core as tc
from thermo_core.lessons import optimizers as op
from thermo_core.numbers import fmt, fmt_list
from ui import controls, downloads, page, readings
from ui.chart_text import Twin, described, numbers
from ui.optimizers import charts, text
from ui.optimizers.code import script
from ui.optimizers.runs import critical_lr, inside_at, race
from ui.optimizers.settings import (
    AT,
    IDS,
    LBFGS_EPOCHS,
    MAIN,
    PRESETS,
    TUNING,
    run_args,
)
from ui.vega import arrow_bytes, show

STEM = "optimizers"


@st.cache_data(max_entries=32)
def drawing(data: tc.Readings, mode: str, runs: tuple[tuple, ...]) -> dict:
    """The chart's window and datasets (Arrow bytes) for a set of runs."""
    done = [race(data, *args) for args in runs]
    paths = pd.concat([d["paths"] for d in done], ignore_index=True)
    window = op.path_window(data, paths["w"].tolist(), paths["b"].tolist(), mode)
    bw, bb, bl = op.best_point(data, mode)
    return {"window": window, "datasets": {
        "grid": arrow_bytes(op.surface_cells(data, mode, window)),
        "paths": arrow_bytes(paths),
        "steps": arrow_bytes(pd.concat([d["steps"] for d in done], ignore_index=True)),
        "best": [{"w": bw, "b": bb, "loss": bl, "what": "least-squares optimum"}],
    }}


def histories(data: tc.Readings, runs: tuple[tuple, ...]) -> pd.DataFrame:
    """Every epoch of each optimizer's run (``run_args`` tuples), the chart's paths and
    losses before thinning, one block of rows per optimizer."""
    frames = [op.run_optimizer(data, *args).run.history.assign(optimizer=args[0]) for args in runs]
    out = pd.concat(frames, ignore_index=True)
    return out[["optimizer", *(c for c in out.columns if c != "optimizer")]]


def _section_race() -> controls.Values:
    slot = page.preset_buttons(STEM, PRESETS)
    c1, c2, c3 = st.columns([2.2, 1.4, 1])
    values = controls.draw(MAIN, slots={"opts": c1, "opt_norm": c2, "opt_epochs": c3},
                           after={"data": readings.in_session()})
    chosen = list(values.opts)
    with st.expander("Learning rate, momentum and betas of each optimizer",
                     icon=":material/tune:"):
        cols = st.columns(min(max(len(chosen), 1), 4))
        for i, oid in enumerate(chosen):
            with cols[i % len(cols)]:
                values = controls.draw(TUNING[oid], after=values)
    for oid in set(TUNING) - set(chosen):  # settings of optimizers not in the race: dropped
        for control in TUNING[oid]:
            if control.key in st.query_params:
                del st.query_params[control.key]
    page.preset_box(slot, STEM, PRESETS, values)
    if not chosen:
        st.info("Choose at least one optimizer above to start the race.", icon=":material/info:")
        return values
    runs = tuple(run_args(oid, values) for oid in chosen)
    view = drawing(readings.in_session(), values.opt_norm, runs)
    labels = [IDS[oid] for oid in chosen]
    done = [race(readings.in_session(), *args) for args in runs]
    table = text.history_table([d["paths"] for d in done])
    about = text.race_description(labels, [d["row"] for d in done], values.opt_norm,
                                  int(values.opt_epochs), op.best_point(readings.in_session(), values.opt_norm)[2])
    show(described(charts.spec(view["window"], int(values.opt_epochs), labels, view["datasets"]),
                   about))
    st.caption(
        "Drag **epoch** under the chart to replay the race in your browser: the dots move along "
        "the paths on the loss surface (darker is lower, white diamond the least-squares "
        "optimum) and the loss curves; the bottom panel shows each step in w (●) and b (■)."
    )
    numbers(("Each optimizer's drawn epochs: w, b and the loss before that epoch's update.", table),
            twin=Twin("optimizers.twin", text.twin_epochs(table),
                      lambda e: text.epoch_sentence(table, e),
                      "The epoch scrubber under the chart, as a slider you can use with the keys: "
                      "it reads out each optimizer's w, b and loss at the drawn epoch."),
            csv=downloads.csv(STEM, partial(histories, readings.in_session(), runs), inputs=values.opt_norm,
                              epochs=int(values.opt_epochs), race="-".join(labels)))
    _diverged(done, labels)
    return values


def _diverged(done: list[dict], labels: list[str]) -> None:
    for d, label in zip(done, labels, strict=True):
        at = d["row"]["diverged_at"]
        if at is not None:
            st.warning(
                f"**{label} diverged at epoch {at}**: its loss became {fmt(d['row']['final_loss'])}. "
                f"With lr {fmt(d['settings']['lr'], sig=2, trim=True)} each step overshoots the "
                "valley's steep side further than the last; its path stops where it left the chart.",
                icon=":material/trending_up:",
            )


def _section_results(values: controls.Values) -> None:
    st.subheader("Results")
    rows, given = [], []
    for oid in values.opts:
        d = race(readings.in_session(), *run_args(oid, values))
        row = d["row"]
        rows.append({
            "optimizer": IDS[oid],
            "final loss": fmt(row["final_loss"], 6),
            "within 1% at": "never" if row["reached_at"] is None else f"epoch {row['reached_at']}",
            "w, b": fmt_list(row["params"]),
            "distance": fmt(row["distance"], sig=3),
            "ms": fmt(1000 * row["seconds"], sig=2),
            "diverged": "—" if row["diverged_at"] is None else f"at {row['diverged_at']}",
        })
        given.append((IDS[oid], d["settings"]))
    # Compact columns with the name pinned: on a phone the last columns scroll into view
    # beside it instead of hiding past the edge with nothing to say which row is which.
    narrow = {"final loss": 76, "within 1% at": 84, "w, b": 120, "distance": 64, "ms": 40,
              "diverged": 64}
    config = {"optimizer": st.column_config.Column(pinned=True, width=104),
              **{name: st.column_config.Column(width=narrow[name], help=tip)
                 for name, tip in text.COLUMN_HELP.items()}}
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", column_config=config)
    st.caption(text.results_caption(op.best_point(readings.in_session(), values.opt_norm)[2], values.opt_norm,
                                    int(values.opt_epochs), given, LBFGS_EPOCHS))
    if {"momentum", "adam"} <= set(values.opts):
        page.prose(_momentum_vs_adam(values))


def _momentum_vs_adam(values: controls.Values) -> str:
    """Momentum and Adam in this race, and each with the other input scale's settings."""
    mode = values.opt_norm
    other = "scale" if mode == "none" else "none"
    spec = op.CATALOGUE[IDS["momentum"]]
    assert spec.momentum is not None
    mom_args, adam_args = run_args("momentum", values), run_args("adam", values)
    tuned_elsewhere = race(readings.in_session(), spec.label, mode, spec.lr[other], mom_args[3], spec.momentum[other],
                           None, None)
    adam_elsewhere = race(readings.in_session(), adam_args[0], other, *adam_args[2:])
    return text.momentum_vs_adam(mode, int(values.opt_epochs), race(readings.in_session(), *mom_args),
                                 race(readings.in_session(), *adam_args), {**tuned_elsewhere, "mode": mode},
                                 {**adam_elsewhere, "mode": other})


def _section_inside(values: controls.Values) -> None:
    st.subheader("Inside the optimizer")
    values = controls.draw((AT,), after=values)
    at = int(values.opt_at)
    rows, lines = [], []
    for oid in values.opts:
        d = inside_at(readings.in_session(), run_args(oid, values), at)
        s, (gw, gb) = d["state"], d["grad"]
        label = IDS[oid]
        rows.append({"optimizer": label, "quantity": "gradient", "w": fmt(gw), "b": fmt(gb)})
        for key in ("momentum_buffer", "exp_avg", "exp_avg_sq", "square_avg", "sum"):
            if f"{key}_w" in s:
                rows.append({"optimizer": label, "quantity": key,
                             "w": fmt(s[f"{key}_w"]), "b": fmt(s[f"{key}_b"])})
        if s:
            rows.append({"optimizer": label, "quantity": "step taken",
                         "w": fmt(s["update_w"]), "b": fmt(s["update_b"])})
            if s["update_b"]:
                lines.append(f"{label}: step in w is {fmt(abs(s['update_w'] / s['update_b']), sig=3)}× "
                             f"the step in b, gradient ratio {fmt(abs(gw / gb), sig=3)}×")
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", height=35 * len(rows) + 38)
    st.markdown(f"After epoch {at}: " + "; ".join(lines) + "." if lines else "")


def _section_deeper(values: controls.Values) -> None:
    with page.go_deeper("what each optimizer does here"):
        st.markdown(text.full_batch(readings.in_session().n))
        critical = critical_lr(readings.in_session(), values.opt_norm)
        for oid in values.opts:
            args = run_args(oid, values)
            d, first = race(readings.in_session(), *args), inside_at(readings.in_session(), args, 1)
            spec = op.CATALOGUE[IDS[oid]]
            s = first["state"]
            sentence = text.here(spec.label, d["settings"], (s["update_w"], s["update_b"]),
                                 first["grad"], d["row"], args[3], critical)
            st.markdown(f"**{spec.label}** (`torch.optim.{spec.cls}`): "
                        f"`{text.RULES[spec.label]}`. {sentence}")
    runs = [(oid, race(readings.in_session(), *run_args(oid, values))["settings"], run_args(oid, values)[3])
            for oid in values.opts]
    page.code_panel(
        script(readings.in_session(), values.opt_norm, runs),
        "Runs on its own with only torch and prints each optimizer's final loss, first epoch "
        "within 1% and distance. It computes the gradient with autograd, the page in closed "
        "form, so the last float32 digit can differ.",
    )


page.start(STEM)
_values = _section_race()
if _values.opts:
    _section_results(_values)
    _section_inside(_values)
    _section_deeper(_values)
page.finish(STEM)
