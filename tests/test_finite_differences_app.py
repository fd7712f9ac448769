"""AppTest for the Finite differences page: every number it shows, checked independently.

The independent side is plain Python in float64 on the readings as float32 holds them,
and numpy float32/float64 for the finite differences, whose last digits depend on the
dtype and on the order of summation.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from conftest import as_number, chart_frames, metric_value, run_page
from reference import fd_numpy, grad64, mean_x2, mse64

import thermo_core as tc

PAGE = "pages/finite_differences.py"
EPS = {"float32": 2.0**-23, "float64": 2.0**-52}


# --- displayed numbers -----------------------------------------------------------------


def num(text: str) -> float:
    """A displayed number: '4,517.297363', '8.02e-04', '0 (exact)', 'inf'."""
    text = text.strip()
    if text.startswith("0 (exact)"):
        return 0.0
    return as_number(text)


def decimals_tol(text: str) -> float:
    """Half a unit in the last displayed place (plus a little), for comparing shown values."""
    if text.startswith("0 (exact)"):
        return 0.0
    mantissa = text.split("e")[0]
    places = len(mantissa.split(".")[1]) if "." in mantissa else 0
    scale = 10 ** int(text.split("e")[1]) if "e" in text else 1.0
    return 0.51 * 10.0**-places * scale


# --- reading the page ------------------------------------------------------------------


def gradients(at) -> dict:
    """{method: {"w": (value, abs_err, rel_err), "b": ...}} as displayed, plus raw text."""
    frame = at.table[0].value
    out = {}
    for label, row in frame.iterrows():
        method = re.match(r"[A-Za-z]+", label).group().lower()
        out[method] = {"label": label}
        for p in ("w", "b"):
            out[method][p] = (
                row[f"∂L/∂{p}"],
                row[f"error in ∂L/∂{p}"],
                row[f"relative error in ∂L/∂{p}"],
            )
    return out


def inside(at) -> dict[str, str]:
    frame = at.table[1].value
    return {label: frame.iloc[i, 0] for i, label in enumerate(frame.index)}


def step_table(at) -> dict[str, list[str]]:
    frame = at.table[2].value
    return {label: list(frame.loc[label]) for label in frame.index}


def error_frames(at):
    """(sweep rows, model rows, 'you are here' rows, predicted-bottom rows) of the chart."""
    frames = chart_frames(at)[1]
    sweep = [f for f in frames if "outcome" in f.columns and "label" not in f.columns]
    here = [f for f in frames if "outcome" in f.columns and "label" in f.columns]
    model = [f for f in frames if "truncation" in f.columns]
    bottom = [
        f for f in frames if list(f.columns) == ["delta", "label"] and f["label"].iloc[0] != "x"
    ]
    return sweep[0], model[0], here[0], bottom


def settings(at) -> tuple:
    return (
        at.select_slider(key="delta").value,
        at.radio(key="scheme").value,
        at.radio(key="dtype").value,
        at.slider(key="fd_w").value,
        at.slider(key="fd_b").value,
        at.radio(key="fd_wrt").value,
    )


# --- checks shared by several tests ------------------------------------------------------


def check_gradient_table(at, delta, scheme, dtype, w, b):
    shown = gradients(at)
    fd = shown["finite"]
    assert f"({scheme}, δ = {tc.finite_differences.delta_label(delta)}, {dtype})" in fd["label"]
    exact = grad64(w, b)
    for k, p in enumerate(("w", "b")):
        # the reference is the float64 closed form
        ref_text = shown["reference"][p][0]
        assert num(ref_text) == pytest.approx(exact[k], abs=decimals_tol(ref_text))
        assert shown["reference"][p][1] == shown["reference"][p][2] == "—"
        # the finite difference agrees with an independent numpy one in the same dtype
        value_text, err_text, rel_text = fd[p]
        est, tol = fd_numpy(w, b, delta, scheme, dtype, k)
        assert num(value_text) == pytest.approx(est, abs=tol + decimals_tol(value_text))
        # the displayed errors are |value - exact| and that over |exact|
        err = abs(num(value_text) - exact[k])
        assert num(err_text) == pytest.approx(err, rel=6e-3, abs=decimals_tol(value_text))
        assert num(rel_text) == pytest.approx(err / abs(exact[k]), rel=6e-3, abs=1e-6)
        # analytic and autograd: exact formulas, off only by rounding in the dtype
        for method in ("analytic", "autograd"):
            v_text, e_text, _ = shown[method][p]
            tol = 2e-6 * abs(exact[k]) + 1e-4 if dtype == "float32" else 1e-6
            assert num(v_text) == pytest.approx(exact[k], abs=tol)
            assert num(e_text) <= tol
            assert num(e_text) == pytest.approx(
                abs(num(v_text) - exact[k]), abs=decimals_tol(v_text) + decimals_tol(e_text)
            )
    assert f"{dtype})" in shown["analytic"]["label"] and f"{dtype})" in shown["autograd"]["label"]


# --- tests -----------------------------------------------------------------------------


def test_defaults_reproduce_the_chapter():
    at = run_page(PAGE)
    assert settings(at) == (0.1, "central", "float32", 1.0, 0.0, "w")
    check_gradient_table(at, 0.1, "central", "float32", 1.0, 0.0)
    shown = gradients(at)
    for method in ("finite", "analytic", "autograd"):
        got = (num(shown[method]["w"][0]), num(shown[method]["b"][0]))
        assert got == pytest.approx((4517.2969, 82.6000), rel=1e-3)  # the book's print
    assert num(shown["autograd"]["w"][0]) == pytest.approx(4517.2969, abs=1e-4)
    assert not at.warning and not at.error
    assert len(at.get("vega_lite_chart")) == 2
    caption = " ".join(c.value for c in at.caption)
    assert "float64" in caption and "reference" in caption


@pytest.mark.parametrize(
    ("delta", "scheme", "dtype", "w", "b"),
    [
        (1e-7, "central", "float32", 1.0, 0.0),
        (1e-7, "central", "float64", 1.0, 0.0),
        (1.0, "forward", "float64", 1.0, 0.0),
        (0.002, "backward", "float32", 0.5, -10.0),
        (10.0, "forward", "float32", -1.0, 40.0),
        (1e-8, "forward", "float32", 2.0, -40.0),
    ],
)
def test_url_settings_reopen_the_view_and_every_gradient_is_right(delta, scheme, dtype, w, b):
    query = {
        "delta": tc.finite_differences.delta_label(delta),
        "scheme": scheme,
        "dtype": dtype,
        "fd_w": f"{w:g}",
        "fd_b": f"{b:g}",
    }
    at = run_page(PAGE, query)
    assert settings(at)[:5] == (delta, scheme, dtype, w, b)
    assert not at.warning or all("collapsed" in x.value for x in at.warning)
    check_gradient_table(at, delta, scheme, dtype, w, b)


def test_forward_big_delta_error_is_pure_truncation():
    at = run_page(PAGE, {"delta": "1", "scheme": "forward", "dtype": "float64"})
    fd = gradients(at)["finite"]
    # forward error = L''·δ/2 exactly: mean(x²)·δ for w, δ for b
    assert num(fd["w"][1]) == pytest.approx(mean_x2() * 1.0, rel=5e-3)
    assert num(fd["b"][1]) == pytest.approx(1.0, rel=5e-3)
    assert num(fd["w"][0]) == pytest.approx(grad64(1.0, 0.0)[0] + mean_x2(), abs=1e-5)


def test_inside_one_estimate_shows_the_rounded_ingredients():
    at = run_page(PAGE, {"delta": "1e-07"})
    parts = inside(at)
    one, d = np.float32(1.0), np.float32(1e-7)
    assert float(parts["w + δ as stored"]) == float(one + d) == 1.0 + 2.0**-23
    assert float(parts["w − δ as stored"]) == float(one - d)
    assert float(parts["step the computer really took"]) == 2.0**-23
    l_up, l_mid, l_down = (float(parts[f"L at {s}"]) for s in ("w + δ", "w", "w − δ"))
    for shown, w in ((l_up, 1.0 + 2.0**-23), (l_mid, 1.0), (l_down, float(one - d))):
        assert shown == pytest.approx(mse64(w, 0.0), abs=4 * 2.0**-13)
        assert shown / 2.0**-13 == round(shown / 2.0**-13)  # a whole number of float32 steps
    assert float(parts["numerator (difference of losses)"]) == l_up - l_down
    est = float(parts["estimate of ∂L/∂w"])
    assert est == pytest.approx((l_up - l_down) / 2e-7, rel=1e-6)
    assert est == num(gradients(at)["finite"]["w"][0])
    assert abs(est - grad64(1.0, 0.0)[0]) / grad64(1.0, 0.0)[0] > 0.2  # round-off wrecks it
    caption = " ".join(c.value for c in at.caption)
    assert f"{2.0**-13:.3g}" in caption


def test_collapse_is_explained_on_the_page():
    at = run_page(PAGE, {"delta": "1e-06", "fd_wrt": "b"})
    parts = inside(at)
    assert parts["L at b + δ"] == parts["L at b"] == parts["L at b − δ"]
    assert float(parts["estimate of ∂L/∂b"]) == 0.0
    [warning] = at.warning
    assert "∂L/∂b collapsed to exactly 0" in warning.value
    assert num(gradients(at)["finite"]["b"][2]) == 1.0
    # at δ = 1e-8, w + δ itself rounds back to w
    at = run_page(PAGE, {"delta": "1e-08"})
    texts = [x.value for x in at.warning]
    assert any("w + δ rounds back to w" in t for t in texts)
    assert any("∂L/∂b collapsed" in t for t in texts)


def test_error_chart_draws_the_measured_v():
    at = run_page(PAGE)
    sweep, model, here, bottom = error_frames(at)
    assert len(sweep) == 2 * 2 * 28
    assert set(sweep["scheme"]) == {"forward", "central"}
    g = grad64(1.0, 0.0)[0]
    for row in sweep.itertuples():
        est, tol = fd_numpy(1.0, 0.0, row.delta, row.scheme, row.dtype, 0)
        assert row.estimate == pytest.approx(est, abs=tol)
        assert row.rel_error == pytest.approx(abs(row.estimate - g) / g, rel=1e-9, abs=1e-12)
        if row.outcome == "exact":
            assert row.abs_error == 0 and row.plot == pytest.approx(1e-17)
        elif row.outcome == "collapsed":
            assert row.estimate == 0 and row.plot == 1.0
        else:
            assert row.plot == row.rel_error > 0
    # truncation: forward float64 error = mean(x²)·δ, a slope-1 line for δ ≥ 1e-4
    f64 = sweep[(sweep["scheme"] == "forward") & (sweep["dtype"] == "float64")]
    big = f64[f64["delta"] >= 1e-4]
    assert big["abs_error"].tolist() == pytest.approx(
        [mean_x2() * d for d in big["delta"]], rel=1e-3
    )
    # round-off: float32 is far worse than float64 at small δ, and collapses at 1e-8
    small = sweep[sweep["delta"] <= 1e-6]
    e32 = small[small["dtype"] == "float32"]["rel_error"].to_numpy()
    e64 = small[small["dtype"] == "float64"]["rel_error"].to_numpy()
    assert (e32 > 100 * e64).all()
    assert set(sweep[sweep["delta"] == 1e-8].query("dtype == 'float32'")["outcome"]) == {
        "collapsed"
    }
    # the ring marks the current setting; the model is the closed form for central float32
    assert here[["scheme", "dtype", "delta"]].values.tolist() == [["central", "float32", 0.1]]
    L, curv = mse64(1.0, 0.0), 2 * mean_x2()
    expect = [EPS["float32"] * (L / d + curv * d / 2) / g for d in model["delta"]]
    assert model["rel_error"].tolist() == pytest.approx(expect, rel=1e-9)
    assert bottom and bottom[-1]["delta"].iloc[0] == pytest.approx(math.sqrt(2 * L / curv))


def test_zoom_chart_draws_the_loss_tangent_and_chord():
    at = run_page(PAGE, {"delta": "0.5", "scheme": "forward", "dtype": "float64"})
    lines, samples, dots = chart_frames(at)[0]
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
    assert len(samples) == 61


def test_metrics_locate_the_bottom_of_the_v():
    at = run_page(PAGE, {"scheme": "forward", "fd_wrt": "b"})
    L = mse64(1.0, 0.0)
    predicted = 2 * math.sqrt(EPS["float32"] * L / 2.0)
    assert as_number(metric_value(at, "Predicted best δ")) == pytest.approx(predicted, rel=0.05)
    sweep, *_ = error_frames(at)
    mine = sweep[(sweep["scheme"] == "forward") & (sweep["dtype"] == "float32")]
    best = mine.loc[mine["abs_error"].idxmin()]
    assert metric_value(at, "Best δ on the grid") == tc.finite_differences.delta_label(
        best["delta"]
    )
    assert predicted / 3 <= best["delta"] <= predicted * 3
    shown = num(metric_value(at, "Relative error at your δ"))
    est, _ = fd_numpy(1.0, 0.0, 0.1, "forward", "float32", 1)
    assert shown == pytest.approx(abs(est - 82.6) / 82.6, rel=0.05)


def test_spot_the_bug_reproduces_the_notes():
    at = run_page(PAGE)
    buggy = as_number(metric_value(at, "a − c / (2δ), the notes' formula"))
    fixed = as_number(metric_value(at, "(a − c) / (2δ), the central difference"))
    assert buggy == pytest.approx(-4462.7925, abs=1e-4)  # the notes' printed value
    assert buggy == pytest.approx(mse64(1.1, 0) - mse64(0.9, 0) / 0.2, abs=2e-3)
    assert fixed == pytest.approx(grad64(1.0, 0.0)[0], abs=2e-3)
    steps = step_table(at)
    start, bug, good = zip(*steps.values(), strict=True)
    # the loss is float32's: within a few float32 steps (2^-13 at 1764) of the exact one
    assert [num(v) for v in start] == pytest.approx([1.0, 0.0, mse64(1.0, 0.0)], abs=4 * 2.0**-13)
    w_bug, b_bug, loss_bug = (num(v) for v in bug)
    assert w_bug == pytest.approx(45.6279, abs=1e-4) and b_bug == 242388.0
    assert w_bug == pytest.approx(1.0 - 1e-2 * buggy, abs=1e-4)
    assert loss_bug == pytest.approx(mse64(45.62792205810547, 242388.0), rel=1e-6)
    w_fix, b_fix, loss_fix = (num(v) for v in good)
    assert w_fix == pytest.approx(1.0 - 1e-2 * grad64(1.0, 0.0)[0], abs=1e-4)
    # float32 holds L ≈ 5e6 in steps of 0.5, so b's slope there is good to a few units
    assert b_fix == pytest.approx(-1e-2 * grad64(w_fix, 0.0)[1], abs=0.1)
    assert loss_fix == pytest.approx(mse64(w_fix, b_fix), rel=1e-5)
    assert not at.error


def test_spot_the_bug_elsewhere_and_when_it_overflows():
    at = run_page(PAGE, {"fd_w": "0.5", "fd_b": "-10", "delta": "0.01"})
    buggy = as_number(metric_value(at, "a − c / (2δ), the notes' formula"))
    a, c = mse64(0.51, -10.0), mse64(0.49, -10.0)
    assert buggy == pytest.approx(a - c / 0.02, rel=1e-6)
    fixed = as_number(metric_value(at, "(a − c) / (2δ), the central difference"))
    assert fixed == pytest.approx(grad64(0.5, -10.0)[0], abs=0.05)
    at = run_page(PAGE, {"delta": "1e-08"})
    [error] = at.error
    assert "overflowed float32" in error.value
    bug_column = [row[1] for row in step_table(at).values()]
    assert bug_column[2] in ("inf", "nan")


def test_cost_table_counts_evaluations():
    at = run_page(PAGE)
    frame = at.table[3].value
    assert [as_number(p) for p in frame.index] == [2, 1000, 10**6, 10**9]
    for label, row in frame.iterrows():
        p = int(as_number(label))
        assert as_number(row["central FD: loss evaluations (2P)"]) == 2 * p
        assert as_number(row["forward FD: loss evaluations (P + 1)"]) == p + 1
        assert row["autograd: 1 forward + 1 backward pass"] == "≈ 3 forward passes"
        ratio = as_number(row["central FD ÷ autograd"].rstrip("×"))
        assert ratio == pytest.approx(2 * p / 3, rel=0.05)
        assert row["autograd at 1 s per forward pass"] == "3 s"
    years = 2 * 10**9 / (365.25 * 86400)
    assert list(frame["central FD at 1 s per loss"]) == [
        "4 s",
        f"{2000 / 60:.0f} min",
        f"{2 * 10**6 / 86400:.0f} days",
        f"{years:.0f} years",
    ]


PRESET_CHECKS = {
    "The chapter's estimate": (0.1, "central", "float32"),
    "Tiny δ in float32": (1e-7, "central", "float32"),
    "Same δ in float64": (1e-7, "central", "float64"),
    "Forward with a big δ": (1.0, "forward", "float64"),
}


@pytest.mark.parametrize("label", list(PRESET_CHECKS))
def test_presets_set_the_controls_and_show_what_they_promise(label):
    # start away from the chapter's point so the preset has to move everything back
    at = run_page(PAGE, {"fd_w": "0.5", "fd_b": "-10", "fd_wrt": "b", "delta": "5"})
    [button] = [b for b in at.button if b.label == label]
    button.click().run()
    delta, scheme, dtype = PRESET_CHECKS[label]
    assert settings(at) == (delta, scheme, dtype, 1.0, 0.0, "w")
    assert any(label in i.value for i in at.info)
    fd = gradients(at)["finite"]
    g = grad64(1.0, 0.0)
    rel_w = abs(num(fd["w"][0]) - g[0]) / g[0]
    if label == "The chapter's estimate":
        assert rel_w < 1e-6
    elif label == "Tiny δ in float32":
        assert rel_w > 0.2  # "about a third too big"
        assert num(fd["b"][0]) == 0.0 and any("collapsed" in w.value for w in at.warning)
        assert float(inside(at)["w + δ as stored"]) == 1.0 + 2.0**-23
    elif label == "Same δ in float64":
        assert rel_w < 1e-8
    else:
        assert num(fd["w"][1]) == pytest.approx(mean_x2() * 1.0, rel=5e-3)  # L''·δ/2
        at.radio(key="scheme").set_value("central").run()
        assert abs(num(gradients(at)["finite"]["w"][0]) - g[0]) < 1e-6  # no truncation
        scheme = "central"
    check_gradient_table(at, delta, scheme, dtype, 1.0, 0.0)


def test_each_widget_drives_the_page():
    at = run_page(PAGE)
    at.select_slider(key="delta").set_value(0.002).run()
    check_gradient_table(at, 0.002, "central", "float32", 1.0, 0.0)
    at.radio(key="scheme").set_value("backward").run()
    sweep, *_ = error_frames(at)
    assert set(sweep["scheme"]) == {"forward", "central", "backward"}
    check_gradient_table(at, 0.002, "backward", "float32", 1.0, 0.0)
    at.radio(key="dtype").set_value("float64").run()
    check_gradient_table(at, 0.002, "backward", "float64", 1.0, 0.0)
    at.slider(key="fd_w").set_value(1.5).run()
    at.slider(key="fd_b").set_value(-20.0).run()
    check_gradient_table(at, 0.002, "backward", "float64", 1.5, -20.0)
    at.radio(key="fd_wrt").set_value("b").run()
    parts = inside(at)
    assert float(parts["b as stored"]) == -20.0
    shown = gradients(at)["finite"]["b"][0]
    assert float(parts["estimate of ∂L/∂b"]) == pytest.approx(num(shown), abs=decimals_tol(shown))
    lines = chart_frames(at)[0][0]
    exact = lines[lines["curve"] == "loss, exact (float64)"]
    for row in exact.iloc[::10].itertuples():
        assert row.value == pytest.approx(
            mse64(1.5, -20.0 + row.offset) - mse64(1.5, -20.0), abs=1e-7
        )
    sweep, *_ = error_frames(at)
    g_b = grad64(1.5, -20.0)[1]
    assert sweep["rel_error"].tolist() == pytest.approx(
        [abs(e - g_b) / abs(g_b) for e in sweep["estimate"]], rel=1e-6, abs=1e-12
    )


@pytest.mark.parametrize(
    "query",
    [
        {"delta": "abc"},
        {"delta": "1e-99"},
        {"delta": "0.3"},
        {"scheme": "foo"},
        {"dtype": "float16"},
        {"fd_w": "nan"},
        {"fd_b": "99"},
        {"fd_wrt": "c"},
        {"delta": ["0.1", "1"]},
    ],
)
def test_bad_url_parameters_fall_back_to_defaults_with_a_note(query):
    at = run_page(PAGE, query)
    assert settings(at) == (0.1, "central", "float32", 1.0, 0.0, "w")
    assert len(at.warning) == 1 and "cannot use" in at.warning[0].value
    assert f"`{next(iter(query))}" in at.warning[0].value
    check_gradient_table(at, 0.1, "central", "float32", 1.0, 0.0)


def test_url_edge_values_are_kept():
    # values equal to a widget's first option or minimum must survive the URL too
    at = run_page(PAGE, {"delta": "1e-08", "fd_w": "-1", "fd_b": "-40"})
    assert settings(at)[:5] == (1e-8, "central", "float32", -1.0, -40.0)


def test_every_widget_has_help_text():
    at = run_page(PAGE)
    widgets = [*at.slider, *at.select_slider, *at.radio, *at.button]
    assert len(widgets) == 2 + 1 + 3 + 4
    for widget in widgets:
        assert widget.help, f"{widget.label} has no help text"
