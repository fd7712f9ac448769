"""AppTest for the Finite differences page: every number it shows, checked independently,
and the code panel's script run and compared with the page.

The independent side is plain Python in float64 on the readings as float32 holds them,
and numpy float32/float64 for the finite differences, whose last digits depend on the
dtype and on the order of summation.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from conftest import run_page
from reference import fd_numpy, grad64, mean_x2, mse64, run_printed

import thermo_core as tc
from thermo_core.lessons import finite_differences as FD
from thermo_core.numbers import parse
from ui.finite_differences.code import PRINTED, script
from ui.finite_differences.text import accuracy_summary

PAGE = "pages/finite_differences.py"
EPS = {"float32": 2.0**-23, "float64": 2.0**-52}


# --- reading the page ------------------------------------------------------------------


def num(text: str) -> float:
    """A displayed number: '4,517.297363', '8.0e−4', '0 (exact)', '∞'."""
    return 0.0 if text.startswith("0 (exact)") else parse(text)


def digits_tol(text: str) -> float:
    """Half a unit in the last displayed place (plus a little)."""
    if text.startswith("0 (exact)"):
        return 0.0
    t = text.replace("−", "-").replace(",", "")
    mantissa, _, exp = t.partition("e")
    places = len(mantissa.split(".")[1]) if "." in mantissa else 0
    return 0.51 * 10.0**-places * (10.0 ** int(exp) if exp else 1.0)


def gradients(at) -> dict:
    """{method: {"w": (value text, relative error text), "b": ...}} as displayed."""
    out: dict = {}
    for k, p in enumerate(FD.WRT):
        frame = at.table[k].value
        for method, row in frame.iterrows():
            out.setdefault(method, {})[p] = (row[f"∂L/∂{p}"], row["relative error"])
    return out


def inside(at) -> dict[str, str]:
    frame = at.table[2].value
    return {label: frame.iloc[i, 0] for i, label in enumerate(frame.index)}


def step_table(at) -> dict[str, list[str]]:
    frame = at.table[3].value
    return {label: list(frame.loc[label]) for label in frame.index}


def frames(at, chart: int) -> dict:
    """The named datasets one chart was sent, as DataFrames."""
    el = at.get("vega_lite_chart")[chart]
    return {d.name: pa.ipc.open_stream(d.data.data).read_all().to_pandas() for d in el.proto.datasets}


def settings(at) -> tuple:
    return (
        float(at.select_slider(key="delta").value),
        at.radio(key="scheme").value,
        at.radio(key="dtype").value,
        at.slider(key="fd_w").value,
        at.slider(key="fd_b").value,
        at.radio(key="fd_wrt").value,
    )


def shown_text(at) -> list[str]:
    """Every string the page shows in markdown, captions, alerts, tables and metrics."""
    texts = [x.value for x in (*at.markdown, *at.caption, *at.warning, *at.info, *at.error)]
    for table in at.table:
        texts += [str(v) for v in table.value.to_numpy().ravel()] + [str(i) for i in table.value.index]
    return texts + [m.value for m in at.metric]


def check_gradient_table(at, delta, scheme, dtype, w, b):
    shown = gradients(at)
    exact = grad64(w, b)
    for k, p in enumerate(("w", "b")):
        ref_text = shown["reference"][p][0]
        assert num(ref_text) == pytest.approx(exact[k], abs=digits_tol(ref_text))
        assert shown["reference"][p][1] == "—"
        value_text, rel_text = shown["finite difference"][p]
        est, tol = fd_numpy(w, b, delta, scheme, dtype, k)
        assert num(value_text) == pytest.approx(est, abs=tol + digits_tol(value_text))
        rel = abs(est - exact[k]) / abs(exact[k])
        assert num(rel_text) == pytest.approx(rel, rel=0.06, abs=tol / abs(exact[k]) + 1e-12)
        for method in ("analytic", "autograd"):
            v_text, r_text = shown[method][p]
            tol = 2e-6 * abs(exact[k]) + 1e-4 if dtype == "float32" else 1e-6
            assert num(v_text) == pytest.approx(exact[k], abs=tol)
            assert num(r_text) * abs(exact[k]) <= tol
    assert f"({scheme}, δ = {FD.delta_label(delta)}, {dtype})" in " ".join(m.value for m in at.markdown)


# --- the chapter, URLs and widgets -------------------------------------------------------


def test_defaults_reproduce_the_chapter():
    at = run_page(PAGE)
    assert settings(at) == (0.1, "central", "float32", 1.0, 0.0, "w")
    check_gradient_table(at, 0.1, "central", "float32", 1.0, 0.0)
    shown = gradients(at)
    for method in ("finite difference", "analytic", "autograd"):
        got = (num(shown[method]["w"][0]), num(shown[method]["b"][0]))
        assert got == pytest.approx((4517.2969, 82.6000), rel=1e-3)  # the book's print
    assert num(shown["autograd"]["w"][0]) == pytest.approx(4517.2969, abs=1e-4)
    assert not at.warning and not at.error
    assert len(at.get("vega_lite_chart")) == 2


@pytest.mark.parametrize(
    ("delta", "scheme", "dtype", "w", "b"),
    [
        (1e-7, "central", "float32", 1.0, 0.0),
        (1e-7, "central", "float64", 1.0, 0.0),
        (1.0, "forward", "float64", 1.0, 0.0),
        (0.002, "backward", "float32", 0.5, -10.0),
        (10.0, "forward", "float32", -1.0, 40.0),
        (1e-12, "forward", "float64", 2.0, -40.0),
        (1e4, "central", "float64", 1.0, 0.0),
    ],
)
def test_url_settings_reopen_the_view_and_every_gradient_is_right(delta, scheme, dtype, w, b):
    query = {"delta": FD.delta_label(delta), "scheme": scheme, "dtype": dtype, "fd_w": f"{w:g}", "fd_b": f"{b:g}"}
    at = run_page(PAGE, query)
    assert settings(at)[:5] == (delta, scheme, dtype, w, b)
    assert not at.error
    check_gradient_table(at, delta, scheme, dtype, w, b)


def test_each_widget_drives_the_page():
    at = run_page(PAGE)
    at.select_slider(key="delta").set_value("0.002").run()
    check_gradient_table(at, 0.002, "central", "float32", 1.0, 0.0)
    at.radio(key="scheme").set_value("backward").run()
    assert set(frames(at, 0)["sweep"]["scheme"]) == {"forward", "central", "backward"}
    at.radio(key="dtype").set_value("float64").run()
    at.slider(key="fd_w").set_value(1.5).run()
    at.slider(key="fd_b").set_value(-20.0).run()
    check_gradient_table(at, 0.002, "backward", "float64", 1.5, -20.0)
    at.radio(key="fd_wrt").set_value("b").run()
    parts = inside(at)
    assert num(parts["b as stored"]) == -20.0
    shown = gradients(at)["finite difference"]["b"][0]
    assert num(parts["estimate of ∂L/∂b"]) == pytest.approx(num(shown), abs=digits_tol(shown))
    sweep = frames(at, 0)["sweep"]
    g_b = grad64(1.5, -20.0)[1]
    ok = sweep["outcome"] == "estimate"
    assert sweep[ok]["plot"].tolist() == pytest.approx(
        [abs(e - g_b) / abs(g_b) for e in sweep[ok]["estimate"]], rel=1e-6
    )


def test_bad_url_parameters_fall_back_to_defaults_with_a_plain_note():
    for query in ({"delta": "abc"}, {"delta": "0.3"}, {"scheme": "foo"}, {"dtype": "float16"},
                  {"fd_w": "nan"}, {"fd_b": "99"}, {"fd_wrt": "c"}):
        at = run_page(PAGE, query)
        assert settings(at) == (0.1, "central", "float32", 1.0, 0.0, "w")
        assert len(at.warning) == 1 and not at.error
        assert any(t.value.startswith(next(iter(query))) for t in at.text)


def test_every_widget_has_help_text():
    at = run_page(PAGE)
    widgets = [*at.slider, *at.select_slider, *at.radio, *at.button]
    assert len(widgets) == 2 + 1 + 3 + 4
    assert all(w.help for w in widgets)


# --- the V (bug 7) ---------------------------------------------------------------------


def test_error_chart_draws_every_v_with_its_bottom():
    at = run_page(PAGE)
    data = frames(at, 0)
    sweep = data["sweep"]
    grid = FD.delta_grid()
    assert grid[0] == 1e-12 and grid[-1] == 1e4
    assert len(sweep) == 2 * 2 * len(grid)
    g = grad64(1.0, 0.0)[0]
    for row in sweep.itertuples():
        est, tol = fd_numpy(1.0, 0.0, row.delta, row.scheme, row.dtype, 0)
        assert row.estimate == pytest.approx(est, abs=tol)
        if row.outcome == "exact":
            assert row.plot == pytest.approx(1e-17)
        elif row.outcome == "collapsed":
            assert row.estimate == 0 and row.plot == 1.0
        else:
            assert row.plot == pytest.approx(abs(row.estimate - g) / g, rel=1e-9)
    # every curve falls to a bottom strictly inside the grid and rises again on both sides
    for (scheme, dtype), rows in sweep.groupby(["scheme", "dtype"]):
        errs = rows.sort_values("delta")["plot"].to_numpy()
        bottom = errs.min()
        assert errs[0] > 1e3 * bottom and errs[-1] > 1e3 * bottom, (scheme, dtype)
        low = np.flatnonzero(errs == bottom)
        assert low[0] > 0 and low[-1] < len(errs) - 1
    # float64 forward bottoms near 1e-8; float64 central rises again only past δ = 100
    f64 = sweep[(sweep["dtype"] == "float64") & (sweep["scheme"] == "forward")]
    assert 1e-9 <= f64.loc[f64["plot"].idxmin(), "delta"] <= 1e-7
    c64 = sweep[(sweep["dtype"] == "float64") & (sweep["scheme"] == "central")].set_index("delta")["plot"]
    assert c64[1e4] > 1e-13 > c64[1.0]
    # the ring, the model (closed form for central float32) and the predicted bottom
    assert data["here"][["scheme", "dtype", "delta"]].values.tolist() == [["central", "float32", 0.1]]
    L, curv = mse64(1.0, 0.0), 2 * mean_x2()
    expect = [EPS["float32"] * (L / d + curv * d / 2) / g for d in data["model"]["delta"]]
    assert data["model"]["plot"].tolist() == pytest.approx(expect, rel=1e-9)
    assert data["best"]["delta"].iloc[0] == pytest.approx(math.sqrt(2 * L / curv))


def test_the_page_says_why_central_has_no_truncation_here():
    text = " ".join(m.value for m in run_page(PAGE).markdown)
    assert "Central differences have no truncation error here" in text
    assert "parabola" in text and "parallel to the tangent" in text


def test_zoom_chart_draws_the_loss_tangent_and_chord():
    at = run_page(PAGE, {"delta": "0.5", "scheme": "forward", "dtype": "float64"})
    data = frames(at, 1)
    lines, dots = data["lines"], data["dots"]
    g = grad64(1.0, 0.0)[0]
    exact = lines[lines["curve"] == "loss, exact (float64)"]
    assert exact["offset"].min() == pytest.approx(-1.25) and exact["offset"].max() == 1.25
    for row in exact.iloc[::6].itertuples():
        assert row.value == pytest.approx(mse64(1.0 + row.offset, 0.0) - mse64(1.0, 0.0), abs=1e-6)
    tangent = lines[lines["curve"] == "tangent: the true slope"]
    assert tangent["value"].tolist() == pytest.approx([g * t for t in tangent["offset"]])
    chord = lines[lines["curve"] == "finite-difference slope"]
    slope = (chord["value"].iloc[1] - chord["value"].iloc[0]) / 2.5
    assert slope == pytest.approx((mse64(1.5, 0.0) - mse64(1.0, 0.0)) / 0.5, rel=1e-9)
    assert dots["offset"].tolist() == pytest.approx([0.0, 0.5])
    assert len(data["samples"]) == 61


def test_inside_one_estimate_shows_the_rounded_ingredients():
    at = run_page(PAGE, {"delta": "1e-07"})
    parts = inside(at)
    one, d = np.float32(1.0), np.float32(1e-7)
    assert num(parts["w + δ as stored"]) == float(one + d) == 1.0 + 2.0**-23
    assert num(parts["step really taken"]) == 2.0**-23
    l_up, l_down = num(parts["L at w + δ"]), num(parts["L at w − δ"])
    assert l_up == pytest.approx(mse64(1.0 + 2.0**-23, 0.0), abs=4 * 2.0**-13)
    assert l_up / 2.0**-13 == round(l_up / 2.0**-13)  # a whole number of float32 steps
    assert num(parts["numerator"]) == l_up - l_down
    est = num(parts["estimate of ∂L/∂w"])
    assert est == pytest.approx(num(gradients(at)["finite difference"]["w"][0]), abs=1e-6)
    assert abs(est - grad64(1.0, 0.0)[0]) / grad64(1.0, 0.0)[0] > 0.2


# --- collapse and overflow (bug 6, issue 9 item 5) ------------------------------------------


def test_collapse_is_explained_on_the_page():
    at = run_page(PAGE, {"delta": "1e-06", "fd_wrt": "b"})
    parts = inside(at)
    assert parts["L at b + δ"] == parts["L at b"] == parts["L at b − δ"]
    assert any("∂L/∂b collapsed to exactly 0" in w.value for w in at.warning)
    assert num(gradients(at)["finite difference"]["b"][1]) == 1.0
    at = run_page(PAGE, {"delta": "1e-08"})
    texts = [x.value for x in at.warning]
    assert any("w + δ rounds back to w" in t for t in texts)


def test_fixed_step_says_the_estimate_collapsed():
    at = run_page(PAGE, {"delta": "1e-07"})
    *_, fixed = zip(*step_table(at).values(), strict=True)
    assert num(fixed[1]) == 0.0  # b did not move ...
    assert any("leaves b where it was" in i.value and "collapsed to 0" in i.value for i in at.info)
    assert not any("leaves w" in i.value for i in at.info)
    at = run_page(PAGE, {"delta": "1e-08"})  # both collapse: one box names both
    [box] = [i.value for i in at.info if "fixed step" in i.value]
    assert "leaves w and b where they were" in box
    at = run_page(PAGE)  # ... and at the chapter's δ nothing collapses
    assert not at.info


def test_overflow_of_the_buggy_step_is_a_warning_not_an_error():
    for delta in ("5e-06", "1e-08", "1e-12"):
        at = run_page(PAGE, {"delta": delta})
        assert not at.error
        [warning] = [w for w in at.warning if "overflowed float32" in w.value]
        assert "3.4e38" in warning.value
        steps = step_table(at)
        assert steps["loss"][1] == "∞"
        w_new, b_new = (num(steps[k][1]) for k in ("w", "b"))
        if math.isfinite(b_new):
            # the sum of squares it quotes is the float64 one at that point, and too big
            quoted = num(re.search(r"add up to about (\S+),", warning.value).group(1))
            assert quoted == pytest.approx(11 * mse64(w_new, b_new), rel=2e-3)
            assert quoted > float(np.finfo(np.float32).max)
        else:
            assert "its slope for b passes float32's largest number" in warning.value


# --- spot the bug follows the dtype (bug 4) and big numbers (bug 5) ----------------------------


def test_spot_the_bug_reproduces_the_notes_in_float32():
    at = run_page(PAGE)
    text = " ".join(m.value for m in at.markdown)
    assert "**−4,462.7925**" in text and "**4,517.2974**" in text
    assert mse64(1.1, 0) - mse64(0.9, 0) / 0.2 == pytest.approx(-4462.7925, abs=2e-3)
    start, bug, good = zip(*step_table(at).values(), strict=True)
    assert [num(v) for v in start] == pytest.approx([1.0, 0.0, mse64(1.0, 0.0)], abs=4 * 2.0**-13)
    assert num(bug[0]) == pytest.approx(45.6279, abs=1e-4) and num(bug[1]) == 242388.0
    assert num(bug[2]) == pytest.approx(mse64(45.62792205810547, 242388.0), rel=1e-4)
    w_fix = num(good[0])
    assert w_fix == pytest.approx(1.0 - 1e-2 * grad64(1.0, 0.0)[0], abs=1e-4)
    assert num(good[1]) == pytest.approx(-1e-2 * grad64(w_fix, 0.0)[1], abs=0.1)


def test_spot_the_bug_follows_the_pages_dtype():
    at = run_page(PAGE)
    [button] = [b for b in at.button if b.label == "Same δ in float64"]
    button.click().run()
    text = " ".join(m.value for m in at.markdown)
    assert "in float64: a − c/(2δ)" in text
    fixed = re.search(r"\(a − c\)/\(2δ\) = \*\*([^*]+)\*\*", text).group(1)
    table_fd = gradients(at)["finite difference"]["w"][0]
    assert num(fixed) == pytest.approx(num(table_fd), abs=1e-3)  # 4,517.2966, not 6,103.5156
    assert num(fixed) == pytest.approx(grad64(1.0, 0.0)[0], abs=1e-3)
    a, c = mse64(1.0 + 1e-7, 0.0), mse64(1.0 - 1e-7, 0.0)
    buggy = re.search(r"a − c/\(2δ\) = .*? = \*\*([^*]+)\*\*", text).group(1)
    assert num(buggy) == pytest.approx(a - c / 2e-7, abs=digits_tol(buggy))
    assert not any("overflowed" in w.value for w in at.warning)  # float64 holds it


def test_huge_numbers_are_scientific_everywhere():
    for query in ({"delta": "1e-06", "dtype": "float64"}, {"delta": "1e-12"}, {"delta": "10000"}, {}):
        at = run_page(PAGE, query)
        for text in shown_text(at):
            assert not re.search(r"\d{1,3}(,\d{3}){3,}", text), text  # ≥ 1e9 written out
            assert not re.search(r"\d[\d,]*\.\d+e[+-]", text), text  # python-style exponents
        assert "1,143,707,500,057,217,130,823,680" not in " ".join(shown_text(at))


def test_cost_table_counts_evaluations():
    at = run_page(PAGE)
    frame = at.table[4].value
    assert [parse(p.removeprefix("P = ")) for p in frame.index] == [2, 1000, 10**6, 10**9]
    years = 2 * 10**9 / (365.25 * 86400)
    for (label, row), central in zip(frame.iterrows(), ["4 s", f"{2000 / 60:.0f} min",
                                     f"{2 * 10**6 / 86400:.0f} days", f"{years:.0f} years"], strict=True):
        p = parse(label.removeprefix("P = "))
        assert parse(row["central FD"].removesuffix(" losses")) == 2 * p
        assert row["autograd"] == "≈ 3 passes"
        assert row["at 1 s per pass"] == f"{central} vs 3 s"


# --- presets: claims generated from the numbers (bug 3) ------------------------------------------


PRESET_SETTINGS = {
    "The chapter's estimate": (0.1, "central", "float32"),
    "Tiny δ in float32": (1e-7, "central", "float32"),
    "Same δ in float64": (1e-7, "central", "float64"),
    "Forward with a big δ": (1.0, "forward", "float64"),
}


def _box(at, label: str) -> str:
    [box] = [i.value for i in at.info if i.value.startswith(f"**{label}:**")]
    return box


@pytest.mark.parametrize("label", list(PRESET_SETTINGS))
def test_presets_set_the_controls_and_their_claims_match_the_numbers(label):
    at = run_page(PAGE, {"fd_w": "0.5", "fd_b": "-10", "fd_wrt": "b", "delta": "5"})
    [button] = [b for b in at.button if b.label == label]
    button.click().run()
    delta, scheme, dtype = PRESET_SETTINGS[label]
    assert settings(at) == (delta, scheme, dtype, 1.0, 0.0, "w")
    check_gradient_table(at, delta, scheme, dtype, 1.0, 0.0)
    box, shown = _box(at, label), gradients(at)
    g = grad64(1.0, 0.0)
    if label in ("The chapter's estimate", "Same δ in float64"):
        for p in ("w", "b"):
            assert f"relative {shown['finite difference'][p][1]} in ∂L/∂{p}" in box or (
                f"and {shown['finite difference'][p][1]} in ∂L/∂{p}" in box
            )
    if label == "The chapter's estimate":
        assert "no closer" not in box and "7 significant digits" in box
        fd_rel = [abs(fd_numpy(1.0, 0.0, 0.1, "central", "float32", k)[0] - g[k]) / g[k] for k in (0, 1)]
        for p, k in (("w", 0), ("b", 1)):
            ratio = num(shown["finite difference"][p][1]) / num(shown["analytic"][p][1])
            assert ratio > 1.5  # analytic really is closer, independently of the page ...
            assert fd_rel[k] > 1.5 * abs(num(shown["analytic"][p][0]) - g[k]) / g[k]
            said = re.search(r"analytic is ([\d.,]+)× closer for ∂L/∂w and ([\d.,]+)× closer", box)
            assert num(said.group(k + 1)) == pytest.approx(ratio, rel=0.15)  # ... and by how much
    elif label == "Tiny δ in float32":
        rel_w = (num(shown["finite difference"]["w"][0]) - g[0]) / g[0]
        assert f"{100 * rel_w:.0f} % too big" in box
        assert num(shown["finite difference"]["b"][0]) == 0.0 and "∂L/∂b collapses to exactly 0" in box
        assert repr(1.0 + 2.0**-23) in box
    elif label == "Same δ in float64":
        assert "about 10 significant digits" in box and "analytic is exact" in box
    else:
        # δ = 1 forward: the truncation error is ∂²L/∂w² · δ / 2 = mean(t_u²), relative to ∂L/∂w
        assert f"a relative error of {mean_x2() / g[0]:.2f}" in box
        assert num(shown["finite difference"]["w"][0]) == pytest.approx(g[0] + mean_x2(), rel=1e-6)
        assert shown["finite difference"]["w"][0] in box and shown["reference"]["w"][0] in box
        at.radio(key="scheme").set_value("central").run()
        assert abs(num(gradients(at)["finite difference"]["w"][0]) - g[0]) < 1e-6  # no truncation
        assert not [i for i in at.info if i.value.startswith(f"**{label}:**")]  # box went away


# --- the code panel ------------------------------------------------------------------------


def page_numbers(at) -> dict[str, str]:
    """The page's displayed text for each name the script prints."""
    shown = {}
    grads = gradients(at)
    for method, prefix in (("finite difference", "fd"), ("analytic", "analytic"),
                           ("autograd", "autograd"), ("reference", "reference")):
        for p in ("w", "b"):
            shown[f"{prefix}_d{p}"] = grads[method][p][0]
    text = " ".join(m.value for m in at.markdown)
    shown["buggy_dw"], shown["fixed_dw"] = re.findall(r"= \*\*([^*]+)\*\*", text)[:2]
    steps = step_table(at)
    shown["loss_before"] = steps["loss"][0]
    for col, prefix in ((1, "buggy"), (2, "fixed")):
        shown[f"{prefix}_w_new"], shown[f"{prefix}_b_new"] = steps["w"][col], steps["b"][col]
        shown[f"{prefix}_loss_after"] = steps["loss"][col]
    return shown


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"delta": "1e-07"},
        {"delta": "1e-07", "dtype": "float64"},
        {"delta": "1", "scheme": "forward", "dtype": "float64"},
        {"delta": "0.005", "scheme": "backward", "fd_w": "0.5", "fd_b": "-10"},
        {"delta": "1e-08", "scheme": "forward", "fd_w": "-0.75", "fd_b": "33.3"},
    ],
)
def test_the_shown_code_prints_the_numbers_the_page_shows(query):
    at = run_page(PAGE, query)
    code = at.code[-1].value
    assert [ln for ln in code.splitlines() if ln.startswith(("import", "from"))] == ["import torch"]
    printed = run_printed(code, "<page snippet>")
    assert list(printed) == list(PRINTED)
    shown = page_numbers(at)
    for name in PRINTED:
        text, value = shown[name], printed[name]
        if math.isinf(value):
            assert text == "∞", name
        else:
            assert num(text) == pytest.approx(value, abs=digits_tol(text), rel=1e-4 if "e" in text else 0), name
    assert code == script(tc.book(), *settings(at)[3:5], settings(at)[0], *settings(at)[1:3]).rstrip("\n")


def test_the_chapter_script_prints_the_books_numbers():
    printed = run_printed(script(tc.book(), 1.0, 0.0, 0.1, "central", "float32"), "<page snippet>")
    assert printed["autograd_dw"] == pytest.approx(4517.2969, abs=1e-4)
    assert printed["autograd_db"] == pytest.approx(82.6, abs=1e-4)
    assert printed["buggy_dw"] == pytest.approx(-4462.7925, abs=1e-4)
    assert printed["buggy_w_new"] == pytest.approx(45.6279, abs=1e-4)
    assert printed["buggy_b_new"] == 242388.0
    with pytest.raises(ValueError):
        script(tc.book(), 1.0, 0.0, 0.1, "sideways", "float32")
    with pytest.raises(ValueError):
        script(tc.book(), 1.0, 0.0, 0.1, "central", "float16")


def test_accuracy_summary_is_generated_from_the_table():
    def table(fd_w, an_w, au_w, fd_b, an_b, au_b):
        rows = [("finite difference", fd_w, fd_b), ("analytic", an_w, an_b), ("autograd", au_w, au_b),
                ("reference", 0.0, 0.0)]
        return pd.DataFrame([{"method": m, "wrt": p, "rel_error": r}
                             for m, rw, rb in rows for p, r in (("w", rw), ("b", rb))])

    text = accuracy_summary(table(1.8e-7, 3.9e-8, 6.9e-8, 6.2e-6, 4.2e-8, 4.2e-8))
    assert "relative 1.8e−7 in ∂L/∂w (about 7 significant digits)" in text
    assert "6.2e−6 in ∂L/∂b (about 5 significant digits)" in text
    assert "analytic is 4.6× closer for ∂L/∂w and 150× closer for ∂L/∂b" in text
    assert "autograd is 2.6× closer for ∂L/∂w" in text
    text = accuracy_summary(table(1e-8, 2e-8, 1e-8, 1.0, 0.0, 0.0))
    assert "analytic is 2.0× further off for ∂L/∂w and exact for ∂L/∂b" in text
    assert "autograd is exactly as close for ∂L/∂w" in text
    assert "1.0 in ∂L/∂b (no correct digit)" in text
