"""Altair charts for the pages. Each takes plain DataFrames or floats and returns a chart;
Streamlit's theme styles them. Data sent to the browser is kept small."""

from __future__ import annotations

import altair as alt
import pandas as pd

T_U_TITLE = "t_u (thermometer reading, unknown unit)"
T_C_TITLE = "t_c (°C)"
X_DOMAIN = (15.0, 90.0)
Y_DOMAIN = (-15.0, 40.0)


def readings_frame(t_u: list[float], t_c: list[float]) -> pd.DataFrame:
    """The readings as a table with readable column names."""
    return pd.DataFrame({"t_u (unknown)": t_u, "t_c (°C)": t_c})


def _x() -> alt.X:
    return alt.X("t_u:Q", title=T_U_TITLE, scale=alt.Scale(domain=X_DOMAIN, nice=False))


def _y(field: str = "t_c") -> alt.Y:
    return alt.Y(f"{field}:Q", title=T_C_TITLE, scale=alt.Scale(domain=Y_DOMAIN, nice=False))


def _points(data: pd.DataFrame) -> alt.Chart:
    return (
        alt.Chart(data)
        .mark_circle(size=90, opacity=0.9, color="#1f3b73")
        .encode(
            x=_x(),
            y=_y(),
            tooltip=[alt.Tooltip("t_u:Q", format=".1f"), alt.Tooltip("t_c:Q", format=".1f")],
        )
    )


def readings_scatter(t_u: list[float], t_c: list[float]) -> alt.Chart:
    """The 11 readings: unknown unit against Celsius."""
    return _points(pd.DataFrame({"t_u": t_u, "t_c": t_c})).properties(height=320)


def _line(w: float, b: float, name: str) -> pd.DataFrame:
    xs = list(X_DOMAIN)
    return pd.DataFrame({"t_u": xs, "t_c": [w * x + b for x in xs], "line": [name, name]})


def fit_chart(
    t_u: list[float],
    t_c: list[float],
    w: float,
    b: float,
    best: tuple[float, float] | None = None,
) -> alt.LayerChart:
    """Readings, the line w·t_u + b, its residuals as red rules, and optionally the best fit.

    Lines leaving the visible window are clipped rather than rescaling the axes, so the
    picture stays put while the sliders move.
    """
    data = pd.DataFrame({"t_u": t_u, "t_c": t_c, "t_p": [w * x + b for x in t_u]})
    residuals = (
        alt.Chart(data)
        .mark_rule(color="#d62728", strokeWidth=2, opacity=0.7, clip=True)
        .encode(x=_x(), y=_y(), y2="t_p:Q")
    )
    lines = _line(w, b, "your line")
    if best is not None:
        lines = pd.concat([lines, _line(best[0], best[1], "least-squares fit")])
    line = (
        alt.Chart(lines)
        .mark_line(clip=True, strokeWidth=3)
        .encode(
            x=_x(),
            y=_y(),
            color=alt.Color(
                "line:N",
                title=None,
                scale=alt.Scale(
                    domain=["your line", "least-squares fit"], range=["#1f77b4", "#2ca02c"]
                ),
                legend=alt.Legend(orient="top-left"),
            ),
            strokeDash=alt.StrokeDash(
                "line:N",
                scale=alt.Scale(domain=["your line", "least-squares fit"], range=[[1, 0], [6, 4]]),
                legend=None,
            ),
        )
    )
    return alt.layer(residuals, line, _points(data)).properties(height=360)
