"""A whole class on one server: N simulated students against a real ``streamlit run``.

Run:  python benchmarks/classroom.py [--sessions 10,30,60] [--duration 120] [--baseline 2ed6a8c]
      python benchmarks/classroom.py --sessions 5 --duration 20 --no-baseline
      python benchmarks/classroom.py --rev main --sessions 30   # a revision instead of the tree
      python benchmarks/classroom.py --harsh --sessions 30 --no-baseline   # harsh class only
      python benchmarks/classroom.py --harsh --sessions 60 --replicas 1,2  # through serve.sh
      python benchmarks/classroom.py --harsh --sessions 30 --url http://127.0.0.1:8501
      python benchmarks/classroom.py --sessions 30 --fast-path-baseline lean_loop

For each N a fresh server is started (headless, 127.0.0.1, a free port, no file watcher)
in the app directory, warmed up by one visit to every page (the teacher opening the app),
then N students (benchmarks/classroom_client.py; websocket clients, no browsers) arrive
over ``--ramp`` seconds. Each opens a page (student i starts on catalog page i mod P, so
every page gets first renders), then until ``--duration`` is over: thinks (gamma-distributed,
mean ``--think`` s), and changes one of the page's real widgets to a random valid value,
sometimes clicks a preset ("Try this" row or a key containing "preset"), and sometimes,
after at least one change, follows the link to the next page in teaching order. Pages are
read from ui/catalog.py (PAGES, url_path) of the tree under test at run time.

Measured:
- first render: websocket connect -> ForwardMsg script_finished of the first run;
- rerun: BackMsg rerun_script sent -> script_finished (full or fragment run);
- page switch: following the next-page link -> script_finished;
- errors: Exception elements, disconnects, timeouts, compile errors, page not found;
- red boxes: st.error alerts and warning-style exceptions (counted, not errors);
- server CPU s per run: utime+stime of the server's process tree from /proc over the load
  window, divided by the script runs the students saw finish;
- server RSS peak: VmRSS of the process tree sampled every 0.25 s (and the root's VmHWM);
- also: data received per run (what the server sends), the harness's own CPU, and
  "cores busy" (server CPU s / wall s): near 1.0 means the server (one process, one GIL)
  was the bottleneck; well below 1.0 under load means other work on the machine starved it.

Two classes (``--modes``, default both; ``--harsh`` or ``--realistic`` for one):
- realistic, as above;
- harsh: all N students connect at the same moment (no ramp), think for an exponential time
  (mean ``--think`` s), and every change moves the page's first slider or number input to a
  value drawn uniformly from its whole range (on its step grid, as a browser sends it), so
  almost no change hits a cache; no presets. A page without such a widget gets a random
  change of another widget. This is a class that explores, and the server's worst case.

Where the students go (the server is always started and stopped here, except with --url):
- default: one ``streamlit run`` of the tree, as above;
- ``--replicas 1,2``: ``scripts/serve.sh --replicas k`` for each k (k servers behind HAProxy
  with cookie stickiness); each replica is warmed up directly, the students go through the
  proxy (each loads the page first for the affinity cookie, as a browser does), CPU and RSS
  are those of the whole tree (replicas and proxy), and the report gives the ratio of every
  figure, rerun p95 included, of the last k to the first;
- ``--url URL`` (or ``--proxy URL``): a server or proxy already running; no warm-up, and no
  CPU or RSS figures (its processes are not ours to read).

Students wait for their run to finish before thinking again (as a person does), so a slow
server gets fewer changes; compare "script runs" too. Widgets are discovered from the last
run's deltas: sliders, select sliders, number inputs, radios, selectboxes, checkboxes and
toggles, pills/segmented controls, buttons (form widgets are submitted with their form's
button; a widget inside st.fragment reruns its fragment). Bound widgets (bind=
"query-params") update the query string the way the browser does, and the client keeps
Streamlit's message cache (cached_message_hashes / ref_hash) as the browser does.

With a baseline (default 2ed6a8c, main before this round), the same load runs against a
``git archive`` of that revision in a temp dir, alternating with the tree under test for
each N, and every figure is printed for both with the ratio current/baseline.
With ``--fast-path-baseline PARTS`` the baseline is the same tree with its server started
under ``THERMO_FAST_PATH=PARTS`` (see thermo_core/compiled.py), e.g. ``lean_loop`` to weigh
``lean_optim``: current/baseline is then what the parts left out save.
Timings are noisy on a shared machine: compare ratios from the same session.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import json
import math
import os
import random
import re
import signal
import socket
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

sys.path.insert(0, str(Path(__file__).resolve().parent))
from classroom_client import (
    Student,
    Tally,
    Widget,
    first_range_widget,
    random_state,
    uniform_state,
)

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_BASELINE = "2ed6a8c"
MAX_RECONNECTS = 3
CLK_TCK = os.sysconf("SC_CLK_TCK")


@dataclass
class LoadConfig:
    """How the students behave; the defaults are the issue's classroom."""

    sessions: int = 10
    duration: float = 120.0
    ramp: float = 10.0
    think: float = 3.0
    p_move: float = 0.1
    p_preset: float = 0.15
    timeout: float = 60.0
    seed: int = 1
    only: tuple[str, ...] = ()  # restrict to these pages (url paths); empty: every page
    harsh: bool = False  # all at once, exponential think, every change uniform over a range

    @property
    def mode(self) -> str:
        return "harsh" if self.harsh else "realistic"


@dataclass
class LoadResult:
    """The figures of one load run against one tree."""

    label: str
    config: LoadConfig
    pages: list[str]
    tally: Tally
    cpu_seconds: float = 0.0
    rss_peak_mb: float = 0.0
    idle_rss_mb: float = 0.0
    wall_seconds: float = 0.0
    harness_cpu_seconds: float = 0.0
    log_tracebacks: int = 0
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def runs(self) -> int:
        return self.tally.runs_full + self.tally.runs_fragment

    @property
    def cpu_per_run(self) -> float:
        return self.cpu_seconds / self.runs if self.runs else float("nan")

    @property
    def kb_per_run(self) -> float:
        return self.tally.bytes_received / 1024 / self.runs if self.runs else float("nan")


# ---------------------------------------------------------------- the server process


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _proc_table() -> dict[int, tuple[int, float]]:
    """pid -> (ppid, cpu seconds incl. reaped children) for every readable process."""
    table: dict[int, tuple[int, float]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                rest = f.read().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        ticks = sum(int(x) for x in rest[11:15])  # utime stime cutime cstime
        table[int(entry)] = (int(rest[1]), ticks / CLK_TCK)
    return table


def _tree(root: int, table: dict[int, tuple[int, float]]) -> list[int]:
    pids, frontier = [root], [root]
    while frontier:
        parent = frontier.pop()
        kids = [p for p, (pp, _) in table.items() if pp == parent]
        pids += kids
        frontier += kids
    return [p for p in pids if p in table]


def _status_kb(pid: int, key: str) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


class Target(Protocol):
    """Where the students connect, and what can be read of the processes serving them."""

    host: str
    port: int
    sticky: bool  # students load the page first for a proxy's affinity cookie
    warm_ports: list[int]  # each server to warm up directly (none: not ours to warm)

    def cpu_seconds(self) -> float: ...
    def rss_mb(self) -> float: ...
    def hwm_mb(self) -> float: ...
    def log_tracebacks(self) -> int: ...
    def log_tail(self, lines: int = 30) -> str: ...


class Server:
    """``streamlit run streamlit_app.py`` in ``app_dir``, always stopped with its group."""

    host = "127.0.0.1"
    sticky = False

    def __init__(self, app_dir: Path, log_dir: Path, env: dict[str, str] | None = None) -> None:
        self.app_dir = app_dir
        self.env = env or {}
        self.log_path = log_dir / f"server-{os.getpid()}-{time.monotonic_ns()}.log"
        self.proc: subprocess.Popen | None = None
        self.port = 0

    @property
    def warm_ports(self) -> list[int]:
        return [self.port]

    def __enter__(self) -> Server:
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _start(self) -> None:
        env = dict(os.environ, STREAMLIT_BROWSER_GATHER_USAGE_STATS="false", **self.env)
        for attempt in range(3):
            self.port = free_port()
            log = self.log_path.open("w")
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "streamlit", "run", "streamlit_app.py",
                 "--server.headless", "true", "--server.address", "127.0.0.1",
                 "--server.port", str(self.port), "--server.fileWatcherType", "none",
                 "--browser.gatherUsageStats", "false"],
                cwd=self.app_dir, env=env, stdout=log, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, start_new_session=True,
            )
            log.close()
            if self._wait_healthy(90):
                return
            self.stop()
            if attempt == 2:
                raise RuntimeError(f"streamlit did not start; log tail:\n{self.log_tail()}")

    def _wait_healthy(self, seconds: float) -> bool:
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.proc is None or self.proc.poll() is not None:
                return False
            try:
                url = f"http://127.0.0.1:{self.port}/_stcore/health"
                with opener.open(url, timeout=2) as resp:
                    if resp.status == 200:
                        return True
            except OSError:
                pass
            time.sleep(0.3)
        return False

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        for sig, wait in ((signal.SIGTERM, 15), (signal.SIGKILL, 10)):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, sig)
            try:
                proc.wait(timeout=wait)
                return
            except subprocess.TimeoutExpired:
                continue

    def cpu_seconds(self) -> float:
        table = _proc_table()
        return sum(table[p][1] for p in _tree(self.proc.pid, table)) if self.proc else 0.0

    def rss_mb(self) -> float:
        if self.proc is None:
            return 0.0
        pids = _tree(self.proc.pid, _proc_table())
        return sum(_status_kb(p, "VmRSS") for p in pids) / 1024

    def hwm_mb(self) -> float:
        return _status_kb(self.proc.pid, "VmHWM") / 1024 if self.proc else 0.0

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def log_tracebacks(self) -> int:
        try:
            return self.log_path.read_text(errors="replace").count("Traceback")
        except OSError:
            return 0


class ServeSh(Server):
    """``scripts/serve.sh --replicas k`` of ``app_dir``: k servers behind HAProxy.

    The students go through the proxy; CPU and RSS are summed over serve.sh's process tree
    (every replica and the proxy). Stopped with its group like a single server.
    """

    sticky = True

    def __init__(self, app_dir: Path, log_dir: Path, replicas: int) -> None:
        super().__init__(app_dir, log_dir)
        self.replicas = replicas
        self.replica_ports: list[int] = []
        self.replica_logs: list[Path] = []

    @property
    def warm_ports(self) -> list[int]:
        return self.replica_ports

    def _start(self) -> None:
        script = self.app_dir / "scripts" / "serve.sh"
        if not script.exists():
            raise RuntimeError(f"{script} does not exist: --replicas needs a tree that has it")
        self.port = free_port()
        log = self.log_path.open("w")
        self.proc = subprocess.Popen(
            ["bash", str(script), "--replicas", str(self.replicas), "--port", str(self.port)],
            cwd=self.app_dir, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        log.close()
        deadline = time.monotonic() + 300  # may install haproxy, then starts k servers
        while time.monotonic() < deadline and self.proc.poll() is None:
            text = self.log_path.read_text(errors="replace")
            if "Open http://" in text:
                for m in re.finditer(r"^replica r\d+: http://127\.0\.0\.1:(\d+) pid \d+ log (\S+)",
                                     text, re.M):
                    self.replica_ports.append(int(m[1]))
                    self.replica_logs.append(Path(m[2]))
                if len(self.replica_ports) == self.replicas:
                    return
                break
            time.sleep(0.5)
        raise RuntimeError(f"serve.sh did not start {self.replicas} replicas; log tail:\n"
                           f"{self.log_tail()}")

    def hwm_mb(self) -> float:
        return 0.0  # one process's high-water mark means nothing for a tree of servers

    def log_tracebacks(self) -> int:
        count = 0
        for path in self.replica_logs:
            with contextlib.suppress(OSError):
                count += path.read_text(errors="replace").count("Traceback")
        return count


@dataclass
class Remote:
    """A server or proxy already running at a URL: not started, warmed or measured here."""

    host: str
    port: int
    sticky: bool = True
    warm_ports: list[int] = field(default_factory=list)

    @classmethod
    def from_url(cls, url: str) -> Remote:
        parts = urllib.parse.urlsplit(url if "//" in url else f"http://{url}")
        if parts.scheme != "http" or not parts.hostname or parts.path.strip("/"):
            raise ValueError(f"--url needs http://HOST:PORT (no path), got {url!r}")
        return cls(parts.hostname, parts.port or 80)

    def cpu_seconds(self) -> float:
        return float("nan")

    def rss_mb(self) -> float:
        return 0.0

    def hwm_mb(self) -> float:
        return 0.0

    def log_tracebacks(self) -> int:
        return 0

    def log_tail(self, lines: int = 30) -> str:
        return "(remote server: no log)"


def read_pages(app_dir: Path) -> list[str]:
    """The url_path of every page in ui/catalog.py of ``app_dir``, in teaching order."""
    code = "import json; from ui.catalog import PAGES; print(json.dumps([p.url_path for p in PAGES]))"
    out = subprocess.run([sys.executable, "-c", code], cwd=app_dir, capture_output=True,
                         text=True, timeout=120, check=True)
    pages = json.loads(out.stdout.strip().splitlines()[-1])
    if not pages:
        raise RuntimeError(f"no pages in {app_dir}/ui/catalog.py")
    return pages


@contextlib.contextmanager
def archived_tree(repo: Path, rev: str) -> Iterator[tuple[Path, str]]:
    """A temp dir holding ``git archive rev`` of ``repo`` (removed afterwards) and rev's short id."""
    short = subprocess.run(["git", "-C", str(repo), "rev-parse", "--short", rev],
                           capture_output=True, text=True, check=True, timeout=30).stdout.strip()
    data = subprocess.run(["git", "-C", str(repo), "archive", "--format=tar", rev],
                          capture_output=True, check=True, timeout=120).stdout
    with tempfile.TemporaryDirectory(prefix=f"classroom-{short}-") as tmp:
        with tarfile.open(fileobj=io.BytesIO(data)) as tar:
            tar.extractall(tmp, filter="data")
        yield Path(tmp), short


# ---------------------------------------------------------------- the students


def _pick(s: Student, rng: random.Random, p_preset: float) -> tuple[Widget | None, object]:
    """A widget of the current page and a random valid new state for it."""
    widgets = list(s.widgets.values())
    presets = [w for w in widgets if w.preset]
    pool = [w for w in widgets if not w.preset and not (
        w.kind == "button" and w.proto.is_form_submitter)]
    for _ in range(6):
        use_preset = presets and (not pool or rng.random() < p_preset)
        choices = presets if use_preset else pool
        if not choices:
            return None, None
        w = rng.choice(choices)
        new = random_state(w, s.states.get(w.id), rng)
        if new is not None:
            return w, new
    return None, None


def _pick_harsh(s: Student, rng: random.Random) -> tuple[Widget | None, object]:
    """The page's first slider or number input, moved anywhere in its range (harsh mode)."""
    w = first_range_widget(list(s.widgets.values()))
    if w is not None:
        new = uniform_state(w, s.states.get(w.id), rng)
        if new is not None:
            return w, new
    return _pick(s, rng, 0.0)


def _think(rng: random.Random, cfg: LoadConfig) -> float:
    """Seconds until the next action: exponential (harsh) or a capped gamma (realistic)."""
    if cfg.harsh:
        return rng.expovariate(1 / cfg.think)
    return min(rng.gammavariate(2.0, cfg.think / 2), cfg.think * 5)


def _link(url_path: str, home: str) -> str:
    """The path a link opens ``url_path`` at: the default page ``home`` is served at "/"
    only; once any session has run the navigation, "/home" answers "page not found"."""
    return "" if url_path == home else url_path


def _listed(s: Student, url_path: str, home: str) -> str:
    """The path the navigation lists ``url_path`` under: the default page is listed at "" once
    the navigation has run, and at its own path when its file ran without it."""
    link = _link(url_path, home)
    return link if link in s.page_hashes else url_path


async def _student(idx: int, target: Target, pages: list[str], tally: Tally, cfg: LoadConfig,
                   deadline: float, home: str) -> None:
    rng = random.Random(cfg.seed * 100_003 + idx)
    tally.reruns_per_student[idx] = 0
    await asyncio.sleep(0 if cfg.harsh else rng.uniform(0, cfg.ramp))
    page = idx % len(pages)
    for _ in range(MAX_RECONNECTS + 1):
        if time.monotonic() >= deadline:
            return
        s = Student(idx, target.port, tally, cfg.timeout, host=target.host,
                    sticky=target.sticky)
        try:
            first = await s.open(_link(pages[page], home))
            if not first.ok:
                continue
            tally.first_render.append(first.seconds)
            if await _session(s, idx, pages, page, tally, cfg, deadline, rng, home):
                return
        finally:
            await s.close()


async def _session(s: Student, idx: int, pages: list[str], page: int, tally: Tally,
                   cfg: LoadConfig, deadline: float, rng: random.Random, home: str) -> bool:
    """Think, change, repeat until the deadline; False if the session broke."""
    changed_here = 0
    for _ in range(100_000):
        think = _think(rng, cfg)
        if time.monotonic() + think >= deadline:
            return True
        await asyncio.sleep(think)
        w, new = _pick_harsh(s, rng) if cfg.harsh else _pick(s, rng, cfg.p_preset)
        move = len(pages) > 1 and (w is None or (changed_here and rng.random() < cfg.p_move))
        if move:
            page = (page + 1) % len(pages)
            r = await s.go_to(_listed(s, pages[page], home))
            if r.ok:
                tally.page_switch.append(r.seconds)
                changed_here = 0
        elif w is None:
            continue
        else:
            r = await s.change(w, new)
            if r.kind == "skipped":
                continue
            if r.ok:
                tally.rerun.append(r.seconds)
                tally.rerun_by_page.setdefault(pages[page], []).append(r.seconds)
                tally.reruns_per_student[idx] += 1
                tally.presets_clicked += w.preset
                changed_here += 1
        if not r.ok:
            return False
    return True


async def _warm_up(port: int, pages: list[str], timeout: float, home: str) -> None:
    """One visit to every page, as the teacher does before class (not measured)."""
    tally = Tally()
    s = Student(-1, port, tally, timeout)
    try:
        r = await s.open(_link(pages[0], home))
        for p in pages[1:]:
            if r.ok:
                r = await s.go_to(_listed(s, p, home))
    finally:
        await s.close()
    if tally.errors:
        print(f"  warm-up errors: {tally.errors[:3]}", file=sys.stderr)


async def _cache_warm(server: Target, seconds: float = 180) -> None:
    """Wait until each server has printed that its cache warm-up (ui/warm.py, started by the
    first visit) is done, so it does not run during the measurement. Trees without one, and
    servers not started here, are not waited for."""
    app_dir = getattr(server, "app_dir", None)
    if app_dir is None or not (app_dir / "ui" / "warm.py").exists():
        return
    logs = getattr(server, "replica_logs", None) or [server.log_path]  # serve.sh: one each

    def warmed(path: Path) -> bool:
        try:
            return "cache warm-up:" in path.read_text(errors="replace")
        except OSError:
            return False

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if sum(warmed(p) for p in logs) >= len(server.warm_ports):
            return
        await asyncio.sleep(0.5)
    print(f"  the cache warm-up did not finish within {seconds:.0f} s", file=sys.stderr)


async def _load(server: Target, pages: list[str], cfg: LoadConfig, result: LoadResult,
                home: str) -> None:
    for port in server.warm_ports:
        await _warm_up(port, pages, cfg.timeout, home)
    await _cache_warm(server)
    result.idle_rss_mb = server.rss_mb()
    stop = asyncio.Event()

    async def sample() -> None:
        while not stop.is_set():
            result.rss_peak_mb = max(result.rss_peak_mb, server.rss_mb())
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(stop.wait(), 0.25)

    sampler = asyncio.create_task(sample())
    cpu0, own0, t0 = server.cpu_seconds(), time.process_time(), time.monotonic()
    deadline = t0 + cfg.duration
    try:
        students = [_student(i, server, pages, result.tally, cfg, deadline, home)
                    for i in range(cfg.sessions)]
        # Bounded: each student stops by the deadline plus one run's timeout (and close).
        await asyncio.wait_for(asyncio.gather(*students),
                               cfg.duration + (MAX_RECONNECTS + 2) * cfg.timeout + 30)
    finally:
        result.cpu_seconds = server.cpu_seconds() - cpu0
        result.harness_cpu_seconds = time.process_time() - own0
        result.wall_seconds = time.monotonic() - t0
        stop.set()
        await sampler
    result.rss_peak_mb = max(result.rss_peak_mb, server.hwm_mb())


def run_load(app_dir: Path | str = ROOT, cfg: LoadConfig | None = None,
             label: str = "current", replicas: int = 0, url: str = "",
             env: dict[str, str] | None = None) -> LoadResult:
    """Put the class on a server and return the figures.

    The server is ``streamlit run`` in ``app_dir`` (default, ``env`` added to its
    environment), ``scripts/serve.sh`` with ``replicas`` servers behind HAProxy, or the one
    already running at ``url``; the ones started here are stopped at the end. ``app_dir``
    also names the pages to visit.
    """
    cfg = cfg or LoadConfig()
    app_dir = Path(app_dir).resolve()
    pages = read_pages(app_dir)
    home = pages[0]  # the catalog's first page is the default one, served at "/"
    if cfg.only:
        pages = [p for p in pages if p in cfg.only]
    result = LoadResult(label, cfg, pages, Tally())
    with tempfile.TemporaryDirectory(prefix="classroom-logs-") as logs, \
            contextlib.ExitStack() as stack:
        server: Target
        if url:
            server = Remote.from_url(url)
        elif replicas:
            server = stack.enter_context(ServeSh(app_dir, Path(logs), replicas))
        else:
            server = stack.enter_context(Server(app_dir, Path(logs), env))
        try:
            asyncio.run(_load(server, pages, cfg, result, home))
        finally:
            result.log_tracebacks = server.log_tracebacks()
            if result.log_tracebacks:
                result.extra["server log tail"] = server.log_tail()
    return result


# ---------------------------------------------------------------- the report


def pct(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..1); nan for no values."""
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, max(0, math.ceil(q * len(s)) - 1))]


def _rows(r: LoadResult) -> list[tuple[str, tuple[float, ...], str]]:
    t = r.tally
    return [
        ("first render p50 / p95", (pct(t.first_render, .5), pct(t.first_render, .95)), "s"),
        ("rerun p50 / p95", (pct(t.rerun, .5), pct(t.rerun, .95)), "s"),
        ("page switch p50 / p95", (pct(t.page_switch, .5), pct(t.page_switch, .95)), "s"),
        ("errors", (float(len(t.errors)),), ""),
        ("red boxes (st.error, warnings)", (float(t.red_boxes),), ""),
        ("server CPU per script run", (r.cpu_per_run,), "s"),
        ("server RSS peak (idle after warm-up)",  # 0: not measured (--url)
         (r.rss_peak_mb or float("nan"), r.idle_rss_mb or float("nan")), "MB"),
        ("script runs (full + fragment)", (float(t.runs_full), float(t.runs_fragment)), ""),
        ("changes / presets / page switches",
         (float(len(t.rerun)), float(t.presets_clicked), float(len(t.page_switch))), ""),
        ("data received per run", (r.kb_per_run,), "KB"),
        ("server CPU total / harness CPU", (r.cpu_seconds, r.harness_cpu_seconds), "s"),
        ("server cores busy (CPU s / wall s)",
         (r.cpu_seconds / r.wall_seconds if r.wall_seconds else float("nan"),), ""),
    ]


def _fmt(vals: tuple[float, ...], unit: str) -> str:
    def one(v: float) -> str:
        if v != v:
            return "-"
        if unit == "" and v != int(v):
            return f"{v:.2f}"
        if unit in ("", "MB", "KB") or abs(v) >= 100:
            return f"{v:.0f}"
        return f"{v:.3f}" if abs(v) < 1 else f"{v:.2f}"
    return " / ".join(one(v) for v in vals) + (f" {unit}" if unit else "")


def _ratio(cur: tuple[float, ...], base: tuple[float, ...]) -> str:
    out = []
    for c, b in zip(cur, base, strict=True):
        out.append(f"{c / b:.2f}" if b and b == b and c == c else "-")
    return " / ".join(out)


def _pair(rs: list[LoadResult]) -> tuple[LoadResult | None, LoadResult | None, str]:
    """What the ratio column compares: current/baseline, or the last replicas count/first."""
    base = next((r for r in rs if r.label.startswith("baseline")), None)
    cur = next((r for r in rs if not r.label.startswith("baseline")), None)
    if base and cur:
        return cur, base, "ratio cur/base"
    if len(rs) > 1 and all(r.label.endswith(("replica", "replicas")) for r in rs):
        return rs[-1], rs[0], f"ratio {rs[-1].label.split()[0]}/{rs[0].label.split()[0]}"
    return None, None, ""


def _arrival(cfg: LoadConfig) -> str:
    if cfg.harsh:
        return (f"harsh: all at once, think exponential mean {cfg.think:.1f} s, every change "
                "uniform over the first slider's or number input's range, no presets")
    return (f"realistic: arrival over {cfg.ramp:.0f} s, think mean {cfg.think:.1f} s, "
            f"presets {cfg.p_preset:.0%}")


def report(results: list[LoadResult], out=sys.stdout) -> None:
    """Print one table per N and mode: each tree's figures, with a ratio column when two
    trees (current/baseline) or two replica counts (last/first) ran."""
    by_n: dict[tuple[int, bool], list[LoadResult]] = {}
    for r in results:
        by_n.setdefault((r.config.sessions, r.config.harsh), []).append(r)
    for (n, _), rs in by_n.items():
        cfg = rs[0].config
        print(f"\n== N = {n} students, {cfg.duration:.0f} s, {_arrival(cfg)}, "
              f"seed {cfg.seed}, pages: "
              + " | ".join(f"{r.label}: {', '.join(r.pages)}" for r in rs),
              file=out)
        header = f"{'':38}" + "".join(f"{r.label:>26}" for r in rs)
        cur, base, ratio_name = _pair(rs)
        if base and cur:
            header += f"{ratio_name:>24}"
        print(header, file=out)
        rows = [_rows(r) for r in rs]
        for i, (name, _, unit) in enumerate(rows[0]):
            line = f"{name:38}" + "".join(f"{_fmt(rr[i][1], unit):>26}" for rr in rows)
            if base and cur:
                line += f"{_ratio(_rows(cur)[i][1], _rows(base)[i][1]):>24}"
            print(line, file=out)
        for r in rs:
            by_page = r.tally.rerun_by_page
            print(f"  {r.label}, rerun p50 / p95 (changes) by page: " + "; ".join(
                f"{p} {_fmt((pct(v, .5), pct(v, .95)), '')} ({len(v)})"
                for p, v in sorted(by_page.items(), key=lambda kv: r.pages.index(kv[0])
                                   if kv[0] in r.pages else 99)), file=out)
        for r in rs:
            if r.tally.errors:
                print(f"  {r.label}: {len(r.tally.errors)} errors, first ones:", file=out)
                for e in r.tally.errors[:5]:
                    print(f"    {e}", file=out)
            if r.log_tracebacks:
                print(f"  {r.label}: {r.log_tracebacks} tracebacks in the server log; tail:\n"
                      f"{r.extra.get('server log tail', '')}", file=out)
    out.flush()


def summary(results: list[LoadResult], out=sys.stdout) -> None:
    """Both modes' key figures side by side, one line per run, and the replicas' ratios."""
    if not results:
        return
    print("\n== summary (s; RSS in MB; '-' where not measured)", file=out)
    cols = ("mode", "N", "run", "first p50/p95", "rerun p50/p95", "worst page p95",
            "CPU/run", "RSS peak", "errors")
    widths = (10, 4, 28, 16, 16, 30, 9, 10, 8)
    print("".join(f"{c:>{w}}" for c, w in zip(cols, widths, strict=True)), file=out)
    for r in results:
        t = r.tally
        worst = max(r.tally.rerun_by_page.items(), key=lambda kv: pct(kv[1], .95),
                    default=("-", []))
        def secs(*vals: float) -> str:
            return _fmt(vals, "s").removesuffix(" s")
        cells = (r.config.mode, str(r.config.sessions), r.label,
                 secs(pct(t.first_render, .5), pct(t.first_render, .95)),
                 secs(pct(t.rerun, .5), pct(t.rerun, .95)),
                 f"{worst[0]} {secs(pct(worst[1], .95))}",
                 secs(r.cpu_per_run), _fmt((r.rss_peak_mb or float("nan"),), "MB"),
                 str(len(t.errors)))
        print("".join(f"{c:>{w}}" for c, w in zip(cells, widths, strict=True)), file=out)
    for line in replica_ratios(results):
        print(line, file=out)
    out.flush()


def replica_ratios(results: list[LoadResult]) -> list[str]:
    """'rerun p95, 2 replicas / 1 replica: 0.55' for each N and mode run with --replicas."""
    lines = []
    groups: dict[tuple[int, str], list[LoadResult]] = {}
    for r in results:
        if r.label.endswith(("replica", "replicas")):
            groups.setdefault((r.config.sessions, r.config.mode), []).append(r)
    for (n, mode), rs in groups.items():
        if len(rs) > 1:
            last, first = pct(rs[-1].tally.rerun, .95), pct(rs[0].tally.rerun, .95)
            ratio = f"{last / first:.2f}" if first and first == first and last == last else "-"
            lines.append(f"rerun p95, {rs[-1].label} / {rs[0].label} ({mode}, N = {n}): "
                         f"{_fmt((last,), 's')} / {_fmt((first,), 's')} = {ratio}")
    return lines


# ---------------------------------------------------------------- command line


def _sigterm(*_: object) -> None:
    raise SystemExit(143)  # so every finally (servers, temp dirs) runs


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--app-dir", type=Path, default=ROOT, help="tree to load (default: this repo)")
    ap.add_argument("--sessions", default="10,30,60", help="comma-separated N (default 10,30,60)")
    ap.add_argument("--duration", type=float, default=120.0, help="seconds of load per run")
    ap.add_argument("--ramp", type=float, default=10.0, help="students arrive over this many s")
    ap.add_argument("--think", type=float, default=3.0, help="mean think time between changes, s")
    ap.add_argument("--p-move", type=float, default=0.1, help="chance an action is 'next page'")
    ap.add_argument("--p-preset", type=float, default=0.15, help="chance an action is a preset")
    ap.add_argument("--timeout", type=float, default=60.0, help="longest wait for one run, s")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--pages", default="", help="comma-separated url paths to load (default: "
                    "every page; e.g. home,loss_surface,finite_differences to compare like "
                    "with like against a baseline that had only those)")
    ap.add_argument("--baseline", default=DEFAULT_BASELINE,
                    help=f"git revision to compare with (default {DEFAULT_BASELINE})")
    ap.add_argument("--no-baseline", action="store_true", help="load only --app-dir")
    ap.add_argument("--rev", help="load a git archive of this revision (e.g. main) instead of "
                    "--app-dir's working tree")
    # The harsh class and where the students go (module docstring).
    ap.add_argument("--modes", default="realistic,harsh",
                    help="comma-separated classes to run: realistic, harsh (default both)")
    ap.add_argument("--harsh", dest="modes", action="store_const", const="harsh",
                    help="only the harsh class (all at once, every change new, no presets)")
    ap.add_argument("--realistic", dest="modes", action="store_const", const="realistic",
                    help="only the realistic class")
    ap.add_argument("--url", "--proxy", dest="url", default="",
                    help="drive a server or proxy already running at http://HOST:PORT "
                    "(pages read from --app-dir; no baseline, no CPU/RSS)")
    ap.add_argument("--replicas", default="",
                    help="comma-separated replica counts, e.g. 1,2: each run goes through "
                    "scripts/serve.sh --replicas k (no baseline); prints rerun p95 last/first")
    ap.add_argument("--fast-path-baseline", metavar="PARTS",
                    help="baseline: the same tree with THERMO_FAST_PATH=PARTS (e.g. lean_loop: "
                    "lean_optim off) instead of a git revision")
    args = ap.parse_args(argv)
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    if not modes or set(modes) - {"realistic", "harsh"}:
        ap.error("--modes takes realistic and/or harsh")
    replica_counts = [int(x) for x in args.replicas.split(",") if x.strip()]
    if replica_counts and (min(replica_counts) < 1 or args.url):
        ap.error("--replicas needs positive integers and cannot be combined with --url")
    if args.url or replica_counts:
        args.no_baseline = True
    signal.signal(signal.SIGTERM, _sigterm)
    sessions = [int(x) for x in args.sessions.split(",") if x.strip()]
    if not sessions or min(sessions) < 1 or args.duration <= 0:
        ap.error("--sessions needs positive integers and --duration a positive number")
    app_dir = args.app_dir.resolve()
    print(f"classroom load: {os.cpu_count()} cores, load average before: "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
    results: list[LoadResult] = []
    with contextlib.ExitStack() as stack:
        trees: list[tuple[Path, str, dict[str, str]]] = [(app_dir, "current", {})]
        git_baseline = not (args.no_baseline or args.fast_path_baseline)
        if args.rev or git_baseline:
            repo = Path(subprocess.run(
                ["git", "-C", str(app_dir), "rev-parse", "--show-toplevel"],
                capture_output=True, text=True, check=True, timeout=30).stdout.strip())
        if args.rev:
            rev_dir, short = stack.enter_context(archived_tree(repo, args.rev))
            trees = [(rev_dir, f"current {args.rev} {short}", {})]
        if git_baseline:
            base_dir, short = stack.enter_context(archived_tree(repo, args.baseline))
            trees.insert(0, (base_dir, f"baseline {short}", {}))
        elif args.fast_path_baseline:
            parts = args.fast_path_baseline
            tree, label, _ = trees[0]
            trees = [(tree, f"baseline fast={parts}", {"THERMO_FAST_PATH": parts}),
                     (tree, label, {"THERMO_FAST_PATH": "1"})]
        # (tree, label, env, replicas, url) for each run of one N and mode.
        runs = [(tree, label, env, 0, "") for tree, label, env in trees]
        if args.url:
            runs = [(trees[0][0], args.url, {}, 0, args.url)]
        elif replica_counts:
            runs = [(trees[0][0], f"{k} replica{'s' * (k > 1)}", {}, k, "")
                    for k in replica_counts]
        for n in sessions:
            for mode in modes:
                harsh = mode == "harsh"
                only = tuple(x for x in args.pages.split(",") if x.strip())
                cfg = LoadConfig(n, args.duration, 0.0 if harsh else args.ramp, args.think,
                                 args.p_move, 0.0 if harsh else args.p_preset, args.timeout,
                                 args.seed, only, harsh=harsh)
                done = len(results)
                for tree, label, env, replicas, url in runs:
                    print(f"running {label}: N = {n}, {mode}, for {args.duration:.0f} s ...",
                          flush=True)
                    results.append(run_load(tree, cfg, label, replicas=replicas, url=url,
                                            env=env))
                report(results[done:])
    summary(results)
    print(f"\nload average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 1 if any(r.tally.errors for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
