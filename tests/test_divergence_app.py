"""AppTest for "Divergence at high learning rates": widgets drive the run, every number
shown is checked against the book's printed values or an independent float64 computation,
and the code panel prints what the page shows."""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys

import numpy as np
import pytest
from conftest import as_number, chart_specs, metric_value, run_page
from reference import T_C, T_U_BOOK

from thermo_core.numbers import fmt
from ui import palette
from ui.divergence import charts
from ui.divergence.settings import PRESETS
from ui.vega import validate

PAGE = "pages/divergence.py"


def _key(at) -> dict:
    return chart_specs(at)[0]


def _book_log(at) -> str:
    [log] = [m.value for m in at.markdown if m.value.startswith("```text")]
    return log


def _hessian64(scale: float = 1.0) -> np.ndarray:
    x = np.array(T_U_BOOK, dtype=np.float64) * scale
    return 2 * np.array([[np.mean(x * x), np.mean(x)], [np.mean(x), 1.0]])


def test_defaults_are_the_chapters_blow_up_said_in_words():
    at = run_page(PAGE)
    [warning] = [w.value for w in at.warning]
    assert warning.startswith("**Diverged at epoch 11.**")
    assert not at.error
    lam = np.linalg.eigvalsh(_hessian64())
    assert as_number(metric_value(at, "lr ÷ critical lr").rstrip("×")) == pytest.approx(
        0.01 / (2 / lam[1]), rel=2e-3)
    spec = _key(at)
    assert spec["datasets"]["bad"][0]["epoch"] == 11
    finite = [r["loss"] for r in spec["datasets"]["loss"] if r["loss"] is not None
              and math.isfinite(r["loss"])]
    assert len(finite) == 10 and finite[0] == pytest.approx(1763.884644, rel=1e-6)
    edges = [r for r in spec["datasets"]["path"] if not r["point"]]
    assert len(edges) == 1 and edges[0]["w_plot"] == -24.0  # pinned to the window's left edge
    assert "left the plot at epoch 2" in warning


def test_book_log_matches_the_printed_book_for_lr_1e2():
    log = _book_log(run_page(PAGE))
    for line in (
        "Epoch 1, Loss 1763.884644",
        "Params: tensor([-44.1730,  -0.8260])",
        "Grad:   tensor([4517.2969,   82.6000])",
        "Epoch 2, Loss 5802485.500000",
        "Params: tensor([2568.4014,   45.1637])",
        "Epoch 3, Loss 19408035840.000000",
        "Params: tensor([-148527.7344,   -2616.3933])",
        "Epoch 10, Loss 90901154706620645225508955521810432.000000",
        "Params: tensor([3.2144e+17, 5.6621e+15])",
        "Epoch 11, Loss inf",
        "Params: tensor([-1.8590e+19, -3.2746e+17])",
    ):
        assert line in log, line


@pytest.mark.parametrize(
    ("query", "lines"),
    [
        ({"lr": "0.0001"}, ["Epoch 100, Loss 29.022669", "Params: tensor([ 0.2327, -0.0438])"]),
        ({"norm": "scale", "epochs": "5000"},
         ["Epoch 5000, Loss 2.927648", "Params: tensor([  5.3671, -17.3012])"]),
    ],
)
def test_book_log_matches_the_book_for_the_stable_runs(query, lines):
    at = run_page(PAGE, query)
    log = _book_log(at)
    for line in lines:
        assert line in log
    assert not at.warning


@pytest.mark.parametrize(("query", "typed"), [({}, 3.6e-4), ({"norm": "scale"}, 0.06), ({}, 2.0001e-4),
                                              ({}, 3e-4)])
def test_typed_lr_and_log_slider_show_the_same_rate(query, typed):
    at = run_page(PAGE, query)
    at.number_input(key="lr").set_value(typed).run()
    slider = at.select_slider(key="divergence.lr_pick")
    assert slider.value == typed  # the slider stops at the typed rate, not the nearest stop
    assert fmt(typed, sig=10, trim=True) in slider.options
    assert len(set(slider.options)) == len(slider.options)  # 0.0002 and 0.00020001 differ
    crit = 2 / np.linalg.eigvalsh(_hessian64(0.1 if query else 1.0))[1]
    assert f"{fmt(round(crit, 8), sig=10, trim=True)} = critical" in slider.options  # a stop
    slider.set_value(0.5).run()
    assert at.number_input(key="lr").value == 0.5
    assert at.query_params["lr"] == "0.5"


def _gd64_losses(lr: float, epochs: int, scale: float = 1.0,
                 start: tuple[float, float] = (1.0, 0.0)) -> list[float]:
    """The chapter's update in float64, independent of torch: the loss before each update."""
    xs = np.array(T_U_BOOK, dtype=np.float32).astype(np.float64) * scale
    ys = np.array(T_C, dtype=np.float32).astype(np.float64)
    (w, b), out = start, []
    for _ in range(epochs):
        r = w * xs + b - ys
        out.append(float(np.mean(r * r)))
        w, b = w - lr * float(np.mean(2 * r * xs)), b - lr * float(np.mean(2 * r))
    return out


def test_a_run_just_past_the_critical_rate_gets_a_warning_with_its_growth_factor():
    at = run_page(PAGE, {"lr": "0.00036"})
    ref = _gd64_losses(3.6e-4, 100)
    [warning] = [w.value for w in at.warning]
    assert warning.startswith(f"**Diverging: the loss grew {fmt(ref[-1] / ref[0], sig=3, trim=True)}-fold**")
    assert fmt(ref[-1], sig=3, trim=True) in warning
    assert not at.info and not at.success


def test_a_loss_rising_again_past_the_critical_rate_is_diverging_though_below_its_start():
    query = {"lr": "0.00034", "epochs": "1000", "start_w": "0.5", "start_b": "-15"}
    ref = _gd64_losses(3.4e-4, 1000, start=(0.5, -15.0))
    assert 2 / np.linalg.eigvalsh(_hessian64())[1] < 3.4e-4  # just past the critical rate
    assert ref[-1] < ref[0] and ref[-1] > ref[-2]  # below its start, but rising
    at = run_page(PAGE, query)
    [warning] = [w.value for w in at.warning]
    assert warning.startswith("**Diverging: the loss is rising again**")
    assert not at.info and not at.success


def test_a_decayed_rate_that_grew_is_a_warning_not_a_down_trend():
    at = run_page(PAGE, {"norm": "scale", "epochs": "5000", "lr": "0.06",
                         "schedule": "ExponentialLR"})
    [warning] = [w.value for w in at.warning]
    assert warning.startswith("**Diverging: the loss grew") and "below the critical rate" in warning
    assert not at.info and not at.success


@pytest.mark.parametrize(("query", "box", "head"), [
    ({"norm": "scale", "epochs": "5000"}, "success", "**Converged:**"),
    ({"lr": "0.0001"}, "info", "**Stable but slow:**"),
])
def test_status_box_colour_matches_what_happened(query, box, head):
    at = run_page(PAGE, query)
    [shown] = [e.value for e in getattr(at, box)]
    assert shown.startswith(head) and not at.warning
    lr, scale = float(query.get("lr", 0.01)), 0.1 if query.get("norm") == "scale" else 1.0
    ref = _gd64_losses(lr, int(query.get("epochs", 100)), scale)
    assert f"to {fmt(ref[-1], sig=3, trim=True)} in" in shown


def test_step_factors_match_float64_eigenvalues():
    at = run_page(PAGE, {"lr": "0.01"})
    lam = np.linalg.eigvalsh(_hessian64())
    table = next(m.value for m in at.markdown if m.value.startswith("| per step"))
    assert fmt(abs(1 - 0.01 * lam[1]), sig=4) in table  # steep: 57.83, grows
    assert fmt(abs(1 - 0.01 * lam[0]), sig=4) in table  # flat: 0.9982, shrinks
    assert "grows, flips side" in table and "| shrinks" in table
    prose = next(m.value for m in at.markdown if m.value.startswith("At lr = 0.01"))
    assert "steep direction (mostly w" in prose and "2·mean(t_u²)" in prose


def test_a_factor_just_below_one_never_shows_as_one():
    at = run_page(PAGE, {"lr": "0.0001"})
    lam_min = np.linalg.eigvalsh(_hessian64())[0]
    factor = abs(1 - 1e-4 * lam_min)  # 0.99998: the flat direction shrinks, slowly
    table = next(m.value for m in at.markdown if m.value.startswith("| per step"))
    row = next(line for line in table.splitlines() if line.startswith("| factor"))
    shown = as_number(re.findall(r"\*\*([^*]+)\*\*", row)[0])  # the flattest column
    assert shown < 1 and shown == pytest.approx(factor, abs=5e-6)


def test_sweep_has_sixty_rates_three_regions_and_the_critical_rule():
    at = run_page(PAGE, {"norm": "scale", "epochs": "5000"})
    sweep = chart_specs(at)[1]
    rows = sweep["datasets"]["sweep"]
    assert len(rows) >= 60
    assert {r["region"] for r in rows} == {"too slow", "converging", "diverging"}
    crit = 2 / np.linalg.eigvalsh(_hessian64(0.1))[1]
    rule = next(r for r in sweep["datasets"]["rules"] if r["what"] == "critical lr")
    assert rule["lr"] == pytest.approx(crit, rel=1e-6)
    assert all(r["region"] == "diverging" for r in rows if r["lr"] > crit * 1.01)
    validate(sweep)


def _layers(spec: dict) -> list[dict]:
    out = []
    for layer in spec.get("layer", []):
        out += _layers(layer) if "layer" in layer else [layer]
    return out


def test_sweep_names_regions_by_shape_and_its_labels_sit_apart():
    at = run_page(PAGE, {"lr": "0.00036"})  # your lr right beside the critical rate
    layers = _layers(chart_specs(at)[1])
    points = [ly for ly in layers if ly["encoding"].get("shape", {}).get("field") == "region"]
    assert points and len(set(points[0]["encoding"]["shape"]["scale"]["range"])) == 3
    labels = {}
    for ly in layers:
        mark = ly["mark"] if isinstance(ly["mark"], dict) else {"type": ly["mark"]}
        if mark["type"] == "text" and ly.get("transform"):
            what = "critical lr" if "critical" in json.dumps(ly["transform"]) else "your lr"
            labels[what] = ly["encoding"]["y"]["value"]
    assert labels["critical lr"] == 0 and labels["your lr"] == charts.LABEL_GAP
    caption = next(c.value for c in at.caption if c.value.startswith("Each mark"))
    assert palette.REGIONS["diverging"] == "#d55e00" and "orange diamonds: diverging" in caption
    assert "red: diverging" not in caption and "Blue squares: too slow" in caption


def test_schedule_preset_converges_where_the_constant_rate_diverges():
    at = run_page(PAGE)
    [button] = [b for b in at.button if b.label == "Decay rescues it"]
    button.click().run()
    assert not at.warning and not at.error
    caption = next(c.value for c in at.caption if "Held constant" in c.value)
    assert "diverges at epoch 44" in caption and "ends at loss 2.9277" in caption
    lrs = chart_specs(at)[2]["datasets"]["lrs"]
    assert lrs[0]["lr"] == pytest.approx(0.06) and lrs[-1]["lr"] < 0.033
    box = [i.value for i in at.info if "Decay rescues it" in i.value]
    assert box and "diverges at epoch 44" in box[0]


def _panel_reproduces_the_page(at) -> dict[str, str]:
    """Run the page's code panel (any warning an error) and check it prints what the page
    shows, to the digits it prints."""
    out = subprocess.run([sys.executable, "-W", "error", "-c", at.code[0].value],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-1500:]
    printed = dict(line.split(" = ", 1) for line in out.stdout.splitlines() if " = " in line)
    bad = _key(at)["datasets"]["bad"]
    labels = tuple(f"**{p.label}:**" for p in PRESETS)
    [box] = [e.value for kind in ("warning", "info", "success") for e in getattr(at, kind)
             if not e.value.startswith(labels)]
    caption = next(c.value for c in at.caption if c.value.startswith("Runs on its own"))
    if bad:
        assert printed["diverged_at"] == str(bad[0]["epoch"])
        assert box.startswith(f"**Diverged at epoch {printed['diverged_at']}.**")
    else:
        assert printed["diverged_at"] == "never"
    if "peak_loss" in printed:  # a schedule: the peak is reproducible even when the end is not
        said = re.findall(r"([0-9][0-9,.e−]*) at epoch (\d+)",
                          " ".join(c.value for c in at.caption) + box)
        assert any(int(n) == int(printed["peak_epoch"]) and as_number(v) == pytest.approx(
            float(printed["peak_loss"]), rel=5e-3) for v, n in said), said
    if "rounding noise" in box:
        assert "will not match" in caption
        assert float(printed["final_loss"]) > as_number(box.split("from ")[1].split(" to")[0])
        return printed
    if not bad:
        last = _key(at)["datasets"]["loss"][-1]
        assert float(printed["final_loss"]) == pytest.approx(last["loss"], rel=1e-4)
    shown = caption.split("torch: [")[1].split("]")[0].split(", ")
    for name, text in zip(("w", "b"), shown, strict=True):
        assert as_number(text) == pytest.approx(float(printed[name]), rel=2e-5), name
    return printed


@pytest.mark.parametrize(
    "query",
    [{}, {"lr": "0.0001"}, {"norm": "scale", "lr": "0.06", "epochs": "300", "rule": "SGD"},
     {"norm": "standardize", "lr": "0.5", "schedule": "StepLR", "step_size": "20",
      "start_w": "5", "start_b": "-3"}, {"lr": "0.00036"},
     {"norm": "scale", "epochs": "5000", "lr": "0.06", "schedule": "ExponentialLR"}],
)
def test_code_panel_prints_what_the_page_shows(query):
    _panel_reproduces_the_page(run_page(PAGE, query))


def test_code_panel_reproduces_every_preset():
    at = run_page(PAGE)
    for preset in PRESETS:
        [button] = [b for b in at.button if b.label == preset.label]
        button.click().run()
        _panel_reproduces_the_page(at)


def test_rounding_noise_is_said_and_float64_named():
    at = run_page(PAGE, {"norm": "scale", "epochs": "5000", "lr": "0.06",
                         "schedule": "ExponentialLR"})
    [box] = [w.value for w in at.warning]
    assert "rounding noise" in box
    ref = _gd64_losses_scheduled(0.06, 0.99, 5000, 0.1)
    assert f"float64 it ends near loss {fmt(ref, sig=2, trim=True)}" in box


def _gd64_losses_scheduled(lr: float, gamma: float, epochs: int, scale: float) -> float:
    """The chapter's update in float64 with lr·γ^k: the loss before the last update."""
    xs = np.array(T_U_BOOK, dtype=np.float32).astype(np.float64) * scale
    ys = np.array(T_C, dtype=np.float32).astype(np.float64)
    w, b = 1.0, 0.0
    for k in range(epochs):
        r = w * xs + b - ys
        if k == epochs - 1:
            return float(np.mean(r * r))
        rate = lr * gamma**k
        w, b = w - rate * float(np.mean(2 * r * xs)), b - rate * float(np.mean(2 * r))
    raise AssertionError


def test_url_start_point_and_bad_values_are_handled():
    at = run_page(PAGE, {"start_w": "3", "start_b": "-5", "lr": "abc", "epochs": "99999"})
    assert at.number_input(key="start_w").value == 3.0
    path = _key(at)["datasets"]["point"]
    assert path == [{"w": 3.0, "b": -5.0}]
    assert at.number_input(key="lr").value == 0.01 and at.number_input(key="epochs").value == 100
    notes = [t.value for t in at.text]
    assert any(n.startswith("lr = 'abc'") for n in notes) and any("epochs" in n for n in notes)


def test_templates_are_valid_vega_lite_and_data_stays_small():
    at = run_page(PAGE, {"norm": "scale", "lr": "0.03", "epochs": "5000"})
    spec = _key(at)
    validate(spec)
    assert len(spec["datasets"]["path"]) <= 2 * 400 and len(spec["datasets"]["loss"]) <= 420
    sent = sum(len(el.proto.spec) + sum(len(d.data.data) for d in el.proto.datasets)
               for el in at.get("vega_lite_chart"))
    assert sent < 300_000, sent
    assert spec["params"][-1]["name"] == charts.SCRUB
    assert spec["params"][-1]["bind"]["input"] == "range"
    assert json.dumps(spec).count('"epoch"') > 0


def test_every_preset_runs_without_an_error_box():
    at = run_page(PAGE)
    for preset in PRESETS:
        [button] = [b for b in at.button if b.label == preset.label]
        button.click().run()
        assert not at.error and not at.exception
        assert any(preset.label in i.value for i in at.info)
