"""Altair charts for "The loss surface": the heatmap with its overlays, the fitted line,
the 1-D slices with tangents, and the per-residual penalties.

Each function takes DataFrames/floats computed by thermo_core and only draws.
"""

from __future__ import annotations

import math

import altair as alt
import pandas as pd

SURFACE_SIZE = 400
"""The heatmap's plot area is square (pixels), so equal (w, b) units look equal."""

LOSS_TITLES = {"mse": "MSE: r²", "l1": "L1: |r|", "huber": "Huber"}
EIGEN_COLOURS = alt.Scale(
    domain=["flattest (λ_min)", "steepest (λ_max)"], range=["#ff7f0e", "#17becf"]
)


def _axis_scale(lo: float, hi: float) -> alt.Scale:
    return alt.Scale(domain=[lo, hi], nice=False, zero=False)


def surface_chart(
    grid: pd.DataFrame,
    w_range: tuple[float, float],
    b_range: tuple[float, float],
    best: tuple[float, float],
    point: tuple[float, float],
    arrow: dict[str, float] | None,
    eigen: pd.DataFrame,
    contours: pd.DataFrame | None = None,
    lowest: tuple[float, float] | None = None,
) -> alt.LayerChart:
    """Heatmap of the loss (log colours) with the MSE contours and eigen-directions, the
    least-squares minimum (white diamond), the current point (red) and the −∇L arrow.

    Cells whose loss is not finite or not positive (a log scale cannot place them) are
    drawn grey instead of vanishing.
    """
    xs = _axis_scale(*w_range)
    ys = _axis_scale(*b_range)
    x = alt.X("w0:Q", title="w", scale=xs)
    y = alt.Y("b0:Q", title="b", scale=ys)
    finite = grid["loss"].map(lambda v: math.isfinite(v) and v > 0)
    good, bad = grid[finite], grid[~finite]
    layers = [
        alt.Chart(good)
        .mark_rect(clip=True)
        .encode(
            x=x,
            x2="w1:Q",
            y=y,
            y2="b1:Q",
            color=alt.Color(
                "loss:Q",
                title="loss (log scale)",
                scale=alt.Scale(type="log", scheme="viridis"),
                legend=alt.Legend(orient="bottom", gradientLength=260, direction="horizontal"),
            ),
            tooltip=[
                alt.Tooltip("w:Q", format=".4f"),
                alt.Tooltip("b:Q", format=".3f"),
                alt.Tooltip("loss:Q", format=",.4g"),
            ],
        )
    ]
    if len(bad):
        layers.append(
            alt.Chart(bad.assign(note="not finite or ≤ 0"))
            .mark_rect(color="#9e9e9e", clip=True)
            .encode(x=x, x2="w1:Q", y=y, y2="b1:Q", tooltip=["note:N"])
        )
    wq = alt.X("w:Q", scale=xs, title="w")
    bq = alt.Y("b:Q", scale=ys, title="b")
    if contours is not None and len(contours):
        layers.append(
            alt.Chart(contours)
            .mark_line(color="white", strokeWidth=1, opacity=0.55, clip=True)
            .encode(
                x=wq,
                y=bq,
                detail="delta:N",
                order="order:Q",
                tooltip=[alt.Tooltip("delta:Q", title="MSE above minimum", format=",g")],
            )
        )
    if len(eigen):
        layers.append(
            alt.Chart(eigen)
            .mark_line(strokeWidth=2.5, strokeDash=[7, 4], clip=True)
            .encode(
                x=wq,
                y=bq,
                color=alt.Color(
                    "direction:N",
                    title="MSE Hessian axes",
                    scale=EIGEN_COLOURS,
                    legend=alt.Legend(orient="bottom", direction="vertical"),
                ),
                tooltip=["direction:N", alt.Tooltip("eigenvalue:Q", format=",.4f")],
            )
        )
    marks = pd.DataFrame(
        [{"w": best[0], "b": best[1], "what": "least-squares minimum"}]
        + ([{"w": lowest[0], "b": lowest[1], "what": "lowest cell of this loss"}] if lowest else [])
    )
    layers.append(
        alt.Chart(marks)
        .mark_point(shape="diamond", size=220, filled=True, stroke="black", strokeWidth=1.5)
        .encode(
            x=wq,
            y=bq,
            fill=alt.Fill(
                "what:N",
                title=None,
                scale=alt.Scale(
                    domain=marks["what"].tolist(), range=["white", "#ffdd57"][: len(marks)]
                ),
                legend=alt.Legend(orient="bottom", direction="vertical"),
            ),
            tooltip=["what:N", alt.Tooltip("w:Q", format=".4f"), alt.Tooltip("b:Q", format=".4f")],
        )
    )
    if arrow is not None:
        arrow_df = pd.DataFrame([arrow])
        layers.append(
            alt.Chart(arrow_df)
            .mark_rule(color="#d62728", strokeWidth=3, clip=True)
            .encode(
                x=alt.X("w0:Q", scale=xs, title="w"),
                y=alt.Y("b0:Q", scale=ys, title="b"),
                x2="w1:Q",
                y2="b1:Q",
            )
        )
        layers.append(
            alt.Chart(arrow_df)
            .mark_point(shape="triangle", filled=True, size=260, color="#d62728", opacity=1)
            .encode(
                x=alt.X("w1:Q", scale=xs, title="w"),
                y=alt.Y("b1:Q", scale=ys, title="b"),
                angle=alt.Angle("angle:Q", scale=None),
            )
        )
    layers.append(
        alt.Chart(pd.DataFrame([{"w": point[0], "b": point[1], "what": "current point"}]))
        .mark_circle(size=160, color="#d62728", stroke="white", strokeWidth=2, opacity=1)
        .encode(
            x=wq,
            y=bq,
            tooltip=["what:N", alt.Tooltip("w:Q", format=".4f"), alt.Tooltip("b:Q", format=".3f")],
        )
    )
    return (
        alt.layer(*layers)
        .properties(
            width=SURFACE_SIZE,
            height=SURFACE_SIZE,
            # "pad" keeps the plot area itself square (Streamlit's default "fit" would
            # squeeze it to make room for the legends).
            autosize=alt.AutoSizeParams(type="pad", contains="padding"),
        )
        .resolve_scale(color="independent", fill="independent")
    )


def fit_chart(x: list[float], t_c: list[float], w: float, b: float, x_title: str) -> alt.LayerChart:
    """Readings on the (normalized) input axis, the line w·x + b and its residuals (red)."""
    span = max(x) - min(x)
    dom = (min(x) - 0.08 * span, max(x) + 0.08 * span)
    data = pd.DataFrame({"x": x, "t_c": t_c, "t_p": [w * v + b for v in x]})
    line = pd.DataFrame({"x": list(dom), "t_p": [w * v + b for v in dom]})
    xe = alt.X("x:Q", title=x_title, scale=_axis_scale(*dom))
    ys = _axis_scale(-15.0, 40.0)
    residual = (
        alt.Chart(data)
        .mark_rule(color="#d62728", strokeWidth=2, opacity=0.7, clip=True)
        .encode(x=xe, y=alt.Y("t_c:Q", title="t_c (°C)", scale=ys), y2="t_p:Q")
    )
    fitted = (
        alt.Chart(line)
        .mark_line(color="#1f77b4", strokeWidth=3, clip=True)
        .encode(x=xe, y=alt.Y("t_p:Q", title="t_c (°C)", scale=ys))
    )
    points = (
        alt.Chart(data)
        .mark_circle(size=80, color="#1f3b73", opacity=0.9)
        .encode(
            x=xe,
            y=alt.Y("t_c:Q", title="t_c (°C)", scale=ys),
            tooltip=[
                alt.Tooltip("x:Q", format=".3f"),
                alt.Tooltip("t_c:Q", format=".1f"),
                alt.Tooltip("t_p:Q", title="prediction", format=".2f"),
            ],
        )
    )
    return alt.layer(residual, fitted, points).properties(height=SURFACE_SIZE)


def slice_chart(
    curve: pd.DataFrame,
    tangent: pd.DataFrame,
    at: float,
    loss_at: float,
    param: str,
    loss_title: str,
) -> alt.LayerChart:
    """Loss along one parameter (blue), the tangent at the current point (red dashes)."""
    lo, hi = float(curve["loss"].min()), float(curve["loss"].max())
    pad = 0.05 * (hi - lo) if hi > lo else 1.0
    ys = _axis_scale(lo - pad, hi + pad)
    xs = _axis_scale(float(curve["value"].min()), float(curve["value"].max()))
    base = (
        alt.Chart(curve)
        .mark_line(color="#1f77b4", strokeWidth=2.5)
        .encode(
            x=alt.X("value:Q", title=param, scale=xs),
            y=alt.Y("loss:Q", title=loss_title, scale=ys),
            tooltip=[
                alt.Tooltip("value:Q", title=param, format=".4f"),
                alt.Tooltip("loss:Q", format=",.4f"),
            ],
        )
    )
    tan = (
        alt.Chart(tangent)
        .mark_line(color="#d62728", strokeWidth=3, strokeDash=[8, 4], clip=True)
        .encode(x=alt.X("value:Q", scale=xs, title=param), y=alt.Y("loss:Q", scale=ys))
    )
    dot = (
        alt.Chart(pd.DataFrame({"value": [at], "loss": [loss_at]}))
        .mark_circle(size=120, color="#d62728", opacity=1)
        .encode(x=alt.X("value:Q", scale=xs, title=param), y=alt.Y("loss:Q", scale=ys))
    )
    return alt.layer(base, tan, dot).properties(height=260)


def penalty_chart(curves: pd.DataFrame, dots: pd.DataFrame, selected: str) -> alt.VConcatChart:
    """Per-residual penalty (top) and its slope (bottom) for each loss, side by side.

    The selected loss is drawn strongly with the current residuals as dots on it; L1's
    slope is drawn as two flat pieces, with hollow circles at the jump at r = 0.
    """
    top, bottom = [], []
    for name, title in LOSS_TITLES.items():
        part = curves[curves["loss"] == name]
        strong = name == selected
        colour = "#1f77b4" if strong else "#9e9e9e"
        label = f"{title} (selected)" if strong else title
        x = alt.X("r:Q", title="residual r = t_p − t_c")
        pen = (
            alt.Chart(part)
            .mark_line(color=colour, strokeWidth=3 if strong else 1.5)
            .encode(x=x, y=alt.Y("penalty:Q", title="penalty"))
        )
        slope = (
            alt.Chart(part)
            .mark_line(color=colour, strokeWidth=3 if strong else 1.5)
            .encode(x=x, y=alt.Y("slope:Q", title="slope d(penalty)/dr"), detail="piece:N")
        )
        pen_layers, slope_layers = [pen], [slope]
        if name == "l1":
            jump = pd.DataFrame({"r": [0.0, 0.0], "slope": [-1.0, 1.0]})
            slope_layers.append(
                alt.Chart(jump)
                .mark_point(size=60, color=colour, filled=False, strokeWidth=2)
                .encode(x="r:Q", y="slope:Q")
            )
        if strong and len(dots):
            tip = [
                alt.Tooltip("r:Q", format=".3f"),
                alt.Tooltip("penalty:Q", format=",.4f"),
                alt.Tooltip("slope:Q", format=".4f"),
            ]
            pen_layers.append(
                alt.Chart(dots)
                .mark_circle(size=70, color="#d62728", opacity=0.85)
                .encode(x="r:Q", y="penalty:Q", tooltip=tip)
            )
            slope_layers.append(
                alt.Chart(dots)
                .mark_circle(size=70, color="#d62728", opacity=0.85)
                .encode(x="r:Q", y="slope:Q", tooltip=tip)
            )
        top.append(alt.layer(*pen_layers).properties(title=label, width=200, height=140))
        bottom.append(alt.layer(*slope_layers).properties(width=200, height=140))
    return alt.vconcat(alt.hconcat(*top), alt.hconcat(*bottom))
