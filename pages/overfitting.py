"""Training vs. validation: overfitting. Hold readings out, watch the two losses part.

Sections: the run (model controls beside the losses and the fitted curve, scrubbed in the
browser), the split and its shuffled indices, more data, the leak switch, and the
``torch.no_grad()`` check. Every run is cached and shared by all sessions.
"""

from collections.abc import Callable
from functools import partial
from typing import Any, NamedTuple

import streamlit as st

import thermo_core as tc
from thermo_core.lessons import overfitting as ov
from thermo_core.numbers import fmt, fmt_list
from ui import controls, downloads, page, readings
from ui.chart_text import Twin, described, numbers
from ui.controls import Values, defaults
from ui.overfitting import charts, text
from ui.overfitting import settings as cfg
from ui.overfitting.code import script
from ui.overfitting.runs import HOLDOUT, history, lesson
from ui.overfitting.settings import PRESETS, run_settings
from ui.vega import show

STEM = "overfitting"


@st.cache_data(max_entries=32)
def no_grad_cost(data: tc.Readings, kind: str, degree: int, hidden: int) -> dict:
    """The chapter's no_grad check and what the graph costs, measured once per architecture.

    The starting weights change neither the graph nor the time, so the init seed is not
    part of the key (a class trying seeds would otherwise re-time 2×50 passes each).
    """
    c = ov.no_grad_cost(data, kind, degree=degree, hidden=hidden, repeats=50)
    return c.__dict__.copy()


class _Header(NamedTuple):
    """A header's two places: its controls, drawn before the run they change, and its text,
    written after the run."""

    controls: Any
    text: Any


class _Below(NamedTuple):
    """The headers under the key chart whose controls change the run."""

    split: _Header
    data: _Header
    leak: _Header


def _headers() -> _Below:
    """The split, more-data and leak headers in page order, each with its two places."""
    places = []
    for title in ("The split", "More data", "The leak"):
        st.subheader(title)
        places.append(_Header(st.container(), st.container()))
    return _Below(*places)


def _draw_controls(left, below: _Below) -> Values:
    """Every control in its section's place; returns all values (defaults if hidden)."""
    with left:
        v = controls.draw(cfg.MODEL, after={"data": readings.in_session()})
        if v.ov_model == "poly":
            v = controls.draw(cfg.POLY, after=v)
        elif v.ov_model == "mlp":
            cols = st.columns(2)
            v = controls.draw(cfg.MLP, slots={"ov_hidden": cols[0], "ov_init": cols[1]}, after=v)
        v = controls.draw(cfg.TRAINING, after=v)
    with below.split.controls:
        v = controls.draw(cfg.SPLIT, after=v)
        if v.ov_split == "random":
            cols = st.columns(2)
            v = controls.draw(cfg.SHUFFLE, slots={"ov_val": cols[0], "ov_seed": cols[1]}, after=v)
    with below.data.controls:
        cols = st.columns(3)
        v = controls.draw(cfg.DATA, slots=dict(zip(("ov_extra", "ov_noise", "ov_data_seed"), cols,
                                               strict=True)), after=v)
    with below.leak.controls:
        v = controls.draw(cfg.LEAK, after=v)
    for key in {c.key for c in cfg.CONTROLS} - set(v):
        if key in st.query_params:  # a hidden control's link value would linger unread
            del st.query_params[key]
    return Values({**defaults(cfg.CONTROLS), **v})


def _csv(v: Values) -> downloads.Csv:
    """The chart's download: every epoch of the run, named by the settings that shape it."""
    s = run_settings(v)
    shape = {"poly": {"degree": s["degree"]},
             "mlp": {"hidden": s["hidden"], "init": s["init_seed"]}}.get(s["kind"], {})
    return downloads.csv(STEM, partial(history, **s), model=s["kind"], **shape,
                         optimizer=s["optimizer"], lr=s["lr"], epochs=s["epochs"],
                         split=s["split_name"], extra=s["extra"], leak=s["leak"])


def _section_run() -> tuple[Values, dict, _Below]:
    """Presets, the model's controls beside the key chart, and every other control in its
    header below (the run needs them all): the values, the run and those headers."""
    preset_slot = page.preset_buttons(STEM, PRESETS)
    left, chart_col = st.columns([1, 2.3], gap="large")
    below = _headers()
    v = _draw_controls(left, below)
    page.preset_box(preset_slot, STEM, PRESETS, v)
    r = lesson(**run_settings(v))
    with chart_col:
        best = {"epoch": r["best_epoch"], "label": f"best validation: epoch {r['best_epoch']}",
                "note": f"validation loss lowest ({r['best_val']}) at epoch {r['best_epoch']}",
                "side": "left" if r["best_epoch"] <= r["epochs"] / 2 else "right"}
        spec = charts.key_spec(r["datasets"], best, r["last"], bool(v.ov_leak), bool(v.ov_extra))
        about = text.key_description(run_settings(v), r, bool(v.ov_leak))
        show(described(spec, about), key="overfitting.chart")
        m = st.columns(4)
        m[0].metric("Training loss", r["final_loss"], help="MSE on the training readings, last epoch.")
        m[1].metric("Validation loss", r["final_val"], help="MSE on the held-out readings.")
        m[2].metric("Gap", r["gap"], help="Validation minus training loss (the shaded band).")
        m[3].metric("Best epoch", str(r["best_epoch"]),
                    help="Where early stopping would stop: the lowest validation loss.")
        if r["diverged_at"] is not None:
            st.warning(
                f"Training diverged: the loss became {r['final_loss']} at epoch "
                f"{r['diverged_at']}, so the run stopped there. This learning rate is too large "
                "for this model; pick a smaller one (the divergence page shows why).",
                icon=":material/trending_up:")
        numbers(("Every drawn epoch; each value is taken before that epoch's update.",
                 text.loss_table(r, bool(v.ov_leak))),
                twin=Twin("overfitting.twin", r["table"]["epoch"].tolist(),
                          lambda e: text.epoch_sentence(r, e),
                          "The scrubber under the chart, as a slider you can use with the keys: it "
                          "steps over the drawn epochs and reads out the losses there."),
                csv=_csv(v))
    return v, r, below


def _section_split(place: _Header, r: dict) -> None:
    n_val = len(r["val_idx"])
    with place.text:
        page.prose(
            f"Shuffled indices (the chapter's `randperm`): training `{r['train_idx']}`, "
            f"validation `{r['val_idx']}`. The model trains on {r['n_train']} readings and never "
            f"on the {n_val} validation reading{'s' if n_val > 1 else ''} (diamonds on the "
            "chart), so their loss estimates how it does on readings it has not seen.")


def _switched(place: _Header, on: bool, shown: Callable[[], None], intro: str) -> None:
    """A section behind a control: what it shows while its control is on, else a line on
    what turning it on does."""
    with place.text:
        if on:
            shown()
        else:
            page.prose(intro)


def _section_more_data(place: _Header, v: Values, r: dict) -> None:
    _switched(place, bool(v.ov_extra), lambda: _more_data(v, r),
              "Add simulated readings to the training set: the validation readings stay the "
              "same, so the runs are compared on one yardstick.")


def _more_data(v: Values, r: dict) -> None:
    base = lesson(**{**run_settings(v), "extra": 0})
    st.markdown(
        f"With {v.ov_extra} extra readings ({r['n_train']} training points) the model ends at "
        f"validation loss **{r['final_val']}** and **{r['final_holdout']}** on {HOLDOUT} fresh "
        f"readings; on the {len(r['train_idx'])} book readings alone it was **{base['final_val']}** and "
        f"**{base['final_holdout']}**. Readings everywhere leave a big model no gaps to "
        "wiggle through.")


def _section_leak(place: _Header, v: Values, r: dict) -> None:
    _switched(place, bool(v.ov_leak), lambda: _leak(v, r),
              "The switch adds `val_loss.backward()` after `train_loss.backward()`: validation "
              "gradients pile into `.grad`, and the step uses them.")


def _leak(v: Values, r: dict) -> None:
    honest = lesson(**{**run_settings(v), "leak": False})
    table = ov.leak_report(*({"loss": x["raw"]["loss"], "val_loss": x["raw"]["val"],
                              "holdout_loss": x["raw"]["holdout"]} for x in (honest, r)))
    rows = table.set_index("run")
    st.warning(text.leak(rows.loc["honest"], rows.loc["leak"]), icon=":material/water_drop:")
    page.prose(
        "What went wrong: with a graph kept, `val_loss.backward()` adds the validation "
        "gradient to the training gradient already in `.grad`, so every step also fits the "
        f"validation readings. The dotted grey line, {HOLDOUT} fresh readings the model never "
        "touched, shows the loss on new data the validation loss no longer reports.")


def _section_no_grad(s: dict) -> None:
    st.subheader("The `torch.no_grad()` check")
    c = no_grad_cost(readings.in_session(), s["kind"], s["degree"], s["hidden"])
    ratio = c["seconds_graph"] / c["seconds_no_grad"] if c["seconds_no_grad"] else float("nan")
    page.prose(
        f"Computed under `torch.no_grad()`, the validation loss has `requires_grad == "
        f"{c['requires_grad_no_grad']}` (the chapter's assert passes) and keeps "
        f"**{c['nodes_no_grad']}** graph nodes; without it `requires_grad == "
        f"{c['requires_grad_graph']}` and **{c['nodes_graph']}** nodes stay alive until the "
        f"loss is dropped. Time per validation pass: {fmt(c['seconds_no_grad'] * 1e6, 1)} µs "
        f"vs {fmt(c['seconds_graph'] * 1e6, 1)} µs ({fmt(ratio, 2)}×). For a model with "
        f"{c['n_params']} parameters that is little; the node count is the clearer figure, "
        "and the real danger is a stray `backward()` through that graph: the leak above.")


def _section_deeper(r: dict) -> None:
    with page.go_deeper("early stopping and the best-validation epoch"):
        st.markdown(
            f"The validation loss was lowest, **{r['best_val']}**, at epoch "
            f"**{r['best_epoch']}** (training loss then {r['loss_at_best']}); at the end it is "
            f"{r['final_val']}. Early stopping keeps the parameters from the best epoch: the "
            "validation set chooses *when* to stop, so it is no longer perfectly unseen; a "
            "final test set, or the fresh readings here, stays the honest judge.")
    with page.go_deeper("the book's printed log"):
        st.dataframe(_book_log(r["log"]), hide_index=True, width="stretch")
        if r["kind"] == "linear":
            st.markdown(f"Final parameters [w, b] = {fmt_list(r['params'])}.")
        st.caption(text.book_log_caption(cfg.BOOK_LINE))


def _book_log(run_log: dict) -> list[dict]:
    """The book's printed log beside this run's losses at the same epochs ("—" where this
    run stopped earlier), and whether the printed digits agree."""
    rows = []
    for epoch, (book_tr, book_va) in ov.BOOK_LOG.items():
        book = (fmt(book_tr), fmt(book_va))
        ours = run_log.get(epoch, ("—", "—"))
        rows.append({"epoch": epoch, "book: training": book[0], "book: validation": book[1],
                     "this run: training": ours[0], "this run: validation": ours[1],
                     "same digits": "yes" if ours == book else "no"})
    return rows


page.start(STEM)
values, result, below = _section_run()
_section_split(below.split, result)
_section_more_data(below.data, values, result)
_section_leak(below.leak, values, result)
settings = run_settings(values)
_section_no_grad(settings)
_section_deeper(result)
page.code_panel(script(settings["data"], settings), "Runs on its own with only torch and prints the "
                "final losses and the best-validation epoch shown above.")
page.finish(STEM)
