"""Shared fixtures: the repo on sys.path, AppTest helpers, and a real server + Chromium.

The browser fixtures start ``streamlit run`` on a free localhost port once per test
session and always stop it. They drive the system's Chromium, else Playwright's own
(tests/chromium.py). Under CI=true a missing Chromium or Playwright fails the run instead
of skipping, so CI can never pass without a real browser having looked.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def screenshot_dir(environ: Mapping[str, str] = os.environ) -> Path:
    """Where the tests save screenshots: git-ignored artifacts/screenshots/ by default.

    The committed ones in docs/screenshots/ change only when asked for, by
    scripts/screenshots.sh, which names that folder in SCREENSHOT_DIR (relative to the repo).
    """
    named = environ.get("SCREENSHOT_DIR")
    return ROOT / named if named else ROOT / "artifacts" / "screenshots"


SCREENSHOTS = screenshot_dir()

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
READY = "[data-testid='stApp'][data-test-script-state='notRunning']"


DUPLICATE_STATE_WARNING = "was created with a default value but also had its value set"


@pytest.fixture(autouse=True)
def no_widget_state_warning(monkeypatch):
    """Fail any test during which Streamlit logs its widget-state duplication warning.

    Widgets take their value from session state only (ui.controls), so a preset or a
    link setting a value must never produce it. Streamlit shows it once per process,
    so the once-flag is reset for every test.
    """
    from streamlit.elements.lib import policies

    seen: list[str] = []
    original = policies._LOGGER.warning

    def spy(msg, *args, **kwargs):
        text = str(msg) % args if args else str(msg)
        if DUPLICATE_STATE_WARNING in text:
            seen.append(text)
        return original(msg, *args, **kwargs)

    monkeypatch.setattr(policies, "_shown_default_value_warning", False, raising=False)
    monkeypatch.setattr(policies._LOGGER, "warning", spy)
    yield seen
    assert not seen, f"Streamlit logged: {seen}"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _browser_missing(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"browser tests cannot run under CI: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def app_url() -> Iterator[str]:
    """Base URL of a `streamlit run streamlit_app.py` server, stopped at the end."""
    port = _free_port()
    (ROOT / "artifacts").mkdir(exist_ok=True)
    log = (ROOT / "artifacts" / "streamlit-server.log").open("w")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(ROOT / "streamlit_app.py"),
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--server.headless",
            "true",
            "--server.fileWatcherType",
            "none",
            "--browser.gatherUsageStats",
            "false",
        ],
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as resp:
                    if resp.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None:
                pytest.fail(f"streamlit exited early with code {proc.returncode}")
            if time.monotonic() > deadline:
                pytest.fail("streamlit server did not become healthy within 90 s")
            time.sleep(0.3)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


@pytest.fixture(scope="session")
def browser():
    """A headless Chromium driven by Playwright: the system's, else Playwright's own."""
    from chromium import find_chromium

    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _browser_missing("playwright is not installed (pip install -r requirements-dev.txt)")
    exe = find_chromium()
    if not exe:
        _browser_missing(
            "Chromium is not installed (apt-get install chromium, or python -m playwright "
            "install chromium)"
        )
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def page(browser, app_url):
    """A fresh browser tab, 1280×900, closed after the test."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    tab.set_default_timeout(30_000)
    try:
        yield tab
    finally:
        context.close()


# Resolves once the page has gone QUIET_MS without a change to its elements.
_QUIET = """(ms) => new Promise(done => {
    let timer;
    const observer = new MutationObserver(() => { clearTimeout(timer); timer = setTimeout(end, ms); });
    function end() { observer.disconnect(); done(true); }
    observer.observe(document.body, {subtree: true, childList: true, attributes: true, characterData: true});
    timer = setTimeout(end, ms);
})"""
QUIET_MS = 150


def wait_for_app(tab) -> None:
    """Wait until Streamlit has finished running the script and drawn what it sent.

    The script state turns "notRunning" when the last message has arrived, which on a busy
    machine can be a few hundred ms before the browser has drawn it: a widget then appears
    for a frame with its default (a number input's minimum) before its value. So this also
    waits until the page has not changed for QUIET_MS."""
    tab.wait_for_selector(READY, timeout=60_000)
    tab.wait_for_load_state("networkidle")
    tab.wait_for_selector(READY, timeout=60_000)
    tab.evaluate(_QUIET, QUIET_MS)
    tab.wait_for_selector(READY, timeout=60_000)


def metric_text(tab, label: str) -> str:
    """The value text of the first metric whose label contains ``label``."""
    metric = tab.locator("[data-testid='stMetric']").filter(has_text=label)
    return metric.first.locator("[data-testid='stMetricValue']").inner_text()


def wait_for_metric(tab, label: str, value: str, equal: bool = True) -> None:
    """Wait until a metric shows ``value`` (or, with equal=False, anything else).

    Keyboard presses each start a rerun; waiting for the final value (not just any
    change) keeps the test from reading an intermediate rerun.
    """
    tab.wait_for_function(
        """([label, value, equal]) => [...document.querySelectorAll("[data-testid='stMetric']")]
            .some(m => m.innerText.includes(label)
                 && (m.querySelector("[data-testid='stMetricValue']").innerText === value)
                    === equal)""",
        arg=[label, value, equal],
        timeout=30_000,
    )
    wait_for_app(tab)


def page_url(app_url: str, url_path: str, query: str = "") -> str:
    """The address of one page, as a learner's link has it: Home, the default page, at ``/``.

    Streamlit answers ``/home`` with "Page not found" once any session has opened the app,
    so a test that opened it there would pass alone and fail after another test."""
    from ui.catalog import PAGES

    path = "" if url_path == PAGES[0].url_path else url_path
    return f"{app_url}/{path}" + (f"?{query}" if query else "")


def open_page(tab, app_url: str, url_path: str, query: str = "") -> None:
    """Navigate to one page of the app (optionally with a query string) and wait."""
    tab.goto(page_url(app_url, url_path, query))
    wait_for_app(tab)


def screenshot(tab, name: str) -> Path:
    """Save a full-page screenshot in SCREENSHOTS for people to look at."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    # Streamlit scrolls inside its main container, so grow the viewport to fit it.
    height = tab.evaluate(
        "() => Math.max(...[...document.querySelectorAll(\"[data-testid='stMain'], "
        "[data-testid='stMainBlockContainer']\")].map(e => e.scrollHeight), 900)"
    )
    width = tab.viewport_size["width"] if tab.viewport_size else 1280
    tab.set_viewport_size({"width": width, "height": min(int(height) + 40, 8000)})
    tab.wait_for_timeout(400)
    tab.screenshot(path=str(path), full_page=True)
    return path


def run_page(page_path: str, query: dict[str, str | list[str]] | None = None, timeout: float = 60):
    """Run the real entrypoint in AppTest, switched to ``page_path`` (e.g. "pages/home.py").

    ``query`` plays the part of the URL's query string on the page's first run.
    """
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=timeout)
    # Switching before the first run works because every url_path is its file's stem;
    # it lets the query string reach the page's very first run, as a link would.
    at.switch_page(page_path)
    if query:
        at.query_params.update(query)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def stay(at):
    """Make the page the last run ended on the page later runs request, as a browser does.

    AppTest keeps requesting the page given to ``at.switch_page`` on every run, even after
    the script itself moved elsewhere with ``st.switch_page`` (the guided tour does); a
    browser stays on the page it was moved to. Returns ``at``.
    """
    from ui.catalog import PAGES

    [title] = [t.value for t in at.title] or [None]
    stem = next(p.stem for p in PAGES if p.title == title)
    return at.switch_page(f"pages/{stem}.py")


def metric_value(at, label: str) -> str:
    """The displayed value of the st.metric with this label."""
    found = [m for m in at.metric if m.label == label]
    assert len(found) == 1, f"expected one metric {label!r}, found {[m.label for m in at.metric]}"
    return found[0].value


def as_number(text: str) -> float:
    """Parse a displayed number like '1,763.8848', '−17.30' or '41.73 °C'."""
    from thermo_core.numbers import parse

    return parse(text)


def chart_frames(at) -> list[list]:
    """For each Vega-Lite chart on the page, the DataFrames it was sent (in order).

    Lets AppTest check what a chart actually draws, not just that it exists.
    """
    import pyarrow as pa

    out = []
    for el in at.get("vega_lite_chart"):
        frames = [pa.ipc.open_stream(d.data.data).read_all().to_pandas() for d in el.proto.datasets]
        out.append(frames)
    return out


def chart_specs(at) -> list[dict]:
    """Each Vega-Lite chart's spec as sent, with its named datasets put back as row lists."""
    import json

    import pyarrow as pa

    out = []
    for el in at.get("vega_lite_chart"):
        spec = json.loads(el.proto.spec)
        for d in el.proto.datasets:
            frame = pa.ipc.open_stream(d.data.data).read_all().to_pandas()
            spec.setdefault("datasets", {})[d.name] = frame.to_dict("records")
        out.append(spec)
    return out


def page_text(at, leave_out: str = "") -> str:
    """Every text the page shows (markdown, captions, boxes, metrics, table cells and
    headers), except ``leave_out``."""
    parts = [e.value for kind in ("markdown", "caption", "info", "warning", "success", "error")
             for e in getattr(at, kind)]
    parts += [m.value for m in at.metric]
    for frame in at.dataframe:
        parts += [str(c) for c in frame.value.columns]
        parts += [str(v) for v in frame.value.to_numpy().ravel()]
    return "\n".join(p for p in parts if p != leave_out)


def run_script(code: str, timeout: float = 120) -> dict[str, str]:
    """Run a code panel's script with this Python; return its ``name = value`` lines, for the
    tests that check a code panel prints what its page shows."""
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout, check=True
    ).stdout
    pairs = (line.split(" = ", 1) for line in out.splitlines() if " = " in line)
    return {name.strip(): value.strip() for name, value in pairs}
