"""Autograd under the hood: the graph PyTorch records, the chain rule it runs, and the
three mistakes that silently ruin training (no zero_grad, in-place updates, graphs left on).

Sections: the graph (drawn from the real grad_fn chain after backward()), the chain rule
by hand, gradient accumulation, training without zero_grad, the in-place update, and
detach() / no_grad() / set_grad_enabled(is_train).
"""

from functools import partial

import numpy as np
import pandas as pd
import streamlit as st

import thermo_core as tc
from thermo_core.lessons import autograd as ag
from thermo_core.numbers import fmt, fmt_list
from ui import controls, downloads, page, readings
from ui.autograd import charts, text
from ui.autograd.code import script
from ui.autograd.settings import GRAD_MODE, POINT, PRESETS, ZERO_GRAD
from ui.chart_text import described, numbers
from ui.vega import show

STEM = "autograd"
CALLS = "autograd.calls"  # backward() calls since the last zero_() (0 = just zeroed)
MAX_CALLS = 100
THIN = 10  # the loss chart keeps every 10th epoch of 3000 (plus the last)


@st.cache_data(max_entries=256, show_spinner=False)
def graph(data: tc.Readings, w: float, b: float, quad: bool) -> dict:
    """The graph's DOT, params.grad and the loss, from one real forward and backward pass."""
    g = ag.loss_graph(data, w, b, 0.0 if quad else None)
    leaf = next(n for n in g.nodes if n.op == "AccumulateGrad")
    t_u, t_c = data.tensors()
    loss = float(tc.mse_loss(tc.model(t_u, w, b), t_c))
    about = text.graph_description(g)
    return {"dot": charts.graph_dot(g, about), "about": about, "grad": leaf.grad, "loss": loss,
            "nodes": len(g.nodes)}


@st.cache_data(max_entries=256, show_spinner=False)
def chain(data: tc.Readings, w: float, b: float) -> ag.ChainRule:
    """The chain rule assembled by hand at (w, b), beside autograd and the formula."""
    return ag.chain_rule(data, w, b)


@st.cache_data(max_entries=512, show_spinner=False)
def accumulated(data: tc.Readings, w: float, b: float, calls: int) -> list[float]:
    """params.grad after ``calls`` real backward() calls with no zeroing in between."""
    return ag.accumulation(data, w, b, calls).iloc[calls - 1][["grad_w", "grad_b"]].tolist()


@st.cache_data(max_entries=1, show_spinner="Training the line twice (3000 epochs each)…")
def zero_grad_runs(data: tc.Readings) -> tuple[dict[str, list[dict]], str, float]:
    """Both runs' thinned chart rows by run, the explanation and the final loss with zeroing.

    Computed once and shared by every learner; only small plain data is cached.
    """
    report = ag.zero_grad_comparison(data)
    h = report.history
    h = h[(h["epoch"] % THIN == 1) | (h["epoch"] == h["epoch"].max())]
    rows = {
        run: [{"epoch": int(e), "run": run, "loss": float(v)} for e, v in zip(h["epoch"], h[col], strict=True)]
        for col, run in zip(("loss_with", "loss_without"), charts.RUNS, strict=True)
    }
    return rows, text.zero_grad_story(report, len(report.history)), report.final_with


def losses(data: tc.Readings, without: bool) -> pd.DataFrame:
    """Every epoch of the chart's runs (the one without zero_grad() when it is drawn)."""
    h = ag.zero_grad_comparison(data).history
    return h[["epoch", "loss_with", "loss_without"] if without else ["epoch", "loss_with"]]


@st.cache_data(max_entries=64, show_spinner=False)
def inplace(data: tc.Readings, w: float, b: float) -> ag.InplaceError:
    """What PyTorch really says to ``params -= lr * params.grad`` outside no_grad."""
    return ag.inplace_update_error(data, w, b, 1e-2)


@st.cache_data(max_entries=2, show_spinner=False)
def grad_modes(data: tc.Readings, is_train: bool) -> pd.DataFrame:
    """requires_grad and grad_fn of the loss computed five ways."""
    return ag.grad_mode_table(data, is_train)


def _section_graph() -> controls.Values:
    slot = page.preset_buttons(STEM, PRESETS)
    left, right = st.columns([1.15, 1], gap="large")
    values = controls.draw(POINT, slots={c.key: left for c in POINT},
                           after={"data": readings.in_session()})
    quad = values.ag_model == "quad"
    g = graph(readings.in_session(), values.ag_w, values.ag_b, quad)
    with left:
        shown = [("loss", fmt(g["loss"]), "mse(model(t_u, *params), t_c), float32.")]
        for name, value in zip(("dL/dw", "dL/db", "dL/dw2"), g["grad"], strict=False):
            text = fmt(value) if abs(value) < 1e5 else fmt(value, sig=7)
            shown.append((name, text, "params.grad after loss.backward(), float32."))
        for row in range(0, len(shown), 2):
            for col, (name, text, why) in zip(st.columns(2), shown[row : row + 2], strict=False):
                col.metric(name, text, help=why)
        page.prose(
            "PyTorch records every operation on a tensor that requires grad. `loss.backward()` "
            "walks that record from the loss back to `params`, and each node hands the "
            "gradient it received on to its inputs, multiplied by its own local derivative."
        )
    with right:
        st.graphviz_chart(g["dot"], width="stretch", alt=g["about"])
        st.caption(
            f"{g['nodes']} nodes, read from loss.grad_fn and next_functions after a real "
            "backward(). Arrows: the way the gradient travels; 'grad in' is what arrived."
        )
    page.preset_box(slot, STEM, PRESETS, values)
    return values


def _difference(auto: float, hand: float, replay: float) -> str:
    """Sentences on the last digits of dL/dw, from the float32 numbers themselves."""
    if auto == hand:
        return f"Autograd and the formula agree to the last float32 bit: {fmt(auto)}."
    step = float(np.spacing(np.float32(abs(auto))))
    steps = round(abs(auto - hand) / step)
    replayed = "matches it bit for bit" if replay == auto else f"gives {replay:.4f}"
    return (
        f"params.grad[0] = {auto:.4f} and the formula's sum {hand:.4f} differ by "
        f"{fmt(abs(auto - hand), sig=3)}, which is {steps} float32 "
        f"step{'s' if steps != 1 else ''}: float32 numbers near {fmt(abs(auto), 0)} are "
        f"{fmt(step, sig=3)} apart. Autograd's mean multiplies each term by the float32 value "
        f"of 1/11 where the formula divides by 11, so the terms round differently; redoing "
        f"autograd's recipe by hand (last row) {replayed}."
    )


def _section_chain(values: controls.Values) -> None:
    st.subheader("The chain rule, step by step")
    c = chain(readings.in_session(), values.ag_w, values.ag_b)
    s_dtp = float(c.table["dL_dtp"].sum())
    local, summed = st.columns(2)
    local.latex(
        r"\begin{gathered}\frac{\partial L}{\partial t_{p,i}}=\frac{2(t_{p,i}-t_{c,i})}{11}\\"
        r"\frac{\partial t_{p,i}}{\partial w}=t_{u,i},\quad\frac{\partial t_{p,i}}{\partial b}=1"
        r"\end{gathered}"
    )
    summed.latex(
        r"\begin{gathered}\frac{\partial L}{\partial w}=\sum_i\frac{\partial L}{\partial t_{p,i}}"
        rf"\,t_{{u,i}}={c.by_hand[0]:.4f}\\\frac{{\partial L}}{{\partial b}}="
        rf"\sum_i\frac{{\partial L}}{{\partial t_{{p,i}}}}\cdot 1={s_dtp:.4f}\end{{gathered}}"
    )
    rows = {
        "chain rule by hand (÷ 11)": c.by_hand,
        "autograd: params.grad": c.autograd,
        "tc.analytic_grad": c.analytic,
        "autograd's recipe (× 1/11)": c.replay,
    }
    st.dataframe(
        pd.DataFrame(
            {"computed by": list(rows), "dL/dw": [fmt(v[0], thousands=False) for v in rows.values()],
             "dL/db": [fmt(v[1], thousands=False) for v in rows.values()]}
        ),
        hide_index=True,
        width="stretch",
    )
    st.info(_difference(c.autograd[0], c.by_hand[0], c.replay[0]), icon=":material/calculate:")
    with page.go_deeper("every reading's term"):
        t = c.table
        st.dataframe(
            pd.DataFrame(
                {"t_u": t["t_u"].map(lambda x: fmt(x, 1)), "dL/dt_p": t["dL_dtp"].map(fmt),
                 "× t_u (for w)": t["dL_dw_term"].map(fmt), "× 1 (for b)": t["dL_db_term"].map(fmt)}
            ),
            hide_index=True,
            width="stretch",
        )
        st.caption("The two right-hand columns, summed, are the chain rule's dL/dw and dL/db.")


def _add_call() -> None:
    st.session_state[CALLS] = min(st.session_state.get(CALLS, 1) + 1, MAX_CALLS)


def _zero() -> None:
    st.session_state[CALLS] = 0


def _section_accumulation(values: controls.Values) -> None:
    st.subheader("backward() adds into .grad")
    left, right = st.columns([1, 1.25], gap="large")
    with left:
        _accumulation(values.ag_w, values.ag_b)
    with right:
        _zero_grad_training()


@st.fragment
def _accumulation(w: float, b: float) -> None:
    """The buttons rerun only this part: .grad after real backward() calls."""
    calls = st.session_state.setdefault(CALLS, 1)
    one = accumulated(readings.in_session(), w, b, 1)
    grad = accumulated(readings.in_session(), w, b, calls) if calls else [0.0, 0.0]
    b1, b2 = st.columns(2)
    b1.button("Call backward() again", key="autograd.again", on_click=_add_call,
              disabled=calls >= MAX_CALLS, width="stretch",
              help="Build the loss again at the same params and call loss.backward().")
    b2.button("params.grad.zero_()", key="autograd.zero", on_click=_zero, width="stretch",
              help="What optimizer.zero_grad() does for every parameter.")
    g1, g2 = st.columns(2)
    g1.metric("params.grad[0]", fmt(grad[0]), help="dL/dw as .grad holds it now.")
    g2.metric("params.grad[1]", fmt(grad[1]), help="dL/db as .grad holds it now.")
    if calls == 0:
        st.caption("Zeroed: the next backward() starts from nothing again.")
    else:
        ratio = grad[0] / one[0] if one[0] else float(calls)
        st.caption(
            f"{calls} backward() call(s) since the last zero_(): .grad holds "
            f"{fmt(ratio, sig=3)} × one call's gradient {fmt_list(one)}. backward() adds into "
            ".grad; it never replaces it."
        )


def _zero_grad_training() -> None:
    """The same training with and without zeroing .grad, both curves on one chart."""
    st.markdown("**Training without `zero_grad()`**")
    values = controls.draw(ZERO_GRAD)
    rows, explanation, final_with = zero_grad_runs(readings.in_session())
    shown = rows[charts.RUNS[0]] + (rows[charts.RUNS[1]] if values.ag_nozero else [])
    runs = list(charts.RUNS[: 2 if values.ag_nozero else 1])
    show(described(charts.loss_spec(shown), text.loss_description(rows, runs)))
    numbers(("Every 10th epoch, as drawn.", text.loss_table(rows, runs)),
            csv=downloads.csv(f"{STEM}_zero_grad", partial(losses, readings.in_session(), bool(values.ag_nozero)),
                              runs="with-and-without" if values.ag_nozero else "with"))
    if values.ag_nozero:
        st.warning(explanation, icon=":material/warning:")
    else:
        page.prose(
            f"The chapter's line, 0.1·t_u, SGD with lr 0.01, 3000 epochs: the loss falls to "
            f"{fmt(final_with)}. Turn the switch on to train it again without "
            "`optimizer.zero_grad()`."
        )


def _section_outside(values: controls.Values) -> None:
    st.subheader("Keeping the update out of the graph")
    left, right = st.columns([1, 1], gap="large")
    with left:
        _inplace(values)
    with right:
        _grad_modes()


def _inplace(values: controls.Values) -> None:
    """PyTorch's real complaint about an in-place update of a leaf, shown as a lesson."""
    st.markdown("**Updating params outside `no_grad()`**")
    err = inplace(readings.in_session(), values.ag_w, values.ag_b)
    st.code("# forgetting torch.no_grad():\n" + err.code, language="python")
    kept = "params is left unchanged" if err.params_unchanged else "params did change"
    st.warning(f"PyTorch refuses: {err.error_type}: {err.message} ({kept}.)", icon=":material/block:")
    page.prose(
        "params is a leaf the graph was built from. Changing it in place while autograd is "
        "recording would make the update itself part of the next gradient, so PyTorch stops. "
        "Wrap the update in `with torch.no_grad():` to step outside the record."
    )


def _grad_modes() -> None:
    """requires_grad and grad_fn of the loss under each way of switching the graph off."""
    st.markdown("**detach(), no_grad() and set_grad_enabled(is_train)**")
    values = controls.draw(GRAD_MODE)
    table = grad_modes(readings.in_session(), values.ag_train)
    # requires_grad kept narrow so grad_fn fits a 390 px phone beside it.
    st.dataframe(table[["case", "requires_grad", "grad_fn"]], hide_index=True, width="stretch",
                 column_config={"requires_grad": st.column_config.Column(width=96)})
    row = table.iloc[3]
    same = "no_grad()" if not row["requires_grad"] else "the plain forward pass"
    st.caption(
        f"With is_train = {values.ag_train}, set_grad_enabled records "
        f"{'a graph' if row['requires_grad'] else 'nothing'} (grad_fn {row['grad_fn']}), like "
        f"{same}. A leaf created inside no_grad() keeps requires_grad=True: no_grad stops "
        "recording operations, it does not clear the flag you set."
    )
    with page.go_deeper("the code of each row"):
        st.code("\n".join(table["code"]), language="python", wrap_lines=True)


page.start(STEM)
v = _section_graph()
_section_chain(v)
_section_accumulation(v)
_section_outside(v)
page.code_panel(
    script(readings.in_session(), v.ag_w, v.ag_b, v.ag_model == "quad"),
    "Runs on its own with only torch; prints the node count, params.grad, the doubled and "
    "zeroed gradient and PyTorch's in-place error shown on this page.",
)
page.finish(STEM)
