"""Each page's controls, declared once: one table draws the widgets, binds them to the URL,
checks URL values and returns the values as one object.

This is TensorFlow Playground's single table of URL properties, extended so that the
table also draws the widgets. A :class:`Control` carries the widget kind, label, help,
bounds, step and format; bounds, step and format may depend on earlier controls (the
loss-surface point's bounds depend on the normalization).

URL rules, the same for every control:
- only plain ASCII decimals or scientific notation are read as numbers (no ``1_0``,
  no full-width or Arabic-Indic digits); −0 reads as 0;
- a number is snapped to the widget's step, so the value shown is the value computed;
- a repeated parameter uses its first value, and the URL is rewritten to hold only that;
- a value the widget cannot take falls back to the default, and the page says so in plain
  text: a URL value is data, never markdown or HTML.

Widgets take their value from session state (never ``value=`` as well), so setting a
value from a preset or a link cannot trigger Streamlit's "default value but also set
via the Session State API" warning. ``persist_state="session"`` keeps a page's settings
when the learner visits another page and comes back.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import streamlit as st

from thermo_core.numbers import fmt
from ui import readings

KINDS = ("slider", "number", "radio", "select", "toggle", "select_slider", "multiselect")
"""Widget kinds a control can be drawn as."""

_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_MEMO = "_controls.url"  # session key: what this session last wrote to the URL, per key
_OWNER = "_controls.owner"  # session key: the page that last drew each control, per key

Dynamic = Any  # a value, or a callable of the values drawn so far


class Values(dict):
    """The page's control values by key, also readable as attributes (``v.norm``)."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError as exc:
            raise AttributeError(name) from exc


@dataclass(frozen=True)
class Control:
    """One URL-shareable widget. ``key`` is its session-state key and its URL name.

    ``bounds``, ``step`` and ``fmt`` may be callables of the :class:`Values` drawn before
    this control. ``options`` are the choices of radio/select/select_slider controls;
    ``labels`` maps an option to the text shown (the URL always holds the option itself); it
    may be a callable of the values drawn before, like ``bounds``.
    A multiselect's value is a tuple of options; its URL text joins them with commas.
    ``default`` may also be a callable of the earlier values (an optimizer's learning
    rate depends on the inputs' normalization); only values other than it reach the URL.
    """

    key: str
    label: str
    kind: str
    default: Any
    bounds: Dynamic = None
    step: Dynamic = None
    fmt: Dynamic = None
    options: tuple[Any, ...] = ()
    labels: Mapping[Any, str] | Callable[[Mapping[str, Any]], Mapping[Any, str]] | None = None
    captions: tuple[str, ...] = ()
    help: str = ""
    on_change: Callable[[], None] | None = None
    horizontal: bool = False

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown kind {self.kind!r}; allowed: {', '.join(KINDS)}")

    @property
    def numeric(self) -> bool:
        """Does the control hold a number (as opposed to a choice or a switch)?"""
        return self.kind in ("slider", "number")

    def initial(self, values: Mapping[str, Any]) -> Any:
        """The default for the values drawn so far."""
        return self.default(values) if callable(self.default) else self.default

    def labels_for(self, values: Mapping[str, Any]) -> Mapping[Any, str] | None:
        """The option labels for the values drawn so far."""
        return self.labels(values) if callable(self.labels) else self.labels

    def resolve(self, values: Mapping[str, Any]) -> tuple[Any, Any, Any]:
        """(bounds, step, fmt) for the values drawn so far."""
        return tuple(
            part(values) if callable(part) else part for part in (self.bounds, self.step, self.fmt)
        )

    def accepts(self, value: Any, values: Mapping[str, Any]) -> bool:
        """Can the widget show ``value`` as it stands?"""
        if self.numeric:
            lo, hi = self.resolve(values)[0]
            return isinstance(value, (int, float)) and lo <= value <= hi
        if self.kind == "toggle":
            return isinstance(value, bool)
        if self.kind == "multiselect":
            return (
                isinstance(value, (list, tuple))
                and all(v in self.options for v in value)
                and len(set(value)) == len(value)
            )
        return value in self.options

    def snap(self, value: float, values: Mapping[str, Any]) -> float:
        """``value`` on the widget's step grid (counted from the lower bound)."""
        (lo, _), step, _ = self.resolve(values)
        if not step:
            return float(value)
        snapped = lo + round((value - lo) / step) * step
        decimals = max(0, -math.floor(math.log10(step)) + 2)
        snapped = round(snapped, decimals)
        return 0.0 if snapped == 0 else snapped

    def to_url(self, value: Any) -> str:
        """The URL text for ``value``: the shortest exact form."""
        if self.kind == "toggle":
            return "1" if value else "0"
        if self.numeric:
            return _number_text(float(value))
        if self.kind == "multiselect":
            return ",".join(str(v) for v in value)
        return str(value)

    def parse(self, text: str, values: Mapping[str, Any]) -> tuple[Any, str | None]:
        """Read a URL value: (value to use, None) or (None, why it cannot be used)."""
        if self.kind == "toggle":
            if text in ("1", "true", "0", "false"):
                return text in ("1", "true"), None
            return None, "is not 1 or 0"
        if self.kind == "multiselect":
            return self._parse_many(text)
        if not self.numeric:
            matches = [o for o in self.options if str(o) == text]
            if matches:
                return matches[0], None
            return None, "is not one of " + ", ".join(str(o) for o in self.options)
        if not text.isascii() or not _NUMBER.fullmatch(text):
            return None, "is not a plain number"
        number = float(text)
        lo, hi = self.resolve(values)[0]
        if not (math.isfinite(number) and lo <= number <= hi):
            return None, f"is outside {fmt(lo, sig=4)} … {fmt(hi, sig=4)}"
        snapped = self.snap(number, values)
        if snapped != number and _number_text(snapped) != text:
            return snapped, f"was rounded to the control's step: {_number_text(snapped)}"
        return snapped, None

    def _parse_many(self, text: str) -> tuple[Any, str | None]:
        """Comma-separated options, each exactly as listed, none twice ("" = none chosen)."""
        names = {str(o): o for o in self.options}
        parts = text.split(",") if text else []
        if any(p not in names for p in parts):
            return None, "is not a comma-separated list of " + ", ".join(names)
        if len(set(parts)) != len(parts):
            return None, "names an option twice"
        return tuple(names[p] for p in parts), None


def _number_text(x: float) -> str:
    """Shortest text that reads back as ``x``, with no exponent for everyday values."""
    if x == 0:
        return "0"
    if x == int(x) and abs(x) < 1e15:
        return str(int(x))
    return repr(x)


@dataclass(frozen=True)
class UrlNote:
    """What happened to one URL parameter: shown to the learner as plain text."""

    key: str
    given: str
    outcome: str


def _memo() -> dict[str, str | None]:
    return st.session_state.setdefault(_MEMO, {})


def claim(page: str, controls: Sequence[Control]) -> None:
    """Settings stay on their page: a key another page drew last starts here afresh.

    Two pages may declare one key with one meaning (the loss surface's and the divergence
    page's ``norm``), but one page's choice must never silently change another page's
    lesson. So on arriving at ``page`` such a control holds its default, or the value of
    the link that opened the page; within a page, settings persist as usual. What does
    follow the learner across pages is chosen on purpose and lives elsewhere: presenter
    mode (:mod:`ui.presenter`) and the guided tour (:mod:`ui.tour`).
    """
    owners = st.session_state.setdefault(_OWNER, {})
    memo = _memo()
    for control in controls:
        if owners.get(control.key, page) != page:
            st.session_state.pop(control.key, None)
            memo.pop(control.key, None)
        owners[control.key] = page


def _read_url(control: Control, values: Values, notes: list[UrlNote]) -> None:
    """Put a new URL value for ``control`` into session state, or note why not."""
    given = st.query_params.get_all(control.key)
    memo = _memo()
    if not given or given == [memo.get(control.key)]:
        return
    text = given[0]
    value, why = control.parse(text, values)
    if len(given) > 1:
        notes.append(
            UrlNote(
                control.key,
                " & ".join(g[:30] for g in given),
                "appears more than once; the first value is used and the others are dropped",
            )
        )
    if why is not None:
        if value is None:
            notes.append(UrlNote(control.key, text[:40], f"{why}, so the default is used"))
            value = control.initial(values)
        else:
            notes.append(UrlNote(control.key, text[:40], why))
    st.session_state[control.key] = value


def _write_url(control: Control, value: Any, values: Mapping[str, Any]) -> None:
    """Leave exactly the canonical value in the URL (none at the default)."""
    want = None if value == control.initial(values) else control.to_url(value)
    memo = _memo()
    if st.query_params.get_all(control.key) != ([] if want is None else [want]):
        if want is None:
            del st.query_params[control.key]
        else:
            st.query_params[control.key] = want
    memo[control.key] = want


def _widget(control: Control, values: Values, where: Any) -> Any:
    (lo, hi), step, form = (
        control.resolve(values) if control.numeric else ((None, None), None, None)
    )
    common = {
        "key": control.key,
        "help": control.help or None,
        "on_change": control.on_change,
        "persist_state": "session",
    }
    labels = control.labels_for(values)
    label_of = (lambda o: labels.get(o, str(o))) if labels else str
    if control.kind == "slider":
        return where.slider(control.label, lo, hi, step=step, format=form, **common)
    if control.kind == "number":
        return where.number_input(control.label, lo, hi, step=step, format=form, **common)
    if control.kind == "radio":
        return where.radio(
            control.label,
            control.options,
            format_func=label_of,
            captions=control.captions or None,
            horizontal=control.horizontal,
            **common,
        )
    if control.kind == "select":
        return where.selectbox(control.label, control.options, format_func=label_of, **common)
    if control.kind == "select_slider":
        return where.select_slider(control.label, control.options, format_func=label_of, **common)
    if control.kind == "multiselect":
        return tuple(
            where.multiselect(control.label, control.options, format_func=label_of, **common)
        )
    return where.toggle(control.label, **common)


def draw(
    controls: Sequence[Control],
    slots: Mapping[str, Any] | None = None,
    notes_slot: Any = None,
    after: Mapping[str, Any] | None = None,
) -> Values:
    """Draw ``controls`` in order, bound to the URL, and return their values.

    ``slots`` maps a key to the container (a column, the sidebar) that draws it; others
    are drawn where this is called. Unusable URL values are reported in ``notes_slot``
    (default: here) as a warning and a plain-text list. ``after`` holds values drawn by
    an earlier call, for controls whose bounds depend on them; they are returned too.
    """
    slots = slots or {}
    values = Values(after or {})
    notes: list[UrlNote] = []
    for control in controls:
        _read_url(control, values, notes)
        current = st.session_state.get(control.key, control.initial(values))
        if not control.accepts(current, values):  # e.g. bounds moved with an earlier control
            current = control.initial(values)
        elif control.numeric and control.snap(current, values) != current:
            current = control.snap(current, values)
        st.session_state[control.key] = list(current) if control.kind == "multiselect" else current
        values[control.key] = _widget(control, values, slots.get(control.key, st))
        _write_url(control, values[control.key], values)
    if notes:
        show_notes(notes, notes_slot or st)
    return values


def show_notes(notes: Sequence[UrlNote], where: Any) -> None:
    """Say, in plain text only, which link settings were changed or ignored."""
    box = where.container(border=True)
    box.warning(
        "This link carried settings the page could not use exactly as given. "
        "What was done with each is listed below.",
        icon=":material/link_off:",
    )
    for note in notes:
        box.text(f"{note.key} = {note.given!r}: {note.outcome}.")


def _ranges(values: Mapping[str, Any]) -> readings.LineRanges:
    return readings.line_ranges(readings.of(values))


def _decimals(step: float) -> str:
    return f"%.{max(0, -math.floor(math.log10(step)))}f"


def _line_slider(key: str, label: str, help: str, axis: str, start: float) -> Control:
    """A slider for one of the line's parameters (``axis`` "w" or "b"), its range and step
    the same on every page for one set of readings."""
    def ranged(v: Mapping[str, Any]) -> tuple[tuple[float, float], float]:
        r = _ranges(v)
        return getattr(r, axis), getattr(r, f"{axis}_step")

    return Control(
        key, label, "slider",
        lambda v: readings.start_value(ranged(v)[0], start, ranged(v)[1]),
        bounds=lambda v: ranged(v)[0],
        step=lambda v: ranged(v)[1],
        fmt=lambda v: _decimals(ranged(v)[1]),
        help=help,
    )  # fmt: skip


def slope_slider(key: str, label: str, help: str) -> Control:
    """A slider for the line's w (the book's readings: -1 to 2 in steps of 0.001, starting
    at the chapter's w = 1)."""
    return _line_slider(key, label, help, "w", 1.0)


def offset_slider(key: str, label: str, help: str) -> Control:
    """A slider for the line's b (the book's readings: -40 to 40 in steps of 0.1, from b = 0)."""
    return _line_slider(key, label, help, "b", 0.0)


def drop_unusable(controls: Sequence[Control], values: Mapping[str, Any]) -> None:
    """Remove URL values of controls the page did not draw this time, if unusable.

    A control drawn only in some states (Huber's δ) still has its link value checked, so a
    hostile value never lingers in the address bar.
    """
    memo = _memo()
    for control in controls:
        given = st.query_params.get_all(control.key)
        if not given or given == [memo.get(control.key)]:
            continue
        value, _ = control.parse(given[0], values)
        if value is None or len(given) > 1:
            del st.query_params[control.key]


def defaults(controls: Sequence[Control]) -> Values:
    """The values every control starts at (callable defaults see the ones before them)."""
    values = Values()
    for c in controls:
        values[c.key] = c.initial(values)
    return values


def matches(values: Mapping[str, Any], wanted: Mapping[str, Any]) -> bool:
    """Do ``values`` hold every value in ``wanted`` (numbers to within 1e-9 relative)?"""
    for key, want in wanted.items():
        have = values.get(key)
        if isinstance(want, float) and isinstance(have, (int, float)):
            if not math.isclose(have, want, rel_tol=1e-9, abs_tol=1e-12):
                return False
        elif have != want:
            return False
    return True
