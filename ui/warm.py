"""Warm the shared cache at server start: run every view a class opens first, once.

The views are every page at its defaults, every "Try this" preset and every step of the
guided tour, before and after its task is done (:func:`views`). Each runs as a script run
of a throwaway session inside this process, as Streamlit's own script health check does, so
every ``st.cache_data`` function a page calls fills the cache every session shares. Nothing
is sent anywhere: the session's messages are dropped.

It runs in one background thread, one view after another, so it takes at most one core's
share; a learner who opens a view before it is warm computes it as before. If Streamlit's
internals it relies on ever change, it logs why and stops: the app is only slower to warm.
``THERMO_WARM=0`` turns it off.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import os
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from .catalog import PAGES

ENV_VAR = "THERMO_WARM"
ENTRYPOINT = Path(__file__).resolve().parents[1] / "streamlit_app.py"
RUN_TIMEOUT = 120.0
"""Seconds one view may take before the warm-up gives up on it."""

_LOG = logging.getLogger(__name__)


@dataclass(frozen=True)
class View:
    """A page (its URL path; "" is Home) and a query string, as a link would open it."""

    page: str
    query: str
    why: str


def _query(stem: str, values: Mapping[str, Any]) -> str:
    """The query string that sets ``values`` on ``stem``'s controls, as the page writes it."""
    controls = {c.key: c for c in importlib.import_module(f"ui.{stem}.settings").CONTROLS}
    return urlencode({k: controls[k].to_url(v) for k, v in values.items() if k in controls})


def _path(stem: str) -> str:
    return "" if stem == PAGES[0].stem else stem


def views() -> Iterator[View]:
    """Every page at its defaults, every preset, every tour step (arrived at, and solved)."""
    from .tour_steps import TOUR, steps

    for page in PAGES:
        yield View(_path(page.stem), "", f"{page.stem} at its defaults")
    for page in PAGES:
        presets = importlib.import_module(f"ui.{page.stem}.settings").PRESETS
        for preset in presets:
            yield View(_path(page.stem), _query(page.stem, preset.values),
                       f"{page.stem} preset {preset.label!r}")
    for number, step in enumerate(steps(), start=1):
        yield View(_path(step.page), urlencode({"tour": TOUR, "step": number}),
                   f"tour step {number}")
        yield View(_path(step.page), _query(step.page, {**step.setup, **step.solve}),
                   f"tour step {number} solved")


async def _run(view: View, uploads: Any) -> bool:
    """One script run of a throwaway session at ``view``; True if it ran without an error.

    Built as ``Runtime.does_script_run_without_error`` builds its session; this thread's own
    event loop serves it."""
    from streamlit.proto.ClientState_pb2 import ClientState
    from streamlit.runtime.app_session import AppSession
    from streamlit.runtime.script_data import ScriptData
    from streamlit.runtime.scriptrunner.script_cache import ScriptCache
    from streamlit.runtime.state import SCRIPT_RUN_WITHOUT_ERRORS_KEY as DONE

    session = AppSession(
        script_data=ScriptData(str(ENTRYPOINT), False),
        uploaded_file_manager=uploads,
        script_cache=ScriptCache(),
        message_enqueued_callback=None,
        user_info={},
    )
    try:
        session.request_rerun(ClientState(query_string=view.query, page_name=view.page))
        deadline = time.monotonic() + RUN_TIMEOUT
        while DONE not in session.session_state and time.monotonic() < deadline:
            session.flush_browser_queue()
            await asyncio.sleep(0.05)
        return bool(session.session_state[DONE]) if DONE in session.session_state else False
    finally:
        session.flush_browser_queue()
        session.shutdown()


def warm_all() -> tuple[int, list[str]]:
    """Run every view once, one after another; (views run, descriptions of failures)."""
    from streamlit.runtime import Runtime

    uploads = Runtime.instance().uploaded_file_mgr
    loop = asyncio.new_event_loop()
    ran, failed = 0, []
    try:
        for view in views():
            ran += 1
            if not loop.run_until_complete(_run(view, uploads)):
                failed.append(view.why)
    finally:
        loop.close()
    return ran, failed


def _warm_logged() -> None:
    t0 = time.perf_counter()
    try:
        ran, failed = warm_all()
    except Exception:  # an optimisation only: the app serves as before, just colder
        _LOG.warning("cache warm-up stopped", exc_info=True)
        return
    # Printed, as Streamlit prints its URL: the one line an operator (and
    # benchmarks/startup.py) reads to know the cache is warm.
    print(f"cache warm-up: {ran} views in {time.perf_counter() - t0:.1f} s, "
          f"{len(failed)} failed{': ' + '; '.join(failed) if failed else ''}", flush=True)


def in_background() -> threading.Thread | None:
    """Start the warm-up in a daemon thread when a real server runs (not AppTest, not with
    ``THERMO_WARM=0``); returns the thread, or None."""
    from streamlit import config, runtime

    if os.environ.get(ENV_VAR, "1").strip() == "0":
        return None
    if not runtime.exists() or config.get_option("global.appTest"):
        return None
    thread = threading.Thread(target=_warm_logged, name="cache-warm-up", daemon=True)
    thread.start()
    return thread
