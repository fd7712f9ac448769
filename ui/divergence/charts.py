"""Chart specs for the divergence page: templates built once, a few small datasets per rerun.

The key chart is one Vega-Lite spec: the loss-surface page's heatmap (ui.loss_surface.charts)
with the training path drawn on it, stacked over the loss per epoch. One top-level
parameter, ``epoch``, is bound to a range input under the chart, so scrubbing moves the
point on the surface and the marker on the loss curve in the browser alone: no rerun.
"""

from __future__ import annotations

from functools import cache

import altair as alt
import pandas as pd

from thermo_core.lessons import divergence as dv
from thermo_core.numbers import fmt
from ui import palette
from ui.loss_surface import charts as surface_charts
from ui.vega import frozen, text_line, with_data

SCRUB = "epoch"
"""Name of the in-browser epoch parameter (bound to a range input)."""
SURFACE_HEIGHT = 300
LOSS_HEIGHT = 130
PATH_COLOUR = "#ffffff"
NOW_COLOUR = palette.VERMILLION
BAD_COLOUR = palette.RED
CRIT_COLOUR = palette.RED
ON_HEATMAP = "#111111"
"""The surface's inside y labels: drawn over the heatmap, whose edges are its light end."""
SWEEP_HEIGHT = 260
LABEL_GAP = 62
"""Pixels between the tops of the sweep's two rule labels: longer than "critical lr" is."""
REGION_SHAPES = {"too slow": "square", "converging": "circle", "diverging": "diamond"}
"""A shape per region (colours in ``palette.REGIONS``), so colour is never the only cue."""
INSIDE_AXES = {
    "labelAlign": "left", "labelPadding": -4, "ticks": False, "domain": False, "zindex": 1, "grid": False,
    "titleAngle": 0, "titleAlign": "left", "titleBaseline": "bottom", "titleX": 0, "titleY": -4,
    "labelFontWeight": "bold",
}
"""The y axis drawn inside the plot, its title above it: Streamlit gives each stacked view the
full container width, so anything left of the plot would make a phone pan sideways."""


def _scales(w_range: tuple[float, float], b_range: tuple[float, float]) -> tuple:
    return (alt.Scale(domain=list(w_range), nice=False, zero=False),
            alt.Scale(domain=list(b_range), nice=False, zero=False))


def _path_layers(w_range: tuple[float, float], b_range: tuple[float, float]) -> list[dict]:
    """The path (faint in full, strong up to the scrubbed epoch), exits and the current point."""
    xs, ys = _scales(w_range, b_range)
    x, y = alt.X("w_plot:Q", title="w", scale=xs), alt.Y("b_plot:Q", title="b", scale=ys)
    path = alt.Chart(alt.NamedData("path"))
    tip = [alt.Tooltip("epoch:Q"), alt.Tooltip("w_text:N", title="w"),
           alt.Tooltip("b_text:N", title="b")]
    line = path.transform_filter("datum.line")
    full = line.mark_line(color=PATH_COLOUR, strokeWidth=1, opacity=0.45, clip=True).encode(
        x=x, y=y, order="epoch:Q", detail="seg:N")
    walked = (line.transform_filter(f"datum.epoch <= {SCRUB}")
              .mark_line(color=PATH_COLOUR, strokeWidth=2.5, clip=True, point=alt.OverlayMarkDef(
                  size=18, color=PATH_COLOUR))
              .encode(x=x, y=y, order="epoch:Q", detail="seg:N", tooltip=tip))
    exits = (alt.Chart(alt.NamedData("exits"))
             .mark_point(shape="triangle", size=170, filled=True, color=BAD_COLOUR,
                         stroke="white", strokeWidth=1, clip=False)
             .encode(x=alt.X("w_edge:Q", scale=xs, title="w"),
                     y=alt.Y("b_edge:Q", scale=ys, title="b"),
                     tooltip=[alt.Tooltip("note:N", title="left the plot")]))
    now = (path.transform_filter(f"datum.point && datum.epoch <= {SCRUB}")
           .transform_window(rank="row_number()", sort=[alt.SortField("epoch", order="descending")])
           .transform_filter("datum.rank == 1")
           .mark_point(shape="circle", size=190, color=NOW_COLOUR, stroke="black", strokeWidth=1.5,
                       opacity=1, clip=True)
           .encode(x=x, y=y, tooltip=tip,
                   fill=alt.condition("datum.inside", alt.value(NOW_COLOUR), alt.value("white"))))
    return frozen(alt.layer(full, walked, exits, now))["layer"]


def _inside(layers: list[dict], label_colour: str | None = None) -> list[dict]:
    """Copies of ``layers`` with the y axis drawn inside the plot and no colour legend.

    Labels take the theme's ink unless ``label_colour`` is given (over the heatmap, whose
    edges are light in either theme)."""
    axis = {**INSIDE_AXES, **({"labelColor": label_colour} if label_colour else {})}
    out = []
    for layer in layers:
        enc = dict(layer.get("encoding", {}))
        if isinstance(enc.get("y"), dict) and "field" in enc["y"]:
            enc["y"] = {**enc["y"], "axis": {**enc["y"].get("axis", {}), **axis}}
        if isinstance(enc.get("color"), dict) and "field" in enc["color"]:
            enc["color"] = {**enc["color"], "legend": None}
        out.append({**layer, "encoding": enc} if enc else layer)
    return out


def path_rows(frame: pd.DataFrame, exits: pd.DataFrame) -> list[dict]:
    """Rows to draw a clipped path: one per drawn epoch, plus each exit's edge point.

    ``seg`` numbers the stretches inside the window, so the line breaks where the path
    leaves and never joins points pinned to the edge. Edge rows sit half an epoch
    before the first epoch outside.
    """
    rows = []
    exit_at = {int(e.epoch): (e.w_edge, e.b_edge) for e in exits.itertuples()}
    seg = 0
    for r in frame.itertuples():
        if int(r.epoch) in exit_at:
            w_edge, b_edge = exit_at.pop(int(r.epoch))
            rows.append({"epoch": r.epoch - 0.5, "w_plot": w_edge, "b_plot": b_edge,
                         "seg": seg, "line": True, "point": False})
            seg += 1
        rows.append({"epoch": int(r.epoch), "w_plot": r.w_plot, "b_plot": r.b_plot, "seg": seg,
                     "line": bool(r.inside), "point": True, "inside": bool(r.inside),
                     "w_text": fmt(r.w, sig=4), "b_text": fmt(r.b, sig=4)})
    return rows


@cache
def key_template(w_range: tuple[float, float], b_range: tuple[float, float],
                 cell: tuple[float, float]) -> dict:
    """Surface with path over loss per epoch; :func:`key_spec` adds the ``epoch`` parameter."""
    surface = surface_charts.surface_template(w_range, b_range, cell, True, False)
    top = {"layer": _inside([*surface["layer"], *_path_layers(w_range, b_range)], ON_HEATMAP),
           "height": SURFACE_HEIGHT, "resolve": surface["resolve"]}
    return {
        "$schema": surface["$schema"],
        "config": {**surface["config"], "axisX": {"labelFlush": True}},
        "padding": {"left": 0, "right": 0, "top": 18},
        "usermeta": surface["usermeta"],
        "params": surface["params"],
        "vconcat": [top, scrub_line(), _loss_view()],
        "spacing": 8,
    }


def scrub_line() -> dict:
    """One line of text between the panels stating the scrubbed point's epoch, w, b and loss.

    It follows the range input in the browser, as the point does, so reading the numbers
    costs no rerun (the page's twin slider says the same for a screen reader). The path's
    rows carry the loss as text (:func:`key_spec`): a lookup into another named dataset
    leaves Streamlit's chart blank.
    """
    line = (alt.Chart(alt.NamedData("path"))
            .transform_filter(f"datum.point && datum.epoch <= {SCRUB}")
            .transform_window(rank="row_number()", sort=[alt.SortField("epoch", order="descending")])
            .transform_filter("datum.rank == 1")
            .transform_calculate(line="'Epoch ' + datum.epoch + ': w = ' + datum.w_text + "
                                 "', b = ' + datum.b_text + ', loss = ' + datum.loss_text"))
    return text_line(line)


def scrub_param(last: int, at: int) -> dict:
    """The ``epoch`` parameter: a range input over 1..last, starting at ``at``."""
    return {"name": SCRUB, "value": at,
            "bind": {"input": "range", "min": 1, "max": last, "step": 1,
                     "name": "scrub the epoch "}}


def _loss_view() -> dict:
    """Loss per epoch on a log axis, the divergence epoch marked, and the scrubbed epoch."""
    x = alt.X("epoch:Q", title="epoch", scale=alt.Scale(nice=False, zero=False, padding=6))
    y = alt.Y("loss:Q", title="loss (log scale)", scale=alt.Scale(type="log"))
    hist = alt.Chart(alt.NamedData("loss"))
    curve = (hist.transform_filter("isFinite(datum.loss) && datum.loss > 0")
             .mark_line(color=palette.BLUE, strokeWidth=2)
             .encode(x=x, y=y, tooltip=[alt.Tooltip("epoch:Q"), alt.Tooltip("loss_text:N",
                                                                              title="loss")]))
    bad = (alt.Chart(alt.NamedData("bad"))
           .mark_rule(color=BAD_COLOUR, strokeWidth=2, strokeDash=[5, 3])
           .encode(x=alt.X("epoch:Q", title="epoch"), tooltip=["note:N"]))
    bad_text = (alt.Chart(alt.NamedData("bad"))
                .mark_text(align="right", dx=-5, dy=8, baseline="top", fontWeight="bold")
                .encode(x=alt.X("epoch:Q", title="epoch"), y=alt.value(0), text="label:N"))
    now_rule = (hist.transform_filter(f"datum.epoch <= {SCRUB}")
                .transform_window(rank="row_number()",
                                  sort=[alt.SortField("epoch", order="descending")])
                .transform_filter("datum.rank == 1")
                .mark_rule(color=NOW_COLOUR, strokeWidth=2).encode(x=x))
    now_dot = (hist.transform_filter(f"datum.epoch <= {SCRUB}")
               .transform_filter("isFinite(datum.loss) && datum.loss > 0")
               .transform_window(rank="row_number()",
                                 sort=[alt.SortField("epoch", order="descending")])
               .transform_filter("datum.rank == 1")
               .mark_circle(size=110, color=NOW_COLOUR, stroke=palette.GREY, strokeWidth=1, opacity=1)
               .encode(x=x, y=y, tooltip=[alt.Tooltip("epoch:Q"),
                                          alt.Tooltip("loss_text:N", title="loss")]))
    spec = frozen(alt.layer(curve, bad, bad_text, now_rule, now_dot).properties(
        height=LOSS_HEIGHT))
    return {"layer": _inside(spec["layer"]), "height": LOSS_HEIGHT}


def key_spec(template: dict, surface: dict, start: tuple[float, float], run: dict) -> dict:
    """The key chart for one run: the cached surface datasets plus this run's small ones.

    ``run`` holds the rows path, exits, loss and bad, and ``last`` (the last epoch drawn);
    the scrubber starts there.
    """
    # the run's own rows first: Streamlit's "Show data" shows a chart's first dataset
    said = {r["epoch"]: r["loss_text"] for r in run["loss"]}  # for the scrub line's text
    path = [{**r, "loss_text": said[r["epoch"]]} if r["point"] else r for r in run["path"]]
    spec = with_data({**template, "datasets": {}}, {
        "path": path, "loss": run["loss"], "point": [{"w": start[0], "b": start[1]}],
        "arrow": [], "exits": run["exits"], "bad": run["bad"]})
    spec["datasets"] = {**spec["datasets"], **surface}
    spec["params"] = [*template["params"], scrub_param(run["last"], run["last"])]
    return spec


@cache
def sweep_template() -> dict:
    """Final loss against lr (log–log), coloured by region, with the critical lr as a rule."""
    regions = list(dv.VERDICTS)
    colours = [palette.REGIONS[r] for r in regions]
    x = alt.X("lr:Q", title="learning rate (log scale)", scale=alt.Scale(type="log"))
    pts = alt.Chart(alt.NamedData("sweep"))
    region_scale = alt.Scale(domain=regions, range=colours)
    shape_scale = alt.Scale(domain=regions, range=[REGION_SHAPES[r] for r in regions])
    colour = alt.Color("region:N", title=None, scale=region_scale,
                       legend=alt.Legend(orient="bottom"))
    shape = alt.Shape("region:N", title=None, scale=shape_scale,
                      legend=alt.Legend(orient="bottom"))
    tip = [alt.Tooltip("lr_text:N", title="lr"), alt.Tooltip("loss_text:N", title="final loss"),
           "region:N"]
    finite = (pts.transform_filter("isValid(datum.plot_loss) && datum.plot_loss > 0")
              .mark_point(size=60, filled=True, opacity=0.9)
              .encode(x=x, y=alt.Y("plot_loss:Q", title="final loss (log scale)",
                                   scale=alt.Scale(type="log")), color=colour, shape=shape,
                      tooltip=tip))
    blown = (pts.transform_filter("!isValid(datum.plot_loss)")
             .mark_point(shape="triangle-up", size=70, filled=True, opacity=0.9)
             .encode(x=x, y=alt.value(4), tooltip=tip,
                     color=alt.Color("region:N", scale=region_scale, legend=None)))
    rules = alt.Chart(alt.NamedData("rules"))
    # One rule and one label per rate, each rule in its own colour and dash; the labels are
    # in the theme's ink (readable on both backgrounds) and run down their rules from two
    # heights (critical from the top, yours LABEL_GAP below), so they never overlap when the
    # two rates are close.
    marks = []
    for what, colour, dash, y in (
        ("critical lr", CRIT_COLOUR, [6, 3], 0),
        ("your lr", NOW_COLOUR, [1, 0], LABEL_GAP),
    ):
        one = rules.transform_filter(f"datum.what == '{what}'")
        marks.append(one.mark_rule(strokeWidth=2, color=colour, strokeDash=dash).encode(
            x=alt.X("lr:Q"), tooltip=["what:N", "lr_text:N"]))
        marks.append(one.mark_text(angle=270, align="right", baseline="bottom", dx=-4, dy=-3,
                                   fontWeight="bold")
                     .encode(x=alt.X("lr:Q"), y=alt.value(y), text="what:N"))
    return frozen(alt.layer(finite, blown, *marks).properties(height=SWEEP_HEIGHT))


def sweep_spec(rows: list[dict], critical: float, lr: float, texts: tuple[str, str]) -> dict:
    """The sweep chart with its rules at the critical rate and the page's lr."""
    return with_data(sweep_template(), {"sweep": rows, "rules": [
        {"lr": critical, "what": "critical lr", "lr_text": texts[0]},
        {"lr": lr, "what": "your lr", "lr_text": texts[1]}]})


@cache
def schedule_template() -> dict:
    """The learning rate per epoch (log), with the critical rate as a horizontal rule."""
    x = alt.X("epoch:Q", title="epoch", scale=alt.Scale(nice=False))
    y = alt.Y("lr:Q", title="learning rate (log scale)", scale=alt.Scale(type="log"))
    line = alt.Chart(alt.NamedData("lrs")).mark_line(color=palette.BLUE, strokeWidth=2).encode(
        x=x, y=y, tooltip=["epoch:Q", alt.Tooltip("lr:Q", format=".3g")])
    crit = alt.Chart(alt.NamedData("crit")).mark_rule(color=CRIT_COLOUR, strokeDash=[6, 3],
                                                      strokeWidth=2).encode(y=alt.Y("lr:Q"))
    label = alt.Chart(alt.NamedData("crit")).mark_text(
        align="left", dx=4, dy=-7).encode(
        x=alt.value(0), y=alt.Y("lr:Q"), text="label:N")
    return frozen(alt.layer(line, crit, label).properties(height=200))


def schedule_spec(rows: list[dict], critical: float, text: str) -> dict:
    """The lr-per-epoch chart for a scheduled run."""
    return with_data(schedule_template(), {
        "lrs": rows, "crit": [{"lr": critical, "label": f"critical lr {text}"}]})
