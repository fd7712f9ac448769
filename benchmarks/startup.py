"""How long a fresh server takes to serve: health, Home's first render, the warm cache.

Run: python benchmarks/startup.py [--repeats N] [--no-warm]

Starts ``streamlit run streamlit_app.py`` on a free port and times, from the process start:

- until ``/_stcore/health`` answers 200;
- until Home's first render has arrived in full (a websocket client, as a browser opens
  ``/``): this first script run is when the app's setup (``ui.server.start``) happens;
- until the server prints that the cache warm-up (``ui.warm``) is done, and how many views
  it ran;

then, with the cache warm, the first render of every page as a new visitor (one at a time).
``--no-warm`` runs the server with ``THERMO_WARM=0`` to compare. Printed, never asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

from classroom_client import Student, Tally  # noqa: E402 - after the path above

WARM_LINE = re.compile(r"cache warm-up: (\d+) views in ([\d.]+) s, (\d+) failed")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as r:
            return r.status == 200
    except OSError:
        return False


async def _first_render(port: int, url_path: str) -> float:
    """Seconds for a new visitor's first render of ``url_path`` (raises if it failed)."""
    tally = Tally()
    student = Student(0, port, tally, timeout=180)
    try:
        result = await student.open(url_path)
    finally:
        await student.close()
    if not result.ok or tally.errors:
        raise SystemExit(f"{url_path or 'home'}: {result.kind} {tally.errors[:2]}")
    return result.seconds


def one_start(warm: bool) -> dict[str, float]:
    """Start a server, time it, stop it; the figures in seconds."""
    from ui.catalog import PAGES

    port = _free_port()
    env = {**os.environ, "THERMO_WARM": "1" if warm else "0"}
    with tempfile.TemporaryFile("w+") as log:
        t0 = time.monotonic()
        server = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(ROOT / "streamlit_app.py"),
             "--server.port", str(port), "--server.address", "127.0.0.1",
             "--server.headless", "true", "--server.fileWatcherType", "none",
             "--browser.gatherUsageStats", "false"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
        try:
            out: dict[str, float] = {}
            while not _healthy(port):
                if time.monotonic() - t0 > 120 or server.poll() is not None:
                    raise SystemExit("the server did not become healthy")
                time.sleep(0.05)
            out["health"] = time.monotonic() - t0
            asyncio.run(_first_render(port, ""))
            out["home"] = time.monotonic() - t0
            if warm:
                while True:
                    log.seek(0)
                    found = WARM_LINE.search(log.read())
                    if found:
                        break
                    if time.monotonic() - t0 > 600 or server.poll() is not None:
                        raise SystemExit("the warm-up did not finish")
                    time.sleep(0.2)
                out["warm"] = time.monotonic() - t0
                out["views"], out["failed"] = float(found[1]), float(found[3])
            for page in PAGES[1:]:
                out[page.stem] = asyncio.run(_first_render(port, page.url_path))
            return out
        finally:  # our own server, nothing to save: stop it at once
            server.kill()
            server.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--no-warm", action="store_true", help="run with THERMO_WARM=0")
    args = parser.parse_args()
    runs = [one_start(not args.no_warm) for _ in range(args.repeats)]
    print(f"server start ({'no warm-up' if args.no_warm else 'with the warm-up'}), "
          f"median of {args.repeats}; load average {os.getloadavg()[0]:.1f} on "
          f"{os.cpu_count()} cores")
    for key in runs[0]:
        value = statistics.median(r[key] for r in runs)
        label = {"health": "until /_stcore/health answers",
                 "home": "until Home's first render (the app's setup runs in it)",
                 "warm": "until the cache warm-up is done",
                 "views": "views the warm-up ran", "failed": "views that failed"}.get(
                     key, f"then a new visitor's first render of {key}")
        unit = "" if key in ("views", "failed") else " s"
        print(f"  {label:<58} {value:8.2f}{unit}")


if __name__ == "__main__":
    main()
