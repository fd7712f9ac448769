"""What one busy Python thread does to a training loop in the same process.

Run:  python benchmarks/gil_convoy.py

Every session's script is a thread of one server process. Each small torch operation
releases the GIL and must win it back; beside a thread running plain Python, each win
waits for that thread's switch interval. Prints the wall time of the overfitting page's
default MLP (2000 epochs) with the book loop and the lean loop, and of the optimizer page's
Adam (1000 epochs), alone and beside a busy thread at several switch intervals.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import thermo_core as tc
from thermo_core.lessons import optimizers as op


def _mlp(book: bool) -> Callable[[], object]:
    t_u, t_c = tc.load_readings()
    spec = tc.RunSpec("mlp", lr=1e-3, epochs=2000)
    return lambda: tc.train_model(spec, t_u, t_c, book_loop=book)


def _adam() -> object:
    return op.run_optimizer(tc.book(), "Adam", "none", None, 1000, None, None, None)


def _timed(fn: Callable[[], object], interval: float | None) -> float:
    stop = threading.Event()

    def busy() -> None:
        while not stop.is_set():
            sum(range(2000))

    sys.setswitchinterval(interval or 0.005)
    thread = threading.Thread(target=busy) if interval else None
    if thread:
        thread.start()
    try:
        start = time.perf_counter()
        fn()
        return time.perf_counter() - start
    finally:
        stop.set()
        if thread:
            thread.join()


def main() -> None:
    torch.set_num_threads(1)
    jobs = {"MLP 2000 ep., book loop": _mlp(True), "MLP 2000 ep., lean loop": _mlp(False),
            "optimizers page Adam 1000 ep.": _adam}
    print(f"{'':34}{'alone':>9}{'busy, 5 ms':>12}{'busy, 1 ms':>12}")
    for name, fn in jobs.items():
        fn()  # warm-up (and the lean loop's one-off compile)
        cells = [_timed(fn, None)]
        for interval in (0.005, 0.001):
            if name.endswith("book loop") and interval == 0.005:
                cells.append(float("nan"))  # minutes: measured once at 253 s for 2000 epochs
                continue
            cells.append(_timed(fn, interval))
        print(f"{name:34}" + "".join(f"{c:>10.3f} s" if c == c else f"{'(minutes)':>12}"
                                     for c in cells))


if __name__ == "__main__":
    main()
