"""TorchScript for the few hot loops, compiled once per process, with a Python fallback.

Why: every session's script is a thread of one server process. A Python loop of small
tensor operations releases and re-takes the GIL at every operation, and beside other
sessions' Python each re-take can wait for their switch interval; a compiled loop
releases it once. Compiling changes no numbers: the loops call the same ATen operations
(``torch.jit.optimized_execution(False)`` keeps TorchScript from fusing or rewriting
them), and their tests compare results with ``torch.equal``.

TorchScript is deprecated in recent PyTorch; if compiling ever fails the function runs
as ordinary Python, with the same results, only slower under load.
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Callable
from contextlib import AbstractContextManager

import torch

_cache: dict[Callable, Callable] = {}
_lock = threading.Lock()
_hot: list[Callable] = []


def hot(fn: Callable) -> Callable:
    """Mark ``fn`` as a loop to compile at server start (:func:`compile_all`); returns it."""
    _hot.append(fn)
    return fn


def compile_all() -> None:
    """Compile every :func:`hot` function now (a server calls it once, at startup, so no
    learner waits for a compile: about 0.05 s for all of them)."""
    for fn in _hot:
        script(fn)


def script(fn: Callable) -> Callable:
    """``torch.jit.script(fn)``, made once per process; ``fn`` itself if that fails."""
    with _lock:
        if fn not in _cache:
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")  # "torch.jit.script is deprecated"
                    _cache[fn] = torch.jit.script(fn)
            except Exception:  # any failure: the same code runs as Python
                _cache[fn] = fn
        return _cache[fn]


def running() -> AbstractContextManager:
    """The context to call compiled loops in: no graph recording, no graph rewriting."""
    return _Running()


class _Running:
    def __enter__(self) -> None:
        self._no_grad = torch.no_grad()
        self._plain = torch.jit.optimized_execution(False)
        self._no_grad.__enter__()
        self._plain.__enter__()

    def __exit__(self, *exc: object) -> None:
        self._plain.__exit__(*exc)
        self._no_grad.__exit__(*exc)
