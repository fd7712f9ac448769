"""Server memory with every page open in N browser sessions, under Cloud's forced settings.

Run: python benchmarks/memory.py [--sessions 10] [--python PY] [--root DIR] [--budget-mb 690]

Starts ``PY -m streamlit run streamlit_app.py`` from ``--root`` on a free loopback port with
the settings Streamlit Community Cloud forces (fast reruns, redacted errors, XSRF
protection, run on save), then opens ``--sessions`` Chromium tabs and visits every page of
``ui/catalog.py`` in each. A visit counts only when the script has finished running.
With every tab still open it prints the server's resident memory (VmRSS, and the peak
VmHWM) from /proc. Each visit is a fresh page load, so the earlier sessions of a tab stay
in memory for Streamlit's reconnect window (server.disconnectedSessionTTL, 120 s): the
figure is an upper bound for that many visitors.

Exit status: 1 if any page showed an exception box ([data-testid='stException']), the
server log holds a traceback, or VmRSS is over ``--budget-mb`` (690 MB, the smallest
Cloud allowance; 0 turns the budget off); 2 if the check could not run. Playwright runs
in *this* Python; the server may run in another one (``--python``, e.g. a fresh venv
holding only requirements.txt). Only 127.0.0.1 is contacted, and every wait is bounded.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
READY = "[data-testid='stApp'][data-test-script-state='notRunning']"
EXCEPTION = "[data-testid='stException']"
# What Community Cloud forces, whatever .streamlit/config.toml says.
CLOUD_FLAGS = [
    "--runner.fastReruns", "true",
    "--client.showErrorDetails", "false",
    "--server.enableXsrfProtection", "true",
    "--server.runOnSave", "true",
]
MB = 1024 * 1024


def page_paths(root: Path) -> list[str]:
    """The url_path of every page in the catalog at ``root`` (read, not hard-coded)."""
    spec = importlib.util.spec_from_file_location("_catalog_under_test", root / "ui" / "catalog.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while building
    try:
        spec.loader.exec_module(module)
    finally:
        sys.modules.pop(spec.name, None)
    return [p.url_path for p in module.PAGES]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def proc_memory(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM of a process, in bytes, from /proc (Linux only)."""
    out: dict[str, int] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            out[key] = int(value.split()[0]) * 1024
    return out


def start_server(python: str, root: Path, port: int, log) -> subprocess.Popen:
    cmd = [
        python, "-m", "streamlit", "run", "streamlit_app.py",
        "--server.headless", "true",
        "--server.address", "127.0.0.1",
        "--server.port", str(port),
        "--browser.gatherUsageStats", "false",
        *CLOUD_FLAGS,
    ]
    return subprocess.Popen(cmd, cwd=root, stdout=log, stderr=subprocess.STDOUT)


def wait_healthy(proc: subprocess.Popen, base: str, limit: float = 120) -> None:
    deadline = time.monotonic() + limit
    while True:
        try:
            with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            pass
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited early with code {proc.returncode}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"streamlit was not healthy within {limit:.0f} s")
        time.sleep(0.3)


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def visit_all(browser, base: str, paths: list[str], sessions: int, timeout_s: float) -> list[str]:
    """Open ``sessions`` tabs, each visiting every path, and leave them open; return problems."""
    problems: list[str] = []
    for s in range(sessions):
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        tab = context.new_page()
        tab.set_default_timeout(timeout_s * 1000)
        for path in paths:
            url = f"{base}/{path}"
            started = time.monotonic()
            try:
                tab.goto(url)
                tab.wait_for_selector(READY)
                tab.wait_for_load_state("networkidle")
                tab.wait_for_selector(READY)
            except Exception as exc:  # a timeout is a failed visit, reported with the rest
                problems.append(f"session {s + 1} /{path}: did not finish loading ({exc})")
                continue
            errors = tab.locator(EXCEPTION).count()
            blocks = tab.locator("[data-testid='stMain'] [data-testid='stElementContainer']").count()
            took = time.monotonic() - started
            print(f"  session {s + 1:2d} /{path:<22} {took:5.1f} s  elements={blocks:3d}  "
                  f"exceptions={errors}", flush=True)
            if errors:
                texts = tab.locator(EXCEPTION).all_inner_texts()
                problems.append(f"session {s + 1} /{path}: {errors} exception box(es): {texts}")
            if blocks == 0:
                problems.append(f"session {s + 1} /{path}: the page drew nothing")
    return problems


def chromium_path() -> str:
    exe = CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")
    if not exe:
        raise RuntimeError("Chromium is not installed (apt-get install -y chromium)")
    return exe


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=10, help="browser tabs (default 10)")
    parser.add_argument("--python", default=sys.executable, help="Python that runs the server")
    parser.add_argument("--root", type=Path, default=ROOT, help="repo root to run from")
    parser.add_argument("--budget-mb", type=float, default=690.0, help="fail above this VmRSS")
    parser.add_argument("--page-timeout", type=float, default=90.0, help="seconds per visit")
    parser.add_argument("--log", type=Path, help="server log file (default: a temp file)")
    args = parser.parse_args(argv)

    root = args.root.resolve()
    paths = page_paths(root)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log_path = args.log or Path(tempfile.mkstemp(prefix="streamlit-server-", suffix=".log")[1])
    log_path.parent.mkdir(parents=True, exist_ok=True)
    print(f"server: {args.python} -m streamlit run streamlit_app.py (cwd {root}) on {base}")
    print(f"cloud flags: {' '.join(CLOUD_FLAGS)}")
    print(f"pages from ui/catalog.py: {', '.join('/' + p for p in paths)}; sessions: {args.sessions}")
    print(f"THERMO_TORCH_THREADS={os.environ.get('THERMO_TORCH_THREADS', '(unset: default)')}")

    from playwright.sync_api import sync_playwright

    with log_path.open("w") as log, sync_playwright() as pw:
        proc = start_server(args.python, root, port, log)
        browser = None
        try:
            browser = pw.chromium.launch(
                executable_path=chromium_path(), args=CHROMIUM_ARGS, headless=True
            )
            wait_healthy(proc, base)
            started = time.monotonic()
            problems = visit_all(browser, base, paths, args.sessions, args.page_timeout)
            visited = time.monotonic() - started
            time.sleep(2)  # let the last reruns settle before reading /proc
            if proc.poll() is not None:
                raise RuntimeError(f"streamlit died during the visits (code {proc.returncode})")
            mem = proc_memory(proc.pid)  # read while every tab is still open
        except Exception as exc:
            stop(proc)
            print(f"ERROR: {exc}\n{log_path.read_text()[-4000:]}", file=sys.stderr)
            return 2
        finally:
            if browser is not None:
                browser.close()
            stop(proc)

    server_log = log_path.read_text()
    if "Traceback" in server_log:
        problems.append("the server log holds a traceback:\n" + server_log[-4000:])
    rss, hwm = mem.get("VmRSS", 0) / MB, mem.get("VmHWM", 0) / MB
    print(f"visited {len(paths)} pages x {args.sessions} session(s) in {visited:.0f} s")
    print(f"server RSS after all pages were visited: {rss:.0f} MB (peak {hwm:.0f} MB)")
    if args.budget_mb > 0:
        verdict = "within" if rss < args.budget_mb else "OVER"
        print(f"memory budget {args.budget_mb:.0f} MB: {verdict}")
        if rss >= args.budget_mb:
            problems.append(f"server RSS {rss:.0f} MB is over the {args.budget_mb:.0f} MB budget")
    for problem in problems:
        print(f"FAIL: {problem}", file=sys.stderr)
    print(f"server log: {log_path}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
