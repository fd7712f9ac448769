"""A simulated student that speaks Streamlit's websocket protocol, for benchmarks/classroom.py.

No browser: each student is one websocket to ``/_stcore/stream`` that sends the BackMsg
``rerun_script`` a browser would send (ClientState with the page, query string and every
widget's state) and reads the ForwardMsgs that come back. The page's real widgets are
discovered from the deltas of the last run, so new pages and widgets need no edits here.
How the wire values are built follows the installed streamlit (1.67): the starlette
websocket route, ``AppSession.request_rerun`` and AppTest's ``_widget_state`` properties.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import random
import time
import urllib.parse
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from streamlit.proto.Alert_pb2 import Alert
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.Slider_pb2 import Slider
from streamlit.proto.WidgetStates_pb2 import WidgetState
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

WIDGET_KINDS = (
    "slider",
    "number_input",
    "radio",
    "selectbox",
    "checkbox",
    "button",
    "button_group",
)
MAX_CACHED_MESSAGES = 300
MAX_FRAME_BYTES = 256 * 1024 * 1024
DONE = {
    ForwardMsg.FINISHED_SUCCESSFULLY: "full",
    ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY: "fragment",
    ForwardMsg.FINISHED_WITH_COMPILE_ERROR: "compile_error",
}


@dataclass
class Widget:
    """A widget seen in the last run: enough of its proto to draw a valid new value."""

    id: str
    kind: str
    label: str
    proto: Any
    fragment_id: str
    preset: bool
    main: bool = True  # in the page's main area (delta path root 0), not the sidebar

    @property
    def form_id(self) -> str:
        return getattr(self.proto, "form_id", "")


@dataclass
class RunResult:
    """How one script run ended, as seen by the client that asked for it."""

    ok: bool
    seconds: float
    kind: str  # "full", "fragment", "compile_error", "timeout" or "disconnect"


@dataclass
class Tally:
    """What all students saw, shared by them (one asyncio loop, so no locks)."""

    first_render: list[float] = field(default_factory=list)
    rerun: list[float] = field(default_factory=list)
    rerun_by_page: dict[str, list[float]] = field(default_factory=dict)
    page_switch: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    red_boxes: int = 0
    runs_full: int = 0
    runs_fragment: int = 0
    runs_early: int = 0
    bytes_received: int = 0
    reruns_per_student: dict[int, int] = field(default_factory=dict)
    presets_clicked: int = 0

    def error(self, student: int, what: str) -> None:
        self.errors.append(f"student {student}: {what}")


def _in_try_this_row(path: tuple[int, ...], markers: list[tuple[int, ...]]) -> bool:
    """True if ``path`` lies in the block right after a "Try this" text at a marker path."""
    for m in markers:
        parent = m[:-1]
        n = len(parent)
        if len(path) > n + 1 and path[:n] == parent and path[n] == m[-1] + 1:
            return True
    return False


def widget_from_element(el: Any, path: tuple[int, ...], fragment_id: str,
                        markers: list[tuple[int, ...]]) -> Widget | None:
    """The Widget for a new_element delta, or None if it is not a widget a student moves."""
    kind = el.WhichOneof("type")
    if kind not in WIDGET_KINDS:
        return None
    proto = getattr(el, kind)
    if not proto.id or getattr(proto, "disabled", False):
        return None
    if kind == "slider" and proto.type == Slider.SELECT_SLIDER:
        kind = "select_slider"
    preset = kind == "button" and (
        "preset" in proto.id.lower() or _in_try_this_row(path, markers)
    )
    return Widget(proto.id, kind, proto.label, proto, fragment_id, preset,
                  main=not path or path[0] == 0)


def initial_state(w: Widget) -> WidgetState | None:
    """The state a browser holds for a widget it just drew (its set or default value)."""
    p, ws = w.proto, WidgetState(id=w.id)
    if w.kind == "slider":
        ws.double_array_value.data[:] = list(p.value) if p.set_value else list(p.default)
    elif w.kind == "select_slider":
        if p.set_value and p.raw_value:
            ws.string_array_value.data[:] = list(p.raw_value)
        else:
            idx = list(p.value) if p.set_value else list(p.default)
            ws.string_array_value.data[:] = [p.options[int(i)] for i in idx
                                             if 0 <= i < len(p.options)]
    elif w.kind == "number_input":
        v = p.value if p.set_value and p.HasField("value") else (
            p.default if p.HasField("default") else None)
        if v is None:
            return None
        ws.double_value = v
    elif w.kind in ("radio", "selectbox"):
        if p.set_value and p.HasField("raw_value"):
            ws.string_value = p.raw_value
        elif p.HasField("default") and 0 <= p.default < len(p.options):
            ws.string_value = p.options[p.default]
        else:
            return None
    elif w.kind == "checkbox":
        ws.bool_value = p.value if p.set_value else p.default
    elif w.kind == "button_group":
        vals = list(p.raw_values) if p.set_value else [
            p.options[i].content for i in p.default if 0 <= i < len(p.options)]
        ws.string_array_value.data[:] = vals
    else:  # buttons hold no state between runs
        return None
    return ws


def _url_number(v: float) -> str:
    """A number as the browser writes it into the URL (5.0 -> "5")."""
    return str(int(v)) if math.isfinite(v) and v == int(v) else repr(v)


def url_values(w: Widget, state: WidgetState | None) -> list[str] | None:
    """The URL value(s) the browser writes for a bound widget's state (None: a default)."""
    if state is None or w.kind == "button":
        return None
    default = initial_state(Widget(w.id, w.kind, w.label, _unset(w.proto), "", False))
    def as_list(st: WidgetState | None) -> list[str] | None:
        if st is None:
            return None
        which = st.WhichOneof("value")
        if which == "double_array_value":
            return [_url_number(v) for v in st.double_array_value.data]
        if which == "string_array_value":
            return list(st.string_array_value.data)
        if which == "double_value":
            return [_url_number(st.double_value)]
        if which == "bool_value":
            return ["true" if st.bool_value else "false"]
        if which == "string_value":
            return [st.string_value]
        return None
    now = as_list(state)
    return None if now == as_list(default) else now


def _unset(proto: Any) -> Any:
    """A copy of a widget proto with the server's set_value dropped (its default only)."""
    copy = type(proto)()
    copy.CopyFrom(proto)
    if hasattr(copy, "set_value"):
        copy.set_value = False
    return copy


def with_url_param(query: str, key: str, values: list[str] | None) -> str:
    """``query`` with ``key`` replaced by ``values`` (removed for None), as the browser does."""
    pairs = [(k, v) for k, v in urllib.parse.parse_qsl(query, keep_blank_values=True) if k != key]
    pairs += [(key, v) for v in values or []]
    return urllib.parse.urlencode(pairs)


def _grid(lo: float, hi: float, step: float) -> int:
    return max(0, math.floor((hi - lo) / step + 1e-9))


def random_state(w: Widget, current: WidgetState | None, rng: random.Random) -> WidgetState | None:
    """A random valid new value for ``w`` (different from ``current`` where possible)."""
    p, ws = w.proto, WidgetState(id=w.id)
    if w.kind == "button":
        ws.trigger_value = True
        return ws
    if w.kind == "slider":
        step = p.step or 1.0
        n = _grid(p.min, p.max, step)
        if n == 0:
            return None
        ks = sorted(rng.sample(range(n + 1), k=min(len(p.default) or 1, n + 1)))
        vals = [p.min + k * step for k in ks]
        if p.data_type == Slider.INT:
            vals = [float(round(v)) for v in vals]
        else:
            vals = [round(v, 12) for v in vals]
        ws.double_array_value.data[:] = vals
        return ws
    if w.kind == "select_slider":
        if len(p.options) < 2:
            return None
        ks = sorted(rng.sample(range(len(p.options)), k=min(len(p.default) or 1, 2)))
        ws.string_array_value.data[:] = [p.options[k] for k in ks]
        return ws
    if w.kind == "number_input":
        step = p.step or (1.0 if p.data_type == 0 else 0.01)
        here = current.double_value if current is not None else (p.default or 0.0)
        lo = p.min if p.has_min else here - 20 * step
        hi = p.max if p.has_max else here + 20 * step
        n = _grid(lo, hi, step)
        if n == 0:
            return None
        v = lo + rng.randint(0, n) * step
        ws.double_value = float(round(v)) if p.data_type == 0 else round(v, 12)
        return ws
    if w.kind in ("radio", "selectbox"):
        opts = [o for o in p.options if current is None or o != current.string_value]
        if not opts:
            return None
        ws.string_value = rng.choice(opts)
        return ws
    if w.kind == "checkbox":
        ws.bool_value = not (current.bool_value if current is not None else p.default)
        return ws
    if w.kind == "button_group":
        if not p.options:
            return None
        ws.string_array_value.data[:] = [rng.choice(p.options).content]
        return ws
    return None


def first_range_widget(widgets: list[Widget]) -> Widget | None:
    """The page's first slider or number input in its main area, in drawing order."""
    return next((w for w in widgets if w.main and w.kind in ("slider", "number_input")), None)


def uniform_state(w: Widget, current: WidgetState | None,
                  rng: random.Random) -> WidgetState | None:
    """A value drawn uniformly from a slider's or number input's whole range.

    For the harsh class (benchmarks/classroom.py --harsh): every change lands anywhere in
    the range, so it is almost never one a cache has seen. The value is on the widget's
    step grid, as a browser would send it; a range slider gets two distinct sorted points.
    A number input without bounds falls back to random_state's window around its value.
    """
    p = w.proto
    if w.kind == "number_input" and not (p.has_min and p.has_max):
        return random_state(w, current, rng)
    if w.kind not in ("slider", "number_input"):
        return None
    step = p.step or (1.0 if (w.kind == "number_input" and p.data_type == 0) else 0.01)
    n = _grid(p.min, p.max, step)
    if n == 0:
        return None
    ws = WidgetState(id=w.id)
    whole = (w.kind == "slider" and p.data_type == Slider.INT) or (
        w.kind == "number_input" and p.data_type == 0)
    def at(k: int) -> float:
        v = p.min + k * step
        return float(round(v)) if whole else round(v, 12)
    if w.kind == "number_input":
        here = current.double_value if current is not None else None
        for _ in range(8):
            ws.double_value = at(rng.randint(0, n))
            if ws.double_value != here:
                break
        return ws
    count = min(len(p.default) or 1, n + 1)
    here = list(current.double_array_value.data) if current is not None else None
    for _ in range(8):
        vals = [at(k) for k in sorted(rng.sample(range(n + 1), k=count))]
        if vals != here:
            break
    ws.double_array_value.data[:] = vals
    return ws


class Student:
    """One browser tab: a websocket, the widgets of its last run and their states."""

    def __init__(self, idx: int, port: int, tally: Tally, timeout: float,
                 host: str = "127.0.0.1", sticky: bool = False) -> None:
        self.idx = idx
        self.port = port
        self.host = host
        # Behind a sticky proxy a browser first loads the page (which sets the proxy's
        # affinity cookie) and sends that cookie with its websocket; so does this student.
        self.sticky = sticky
        self.cookie = ""
        self.replica = ""  # the proxy's X-Replica header on the websocket's handshake
        self.tally = tally
        self.timeout = timeout
        self.ws: Any = None
        self.reader: asyncio.Task | None = None
        self.pending: asyncio.Future | None = None
        self.pending_t0 = 0.0
        self.page_hash = ""
        self.page_hashes: dict[str, str] = {}  # url path -> page_script_hash
        self.query_string = ""
        self.cache: OrderedDict[str, ForwardMsg] = OrderedDict()
        self.widgets: dict[str, Widget] = {}
        self.states: dict[str, WidgetState] = {}
        self._seen: dict[str, Widget] = {}
        self._markers: list[tuple[int, ...]] = []

    async def open(self, url_path: str) -> RunResult:
        """Connect and render ``url_path`` as a browser that opens that link does."""
        t0 = time.perf_counter()
        try:
            if self.sticky and not self.cookie:
                self.cookie = await asyncio.wait_for(self._page_cookie(url_path), self.timeout)
            self.ws = await asyncio.wait_for(
                connect(
                    f"ws://{self.host}:{self.port}/_stcore/stream",
                    subprotocols=["streamlit"],
                    max_size=MAX_FRAME_BYTES,
                    proxy=None,
                    open_timeout=self.timeout,
                    additional_headers={"Cookie": self.cookie} if self.cookie else None,
                ),
                self.timeout,
            )
        except (OSError, TimeoutError, asyncio.IncompleteReadError) as exc:
            self.tally.error(self.idx, f"connect failed: {exc!r}")
            return RunResult(False, time.perf_counter() - t0, "disconnect")
        if self.ws.response is not None:
            self.replica = self.ws.response.headers.get("X-Replica", "")
        self.reader = asyncio.create_task(self._read())
        return await self._rerun(page_name=url_path, t0=t0)

    async def _page_cookie(self, url_path: str) -> str:
        """GET the page as a browser does first; the cookies it sets, as a Cookie header."""
        reader, writer = await asyncio.open_connection(self.host, self.port)
        try:
            writer.write(f"GET /{url_path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
                         "Connection: close\r\n\r\n".encode())
            await writer.drain()
            head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
        finally:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()
        cookies = [line.split(":", 1)[1].split(";", 1)[0].strip()
                   for line in head.split("\r\n") if line.lower().startswith("set-cookie:")]
        return "; ".join(cookies)

    async def change(self, w: Widget, new: WidgetState) -> RunResult:
        """Move widget ``w`` to ``new`` and rerun, as the browser does on a change."""
        fragment = w.fragment_id
        if getattr(w.proto, "query_param_key", ""):  # the browser keeps bound widgets in the URL
            self.query_string = with_url_param(
                self.query_string, w.proto.query_param_key, url_values(w, new))
        if w.form_id:  # a form only reruns on its submit button
            submit = next((x for x in self.widgets.values() if x.kind == "button"
                           and x.proto.is_form_submitter and x.form_id == w.form_id), None)
            if submit is None:
                return RunResult(True, 0.0, "skipped")
            self.states[w.id] = new
            new = WidgetState(id=submit.id, trigger_value=True)
        return await self._rerun(extra=new, fragment_id=fragment)

    async def go_to(self, url_path: str) -> RunResult:
        """Follow an in-app link to another page (a rerun with that page's hash)."""
        target = self.page_hashes.get(url_path)
        if target is None:
            self.tally.error(self.idx, f"page {url_path!r} not in the app's navigation")
            return RunResult(False, 0.0, "missing page")
        self.states.clear()
        self.query_string = ""
        return await self._rerun(page_hash=target)

    async def close(self) -> None:
        if self.reader is not None:
            self.reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self.reader
        if self.ws is not None:
            with contextlib.suppress(Exception, asyncio.TimeoutError):
                await asyncio.wait_for(self.ws.close(), 5)
        self.ws = None
        self.reader = None

    async def _rerun(self, *, page_name: str = "", page_hash: str | None = None,
                     extra: WidgetState | None = None, fragment_id: str = "",
                     t0: float | None = None) -> RunResult:
        if self.ws is None or (self.reader is not None and self.reader.done()):
            return RunResult(False, 0.0, "disconnect")
        msg = BackMsg()
        cs = msg.rerun_script
        cs.query_string = self.query_string
        cs.page_script_hash = self.page_hash if page_hash is None else page_hash
        cs.page_name = page_name
        cs.fragment_id = fragment_id
        states = dict(self.states)
        if extra is not None:
            states[extra.id] = extra
        cs.widget_states.widgets.extend(states.values())
        cs.cached_message_hashes.extend(self.cache.keys())
        ci = cs.context_info
        ci.timezone, ci.timezone_offset, ci.locale = "UTC", 0, "en-US"
        ci.url = f"http://{self.host}:{self.port}/{page_name}"
        # A trigger (button) is sent once, then forgotten, like the browser does.
        self.states = {k: v for k, v in states.items() if v.WhichOneof("value") != "trigger_value"}
        loop = asyncio.get_running_loop()
        self.pending = loop.create_future()
        self.pending_t0 = time.perf_counter() if t0 is None else t0
        try:
            await asyncio.wait_for(self.ws.send(msg.SerializeToString()), self.timeout)
            kind = await asyncio.wait_for(asyncio.shield(self.pending), self.timeout)
        except TimeoutError:
            self.tally.error(self.idx, f"no script_finished within {self.timeout:.0f} s")
            return RunResult(False, time.perf_counter() - self.pending_t0, "timeout")
        except ConnectionClosed as exc:
            self.tally.error(self.idx, f"disconnected while sending: {exc!r}")
            return RunResult(False, time.perf_counter() - self.pending_t0, "disconnect")
        finally:
            self.pending = None
        return RunResult(kind in ("full", "fragment"), time.perf_counter() - self.pending_t0, kind)

    async def _read(self) -> None:
        try:
            async for frame in self.ws:
                self.tally.bytes_received += len(frame)
                msg = ForwardMsg()
                msg.ParseFromString(frame)
                self._handle(msg)
        except ConnectionClosed as exc:
            self._disconnected(repr(exc))
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a bug here must show as an error, not hang a student
            self._disconnected(f"client failed to read a message: {exc!r}")
        else:
            self._disconnected("server closed the websocket")

    def _disconnected(self, why: str) -> None:
        if self.pending is not None and not self.pending.done():
            self.tally.error(self.idx, f"disconnected: {why}")
            self.pending.set_result("disconnect")

    def _handle(self, msg: ForwardMsg) -> None:
        kind = msg.WhichOneof("type")
        if kind == "ref_hash":
            cached = self.cache.get(msg.ref_hash)
            if cached is None:
                self.tally.error(self.idx, "server referred to a message the client never had")
                return
            body = ForwardMsg()
            body.CopyFrom(cached)
            body.metadata.CopyFrom(msg.metadata)
            msg, kind = body, "delta"
        elif msg.metadata.cacheable and msg.hash:
            self.cache[msg.hash] = msg
            while len(self.cache) > MAX_CACHED_MESSAGES:
                self.cache.popitem(last=False)
        if kind == "new_session":
            self.page_hash = msg.new_session.page_script_hash
            self._seen, self._markers = {}, []
            for p in msg.new_session.app_pages:
                self.page_hashes[p.url_pathname] = p.page_script_hash
        elif kind == "navigation":
            self.page_hash = msg.navigation.page_script_hash or self.page_hash
            for p in msg.navigation.app_pages:
                self.page_hashes[p.url_pathname] = p.page_script_hash
        elif kind == "page_info_changed":
            self.query_string = msg.page_info_changed.query_string
        elif kind == "page_not_found":
            self.tally.error(self.idx, f"page not found: {msg.page_not_found.page_name!r}")
        elif kind == "delta":
            self._delta(msg)
        elif kind == "script_finished":
            self._finished(msg.script_finished)

    def _delta(self, msg: ForwardMsg) -> None:
        delta = msg.delta
        if delta.WhichOneof("type") != "new_element":
            return
        el, path = delta.new_element, tuple(msg.metadata.delta_path)
        etype = el.WhichOneof("type")
        if etype == "exception":
            if el.exception.is_warning:
                self.tally.red_boxes += 1
            else:
                self.tally.error(self.idx, f"exception: {el.exception.type}: "
                                 f"{el.exception.message[:200]}")
            return
        if etype == "alert" and el.alert.format == Alert.ERROR:
            self.tally.red_boxes += 1
        if etype in ("markdown", "heading") and "try this" in getattr(el, etype).body.lower():
            self._markers.append(path)
        w = widget_from_element(el, path, delta.fragment_id, self._markers)
        if w is not None:
            self._seen[w.id] = w

    def _finished(self, status: int) -> None:
        kind = DONE.get(status)
        if kind is None:  # FINISHED_EARLY_FOR_RERUN: the run that follows will finish
            self.tally.runs_early += 1
            return
        if kind == "fragment":
            self.tally.runs_fragment += 1
            self.widgets.update(self._seen)
        else:
            self.tally.runs_full += 1
            self.widgets = dict(self._seen)
            self.states = {k: v for k, v in self.states.items() if k in self.widgets}
        if kind == "compile_error":
            self.tally.error(self.idx, "script finished with a compile error")
        for w in self._seen.values():
            # The server's set_value wins (a preset moved it); otherwise keep what we hold.
            if getattr(w.proto, "set_value", False) or w.id not in self.states:
                state = initial_state(w)
                if state is not None:
                    self.states[w.id] = state
        self._seen = {}
        if self.pending is not None and not self.pending.done():
            self.pending.set_result(kind)
