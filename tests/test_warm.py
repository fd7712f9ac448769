"""The cache warm-up (ui/warm.py): its views open what a learner opens, and a real server
runs every one of them at start, without an error."""

from __future__ import annotations

import importlib
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import parse_qsl

import pytest
from conftest import run_page

from ui.catalog import PAGES
from ui.controls import matches
from ui.tour_steps import steps
from ui.warm import views

ROOT = Path(__file__).resolve().parents[1]
WARM_LINE = re.compile(r"cache warm-up: (\d+) views in [\d.]+ s, (\d+) failed")


def _presets(stem: str):
    return importlib.import_module(f"ui.{stem}.settings").PRESETS


def test_the_views_are_every_page_preset_and_tour_step():
    listed = list(views())
    presets = sum(len(_presets(p.stem)) for p in PAGES)
    assert len(listed) == len(PAGES) + presets + 2 * len(steps())
    assert len({(v.page, v.query) for v in listed}) > len(listed) * 0.8  # few repeats
    assert [v.query for v in listed[: len(PAGES)]] == [""] * len(PAGES)


@pytest.mark.parametrize("stem", [p.stem for p in PAGES])
def test_a_preset_view_opens_the_page_in_that_presets_state(stem):
    """So the warm-up computes the cache entries a click on the preset looks up."""
    wanted = {f"{stem} preset {p.label!r}": p.values for p in _presets(stem)}
    for view in views():
        if view.why in wanted:
            at = run_page(f"pages/{stem}.py", dict(parse_qsl(view.query)))
            state = {k: at.session_state[k] for k in wanted[view.why] if k in at.session_state}
            shown = {k: tuple(v) if isinstance(v, list) else v for k, v in state.items()}
            assert matches(shown, wanted[view.why]), (view.why, shown)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.load  # a real server warming every view: about 20 s of one core
def test_a_real_server_warms_every_view_at_start():
    """The first visit starts the warm-up, even one by a page's URL (Streamlit can run that
    page's file without the entrypoint); it runs every view in this process, each without
    an error, through Streamlit internals that a Streamlit upgrade could move."""
    env = {k: v for k, v in os.environ.items() if k != "THERMO_WARM"}
    with tempfile.TemporaryFile("w+") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(ROOT / "streamlit_app.py"),
             "--server.port", str(_free_port()), "--server.address", "127.0.0.1",
             "--server.headless", "true", "--server.fileWatcherType", "none",
             "--browser.gatherUsageStats", "false"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
        try:
            port = None
            deadline = time.monotonic() + 300
            found = None
            while found is None and time.monotonic() < deadline and server.poll() is None:
                log.seek(0)
                text = log.read()
                if port is None and (m := re.search(r"127\.0\.0\.1:(\d+)", text)):
                    port = m[1]
                    _open(int(port), PAGES[2].url_path)
                found = WARM_LINE.search(text)
                time.sleep(0.5)
            log.seek(0)
            assert found is not None, log.read()[-3000:]
            assert int(found[1]) == len(list(views()))
            assert found[2] == "0", found[0]
        finally:  # our own server, nothing to save: stop it at once
            server.kill()
            server.wait()


def _open(port: int, url_path: str) -> None:
    """A first visit to ``url_path``, as a browser opening that link makes it.

    It runs its event loop on a thread of its own: a browser test's sync Playwright, when
    the same pytest process ran one first, leaves an event loop running on this thread."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    sys.path.insert(0, str(ROOT / "benchmarks"))
    from classroom_client import Student, Tally

    async def visit() -> None:
        student = Student(0, port, Tally(), timeout=120)
        try:
            assert (await student.open(url_path)).ok
        finally:
            await student.close()

    for _ in range(60):  # the port is printed a moment before it accepts connections
        try:
            with ThreadPoolExecutor(1) as thread:
                thread.submit(asyncio.run, visit()).result()
            return
        except OSError:
            time.sleep(0.5)
