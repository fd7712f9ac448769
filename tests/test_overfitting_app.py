"""AppTest for the overfitting page: the widgets drive the run, the numbers shown match the
book's log and an independent replay (the code panel's plain torch loop), the split shows
tc.split's indices, the leak really leaks, and the chart carries a working scrubber."""

from __future__ import annotations

import re

import pytest
import torch
from conftest import as_number, chart_specs, metric_value, page_text, run_page, run_script
from reference import T_C, T_U32, f32
from test_overfitting_core import BOOK_LOG, BOOK_TRAIN, BOOK_VAL

import thermo_core as tc
from thermo_core.lessons import overfitting as ov
from ui.controls import defaults
from ui.overfitting import charts, text
from ui.overfitting.settings import CONTROLS, PRESETS
from ui.vega import validate

torch.set_num_threads(1)
PAGE = "pages/overfitting.py"
METRICS = {"Training loss": "train_loss", "Validation loss": "val_loss",
           "Best epoch": "best_epoch"}
FAST = {"ov_model": "linear", "ov_opt": "SGD", "ov_lr": "0.01", "ov_epochs": "500"}
NUMBER = re.compile(r"[−-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:e[−-]?\d+)?")
LOG_COLUMNS = ["epoch", "book: training", "book: validation", "this run: training",
               "this run: validation", "same digits"]


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


def _log(at) -> list[dict]:
    [table] = [d.value for d in at.dataframe if "book: training" in d.value.columns]
    return table.to_dict("records")


@pytest.fixture(scope="module")
def default_page():
    return run_page(PAGE, timeout=600)


def test_default_is_the_chapters_split_and_line_and_reproduces_the_books_log(default_page):
    """The page opens on Chapter 5's own run, so its numbers are the book's printed log."""
    at = default_page
    assert at.radio(key="ov_model").value == "linear" and at.radio(key="ov_split").value == "book"
    last = max(BOOK_LOG)
    assert metric_value(at, "Training loss") == BOOK_LOG[last][0]
    assert metric_value(at, "Validation loss") == BOOK_LOG[last][1]
    assert [(r["epoch"], r["this run: training"], r["this run: validation"]) for r in _log(at)] \
        == [(e, *pair) for e, pair in BOOK_LOG.items()]
    assert _shown(at) == pytest.approx(_replayed(at), abs=1e-4)  # the code panel's plain loop
    assert not at.error and not at.warning


def test_book_log_sits_beside_this_runs_labelled_in_one_table():
    at = run_page(PAGE, FAST, timeout=600)  # 500 epochs: the book's epoch-3000 row is not reached
    rows = _log(at)
    assert list(rows[0]) == LOG_COLUMNS
    assert [(r["epoch"], r["book: training"], r["book: validation"]) for r in rows] \
        == [(e, *pair) for e, pair in BOOK_LOG.items()]
    by_epoch = {r["epoch"]: r for r in rows}
    assert by_epoch[max(BOOK_LOG)]["this run: training"] == "—"
    assert by_epoch[max(BOOK_LOG)]["same digits"] == "no"
    assert (by_epoch[1]["this run: training"], by_epoch[1]["this run: validation"]) == BOOK_LOG[1]


def test_the_chapters_line_is_the_default_and_the_rest_are_beyond_the_chapter():
    first, *beyond = PRESETS
    start = defaults(CONTROLS)
    assert all(start[key] == value for key, value in first.values.items())
    assert beyond and all(p.label.startswith("Beyond the chapter") for p in beyond)
    assert all("Chapter 6" in p.label or "Chapter 6" in p.help or "Chapter 5's exercise" in p.help
               for p in beyond)


@pytest.mark.parametrize("index", range(len(PRESETS)))
def test_every_number_a_preset_quotes_is_on_the_page(index):
    at = run_page(PAGE, timeout=600)
    at.button(key=f"overfitting.preset.{index}").click().run(timeout=600)
    [box] = [i.value for i in at.info if PRESETS[index].label in i.value]
    shown = set(NUMBER.findall(page_text(at, leave_out=box)))
    quoted = NUMBER.findall(box.split(":**", 1)[1])
    assert quoted and not [n for n in quoted if n not in shown]


def test_book_split_preset_reproduces_the_printed_log():
    at = run_page(PAGE, {"ov_model": "mlp"}, timeout=600)
    [button] = [b for b in at.button if b.label == "The chapter's line"]
    button.click().run(timeout=600)
    assert as_number(metric_value(at, "Training loss")) == pytest.approx(3.0125, abs=5e-5)
    assert as_number(metric_value(at, "Validation loss")) == pytest.approx(3.5756, abs=5e-5)
    last = max(BOOK_LOG)
    assert metric_value(at, "Training loss") == BOOK_LOG[last][0]
    assert metric_value(at, "Validation loss") == BOOK_LOG[last][1]
    assert [(r["epoch"], r["this run: training"], r["this run: validation"]) for r in _log(at)] \
        == [(1, "66.5811", "142.3890"), (500, "7.1454", "9.1252"), (3000, "3.0125", "3.5756")]
    assert all(r["same digits"] == "yes" for r in _log(at))
    assert "Final parameters [w, b] = [5.1964, −16.7512]" in _text(at)
    [box] = [i.value for i in at.info if "The chapter's line" in i.value]
    assert BOOK_LOG[1][0] in box and BOOK_LOG[last][1] in box
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


def _leak_replay(leak: bool, epochs: int = 500, lr: float = 0.01) -> tuple[float, float]:
    """Plain-Python float64 replay of the book's line (0.1·t_u, from (1, 0)) on the book's
    split, with the validation gradient added when ``leak``: the last epoch's validation
    loss and its loss on the fresh readings, before that epoch's update."""
    gen = torch.Generator().manual_seed(ov.HOLDOUT_SEED)  # the fresh readings, drawn as
    fresh_c = -5.0 + 35.0 * torch.rand(200, generator=gen, dtype=torch.float64)  # documented
    fresh_u = 1.8 * fresh_c + 32.0 + 3.0 * torch.randn(200, generator=gen, dtype=torch.float64)
    hx = [f32(0.1 * f32(u)) for u in fresh_u.tolist()]
    hy = [f32(c) for c in fresh_c.tolist()]
    xs, ys = [f32(0.1 * T_U32[i]) for i in BOOK_TRAIN], [T_C[i] for i in BOOK_TRAIN]
    vx, vy = [f32(0.1 * T_U32[i]) for i in BOOK_VAL], [T_C[i] for i in BOOK_VAL]

    def mse(w, b, x, y):
        return sum((w * a + b - c) ** 2 for a, c in zip(x, y, strict=True)) / len(x)

    def grad(w, b, x, y):
        r = [w * a + b - c for a, c in zip(x, y, strict=True)]
        return 2 * sum(ri * a for ri, a in zip(r, x, strict=True)) / len(x), 2 * sum(r) / len(x)

    w, b = 1.0, 0.0
    for _ in range(epochs):
        last = (mse(w, b, vx, vy), mse(w, b, hx, hy))
        gw, gb = grad(w, b, xs, ys)
        if leak:
            lw, lb = grad(w, b, vx, vy)
            gw, gb = gw + lw, gb + lb
        w, b = w - lr * gw, b - lr * gb
    return last


def test_leak_switch_trains_on_validation_and_the_fresh_readings_show_it():
    at = run_page(PAGE, FAST, timeout=600)
    honest_val = as_number(metric_value(at, "Validation loss"))
    at.toggle(key="ov_leak").set_value(True).run(timeout=600)
    leaked_val = as_number(metric_value(at, "Validation loss"))
    assert leaked_val < honest_val
    [box] = [w.value for w in at.warning if "leak" in w.value]
    (h_val, h_new), (k_val, k_new) = _leak_replay(False), _leak_replay(True)
    expected = [h_val, h_new, k_val, k_new, h_val / k_val, k_new / k_val]
    shown = [as_number(n) for n in NUMBER.findall(box)]
    assert shown == pytest.approx(expected, rel=6e-3)  # three significant digits
    assert leaked_val == pytest.approx(k_val, rel=1e-4)
    spec = _spec(at)
    colour = spec["vconcat"][0]["layer"][1]["encoding"]["color"]["scale"]["domain"]
    assert "fresh readings" in colour
    assert "val_loss.backward()  # BUG" in at.code[0].value
    assert _shown(at) == pytest.approx(_replayed(at), abs=1e-4)


def test_leak_box_reads_the_ratios_from_its_numbers():
    box = text.leak({"val_loss": 3.0, "holdout_loss": 3.5}, {"val_loss": 1.0, "holdout_loss": 4.0})
    assert "3.00× better" in box and "4.00× what it reports" in box
    honest = text.leak({"val_loss": 1.0, "holdout_loss": 1.1}, {"val_loss": 2.0, "holdout_loss": 2.5})
    assert "did not make the validation loss look better" in honest


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
    last = max(BOOK_LOG)  # the page opens on the book's run
    assert param["name"] == charts.SCRUB and param["bind"]["input"] == "range"
    assert param["bind"]["max"] == last and param["value"] == last
    frames = spec["datasets"]["frames"]
    epochs = sorted({f["epoch"] for f in frames})
    assert epochs[0] == 1 and epochs[-1] == last and len(epochs) >= 20
    assert len(spec["datasets"]["losses"]) <= 310  # thinned for drawing
    [best] = spec["datasets"]["best"]
    assert best["epoch"] == int(as_number(metric_value(default_page, "Best epoch")))
    size = sum(len(d.data.data) for d in default_page.get("vega_lite_chart")[0].proto.datasets)
    assert size < 300_000


def test_chart_templates_are_valid_vega_lite():
    for fresh in (False, True):
        for synthetic in (False, True):
            validate(charts.key_spec({}, {"epoch": 1, "label": "", "note": "", "side": "left"}, 10, fresh,
                                     synthetic))


def test_no_grad_check_matches_an_independent_graph(default_page):
    t_u, t_c = tc.load_readings()
    tr, va = tc.book_split()
    model = tc.make_model("linear", t_u=t_u[tr])
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
    at = run_page(PAGE, {"ov_model": "mlp", "ov_lr": "0.1", "ov_epochs": "500"}, timeout=600)
    run = ov.experiment(tc.book(), tc.RunSpec("mlp", hidden=13, lr=0.1, epochs=500), holdout=0)
    assert run.diverged_at is not None
    assert not at.error and not at.exception
    [box] = [w.value for w in at.warning if "diverged" in w.value]
    assert f"at epoch {run.diverged_at}" in box and "too large" in box


def test_a_hidden_controls_link_value_is_dropped_not_left_unread(default_page):
    at = run_page(PAGE, {"ov_degree": "7", "ov_seed": "x`[a](https://example.com)`"}, timeout=600)
    assert "ov_degree" not in at.query_params and "ov_seed" not in at.query_params
    assert not at.error
