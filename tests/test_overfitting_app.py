"""AppTest for the overfitting page: the widgets drive the run, the numbers shown match the
book's log and an independent replay (the code panel's plain torch loop), the split shows
tc.split's indices, the leak really leaks, and the chart carries a working scrubber."""

from __future__ import annotations

import pytest
import torch
from conftest import as_number, chart_specs, metric_value, run_page

import thermo_core as tc
from thermo_core.lessons import overfitting as ov
from ui.codegen import run_script
from ui.overfitting import charts
from ui.vega import validate

torch.set_num_threads(1)
PAGE = "pages/overfitting.py"
METRICS = {"Training loss": "train_loss", "Validation loss": "val_loss",
           "Best epoch": "best_epoch"}
FAST = {"ov_model": "linear", "ov_opt": "SGD", "ov_lr": "0.01", "ov_epochs": "500"}


def _spec(at) -> dict:
    [spec] = chart_specs(at)
    return spec


def _shown(at) -> dict[str, float]:
    return {name: as_number(metric_value(at, label)) for label, name in METRICS.items()}


def _replayed(at) -> dict[str, float]:
    printed = run_script(at.code[0].value, timeout=600)
    return {name: float(printed[name]) for name in METRICS.values()}


def _text(at) -> str:
    return "\n".join(m.value for m in at.markdown) + "\n".join(w.value for w in at.warning)


@pytest.fixture(scope="module")
def default_page():
    return run_page(PAGE, timeout=600)


def test_default_is_chapter_6_network_with_training_below_validation(default_page):
    at = default_page
    assert at.radio(key="ov_model").value == "mlp" and at.select_slider(key="ov_hidden").value == 13
    shown = _shown(at)
    assert shown["train_loss"] < shown["val_loss"], "chapter 6: training ends below validation"
    assert shown == pytest.approx(_replayed(at), abs=1e-4)  # the code panel's plain loop
    assert not at.error and not at.warning


def test_book_split_preset_reproduces_the_printed_log():
    at = run_page(PAGE, timeout=600)
    [button] = [b for b in at.button if b.label == "The book's split"]
    button.click().run(timeout=600)
    assert as_number(metric_value(at, "Training loss")) == pytest.approx(3.0125, abs=5e-5)
    assert as_number(metric_value(at, "Validation loss")) == pytest.approx(3.5756, abs=5e-5)
    [table] = [d.value for d in at.dataframe if "training" in d.value.columns]  # the book's log
    assert table.to_dict("records") == [
        {"epoch": 1, "training": "66.5811", "validation": "142.3890"},
        {"epoch": 500, "training": "7.1454", "validation": "9.1252"},
        {"epoch": 3000, "training": "3.0125", "validation": "3.5756"},
    ]
    assert "Final parameters [w, b] = [5.1964, −16.7512]" in _text(at)
    [box] = [i.value for i in at.info if "The book's split" in i.value]
    assert "66.5811" in box and "3.5756" in box
    assert _shown(at) == pytest.approx(_replayed(at), abs=1e-4)


def test_shuffled_split_shows_tc_split_indices_and_colours_the_points():
    at = run_page(PAGE, {**FAST, "ov_split": "random"}, timeout=600)
    at.select_slider(key="ov_val").set_value(0.4)
    at.number_input(key="ov_seed").set_value(3).run(timeout=600)
    tr, va = tc.split(11, 0.4, 3)
    assert len(va) == 4
    assert f"training `{tr.tolist()}`, validation `{va.tolist()}`" in _text(at)
    points = _spec(at)["datasets"]["points"]
    held = sorted(int(p["index"]) for p in points if p["role"] == "validation")
    assert held == sorted(va.tolist())
    assert at.query_params["ov_seed"] == "3" and at.query_params["ov_val"] == "0.4"
    assert _shown(at) == pytest.approx(_replayed(at), abs=1e-4)


def test_leak_switch_trains_on_validation_and_the_fresh_readings_show_it():
    at = run_page(PAGE, FAST, timeout=600)
    honest_val = as_number(metric_value(at, "Validation loss"))
    at.toggle(key="ov_leak").set_value(True).run(timeout=600)
    leaked_val = as_number(metric_value(at, "Validation loss"))
    assert leaked_val < honest_val
    settings = dict(kind="linear", optimizer="SGD", lr=0.01, epochs=500)
    report = ov.leak_comparison(**settings)
    [box] = [w.value for w in at.warning if "leak" in w.value]
    assert box == report.explanation
    last = report.table.set_index("run")
    assert leaked_val == pytest.approx(last.loc["leak", "val_loss"], abs=1e-4)
    spec = _spec(at)
    colour = spec["vconcat"][0]["layer"][1]["encoding"]["color"]["scale"]["domain"]
    assert "fresh readings" in colour
    assert "val_loss.backward()  # BUG" in at.code[0].value
    assert _shown(at) == pytest.approx(_replayed(at), abs=1e-4)


def test_more_data_adds_synthetic_training_points_and_compares():
    at = run_page(PAGE, FAST, timeout=600)
    at.select_slider(key="ov_extra").set_value(20).run(timeout=600)
    points = _spec(at)["datasets"]["points"]
    assert sum(p["role"] == "synthetic" for p in points) == 20
    su, _ = tc.synthetic_readings(20, 3.0, 0)
    synth = sorted(p["t_u"] for p in points if p["role"] == "synthetic")
    assert synth == pytest.approx(sorted(su.tolist()), abs=1e-4)
    assert "With 20 extra readings (29 training points)" in _text(at)
    assert _shown(at) == pytest.approx(_replayed(at), abs=1e-4)


def test_scrubber_is_a_browser_parameter_over_every_epoch(default_page):
    spec = _spec(default_page)
    [param] = spec["params"]
    assert param["name"] == charts.SCRUB and param["bind"]["input"] == "range"
    assert param["bind"]["max"] == 5000 and param["value"] == 5000
    frames = spec["datasets"]["frames"]
    epochs = sorted({f["epoch"] for f in frames})
    assert epochs[0] == 1 and epochs[-1] == 5000 and len(epochs) >= 20
    assert len(spec["datasets"]["losses"]) <= 310  # thinned for drawing
    [best] = spec["datasets"]["best"]
    assert best["epoch"] == int(as_number(metric_value(default_page, "Best epoch")))
    size = sum(len(d.data.data) for d in default_page.get("vega_lite_chart")[0].proto.datasets)
    assert size < 300_000


def test_chart_templates_are_valid_vega_lite():
    for fresh in (False, True):
        for synthetic in (False, True):
            validate(charts.key_spec({}, {"epoch": 1, "label": "", "note": ""}, 10, fresh,
                                     synthetic))


def test_no_grad_check_matches_an_independent_graph(default_page):
    t_u, t_c = tc.load_readings()
    tr, va = tc.book_split()
    model = tc.make_model("mlp", t_u=t_u[tr], hidden=13, seed=0)
    with torch.no_grad():
        quiet = ((model(t_u[va]) - t_c[va]) ** 2).mean()
    loud = ((model(t_u[va]) - t_c[va]) ** 2).mean()
    assert quiet.requires_grad is False and loud.requires_grad is True
    text = _text(default_page)
    assert "`requires_grad == False`" in text and "`requires_grad == True`" in text
    assert f"**{tc.count_graph_nodes(loud)}** nodes stay alive" in text


def test_link_sets_the_model():
    at = run_page(PAGE, {"ov_model": "poly", "ov_degree": "10", "ov_epochs": "500",
                         "ov_lr": "0.1"}, timeout=600)
    assert at.slider(key="ov_degree").value == 10 and at.select_slider(key="ov_lr").value == 0.1
    assert "coeffs = torch.zeros(11" in at.code[0].value
    assert _shown(at) == pytest.approx(_replayed(at), abs=1e-4)


def test_diverging_is_a_warning_with_its_epoch_not_an_error():
    at = run_page(PAGE, {"ov_lr": "0.1", "ov_epochs": "500"}, timeout=600)  # the MLP, SGD
    run = ov.experiment("mlp", hidden=13, lr=0.1, epochs=500, holdout=0)
    assert run.diverged_at is not None
    assert not at.error and not at.exception
    [box] = [w.value for w in at.warning if "diverged" in w.value]
    assert f"at epoch {run.diverged_at}" in box and "too large" in box


def test_a_hidden_controls_link_value_is_dropped_not_left_unread(default_page):
    at = run_page(PAGE, {"ov_degree": "7", "ov_seed": "x`[a](https://example.com)`"}, timeout=600)
    assert "ov_degree" not in at.query_params and "ov_seed" not in at.query_params
    assert not at.error
