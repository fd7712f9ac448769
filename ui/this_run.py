"""Values looked up once per script run, however many sections read them.

A ``st.cache_data`` hit is not free: Streamlit hashes the arguments (reading the function's
signature each time) and unpickles a fresh copy of the value, about 0.7 ms for a training
run's tables. The optimizer page reads each optimizer's run in four sections, 33 lookups a
rerun. :func:`once` keeps what a run has already looked up, per runner thread, until
``ui.page.start`` begins the next run. The values are pure functions of their arguments
(that is what makes them cacheable), so a kept value is the one the cache would return.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Any

_local = threading.local()


def begin() -> None:
    """Forget the last run's values: a new script run starts (``ui.page.start``)."""
    _local.memo = {}


def once(fn: Callable[..., Any], *args: Hashable) -> Any:
    """``fn(*args)``, called at most once per script run for the same arguments.

    Outside a page run (no :func:`begin` in this thread) it simply calls ``fn``. Callers
    share the returned object, so they must not change it.
    """
    memo = getattr(_local, "memo", None)
    if memo is None:
        return fn(*args)
    key = (fn, args)
    if key not in memo:
        memo[key] = fn(*args)
    return memo[key]
