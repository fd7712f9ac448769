"""Chart specs for "The loss surface": templates built with Altair once, filled per rerun.

The heatmap, contours and eigen-lines depend only on (normalization, loss, δ); the
current point, arrow, slices, fitted line and residual dots change with every click.
So each chart is a template (``functools.cache``: a handful of constant specs per
process, the same for every learner) whose big datasets arrive as ready Arrow bytes
from the page's ``st.cache_data``, and a rerun only adds a few small rows. A point
change then sends well under 150 KB and the browser only swaps the heatmap's data, never
rebuilds it (the small charts' descriptions quote the point, so those few are redrawn).
"""

from __future__ import annotations

from functools import cache

import altair as alt
import pandas as pd

from ui import palette
from ui.vega import frozen, with_data

SURFACE_HEIGHT = 500
"""Height of the heatmap chart in pixels, axis and colour legend included: on a 1400 px
screen its plot area is about as tall as its column is wide, so the square window looks
square (its width follows the column)."""
PICK = "pick"
"""Name of the heatmap's click selection (Streamlit reports it under this name)."""
LOSS_TITLES = {"mse": "MSE: r²", "l1": "L1: |r|", "huber": "Huber"}
EIGEN_NAMES = ("flattest (λ_min)", "steepest (λ_max)")
EIGEN_DASHES = ([10, 4], [2, 3])
"""Long dashes for the flattest direction, dots for the steepest: told apart without colour."""
MARK_NAMES = ("least-squares minimum", "lowest cell of this loss")
MARK_SHAPES = ("diamond", "square")
LOSS_DASHES = {"mse": [1, 0], "l1": [7, 3], "huber": [2, 2]}
"""Each loss's line style in the penalty panels: solid, dashed, dotted."""
X_TITLES = {
    "none": "t_u (raw reading)",
    "scale": "x = 0.1 · t_u",
    "standardize": "x = (t_u − mean) / std",
}
_POINT_RED = palette.RED


def _scale(lo: float, hi: float) -> alt.Scale:
    return alt.Scale(domain=[lo, hi], nice=False, zero=False)


@cache
def surface_template(
    w_range: tuple[float, float],
    b_range: tuple[float, float],
    cell: tuple[float, float],
    contours: bool,
    lowest: bool,
) -> dict:
    """The heatmap (log colours, grey where a log scale cannot go), MSE contours,
    eigen-directions, marks, the −∇L arrow and the current point, as one layered spec.

    ``cell`` is the grid's cell size (w, b). Datasets: grid, contours, eigen, marks
    (cached per settings) and arrow, point (per point). Clicking a cell selects its
    centre (selection ``pick``), which the page turns into the new point.
    """
    # Half a cell and 1 % more, so neighbouring cells overlap a hair: the canvas leaves no
    # background-coloured seams between them (a dark mesh in the dark theme). Plain floats:
    # their repr goes into Vega.
    hw, hb = float(cell[0]) * 0.505, float(cell[1]) * 0.505
    xs, ys = _scale(*w_range), _scale(*b_range)
    wq, bq = alt.X("w:Q", title="w", scale=xs), alt.Y("b:Q", title="b", scale=ys)
    grid = alt.Chart(alt.NamedData("grid")).transform_calculate(
        w0=f"datum.w - {hw!r}", w1=f"datum.w + {hw!r}", b0=f"datum.b - {hb!r}", b1=f"datum.b + {hb!r}",
    )
    edges = {"x": alt.X("w0:Q", title="w", scale=xs), "x2": "w1:Q",
             "y": alt.Y("b0:Q", title="b", scale=ys), "y2": "b1:Q"}
    pick = alt.selection_point(name=PICK, fields=["w", "b"], on="click", toggle=False,
                               clear=False, nearest=False)
    viridis = alt.Scale(type="log", scheme="viridis")
    # Each cell's edge in its own colour: no seams of page background between cells (a dark
    # mesh in the dark theme), as on the optimizer page's surface.
    layers = [
        grid.transform_filter("isFinite(datum.loss) && datum.loss > 0")
        .mark_rect(clip=True, cursor="crosshair", strokeWidth=0.6)
        .encode(
            **edges,
            stroke=alt.Stroke("loss:Q", legend=None, scale=viridis),
            color=alt.Color(
                "loss:Q", title="loss (log scale)", scale=viridis,
                # SI-prefixed labels (10k, 1M): full numbers ran past a phone's edge.
                legend=alt.Legend(orient="bottom", gradientLength=200, direction="horizontal",
                                 titleOrient="left", format="~s"),
            ),
            tooltip=[alt.Tooltip("w:Q", format=".4f"), alt.Tooltip("b:Q", format=".3f"),
                     alt.Tooltip("loss:Q", format=",.4g")],
        )
        .add_params(pick),
        grid.transform_filter("!isFinite(datum.loss) || datum.loss <= 0")
        .transform_calculate(note="'not finite or ≤ 0'")
        .mark_rect(color="#9e9e9e", stroke="#9e9e9e", strokeWidth=0.6, clip=True)
        .encode(**edges, tooltip=["note:N"]),
    ]
    if contours:
        layers.append(
            alt.Chart(alt.NamedData("contours"))
            .mark_line(color="white", strokeWidth=1, opacity=0.55, clip=True)
            .encode(x=wq, y=bq, detail="delta:N", order="order:Q",
                    tooltip=[alt.Tooltip("delta:Q", title="MSE above minimum", format=",g")])
        )
    layers.append(
        alt.Chart(alt.NamedData("eigen"))
        .mark_line(strokeWidth=2.5, clip=True)
        .encode(
            x=wq, y=bq,
            color=alt.Color("direction:N", title="MSE Hessian axes",
                            scale=alt.Scale(domain=list(EIGEN_NAMES), range=list(palette.EIGEN_DIRECTIONS)),
                            legend=None),  # named in the caption: legends beside it pan a phone
            strokeDash=alt.StrokeDash("direction:N", legend=None, scale=alt.Scale(
                domain=list(EIGEN_NAMES), range=list(EIGEN_DASHES))),
            tooltip=["direction:N", alt.Tooltip("eigenvalue:Q", format=",.4f")],
        )
    )
    marks = list(MARK_NAMES[: 2 if lowest else 1])
    layers.append(
        alt.Chart(alt.NamedData("marks"))
        .mark_point(size=200, filled=True, stroke="black", strokeWidth=1.5)
        .encode(
            x=wq, y=bq,
            fill=alt.Fill("what:N", title=None,
                          scale=alt.Scale(domain=marks, range=["white", "#ffdd57"][: len(marks)]),
                          legend=None),
            shape=alt.Shape("what:N", legend=None, scale=alt.Scale(
                domain=marks, range=list(MARK_SHAPES[: len(marks)]))),
            tooltip=["what:N", alt.Tooltip("w:Q", format=".4f"), alt.Tooltip("b:Q", format=".4f")],
        )
    )
    layers.append(
        alt.Chart(alt.NamedData("arrow"))
        .mark_rule(color=_POINT_RED, strokeWidth=3, clip=True)
        .encode(x=alt.X("w0:Q", scale=xs, title="w"), y=alt.Y("b0:Q", scale=ys, title="b"),
                x2="w1:Q", y2="b1:Q")
    )
    layers.append(
        alt.Chart(alt.NamedData("point"))
        .mark_circle(size=150, color=_POINT_RED, stroke="white", strokeWidth=2, opacity=1)
        .encode(x=wq, y=bq, tooltip=[alt.Tooltip("w:Q", format=".4f"),
                                     alt.Tooltip("b:Q", format=".3f")])
    )
    chart = (
        alt.layer(*layers)
        .properties(height=SURFACE_HEIGHT, usermeta={"embedOptions": {"renderer": "canvas"}})
        .resolve_scale(color="independent", fill="independent", strokeDash="independent",
                       shape="independent")
    )
    return frozen(chart)


def surface_spec(template: dict, point: tuple[float, float], arrow: list[dict]) -> dict:
    """The heatmap spec for the current point: only two tiny datasets change."""
    return with_data(template, {"point": [{"w": point[0], "b": point[1]}], "arrow": arrow})


@cache
def fit_template(x_title: str, x_domain: tuple[float, float]) -> dict:
    """Readings on the (normalized) input axis, the line w·x + b and its residuals (red).

    The y-axis follows the data, so the line and residuals stay on the chart wherever
    the point is.
    """
    xe = alt.X("x:Q", title=x_title, scale=_scale(*x_domain))
    y = alt.Y("t_c:Q", title="t_c (°C)", scale=alt.Scale(zero=False))
    pts = alt.NamedData("pts")
    residual = (alt.Chart(pts).mark_rule(color=_POINT_RED, strokeWidth=2, opacity=0.7)
                .encode(x=xe, y=y, y2="t_p:Q"))
    line = (alt.Chart(alt.NamedData("line")).mark_line(color=palette.BLUE, strokeWidth=3)
            .encode(x=xe, y=alt.Y("t_p:Q", title="t_c (°C)")))
    points = (
        alt.Chart(pts).mark_circle(size=70, color=palette.READINGS, opacity=0.9)
        .encode(x=xe, y=y, tooltip=[alt.Tooltip("x:Q", format=".3f"),
                                    alt.Tooltip("t_c:Q", format=".1f"),
                                    alt.Tooltip("t_p:Q", title="prediction", format=".2f")])
    )
    return frozen(alt.layer(residual, line, points).properties(height=240))


def fit_spec(template: dict, x: list[float], t_c: list[float], w: float, b: float) -> dict:
    """The fit chart for the line (w, b): 11 points and a two-point line."""
    lo, hi = template["layer"][0]["encoding"]["x"]["scale"]["domain"]
    pts = [{"x": u, "t_c": c, "t_p": w * u + b} for u, c in zip(x, t_c, strict=True)]
    return with_data(template, {"pts": pts, "line": [{"x": v, "t_p": w * v + b} for v in (lo, hi)]})


@cache
def slice_template(param: str, loss_title: str) -> dict:
    """Loss along one parameter (blue) and its tangent at the current point (red dashes)."""
    x = alt.X("value:Q", title=param, scale=alt.Scale(zero=False, nice=False))
    y = alt.Y("loss:Q", title=loss_title, scale=alt.Scale(zero=False))
    curve = alt.Chart(alt.NamedData("curve")).mark_line(color=palette.BLUE, strokeWidth=2.5).encode(
        x=x, y=y, tooltip=[alt.Tooltip("value:Q", title=param, format=".4f"),
                           alt.Tooltip("loss:Q", format=",.4f")])
    tangent = (alt.Chart(alt.NamedData("tangent"))
               .mark_line(color=_POINT_RED, strokeWidth=3, strokeDash=[8, 4], clip=True)
               .encode(x=x, y=y))
    dot = alt.Chart(alt.NamedData("dot")).mark_circle(size=110, color=_POINT_RED, opacity=1).encode(
        x=x, y=y)
    return frozen(alt.layer(curve, tangent, dot).properties(height=200))


def slice_spec(template: dict, curve: pd.DataFrame, tangent: pd.DataFrame, at: float,
               loss_at: float) -> dict:
    """One slice: its curve (downsampled to 81 points), tangent and the current point."""
    return with_data(template, {
        "curve": curve.to_dict("records"),
        "tangent": tangent.to_dict("records"),
        "dot": [{"value": at, "loss": loss_at}],
    })


@cache
def penalty_template(column: str, selected: str) -> dict:
    """What each loss charges one residual (``column="penalty"``) or that charge's slope
    (``"slope"``), all three losses in one panel with the selected one drawn strongly
    and the current residuals as red dots. L1's slope is drawn as two flat pieces with
    hollow circles at its jump at r = 0."""
    names = [LOSS_TITLES[k] for k in LOSS_TITLES]
    title = "penalty" if column == "penalty" else "slope d(penalty)/dr"
    x = alt.X("r:Q", title="residual r = t_p − t_c")
    y = alt.Y(f"{column}:Q", title=title)
    curves = (
        alt.Chart(alt.NamedData("curves"))
        .transform_calculate(name=f"{LOSS_TITLES!r}[datum.loss]".replace("'", '"'))
        .mark_line()
        .encode(
            x=x, y=y, detail="piece:N",
            color=alt.Color("name:N", title=None,
                            scale=alt.Scale(domain=names, range=[palette.LOSS_FUNCTIONS[k] for k in LOSS_TITLES]),
                            legend=alt.Legend(orient="bottom", symbolStrokeWidth=2.5)),
            strokeDash=alt.StrokeDash("name:N", title=None, scale=alt.Scale(
                domain=names, range=[LOSS_DASHES[k] for k in LOSS_TITLES]),
                legend=alt.Legend(orient="bottom", symbolStrokeWidth=2.5)),
            strokeWidth=alt.condition(f"datum.loss == '{selected}'", alt.value(3.5),
                                      alt.value(1.2)),
            opacity=alt.condition(f"datum.loss == '{selected}'", alt.value(1.0), alt.value(0.6)),
        )
    )
    dots = (
        alt.Chart(alt.NamedData("dots")).mark_circle(size=60, color=_POINT_RED, opacity=0.85)
        .encode(x="r:Q", y=f"{column}:Q", tooltip=[
            alt.Tooltip("r:Q", format=".3f"), alt.Tooltip("penalty:Q", format=",.4f"),
            alt.Tooltip("slope:Q", format=".4f")])
    )
    layers = [curves, dots]
    if column == "slope":
        jump = pd.DataFrame({"r": [0.0, 0.0], "slope": [-1.0, 1.0]})
        layers.insert(1, alt.Chart(jump).mark_point(size=50, filled=False, strokeWidth=2,
                                                    color=palette.LOSS_FUNCTIONS["l1"]).encode(x="r:Q", y="slope:Q"))
    return frozen(alt.layer(*layers).properties(height=200))


def penalty_spec(template: dict, curves: pd.DataFrame, dots: pd.DataFrame) -> dict:
    """A penalty panel for the current residuals."""
    return with_data(template, {"curves": curves.to_dict("records"),
                                "dots": dots.to_dict("records")})
