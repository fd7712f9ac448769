"""Contrast and colour-blind safety, computed with tests/colorimetry.py (no app code).

* the colour maths itself, on Sharma, Wu and Dalal's CIEDE2000 test pairs;
* both themes exist in config.toml, and every text colour a chart or the page styles
  use reaches 4.5:1 on each theme's background, every mark 3:1;
* every group of series drawn together stays ΔE ≥ 10 apart for normal vision,
  protanopia and deuteranopia;
* every chart the pages draw carries the theme's ink, and no text mark or axis brings a
  fixed colour of its own (which would escape the theme).
"""

from __future__ import annotations

import itertools
import tomllib

import numpy as np
import pytest
from colorimetry import MACHADO, ciede2000, contrast, delta_e, rgb
from conftest import ROOT, chart_specs, run_page

from ui import access, palette
from ui.catalog import PAGES
from ui.divergence import charts as divergence_charts
from ui.vega import theme_config

THEMES = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())["theme"]
KINDS = ("light", "dark")
VISIONS = (None, "protanopia", "deuteranopia")
CODE_BACKGROUNDS = {"light": "#fcfcfb", "dark": "#22211e"}
"""Streamlit's code-block backgrounds in each theme, as measured in Chromium."""

# Sharma, Wu and Dalal (2005), Table 1: pairs 1, 7, 17, 25 and 34.
SHARMA = [
    ((50.0, 2.6772, -79.7751), (50.0, 0.0, -82.7485), 2.0425),
    ((50.0, 0.0, 0.0), (50.0, -1.0, 2.0), 2.3669),
    ((50.0, 2.5, 0.0), (73.0, 25.0, -18.0), 27.1492),
    ((60.2574, -34.0099, 36.2677), (60.4626, -34.1751, 39.4387), 1.2644),
    ((2.0776, 0.0795, -1.135), (0.9033, -0.0636, -0.5514), 0.9082),
]
SERIES_GROUPS = {
    "home lines": palette.HOME_LINES,
    "loss functions": palette.LOSS_FUNCTIONS,
    "finite-difference schemes": palette.FD_SCHEMES,
    "finite-difference zoom": palette.FD_CURVES,
    "sweep regions": palette.REGIONS,
    "autograd runs": dict(enumerate(palette.AUTOGRAD_RUNS)),
    "overfitting losses": dict(enumerate(palette.OVERFIT_SERIES)),
    "overfitting points": dict(enumerate(palette.OVERFIT_ROLES)),
    "optimizers": palette.OPTIMIZERS,
}
MARKS = {
    "BLUE": palette.BLUE, "VERMILLION": palette.VERMILLION, "GREEN": palette.GREEN,
    "PINK": palette.PINK, "RED": palette.RED, "GREY": palette.GREY, "READINGS": palette.READINGS,
    **{f"{group}: {name}": colour for group, colours in SERIES_GROUPS.items()
       for name, colour in colours.items()},
}


@pytest.mark.parametrize(("lab1", "lab2", "expected"), SHARMA)
def test_ciede2000_matches_sharma(lab1, lab2, expected):
    assert ciede2000(np.array(lab1), np.array(lab2)) == pytest.approx(expected, abs=5e-5)
    assert ciede2000(np.array(lab2), np.array(lab1)) == pytest.approx(expected, abs=5e-5)


def test_machado_keeps_greys_and_merges_red_with_green():
    for matrix in MACHADO.values():
        assert matrix.sum(axis=1) == pytest.approx(np.ones(3), abs=1e-3)  # greys stay grey
    # The classic confusion: pure red and a green of similar lightness collapse for
    # dichromats while normal vision sees them far apart.
    assert delta_e("#ff0000", "#7a7a00") > 30
    assert delta_e("#ff0000", "#7a7a00", "protanopia") < delta_e("#ff0000", "#7a7a00") / 3
    assert delta_e("#ff0000", "#7a7a00", "deuteranopia") < delta_e("#ff0000", "#7a7a00") / 3


def test_wcag_contrast_reference_values():
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)
    assert rgb("#fff") == pytest.approx(np.ones(3))


@pytest.mark.parametrize("kind", KINDS)
def test_config_has_both_themes_with_the_palette_backgrounds(kind):
    section = THEMES[kind]
    assert section["backgroundColor"].lower() == palette.INKS[kind].background
    # Slider values and other accents are text drawn in primaryColor.
    assert contrast(section["primaryColor"], section["backgroundColor"]) >= 4.5
    assert "primaryColor" not in THEMES, "a single [theme] colour hides the theme choice"


@pytest.mark.parametrize("kind", KINDS)
def test_chart_ink_reaches_4_5_on_its_background(kind):
    ink = palette.INKS[kind]
    for part, values in theme_config(ink).items():
        for key, colour in values.items():
            if key == "gridColor":
                continue  # grid lines are decoration
            needed = 3.0 if key in ("domainColor", "tickColor") else 4.5
            assert contrast(colour, ink.background) >= needed, (part, key, colour)


@pytest.mark.parametrize("kind", KINDS)
def test_page_styles_reach_4_5_for_code_and_captions(kind):
    ink = palette.INKS[kind]
    text = rgb(ink.text)
    for name, hue in access.TOKEN_HUES.items():
        mix = access.TOKEN_MIX / 100 * rgb(hue) + (1 - access.TOKEN_MIX / 100) * text
        assert contrast(_hex(mix), CODE_BACKGROUNDS[kind]) >= 4.5, name
    alpha = access.CAPTION_ALPHA / 100
    caption = alpha * text + (1 - alpha) * rgb(ink.background)
    assert contrast(_hex(caption), ink.background) >= 4.5


@pytest.mark.parametrize("name", list(MARKS))
def test_marks_reach_3_on_both_backgrounds(name):
    for kind in KINDS:
        assert contrast(MARKS[name], palette.INKS[kind].background) >= 3.0, kind


@pytest.mark.parametrize("group", list(SERIES_GROUPS))
def test_series_drawn_together_stay_apart_for_colour_blind_eyes(group):
    colours = SERIES_GROUPS[group]
    for (a, ca), (b, cb) in itertools.combinations(colours.items(), 2):
        for vision in VISIONS:
            assert delta_e(ca, cb, vision) >= 10, (a, b, vision, round(delta_e(ca, cb, vision), 2))


def _hex(values: np.ndarray) -> str:
    return "#" + "".join(f"{round(float(v) * 255):02x}" for v in values)


def _walk(node, path=""):
    """Every dict inside a spec, with where it sits."""
    if isinstance(node, dict):
        yield path, node
        for key, value in node.items():
            yield from _walk(value, f"{path}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _walk(value, f"{path}/{i}")


@pytest.mark.parametrize("stem", [p.stem for p in PAGES])
def test_every_chart_carries_the_theme_ink_and_no_fixed_text_colour(stem):
    at = run_page(f"pages/{stem}.py")
    ink = palette.INKS["light"]  # AppTest reports no theme: the light ink
    specs = chart_specs(at)
    assert specs, "no chart on the page"
    for spec in specs:
        config = spec["config"]
        assert config["axis"]["labelColor"] == ink.muted
        assert config["legend"]["labelColor"] == ink.muted
        assert config["text"]["color"] == ink.text
        for where, node in _walk(spec):
            mark = node.get("mark")
            if isinstance(mark, dict) and mark.get("type") == "text":
                assert "color" not in mark and "fill" not in mark, where
                assert "color" not in node.get("encoding", {}), where
            for key in ("labelColor", "titleColor"):
                if key in node and "config" not in where:
                    assert node[key] == divergence_charts.ON_HEATMAP, (where, key)


@pytest.mark.parametrize("stem", [p.stem for p in PAGES])
def test_heatmap_cells_are_edged_in_their_own_colour(stem):
    """A rect mark filled by a quantity (a heatmap) strokes each cell in the same colour:
    without it, hairline seams of page background run between the cells, a dark mesh over
    the surface in the dark theme."""
    for spec in chart_specs(run_page(f"pages/{stem}.py")):
        for where, node in _walk(spec):
            mark, enc = node.get("mark"), node.get("encoding", {})
            kind = mark.get("type") if isinstance(mark, dict) else mark
            colour = enc.get("color", {})
            if kind == "rect" and colour.get("type") == "quantitative":
                assert enc.get("stroke", {}).get("field") == colour["field"], where
                assert enc["stroke"].get("scale") == colour.get("scale"), where
                assert mark.get("strokeWidth", 0) > 0, where
