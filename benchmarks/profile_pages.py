"""Where a *new* change's server CPU goes, page by page (cProfile under AppTest).

Run: python benchmarks/profile_pages.py [STEM ...] [--changes N] [--top K] [--seed S]

For each page it opens the page at its defaults in AppTest (the real entrypoint), then
moves the page's first slider or number input of the main area (the widget
``benchmarks/classroom.py --harsh`` moves) to N values drawn uniformly from its range, each
one new to the cache, and profiles the script thread of those reruns. It prints the CPU
seconds of the script thread per change (median) and the K functions with the largest
cumulative time, as a Markdown table for ``benchmarks/PROFILE.md``.

CPU time of the script thread is what one server process spends per change; a machine
shared with other work disturbs it less than wall-clock latency. Printed, never asserted.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

STEMS = ("home", "loss_surface", "finite_differences", "divergence", "autograd",
         "optimizers", "overfitting")


class _Profiled:
    """Profiles every script run AppTest makes, in the script's own thread."""

    def __init__(self) -> None:
        self.profile = cProfile.Profile()
        self.cpu: list[float] = []
        self.on = False

    def install(self) -> None:
        from streamlit.runtime.scriptrunner import script_runner

        original = script_runner.ScriptRunner._run_script
        me = self

        def run(runner, rerun_data):  # Streamlit's private ScriptRunner._run_script
            if not me.on:
                return original(runner, rerun_data)
            t0 = time.thread_time()
            me.profile.enable()
            try:
                return original(runner, rerun_data)
            finally:
                me.profile.disable()
                me.cpu.append(time.thread_time() - t0)

        script_runner.ScriptRunner._run_script = run


def _first_range_widget(node):
    """The first slider or number input of the main area, in drawing order."""
    from streamlit.testing.v1.element_tree import NumberInput, Slider

    if isinstance(node, Slider | NumberInput):
        return node
    for child in getattr(node, "children", {}).values():
        found = _first_range_widget(child)
        if found is not None:
            return found
    return None


def _fresh_values(widget, n: int, rng: random.Random) -> list:
    """n distinct values on the widget's step grid, uniform over its range, none its own."""
    proto = widget.proto
    lo, step = proto.min, proto.step or 1
    count = round((proto.max - lo) / step)
    whole = proto.data_type == 0  # INT for both protos: Slider.INT and NumberInput.INT

    def at(k: int) -> float:
        v = lo + k * step
        return round(v) if whole else round(v, 12)

    pair = isinstance(widget.value, tuple)  # a range slider: two distinct sorted points
    seen, out = {widget.value}, []
    while len(out) < n:
        v = tuple(sorted(at(k) for k in rng.sample(range(count + 1), 2))) if pair else \
            at(rng.randint(0, count))
        if v not in seen:
            seen.add(v)
            out.append(v)
    return out


def profile_page(stem: str, changes: int, seed: int, spy: _Profiled) -> tuple[str, list[float], str]:
    """(widget key, CPU seconds per change, the profile's text) for one page."""
    from conftest import run_page

    at = run_page(f"pages/{stem}.py")
    widget = _first_range_widget(at.main)
    if widget is None:
        raise SystemExit(f"{stem}: no slider or number input in the main area")
    key = widget.key
    values = _fresh_values(widget, changes, random.Random(seed))
    spy.profile, spy.cpu, spy.on = cProfile.Profile(), [], True
    try:
        for v in values:
            (at.slider if widget.type == "slider" else at.number_input)(key=key).set_value(v).run()
            assert not at.exception, [e.value for e in at.exception]
    finally:
        spy.on = False
    out = io.StringIO()
    pstats.Stats(spy.profile, stream=out).sort_stats("cumulative").print_stats(60)
    return key, list(spy.cpu), out.getvalue()


_PLUMBING = ("script_runner.py", "exec_code.py", "builtins.exec", "streamlit_app.py",
             "navigation/page.py", "caching/cache_utils.py", "metrics_util.py", "<frozen",
             "contextlib.py", "threading.py")
"""Frames every rerun passes through (the script runner, cache and telemetry wrappers):
their cumulative time is the whole run's, so they would crowd out the functions that cost."""


def _rows(text: str, top: int, changes: int) -> list[tuple[float, str]]:
    """The top cumulative-time functions of the app (and Streamlit's own heavy calls)."""
    rows = []
    for line in text.splitlines():
        parts = line.split(None, 5)
        if len(parts) < 6 or not parts[3].replace(".", "").isdigit() or "(" not in parts[5]:
            continue
        where = parts[5]
        if any(s in where for s in _PLUMBING):
            continue
        short = where.replace(str(ROOT) + "/", "")
        short = short.split("site-packages/")[-1]
        rows.append((float(parts[3]) / changes, short))
        if len(rows) == top:
            break
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("stems", nargs="*", default=list(STEMS))
    parser.add_argument("--changes", type=int, default=6)
    parser.add_argument("--top", type=int, default=10)
    parser.add_argument("--seed", type=int, default=19)
    parser.add_argument("--full", action="store_true", help="print cProfile's whole top 60")
    args = parser.parse_args()
    spy = _Profiled()
    spy.install()
    total = []
    for stem in args.stems:
        key, cpu, text = profile_page(stem, args.changes, args.seed, spy)
        median = statistics.median(cpu)
        total.append(median)
        print(f"\n### {stem}: `{key}`, {args.changes} new values; script CPU per change "
              f"median {median:.3f} s (min {min(cpu):.3f}, max {max(cpu):.3f})\n")
        print("| cumulative s per change | function |\n|---:|---|")
        for secs, where in _rows(text, args.top, args.changes):
            print(f"| {secs:.3f} | `{where}` |")
        if args.full:
            print(text)
    print(f"\nmean over pages of the median CPU per change: {statistics.mean(total):.3f} s")


if __name__ == "__main__":
    main()
