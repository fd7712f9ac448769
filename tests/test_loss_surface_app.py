"""AppTest for "The loss surface": every number shown is checked against plain Python,
the code panel prints what the page shows, links reopen the view, and the issue-10 fixes."""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import chart_frames, metric_value, run_page
from reference import T_C, T_U32, T_U_BOOK, hessian_eigs64, lstsq64, run_printed

import thermo_core as tc
from thermo_core.lessons import loss_surface as ls
from thermo_core.numbers import fmt, parse
from ui.chart_text import TABLE_LABEL
from ui.loss_surface import charts
from ui.loss_surface.code import PRINTED, script
from ui.loss_surface.settings import PRESETS, picked_point
from ui.vega import validate

PAGE = "pages/loss_surface.py"
N = len(T_U_BOOK)


def inputs(norm: str) -> list[float]:
    """The normalized inputs, in plain Python (sample std, n − 1)."""
    if norm == "none":
        return list(T_U_BOOK)
    if norm == "scale":
        return [0.1 * u for u in T_U_BOOK]
    mean = sum(T_U_BOOK) / N
    std = math.sqrt(sum((u - mean) ** 2 for u in T_U_BOOK) / (N - 1))
    return [(u - mean) / std for u in T_U_BOOK]


def penalty(r: float, loss: str, delta: float = 1.0) -> tuple[float, float]:
    """(penalty, slope) of one residual."""
    if loss == "mse":
        return r * r, 2 * r
    if loss == "l1":
        return abs(r), math.copysign(1.0, r) if r else 0.0
    if abs(r) <= delta:
        return 0.5 * r * r, r
    return delta * (abs(r) - 0.5 * delta), math.copysign(delta, r)


def loss_grad(xs, w, b, loss="mse", delta=1.0):
    rs = [w * x + b - y for x, y in zip(xs, T_C, strict=True)]
    ps = [penalty(r, loss, delta) for r in rs]
    value = sum(p for p, _ in ps) / N
    gw = sum(s * x for (_, s), x in zip(ps, xs, strict=True)) / N
    gb = sum(s for _, s in ps) / N
    return value, gw, gb


def as_number(text: str) -> float:
    return parse(text)


def close(shown: str, exact: float, decimals: int) -> bool:
    """The shown text equals ``exact`` up to its rounding (and float32 data, rel 2e-6)."""
    return abs(as_number(shown) - exact) <= 0.5 * 10**-decimals + 2e-6 * abs(exact)


def check_point(at, norm, w, b, loss="mse", delta=1.0):
    value, gw, gb = loss_grad(inputs(norm), w, b, loss, delta)
    assert close(metric_value(at, "Loss at the point"), value, 4)
    assert close(metric_value(at, "∂L/∂w"), gw, 4)
    assert close(metric_value(at, "∂L/∂b"), gb, 4)
    assert close(metric_value(at, "|∇L|"), math.hypot(gw, gb), 4)


def check_curvature(at, norm):
    xs = inputs(norm)
    lo, hi = hessian_eigs64(xs)
    assert close(metric_value(at, "λ_min"), lo, 4)
    assert close(metric_value(at, "λ_max"), hi, 4)
    assert close(metric_value(at, "Condition number κ"), hi / lo, 3)
    assert as_number(metric_value(at, "Critical lr 2/λ_max")) == pytest.approx(2 / hi, rel=2e-3)
    w, b = lstsq64(xs)
    assert close(metric_value(at, "Least-squares w*"), w, 4)
    assert close(metric_value(at, "Least-squares b*"), b, 4)
    assert close(metric_value(at, "Lowest MSE"), loss_grad(xs, w, b)[0], 4)


def frames_with(at, *columns):
    return [f for frames in chart_frames(at) for f in frames if set(columns) <= set(f.columns)]


def test_defaults_reproduce_the_chapter_and_every_number_is_right():
    at = run_page(PAGE)
    assert at.radio(key="norm").value == "none" and at.radio(key="loss").value == "mse"
    assert at.number_input(key="point_w").value == 1.0
    assert at.number_input(key="point_b").value == 0.0
    assert not [s for s in at.slider if s.key == "surf_huber_delta"]  # only Huber uses δ
    check_point(at, "none", 1.0, 0.0)
    check_curvature(at, "none")
    assert metric_value(at, "Condition number κ").startswith("33,59")  # ≈ 33,599
    assert metric_value(at, "Critical lr 2/λ_max") == "0.0003399"
    assert not at.warning and not at.error
    assert len(at.get("vega_lite_chart")) == 5


def test_chart_data_match_independent_computation():
    at = run_page(PAGE)
    xs = inputs("none")
    [grid] = [f for f in frames_with(at, "w", "b", "loss") if len(f) == 3600]
    assert grid["w"].min() == pytest.approx(-24.0) and grid["b"].max() == pytest.approx(17.0)
    for i in (0, 1234, 2500, 3599):
        row = grid.iloc[i]
        assert row["loss"] == pytest.approx(loss_grad(xs, row["w"], row["b"])[0], rel=1e-5)
    [marks] = [
        f for f in frames_with(at, "what", "w", "b") if "least-squares minimum" in set(f.what)
    ]
    w, b = lstsq64(xs)
    assert marks.w.iloc[0] == pytest.approx(w, rel=1e-5)
    assert marks.b.iloc[0] == pytest.approx(b, rel=1e-5)
    [arrow] = frames_with(at, "w0", "b0", "w1", "b1", "angle")
    assert len(arrow) == 3  # the shaft and the two wings of its head
    _, gw, gb = loss_grad(xs, 1.0, 0.0)
    dw, db = arrow.w1[0] - arrow.w0[0], arrow.b1[0] - arrow.b0[0]
    assert (arrow.w0[0], arrow.b0[0]) == (1.0, 0.0)
    assert dw < 0 and db < 0 and db / dw == pytest.approx(gb / gw, rel=1e-5)  # along −∇L
    # Slices: loss vs w at b = 0 and its tangent with slope ∂L/∂w
    slices = frames_with(at, "value", "loss")
    curves = [f for f in slices if len(f) > 2]
    tangents = [f for f in slices if len(f) == 2]
    assert len(curves) == 2 and len(tangents) == 2
    for v, y in zip(curves[0]["value"][::20], curves[0]["loss"][::20], strict=True):
        assert y == pytest.approx(loss_grad(xs, v, 0.0)[0], rel=1e-5)
    for v, y in zip(curves[1]["value"][::20], curves[1]["loss"][::20], strict=True):
        assert y == pytest.approx(loss_grad(xs, 1.0, v)[0], rel=1e-5)
    t = tangents[0]
    assert (t.loss[1] - t.loss[0]) / (t.value[1] - t.value[0]) == pytest.approx(gw, rel=1e-5)
    t = tangents[1]
    assert (t.loss[1] - t.loss[0]) / (t.value[1] - t.value[0]) == pytest.approx(gb, rel=1e-5)
    # Eigen-directions: the steepest one is nearly the w axis for raw inputs
    [eig] = frames_with(at, "direction", "eigenvalue")
    steep = eig[eig.direction == "steepest (λ_max)"]
    slope = (steep.b.iloc[1] - steep.b.iloc[0]) / (steep.w.iloc[1] - steep.w.iloc[0])
    m1, m2 = sum(xs) / N, sum(x * x for x in xs) / N
    _, hi = hessian_eigs64(xs)
    assert slope == pytest.approx((hi / 2 - m2) / m1, rel=1e-5)  # from (H − λI)v = 0
    # Residual dots on the penalty chart: r = t_p − t_c at the current point
    dots = [f for f in frames_with(at, "r", "penalty", "slope") if len(f) == N]
    assert dots[0]["r"].tolist() == pytest.approx(
        [u - c for u, c in zip(T_U_BOOK, T_C, strict=True)]
    )


@pytest.mark.parametrize(
    ("norm", "kappa", "lr"),
    [("scale", "357.002", "0.03298"), ("standardize", "1.100", "1.000")],
)
def test_normalization_redraws_and_resets_the_point(norm, kappa, lr):
    at = run_page(PAGE)
    at.number_input(key="point_w").set_value(0.6)
    at.number_input(key="point_b").set_value(-5.0).run()
    check_point(at, "none", 0.6, -5.0)
    at.radio(key="norm").set_value(norm).run()
    assert at.number_input(key="point_w").value == 1.0
    assert at.number_input(key="point_b").value == 0.0
    check_point(at, norm, 1.0, 0.0)
    check_curvature(at, norm)
    assert metric_value(at, "Condition number κ") == kappa
    assert metric_value(at, "Critical lr 2/λ_max") == lr
    [grid] = [f for f in frames_with(at, "w", "b", "loss") if len(f) == 3600]
    xs = inputs(norm)
    row = grid.iloc[1000]
    assert row["loss"] == pytest.approx(loss_grad(xs, row["w"], row["b"])[0], rel=1e-5)
    if norm == "standardize":
        assert grid.w.max() - grid.w.min() == pytest.approx(grid.b.max() - grid.b.min())


@pytest.mark.parametrize("loss", ["l1", "huber"])
def test_loss_shape_switches_surface_gradient_and_penalties(loss):
    at = run_page(PAGE)
    at.radio(key="loss").set_value(loss).run()
    check_point(at, "none", 1.0, 0.0, loss)
    check_curvature(at, "none")  # still the MSE's Hessian ...
    assert any("MSE" in i.value and "Hessian" in i.value for i in at.info)  # ... and it says so
    assert bool([s for s in at.slider if s.key == "surf_huber_delta"]) == (loss == "huber")
    [grid] = [f for f in frames_with(at, "w", "b", "loss") if len(f) == 3600]
    row = grid.iloc[1800]
    assert row["loss"] == pytest.approx(loss_grad(T_U_BOOK, row["w"], row["b"], loss)[0], rel=1e-5)
    [marks] = [f for f in frames_with(at, "what", "w", "b") if len(f) == 2]
    lowest = marks[marks.what == "lowest cell of this loss"].iloc[0]
    assert loss_grad(T_U_BOOK, lowest.w, lowest.b, loss)[0] == pytest.approx(grid["loss"].min())
    if loss == "huber":
        at.slider(key="surf_huber_delta").set_value(4.0).run()
        check_point(at, "none", 1.0, 0.0, "huber", 4.0)


def test_point_inputs_move_the_point():
    at = run_page(PAGE, {"norm": "standardize"})
    at.number_input(key="point_w").set_value(9.03)
    at.number_input(key="point_b").set_value(10.5).run()
    check_point(at, "standardize", 9.03, 10.5)
    assert as_number(metric_value(at, "|∇L|")) < 0.02  # next to the minimum


def test_presets_set_the_controls_and_say_what_to_look_for():
    at = run_page(PAGE)
    labels = [b.label for b in at.button]
    assert labels == [p.label for p in PRESETS]

    def click(label):
        [btn] = [b for b in at.button if b.label == label]
        btn.click().run()
        assert any(label in i.value for i in at.info)

    click("Standardize: a round bowl")
    assert at.radio(key="norm").value == "standardize"
    assert metric_value(at, "Condition number κ") == "1.100"
    check_point(at, "standardize", 1.0, 0.0)

    click("Walk the valley floor")
    assert at.radio(key="norm").value == "none" and at.radio(key="loss").value == "mse"
    w, b = at.number_input(key="point_w").value, at.number_input(key="point_b").value
    check_point(at, "none", w, b)
    _, gw, gb = loss_grad(T_U_BOOK, w, b)
    assert abs(gb) > 10 * abs(gw)  # the arrow points along the valley (≈ b), not across it
    _, gw0, gb0 = loss_grad(T_U_BOOK, 1.0, 0.0)
    assert math.hypot(gw0, gb0) / math.hypot(gw, gb) > 500  # and is ~1,000 times shorter
    _, gw, gb = loss_grad(T_U32, w, b)  # the readings as the page's float32 tensors hold them
    shown = fmt(math.hypot(gw, gb))
    assert metric_value(at, "|∇L|") == shown
    assert any(f"|∇L| is only {shown} here" in i.value for i in at.info)

    click("L1's kink")
    assert at.radio(key="loss").value == "l1" and at.radio(key="norm").value == "standardize"
    w, b = at.number_input(key="point_w").value, at.number_input(key="point_b").value
    lsw, lsb = lstsq64(inputs("standardize"))
    assert (w, b) == (round(lsw, 2), round(lsb, 2))
    check_point(at, "standardize", w, b, "l1")

    click("Raw inputs: a thin valley")
    assert at.radio(key="norm").value == "none" and at.radio(key="loss").value == "mse"
    check_point(at, "none", 1.0, 0.0)
    assert metric_value(at, "Condition number κ").startswith("33,59")


def test_url_reopens_the_view():
    query = {
        "norm": "scale",
        "loss": "huber",
        "surf_huber_delta": "3",
        "point_w": "4.2",
        "point_b": "-9",
    }
    at = run_page(PAGE, query)
    assert at.radio(key="norm").value == "scale" and at.radio(key="loss").value == "huber"
    assert at.slider(key="surf_huber_delta").value == 3.0
    check_point(at, "scale", 4.2, -9.0, "huber", 3.0)
    assert not at.warning


@pytest.mark.parametrize(
    "query",
    [
        {"norm": "foo"},
        {"loss": "hinge"},
        {"point_w": "abc"},
        {"point_w": "50"},  # outside the raw window
        {"norm": "standardize", "point_b": "-20"},  # outside the standardized window
        {"point_b": "nan"},
        {"loss": "huber", "surf_huber_delta": "99"},
    ],
)
def test_bad_url_values_fall_back_with_a_note(query):
    at = run_page(PAGE, query)
    assert at.warning and "could not use" in at.warning[0].value
    norm = "standardize" if query.get("norm") == "standardize" else "none"
    loss = "huber" if query.get("loss") == "huber" else "mse"
    assert at.radio(key="norm").value == norm and at.radio(key="loss").value == loss
    assert (at.number_input(key="point_w").value, at.number_input(key="point_b").value) == (
        1.0,
        0.0,
    )
    if loss == "huber":
        assert at.slider(key="surf_huber_delta").value == 1.0
    check_point(at, norm, 1.0, 0.0, loss)


def test_repeated_url_parameter_gets_a_note_and_a_consistent_page():
    # Streamlit itself keeps the last of repeated radio values; the page says the link
    # was odd and everything shown belongs to the value actually used.
    at = run_page(PAGE, {"norm": ["none", "scale"]})
    assert at.warning and any("more than once" in t.value for t in at.text)
    norm = at.radio(key="norm").value
    check_point(at, norm, 1.0, 0.0)
    check_curvature(at, norm)


def test_every_widget_has_help_text():
    at = run_page(PAGE)
    at.radio(key="loss").set_value("huber").run()
    widgets = [*at.radio, *at.slider, *at.number_input, *at.button]
    assert len(widgets) == 9
    for widget in widgets:
        assert widget.help, f"{widget.label} has no help text"


def test_depth_is_in_closed_go_deeper_expanders():
    at = run_page(PAGE)
    labels = [e.label for e in at.expander if e.label != TABLE_LABEL]  # the chart's numbers
    assert labels[0] == "Show the PyTorch code"
    assert all(label.startswith("Go deeper: ") for label in labels[1:]) and len(labels) == 3
    assert not any(e.proto.expanded for e in at.expander)
    # the Hessian and its eigenvalues live in a Go-deeper expander, not on the page itself
    [deeper] = [e for e in at.expander if "Hessian" in e.label]
    assert {m.label for m in deeper.metric} >= {"λ_min", "λ_max", "Condition number κ"}


# ---- links (merged from test_app_loss_surface_urls.py) ------------------------------------
@pytest.mark.parametrize("norm", tc.NORMALIZATIONS)
def test_point_at_the_window_corners_survives_the_link(norm):
    win = ls.surface_window(tc.book(), norm)
    for w, b in [(win.w_bounds[0], win.b_bounds[0]), (win.w_bounds[1], win.b_bounds[1])]:
        at = run_page(PAGE, {"norm": norm, "point_w": str(w), "point_b": str(b)})
        assert at.number_input(key="point_w").value == pytest.approx(w)
        assert at.number_input(key="point_b").value == pytest.approx(b)
        assert not at.warning


@pytest.mark.parametrize("delta", [0.1, 20.0])
def test_huber_delta_at_its_limits_survives_the_link(delta):
    at = run_page(PAGE, {"loss": "huber", "surf_huber_delta": str(delta)})
    assert at.slider(key="surf_huber_delta").value == pytest.approx(delta)


def test_raw_minimum_caption_is_computed():
    at = run_page(PAGE, {"norm": "scale"})
    w, b = lstsq64(T_U_BOOK)
    captions = " ".join(c.value for c in at.caption)
    assert f"w ≈ {fmt(w)}, b ≈ {fmt(b, 2)}" in captions


# ---- the code panel (merged from test_surface_code.py) ------------------------------------
SHOWN = {  # printed name -> (metric label, displayed decimals as an absolute tolerance)
    "loss": ("Loss at the point", 5e-5),
    "grad_w": ("∂L/∂w", 5e-5),
    "grad_b": ("∂L/∂b", 5e-5),
    "lambda_min": ("λ_min", 5e-5),
    "lambda_max": ("λ_max", 5e-5),
    "condition_number": ("Condition number κ", 5e-4),
    "w_star": ("Least-squares w*", 5e-5),
    "b_star": ("Least-squares b*", 5e-5),
    "min_mse": ("Lowest MSE", 5e-5),
}


@pytest.mark.parametrize(
    ("query", "norm", "loss", "w", "b", "delta"),
    [
        ({}, "none", "mse", 1.0, 0.0, 1.0),
        ({"norm": "scale", "point_w": "5.5", "point_b": "-12"}, "scale", "mse", 5.5, -12.0, 1.0),
        ({"norm": "standardize", "loss": "l1", "point_w": "3", "point_b": "4"},
         "standardize", "l1", 3.0, 4.0, 1.0),
        ({"loss": "huber", "surf_huber_delta": "2.5", "point_w": "0.4", "point_b": "-7"},
         "none", "huber", 0.4, -7.0, 2.5),
    ],
)
def test_code_prints_the_page_numbers(query, norm, loss, w, b, delta):
    at = run_page(PAGE, query)
    [code] = [c.value for c in at.code]
    assert code.strip() == script(tc.book(), norm, loss, w, b, delta).strip()
    printed = run_printed(code, "<loss_surface code>")
    assert tuple(printed) == PRINTED
    for name, (label, tol) in SHOWN.items():
        assert as_number(metric_value(at, label)) == pytest.approx(printed[name], abs=tol), name
    shown_lr = as_number(metric_value(at, "Critical lr 2/λ_max"))
    assert shown_lr == pytest.approx(printed["critical_lr"], rel=2e-3)
    # the float32 caption quotes what the chapter's float32 code prints
    f32 = [fmt(printed[k]) for k in ("loss_float32", "grad_w_float32", "grad_b_float32")]
    assert any(all(v in c.value for v in f32) for c in at.caption)
    assert "import torch" in code and "thermo_core" not in code


def test_code_rejects_unknown_settings():
    with pytest.raises(ValueError, match="allowed"):
        script(tc.book(), "foo", "mse", 1.0, 0.0)
    with pytest.raises(ValueError, match="allowed"):
        script(tc.book(), "none", "hinge", 1.0, 0.0)


# ---- issue 10 ----------------------------------------------------------------------------
def test_bug1_no_link_warning_after_a_preset_then_a_normalization_change():
    at = run_page(PAGE)
    [btn] = [b for b in at.button if b.label == "L1's kink"]
    btn.click().run()
    at.radio(key="norm").set_value("none").run()
    assert not at.warning, [w.value for w in at.warning]
    assert (at.number_input(key="point_w").value, at.number_input(key="point_b").value) == (1, 0)
    check_point(at, "none", 1.0, 0.0, "l1")


def test_bug2_preset_box_only_while_the_settings_match():
    at = run_page(PAGE)
    [btn] = [b for b in at.button if b.label == "Standardize: a round bowl"]
    btn.click().run()
    assert any("round bowl" in i.value for i in at.info)
    at.number_input(key="point_b").set_value(2.0).run()
    assert not any("round bowl" in i.value for i in at.info)
    at.number_input(key="point_b").set_value(0.0).run()  # back on the preset: shown again
    assert any("round bowl" in i.value for i in at.info)


def test_bug8_raw_preset_says_same_scale_not_same_units():
    at = run_page(PAGE)
    [btn] = [b for b in at.button if b.label == "Raw inputs: a thin valley"]
    btn.click().run()
    text = " ".join([i.value for i in at.info] + [c.value for c in at.caption])
    assert "same units" not in text
    assert "different units" in text and "same scale" in text
    win = ls.surface_window(tc.book(), "none")
    assert win.w_range[1] - win.w_range[0] == win.b_range[1] - win.b_range[0]  # the claim


@pytest.mark.parametrize(("loss", "word", "absent"), [("huber", "δ = 1.0", "crease"),
                                                       ("l1", "crease", "δ")])
def test_bug9_curvature_note_fits_the_loss(loss, word, absent):
    at = run_page(PAGE, {"loss": loss})
    [note] = [i.value for i in at.info if "Hessian" in i.value]
    assert word in note and absent not in note


def _float32_sums(w: float, b: float) -> tuple[float, float]:
    """The float32 MSE summed left to right, and summed pairwise (numpy's order), in numpy."""
    xs, ys = np.array(T_U32, np.float32), np.array(T_C, np.float32)
    sq = (np.float32(w) * xs + np.float32(b) - ys) ** 2
    total = np.float32(0)
    for v in sq:
        total = np.float32(total + v)
    return float(total / np.float32(len(sq))), float(sq.sum(dtype=np.float32) / np.float32(len(sq)))


def test_bug10_chapter_float32_values_are_quoted_with_the_reason():
    at = run_page(PAGE)
    assert metric_value(at, "Loss at the point") == "1,763.8846"  # float64
    [caption] = [c.value for c in at.caption if "float32" in c.value]
    assert "1,763.8848" in caption and "4,517.2969" in caption  # today's float32
    assert "7 significant digits" in caption


def test_the_books_printed_loss_and_todays_float32_are_both_said():
    in_order, _ = _float32_sums(1.0, 0.0)
    at = run_page(PAGE)
    [caption] = [c.value for c in at.caption if "float32" in c.value]
    # the book's notebook printed tensor(1763.8846): a left-to-right float32 sum gives it
    assert fmt(in_order, thousands=False) == "1763.8846"
    assert "the tensor(1763.8846) the book's notebook printed" in caption
    assert "today's PyTorch gives 1,763.8848" in caption
    at = run_page(PAGE, {"point_w": "0.5", "point_b": "-10"})
    [caption] = [c.value for c in at.caption if "float32" in c.value]
    assert f"the float32 loss is {fmt(_float32_sums(0.5, -10.0)[0])}" in caption
    assert "notebook" not in caption  # the book printed nothing at this point


@pytest.mark.parametrize("norm", ["none", "scale", "standardize"])
def test_condition_number_sentence_says_what_is_true(norm):
    xs = [x * (0.1 if norm == "scale" else 1.0) for x in T_U32]
    if norm == "standardize":
        m = sum(xs) / len(xs)
        sd = math.sqrt(sum((x - m) ** 2 for x in xs) / (len(xs) - 1))
        xs = [(x - m) / sd for x in xs]
    lo, hi = hessian_eigs64(xs)
    kappa = hi / lo
    at = run_page(PAGE, {"norm": norm})
    [sentence] = [m.value for m in at.markdown if m.value.startswith("With ") and "κ = " in m.value]
    assert "shrinks by a factor of only" not in sentence
    best = (kappa - 1) / (kappa + 1)
    shown = float(parse(sentence.split("(κ − 1)/(κ + 1) = ")[1].split(" ")[0]))
    assert shown == pytest.approx(best, rel=1e-3) and shown < 1
    edge = float(parse(sentence.split("1 − 2/κ = ")[1].split(" ")[0]))
    assert edge == pytest.approx(1 - 2 / kappa, rel=1e-3, abs=1e-4) and edge != 1
    assert ("flipping side each time" in sentence) == (kappa < 2)


def test_bug5_every_shown_number_uses_the_one_formatter():
    at = run_page(PAGE, {"point_w": "-24", "point_b": "-33"})
    xs = T_U32  # the readings as the app's float32 tensors hold them
    value, gw, gb = loss_grad(xs, -24.0, -33.0)
    assert metric_value(at, "Loss at the point") == fmt(value)
    assert metric_value(at, "∂L/∂w") == fmt(gw)
    assert metric_value(at, "|∇L|") == fmt(math.hypot(gw, gb))
    assert metric_value(at, "Critical lr 2/λ_max") == fmt(2 / hessian_eigs64(xs)[1], sig=4)


def test_bug13_inputs_accept_the_whole_drawn_window():
    at = run_page(PAGE, {"point_w": "20", "point_b": "-30"})
    assert not at.warning
    assert at.number_input(key="point_w").value == 20.0
    check_point(at, "none", 20.0, -30.0)


def test_bug13_the_surface_is_clickable_and_a_click_lands_on_the_inputs_grid():
    at = run_page(PAGE)
    [surface] = [c for c in at.get("vega_lite_chart") if '"pick"' in c.proto.spec]
    assert list(surface.proto.selection_mode) == [charts.PICK]
    # What the page's on_select callback does with Streamlit's selection state:
    picked = {"selection": {charts.PICK: [{"w": 0.53671234, "b": -17.30478}]}}
    assert picked_point(picked, "none") == (0.5367, -17.3)
    assert picked_point({"selection": {charts.PICK: []}}, "none") is None
    assert picked_point({"selection": {}}, "standardize") is None


def test_point_change_sends_little_data():
    # Section 3: the big heatmap data are compact (float32, 3 columns) and everything a
    # point change sends stays far below 150 KB.
    at = run_page(PAGE)
    at.number_input(key="point_w").set_value(1.5).run()
    sent = sum(len(d.data.data) for c in at.get("vega_lite_chart") for d in c.proto.datasets)
    sent += sum(len(c.proto.spec) for c in at.get("vega_lite_chart"))
    assert sent < 150_000, sent


def test_chart_templates_are_valid_stretch_and_phone_safe():
    for norm in tc.NORMALIZATIONS:
        win = ls.surface_window(tc.book(), norm)
        for loss in tc.LOSSES:
            spec = charts.surface_template(win.w_range, win.b_range, (1.0, 1.0), loss == "mse",
                                           loss != "mse")
            validate(spec)
    for spec in (charts.fit_template("x", (0.0, 1.0)), charts.slice_template("w", "MSE"),
                 *(charts.penalty_template(c, loss) for c in ("penalty", "slope")
                   for loss in tc.LOSSES)):
        validate(spec)
        assert "hconcat" not in spec and "width" not in spec  # a fixed width pans a phone
    from conftest import ROOT

    source = (ROOT / PAGE).read_text(encoding="utf-8")
    assert "width=\"content\"" not in source and "altair_chart" not in source  # ui.vega.show
    at = run_page(PAGE)
    for chart in at.get("vega_lite_chart"):
        assert '"orient": "right"' not in chart.proto.spec and '"orient":"right"' not in chart.proto.spec
