"""The overfitting page's key chart: losses per epoch over the fitted curve, one spec.

Built with Altair once per variant (with or without the fresh-readings line) and filled
per rerun with three small Arrow datasets. A top-level parameter, ``epoch``, is bound to
a range input under the chart (as on the divergence page), so scrubbing moves the rule
on the loss chart and redraws the fitted curve as it stood then, in the browser alone.
"""

from __future__ import annotations

from functools import cache

import altair as alt

from ui import palette
from ui.vega import frozen, text_line

SCRUB = "epoch"
"""Name of the in-browser epoch parameter (bound to a range input)."""
LOSS_HEIGHT = 170
FIT_HEIGHT = 220
SERIES = ("training", "validation", "fresh readings")
SERIES_COLOURS = palette.OVERFIT_SERIES
SERIES_DASHES = ([1, 0], [7, 3], [2, 2])
"""Training solid, validation dashed, fresh readings dotted: told apart without colour."""
ROLES = ("train", "validation", "synthetic")
ROLE_COLOURS = palette.OVERFIT_ROLES
ROLE_SHAPES = ("circle", "diamond", "triangle-up")
"""Training readings are circles, validation readings diamonds, simulated ones triangles."""
GAP_COLOUR = palette.RED
BEST_COLOUR = palette.GREEN
NOW_COLOUR = palette.GREY
Y_DOMAIN = (-25.0, 50.0)
"""°C shown on the fit chart: the readings span −5…30, the rest shows extrapolation."""


INSIDE_AXES = {
    "axisY": {"labelAlign": "left", "labelPadding": -4, "tickSize": 0, "labelBaseline": "bottom",
              "titleAngle": 0, "titleAlign": "left", "titleX": 0, "titleY": -14,
              "titleBaseline": "bottom", "labelOpacity": 0.8},
    "axisX": {"labelFlush": True},
}
"""Streamlit sets each stacked view's width to the container's; y labels and titles drawn
inside the plot and x labels flush keep the whole chart within it (no sideways pan)."""


def scrub_param(last: int) -> dict:
    """The ``epoch`` parameter: a range input over 1..last, starting at the end."""
    return {"name": SCRUB, "value": last,
            "bind": {"input": "range", "min": 1, "max": last, "step": 1,
                     "name": "scrub the epoch "}}


def _latest(chart: alt.Chart) -> alt.Chart:
    """Rows of the last snapshot epoch at or before the scrubbed one."""
    return (chart.transform_filter(f"datum.epoch <= {SCRUB}")
            .transform_joinaggregate(shown="max(epoch)")
            .transform_filter("datum.epoch == datum.shown"))


def _loss_view(fresh: bool) -> dict:
    x = alt.X("epoch:Q", title="epoch", scale=alt.Scale(nice=False, zero=False))
    y = alt.Y("value:Q", title="MSE loss (log scale)", scale=alt.Scale(type="log"))
    data = alt.Chart(alt.NamedData("losses"))
    gap = (data.transform_filter("datum.loss > 0 && datum.val_loss > 0")
           .mark_area(color=GAP_COLOUR, opacity=0.15)
           .encode(x=x, y=alt.Y("loss:Q", scale=alt.Scale(type="log")), y2="val_loss:Q"))
    names = list(SERIES if fresh else SERIES[:2])
    fields = ["loss", "val_loss", "holdout_loss"][: len(names)]
    lines = (data.transform_fold(fields, as_=["series", "value"])
             .transform_calculate(series="{'loss': 'training', 'val_loss': 'validation', "
                                  "'holdout_loss': 'fresh readings'}[datum.series]")
             .transform_filter("isFinite(datum.value) && datum.value > 0")
             .mark_line(strokeWidth=2)
             .encode(x=x, y=y,
                     color=alt.Color("series:N", title=None, legend=alt.Legend(orient="bottom"),
                                     scale=alt.Scale(domain=names,
                                                     range=list(SERIES_COLOURS[: len(names)]))),
                     strokeDash=alt.StrokeDash("series:N", title=None,
                                               legend=alt.Legend(orient="bottom", symbolStrokeWidth=2.5),
                                               scale=alt.Scale(domain=names,
                                                               range=list(SERIES_DASHES[: len(names)]))),
                     tooltip=["epoch:Q", "series:N", alt.Tooltip("value:Q", format=".4f")]))
    best = alt.Chart(alt.NamedData("best"))
    best_rule = best.mark_rule(color=BEST_COLOUR, strokeDash=[6, 3], strokeWidth=2).encode(
        x=alt.X("epoch:Q"), tooltip=["note:N"])
    # The label (in the theme's ink) reads away from the chart's nearer edge ("side" of the
    # best datum), so a best epoch at the end of the run keeps it inside the plot on a phone.
    best_text = best.mark_text(align={"expr": "datum.side"},
                               dx={"expr": "datum.side == 'left' ? 4 : -4"}, dy=6,
                               baseline="top", fontWeight="bold").encode(
        x="epoch:Q", y=alt.value(0), text="label:N")
    now = (alt.Chart(alt.NamedData("best")).transform_calculate(now=SCRUB)
           .mark_rule(color=NOW_COLOUR, strokeWidth=1.5).encode(x=alt.X("now:Q")))
    spec = frozen(alt.layer(gap, lines, best_rule, best_text, now).properties(height=LOSS_HEIGHT))
    return {"layer": spec["layer"], "height": LOSS_HEIGHT}


def _scrub_line() -> dict:
    """One line of text under the losses stating them at the scrubbed epoch (the last drawn
    epoch at or before it); it follows the range input in the browser, with no rerun."""
    line = (alt.Chart(alt.NamedData("losses"))
            .transform_filter(f"datum.epoch <= {SCRUB}")
            .transform_joinaggregate(shown="max(epoch)")
            .transform_filter("datum.epoch == datum.shown")
            .transform_calculate(line="'Epoch ' + datum.epoch + ': training ' + "
                                 "format(datum.loss, ',.6~g') + ', validation ' + "
                                 "format(datum.val_loss, ',.6~g')"))
    return text_line(line)


def _fit_view(synthetic: bool) -> dict:
    x = alt.X("t_u:Q", title="t_u (thermometer reading)", scale=alt.Scale(nice=False, zero=False))
    y = alt.Y("t_c:Q", title="t_c (°C)", scale=alt.Scale(domain=list(Y_DOMAIN), nice=False))
    curve = (_latest(alt.Chart(alt.NamedData("frames")))
             .mark_line(color=palette.GREEN, strokeWidth=3, clip=True)
             .encode(x=x, y=alt.Y("t_c_pred:Q", title="t_c (°C)",
                                  scale=alt.Scale(domain=list(Y_DOMAIN), nice=False))))
    label = (_latest(alt.Chart(alt.NamedData("frames")))
             .transform_aggregate(shown="max(epoch)")
             .transform_calculate(text="'fitted curve at epoch ' + datum.shown")
             .mark_text(align="right", baseline="bottom", dx=-6, dy=-6, fontWeight="bold")
             .encode(x=alt.value({"expr": "width"}), y=alt.value({"expr": "height"}),
                     text="text:N"))
    n = 3 if synthetic else 2
    roles, colours = list(ROLES[:n]), list(ROLE_COLOURS[:n])
    points = (alt.Chart(alt.NamedData("points"))
              .mark_point(opacity=0.95, filled=True, stroke="black", strokeWidth=0.5)
              .encode(x=x, y=y,
                      color=alt.Color("role:N", title=None, legend=alt.Legend(orient="bottom"),
                                      scale=alt.Scale(domain=roles, range=colours)),
                      shape=alt.Shape("role:N", title=None, legend=alt.Legend(orient="bottom"),
                                      scale=alt.Scale(domain=roles, range=list(ROLE_SHAPES[:n]))),
                      size=alt.Size("role:N", legend=None, scale=alt.Scale(
                          domain=roles, range=[90, 110, 30][:n])),
                      tooltip=["index:N", "role:N", alt.Tooltip("t_u:Q", format=".1f"),
                               alt.Tooltip("t_c:Q", format=".1f")]))
    spec = frozen(alt.layer(curve, points, label).properties(height=FIT_HEIGHT))
    return {"layer": spec["layer"], "height": FIT_HEIGHT}


@cache
def key_template(fresh: bool, synthetic: bool) -> dict:
    """Losses (with the fresh-readings line when ``fresh``) over the fitted curve (with the
    synthetic readings in the legend when there are some)."""
    base = frozen(alt.Chart(alt.NamedData("losses")).mark_point())
    return {
        "$schema": base["$schema"],
        "config": {**base.get("config", {}), **INSIDE_AXES},
        "vconcat": [_loss_view(fresh), _scrub_line(), _fit_view(synthetic)],
        "spacing": 10,
        "resolve": {"scale": {"color": "independent", "size": "independent",
                              "strokeDash": "independent", "shape": "independent"},
                    "legend": {"color": "independent", "strokeDash": "independent",
                               "shape": "independent"}},
    }


def key_spec(datasets: dict, best: dict, last: int, fresh: bool, synthetic: bool) -> dict:
    """The key chart for one run: its cached Arrow datasets, the best epoch, the scrubber."""
    template = key_template(fresh, synthetic)
    return {**template, "params": [scrub_param(last)],
            "datasets": {**datasets, "best": [best]}}
