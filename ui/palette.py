"""Every colour a chart draws with, in one place, chosen to read in both themes.

Two kinds of colour live here:

* **Ink** (axis labels, titles, legends, in-chart annotations) depends on the theme, since
  no single colour reaches 4.5:1 on both white and near-black. :func:`ink` picks the set
  for the theme the learner sees (``st.context.theme``); :func:`ui.vega.theme_config`
  puts it into every chart's Vega config.
* **Marks** (series, points, rules, rings) are one set for both themes: every colour here
  keeps at least 3:1 against both backgrounds, and colours drawn together in one chart
  stay at least ΔE 10 (CIEDE2000) apart for normal vision, protanopia and deuteranopia
  (Machado 2009). ``tests/test_contrast.py`` checks both with its own colour maths.

Marks drawn on the loss-surface heatmap (the path, the diamonds, the point's halo) are
judged against the heatmap, not the page, and keep their light colours.
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st


@dataclass(frozen=True)
class Ink:
    """Text colours for one theme; ``background`` is the theme's, as in config.toml."""

    kind: str
    background: str
    text: str
    muted: str
    grid: str


INKS = {
    "light": Ink("light", background="#ffffff", text="#2f2d2b", muted="#57564f", grid="#dddcd8"),
    "dark": Ink("dark", background="#171614", text="#edebe8", muted="#bdbcb6", grid="#3a3935"),
}


def ink() -> Ink:
    """The ink of the theme the learner's browser reports (light when it has not said).

    Streamlit learns the theme with each rerun, so after a switch in the settings menu
    chart text follows at the next interaction; the marks read in both meanwhile.
    """
    return INKS.get(st.context.theme.type or "light", INKS["light"])


# Marks, one set for both themes (Okabe–Ito hues, darkened or lightened to 3:1 on both).
BLUE = "#0072b2"
VERMILLION = "#d55e00"
GREEN = "#009e73"
PINK = "#cc79a7"
RED = "#d62728"
GREY = "#7a7977"
"""A neutral mark (rules, rings, guides): 4.3:1 on white, 4.2:1 on the dark background."""
READINGS = "#8c6bb1"
"""The eleven thermometer readings wherever they are drawn as points."""

HOME_LINES = {"your line": BLUE, "least-squares fit": VERMILLION}
LOSS_FUNCTIONS = {"mse": BLUE, "l1": VERMILLION, "huber": GREEN}
EIGEN_DIRECTIONS = ("#ff7f0e", "#17becf")
"""Drawn on the heatmap: the steep and the flat Hessian direction."""
FD_SCHEMES = {"forward": RED, "central": BLUE, "backward": GREEN}
FD_CURVES = {"exact": PINK, "rounded": GREEN, "tangent": BLUE, "estimate": RED}
"""The zoom on one estimate: the loss exact and as the dtype rounds it, the tangent and
the finite-difference slope (with red dots where the loss was taken)."""
REGIONS = {"too slow": BLUE, "converging": GREEN, "diverging": VERMILLION}
AUTOGRAD_RUNS = (BLUE, VERMILLION)
OVERFIT_SERIES = (BLUE, VERMILLION, GREY)
OVERFIT_ROLES = (BLUE, VERMILLION, GREY)
OPTIMIZERS = {
    "SGD": "#299dd4",
    "SGD + momentum": "#9a01eb",
    "SGD + Nesterov": "#459ea5",
    "Adagrad": "#097350",
    "RMSprop": "#b72a79",
    "Adadelta": "#9e9189",
    "Adam": "#e3031c",
    "AdamW": "#017b0d",
    "NAdam": "#ff4471",
    "RAdam": "#297b97",
    "LBFGS": "#00935a",
}
"""All eleven can be raced at once, so every pair keeps ΔE ≥ 11 in all three visions: a
hill climb from Okabe–Ito and Paul Tol's sets under that bound and 3:1 on both backgrounds."""
