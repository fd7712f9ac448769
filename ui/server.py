"""The server process's setup, in one place, done once: :func:`start`.

``streamlit run`` runs no app code until the first script run (a visitor, or a probe that
runs the script), and a first visit by a page's URL can run that page's file without the
entrypoint; so every page calls :func:`start` first thing (``ui.page.start``), and every
call after the first returns at once. What each setting buys:

- **torch threads** (``THERMO_TORCH_THREADS``, default 1). In a container torch sizes its
  pools from the *host's* cores, not the container's CPU limit: on Community Cloud (0.078 to
  2 cores) one OpenMP worker per host core spins on a fraction of a core while other
  visitors' reruns wait. This app's tensors hold 11 readings or a few thousand grid points,
  so extra threads buy no speed (16 instead of 1 added about 4 MB of RSS, not time).
- **GIL switch interval 1 ms** (CPython: 5 ms). Every session's script is a thread of this
  process; each small torch operation releases the GIL and must win it back, and beside
  another session's plain Python each win waits out that thread's interval. Measured beside
  one busy Python thread: 1000 epochs of the optimizer page's Adam took 0.03 s alone,
  10.5 s at 5 ms and 0.78 s at 1 ms.
- **the fast path compiled** (``thermo_core.compiled``, TorchScript): no learner waits for
  a compile.
- **every page's modules imported, and torch.optim's own lazy imports done**: the first
  ``torch.optim`` optimizer imports ``torch._dynamo`` (about 800 modules). Done here, it
  happens before the freeze below instead of in some learner's run, after it.
- **the garbage collector's view frozen** (``gc.freeze``). The imports leave a few million
  long-lived objects, and a full collection walks every one not frozen: 0.07 s with
  ``torch._dynamo``'s left out of the freeze, 0.002 s with them in. Frozen objects are
  skipped, so a collection only looks at what sessions made. (Streamlit's own collection
  after every run is off: ``runner.postScriptGC`` in ``.streamlit/config.toml``.)
- **the shared cache warmed** (:mod:`ui.warm`), in a background thread: every page at its
  defaults, every "Try this" preset and every tour step runs once, so the first learner to
  open any of them finds its numbers computed.
"""

from __future__ import annotations

import gc
import importlib
import logging
import os
import sys
import threading
from collections.abc import Mapping

import torch

THREADS_VAR = "THERMO_TORCH_THREADS"
DEFAULT_THREADS = 1
MAX_THREADS = 64
SWITCH_INTERVAL = 0.001
"""Seconds a thread may hold the GIL before a waiting thread gets it (CPython: 0.005)."""

_LOG = logging.getLogger(__name__)
_lock = threading.Lock()
_started = False


def threads_from_env(env: Mapping[str, str] | None = None) -> int:
    """The thread count asked for by ``THERMO_TORCH_THREADS``, or the default.

    A value that is not a whole number from 1 to ``MAX_THREADS`` is ignored with a logged
    warning: a typo in a deploy setting must not stop the app from starting.
    """
    env = os.environ if env is None else env
    raw = env.get(THREADS_VAR, "").strip()
    if not raw:
        return DEFAULT_THREADS
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if not 1 <= value <= MAX_THREADS:
        _LOG.warning("%s=%r is not a whole number from 1 to %d; using %d thread(s)",
                     THREADS_VAR, raw, MAX_THREADS, DEFAULT_THREADS)
        return DEFAULT_THREADS
    return value


def _torch_threads(n: int) -> None:
    """Both of torch's pools to ``n`` threads. Inter-op threads can only be set before torch
    starts inter-op work; if that already happened (a test process) only intra-op changes."""
    torch.set_num_threads(n)
    try:
        torch.set_num_interop_threads(n)
    except RuntimeError:
        _LOG.info("torch inter-op threads were already started; left as they are")


def preload() -> None:
    """Import every page's modules, compile the fast path and make torch.optim's lazy
    imports, so all of it exists before the freeze and no learner waits for it."""
    from thermo_core import compiled

    from .catalog import PAGES

    compiled.compile_all()
    for page in PAGES:
        for part in ("settings", "charts", "code", "text"):
            try:
                importlib.import_module(f"ui.{page.stem}.{part}")
            except ModuleNotFoundError as exc:
                if exc.name != f"ui.{page.stem}.{part}":
                    raise
    torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)


def start(warm: bool = True) -> bool:
    """Set the process up (the settings above), once; True on the call that did it.

    ``warm`` starts the cache warm-up when a real server runs this (never under AppTest).
    Later calls take one lock and return: cheap enough for every page run.
    """
    global _started
    with _lock:
        if _started:
            return False
        _torch_threads(threads_from_env())
        sys.setswitchinterval(SWITCH_INTERVAL)
        preload()
        gc.collect()
        gc.freeze()
        _started = True
    if warm:
        from . import warm as warming

        warming.in_background()
    return True
