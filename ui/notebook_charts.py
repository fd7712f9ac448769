"""The last cell of each page's notebook: its key chart drawn with Altair from the variables
the code panel's script leaves behind (``ui/<stem>/code.py`` names them).

Charts of long runs draw at most about 1,000 points per line, so a saved notebook stays
small and under Altair's 5,000-row limit.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Chart:
    """What the chart shows (the markdown cell before it) and the code that draws it."""

    what: str
    code: str


_HOME = Chart(
    "The readings, your line (blue) and its misses (red), as on the page.",
    '''import altair as alt
import pandas as pd

readings = pd.DataFrame({"t_u": t_u.tolist(), "t_c": t_c.tolist(), "t_p": t_p.tolist()})
base = alt.Chart(readings).encode(x=alt.X("t_u", title="t_u (unknown unit)"))
y_title = "t_c (°C)"
(base.mark_rule(color="crimson").encode(y=alt.Y("t_c", title=y_title), y2="t_p")
 + base.mark_line(color="steelblue").encode(y=alt.Y("t_p", title=y_title))
 + base.mark_circle(size=60, color="black").encode(y=alt.Y("t_c", title=y_title)))''',
)

_LOSS_SURFACE = Chart(
    "The readings against the inputs x, the line at your point (blue) with its misses (red), "
    "and the least-squares line (grey, dashed).",
    '''import altair as alt
import pandas as pd

readings = pd.DataFrame({
    "x": x.tolist(),
    "t_c": t_c.tolist(),
    "t_p": (w * x + b).detach().tolist(),
    "best": (w_star * x + b_star).tolist(),
})
base = alt.Chart(readings).encode(x=alt.X("x", title="x (the inputs)"))
y_title = "t_c (°C)"
(base.mark_rule(color="crimson").encode(y=alt.Y("t_c", title=y_title), y2="t_p")
 + base.mark_line(color="grey", strokeDash=[4, 4]).encode(y=alt.Y("best", title=y_title))
 + base.mark_line(color="steelblue").encode(y=alt.Y("t_p", title=y_title))
 + base.mark_circle(size=60, color="black").encode(y=alt.Y("t_c", title=y_title)))''',
)

_FINITE_DIFFERENCES = Chart(
    "How far the forward and central estimates of ∂L/∂w are from the float64 reference, for "
    "δ from 1e-9 to 10 in this precision: too large a δ bends the answer, too small a δ "
    "drowns it in rounding. The dashed line is your δ.",
    '''import altair as alt
import pandas as pd

rows = []
for k in range(-36, 5):
    h = torch.tensor(10.0 ** (k / 4), dtype=dtype)
    nudge = torch.zeros(2, dtype=dtype)
    nudge[0] = h
    for name, estimate in [
        ("forward", (L(p + nudge) - L(p)) / h),
        ("central", (L(p + nudge) - L(p - nudge)) / (2 * h)),
    ]:
        error = abs(float(estimate) - float(reference[0]))
        if error > 0:  # an exact hit has no place on a log scale
            rows.append({"delta": float(h), "scheme": name, "error": error})
log = alt.Scale(type="log")
curves = alt.Chart(pd.DataFrame(rows)).mark_line(point=True).encode(
    x=alt.X("delta", scale=log, title="δ (log scale)"),
    y=alt.Y("error", scale=log, title="error of the estimate of ∂L/∂w (log scale)"),
    color="scheme",
)
curves + alt.Chart(pd.DataFrame({"delta": [delta]})).mark_rule(strokeDash=[4, 4]).encode(x="delta")''',
)

_DIVERGENCE = Chart(
    "The loss at each epoch of the run (log scale): a steady fall, or a blow-up.",
    '''import altair as alt
import pandas as pd

every = max(1, len(losses) // 1000)
curve = pd.DataFrame({"epoch": range(1, len(losses) + 1), "loss": losses}).iloc[::every]
alt.Chart(curve).mark_line().encode(
    x="epoch", y=alt.Y("loss", scale=alt.Scale(type="log"), title="loss (log scale)")
)''',
)

_AUTOGRAD = Chart(
    "The graph PyTorch recorded, from loss.grad_fn at the top down to AccumulateGrad, which "
    "adds into params.grad.",
    '''import altair as alt
import pandas as pd

def index(fn):
    return next(i for i, s in enumerate(seen) if s is fn)

edges = [(i, index(child)) for i, fn in enumerate(seen)
         for child, _ in fn.next_functions if child is not None]
depth = [0] * len(seen)
for sweep in seen:  # the longest path from the loss: each node a row below its deepest parent
    for parent, child in edges:
        depth[child] = max(depth[child], depth[parent] + 1)
column = [depth[:i].count(d) for i, d in enumerate(depth)]
nodes = pd.DataFrame({"node": [type(fn).__name__ for fn in seen], "x": column, "y": depth})
links = pd.DataFrame([{"x": column[a], "y": depth[a], "x2": column[b], "y2": depth[b]}
                      for a, b in edges])
across = alt.X("x", axis=None, scale=alt.Scale(padding=60))
down = alt.Y("y", axis=None, scale=alt.Scale(reverse=True, padding=20))
(alt.Chart(links).mark_rule(color="lightgrey").encode(x=across, y=down, x2="x2", y2="y2")
 + alt.Chart(nodes).mark_text(fontSize=12).encode(x=across, y=down, text="node")
 ).properties(width=400, height=300)''',
)

_OPTIMIZERS = Chart(
    "Each optimizer's loss at each epoch (log scale), as in the page's race.",
    '''import altair as alt
import pandas as pd

rows = []
for name, curve in curves.items():
    every = max(1, len(curve) // 1000)
    rows += [{"optimizer": name, "epoch": i + 1, "loss": loss}
             for i, loss in enumerate(curve) if i % every == 0]
alt.Chart(pd.DataFrame(rows)).mark_line().encode(
    x="epoch",
    y=alt.Y("loss", scale=alt.Scale(type="log"), title="loss (log scale)"),
    color="optimizer",
)''',
)

_OVERFITTING = Chart(
    "The training and validation losses at each epoch (log scale): where they part, the "
    "model learns the training readings' noise.",
    '''import altair as alt
import pandas as pd

every = max(1, len(losses) // 1000)
rows = []
for i, (train, val) in enumerate(losses):
    if i % every == 0:
        rows += [{"epoch": i + 1, "readings": "training", "loss": train},
                 {"epoch": i + 1, "readings": "validation", "loss": val}]
alt.Chart(pd.DataFrame(rows)).mark_line().encode(
    x="epoch",
    y=alt.Y("loss", scale=alt.Scale(type="log"), title="loss (log scale)"),
    color="readings",
)''',
)

CHARTS: dict[str, Chart] = {
    "home": _HOME,
    "loss_surface": _LOSS_SURFACE,
    "finite_differences": _FINITE_DIFFERENCES,
    "divergence": _DIVERGENCE,
    "autograd": _AUTOGRAD,
    "optimizers": _OPTIMIZERS,
    "overfitting": _OVERFITTING,
}
"""The chart cell of each page, by stem."""
