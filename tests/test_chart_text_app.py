"""Every chart can be read without seeing it: over the whole catalog, each Vega-Lite spec has a
description generated from the settings, each key chart has its numbers in a closed table with
named headers, each in-browser epoch scrubber has a keyboard twin whose text line states the
run's numbers, and series drawn together differ by more than colour.
"""

from __future__ import annotations

import json
import re

import pytest
from conftest import chart_specs, run_page
from reference import T_C, T_U32, hessian_eigs64, lstsq64, mse64

import thermo_core as tc
from thermo_core.lessons import optimizers as op
from thermo_core.lessons import overfitting as ov
from thermo_core.numbers import parse
from ui.catalog import PAGES
from ui.chart_text import TABLE_LABEL, TWIN_LABEL
from ui.controls import Values, defaults
from ui.finite_differences.charts import SCHEME_SHAPES
from ui.optimizers.settings import IDS
from ui.overfitting import settings as cfg

CHANGED = {
    "home": {"w": "0.5", "b": "-10.0"},
    "loss_surface": {"point_w": "0.3", "point_b": "-5.0", "loss": "huber"},
    "finite_differences": {"delta": "0.001", "dtype": "float64"},
    "divergence": {"lr": "0.0001", "schedule": "StepLR"},
    "autograd": {"ag_nozero": "true"},
    "optimizers": {"opt_norm": "scale", "opts": "sgd,adam"},
    "overfitting": {"ov_model": "mlp"},
}
"""Per page, a link that changes what every chart shows."""
KEY_TABLES = {"home": 1, "loss_surface": 1, "finite_differences": 1, "divergence": 2,
              "autograd": 1, "optimizers": 1, "overfitting": 1}
"""How many key charts each page has, each with its closed numbers table (default settings)."""


def _specs(at) -> list[dict]:
    return [json.loads(el.proto.spec) for el in at.get("vega_lite_chart")]


def _descriptions(at) -> list[str]:
    return [spec.get("description", "") for spec in _specs(at)]


@pytest.fixture(scope="module", params=[p.stem for p in PAGES])
def both(request) -> tuple[str, object, object]:
    stem = request.param
    return stem, run_page(f"pages/{stem}.py"), run_page(f"pages/{stem}.py", CHANGED[stem])


def test_every_chart_has_a_description_that_follows_the_settings(both):
    stem, default, changed = both
    before, after = _descriptions(default), _descriptions(changed)
    assert before and after, f"{stem} draws no chart"
    for text in before + after:
        assert len(text) > 40 and "nan" not in text.lower().split(), (stem, text)
    for old, new in zip(before, after, strict=False):
        assert old != new, f"{stem}: a description did not change with the settings: {old}"


def test_every_key_chart_has_its_numbers_in_a_closed_table(both):
    stem, default, _ = both
    boxes = [e for e in default.expander if e.label == TABLE_LABEL]
    assert len(boxes) == KEY_TABLES[stem]
    for box in boxes:
        assert not box.proto.expanded
        assert box.dataframe, f"{stem}: an empty numbers expander"
        for table in box.dataframe:
            frame = table.value
            assert len(frame) > 0
            assert all(isinstance(c, str) and c.strip() for c in frame.columns), list(frame.columns)


def test_the_divergence_table_is_the_path_not_the_surface():
    at = run_page("pages/divergence.py", {"lr": "0.0001", "epochs": "50"})
    box = next(e for e in at.expander if e.label == TABLE_LABEL)
    frame = box.dataframe[0].value
    assert list(frame.columns) == ["epoch", "w", "b", "loss (before the update)"]
    w, b = _gd64(1e-4, 50)
    for row in frame.itertuples(index=False):
        e = int(row.epoch)
        assert row.w == pytest.approx(w[e - 1], rel=1e-5) and row.b == pytest.approx(b[e - 1], rel=1e-4, abs=1e-6)
        assert row[3] == pytest.approx(mse64(w[e - 1], b[e - 1]), rel=1e-5)
    # Streamlit's "Show data" shows the first dataset: the path, not the 3,600-cell grid
    assert at.get("vega_lite_chart")[0].proto.datasets[0].name == "path"


def _verdict64(lr: float, epochs: int, start: tuple[float, float]) -> str:
    """The divergence page's rule on a float64 replay: diverging if the loss grew, or if the
    rate is past 2/λ_max and the last epoch raised it; converging within 1% of the
    least-squares loss; too slow otherwise."""
    w, b = _gd64(lr, epochs, *start)
    loss = [mse64(wi, bi) for wi, bi in zip(w, b, strict=True)]
    if loss[-1] > loss[0] or (lr > 2 / max(hessian_eigs64(T_U32)) and loss[-1] > loss[-2]):
        return "diverging"
    return "converging" if loss[-1] <= 1.01 * mse64(*lstsq64()) else "too slow"


@pytest.mark.parametrize(("lr", "epochs", "start"), [
    (3.4e-4, 1000, (0.5, -15.0)),  # past the critical rate: below its start, but rising
    (1e-4, 100, (1.0, 0.0)),
])
def test_the_divergence_key_chart_says_the_status_boxs_verdict(lr, epochs, start):
    at = run_page("pages/divergence.py", {"lr": str(lr), "epochs": str(epochs),
                                          "start_w": str(start[0]), "start_b": str(start[1])})
    verdict = _verdict64(lr, epochs, start)
    key = _descriptions(at)[0]
    assert re.search(r"Verdict: (diverging|converging|too slow)\b", key).group(1) == verdict
    w, b = _gd64(lr, epochs, *start)
    if verdict == "diverging":  # the loss fell overall, yet the words must not call it fine
        assert mse64(w[-1], b[-1]) < mse64(w[0], b[0]) and "falls from" in key


@pytest.mark.parametrize("query", [{}, {"norm": "standardize"}])  # two regions, then all three
def test_the_sweep_description_names_the_regions_in_the_order_of_the_lr_axis(query):
    at = run_page("pages/divergence.py", query)
    sweep = next(s for s in chart_specs(at) if "sweep" in s.get("datasets", {}))
    rows = sorted(sweep["datasets"]["sweep"], key=lambda r: r["lr"])
    along = list(dict.fromkeys(r["region"] for r in rows))
    said = re.findall(r"(Too slow|Converging|Diverging): ", sweep["description"])
    assert len(along) > 1 and [n.lower() for n in said] == along


# ---- the scrubbers' twins -----------------------------------------------------------------


def _gd64(lr: float, epochs: int, w: float = 1.0, b: float = 0.0) -> tuple[list[float], list[float]]:
    """The chapter's update in float64: w, b *before* each epoch's update."""
    ws, bs, n = [], [], len(T_U32)
    for _ in range(epochs):
        ws.append(w)
        bs.append(b)
        r = [w * x + b - c for x, c in zip(T_U32, T_C, strict=True)]
        gw = sum(2 * ri * x for ri, x in zip(r, T_U32, strict=True)) / n
        gb = sum(2 * ri for ri in r) / n
        w, b = w - lr * gw, b - lr * gb
    return ws, bs


def _number(text: str, name: str) -> float:
    match = re.search(rf"\b{name} = ([^,;\s]+?)(?:[,;\s]|\.?$)", text)
    assert match, (name, text)
    return parse(match.group(1))


def _twin(at, epoch: int):
    [twin] = [s for s in at.select_slider if s.label == TWIN_LABEL]
    assert epoch in twin.options or str(epoch) in twin.options
    twin.set_value(epoch).run()
    [line] = [m.value for m in at.markdown if "before its update" in m.value]
    return line


def test_divergence_twin_reads_out_the_run_at_the_scrubbed_epoch():
    at = run_page("pages/divergence.py", {"lr": "0.0001", "epochs": "80"})
    line = _twin(at, 37)
    w, b = _gd64(1e-4, 80)
    assert line.startswith("Epoch 37, before its update:")
    assert _number(line, "w") == pytest.approx(w[36], rel=1e-5)
    assert _number(line, "b") == pytest.approx(b[36], rel=1e-4)
    assert _number(line, "loss") == pytest.approx(mse64(w[36], b[36]), rel=1e-5)


def test_optimizers_twin_reads_out_each_optimizer_at_the_scrubbed_epoch():
    at = run_page("pages/optimizers.py", {"opts": "sgd,adam", "opt_epochs": "500"})
    line = _twin(at, 40)
    for label in ("SGD", "Adam"):
        part = next(p for p in line.split("; ") if p.split(": ")[-2].endswith(label))
        h = op.run_optimizer(tc.book(), label, "none", epochs=500, state_at=[]).run.history.set_index("epoch")
        for name in ("w", "b", "loss"):
            assert _number(part, name) == pytest.approx(float(h.loc[40, name]), rel=1e-5)


def test_overfitting_twin_reads_out_the_line_at_the_scrubbed_epoch():
    at = run_page("pages/overfitting.py", {"ov_model": "linear", "ov_epochs": "500"})
    line = _twin(at, 20)
    s = cfg.run_settings(Values({**defaults(cfg.CONTROLS), "ov_model": "linear", "ov_epochs": 500}))
    spec = tc.RunSpec("linear", optimizer=s["optimizer"], lr=s["lr"], epochs=s["epochs"])
    h = ov.experiment(tc.book(), spec).history.set_index("epoch")
    assert line.startswith("Epoch 20, before its update:")
    assert _number(line, "w") == pytest.approx(float(h.loc[20, "w"]), rel=1e-5)
    assert _number(line, "b") == pytest.approx(float(h.loc[20, "b"]), rel=1e-5)
    assert parse(line.split("training loss ")[1].split(",")[0]) == pytest.approx(
        float(h.loc[20, "loss"]), rel=1e-5)
    assert parse(line.split("validation loss ")[1].split(",")[0]) == pytest.approx(
        float(h.loc[20, "val_loss"]), rel=1e-5)


# ---- never colour alone ---------------------------------------------------------------------


def _scales(spec, channel: str, field: str) -> list[dict]:
    """Every scale of ``channel`` encoding ``field`` anywhere in a spec."""
    found = []
    if isinstance(spec, dict):
        enc = spec.get("encoding", {})
        if isinstance(enc.get(channel), dict) and enc[channel].get("field") == field:
            found.append(enc[channel].get("scale", {}))
        for value in spec.values():
            found += _scales(value, channel, field)
    elif isinstance(spec, list):
        for value in spec:
            found += _scales(value, channel, field)
    return found


def _distinct(spec: dict, channel: str, field: str, names: list[str]) -> None:
    scales = _scales(spec, channel, field)
    assert scales, f"no {channel} encoding on {field}"
    for scale in scales:
        styles = dict(zip(scale["domain"], (json.dumps(s) for s in scale["range"]), strict=False))
        assert set(names) <= set(styles), (names, scale)
        assert len({styles[n] for n in names}) == len(names), (channel, field, scale)


def test_series_drawn_together_differ_by_dash_or_shape():
    ls = _specs(run_page("pages/loss_surface.py", {"loss": "huber"}))
    _distinct(ls[4], "strokeDash", "name", ["MSE: r²", "L1: |r|", "Huber"])
    _distinct(ls[0], "strokeDash", "direction", ["flattest (λ_min)", "steepest (λ_max)"])
    _distinct(ls[0], "shape", "what", ["least-squares minimum", "lowest cell of this loss"])
    fd = _specs(run_page("pages/finite_differences.py", {"scheme": "backward"}))
    _distinct(fd[0], "shape", "shape", ["central", "forward", "backward"])
    assert len(set(SCHEME_SHAPES.values())) == 3
    _distinct(fd[1], "strokeDash", "curve", ["loss, exact (float64)", "loss as the dtype rounds it",
                                             "tangent: the true slope", "finite-difference slope"])
    _distinct(_specs(run_page("pages/divergence.py"))[1], "shape", "region",
              ["too slow", "converging", "diverging"])
    _distinct(_specs(run_page("pages/autograd.py", {"ag_nozero": "true"}))[0], "strokeDash", "run",
              ["with zero_grad()", "without zero_grad()"])
    every = ",".join(IDS)
    race = _specs(run_page("pages/optimizers.py", {"opts": every, "opt_epochs": "100"}))[0]
    labels = race["vconcat"][1]["layer"][0]["encoding"]["color"]["scale"]["domain"]
    assert len(labels) == 11
    _distinct(race, "strokeDash", "opt", labels)
    _distinct(race, "shape", "opt", labels)
    fit = _specs(run_page("pages/overfitting.py", {"ov_model": "linear", "ov_leak": "true",
                                                  "ov_extra": "20", "ov_epochs": "100"}))[0]
    _distinct(fit, "strokeDash", "series", ["training", "validation", "fresh readings"])
    _distinct(fit, "shape", "role", ["train", "validation", "synthetic"])


@pytest.mark.parametrize("stem,query", [("loss_surface", {"loss": "huber"}),
                                        ("loss_surface", {}), ("finite_differences", {})])
def test_captions_name_marks_not_colours(stem, query):
    at = run_page(f"pages/{stem}.py", query)
    words = " ".join([c.value for c in at.caption] + [m.value for m in at.markdown]).lower()
    assert not [p for p in COLOUR_ONLY if p in words]


def test_moving_the_point_keeps_the_heatmaps_spec_so_the_browser_only_swaps_data():
    """Streamlit rebuilds a chart whose spec (description included) changed; the heatmap's
    description leaves the point out, and the point's numbers are in its table instead."""
    at = run_page("pages/loss_surface.py")
    before = _specs(at)[0]
    at.number_input(key="point_w").set_value(0.3).run()
    after = _specs(at)[0]
    assert before.get("description") and before == after
    box = next(e for e in at.expander if e.label == TABLE_LABEL)
    marks = box.dataframe[0].value.iloc[0]
    assert (marks["w"], marks["b"]) == (0.3, 0.0)
    assert marks["loss"] == pytest.approx(mse64(0.3, 0.0), rel=1e-9)


def test_the_autograd_graph_is_named_from_the_real_graph():
    from thermo_core.lessons import autograd as ag

    for model, quad in (("line", None), ("quad", 0.0)):
        at = run_page("pages/autograd.py", {"ag_model": model})
        [chart] = at.get("graphviz_chart")
        g = ag.loss_graph(tc.book(), 1.0, 0.0, quad)
        assert chart.proto.alt.startswith(f"Autograd graph of the loss, {len(g.nodes)} nodes")
        at_ = 0
        for node in g.nodes:  # every node of the real graph, in backward()'s order
            at_ = chart.proto.alt.index(node.op, at_) + len(node.op)
        assert 'digraph "autograd graph of the loss"' in chart.proto.spec


COLOUR_ONLY = ("yellow diamond", "orange the flattest", "teal the steepest", "green: as",
               "red lines", "(blue)")
"""Phrases that named a series by its colour alone."""


@pytest.mark.parametrize("stem", [p.stem for p in PAGES])
def test_presets_name_marks_not_colours(stem):
    import importlib

    mod = importlib.import_module(f"ui.{stem}.settings")
    for preset in mod.PRESETS:
        values = Values({**defaults(mod.CONTROLS), **preset.values})
        said = preset.text(values).lower()
        assert not [p for p in COLOUR_ONLY if p in said], (preset.label, said)
