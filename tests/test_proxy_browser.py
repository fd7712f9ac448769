"""Several servers behind HAProxy (scripts/serve.sh), rehearsed at small scale: 2 replicas.

Streamlit keeps a session in one process on one websocket, so the proxy must keep each
browser on one replica; and a replica that dies must take only its own sessions with it,
which reconnect to the other replica and rerender from the settings in their URL.

serve.sh (installing Debian's haproxy if missing) runs once for this module on loopback
ports, and its whole process group is stopped at the end, pass or fail. Which replica
served a request is read from the X-Replica header HAProxy adds to every response: for the
browser's websocket handshakes through Chromium's DevTools protocol, which reports them.

Downloads and uploads are where stickiness is more than tidiness: Streamlit keeps a
download's file and an upload's destination in the memory of the session's own process, and
the browser fetches or posts them over plain HTTP beside the websocket, so a request sent
to another replica fails. ``PROXY_STICKY=0`` starts serve.sh with ``--no-sticky`` to watch
those tests fail without the cookie.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import re
import signal
import socket
import subprocess
import sys
import time
import warnings
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from conftest import as_number, metric_text, wait_for_app
from reference import f32, grad64, hessian_eigs64, lstsq64, mse64

from ui import downloads, notebook
from ui.chart_text import TABLE_LABEL

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
from classroom_client import Student, Tally, random_state  # noqa: E402

pytestmark = pytest.mark.proxy
START_TIMEOUT = 300  # may install haproxy, then starts two servers on a loaded machine
LR_INPUT = "[data-testid='stNumberInput']"
FILE_PATHS = ("/media/", "/_stcore/upload_file/")
STICKY = os.environ.get("PROXY_STICKY", "1") != "0"
HOME = ""
"""Home as a link opens it, at "/": the navigation lists the default page at "", so once a
replica has run it (any earlier session there did), asking for "home" answers "page not
found" (and draws Home anyway); only a replica's very first session would accept it."""


@dataclass
class Replica:
    name: str
    port: int
    pid: int


@dataclass
class Proxy:
    url: str
    port: int
    replicas: dict[str, Replica]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def proxy(tmp_path_factory) -> Iterator[Proxy]:
    """``scripts/serve.sh --replicas 2`` on a free loopback port; its group stopped after."""
    port = _free_port()
    log_path = tmp_path_factory.mktemp("serve") / "serve.log"
    with log_path.open("w") as log:
        proc = subprocess.Popen(
            ["bash", str(ROOT / "scripts" / "serve.sh"), "--replicas", "2", "--port", str(port),
             *([] if STICKY else ["--no-sticky"])],
            cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while "Open http://" not in (text := log_path.read_text(errors="replace")):
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"serve.sh did not start (exit {proc.poll()}):\n{text[-3000:]}")
            time.sleep(0.5)
        replicas = {
            m[1]: Replica(m[1], int(m[2]), int(m[3]))
            for m in re.finditer(r"^replica (r\d+): http://127\.0\.0\.1:(\d+) pid (\d+)", text,
                                 re.M)
        }
        assert sorted(replicas) == ["r1", "r2"], text
        yield Proxy(f"http://127.0.0.1:{port}", port, replicas)
    finally:
        for sig, wait in ((signal.SIGTERM, 30), (signal.SIGKILL, 10)):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, sig)
            try:
                proc.wait(timeout=wait)
                break
            except subprocess.TimeoutExpired:
                continue


class Tab:
    """A browser tab on the proxy that records which replica answered what."""

    def __init__(self, browser, proxy: Proxy, replica: str = "") -> None:
        self.base = proxy.url
        self.context = browser.new_context(viewport={"width": 1280, "height": 900},
                                           accept_downloads=True)
        if replica:  # start on this replica, as if a first visit had landed there
            self.context.add_cookies([{"name": "SERVERID", "value": replica,
                                       "url": proxy.url}])
        self.page = self.context.new_page()
        self.page.set_default_timeout(60_000)
        self.http: list[str] = []
        self.sockets: list[str] = []
        self.files: list[tuple[str, int, str]] = []  # (path, status, replica) of /media and uploads
        self.page.on("response", lambda r: self.http.append(r.headers.get("x-replica", "")))
        cdp = self.context.new_cdp_session(self.page)
        cdp.send("Network.enable")
        cdp.on("Network.webSocketHandshakeResponseReceived", self._handshake)
        cdp.on("Network.responseReceived", self._response)

    def _handshake(self, params: dict) -> None:
        headers = {k.lower(): v for k, v in params["response"].get("headers", {}).items()}
        self.sockets.append(headers.get("x-replica", ""))

    def _response(self, params: dict) -> None:
        """Record the file requests: a download reaches Chromium's download manager, which
        Playwright's response event does not see, but the DevTools protocol does."""
        response = params["response"]
        path = response["url"].removeprefix(self.base)
        if path.startswith(FILE_PATHS):
            headers = {k.lower(): v for k, v in response.get("headers", {}).items()}
            self.files.append((path, response["status"], headers.get("x-replica", "")))

    def open(self, path: str) -> None:
        """Go to ``path`` on the proxy and wait for the app to be drawn."""
        self.page.goto(f"{self.base}{path}")
        wait_for_app(self.page)

    def replicas(self) -> set[str]:
        return set(self.http) | set(self.sockets)

    def close(self) -> None:
        self.context.close()

    def __enter__(self) -> Tab:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def _lr(page) -> float:
    box = page.locator(LR_INPUT).filter(has_text="Learning rate").locator("input")
    return float(box.input_value())


def _in_own_thread(coro_fn):
    """Run an asyncio coroutine in a thread of its own (Playwright's loop owns this one)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro_fn()).result(timeout=180)


@pytest.mark.browser
def test_a_browser_stays_on_one_replica_across_reruns_and_pages(browser, proxy):
    with Tab(browser, proxy) as tab:
        tab.open("/divergence?lr=0.005")
        assert _lr(tab.page) == pytest.approx(0.005), tab.page.url
        tab.page.get_by_role("button", name="Tiny lr (book)").click()  # a rerun
        tab.page.wait_for_function("() => location.search.includes('lr=0.0001')")
        wait_for_app(tab.page)
        link = tab.page.locator("[data-testid='stMain'] [data-testid='stPageLink'] a").first
        link.click()  # the next page, on the same websocket
        tab.page.wait_for_url(re.compile(r"/autograd"))
        wait_for_app(tab.page)
        tab.page.goto(f"{proxy.url}/optimizers")  # a new load and a new websocket
        wait_for_app(tab.page)

        assert len(tab.sockets) == 2, tab.sockets
        assert len(tab.http) > 5
        assert len(tab.replicas()) == 1, (tab.http, tab.sockets)
        (replica,) = tab.replicas()
        assert replica in proxy.replicas
        cookie = {c["name"]: c["value"] for c in tab.context.cookies(proxy.url)}
        assert cookie.get("SERVERID") == replica


def test_a_websocket_session_stays_on_its_replica_and_sessions_spread(proxy):
    async def session() -> tuple[list[str], Tally]:
        tally = Tally()
        first = Student(0, proxy.port, tally, 60, sticky=True)
        other = Student(1, proxy.port, tally, 60, sticky=True)
        again = Student(2, proxy.port, tally, 60, sticky=True)  # the first browser, reloaded
        seen: list[str] = []
        try:
            assert (await first.open(HOME)).ok
            assert (await other.open(HOME)).ok  # while the first one's socket is open
            seen += [first.replica, other.replica]
            rng = random.Random(0)
            for _ in range(3):  # reruns on the same websocket
                w = next(w for w in first.widgets.values() if w.kind == "slider")
                assert (await first.change(w, random_state(w, first.states.get(w.id), rng))).ok
            assert (await first.go_to("loss_surface")).ok  # a page change
            # A new websocket with the first one's cookie while that one is still open and
            # the other replica has none: the least busy replica is the other one, so only
            # the cookie can bring it back (the pause lets the proxy drop the closed tunnel).
            await other.close()
            await asyncio.sleep(0.5)
            again.cookie = first.cookie
            assert (await again.open("divergence")).ok
            seen.append(again.replica)
        finally:
            for student in (first, other, again):
                await student.close()
        return seen, tally

    seen, tally = _in_own_thread(session)
    assert tally.errors == []
    first, other, reopened = seen
    assert {first, other} == set(proxy.replicas), "two open sessions share one replica"
    assert reopened == first, "the same cookie reached the less busy replica"


@pytest.mark.browser
def test_a_dead_replica_loses_only_its_sessions_which_rerender_elsewhere(browser, proxy):
    victim = Tab(browser, proxy)
    names = sorted(proxy.replicas)
    try:
        victim.page.goto(f"{proxy.url}/divergence?lr=0.005")
        wait_for_app(victim.page)
        (dead,) = victim.replicas()
        (alive,) = set(names) - {dead}
        bystander = Tab(browser, proxy, replica=alive)
        try:
            bystander.page.goto(f"{proxy.url}/divergence?lr=0.02")
            wait_for_app(bystander.page)
            assert bystander.replicas() == {alive}

            os.kill(proxy.replicas[dead].pid, signal.SIGKILL)  # a crash, no goodbye

            # The victim's page reconnects to the other replica and reruns from its URL.
            deadline = time.monotonic() + 90
            while alive not in victim.sockets and time.monotonic() < deadline:
                victim.page.wait_for_timeout(500)
            assert victim.sockets[-1] == alive, victim.sockets
            wait_for_app(victim.page)
            assert "lr=0.005" in victim.page.url
            assert _lr(victim.page) == pytest.approx(0.005)
            assert victim.page.locator("[data-testid='stException']").count() == 0

            # The bystander never noticed: same websocket, and it still reruns.
            bystander.page.get_by_role("button", name="Tiny lr (book)").click()
            bystander.page.wait_for_function("() => location.search.includes('lr=0.0001')")
            wait_for_app(bystander.page)
            assert _lr(bystander.page) == pytest.approx(1e-4)
            assert bystander.sockets == [alive]
            assert bystander.replicas() == {alive}
        finally:
            bystander.close()
    finally:
        victim.close()


def _gd64(lr: float, epochs: int) -> list[float]:
    """Each epoch's loss (before its step, as the book's loop prints it) of plain gradient
    descent from (1, 0), in float64."""
    w, b, losses = 1.0, 0.0, []
    for _ in range(epochs):
        losses.append(mse64(w, b))
        gw, gb = grad64(w, b)
        w, b = w - lr * gw, b - lr * gb
    return losses


def _file_requests(tab: Tab, prefix: str, count: int = 1) -> list[tuple[str, int, str]]:
    """The file requests under ``prefix`` once ``count`` of them are answered (within 30 s).

    DevTools reports responses on a channel of its own, so a response may be reported after
    the download it served has finished or the rerun an upload started has drawn the page.
    """
    deadline = time.monotonic() + 30
    while len(found := [f for f in tab.files if f[0].startswith(prefix)]) < count:
        assert time.monotonic() < deadline, f"fewer than {count} under {prefix}: {tab.files}"
        tab.page.wait_for_timeout(200)
    return found


def _download(tab: Tab, expander: str, label: str):
    """Open ``expander`` and click its first button ``label``; the file Chromium saved.

    A deferred download first asks the session over the websocket to build the file, then
    fetches it over HTTP. If the first step yields nothing and no HTTP request was made, the
    proxy was never asked (this happened once in about ten runs on a loaded machine), so
    the click is repeated once; a request that went out and failed is never retried.
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    tab.page.get_by_text(expander).first.click()
    button = tab.page.get_by_role("button", name=label).first
    button.wait_for()
    for attempt in range(2):
        asked = len(tab.files)
        failure = "nothing arrived"
        try:
            with tab.page.expect_download(timeout=30_000) as info:
                button.click()
            failure = info.value.failure()
        except PlaywrightTimeout:
            if attempt == 0 and len(tab.files) == asked:
                shown = button.locator("xpath=../..").inner_text()
                warnings.warn(f"{label!r} made no request ({shown!r}); clicking again",
                              stacklevel=2)
                continue
        break
    if failure:
        pytest.fail(f"{label!r}: {failure}; websocket on {tab.sockets}, "
                    f"file requests (path, status, replica): {tab.files}")
    return info.value


@pytest.mark.browser
def test_downloads_after_reruns_come_from_the_session_s_replica(browser, proxy):
    with Tab(browser, proxy) as tab:
        tab.open("/divergence?lr=0.005")
        for preset in ("Tiny lr (book)", "Normalize (book)", "Blow up (book)",
                       "Tiny lr (book)"):  # reruns on the same websocket, each a new URL
            before = tab.page.evaluate("() => location.search")
            tab.page.get_by_role("button", name=preset).click()
            tab.page.wait_for_function("s => location.search !== s", arg=before)
            wait_for_app(tab.page)
        assert _lr(tab.page) == pytest.approx(1e-4)

        run = _download(tab, TABLE_LABEL, downloads.LABEL)
        assert run.suggested_filename.startswith("divergence_run_lr0.0001_epochs100_")
        frame = pd.read_csv(run.path())
        assert frame["epoch"].tolist() == list(range(1, 101))
        assert frame["loss"].tolist() == pytest.approx(_gd64(1e-4, 100), rel=1e-4)

        book = _download(tab, "Show the PyTorch code", notebook.LABEL)
        assert book.suggested_filename == "divergence.ipynb"
        nb = nbformat.reads(Path(book.path()).read_text(), as_version=4)
        nbformat.validate(nb)
        assert nb.cells[0].cell_type == "markdown" and "`0.0001`" in nb.cells[0].source
        assert sum(c.cell_type == "code" for c in nb.cells) >= 3

        media = _file_requests(tab, "/media/", 2)
        assert len(media) == 2, tab.files
        assert len(tab.sockets) == 1 and len(tab.replicas()) == 1, (tab.http, tab.sockets)
        (replica,) = tab.replicas()
        assert all(status == 200 and served == replica for _, status, served in media), media


# 60 readings: more than a link carries (tc.readings.URL_ROWS), so only the session that
# received the upload holds them, and a page switch keeps them only on that session's replica.
OWN_T_U = [20.0 + 0.75 * i for i in range(60)]
OWN_T_C = [round((u - 32) / 1.8 + 0.3 * ((7 * i) % 5 - 2), 2) for i, u in enumerate(OWN_T_U)]
OWN_CSV = "t_u,t_c\n" + "".join(f"{u:g},{c:g}\n" for u, c in zip(OWN_T_U, OWN_T_C, strict=True))
OWN_XS, OWN_YS = [f32(x) for x in OWN_T_U], [f32(y) for y in OWN_T_C]


def _sidebar_readings(page) -> str:
    """The sidebar's captions: the pages' one-line summaries and the readings in use."""
    captions = page.locator("[data-testid='stSidebar'] [data-testid='stCaptionContainer']")
    return " ".join(captions.all_inner_texts())


@pytest.mark.browser
def test_an_upload_reaches_the_session_s_replica_and_a_page_switch_keeps_it(browser, proxy):
    with Tab(browser, proxy) as tab:
        tab.open("/")
        tab.page.get_by_text("Go deeper: use your own readings").click()
        tab.page.get_by_text("Upload a .csv").click()  # a rerun that draws the uploader
        uploader = tab.page.locator("[data-testid='stFileUploaderDropzoneInput']")
        uploader.wait_for(state="attached")
        wait_for_app(tab.page)
        uploader.set_input_files(files=[{"name": "own.csv", "mimeType": "text/csv",
                                         "buffer": OWN_CSV.encode()}])
        (upload,) = _file_requests(tab, "/_stcore/upload_file/")
        assert upload[1:] == (204, tab.sockets[-1]), (
            f"the upload (path, status, replica) {upload} did not reach the session's "
            f"replica {tab.sockets[-1]}")
        tab.page.get_by_text("In use on every page: your own 60 readings").wait_for()
        wait_for_app(tab.page)
        tab.page.get_by_role("button", name="Reveal the least-squares fit").click()
        tab.page.get_by_text("Best w").first.wait_for()
        wait_for_app(tab.page)
        w_best, b_best = lstsq64(OWN_XS, OWN_YS)
        assert as_number(metric_text(tab.page, "Best w")) == pytest.approx(w_best, rel=1e-3)
        assert as_number(metric_text(tab.page, "Best b")) == pytest.approx(b_best, rel=1e-3)

        tab.page.locator("[data-testid='stSidebar'] [data-testid='stPageLink'] a").filter(
            has_text="Divergence").first.click()  # a page switch on the same websocket
        tab.page.wait_for_url(re.compile(r"/divergence"))
        wait_for_app(tab.page)
        assert "your own 60 readings" in _sidebar_readings(tab.page)
        assert "data=" not in tab.page.url
        lam_max = hessian_eigs64(OWN_XS)[1]
        ratio = as_number(metric_text(tab.page, "lr ÷ critical lr").rstrip("×"))
        assert ratio == pytest.approx(_lr(tab.page) / (2 / lam_max), rel=5e-3)

        assert len(tab.sockets) == 1 and len(tab.replicas()) == 1, (tab.http, tab.sockets)
