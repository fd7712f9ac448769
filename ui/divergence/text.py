"""Sentences for the divergence page, generated from the numbers they quote."""

from __future__ import annotations

import pandas as pd

import thermo_core as tc
from thermo_core.lessons import divergence as dv
from thermo_core.numbers import fmt, fmt_list, parse
from ui.chart_text import lr_text, trend
from ui.controls import Values

INPUT_NAMES = {"none": "raw t_u", "scale": "0.1 · t_u", "standardize": "standardized t_u"}

EPOCH_MEANING = (
    "“Epoch k” in the log is the loss measured before the k-th update; the Params printed "
    "under it are what that update produced, and Grad is the gradient it used."
)

CODE_DIGITS = 5
"""Significant digits the code panel prints, and the page quotes, for w, b and the loss."""

BOX = {"diverging": "warning", "converging": "success", "too slow": "info"}
"""The status box for each verdict: its colour says what happened."""

VERDICT_WORDS = {"diverging": "diverging",
                 "converging": "converging (within 1% of the least-squares loss)",
                 "too slow": "too slow (stable, but short of the least-squares loss)"}
"""The key chart's description ends on the status box's verdict: a run whose loss fell
overall can still be diverging, and the chart's words must not say otherwise."""


def factor_text(factor: float, sig: int = 4) -> str:
    """A per-step factor with enough digits that one below 1 never shows as 1 (0.99998, not
    1.0000): whether it shrinks or grows is the point of the number."""
    while sig < 12 and factor != 1 and parse(fmt(factor, sig=sig)) == 1:
        sig += 1
    return fmt(factor, sig=sig)


def _rate(lr: float, crit: float) -> str:
    return (f"lr {fmt(lr, sig=3, trim=True)} is {fmt(lr / crit, sig=2, trim=True)}× the "
            f"critical rate {fmt(crit, sig=3, trim=True)}")


def outcome(run: dict, lr: float) -> str:
    """The status box's sentence for a run, from its verdict (see dv.judge) and its numbers.

    ``run`` holds the page's cached run: verdict, growth, last_step, past, first_loss,
    final_loss, diverged_at, last (epochs run), critical, last_lr, best.
    """
    first, last = fmt(run["first_loss"], sig=3, trim=True), fmt(run["final_loss"], sig=3, trim=True)
    rate = _rate(lr, run["critical"])
    if run["verdict"] == "diverging":
        if run["diverged_at"] is not None:
            return (f"**Diverged at epoch {run['diverged_at']}.** The loss became {last} at "
                    f"epoch {run['diverged_at']} ({rate}). Each step overshoots the valley "
                    "further than the last, until float32 overflows.")
        if run["growth"] > 1:
            head = (f"**Diverging: the loss grew {fmt(run['growth'], sig=3, trim=True)}-fold**, "
                    f"from {first} to {last} in {run['last']} epochs ({rate}). ")
        else:
            head = (f"**Diverging: the loss is rising again**, ×{fmt(run['last_step'], sig=4)} on "
                    f"the last epoch, though it is still below where it started ({first} → "
                    f"{last}; {rate}). ")
        if run["past"]:
            return head + ("While the rate is above the critical rate, each step overshoots the "
                           "valley further than the last: more epochs would only make it worse.")
        tail = (f"The schedule brought the rate down to {fmt(run['last_lr'], sig=3, trim=True)}, "
                f"below the critical rate, but only after the loss peaked at "
                f"{fmt(run['peak_loss'], sig=3, trim=True)} at epoch {run['peak_epoch']}.")
        if run["rounding"]:
            tail += (" At that peak float32 rounding knocked the flat direction off course and "
                     "the tiny late rates never undo it: where the run ends is rounding noise (in "
                     f"float64 it ends near loss {fmt(run['f64_loss'], sig=2, trim=True)}).")
        return head + tail
    if run["verdict"] == "converging":
        return (f"**Converged:** the loss went from {first} to {last} in {run['last']} epochs, "
                f"within 1% of the least-squares loss {fmt(run['best'], sig=5)} ({rate}).")
    return (f"**Stable but slow:** the loss went down from {first} to {last} in {run['last']} "
            f"epochs, still short of the least-squares loss {fmt(run['best'], sig=5)} ({rate}).")


def directions(norm: str, lr: float, f: pd.DataFrame) -> str:
    """Which direction shrinks, which grows, and why the steep one limits the rate."""
    flat, steep = f.iloc[0], f.iloc[1]

    def fate(r: pd.Series) -> str:
        side = ", jumping to the other side each time" if r.flips else ""
        return (f"multiplies its share of the distance to the minimum by |1 − lr·λ| = "
                f"**{factor_text(r.factor)}** every step{side}: it **{r.verdict}**")

    out = (f"At lr = {fmt(lr, sig=3, trim=True)} the steep direction ({steep.mostly}, "
           f"λ = {fmt(steep.eigenvalue, sig=4)}) {fate(steep)}. The flat direction "
           f"({flat.mostly}, λ = {fmt(flat.eigenvalue, sig=4)}) {fate(flat)}. ")
    out += (f"A direction shrinks only while lr < 2/λ, so the steep one has the smaller limit, "
            f"{fmt(steep.critical_lr, sig=4)}, and is the first to blow up. ")
    if norm == "none":
        out += ("It is steep because w multiplies t_u, whose readings are around 50: the "
                "curvature along w is 2·mean(t_u²), thousands of times the 2 along b.")
    else:
        out += (f"With {INPUT_NAMES[norm]} the two curvatures are "
                f"{fmt(steep.eigenvalue / flat.eigenvalue, sig=3)}× apart, so one rate suits both "
                "far better.")
    return out


def sweep(s: dict, epochs: int) -> str:
    """What the sweep chart shows, region by region (the regions are dv.judge's verdicts)."""
    b = s["bounds"]
    parts = [f"Each mark is one run of {epochs} epochs from the same start, all 60 trained as "
             "one tensor (the chapter's update, constant rate), judged by the same rule as the "
             f"run above. Blue squares: too slow (final loss more than 1% above the best, "
             f"{fmt(s['best'], 4)}); green circles: converging; orange diamonds: diverging (the "
             "loss ended above where it started, or was still rising past the critical rate; "
             "orange triangles along the top overflowed). "]
    if b["converging"] is None:
        parts.append(f"No rate gets within 1% of the best loss in {epochs} epochs: any rate "
                     "slow enough for the steep direction is too slow for the flat one. ")
    else:
        parts.append(f"Converging rates here run from {fmt(b['converging'][0], sig=2)} to "
                     f"{fmt(b['converging'][1], sig=2)}. ")
    if b["diverging"] is not None:
        parts.append(f"Divergence starts at {fmt(b['diverging'][0], sig=2)}, just right of the "
                     f"critical rate {fmt(s['critical'], sig=4)} (the red dashed rule, labelled "
                     "at the top; your rate is the solid orange rule, labelled below it).")
    return "".join(parts)


def _end(run: dict) -> str:
    if run["diverged_at"] is not None:
        return f"diverges at epoch {run['diverged_at']}"
    return f"ends at loss {fmt(run['final_loss'], 4)}"


def schedule(values: Values, run: dict, const: dict) -> str:
    """The scheduled run against the same rate held constant."""
    first, last = run["lrs"][0]["lr"], run["lrs"][-1]["lr"]
    return (f"The rate per epoch under {values.schedule}: from {fmt(first, sig=3, trim=True)} "
            f"down to {fmt(last, sig=3, trim=True)} by epoch {run['lrs'][-1]['epoch']}. Held "
            f"constant, the same start {_end(const)}; scheduled, the loss reaches its highest, "
            f"{fmt(run['peak_loss'], sig=3, trim=True)} at epoch {run['peak_epoch']}, and it "
            f"{_end(run)}. While the rate "
            "is above the red dashed critical rate the steep direction grows; once the rate "
            "falls below it, that direction shrinks again.")


def book_caption(values: Values, stopped: int | None) -> str:
    """What the log above is, and where it differs from the page's settings."""
    shown = ", ".join(str(e) for e in dv.BOOK_PRINT_EPOCHS if e <= int(values.epochs))
    out = (f"The book's training_loop, run here in float32 with its own gradient function; it "
           f"prints epochs {shown or 'none of 1, 2, 3, …'} and “...” between them. ")
    if stopped is not None:
        out += f"It stops at epoch {stopped}, the first whose loss is not a finite number. "
    if values.rule != "manual" or values.schedule != "constant":
        out += ("The book's loop is the manual rule at a constant rate, so the update-rule and "
                "schedule settings do not apply to this log.")
    return out


def steep_reason(data: tc.Readings) -> str:
    """The MSE Hessian for raw readings, written out with its numbers."""
    t_u, _ = data.tensors()
    x = t_u.double()
    h = tc.hessian(x)
    lam = tc.curvature(x).eigenvalues
    return (
        "For a line w·x + b the MSE is exactly quadratic, and its Hessian (curvature) is "
        "$H = \\frac{2}{n}\\begin{pmatrix}\\sum x^2 & \\sum x\\\\ \\sum x & n\\end{pmatrix}$. "
        f"On raw readings that is [[{fmt(float(h[0, 0]), 1)}, {fmt(float(h[0, 1]), 1)}], "
        f"[{fmt(float(h[1, 0]), 1)}, {fmt(float(h[1, 1]), 1)}]]: w's entry is 2·mean(t_u²) "
        "because w multiplies readings around 50, b's is 2 because b multiplies 1. Its "
        f"eigenvalues are {fmt(float(lam[1]), sig=5)} (almost exactly along w) and "
        f"{fmt(float(lam[0]), sig=4)} (almost along b). Gradient descent with rate lr moves "
        "each eigen-direction's offset from the minimum by the factor 1 − lr·λ per step, so "
        "it is stable only for lr < 2/λ_max. Scaling t_u by 0.1 divides w's entry by 100; "
        "standardizing makes both entries 2-ish and the bowl round."
    )


def code_caption(run: dict) -> str:
    """What the code panel's script prints, and how far it can agree with the page."""
    if run["rounding"]:
        return ("Runs on its own with only torch. It prints the peak loss and its epoch, which "
                f"match the page ({fmt(run['peak_loss'], sig=3, trim=True)} at epoch "
                f"{run['peak_epoch']}); its final loss, w and b are printed to two digits only "
                "and will not match, because float32 rounding at the peak decides them (see the "
                "box above) and autograd rounds differently from the page's closed-form "
                "gradient.")
    shown = fmt_list(run["params"], sig=CODE_DIGITS)
    return (f"Runs on its own with only torch: {shown} after the run, and the loss and "
            "divergence epoch shown above. It uses autograd, the page a closed-form gradient, so "
            f"the two agree to the {CODE_DIGITS} significant digits printed, not to the last "
            "float32 bit.")


def key_description(values: Values, run: dict, w_range: tuple, b_range: tuple) -> str:
    """The key chart in words: the run's settings, where the path goes, how the loss moves."""
    loss = [r["loss"] for r in run["loss"]]
    epochs = [r["epoch"] for r in run["loss"]]
    rule = "the chapter's manual update" if values.rule == "manual" else "torch.optim.SGD"
    sched = "" if values.schedule == "constant" else f" under the {values.schedule} schedule"
    out = (f"Top: the path of {rule} with lr {lr_text(values.lr)}{sched} on {INPUT_NAMES[values.norm]}, "
           f"from w = {fmt(values.start_w, 2)}, b = {fmt(values.start_b, 2)}, over the loss "
           f"surface (w from {fmt(w_range[0], 3)} to {fmt(w_range[1], 3)}, b from "
           f"{fmt(b_range[0], 2)} to {fmt(b_range[1], 2)}). Bottom: loss per epoch for lr "
           f"{lr_text(values.lr)}: {trend(loss, epochs)}")
    if run["diverged_at"] is None:
        out += f" in {run['last']} epochs"
    out += f". Verdict: {VERDICT_WORDS[run['verdict']]}."
    return out + (f" The path {run['sentence']}." if run["sentence"] else "")


def path_table(table: pd.DataFrame) -> pd.DataFrame:
    """The drawn epochs: the parameters and the loss before each epoch's update."""
    return table.rename(columns={"loss": "loss (before the update)"})


def epoch_sentence(table: pd.DataFrame, epoch: int) -> str:
    """The numbers the scrubbed point shows: the last drawn epoch at or before ``epoch``."""
    row = table[table["epoch"] <= epoch].iloc[-1]
    return (f"Epoch {int(row['epoch'])}, before its update: w = {fmt(float(row['w']), sig=6)}, "
            f"b = {fmt(float(row['b']), sig=6)}, loss = {fmt(float(row['loss']), sig=6)}.")


def sweep_description(s: dict, epochs: int, lr: float) -> str:
    """The sweep chart in words: its rates, their regions (in the order the lr axis meets
    them), the critical and the chosen rate."""
    rows = s["rows"]
    b = s["bounds"]
    out = (f"Final loss after {epochs} epochs against the learning rate, {len(rows)} rates from "
           f"{rows[0]['lr_text']} to {rows[-1]['lr_text']}, both axes log scale. ")
    for key, span in sorted(((k, b[k]) for k in dv.VERDICTS if b[k] is not None),
                            key=lambda kv: kv[1][0]):
        out += f"{key.capitalize()}: {fmt(span[0], sig=2)} to {fmt(span[1], sig=2)}. "
    return out + (f"Critical rate {fmt(s['critical'], sig=4)}, your lr {lr_text(lr)}; the lowest "
                  f"final loss is {fmt(s['best'], 4)}.")


def sweep_table(s: dict) -> pd.DataFrame:
    """The sweep's 60 rates with their final loss and region, as drawn."""
    return pd.DataFrame({"learning rate": [r["lr"] for r in s["rows"]],
                         "final loss": [r["loss_text"] for r in s["rows"]],
                         "region": [r["region"] for r in s["rows"]]})


def schedule_description(values: Values, run: dict) -> str:
    """The schedule chart in words: the rate's first and last value against the critical rate."""
    lrs = run["lrs"]
    above = [r["epoch"] for r in lrs if r["lr"] > run["critical"]]
    out = (f"Learning rate per epoch under the {values.schedule} schedule, log scale: from "
           f"{lr_text(lrs[0]['lr'])} at epoch {lrs[0]['epoch']} to {lr_text(lrs[-1]['lr'])} at epoch "
           f"{lrs[-1]['epoch']}, against the critical rate {fmt(run['critical'], sig=4)} (dashed). ")
    if not above:
        return out + "The rate stays below the critical rate throughout."
    return out + f"The rate is above the critical rate up to epoch {above[-1]} (drawn epochs)."
