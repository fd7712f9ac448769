"""pytest on the autograd page's maths: the graph from grad_fn, the chain rule, the mistakes.

Expected values come from the book (4517.2969, 82.6), plain-Python float64 (reference.py)
or from doing the same PyTorch operation independently inside the test.
"""

from __future__ import annotations

from collections import Counter

import pytest
import torch
from reference import T_C, T_U32, f32, grad64, lstsq64, mse64

import thermo_core as tc
from thermo_core.lessons import autograd as ag

BOOK_GRAD = [4517.2969, 82.6]


# ---- the computation graph ---------------------------------------------------------------
def test_graph_is_the_chapter_expression_with_real_gradients():
    g = ag.loss_graph(tc.book(), 1.0, 0.0)
    assert Counter(g.ops) == Counter(
        ["MeanBackward0", "PowBackward0", "SubBackward0", "AddBackward0", "MulBackward0",
         "UnbindBackward0", "AccumulateGrad"]
    )  # fmt: skip
    node = {n.op: n for n in g.nodes}
    assert g.nodes[0].op == "MeanBackward0" and node["MeanBackward0"].grad == [1.0]
    assert node["PowBackward0"].grad == pytest.approx([1 / 11] * 11, rel=1e-6)
    residual_grad = [2 * (x - y) / 11 for x, y in zip(T_U32, T_C, strict=True)]
    assert node["SubBackward0"].grad == pytest.approx(residual_grad, rel=1e-5)
    assert node["UnbindBackward0"].grad == pytest.approx(list(grad64(1.0, 0.0)), rel=1e-6)
    leaf = node["AccumulateGrad"]
    assert leaf.label == "params" and leaf.shape == (2,)
    assert [f"{v:.4f}" for v in leaf.grad] == ["4517.2969", "82.6000"]
    # Edges follow next_functions: the add feeds both the multiply and the unbind (for b).
    ids = {n.id: n.op for n in g.nodes}
    edges = {(ids[a], ids[b]) for a, b in g.edges}
    assert ("AddBackward0", "MulBackward0") in edges and (
        "AddBackward0",
        "UnbindBackward0",
    ) in edges
    assert ("UnbindBackward0", "AccumulateGrad") in edges


def test_changing_the_model_changes_the_graph():
    plain, quad = ag.loss_graph(tc.book(), 1.0, 0.0), ag.loss_graph(tc.book(), 1.0, 0.0, w2=0.0)
    assert Counter(quad.ops) - Counter(plain.ops) == Counter({"AddBackward0": 1, "MulBackward0": 1})
    assert len(quad.edges) > len(plain.edges)
    leaf = next(n for n in quad.nodes if n.op == "AccumulateGrad")
    assert leaf.shape == (3,)
    # dL/dw2 = 2·mean(r·t_u²), float64, at w=1, b=0, w2=0.
    r = [x - y for x, y in zip(T_U32, T_C, strict=True)]
    dw2 = 2 * sum(ri * x * x for ri, x in zip(r, T_U32, strict=True)) / 11
    assert leaf.grad == pytest.approx([*grad64(1.0, 0.0), dw2], rel=1e-5)
    assert quad.to_dot() != plain.to_dot()


def test_trace_backward_works_on_any_expression_and_dot_lists_it():
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = torch.tensor([4.0, 5.0, 6.0])
    g = tc.trace_backward((x * y + x).sum(), {"x": x})
    leaf = next(n for n in g.nodes if n.op == "AccumulateGrad")
    assert leaf.grad == [5.0, 6.0, 7.0] and x.grad.tolist() == [5.0, 6.0, 7.0]
    dot = g.to_dot()
    assert dot.startswith("digraph") and dot.rstrip().endswith("}")
    assert dot.count("->") == len(g.edges)
    for n in g.nodes:
        assert f'{n.id} [label="{n.op}' in dot
    assert "grad in: [5, 6, 7]" in dot


def test_walk_graph_before_backward_and_node_count():
    t_u, t_c = tc.load_readings()
    p = torch.tensor([1.0, 0.0], requires_grad=True)
    loss = tc.mse_loss(tc.model(t_u, *p), t_c)
    graph, _ = tc.walk_graph(loss, {"params": p})
    assert all(n.grad is None for n in graph.nodes)
    assert tc.count_graph_nodes(loss) == len(graph.nodes) == 7
    with torch.no_grad():
        assert tc.count_graph_nodes(tc.mse_loss(tc.model(t_u, *p), t_c)) == 0


# ---- the chain rule ----------------------------------------------------------------------
def test_chain_rule_at_the_start_matches_book_and_explains_last_digit():
    c = ag.chain_rule(tc.book(), 1.0, 0.0)
    assert c.autograd == [4517.296875, f32(82.6)]  # the book's 4517.2969, 82.6000
    assert c.autograd == tc.autograd_grad(*tc.load_readings(), 1.0, 0.0).tolist()
    assert c.analytic == tc.analytic_grad(*tc.load_readings(), 1.0, 0.0).tolist()
    assert f"{c.by_hand[0]:.4f}" == "4517.2964" and c.by_hand == c.analytic
    assert c.replay == c.autograd  # multiplying by float32(1/n) is autograd's recipe
    exact = grad64(1.0, 0.0)
    for got in (c.autograd, c.by_hand):
        assert got == pytest.approx(list(exact), rel=2e-7)
    assert "1/n" in c.note and "4517.2969" in c.note and "4517.2964" in c.note
    t = c.table
    assert t["dtp_dw"].tolist() == T_U32 and set(t["dtp_db"]) == {1.0}
    assert t["dL_dtp"].tolist() == pytest.approx(
        [2 * (x - y) / 11 for x, y in zip(T_U32, T_C, strict=True)], rel=1e-6
    )
    assert [t["dL_dw_term"].sum(), t["dL_db_term"].sum()] == pytest.approx(list(exact), rel=1e-6)


def test_chain_rule_at_the_least_squares_point_is_near_zero():
    w, b = lstsq64()
    c = ag.chain_rule(tc.book(), w, b)
    scale = abs(grad64(1.0, 0.0)[0])
    assert max(abs(v) for v in c.autograd) < 1e-4 * scale
    assert c.autograd == pytest.approx(c.by_hand, abs=1e-3)


# ---- accumulation and zero_grad ----------------------------------------------------------
def test_backward_again_adds_and_zero_resets():
    df = ag.accumulation(tc.book(), 1.0, 0.0, calls=3)
    g = grad64(1.0, 0.0)
    for k in (1, 2, 3):
        row = df.iloc[k - 1]
        assert [row.grad_w, row.grad_b] == pytest.approx([k * g[0], k * g[1]], rel=1e-6)
    assert df.iloc[1].grad_w == 2 * df.iloc[0].grad_w  # doubling is exact in float32
    assert [df.iloc[3].grad_w, df.iloc[3].grad_b] == [0.0, 0.0]
    assert [df.iloc[4].grad_w, df.iloc[4].grad_b] == [df.iloc[0].grad_w, df.iloc[0].grad_b]
    with pytest.raises(ValueError):
        ag.accumulation(tc.book(), calls=0)


def test_training_without_zero_grad_goes_wrong_and_matches_float64_replay():
    rep = ag.zero_grad_comparison(tc.book(), lr=1e-2, epochs=3000)
    h = rep.history
    xs = [f32(0.1 * x) for x in T_U32]
    # Replay: step k uses the running sum of all gradients so far.
    w, b, aw, ab = 1.0, 0.0, 0.0, 0.0
    expected = []
    for _ in range(60):
        expected.append(mse64(w, b, xs, T_C))
        gw, gb = grad64(w, b, xs, T_C)
        aw, ab = aw + gw, ab + gb
        w, b = w - 1e-2 * aw, b - 1e-2 * ab
    assert h["loss_without"].iloc[:60].tolist() == pytest.approx(expected, rel=1e-4)
    assert h["loss_with"].iloc[1] == h["loss_without"].iloc[1]  # same first step
    best = mse64(*lstsq64(xs, T_C), xs, T_C)
    assert rep.final_with == pytest.approx(best, rel=1e-3)
    assert rep.final_without > 5 * rep.final_with
    assert rep.tail_max_without > 10 * best  # still swinging at the end
    tail = h["loss_without"].iloc[-300:]
    assert rep.tail_epochs == 300
    assert (rep.tail_min_without, rep.tail_max_without) == (tail.min(), tail.max())


# ---- the in-place mistake and grad modes ------------------------------------------------
def test_inplace_update_error_is_the_real_pytorch_message():
    err = ag.inplace_update_error(tc.book())
    p = torch.tensor([1.0, 0.0], requires_grad=True)
    p.grad = torch.ones(2)
    with pytest.raises(RuntimeError) as exc:
        p -= 0.01 * p.grad
    assert err.error_type == "RuntimeError" and err.message == str(exc.value)
    assert err.message and err.params_unchanged


@pytest.mark.parametrize("is_train", [True, False])
def test_grad_mode_table(is_train):
    t = ag.grad_mode_table(tc.book(), is_train).set_index("case")
    assert t.loc["graph on", "requires_grad"] and t.loc["graph on", "grad_fn"] == "MeanBackward0"
    for case in ("detach()", "no_grad()"):
        assert not t.loc[case, "requires_grad"] and t.loc[case, "grad_fn"] == "None"
    row = t.loc[f"set_grad_enabled({is_train})"]
    assert bool(row["requires_grad"]) is is_train
    assert row["grad_fn"] == ("MeanBackward0" if is_train else "None")
    leaf = t.loc["leaf made in no_grad()"]
    assert leaf["requires_grad"] and leaf["grad_fn"] == "None"
