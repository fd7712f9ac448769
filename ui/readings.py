"""Which readings are in use: the one place every page asks.

The choice lives in session state, so it follows the learner across pages. Readings of at
most ``tc.readings.URL_ROWS`` rows are also written to the link as ``data=…``, so a copied
link carries them (a teacher can share an exercise); a link's ``data=`` is read back through
the same checks as pasted text. Larger readings stay in the session only.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import streamlit as st
import torch

import thermo_core as tc
from thermo_core.readings import MAX_ABS, MAX_BYTES, MAX_ROWS, MIN_ROWS, URL_ROWS

KEY = "data"
_STATE = "_readings.in_use"
_LINK = "_readings.link_seen"
_NOTICE = "_readings.notice"

BOOK = tc.book()
"""The book's readings: the default, and what presets and tour steps quote."""

NAMES = {
    "book": "the book's 11 readings",
    "second_thermometer": "a second thermometer (generated, seed {seed})",
    "outlier": "the book's readings with one outlier (generated, seed {seed})",
    "own": "your own {n} readings",
}


def describe(readings: tc.Readings) -> str:
    """A short plain-text name for the readings: which set, and how many."""
    seed = tc.GENERATED_SEEDS.get(readings.name)
    return NAMES[readings.name].format(seed=seed, n=readings.n)


def in_use() -> tc.Readings:
    """The readings this page computes with: a new ``data=`` link value if usable, else the
    session's choice, else the book's. Keeps the link's ``data=`` in step with the choice."""
    given = st.query_params.get_all(KEY)
    if given and given[0] != st.session_state.get(_LINK):
        parsed = tc.from_url(given[0])
        if parsed.readings is not None:
            st.session_state[_STATE] = parsed.readings
        else:
            st.session_state[_NOTICE] = ("link", parsed.problems)
    readings = st.session_state.get(_STATE) or BOOK
    want = None if readings.is_book else tc.to_url(readings)
    if given != ([] if want is None else [want]):
        if want is None:
            del st.query_params[KEY]
        else:
            st.query_params[KEY] = want
    st.session_state[_LINK] = want
    return readings


def use(readings: tc.Readings) -> None:
    """Make ``readings`` the ones in use, from the next run of any page on."""
    st.session_state[_STATE] = readings


def use_book(reason: str | None = None) -> None:
    """Go back to the book's readings; ``reason`` ("preset", "tour") is said on the page."""
    if not in_session().is_book and reason:
        st.session_state[_NOTICE] = (reason, ())
    st.session_state[_STATE] = BOOK


def in_session() -> tc.Readings:
    """The readings chosen in this session, without reading the link (for callbacks)."""
    return st.session_state.get(_STATE) or BOOK


def notice() -> None:
    """Say once, in plain text, why the readings changed or why a link's were not used."""
    reason, problems = st.session_state.pop(_NOTICE, (None, ()))
    if reason == "link":
        st.warning(
            "This link carried readings (data=…) the app could not use, so the readings in "
            "use stay as they were. What was wrong:",
            icon=":material/link_off:",
        )
        show_problems(problems)
    elif reason == "preset":
        st.info("This preset quotes the book's numbers, so the book's 11 readings are in use again.")
    elif reason == "tour":
        st.info("The tour quotes the book's numbers, so the book's 11 readings are in use again.")


def link_note(readings: tc.Readings) -> str | None:
    """What a copied link carries, when it is not everything."""
    if readings.is_book or readings.n <= URL_ROWS:
        return None
    return (
        f"These {readings.n} readings are more than a link carries ({URL_ROWS} rows at most): "
        "they stay in this browser session, and a copied link opens with the book's readings."
    )


_MESSAGES = {
    "too_big": "The input is {text} bytes; at most {limit:,.0f} bytes (1 MB) are read.",
    "encoding": "Row {row}: the file is not UTF-8 text (save it as CSV UTF-8).",
    "empty": "There are no readings: paste two columns, t_u then t_c, one reading per row.",
    "columns": "Row {row}: expected 2 columns (t_u, t_c), found another number of them: {text}",
    "decimal_comma": "Row {row}: this looks like decimal commas between commas ({text}). Write "
    "decimal points, or separate the columns with semicolons or tabs.",
    "not_a_number": "Row {row}, column {column} ({col}): {text!r} is not a number.",
    "not_finite": "Row {row}, column {column} ({col}): {text!r} is not a finite number.",
    "out_of_range": "Row {row}, column {column} ({col}): {text} is beyond ±{limit:.0e}, too "
    "large for float32 training.",
    "too_few_rows": "Only {text} rows: at least {limit:.0f} are needed.",
    "too_many_rows": "{text} rows: at most {limit:,.0f} are used.",
    "duplicate_x": "Row {row}, column 1 (t_u): {text} repeats the t_u of row {other_row}; each "
    "t_u may appear once.",
    "all_equal_x": "Every t_u is {text}: with no spread in t_u a line has no slope to learn.",
    "bad_link": "The data= value is not readings written by this app (at most {limit:.0f} "
    "rows of numbers).",
    "header": "Row {row} was read as a header: {text}",
    "blank": "Row {row} is blank and was skipped.",
    "decimal_comma_read": "Decimal commas were read as decimal points (first in row {row}).",
}
SHOWN = 20
"""At most this many problems are listed; the rest are counted."""

LIMITS = (
    f"Two columns, t_u then t_c, separated by commas, semicolons or tabs; a header row is "
    f"optional. {MIN_ROWS} to {MAX_ROWS:,} rows, at most {MAX_BYTES // 1_000_000} MB, no repeated t_u, "
    f"values within ±{MAX_ABS:.0e}."
)


def message(problem: tc.Problem) -> str:
    """One problem (or note) as a plain-text sentence with its row and column."""
    col = {1: "t_u", 2: "t_c"}.get(problem.column or 0, "")
    return _MESSAGES[problem.code].format(
        row=problem.row, column=problem.column, col=col, text=problem.text,
        other_row=problem.other_row, limit=problem.limit or 0,
    )  # fmt: skip


def show_problems(problems: Sequence[tc.Problem]) -> None:
    """List problems as plain text (a pasted value is never rendered as markdown)."""
    lines = [message(p) for p in problems[:SHOWN]]
    if len(problems) > SHOWN:
        lines.append(f"… and {len(problems) - SHOWN} more.")
    st.text("\n".join(lines))


def of(values: Mapping[str, Any]) -> tc.Readings:
    """The readings a page passed to ``controls.draw(..., after={"data": …})`` (the book's
    when a test draws the controls without any)."""
    return values.get("data") or BOOK


@dataclass(frozen=True)
class LineRanges:
    """Slider ranges and steps for a line's w and b that suit the readings in use."""

    w: tuple[float, float]
    b: tuple[float, float]
    w_step: float
    b_step: float


BOOK_RANGES = LineRanges((-1.0, 2.0), (-40.0, 40.0), 0.001, 0.1)


def _nice_step(scale: float, parts: float) -> float:
    """A power of ten near ``scale / parts``, so a slider has about ``parts`` steps."""
    return 10.0 ** math.floor(math.log10(scale / parts)) if scale > 0 else 1.0


def line_ranges(data: tc.Readings) -> LineRanges:
    """The book's ranges for the book's readings; for others, ranges around their
    least-squares line, wide enough to start far from it: readings in the thousands or in
    thousandths still give sliders with about a thousand useful steps."""
    if data.is_book:
        return BOOK_RANGES
    t_u, t_c = data.tensors(torch.float64)
    w_best, b_best = (float(v) for v in tc.optimal_params(t_u, t_c))
    w_scale = max(abs(w_best), float(t_c.std() / t_u.std()), 1e-12)
    b_scale = max(abs(b_best), 2 * float(t_c.std()), float(t_c.abs().max()), 1e-12)
    w_step, b_step = _nice_step(3 * w_scale, 3000), _nice_step(3 * b_scale, 800)

    def around(center: float, half: float, step: float) -> tuple[float, float]:
        grid = step * 100
        return (math.floor((center - half) / grid) * grid, math.ceil((center + half) / grid) * grid)

    return LineRanges(
        around(w_best, 1.5 * w_scale, w_step), around(b_best, 1.5 * b_scale, b_step), w_step, b_step
    )


def start_value(bounds: tuple[float, float], chapter: float, step: float) -> float:
    """The chapter's starting value if the range holds it, else the range's middle on a step."""
    lo, hi = bounds
    if lo <= chapter <= hi:
        return chapter
    return round(round((lo + hi) / 2 / step) * step, 12)
