"""Charts for the "Finite differences" page, as spec templates built once.

Two pictures: the error of the estimate against δ on log-log axes (the V, the page's key
chart), and a zoom on the loss around the current point (the tangent, the
finite-difference line and the loss as the dtype rounds it). Each is built with Altair
once at import and converted without validation (:func:`ui.vega.frozen`); a rerun only
fills in a few hundred rows (:func:`ui.vega.with_data`). Points a log axis cannot draw (an
error of exactly 0, or inf) are clamped to the edge of the plot and given their own marker.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import altair as alt
import pandas as pd

import thermo_core as tc
from thermo_core.lessons import finite_differences as FD
from thermo_core.numbers import fmt
from ui import palette
from ui.vega import frozen, with_data

SCHEME_COLORS = palette.FD_SCHEMES
SCHEME_SHAPES = {"forward": "triangle-right", "central": "circle", "backward": "triangle-left"}
"""An ordinary estimate's marker names its scheme without colour: ▶ forward, ● central, ◀ backward."""
DTYPE_DASH = {"float64": [1, 0], "float32": [6, 3]}
OUTCOME_SHAPES = {
    "estimate": "circle",
    "exact": "triangle-down",
    "collapsed": "cross",
    "non-finite": "square",
}
OUTCOME_NAMES = {
    "estimate": "estimate",
    "exact": "error exactly 0 (at floor)",
    "collapsed": "collapsed to 0",
    "non-finite": "inf or nan (at top)",
}
OUTCOME_SIZES = {"estimate": 30, "exact": 120, "collapsed": 120, "non-finite": 120}
SHAPES = {**SCHEME_SHAPES, **{OUTCOME_NAMES[k]: v for k, v in OUTCOME_SHAPES.items() if k != "estimate"}}
"""The point's shape: its scheme for an ordinary estimate, else what went wrong."""
SIZES = {**{s: 45 for s in SCHEME_SHAPES},
         **{OUTCOME_NAMES[k]: v for k, v in OUTCOME_SIZES.items() if k != "estimate"}}
ERROR_FLOOR = 1e-17
"""Where an exact hit (error 0) is drawn: below any non-zero float64 relative error."""

ROUNDED = "loss as the dtype rounds it"
CURVE_STYLE = {
    "loss, exact (float64)": (palette.FD_CURVES["exact"], [2, 2]),
    ROUNDED: (palette.FD_CURVES["rounded"], [1, 0]),
    "tangent: the true slope": (palette.FD_CURVES["tangent"], [6, 4]),
    "finite-difference slope": (palette.FD_CURVES["estimate"], [12, 3, 3, 3]),
}
"""Colour and dash of each zoom line: dotted, solid, dashed, dash-dot, so none needs its colour."""
_BOTTOM = alt.Legend(orient="bottom", direction="horizontal", columns=2, labelLimit=220)
"""Legends go under the plot, two entries a row, so a phone never clips them."""


# ---- the V: error against δ ------------------------------------------------------------


def _error_template() -> dict:
    x = alt.X(
        "delta:Q",
        title="δ (log scale)",
        scale=alt.Scale(type="log", domain=[FD.DELTA_MIN, FD.DELTA_MAX], nice=False),
        axis=alt.Axis(format="~e", values=[10.0**k for k in range(-12, 5, 2)]),
    )
    y = alt.Y("plot:Q", title="error of the estimate (log)").scale(type="log").axis(format="~e")
    schemes = list(tc.SCHEMES)
    color = alt.Color(
        "scheme:N",
        title=None,
        scale=alt.Scale(domain=schemes, range=[SCHEME_COLORS[s] for s in schemes]),
        legend=_BOTTOM,
    )
    dash = alt.StrokeDash(
        "dtype:N",
        title=None,
        scale=alt.Scale(domain=list(DTYPE_DASH), range=list(DTYPE_DASH.values())),
        legend=None,  # the caption says solid is float64 and dashed float32
    )
    tooltip = [
        "scheme:N",
        "dtype:N",
        alt.Tooltip("delta_label:N", title="δ"),
        alt.Tooltip("estimate_text:N", title="estimate"),
        alt.Tooltip("error_text:N", title="error"),
        alt.Tooltip("marker:N", title="point"),
    ]
    sweep = alt.Chart(alt.NamedData("sweep"))
    lines = sweep.mark_line(strokeWidth=2, opacity=0.85).encode(
        x=x, y=y, color=color, strokeDash=dash, detail="series:N"
    )
    points = sweep.mark_point(filled=True, opacity=0.95).encode(
        x=x,
        y=y,
        color=color,
        shape=alt.Shape(
            "shape:N",
            title=None,
            scale=alt.Scale(domain=list(SHAPES), range=list(SHAPES.values())),
            legend=None,  # the caption names the markers; one short legend fits a phone
        ),
        size=alt.Size(
            "shape:N",
            scale=alt.Scale(domain=list(SIZES), range=list(SIZES.values())),
            legend=None,
        ),
        tooltip=tooltip,
    )
    model_line = (
        alt.Chart(alt.NamedData("model"))
        .mark_line(color=palette.GREY, strokeWidth=1.5, strokeDash=[2, 2])
        .encode(x=x, y=y)
    )
    here = alt.Chart(alt.NamedData("here"))
    ring = here.mark_point(
        size=380, shape="circle", filled=False, strokeWidth=3, color=palette.GREY
    ).encode(x=x, y=y, tooltip=tooltip)
    ring_text = here.mark_text(align="left", dx=12, dy=-12, fontWeight="bold").encode(
        x=x, y=y, text="label:N"
    )
    rule = here.mark_rule(color=palette.GREY).encode(x=x)
    best = alt.Chart(alt.NamedData("best"))
    best_rule = best.mark_rule(color=palette.GREY, strokeDash=[6, 3], strokeWidth=1.5).encode(x=x)
    best_text = best.mark_text(
        align="right", baseline="top", dx=-4, y=4, fontSize=11
    ).encode(x=x, text="label:N")
    chart = alt.layer(rule, model_line, lines, points, ring, ring_text, best_rule, best_text)
    return frozen(chart.properties(height=330))


ERROR_TEMPLATE = _error_template()


def sweep_rows(sweep: pd.DataFrame, field: str) -> list[dict]:
    """Chart rows for a labelled sweep (:func:`thermo_core.finite_differences.label_sweep`).

    ``plot`` is ``field`` where a log axis can draw it, the floor for exact hits and
    collapsed-to-0 estimates drawn at their true error of 1, the top for inf or nan.
    """
    values = sweep[field].tolist()
    finite = [math.isfinite(v) and v > 0 for v in values]
    top = max([v for v, ok in zip(values, finite, strict=True) if ok] + [1.0]) * 10
    rows = []
    for row, value, ok in zip(sweep.itertuples(), values, finite, strict=True):
        plot = value if ok else ERROR_FLOOR
        if row.outcome == "non-finite":
            plot = top
        rows.append(
            {
                "scheme": row.scheme,
                "dtype": row.dtype,
                "series": f"{row.scheme}, {row.dtype}",
                "delta": row.delta,
                "delta_label": FD.delta_label(row.delta),
                "plot": plot,
                "outcome": row.outcome,
                "marker": OUTCOME_NAMES[row.outcome],
                "shape": row.scheme if row.outcome == "estimate" else OUTCOME_NAMES[row.outcome],
                "estimate": row.estimate,
                "estimate_text": fmt(row.estimate, 6),
                "error_text": fmt(value, sig=3),
            }
        )
    return rows


def error_spec(
    rows: Sequence[Mapping],
    model: pd.DataFrame,
    current: Mapping,
    optimum: float,
    field: str,
) -> dict:
    """The V for the schemes in ``rows``, the error model as a grey guide, and a ring at
    ``current`` (scheme, dtype, delta); the predicted bottom ``optimum`` as a rule when it
    lies inside the grid."""
    here = [
        {**r, "label": "you are here"}
        for r in rows
        if (r["scheme"], r["dtype"], r["delta"]) == (current["scheme"], current["dtype"], current["delta"])
    ]
    guide = [
        {"delta": d, "plot": v}
        for d, v in zip(model["delta"], model[field], strict=True)
        if math.isfinite(v) and v > 0
    ]
    inside = FD.DELTA_MIN <= optimum <= FD.DELTA_MAX
    best = [{"delta": optimum, "label": "predicted bottom"}] if inside else []
    spec = with_data(ERROR_TEMPLATE, {"sweep": rows, "model": guide, "here": here, "best": best})
    title = "relative error" if field == "rel_error" else "absolute error"
    layers = [dict(layer) for layer in ERROR_TEMPLATE["layer"]]
    for layer in layers:
        enc = layer.get("encoding", {})
        if "y" in enc:
            layer["encoding"] = {**enc, "y": {**enc["y"], "title": f"{title} (log scale)"}}
        if "color" in layer["encoding"] and "scale" in layer["encoding"]["color"]:
            shown = [s for s in tc.SCHEMES if any(r["scheme"] == s for r in rows)]
            colour = {**layer["encoding"]["color"]}
            colour["scale"] = {"domain": shown, "range": [SCHEME_COLORS[s] for s in shown]}
            layer["encoding"] = {**layer["encoding"], "color": colour}
    spec["layer"] = layers
    return spec


# ---- the zoom: inside one estimate -------------------------------------------------------


def _zoom_template() -> dict:
    names = list(CURVE_STYLE)
    x = alt.X("offset:Q", title="t, the nudge (loss taken at p + t)").axis(
        format="~g", labelOverlap=True, tickCount=5
    )
    y = alt.Y("value:Q", title="L − L(p)", scale=alt.Scale(zero=False))
    color = alt.Color(
        "curve:N",
        title=None,
        scale=alt.Scale(domain=names, range=[CURVE_STYLE[n][0] for n in names]),
        legend=_BOTTOM,
    )
    dash = alt.StrokeDash(
        "curve:N",
        scale=alt.Scale(domain=names, range=[CURVE_STYLE[n][1] for n in names]),
        legend=None,
    )
    curves = (
        alt.Chart(alt.NamedData("lines"))
        .mark_line(strokeWidth=2, clip=True)
        .encode(x=x, y=y, color=color, strokeDash=dash)
    )
    samples = (
        alt.Chart(alt.NamedData("samples"))
        .mark_circle(size=16, color=CURVE_STYLE[ROUNDED][0])
        .encode(x=x, y=y)
    )
    dots = (
        alt.Chart(alt.NamedData("dots"))
        .mark_point(size=150, filled=True, color=palette.RED, stroke=palette.GREY, strokeWidth=1.5)
        .encode(x=x, y=y, tooltip=["what:N", alt.Tooltip("offset:Q", format=".4~e")])
    )
    return frozen(alt.layer(curves, samples, dots).properties(height=300))


ZOOM_TEMPLATE = _zoom_template()


def zoom_spec(zoom: Mapping[str, Sequence[float]], parts: FD.FDParts, true_slope: float) -> dict:
    """The loss along one parameter near p, with the true tangent and the FD line.

    ``zoom`` holds the columns of :func:`thermo_core.finite_differences.loss_zoom` as lists
    and ``parts`` comes from ``fd_parts``. The FD line has the slope the formula reports:
    through the midpoint of its two evaluations for central, otherwise through p.
    """
    xs = list(zoom["offset"])
    lo, hi = min(xs), max(xs)
    x_up, y_up = parts.up - parts.param, parts.loss_up - parts.loss_mid
    x_down, y_down = parts.down - parts.param, parts.loss_down - parts.loss_mid
    if parts.scheme == "central":
        anchor = ((x_up + x_down) / 2, (y_up + y_down) / 2)
        evals = [(x_down, y_down), (x_up, y_up)]
    elif parts.scheme == "forward":
        anchor, evals = (0.0, 0.0), [(0.0, 0.0), (x_up, y_up)]
    else:
        anchor, evals = (0.0, 0.0), [(x_down, y_down), (0.0, 0.0)]
    slope = parts.estimate if math.isfinite(parts.estimate) else 0.0
    rounded = [{"offset": t, "value": v, "curve": ROUNDED} for t, v in zip(xs, zoom["rounded"], strict=True)]
    lines = [
        *({"offset": t, "value": v, "curve": "loss, exact (float64)"} for t, v in zip(xs, zoom["exact"], strict=True)),
        *rounded,
        *({"offset": t, "value": true_slope * t, "curve": "tangent: the true slope"} for t in (lo, hi)),
        *(
            {"offset": t, "value": anchor[1] + slope * (t - anchor[0]), "curve": "finite-difference slope"}
            for t in (lo, hi)
        ),
    ]
    dots = [{"offset": t, "value": v, "what": "where the formula evaluates the loss"} for t, v in evals]
    return with_data(ZOOM_TEMPLATE, {"lines": lines, "samples": rounded, "dots": dots})
