"""How much one control change costs a page: server time, bytes sent, browser redraw.

Run: python benchmarks/page_speed.py <stem> [--key KEY] [--repeats N] [--no-browser] [--rows N]

For the page ``pages/<stem>.py`` and one of its numeric controls (``--key``; default: the
first number/slider of ``ui/<stem>/settings.py`` CONTROLS that the page draws at its
defaults), it measures:

- AppTest: the warm rerun after a widget change (median over N changes; target ≤ 0.1 s),
  with ``--rows 10000`` on that many readings of a learner's own instead of the book's;
- real Chromium against ``streamlit run``: the bytes received over the websocket per
  change (target ≤ 150 KB on the loss surface) and the redraw time, from the key press
  to the last DOM change or canvas draw (median; target ≤ 0.3 s).

The change alternates between two neighbouring values one step apart, so every change
is a real change. Timings are printed, never asserted (they depend on the machine).
"""

from __future__ import annotations

import argparse
import importlib
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
READY = "[data-testid='stApp'][data-test-script-state='notRunning']"
# Record the time of every DOM change and every canvas draw (Vega draws big charts on a
# canvas, which no MutationObserver sees).
WATCH = """
window.__last = 0;
window.__log = [];
const mark = (what) => { window.__last = performance.now(); window.__log.push([what, window.__last]); };
// Only what the learner reads counts: chart contents and metric values, not the
// "Running…" indicator or the fading of stale elements.
const SHOWN = ".vega-embed, [data-testid='stMetricValue'], [data-testid='stCaptionContainer']";
new MutationObserver((ms) => {
  const hits = ms.filter(m => (m.target.nodeType === 1 ? m.target : m.target.parentElement)?.closest(SHOWN));
  if (hits.length) mark("dom:" + hits.map(m => m.target.nodeName).slice(0, 3).join(","));
}).observe(document, {subtree: true, childList: true, attributes: true, characterData: true});
const desc = Object.getOwnPropertyDescriptor(WebSocket.prototype, "onmessage");
Object.defineProperty(WebSocket.prototype, "onmessage", {
  set(fn) { desc.set.call(this, (e) => { window.__log.push(["ws:" + (e.data.byteLength || e.data.size || e.data.length), performance.now()]); return fn(e); }); },
  get() { return desc.get.call(this); },
});
for (const name of ["clearRect", "fillRect", "drawImage", "fill", "stroke"]) {
  const original = CanvasRenderingContext2D.prototype[name];
  CanvasRenderingContext2D.prototype[name] = function (...args) {
    mark("canvas"); return original.apply(this, args);
  };
}
"""


def _candidates(stem: str, key: str | None) -> list:
    """The controls to try: ``key``, or the page's numeric controls in declaration order."""
    settings = importlib.import_module(f"ui.{stem}.settings")
    return [c for c in settings.CONTROLS
            if c.kind in ("number", "slider") and (key is None or c.key == key)]


def big_readings(rows: int):
    """``rows`` readings of a noisy Fahrenheit thermometer, as a learner's paste (through the
    app's own parser), from a seeded torch.Generator: distinct t_u, so they are usable."""
    import torch

    import thermo_core as tc

    gen = torch.Generator().manual_seed(0)
    t_u = 20.0 + 0.01 * torch.arange(rows, dtype=torch.float64)  # 0.01 apart: distinct in float32
    t_c = (t_u - 32.0) / 1.8 + 0.5 * torch.randn(rows, generator=gen, dtype=torch.float64)
    text = "\n".join(f"{u!r},{c!r}" for u, c in zip(t_u.tolist(), t_c.tolist(), strict=True))
    parsed = tc.parse_text(text)
    assert parsed.readings is not None, parsed.problems[:3]
    return parsed.readings


def apptest(stem: str, key: str | None, repeats: int, rows: int = 0) -> tuple[str, float]:
    """Median seconds of a warm AppTest rerun after changing the control (on ``rows``
    readings of a learner's own when given, else the book's)."""
    from conftest import run_page

    from ui import readings

    at = run_page(f"pages/{stem}.py")
    data = readings.BOOK
    if rows:
        data = big_readings(rows)
        at.session_state[readings._STATE] = data
        at.run()
        assert not at.exception, [e.value for e in at.exception]
    for control in _candidates(stem, key):
        finder = at.number_input if control.kind == "number" else at.slider
        try:
            widget = finder(key=control.key)
        except KeyError:
            continue
        break
    else:
        raise SystemExit("no numeric control of this page is drawn at its defaults")
    from ui.controls import defaults

    values = defaults(importlib.import_module(f"ui.{stem}.settings").CONTROLS)
    values["data"] = data
    (_, hi), step, _ = control.resolve(values)
    start = widget.value
    targets = [min(hi, start + step) if i % 2 == 0 else start for i in range(repeats + 1)]
    times = []
    for target in targets:
        t0 = time.perf_counter()
        finder(key=control.key).set_value(target).run()
        times.append(time.perf_counter() - t0)
        assert not at.exception, [e.value for e in at.exception]
    return control.key, statistics.median(times[1:])


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def browser(stem: str, key: str, repeats: int, timeline: bool = False) -> tuple[float, float]:
    """(median KB received per change, median redraw seconds) in real Chromium.

    With ``timeline`` it also prints, for the second change, when each kind of drawing
    happened (ms after the click), to see where the time goes.
    """
    from playwright.sync_api import sync_playwright

    settings = importlib.import_module(f"ui.{stem}.settings")
    control = next(c for c in settings.CONTROLS if c.key == key)
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "streamlit_app.py"),
         "--server.port", str(port), "--server.address", "127.0.0.1",
         "--server.headless", "true", "--server.fileWatcherType", "none",
         "--browser.gatherUsageStats", "false"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise SystemExit("streamlit did not start") from None
                time.sleep(0.3)
        with sync_playwright() as pw:
            chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            tab = chromium.new_page(viewport={"width": 1400, "height": 900})
            tab.add_init_script(WATCH)
            received: list[int] = []
            tab.on("websocket", lambda ws: ws.on(
                "framereceived", lambda payload: received.append(len(payload))))
            tab.goto(f"http://127.0.0.1:{port}/{stem}")
            tab.wait_for_selector(READY, timeout=60_000)
            tab.wait_for_load_state("networkidle")
            tab.wait_for_timeout(1500)
            kbs, redraws = [], []
            kind = "stNumberInput" if control.kind == "number" else "stSlider"
            widget = tab.locator(f"[data-testid='{kind}']").filter(has_text=control.label).first
            for i in range(repeats):
                before = len(received)
                t0 = tab.evaluate("() => performance.now()")
                if control.kind == "number":
                    button = "stNumberInputStepUp" if i % 2 == 0 else "stNumberInputStepDown"
                    widget.get_by_test_id(button).click()
                else:
                    thumb = widget.get_by_role("slider")
                    thumb.focus()
                    thumb.press("ArrowRight" if i % 2 == 0 else "ArrowLeft")
                tab.wait_for_timeout(100)
                tab.wait_for_selector(READY, timeout=60_000)
                # quiet: nothing drawn for 400 ms
                tab.wait_for_function("() => performance.now() - window.__last > 400",
                                      timeout=30_000, polling=50)
                last = tab.evaluate("() => window.__last")
                if timeline and i == 1:
                    log = tab.evaluate("() => window.__log.slice(-400)")
                    seen = {}
                    for what, t in log:
                        if t >= t0:
                            seen.setdefault(what, []).append(round(t - t0))
                    for what, ts in seen.items():
                        print("   ", what[:70], ts[:3], ts[-1:], len(ts))
                redraws.append((last - t0) / 1000)
                kbs.append(sum(received[before:]) / 1000)
            chromium.close()
        return statistics.median(kbs), statistics.median(redraws)
    finally:  # our own server, nothing to save: stop it at once
        server.kill()
        server.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("stem")
    parser.add_argument("--key", default=None)
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--no-browser", action="store_true")
    parser.add_argument("--rows", type=int, default=0,
                        help="use this many readings of a learner's own (AppTest only), e.g. 10000")
    parser.add_argument("--timeline", action="store_true", help="print when each redraw happened")
    args = parser.parse_args()
    key, rerun = apptest(args.stem, args.key, args.repeats, args.rows)
    print(f"{args.stem}: change {key!r}" + (f" on {args.rows:,} own readings" if args.rows else ""))
    print(f"  AppTest warm rerun (median of {args.repeats}): {rerun:.3f} s  (target ≤ 0.1 s)")
    if not args.no_browser and not args.rows:
        kb, redraw = browser(args.stem, key, args.repeats, args.timeline)
        print(f"  Chromium: {kb:.1f} KB received per change (median)")
        print(f"  Chromium: redraw {redraw:.3f} s (median; target ≤ 0.3 s)")
    print(f"  load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
