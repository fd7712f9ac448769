"""The server's setup (ui/server.py), done once per process: torch threads from
THERMO_TORCH_THREADS, the GIL switch interval, the preload and the garbage collector's
freeze, which must come after every import a page's run would otherwise make."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ui import server

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, server.DEFAULT_THREADS), ("", server.DEFAULT_THREADS), ("3", 3), (" 2 ", 2)],
)
def test_threads_from_env_reads_the_override(value, expected):
    env = {} if value is None else {server.THREADS_VAR: value}
    assert server.threads_from_env(env) == expected


@pytest.mark.parametrize("value", ["0", "-2", "two", "1.5", str(server.MAX_THREADS + 1)])
def test_a_bad_override_falls_back_to_the_default_with_a_warning(value, caplog):
    with caplog.at_level(logging.WARNING, logger=server.__name__):
        assert server.threads_from_env({server.THREADS_VAR: value}) == server.DEFAULT_THREADS
    assert server.THREADS_VAR in caplog.text and repr(value) in caplog.text


def _start_in_fresh_process(env_value: str | None, after: str = "") -> dict:
    """Call server.start twice in a new interpreter, as Streamlit's reruns would; then run
    ``after`` (which may add keys to ``out``) and print what the process looks like."""
    code = (
        "import gc, json, sys, time, torch\n"
        "from ui import server\n"
        "first = server.start(warm=False)\n"
        "second = server.start(warm=False)\n"
        "out = {'first': first, 'second': second, 'intra': torch.get_num_threads(),"
        " 'inter': torch.get_num_interop_threads(), 'switch': sys.getswitchinterval(),"
        " 'frozen': gc.get_freeze_count()}\n"
        f"{after}"
        "print(json.dumps(out))\n"
    )
    env = {k: v for k, v in os.environ.items() if k != server.THREADS_VAR}
    if env_value is not None:
        env[server.THREADS_VAR] = env_value
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=180, check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_start_sets_everything_once():
    got = _start_in_fresh_process(None)
    assert (got["first"], got["second"]) == (True, False)
    assert (got["intra"], got["inter"]) == (1, 1)
    assert got["switch"] == server.SWITCH_INTERVAL
    assert got["frozen"] > 100_000


def test_the_environment_override_reaches_torch():
    got = _start_in_fresh_process("2")
    assert (got["intra"], got["inter"]) == (2, 2)


def test_a_page_run_after_the_freeze_leaves_little_for_a_collection_to_walk():
    """Streamlit collects garbage after every script run. The first torch.optim optimizer
    imports torch._dynamo (hundreds of modules): made before the freeze, the objects of a
    page's run stay out of every later collection's walk."""
    after = (
        "before = len(gc.get_objects())\n"
        "import sys as _s; n = len(_s.modules)\n"
        "p = torch.zeros(2, requires_grad=True)\n"
        "torch.optim.Adam([p], lr=0.1)\n"
        "out['new_modules'] = len(_s.modules) - n\n"
        "out['new_objects'] = len(gc.get_objects()) - before\n"
    )
    got = _start_in_fresh_process(None, after)
    assert got["new_modules"] == 0
    assert got["new_objects"] < 20_000
