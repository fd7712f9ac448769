"""Time the two new pages' heavy computations, as times and ratios (targets from issue 6).

Run: python benchmarks/optimizers.py [--repeats N] [--epochs N]
- the 60-rate lr sweep (one batched tensor computation) against one single run of the same
  length (target: sweep <= 2x);
- the default optimizer view (4 optimizers, catalogue defaults, raw inputs) computed cold,
  i.e. in a fresh call with nothing cached (target: <= 1.5 s).
Best of N after a warm-up, because the machine is shared; no pass/fail, only figures.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import thermo_core as tc
from benchmarks.timing import best_of
from thermo_core.lessons import divergence as dv
from thermo_core.lessons import optimizers as op

SWEEP_TARGET = 2.0
VIEW_TARGET = 1.5



def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=5000)
    args = parser.parse_args(argv)
    for mode in ("none", "scale"):
        x, t_c = dv.inputs(tc.book(), mode)
        single = best_of(
            lambda x=x, t_c=t_c: tc.train(x, t_c, optimizer="manual", lr=1e-6, epochs=args.epochs),
            args.repeats,
        )
        sweep = best_of(lambda mode=mode: dv.lr_sweep(tc.book(), mode, epochs=args.epochs), args.repeats)
        verdict = "meets" if sweep / single <= SWEEP_TARGET else "MISSES"
        print(
            f"lr sweep, 60 rates, {mode:5} inputs: sweep {sweep:.3f} s, one run {single:.3f} s, "
            f"ratio {sweep / single:.2f} ({verdict} <= {SWEEP_TARGET}x)"
        )
    view = best_of(lambda: op.compare(tc.book(), op.DEFAULT_VIEW, "none", args.epochs), args.repeats)
    verdict = "meets" if view <= VIEW_TARGET else "MISSES"
    print(
        f"optimizer view {', '.join(op.DEFAULT_VIEW)} x {args.epochs} epochs: {view:.3f} s "
        f"({verdict} <= {VIEW_TARGET} s)"
    )
    for label in op.DEFAULT_VIEW:
        t = best_of(
            lambda label=label: op.run_optimizer(tc.book(), label, "none", epochs=args.epochs), args.repeats
        )
        print(f"  {label:16} {t:.3f} s")
    log = best_of(lambda: dv.book_log(tc.book(), "scale", 1e-2, args.epochs, print_params=False), 1)
    print(f"book log, {args.epochs} epochs: {log:.3f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
