"""Torch's thread counts are set once per server process, from THERMO_TORCH_THREADS."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from thermo_core import runtime

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, runtime.DEFAULT_THREADS), ("", runtime.DEFAULT_THREADS), ("3", 3), (" 2 ", 2)],
)
def test_threads_from_env_reads_the_override(value, expected):
    env = {} if value is None else {runtime.ENV_VAR: value}
    assert runtime.threads_from_env(env) == expected


@pytest.mark.parametrize("value", ["0", "-2", "two", "1.5", str(runtime.MAX_THREADS + 1)])
def test_a_bad_override_falls_back_to_the_default_with_a_warning(value, caplog):
    with caplog.at_level(logging.WARNING, logger=runtime.__name__):
        assert runtime.threads_from_env({runtime.ENV_VAR: value}) == runtime.DEFAULT_THREADS
    assert runtime.ENV_VAR in caplog.text and repr(value) in caplog.text


def _configure_in_fresh_process(env_value: str | None) -> dict:
    """Call configure_torch_threads twice in a new interpreter, as Streamlit reruns would."""
    code = (
        "import json, torch\n"
        "from thermo_core.runtime import configure_torch_threads\n"
        "first = configure_torch_threads()\n"
        "second = configure_torch_threads({'THERMO_TORCH_THREADS': '5'})\n"
        "print(json.dumps({'first': first, 'second': second,"
        " 'intra': torch.get_num_threads(), 'inter': torch.get_num_interop_threads()}))\n"
    )
    env = {k: v for k, v in os.environ.items() if k != runtime.ENV_VAR}
    if env_value is not None:
        env[runtime.ENV_VAR] = env_value
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=120, check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_default_is_one_thread_for_both_pools_and_later_calls_change_nothing():
    got = _configure_in_fresh_process(None)
    assert got == {"first": 1, "second": 1, "intra": 1, "inter": 1}


def test_the_environment_override_reaches_torch():
    got = _configure_in_fresh_process("2")
    assert got == {"first": 2, "second": 2, "intra": 2, "inter": 2}


def test_startup_objects_are_frozen_once_after_the_preload():
    """A fresh process: the preload runs, everything alive is frozen, later calls do nothing."""
    import subprocess
    import sys

    code = (
        "import gc, thermo_core.runtime as r\n"
        "calls = []\n"
        "first = r.freeze_startup_objects(lambda: calls.append(1))\n"
        "frozen = gc.get_freeze_count()\n"
        "second = r.freeze_startup_objects(lambda: calls.append(2))\n"
        "print(first, second, calls, frozen > 100_000)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    ).stdout.split()
    assert out == ["True", "False", "[1]", "True"]
