"""AppTest for "The loss surface": every number shown is checked against plain Python."""

from __future__ import annotations

import math

import pytest
from conftest import as_number, chart_frames, metric_value, run_page
from reference import T_C, T_U_BOOK, hessian_eigs64, lstsq64

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
    assert as_number(metric_value(at, "Critical lr 2/λ_max")) == pytest.approx(2 / hi, rel=6e-4)
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
    assert at.slider(key="surf_huber_delta").disabled
    check_point(at, "none", 1.0, 0.0)
    check_curvature(at, "none")
    assert metric_value(at, "Condition number κ").startswith("33,59")  # ≈ 33,599
    assert metric_value(at, "Critical lr 2/λ_max") == "3.399e-04"
    assert not at.warning and not at.error
    assert len(at.get("vega_lite_chart")) == 5


def test_chart_data_match_independent_computation():
    at = run_page(PAGE)
    xs = inputs("none")
    [grid] = frames_with(at, "w0", "w1", "b0", "b1", "loss")
    assert len(grid) == 3600
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
    _, gw, gb = loss_grad(xs, 1.0, 0.0)
    dw, db = arrow.w1[0] - arrow.w0[0], arrow.b1[0] - arrow.b0[0]
    assert (arrow.w0[0], arrow.b0[0]) == (1.0, 0.0)
    assert dw < 0 and db < 0 and db / dw == pytest.approx(gb / gw, rel=1e-5)  # along −∇L
    # Slices: loss vs w at b = 0 and its tangent with slope ∂L/∂w
    slices = frames_with(at, "value", "loss")
    curves = [f for f in slices if len(f) > 2]
    tangents = [f for f in slices if len(f) == 2]
    assert len(curves) == 2 and len(tangents) == 2
    for v, y in zip(curves[0]["value"][::40], curves[0]["loss"][::40], strict=True):
        assert y == pytest.approx(loss_grad(xs, v, 0.0)[0], rel=1e-5)
    for v, y in zip(curves[1]["value"][::40], curves[1]["loss"][::40], strict=True):
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
    [("scale", "357.002", "3.298e-02"), ("standardize", "1.100", "1.000e+00")],
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
    [grid] = frames_with(at, "w0", "w1", "b0", "b1", "loss")
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
    assert at.slider(key="surf_huber_delta").disabled == (loss != "huber")
    [grid] = frames_with(at, "w0", "w1", "b0", "b1", "loss")
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
    assert len(labels) == 4

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
    ratio = f"{math.hypot(gw0, gb0) / math.hypot(gw, gb):,.0f}"
    assert any(ratio in i.value for i in at.info)

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
        {"surf_huber_delta": "99"},
    ],
)
def test_bad_url_values_fall_back_with_a_note(query):
    at = run_page(PAGE, query)
    assert at.warning and "cannot use" in at.warning[0].value
    norm = "standardize" if query.get("norm") == "standardize" else "none"
    assert at.radio(key="norm").value == norm and at.radio(key="loss").value == "mse"
    assert (at.number_input(key="point_w").value, at.number_input(key="point_b").value) == (
        1.0,
        0.0,
    )
    assert at.slider(key="surf_huber_delta").value == 1.0
    check_point(at, norm, 1.0, 0.0)


def test_repeated_url_parameter_gets_a_note_and_a_consistent_page():
    # Streamlit itself keeps the last of repeated radio values; the page says the link
    # was odd and everything shown belongs to the value actually used.
    at = run_page(PAGE, {"norm": ["none", "scale"]})
    assert at.warning and "2 times" in at.warning[0].value
    norm = at.radio(key="norm").value
    check_point(at, norm, 1.0, 0.0)
    check_curvature(at, norm)


def test_every_widget_has_help_text():
    at = run_page(PAGE)
    widgets = [*at.radio, *at.slider, *at.number_input, *at.button]
    assert len(widgets) == 9
    for widget in widgets:
        assert widget.help, f"{widget.label} has no help text"


def test_code_expander_is_there():
    at = run_page(PAGE)
    assert [e.label for e in at.expander] == ["Show the PyTorch code"]
    assert "loss.backward()" in at.code[0].value
