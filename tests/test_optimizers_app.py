"""AppTest for "Optimizer comparison": the race runs, the table matches an independent
run, the chapter's lesson holds, links choose optimizers strictly, and the code panel
prints what the page shows."""

from __future__ import annotations

import math

import pytest
from conftest import as_number, chart_specs, run_page
from reference import lstsq64, mse64

import thermo_core as tc
from thermo_core.lessons import optimizers as op
from ui.codegen import run_script
from ui.optimizers import charts
from ui.optimizers.settings import IDS, PRESETS
from ui.vega import validate

PAGE = "pages/optimizers.py"


def _frame(at, column: str):
    """The one table on the page with this column (the chart's numbers table comes first)."""
    [frame] = [d.value for d in at.dataframe if column in d.value.columns]
    return frame


def _table(at) -> dict[str, dict]:
    frame = _frame(at, "final loss")
    return {row["optimizer"]: row for row in frame.to_dict("records")}


def test_template_is_valid_vega_lite():
    validate(charts.template())


def test_default_view_races_four_optimizers_and_scores_them():
    at = run_page(PAGE)
    assert not at.error and not at.warning
    table = _table(at)
    assert list(table) == ["SGD", "SGD + momentum", "RMSprop", "Adam"]
    xs = tc.load_readings()[0].double().tolist()
    best_loss = mse64(*lstsq64(xs), xs)
    for label, row in table.items():
        r = op.run_optimizer(label, "none", epochs=5000, state_at=[])
        loss = r.run.history["loss"].tolist()
        assert as_number(row["final loss"]) == pytest.approx(loss[-1], abs=1e-6)
        hits = [i + 1 for i, v in enumerate(loss) if v <= best_loss * 1.01]
        assert row["within 1% at"] == (f"epoch {hits[0]}" if hits else "never")
        w, b = r.raw_params
        bw, bb = lstsq64()
        assert as_number(row["distance"]) == float(f"{math.hypot(w - bw, b - bb):.3g}")
    assert table["SGD"]["within 1% at"] == "never"  # the lesson: SGD crawls on raw inputs


def test_chart_carries_paths_optimum_and_scrubber():
    at = run_page(PAGE)
    (spec,) = chart_specs(at)
    (param,) = spec["params"]
    assert param["name"] == "epoch" and param["bind"]["input"] == "range"
    assert param["bind"]["max"] == 5000
    paths = spec["datasets"]["paths"]
    assert {p["opt"] for p in paths} == {"SGD", "SGD + momentum", "RMSprop", "Adam"}
    assert len(paths) <= 4 * 361  # downsampled for drawing
    (best,) = spec["datasets"]["best"]
    bw, bb = lstsq64()
    assert (best["w"], best["b"]) == (pytest.approx(bw, abs=1e-9), pytest.approx(bb, abs=1e-9))
    colours = spec["vconcat"][1]["layer"][0]["encoding"]["color"]["scale"]
    assert colours["range"] == [charts.COLOURS[x] for x in colours["domain"]]


def test_chapters_lesson_preset_adam_copes_with_raw_inputs():
    at = run_page(PAGE)
    at.button(key="optimizers.preset.0").click().run()
    table = _table(at)
    assert list(table) == ["SGD", "Adam"]
    assert table["Adam"]["final loss"] == "2.927646"
    text = at.info[0].value
    assert "[0.5367, −17.3021]" in text and "2.927646" in text
    assert table["SGD"]["within 1% at"] == "never"


def test_too_large_rate_is_a_warning_with_the_epoch():
    at = run_page(PAGE)
    at.button(key="optimizers.preset.2").click().run()
    run = tc.train(tc.load_readings()[0], tc.load_readings()[1], optimizer="SGD", lr=1e-3, epochs=5000)
    assert not at.error
    assert any(f"SGD diverged at epoch {run.diverged_at}" in w.value for w in at.warning)
    assert _table(at)["SGD"]["diverged"] == f"at {run.diverged_at}"


def test_link_chooses_optimizers_and_rates_strictly():
    at = run_page(PAGE, {"opts": "adam,lbfgs", "opt_norm": "scale", "opt_adam_lr": "0.05"})
    assert list(_table(at)) == ["Adam", "LBFGS"]
    assert at.query_params["opts"] in ("adam,lbfgs", ["adam,lbfgs"])
    bad = run_page(PAGE, {"opts": "adam,Lion"})
    assert list(_table(bad)) == ["SGD", "SGD + momentum", "RMSprop", "Adam"]
    assert any("opts" in t.value for t in bad.text)


def test_inputs_reset_rates_to_that_inputs_defaults_and_keep_the_url_short():
    at = run_page(PAGE)
    at.radio(key="opt_norm").set_value("scale").run()
    assert at.select_slider(key="opt_sgd_lr").value == op.CATALOGUE["SGD"].lr["scale"]
    assert set(at.query_params) == {"opt_norm"}


def test_inside_the_optimizer_adam_steps_by_lr_whatever_the_gradient():
    at = run_page(PAGE)
    frame = _frame(at, "quantity")
    adam = frame[frame["optimizer"] == "Adam"].set_index("quantity")
    sgd = frame[frame["optimizer"] == "SGD"].set_index("quantity")
    g = tc.analytic_grad(*(t.double() for t in tc.load_readings()), 1.0, 0.0)
    assert as_number(sgd.loc["gradient", "w"]) == pytest.approx(float(g[0]), rel=1e-5)
    assert as_number(sgd.loc["step taken", "w"]) == pytest.approx(-1e-4 * float(g[0]), rel=1e-4)
    # epoch 1: m̂/√v̂ = g/|g|, so Adam moves each parameter by lr = 0.1
    for axis in ("w", "b"):
        assert as_number(adam.loc["step taken", axis]) == pytest.approx(-0.1, rel=1e-4)


def test_code_panel_prints_the_tables_numbers():
    at = run_page(PAGE)
    at.button(key="optimizers.preset.0").click().run()
    printed = run_script(at.code[0].value)
    for label, row in _table(at).items():
        oid = {v: k for k, v in IDS.items()}[label]
        assert float(printed[f"{oid}_loss"]) == pytest.approx(as_number(row["final loss"]), abs=3e-6)
        assert printed[f"{oid}_within_1pct_at"] == row["within 1% at"].removeprefix("epoch ")
        assert printed[f"{oid}_diverged_at"] == "never"


def test_presets_generate_their_sentences_from_runs():
    texts = [p.text(None) for p in PRESETS]
    sgd = op.run_optimizer("SGD", "scale", 2e-2, 5000, state_at=[])
    assert f"epoch {sgd.reached_at}" in texts[1]


def test_nesterov_cannot_be_given_zero_momentum():
    """Found by the fuzz: torch raises for Nesterov with momentum 0, so 0 is not offered."""
    at = run_page("pages/optimizers.py", {"opts": "sgd,nesterov", "opt_nesterov_mom": "0"})
    assert not at.exception and not at.error
    [slider] = [s for s in at.slider if s.key == "opt_nesterov_mom"]
    assert slider.min > 0 and slider.value > 0
    slider.set_value(slider.min).run()
    assert not at.exception and not at.error
