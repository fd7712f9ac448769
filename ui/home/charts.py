"""Home's chart: the readings, the learner's line and its residuals, as one spec template.

The template is built with Altair once at import; each rerun fills in 11 rows and two
short lines and sets the y-axis range, so a slider drag costs almost nothing.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from ui import palette
from ui.vega import frozen, with_data

T_U_TITLE = "t_u (thermometer reading, unknown unit)"
T_C_TITLE = "t_c (°C)"
X_DOMAIN = (15.0, 90.0)
DATA_Y = (-15.0, 40.0)
LINE_NAMES = ("your line", "least-squares fit")
LINE_COLOURS = tuple(palette.HOME_LINES[name] for name in LINE_NAMES)


def y_domain(t_c: list[float], t_p: list[float]) -> tuple[float, float]:
    """A y range holding every reading and every prediction, so no residual leaves the chart.

    It never shrinks below the readings' own range, so the points stay put while the
    line is close to them, and it grows only when the line leaves that band.
    """
    lo = min(DATA_Y[0], *t_c, *t_p)
    hi = max(DATA_Y[1], *t_c, *t_p)
    pad = 0.04 * (hi - lo)
    return (lo - pad if lo < DATA_Y[0] else lo, hi + pad if hi > DATA_Y[1] else hi)


def _template() -> dict:
    x = alt.X("t_u:Q", title=T_U_TITLE, scale=alt.Scale(domain=X_DOMAIN, nice=False))
    y = alt.Y("t_c:Q", title=T_C_TITLE, scale=alt.Scale(domain=DATA_Y, nice=False))
    pts = alt.NamedData("pts")
    residuals = (
        alt.Chart(pts)
        .mark_rule(color=palette.RED, strokeWidth=2, opacity=0.7, clip=True)
        .encode(x=x, y=y, y2="t_p:Q")
    )
    line = (
        alt.Chart(alt.NamedData("lines"))
        .mark_line(clip=True, strokeWidth=3)
        .encode(
            x=x,
            y=y,
            color=alt.Color(
                "line:N",
                title=None,
                scale=alt.Scale(domain=list(LINE_NAMES), range=list(LINE_COLOURS)),
                legend=alt.Legend(orient="bottom"),
            ),
            strokeDash=alt.StrokeDash(
                "line:N",
                scale=alt.Scale(domain=list(LINE_NAMES), range=[[1, 0], [6, 4]]),
                legend=None,
            ),
        )
    )
    points = (
        alt.Chart(pts)
        .mark_circle(size=90, opacity=0.9, color=palette.READINGS)
        .encode(
            x=x,
            y=y,
            tooltip=[
                alt.Tooltip("t_u:Q", format=".1f"),
                alt.Tooltip("t_c:Q", format=".1f"),
                alt.Tooltip("t_p:Q", title="your prediction", format=".2f"),
            ],
        )
    )
    return frozen(alt.layer(residuals, line, points).properties(height=340))


TEMPLATE = _template()


def fit_spec(
    t_u: list[float], t_c: list[float], w: float, b: float, best: tuple[float, float] | None
) -> dict:
    """The chart for the line (w, b), with the least-squares line only once it is revealed.

    The legend lists only the lines drawn, so nothing hints at the answer early.
    """
    t_p = [w * x + b for x in t_u]
    lines = [(LINE_NAMES[0], w, b)] + ([(LINE_NAMES[1], *best)] if best else [])
    rows = [
        {"t_u": x, "t_c": lw * x + lb, "line": name}
        for name, lw, lb in lines
        for x in X_DOMAIN
    ]
    spec = with_data(
        TEMPLATE,
        {"pts": [{"t_u": u, "t_c": c, "t_p": p} for u, c, p in zip(t_u, t_c, t_p, strict=True)],
         "lines": rows},
    )
    lo, hi = y_domain(t_c, t_p)
    spec["layer"] = [_with_y_domain(layer, lo, hi, len(lines)) for layer in TEMPLATE["layer"]]
    return spec


def _with_y_domain(layer: dict, lo: float, hi: float, n_lines: int) -> dict:
    layer = {**layer, "encoding": dict(layer["encoding"])}
    y = dict(layer["encoding"]["y"])
    y["scale"] = {**y["scale"], "domain": [lo, hi]}
    layer["encoding"]["y"] = y
    if "color" in layer["encoding"]:
        colour = dict(layer["encoding"]["color"])
        colour["scale"] = {
            "domain": list(LINE_NAMES[:n_lines]),
            "range": list(LINE_COLOURS[:n_lines]),
        }
        layer["encoding"]["color"] = colour
        dash = dict(layer["encoding"]["strokeDash"])
        dash["scale"] = {"domain": list(LINE_NAMES[:n_lines]), "range": [[1, 0], [6, 4]][:n_lines]}
        layer["encoding"]["strokeDash"] = dash
    return layer


def readings_frame(t_u: list[float], t_c: list[float]) -> pd.DataFrame:
    """The readings as a narrow table."""
    return pd.DataFrame({"t_u": t_u, "t_c (°C)": t_c})
