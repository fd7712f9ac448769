"""AppTest for "Optimizer comparison": the race runs, the table matches an independent
run, the chapter's lesson holds, links choose optimizers strictly, and the code panel
prints what the page shows."""

from __future__ import annotations

import inspect
import math
import re

import pytest
import torch
from conftest import as_number, chart_specs, page_text, run_page, run_script
from reference import T_C, T_U32, f32, lstsq64, mse64

import thermo_core as tc
from thermo_core.lessons import optimizers as op
from ui.optimizers import charts
from ui.optimizers.settings import IDS, PRESETS
from ui.vega import validate

PAGE = "pages/optimizers.py"
NUMBER = re.compile(r"[−-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:e[−-]?\d+)?")
SCALED = [f32(0.1 * x) for x in T_U32]  # the book's 0.1 · t_u, as float32 products


def _numbers(text: str) -> list[str]:
    return NUMBER.findall(text)


def _torch_race(cls: str, xs: list[float], epochs: int, **kwargs) -> dict:
    """A torch.optim class on the line from (1, 0), the chapter's loop in plain torch: the
    first epoch within 1% of the float64 least-squares loss, where it diverged, and the
    first step."""
    x, y = torch.tensor(xs), torch.tensor(T_C)
    best = mse64(*lstsq64(xs), xs)
    params = torch.tensor([1.0, 0.0], requires_grad=True)
    opt = getattr(torch.optim, cls)([params], **kwargs)

    def closure():
        opt.zero_grad()
        loss = ((params[0] * x + params[1] - y) ** 2).mean()
        loss.backward()
        return loss

    out = {"reached": None, "diverged": None, "first_step": None}
    for epoch in range(1, epochs + 1):
        loss = closure().item()
        if not math.isfinite(loss):
            out["diverged"] = epoch
            return out
        if out["reached"] is None and loss <= best * 1.01:
            out["reached"] = epoch
        before = params.detach().clone()
        opt.step(closure) if cls == "LBFGS" else opt.step()
        if epoch == 1:
            out["first_step"] = (params.detach() - before).tolist()
    return out


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
        r = op.run_optimizer(tc.book(), label, "none", epochs=5000, state_at=[])
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


def test_nesterov_cannot_be_given_zero_momentum():
    """Found by the fuzz: torch raises for Nesterov with momentum 0, so 0 is not offered."""
    at = run_page("pages/optimizers.py", {"opts": "sgd,nesterov", "opt_nesterov_mom": "0"})
    assert not at.exception and not at.error
    [slider] = [s for s in at.slider if s.key == "opt_nesterov_mom"]
    assert slider.min > 0 and slider.value > 0
    slider.set_value(slider.min).run()
    assert not at.exception and not at.error


def test_normalize_preset_quotes_the_epochs_its_results_table_shows():
    """The preset sets momentum itself, so a momentum slider left at the raw inputs' 0.99
    cannot make its sentence quote other epochs than its results table shows."""
    at = run_page(PAGE)  # the momentum slider starts at the raw inputs' 0.99
    at.button(key="optimizers.preset.1").click().run()
    table = _table(at)
    [box] = [i.value for i in at.info if "Normalize, and SGD catches up" in i.value]
    reached = {label: row["within 1% at"] for label, row in table.items()}
    assert f"momentum 0.9) gets within 1% at {reached['SGD + momentum']}" in box
    assert f"(lr 0.02) gets within 1% of the best loss at {reached['SGD']}" in box
    assert f"gets within 1% at {reached['Adam']}:" in box
    independent = {
        "SGD": _torch_race("SGD", SCALED, 5000, lr=0.02),
        "SGD + momentum": _torch_race("SGD", SCALED, 5000, lr=0.01, momentum=0.9),
        "Adam": _torch_race("Adam", SCALED, 5000, lr=0.1),
    }
    for label, run in independent.items():
        assert reached[label] == f"epoch {run['reached']}"


@pytest.mark.parametrize("index", range(len(PRESETS)))
def test_every_number_a_preset_quotes_is_on_the_page(index):
    at = run_page(PAGE)
    at.button(key=f"optimizers.preset.{index}").click().run()
    [box] = [i.value for i in at.info if PRESETS[index].label in i.value]
    shown = set(_numbers(page_text(at, leave_out=box)))
    quoted = _numbers(box.split(":**", 1)[1])
    assert quoted and not [n for n in quoted if n not in shown]


def test_chapters_lesson_preset_quotes_the_books_adam_answer():
    """The book prints tensor([0.5367, -17.3021]) for Adam, lr 1e-1, 2000 epochs on raw t_u."""
    at = run_page(PAGE)
    at.button(key="optimizers.preset.0").click().run()
    assert _table(at)["Adam"]["w, b"] == "[0.5367, −17.3021]"


def test_go_deeper_gives_every_optimizer_its_rule_and_its_first_step():
    at = run_page(PAGE, {"opts": ",".join(IDS)})
    table = _table(at)
    lines = {m.value.split("**")[1]: m.value for m in at.markdown
             if m.value.startswith("**") and "`torch.optim." in m.value}
    assert set(lines) == set(op.CATALOGUE) == set(table)
    for label, line in lines.items():
        rule = line.split("`")[3]
        assert "p ←" in rule or "Adam's step" in rule or "Adam," in rule, label
        kw = op.settings_for(label, "none")
        cls = kw.pop("optimizer")
        epochs = 200 if label == "LBFGS" else 5000
        run = _torch_race(cls, T_U32, 1, **kw)
        moved = re.search(f"w by ({NUMBER.pattern}) and b by ({NUMBER.pattern})", line)
        assert moved, label
        for shown, step in zip(moved.groups(), run["first_step"], strict=True):
            assert as_number(shown) == pytest.approx(step, abs=5e-5), label
        reached = table[label]["within 1% at"]
        end = (f"is not within 1% of the best loss after {epochs} epochs" if reached == "never"
               else f"gets within 1% of the best loss at {reached}")
        assert line.endswith(f"In this race it {end}."), label


def test_go_deeper_puts_the_chapter_notes_right_about_sgd():
    """The notes call the chapter's SGD stochastic (a random subset) and say momentum 0, the
    default, is not vanilla gradient descent. Both are wrong here."""
    assert inspect.signature(torch.optim.SGD).parameters["momentum"].default == 0
    at = run_page(PAGE)
    text = page_text(at)
    assert f"over all {len(T_C)} readings" in text and "full-batch" in text
    assert "no random subset" in text
    assert "with momentum 0 it is plain gradient descent" in text


def test_default_race_explains_momentum_winning_and_what_adam_buys():
    """Momentum (lr 2e-4, 0.99) beats Adam on raw t_u; the page says so, and shows why Adam
    still matters: momentum's rate for 0.1 · t_u diverges on raw t_u, Adam's lr 0.1 works on
    both."""
    at = run_page(PAGE)
    table = _table(at)
    [para] = [m.value for m in at.markdown if m.value.startswith("SGD + momentum beats Adam")]
    mom, adam = table["SGD + momentum"]["within 1% at"], table["Adam"]["within 1% at"]
    assert int(mom.split()[1]) < int(adam.split()[1])
    assert f"to within 1% here, {mom} against {adam.split()[1]}: " in para
    elsewhere = _torch_race("SGD", T_U32, 5000, lr=0.01, momentum=0.9)
    assert (f"Tuned for 0.1 · t_u (lr 0.01, momentum 0.9), momentum diverges at epoch "
            f"{elsewhere['diverged']} on raw t_u") in para
    assert "lr 0.0002, momentum 0.99" in page_text(at)  # the settings that won, in the caption
    adam_scaled = _torch_race("Adam", SCALED, 5000, lr=0.1)
    assert f"Adam with the same settings gets within 1% at epoch {adam_scaled['reached']} on " \
        "0.1 · t_u." in para
    assert "Adam's edge is one rate for any input scale." in para


def test_a_rerun_looks_each_run_up_in_the_shared_cache_once(monkeypatch):
    """The page reads each optimizer's run in four sections; every st.cache_data lookup
    hashes the arguments and unpickles a copy, so a rerun looks each distinct run up once
    (ui.this_run) and hands the same one to every section."""
    from ui.optimizers import runs

    at = run_page(PAGE)
    lookups: list[tuple] = []
    for name in ("_race", "_inside"):
        cached = getattr(runs, name)
        monkeypatch.setattr(runs, name,
                            lambda *a, _f=cached, _n=name: lookups.append((_n, a)) or _f(*a))
    at.slider(key="opt_momentum_mom").set_value(0.73).run()
    assert not at.exception
    assert sum(name == "_race" for name, _ in lookups) >= 4  # the four default optimizers
    assert len(lookups) == len(set(lookups)), sorted(lookups)
