"""Chart specs for "Optimizer comparison": one template, built with Altair once.

The key chart is one vertical stack, so a single Vega parameter (``epoch``, bound to a
range input) drives every panel in the browser: the paths on the loss surface, the
loss curves and the optimizers' steps. Scrubbing never reruns the script. Per rerun the
page only patches the window, the epoch range and the colour list, and hands over
Arrow bytes cached with the runs.
"""

from __future__ import annotations

import copy
from functools import cache

import altair as alt

from ui import palette
from ui.vega import frozen

SCRUB = "epoch"
"""Name of the epoch parameter the range input drives."""
COLOURS: dict[str, str] = palette.OPTIMIZERS
"""One colour per optimizer in every chart (see ui.palette)."""
DASHES: dict[str, list[int]] = dict(zip(COLOURS, (
    [1, 0], [8, 3], [2, 2], [10, 3, 2, 3], [4, 4], [12, 2], [1, 4], [6, 2, 2, 2, 2, 2],
    [14, 4, 4, 4], [3, 6], [16, 2, 2, 2]), strict=True))
"""One line style per optimizer, so no two paths or loss curves differ by colour alone."""
SHAPES: dict[str, str] = dict(zip(COLOURS, (
    "circle", "square", "diamond", "triangle-up", "triangle-down", "cross", "triangle-right",
    "triangle-left", "wedge", "arrow", "triangle"), strict=True))
"""One marker per optimizer for its current point on the surface and the loss curves."""
SURFACE_HEIGHT = 300
LOSS_HEIGHT = 150
"""Panel heights that keep the page, its numbers table included, under 3,000 px."""
PARAM_SHAPES = alt.Scale(domain=["w", "b"], range=["circle", "square"])


def _colour(legend: bool = False) -> alt.Color:
    """Colour by optimizer; only one layer draws the legend (under the loss curves)."""
    return alt.Color("opt:N", title=None, scale=alt.Scale(domain=list(COLOURS),
                     range=list(COLOURS.values())),
                     legend=alt.Legend(orient="bottom", columns=2) if legend else None)


def _dash(legend: bool = False) -> alt.StrokeDash:
    """Line style by optimizer; its legend merges with the colour legend."""
    return alt.StrokeDash("opt:N", title=None, scale=alt.Scale(domain=list(DASHES),
                          range=list(DASHES.values())),
                          legend=alt.Legend(orient="bottom", columns=2, symbolStrokeWidth=2.5)
                          if legend else None)


def _shape() -> alt.Shape:
    """Marker by optimizer, for the dots at the scrubbed epoch."""
    return alt.Shape("opt:N", title=None, legend=None, scale=alt.Scale(
        domain=list(SHAPES), range=list(SHAPES.values())))


def _at_scrub(chart: alt.Chart) -> alt.Chart:
    """Each optimizer's last drawn row at or before the scrubbed epoch."""
    return (
        chart.transform_filter(f"datum.epoch <= {SCRUB}")
        .transform_joinaggregate(last="max(epoch)", groupby=["opt"])
        .transform_filter("datum.epoch == datum.last")
    )


def _surface() -> alt.LayerChart:
    ws = alt.Scale(domain=[0, 1], nice=False, zero=False)
    bs = alt.Scale(domain=[0, 1], nice=False, zero=False)
    x, y = alt.X("w:Q", title="w", scale=ws), alt.Y("b:Q", title="b", scale=bs)
    greys = alt.Scale(type="log", scheme="greys", reverse=True)
    # Each cell's edge in its own grey: no seams of page background between cells (a dark
    # mesh in the dark theme), and opaque, so the surface looks the same in both themes.
    cells = alt.Chart(alt.NamedData("grid")).mark_rect(strokeWidth=0.6, clip=True).encode(
        x=alt.X("w0:Q", title="w", scale=ws), x2="w1:Q",
        y=alt.Y("b0:Q", title="b", scale=bs), y2="b1:Q",
        color=alt.Color("loss:Q", title="loss", legend=None, scale=greys),
        stroke=alt.Stroke("loss:Q", legend=None, scale=greys),
    )
    paths = alt.Chart(alt.NamedData("paths"))
    tip = [alt.Tooltip("opt:N", title="optimizer"), alt.Tooltip("epoch:Q"),
           alt.Tooltip("w:Q", format=".4f"), alt.Tooltip("b:Q", format=".4f"),
           alt.Tooltip("loss:Q", format=",.6g")]
    faint = paths.mark_line(strokeWidth=1.2, opacity=0.35, clip=True).encode(
        x=x, y=y, order="epoch:Q", color=_colour(), strokeDash=_dash(), detail="opt:N")
    walked = paths.transform_filter(f"datum.epoch <= {SCRUB}").mark_line(
        strokeWidth=2.5, clip=True).encode(x=x, y=y, order="epoch:Q", color=_colour(),
                                           strokeDash=_dash(), detail="opt:N")
    now = _at_scrub(paths).mark_point(size=130, opacity=1, filled=True, stroke="white",
                                      strokeWidth=1.5, clip=True).encode(
        x=x, y=y, color=_colour(), shape=_shape(), tooltip=tip)
    best = alt.Chart(alt.NamedData("best")).mark_point(
        shape="diamond", size=220, filled=True, fill="white", stroke="black", strokeWidth=1.5
    ).encode(x=x, y=y, tooltip=[alt.Tooltip("what:N", title=" "), alt.Tooltip("w:Q", format=".4f"),
                                alt.Tooltip("b:Q", format=".4f")])
    return alt.layer(cells, faint, walked, best, now).properties(height=SURFACE_HEIGHT)


def _losses() -> alt.LayerChart:
    x = alt.X("epoch:Q", title="epoch", scale=alt.Scale(domain=[1, 2], nice=False))
    y = alt.Y("loss:Q", title="loss (log scale)", scale=alt.Scale(type="log"))
    paths = alt.Chart(alt.NamedData("paths"))
    lines = paths.mark_line(strokeWidth=2, clip=True).encode(
        x=x, y=y, color=_colour(legend=True), strokeDash=_dash(legend=True), detail="opt:N")
    rule = alt.Chart(alt.NamedData("best")).mark_rule(color=palette.GREY, strokeDash=[2, 3]).encode(
        y="loss:Q", tooltip=[alt.Tooltip("loss:Q", title="least-squares loss", format=".6f")])
    now = _at_scrub(paths).mark_point(size=90, opacity=1, filled=True, clip=True).encode(
        x=x, y=y, color=_colour(), shape=_shape(),
        tooltip=[alt.Tooltip("opt:N", title="optimizer"), "epoch:Q",
                 alt.Tooltip("loss:Q", format=",.6g")])
    return alt.layer(lines, rule, now).properties(height=LOSS_HEIGHT)


def _steps() -> alt.LayerChart:
    """The step each optimizer took in w and in b at the scrubbed epoch (log scale)."""
    data = _at_scrub(alt.Chart(alt.NamedData("steps")))
    x = alt.X("size:Q", title="size of the step at this epoch (log scale)",
              scale=alt.Scale(type="log"))
    y = alt.Y("opt:N", title=None, sort=list(COLOURS), axis=alt.Axis(labelLimit=120))
    dots = data.mark_point(size=110, filled=True, opacity=1).encode(
        x=x, y=y, color=_colour(),
        shape=alt.Shape("param:N", title="parameter", scale=PARAM_SHAPES, legend=None),
        tooltip=[alt.Tooltip("opt:N", title="optimizer"), "epoch:Q", "param:N",
                 alt.Tooltip("size:Q", title="|step|", format=".3g")])
    return alt.layer(dots).properties(height={"step": 26})


@cache
def template() -> dict:
    """The stacked chart with its scrubber, without data (patched per rerun by :func:`spec`)."""
    scrub = alt.param(name=SCRUB, value=1, bind=alt.binding_range(min=1, max=2, step=1,
                                                                  name="epoch "))
    chart = alt.vconcat(_surface(), _losses(), _steps(), spacing=18).add_params(scrub)
    spec = frozen(chart.resolve_scale(color="shared", strokeDash="shared", shape="independent"))
    spec["usermeta"] = {"embedOptions": {"renderer": "canvas"}}
    spec["autosize"] = {"type": "fit-x", "contains": "padding"}
    return spec


def spec(window: tuple[tuple[float, float], tuple[float, float]], epochs: int,
         labels: list[str], datasets: dict) -> dict:
    """The template for this window, epoch range and set of optimizers, with its data."""
    out = copy.deepcopy(template())
    (w_lo, w_hi), (b_lo, b_hi) = window
    for layer in out["vconcat"][0]["layer"]:
        enc = layer["encoding"]
        enc["x"]["scale"]["domain"] = [w_lo, w_hi]
        enc["y"]["scale"]["domain"] = [b_lo, b_hi]
    for layer in out["vconcat"][1]["layer"]:
        if "x" in layer["encoding"]:
            layer["encoding"]["x"]["scale"]["domain"] = [1, max(epochs, 2)]
    for part in out["vconcat"]:
        for layer in part["layer"]:
            enc = layer["encoding"]
            for channel, styles in (("color", COLOURS), ("strokeDash", DASHES), ("shape", SHAPES)):
                if channel in enc and enc[channel].get("field") == "opt":
                    enc[channel]["scale"] = {"domain": labels, "range": [styles[x] for x in labels]}
    (param,) = [p for p in out["params"] if p["name"] == SCRUB]
    param["value"] = epochs
    param["bind"] = {**param["bind"], "max": epochs}
    # the paths first: Streamlit's "Show data" shows a chart's first dataset
    out["datasets"] = {"paths": datasets["paths"], **datasets}
    return out
