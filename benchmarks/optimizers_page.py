"""Time the "Optimizer comparison" page as a learner meets it (figures for issue 6).

Run: python benchmarks/optimizers_page.py
- cold: the page's first run in a fresh AppTest with empty caches (target <= 1.5 s of
  compute for the default 4 optimizers × 5000 epochs; the figure includes page drawing);
- warm rerun after a change that leaves the runs alone (the "epoch to look inside"
  input; target <= 0.15 s) and a plain rerun;
- KB of chart data per rerun (Arrow datasets + spec; target <= 300 KB).
Scrubbing reruns nothing: tests/test_optimizers_browser.py counts the reruns (0).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import thermo_core as tc

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> int:
    from streamlit.testing.v1 import AppTest

    from thermo_core.lessons import optimizers as op

    op.run_optimizer(tc.book(), "SGD", "none", epochs=3, state_at=[])  # torch's one-off start-up cost
    start = time.perf_counter()
    for label in op.DEFAULT_VIEW:
        op.run_optimizer(tc.book(), label, "none", epochs=5000)
    print(f"default view compute (4 × 5000 epochs): {time.perf_counter() - start:.3f} s")
    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=120)
    at.switch_page("pages/optimizers.py")
    start = time.perf_counter()
    at.run()
    print(f"cold page run: {time.perf_counter() - start:.3f} s")
    best = float("inf")
    for epoch in (2, 3, 4, 5, 6):
        start = time.perf_counter()
        at.number_input(key="opt_at").set_value(epoch).run()
        best = min(best, time.perf_counter() - start)
    print(f"rerun after 'epoch to look inside' (new state, runs cached): best {best:.3f} s")
    start = time.perf_counter()
    at.run()
    print(f"plain rerun: {time.perf_counter() - start:.3f} s")
    size = 0
    for el in at.get("vega_lite_chart"):
        size += len(el.proto.spec) + sum(len(d.data.data) for d in el.proto.datasets)
    size += sum(len(json.dumps(df.value.to_dict("records"))) for df in at.dataframe)
    print(f"page data per rerun (charts + tables): {size / 1024:.0f} KB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
