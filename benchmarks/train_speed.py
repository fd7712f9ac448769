"""Time tc.train against the chapter's own autograd loop, in one process, as ratios.

Run: python benchmarks/train_speed.py [--repeats N]
Each case is run with a warm-up first; the best of N timings is kept for both sides.
A ratio below 1 means tc.train (which also records the full history) is faster.
"""

from __future__ import annotations

import argparse
import io
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import thermo_core as tc

TARGET = 0.3


def chapter_loop(
    n_epochs: int,
    optimizer: torch.optim.Optimizer,
    params: torch.Tensor,
    t_u: torch.Tensor,
    t_c: torch.Tensor,
) -> torch.Tensor:
    """The book's training loop: forward, zero_grad, backward, step, print every 500."""
    for epoch in range(1, n_epochs + 1):
        t_p = tc.model(t_u, *params)
        loss = tc.mse_loss(t_p, t_c)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if epoch % 500 == 0:
            print(f"Epoch {epoch}, Loss {loss.item():f}", file=sink)
    return params


sink = io.StringIO()
"""Where the chapter loop's progress lines go: printed, as in the book, but not shown."""


def best_of(fn, repeats: int) -> tuple[float, object]:
    out = fn()  # warm-up
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - start)
    return best, out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=5000)
    args = parser.parse_args(argv)
    t_u, t_c = tc.load_readings()
    cases = [
        ("SGD lr=1e-2, scale inputs", "SGD", 1e-2, tc.normalize(t_u, "scale")),
        ("Adam lr=1e-1, raw inputs", "Adam", 1e-1, t_u),
    ]
    worst, agree = 0.0, True
    print(f"{'case':30} {'chapter s':>10} {'tc.train s':>11} {'ratio':>7}  params (chapter | tc)")
    for label, name, lr, x in cases:

        def book(name: str = name, lr: float = lr, x: torch.Tensor = x) -> torch.Tensor:
            params = torch.tensor([1.0, 0.0], requires_grad=True)
            opt = getattr(torch.optim, name)([params], lr=lr)
            return chapter_loop(args.epochs, opt, params, x, t_c).detach()

        def ours(name: str = name, lr: float = lr, x: torch.Tensor = x) -> torch.Tensor:
            return tc.train(x, t_c, optimizer=name, lr=lr, epochs=args.epochs).params

        t_book, p_book = best_of(book, args.repeats)
        t_ours, p_ours = best_of(ours, args.repeats)
        ratio = t_ours / t_book
        worst = max(worst, ratio)
        agree = agree and torch.allclose(p_book, p_ours, rtol=1e-4, atol=1e-4)
        pb = ", ".join(f"{v:.4f}" for v in p_book.tolist())
        po = ", ".join(f"{v:.4f}" for v in p_ours.tolist())
        print(f"{label:30} {t_book:10.3f} {t_ours:11.3f} {ratio:7.3f}  [{pb}] | [{po}]")
    verdict = "meets" if worst <= TARGET else "MISSES"
    print(f"worst ratio {worst:.3f}: {verdict} the target of {TARGET}x")
    print(f"final params agree with the chapter loop: {'yes' if agree else 'NO'}")
    return 0 if agree else 1


if __name__ == "__main__":
    raise SystemExit(main())
