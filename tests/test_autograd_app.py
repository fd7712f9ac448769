"""AppTest for "Autograd under the hood": the graph comes from grad_fn and changes with the
model, every number shown matches an independent computation (plain torch in the test,
float64 references, the book's [4517.2969, 82.6]), the buttons really accumulate and zero
.grad, mistakes are shown as lessons, and the code panel prints what the page shows.
"""

from __future__ import annotations

import re

import pytest
import torch
from conftest import as_number, chart_frames, metric_value, run_page, run_script
from reference import T_C, T_U32, grad64

import thermo_core as tc
from thermo_core.lessons import autograd as ag
from ui.autograd import charts
from ui.autograd.settings import PRESETS
from ui.vega import validate

PAGE = "pages/autograd.py"
T_U = torch.tensor(T_U32)
T_CT = torch.tensor(T_C)


def _torch_grad(params: list[float], calls: int = 1) -> list[float]:
    """params.grad after ``calls`` backward() calls, done here with plain torch."""
    p = torch.tensor(params, requires_grad=True)
    for _ in range(calls):
        t_p = p[0] * T_U + p[1] + (p[2] * T_U**2 if len(params) == 3 else 0)
        ((t_p - T_CT) ** 2).mean().backward()
    return p.grad.tolist()


def _dot(at) -> str:
    [chart] = at.get("graphviz_chart")
    return chart.proto.spec


def _nodes(dot: str) -> list[str]:
    """The operation named first in each node label."""
    return re.findall(r'^\s*n\d+ \[label="(\w+)', dot, flags=re.M)


def test_defaults_show_the_books_gradient_and_the_graph_from_grad_fn():
    at = run_page(PAGE)
    assert metric_value(at, "dL/dw") == "4,517.2969" and metric_value(at, "dL/db") == "82.6000"
    assert [f"{g:.4f}" for g in _torch_grad([1.0, 0.0])] == ["4517.2969", "82.6000"]
    dot = _dot(at)
    assert sorted(_nodes(dot)) == sorted(ag.loss_graph(tc.book(), 1.0, 0.0).ops)
    assert "grad in: [4,517.3, 82.6]" in dot and "grad in: 1\\n" not in dot
    assert dot.count("->") == 7
    assert not at.error and not at.exception


def test_adding_a_term_changes_the_graph_and_adds_a_gradient():
    at = run_page(PAGE)
    before = _dot(at)
    at.radio(key="ag_model").set_value("quad").run()
    after = _dot(at)
    assert after != before
    added = sorted(_nodes(after))
    for op in _nodes(before):
        added.remove(op)
    assert added == ["AddBackward0", "MulBackward0"]
    # dL/dw2 at (1, 0, 0) in float64: 2·mean(r·t_u²).
    r = [x - y for x, y in zip(T_U32, T_C, strict=True)]
    dw2 = 2 * sum(ri * x * x for ri, x in zip(r, T_U32, strict=True)) / 11
    assert as_number(metric_value(at, "dL/dw2")) == pytest.approx(dw2, rel=1e-6)
    assert as_number(metric_value(at, "dL/dw")) == pytest.approx(grad64(1.0, 0.0)[0], rel=1e-6)
    assert at.query_params["ag_model"] == "quad"


@pytest.mark.parametrize(("w", "b"), [(1.0, 0.0), (0.5, -10.0), (-1.0, 40.0)])
def test_chain_rule_table_equals_params_grad_and_the_formula(w, b):
    at = run_page(PAGE, {"ag_w": str(w), "ag_b": str(b)})
    table = at.dataframe[0].value.set_index("computed by")
    auto = _torch_grad([w, b])
    assert [as_number(x) for x in table.loc["autograd: params.grad"][["dL/dw", "dL/db"]]] == (
        pytest.approx(auto, abs=6e-5)
    )
    # The formula in float32, written out here: sum of 2(t_p - t_c)/n · t_u.
    d = 2 * (w * T_U + b - T_CT) / 11
    hand = [float((d * T_U).sum()), float(d.sum())]
    assert [as_number(x) for x in table.loc["chain rule by hand (÷ 11)"][["dL/dw", "dL/db"]]] == (
        pytest.approx(hand, abs=6e-5)
    )
    for row in table.index:
        assert [as_number(x) for x in table.loc[row][["dL/dw", "dL/db"]]] == pytest.approx(
            list(grad64(w, b)), rel=1e-5, abs=1e-3
        )
    assert metric_value(at, "dL/dw") == f"{auto[0]:,.4f}".replace("-", "−")


def test_last_digit_note_quotes_the_float32_step():
    at = run_page(PAGE)
    [note] = [i.value for i in at.info if "float32" in i.value]
    step = 2.0**-11  # float32 spacing in [4096, 8192)
    assert f"{step:.3g}" in note and "4517.2969" in note and "4517.2964" in note
    assert "which is 1 float32 step:" in note and "matches it bit for bit" in note


def test_backward_again_doubles_grad_and_zero_resets_it():
    at = run_page(PAGE)
    one = _torch_grad([1.0, 0.0])

    def shown() -> list[float]:
        return [as_number(metric_value(at, f"params.grad[{i}]")) for i in (0, 1)]

    assert shown() == pytest.approx(one, abs=6e-5)
    at.button(key="autograd.again").click().run()
    assert shown() == pytest.approx(_torch_grad([1.0, 0.0], 2), abs=6e-5)
    assert shown()[0] == pytest.approx(2 * one[0], abs=1e-3)
    at.button(key="autograd.again").click().run()
    assert shown() == pytest.approx(_torch_grad([1.0, 0.0], 3), abs=6e-5)
    assert any("3 backward() call(s)" in c.value for c in at.caption)
    at.button(key="autograd.zero").click().run()
    assert shown() == [0.0, 0.0]
    at.button(key="autograd.again").click().run()
    assert shown() == pytest.approx(one, abs=6e-5)


def _train(zero: bool, epochs: int = 3000) -> list[float]:
    """The chapter's loop on 0.1·t_u, written here with torch.optim."""
    params = torch.tensor([1.0, 0.0], requires_grad=True)
    opt = torch.optim.SGD([params], lr=1e-2)
    losses = []
    for _ in range(epochs):
        loss = ((params[0] * (0.1 * T_U) + params[1] - T_CT) ** 2).mean()
        losses.append(loss.item())
        if zero:
            opt.zero_grad()
        loss.backward()
        opt.step()
    return losses


def test_zero_grad_toggle_draws_both_curves_and_explains_from_the_numbers():
    at = run_page(PAGE)
    [[rows]] = chart_frames(at)
    assert set(rows["run"]) == {charts.RUNS[0]}
    assert not at.warning[1:]  # only the in-place lesson is a warning
    at.toggle(key="ag_nozero").set_value(True).run()
    [[rows]] = chart_frames(at)
    assert set(rows["run"]) == set(charts.RUNS)
    with_zero, without = _train(True), _train(False)
    for run, ref in zip(charts.RUNS, (with_zero, without), strict=True):
        got = rows[rows["run"] == run].set_index("epoch")["loss"]
        for epoch in (1, 1501, 2991, 3000):
            assert got[epoch] == pytest.approx(ref[epoch - 1], rel=1e-3)
    [warn] = [w.value for w in at.warning if "zero_grad()" in w.value]
    assert f"{with_zero[-1]:.4g}" in warn and f"{without[-1]:.4g}" in warn
    assert f"{max(without[-300:]):.4g}" in warn
    assert not at.error


def test_loss_chart_template_is_valid_vega_lite():
    validate(charts.loss_spec([{"epoch": 1, "run": charts.RUNS[0], "loss": 80.4}]))


def test_in_place_update_shows_pytorchs_real_error_as_a_lesson():
    at = run_page(PAGE, {"ag_w": "0.5"})
    params = torch.tensor([0.5, 0.0], requires_grad=True)
    ((params[0] * T_U + params[1] - T_CT) ** 2).mean().backward()
    with pytest.raises(RuntimeError) as exc:
        params -= 1e-2 * params.grad
    [warn] = [w.value for w in at.warning if "RuntimeError" in w.value]
    assert f"RuntimeError: {exc.value}" in warn and "unchanged" in warn
    assert not at.error and not at.exception


@pytest.mark.parametrize("is_train", [True, False])
def test_grad_mode_table_follows_is_train(is_train):
    at = run_page(PAGE, {"ag_train": "1" if is_train else "0"})
    [table] = [d.value for d in at.dataframe if "case" in d.value.columns]
    table = table.set_index("case")
    assert list(table.columns) == ["requires_grad", "grad_fn"]  # narrow on a phone
    params = torch.tensor([1.0, 0.0], requires_grad=True)
    with torch.set_grad_enabled(is_train):
        loss = ((params[0] * T_U + params[1] - T_CT) ** 2).mean()
    row = table.loc[f"set_grad_enabled({is_train})"]
    assert bool(row["requires_grad"]) == loss.requires_grad
    assert row["grad_fn"] == (type(loss.grad_fn).__name__ if loss.grad_fn else "None")
    assert bool(table.loc["no_grad()"]["requires_grad"]) is False
    assert bool(table.loc["leaf made in no_grad()"]["requires_grad"]) is True


@pytest.mark.parametrize("query", [{}, {"ag_model": "quad", "ag_w": "0.537", "ag_b": "-17.3"}])
def test_code_panel_prints_the_numbers_on_the_page(query):
    at = run_page(PAGE, query)
    printed = run_script(at.code[-1].value)
    assert printed["grad_w"] == metric_value(at, "dL/dw").replace(",", "")
    assert printed["grad_b"] == metric_value(at, "dL/db").replace(",", "")
    assert printed["loss"] == metric_value(at, "loss").replace(",", "")
    assert f"{int(printed['nodes'])} nodes" in " ".join(c.value for c in at.caption)
    if query:
        assert float(printed["grad_w2"]) == pytest.approx(as_number(metric_value(at, "dL/dw2")))
    at.button(key="autograd.again").click().run()
    assert printed["grad_w_twice"] == metric_value(at, "params.grad[0]").replace(",", "")
    assert printed["grad_w_zeroed"] == "0.0000"
    assert printed["error"] in " ".join(w.value for w in at.warning)
    assert printed["no_grad_requires_grad"] == "False"


@pytest.mark.parametrize("index", range(len(PRESETS)))
def test_presets_set_controls_and_their_box_goes_when_settings_change(index):
    at = run_page(PAGE)
    at.button(key=f"autograd.preset.{index}").click().run()
    preset = PRESETS[index]
    assert at.slider(key="ag_w").value == preset.values["ag_w"]
    assert at.radio(key="ag_model").value == preset.values["ag_model"]
    assert [i for i in at.info if preset.label in i.value]
    at.slider(key="ag_b").set_value(12.3).run()
    assert not [i for i in at.info if preset.label in i.value]


def test_bad_url_values_fall_back_with_a_plain_note():
    at = run_page(PAGE, {"ag_model": "cubic", "ag_w": "9"})
    assert at.radio(key="ag_model").value == "line" and at.slider(key="ag_w").value == 1.0
    assert any("could not use" in w.value for w in at.warning)
    assert not at.error


def test_every_widget_has_help_text():
    at = run_page(PAGE)
    for widget in [*at.slider, *at.button, *at.toggle, *at.radio]:
        assert widget.help, f"{widget.label} has no help text"
