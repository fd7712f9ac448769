"""Process-wide torch settings for the app server, applied once at startup.

Why: inside a container torch sizes its thread pools from the *host's* core count, not
from the container's CPU limit. On Streamlit Community Cloud (0.078 to 2 cores) that
means one OpenMP worker per host core, all spinning on a fraction of a core whenever a
loss grid is big enough to be split, while other visitors' reruns wait. This app's
tensors hold 11 readings or a few thousand grid points: extra threads buy no speed. So
the server uses ``DEFAULT_THREADS`` unless ``THERMO_TORCH_THREADS`` says otherwise.
(Memory is not the reason: 16 threads instead of 1 added about 4 MB to the server's RSS
in benchmarks/memory.py.)

No Streamlit import: the entrypoint calls :func:`configure_torch_threads` on every
rerun and only the first call in a process does anything.
"""

from __future__ import annotations

import gc
import logging
import os
import sys
import threading
from collections.abc import Callable, Mapping

import torch

ENV_VAR = "THERMO_TORCH_THREADS"
DEFAULT_THREADS = 1
MAX_THREADS = 64

_LOG = logging.getLogger(__name__)
_lock = threading.Lock()
_configured: int | None = None


def threads_from_env(env: Mapping[str, str] | None = None) -> int:
    """The thread count asked for by ``THERMO_TORCH_THREADS``, or the default.

    A value that is not a whole number from 1 to ``MAX_THREADS`` is ignored with a
    logged warning: a typo in a deploy setting must not stop the app from starting.
    """
    env = os.environ if env is None else env
    raw = env.get(ENV_VAR, "").strip()
    if not raw:
        return DEFAULT_THREADS
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if not 1 <= value <= MAX_THREADS:
        _LOG.warning(
            "%s=%r is not a whole number from 1 to %d; using %d thread(s)",
            ENV_VAR,
            raw,
            MAX_THREADS,
            DEFAULT_THREADS,
        )
        return DEFAULT_THREADS
    return value


def configure_torch_threads(env: Mapping[str, str] | None = None) -> int:
    """Set torch's intra-op and inter-op thread counts once per process; return the count.

    Later calls return the count already set without touching torch, so calling this
    from a script that Streamlit reruns is cheap and safe. Inter-op threads can only be
    set before torch starts inter-op work; if that already happened (say, in a test
    process) only the intra-op count is changed.
    """
    global _configured
    with _lock:
        if _configured is not None:
            return _configured
        n = threads_from_env(env)
        torch.set_num_threads(n)
        try:
            torch.set_num_interop_threads(n)
        except RuntimeError:
            _LOG.info("torch inter-op threads were already started; left as they are")
        _configured = n
        return n


_frozen = False


def freeze_startup_objects(before: Callable[[], object] | None = None) -> bool:
    """Move every object alive now into the garbage collector's permanent generation, once.

    Why: importing torch, pandas and altair leaves a few million long-lived objects, and a
    full collection walks all of them (about 0.2 s here). Frozen objects are skipped, so the
    collections that still happen while the server runs only look at what sessions made.
    Call it after the imports, before any session's own objects exist (``before`` runs
    first, under the same once-only lock: the app passes its module preloader); later
    calls do nothing. Returns True on the call that froze.
    """
    global _frozen
    with _lock:
        if _frozen:
            return False
        if before is not None:
            before()
        gc.collect()
        gc.freeze()
        _frozen = True
        return True


SWITCH_INTERVAL = 0.001
"""Seconds a thread may hold Python's GIL before another waiting thread gets it (5 ms in
CPython by default)."""

_switching_set = False


def configure_gil_switching() -> float:
    """Hand the GIL between threads every ``SWITCH_INTERVAL`` s instead of every 5 ms, once.

    Why: every session's script runs in a thread of one server process. Each small torch
    operation releases the GIL and must win it back; while another session runs plain
    Python, each win waits out that session's interval. Measured here beside one busy
    Python thread: 1000 epochs of the optimizer page's Adam took 0.03 s alone, 10.5 s at
    5 ms and 0.78 s at 1 ms. (The overfitting page's loop avoids the wait altogether: it
    runs compiled, without the GIL; see ``thermo_core.model_training``.) Shorter intervals cost
    pure-Python threads a little more switching; 1 ms keeps that small.
    """
    global _switching_set
    with _lock:
        if not _switching_set:
            sys.setswitchinterval(SWITCH_INTERVAL)
            _switching_set = True
        return sys.getswitchinterval()
