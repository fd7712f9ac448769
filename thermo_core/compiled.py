"""TorchScript for the few hot loops, compiled once per process, and the switch that turns
that fast path off.

Why: every session's script is a thread of one server process. A Python loop of small
tensor operations releases and re-takes the GIL at every operation, and beside other
sessions' Python each re-take can wait for their switch interval; a compiled loop
releases it once. Compiling changes no numbers: the loops call the same ATen operations
(``torch.jit.optimized_execution(False)`` keeps TorchScript from fusing or rewriting
them), and their tests compare results with ``torch.equal``.

The fast path has two parts, each used by one training module: ``lean_loop`` (the lean loop
of ``model_training.train_model``, the overfitting page's) and ``lean_optim`` (``tc.train``'s
optimizers and ``descend_many``, in ``training``). ``THERMO_FAST_PATH``, read once at import,
says which run: unset or "1" both, "0" neither (every training takes the book's loop with
the real ``torch.optim`` classes, the sweep runs uncompiled), or part names separated by
commas ("lean_loop").

Where TorchScript cannot compile a loop, the loop runs as plain Python (logged once); where
a fast path raises while running, its training module logs it and runs the book's loop.
"""

from __future__ import annotations

import logging
import os
import threading
import warnings
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager, nullcontext

import torch

ENV_VAR = "THERMO_FAST_PATH"
PARTS: tuple[str, ...] = ("lean_loop", "lean_optim")
"""The fast path's parts, as ``THERMO_FAST_PATH`` names them."""

_LOG = logging.getLogger(__name__)

# TorchScript's deprecation notice comes with every compile; it says nothing a learner or a
# server log can act on (the README says what replaces TorchScript). Only that message.
warnings.filterwarnings("ignore", message=r"`torch\.jit\.script` is deprecated",
                        category=DeprecationWarning)


def parts_from_env(env: Mapping[str, str] | None = None) -> frozenset[str]:
    """The fast-path parts ``THERMO_FAST_PATH`` turns on (all of them when it is unset).

    A value that names no part is ignored with a logged warning, as a typo in a deploy
    setting must not change what the app computes: every part stays on.
    """
    env = os.environ if env is None else env
    raw = env.get(ENV_VAR, "").strip()
    if raw in ("", "1"):
        return frozenset(PARTS)
    if raw == "0":
        return frozenset()
    named = {part.strip() for part in raw.split(",") if part.strip()}
    if not named or not named <= set(PARTS):
        _LOG.warning("%s=%r: expected 0, 1 or part names from %s; every part stays on",
                     ENV_VAR, raw, ", ".join(PARTS))
        return frozenset(PARTS)
    return frozenset(named)


ENABLED: frozenset[str] = parts_from_env()
"""The parts this process runs (tests may replace it)."""


def enabled(part: str) -> bool:
    """Whether ``part`` (one of ``PARTS``) of the fast path runs in this process."""
    return part in ENABLED


_cache: dict[Callable, Callable] = {}
_lock = threading.Lock()
_hot: dict[Callable, str] = {}
_reported: set[tuple[str, str]] = set()


def hot(part: str) -> Callable[[Callable], Callable]:
    """Decorator: mark a loop of fast-path ``part`` to compile at server start
    (:func:`compile_all`); returns the function unchanged."""
    if part not in PARTS:
        raise ValueError(f"unknown fast-path part {part!r}; allowed: {', '.join(PARTS)}")

    def mark(fn: Callable) -> Callable:
        _hot[fn] = part
        return fn

    return mark


def compile_all() -> None:
    """Compile every :func:`hot` function of an enabled part now (a server calls it once, at
    startup, so no learner waits for a compile: about 0.05 s for all of them)."""
    for fn, part in _hot.items():
        if enabled(part):
            script(fn)


def script(fn: Callable) -> Callable:
    """``torch.jit.script(fn)``, made once per process; ``fn`` itself if that fails."""
    with _lock:
        if fn not in _cache:
            try:
                _cache[fn] = torch.jit.script(fn)
            except Exception as exc:  # any failure: the same code runs as Python
                _LOG.warning("TorchScript cannot compile %s, so it runs as plain Python "
                             "(slower under load, same numbers): %s", fn.__qualname__, exc)
                _cache[fn] = fn
        return _cache[fn]


def engine(fn: Callable, loop: Callable) -> str:
    """The engine name a run records in its settings: "compiled" if ``loop`` (what
    :func:`script` gave for ``fn``) is TorchScript, "python" if it is ``fn`` itself."""
    return "python" if loop is fn else "compiled"


def fell_back(where: str, exc: BaseException, then: str = "the book's loop ran instead") -> None:
    """Log at WARNING, once per place and reason, that ``where`` raised and what ran instead."""
    key = (where, f"{type(exc).__name__}: {exc}")
    with _lock:
        first = key not in _reported
        _reported.add(key)
    if first:
        _LOG.warning("%s failed, so %s: %s", where, then, key[1], exc_info=exc)


def running() -> AbstractContextManager:
    """The context to call compiled loops in: no graph recording, no graph rewriting."""
    return _Running()


class _Running:
    def __enter__(self) -> None:
        self._no_grad = torch.no_grad()
        self._no_grad.__enter__()
        try:  # TorchScript's graph executor; where it is gone, nothing was compiled either
            self._plain: AbstractContextManager = torch.jit.optimized_execution(False)
            self._plain.__enter__()
        except Exception as exc:
            fell_back("torch.jit.optimized_execution", exc, "loops run without it")
            self._plain = nullcontext()

    def __exit__(self, *exc: object) -> None:
        self._plain.__exit__(*exc)
        self._no_grad.__exit__(*exc)
