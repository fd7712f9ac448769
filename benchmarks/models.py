"""Time thermo_core.model_training: the default MLP and the overfitting page's presets.

Run: python benchmarks/models.py [--repeats N]
Each case runs once to warm up, then the best of N timings is kept. "book loop" is the
chapter's own loop (nn.Sequential, no history, no hold-out) for scale. Timings depend on
machine load; they are reported, never asserted.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import thermo_core as tc
from benchmarks.timing import best_of
from ui.controls import Values, defaults
from ui.overfitting.runs import experiment
from ui.overfitting.settings import CONTROLS, PRESETS, run_settings


def book_loop() -> None:
    """Chapter 6's loop: seq_model, SGD lr 1e-3, 5000 epochs, validation under no_grad."""
    t_u, t_c = tc.load_readings()
    tr, va = tc.book_split()
    x, y = (0.1 * t_u[tr]).unsqueeze(1), t_c[tr].unsqueeze(1)
    vx, vy = (0.1 * t_u[va]).unsqueeze(1), t_c[va].unsqueeze(1)
    model = tc.make_model("mlp", t_u=t_u, hidden=13).seq
    opt = torch.optim.SGD(model.parameters(), lr=1e-3)
    loss_fn = nn.MSELoss()
    with tc.model_training.single_thread():
        for _ in range(5000):
            loss = loss_fn(model(x), y)
            with torch.no_grad():
                loss_fn(model(vx), vy)
            opt.zero_grad()
            loss.backward()
            opt.step()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    t_u, t_c = tc.load_readings()
    tr, va = tc.book_split()

    def default_mlp() -> None:
        tc.train_model(tc.RunSpec("mlp", lr=1e-3, epochs=5000), t_u[tr], t_c[tr],
                       val=(t_u[va], t_c[va]))

    cases = [
        ("default MLP (H=13, SGD 1e-3, 5000 ep.) tc.train_model", default_mlp),
        ("same, the chapter's bare loop", book_loop),
    ]
    for preset in PRESETS:
        settings = run_settings(Values({**defaults(CONTROLS), **preset.values}))
        cases.append((f"preset {preset.label.split(': ')[-1]} (the page's run, uncached)",
                      lambda s=settings: experiment(**s)))
    print(f"torch {torch.__version__}, {torch.get_num_threads()} intra-op threads outside training")
    print(f"{'case':62} {'best s':>8}")
    for label, fn in cases:
        print(f"{label:62} {best_of(fn, args.repeats):8.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
