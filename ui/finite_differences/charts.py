"""Altair charts for the "Finite differences" page.

Two pictures: a zoom on the loss around the current point (the tangent, the
finite-difference line and the loss as the dtype rounds it), and the error of the
estimate against δ on log-log axes. Points a log axis cannot draw (an error of exactly
0, or inf) are clamped to the edge of the plot and given their own marker.
"""

from __future__ import annotations

import math

import altair as alt
import pandas as pd

import thermo_core as tc

SCHEME_COLORS = {"forward": "#d62728", "central": "#1f77b4", "backward": "#ff7f0e"}
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
OUTCOME_SIZES = {"estimate": 40, "exact": 150, "collapsed": 150, "non-finite": 150}
ERROR_FLOOR = 1e-17
"""Where an exact hit (error 0) is drawn: below any non-zero float64 relative error."""

CURVE_STYLE = {
    "loss, exact (float64)": ("#9e9e9e", [1, 0]),
    "loss as float32 computes it": ("#2ca02c", [1, 0]),
    "loss as float64 computes it": ("#2ca02c", [1, 0]),
    "tangent: the true slope": ("#000000", [5, 4]),
    "finite-difference slope": ("#d62728", [1, 0]),
}


def _tick_format(delta: float) -> str:
    return "~g" if delta >= 1e-3 else ".1~e"


def loss_zoom_chart(
    zoom: pd.DataFrame, parts: tc.finite_differences.FDParts, true_slope: float, wrt: str
) -> alt.LayerChart:
    """The loss along one parameter near p, with the true tangent and the FD line.

    ``zoom`` comes from :func:`thermo_core.loss_zoom` and ``parts`` from
    :func:`thermo_core.fd_parts`. The FD line has the slope the formula reports. For
    central it goes through the midpoint of its two evaluations, otherwise through p.
    """
    rounded_name = f"loss as {parts.dtype} computes it"
    xs = zoom["offset"].tolist()
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
    lines = pd.concat(
        [
            pd.DataFrame({"offset": xs, "value": zoom["exact"], "curve": "loss, exact (float64)"}),
            pd.DataFrame({"offset": xs, "value": zoom["rounded"], "curve": rounded_name}),
            pd.DataFrame(
                {
                    "offset": [lo, hi],
                    "value": [true_slope * lo, true_slope * hi],
                    "curve": "tangent: the true slope",
                }
            ),
            pd.DataFrame(
                {
                    "offset": [lo, hi],
                    "value": [anchor[1] + slope * (x - anchor[0]) for x in (lo, hi)],
                    "curve": "finite-difference slope",
                }
            ),
        ],
        ignore_index=True,
    )
    names = ["loss, exact (float64)", rounded_name, "tangent: the true slope"]
    names.append("finite-difference slope")
    color = alt.Color(
        "curve:N",
        title=None,
        scale=alt.Scale(domain=names, range=[CURVE_STYLE[n][0] for n in names]),
        legend=alt.Legend(orient="top", columns=2),
    )
    dash = alt.StrokeDash(
        "curve:N",
        scale=alt.Scale(domain=names, range=[CURVE_STYLE[n][1] for n in names]),
        legend=None,
    )
    fmt = _tick_format(parts.delta)
    x = alt.X("offset:Q", title=f"t, the offset from {wrt} (loss taken at {wrt} + t)")
    x = x.axis(format=fmt, labelOverlap=True)
    y = alt.Y("value:Q", title="L − L(p)", scale=alt.Scale(zero=False))
    base = alt.Chart(lines).encode(x=x, y=y, color=color, strokeDash=dash)
    curves = base.mark_line(strokeWidth=2, clip=True).encode(
        tooltip=[
            "curve:N",
            alt.Tooltip("offset:Q", format=".3~e"),
            alt.Tooltip("value:Q", format=".6~g"),
        ]
    )
    samples = (
        alt.Chart(lines[lines["curve"] == rounded_name])
        .mark_circle(size=18, color=CURVE_STYLE[rounded_name][0])
        .encode(x=x, y=y)
    )
    points = pd.DataFrame(
        {
            "offset": [e[0] for e in evals],
            "value": [e[1] for e in evals],
            "what": "where the formula evaluates the loss",
        }
    )
    dots = (
        alt.Chart(points)
        .mark_point(size=160, filled=True, color="#d62728", stroke="white", strokeWidth=1.5)
        .encode(
            x=x,
            y=y,
            tooltip=[
                "what:N",
                alt.Tooltip("offset:Q", format=".4~e"),
                alt.Tooltip("value:Q", format=".6~g"),
            ],
        )
    )
    return alt.layer(curves, samples, dots).properties(height=340)


def _error_points(sweep: pd.DataFrame, field: str) -> pd.DataFrame:
    """Sweep rows with a ``plot`` value a log axis can draw, plus readable labels."""
    data = sweep.copy()
    finite = data[field].map(lambda v: math.isfinite(v) and v > 0)
    top = max([*data.loc[finite, field].tolist(), 1.0]) * 10
    data["plot"] = data[field].where(finite, other=ERROR_FLOOR)
    data.loc[data["outcome"] == "non-finite", "plot"] = top
    data["series"] = data["scheme"] + ", " + data["dtype"]
    data["marker"] = data["outcome"].map(OUTCOME_NAMES)
    data["delta_label"] = data["delta"].map(tc.finite_differences.delta_label)
    return data


def error_chart(
    sweep: pd.DataFrame,
    model: pd.DataFrame,
    current: dict,
    optimum: float | None,
    field: str = "rel_error",
) -> alt.LayerChart:
    """Error of the FD estimate against δ, log-log, one line per scheme and dtype.

    ``sweep`` is :func:`thermo_core.label_sweep` output. ``model`` is
    :func:`thermo_core.fd_error_model` for the current scheme and dtype, drawn as a
    thin grey guide. ``current`` holds scheme, dtype and delta, and the chart marks that
    point. ``optimum`` is the predicted bottom of the V, drawn as a vertical rule when given.
    """
    data = _error_points(sweep, field)
    title = "relative error" if field == "rel_error" else "absolute error"
    x = alt.X(
        "delta:Q",
        title="δ (log scale)",
        scale=alt.Scale(
            type="log",
            domain=[tc.finite_differences.DELTA_MIN, tc.finite_differences.DELTA_MAX],
            nice=False,
        ),
        axis=alt.Axis(format="~e", tickCount=10),
    )
    y = alt.Y("plot:Q", title=f"{title} of the estimate (log scale)")
    y = y.scale(type="log").axis(format="~e")
    schemes = [s for s in tc.SCHEMES if s in set(data["scheme"])]
    color = alt.Color(
        "scheme:N",
        title="scheme",
        scale=alt.Scale(domain=schemes, range=[SCHEME_COLORS[s] for s in schemes]),
    )
    dash = alt.StrokeDash(
        "dtype:N",
        title="dtype",
        scale=alt.Scale(domain=list(DTYPE_DASH), range=list(DTYPE_DASH.values())),
    )
    tooltip = [
        "scheme:N",
        "dtype:N",
        alt.Tooltip("delta_label:N", title="δ"),
        alt.Tooltip("estimate:Q", format=",.6f"),
        alt.Tooltip("abs_error:Q", format=".3~e"),
        alt.Tooltip("rel_error:Q", format=".3~e"),
        alt.Tooltip("marker:N", title="point"),
    ]
    lines = (
        alt.Chart(data)
        .mark_line(strokeWidth=2, opacity=0.85)
        .encode(x=x, y=y, color=color, strokeDash=dash, detail="series:N")
    )
    shapes = list(OUTCOME_NAMES.values())
    points = (
        alt.Chart(data)
        .mark_point(filled=True, opacity=0.95)
        .encode(
            x=x,
            y=y,
            color=color,
            shape=alt.Shape(
                "marker:N",
                title="marker",
                scale=alt.Scale(domain=shapes, range=list(OUTCOME_SHAPES.values())),
                legend=alt.Legend(labelLimit=260),
            ),
            size=alt.Size(
                "marker:N",
                title="marker",
                scale=alt.Scale(domain=shapes, range=list(OUTCOME_SIZES.values())),
                legend=alt.Legend(labelLimit=260),
            ),
            tooltip=tooltip,
        )
    )
    guide = model.assign(plot=model[field], what="error model, current scheme and dtype")
    guide = guide[guide["plot"].map(lambda v: math.isfinite(v) and v > 0)]
    model_line = (
        alt.Chart(guide)
        .mark_line(color="#7f7f7f", strokeWidth=1.5, strokeDash=[2, 2])
        .encode(
            x=x,
            y=y,
            tooltip=["what:N", alt.Tooltip("delta:Q", format=".1~e"), alt.Tooltip("plot:Q")],
        )
    )
    here = data[
        (data["scheme"] == current["scheme"])
        & (data["dtype"] == current["dtype"])
        & (data["delta"] == current["delta"])
    ].assign(label="you are here")
    ring = (
        alt.Chart(here)
        .mark_point(size=420, shape="circle", filled=False, strokeWidth=3, color="#000000")
        .encode(x=x, y=y, tooltip=tooltip)
    )
    ring_text = (
        alt.Chart(here)
        .mark_text(align="left", dx=14, dy=-12, fontWeight="bold")
        .encode(x=x, y=y, text="label:N")
    )
    rule_data = pd.DataFrame({"delta": [current["delta"]], "label": ["current δ"]})
    rule = alt.Chart(rule_data).mark_rule(color="#000000", opacity=0.35).encode(x=x)
    layers = [rule, model_line, lines, points, ring, ring_text]
    if (
        optimum is not None
        and tc.finite_differences.DELTA_MIN <= optimum <= tc.finite_differences.DELTA_MAX
    ):
        best = pd.DataFrame({"delta": [optimum], "label": ["predicted bottom"]})
        layers.append(
            alt.Chart(best)
            .mark_rule(color="#7f7f7f", strokeDash=[6, 3], strokeWidth=1.5)
            .encode(x=x, tooltip=["label:N", alt.Tooltip("delta:Q", format=".2~e")])
        )
        layers.append(
            alt.Chart(best)
            .mark_text(align="right", baseline="top", dx=-4, y=4, color="#555555", fontSize=11)
            .encode(x=x, text="label:N")
        )
    return alt.layer(*layers).properties(height=420).resolve_scale(color="shared")
