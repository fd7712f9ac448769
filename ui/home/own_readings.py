"""Home's "Use your own readings": paste, upload or a generated set, checked before use.

Bad input is listed row by row in plain text (``st.text``: a pasted value is never
rendered as markdown or HTML) while the readings in use stay as they were.
"""

from __future__ import annotations

import streamlit as st

import thermo_core as tc
from ui import page, readings

SOURCES = ("Paste", "Upload a .csv", "A generated set")
_PASTE = "home.own.paste"
_UPLOAD = "home.own.upload"
_GENERATED = "home.own.generated"
_RESULT = "home.own.result"
PLACEHOLDER = "t_u,t_c\n" + "\n".join(
    f"{u:g},{c:g}" for u, c in list(zip(*readings.BOOK.values(), strict=True))[:3]
)
"""The shape of what to paste: a header and the book's first three readings."""


def _take(parsed: tc.Parsed) -> None:
    """Use the parsed readings if they are usable; keep the result to report it."""
    st.session_state[_RESULT] = parsed
    if parsed.readings is not None:
        readings.use(parsed.readings)


def _paste() -> None:
    _take(tc.parse_text(st.session_state.get(_PASTE) or ""))


def _upload() -> None:
    file = st.session_state.get(_UPLOAD)
    if file is not None:
        _take(tc.parse_bytes(file.getvalue()))


def _generated() -> None:
    name = st.session_state.get(_GENERATED)
    if name:
        _take(tc.Parsed(tc.generated(name), (), ()))


def _report() -> None:
    parsed: tc.Parsed | None = st.session_state.get(_RESULT)
    if parsed is None:
        return
    if parsed.problems:
        st.warning(
            f"These readings cannot be used yet ({len(parsed.problems)} problem"
            f"{'s' if len(parsed.problems) > 1 else ''}), so the readings in use stay as "
            "they were. Fix each row listed and try again:",
            icon=":material/rule:",
        )
        readings.show_problems(parsed.problems)
    elif parsed.readings is not None:
        st.success(f"In use on every page: {readings.describe(parsed.readings)}.")
    if parsed.notes:
        readings.show_problems(parsed.notes)


def section(data: tc.Readings) -> None:
    """The "Use your own readings" expander, next to the readings table."""
    with page.go_deeper("use your own readings"):
        st.caption(readings.LIMITS)
        source = st.radio("Where from", SOURCES, horizontal=True, key="home.own.source",
                          help="Paste two columns, upload a .csv, or pick a generated set.")
        if source == SOURCES[0]:
            st.text_area(
                "Paste two columns: t_u, then t_c",
                key=_PASTE,
                height=160,
                help=readings.LIMITS,
                placeholder=PLACEHOLDER,
            )
            st.button("Use these readings", on_click=_paste, type="primary",
                      help="Check the text and, if every row is usable, use it on every page.")
        elif source == SOURCES[1]:
            st.file_uploader("A .csv file: t_u, then t_c", type=["csv"], key=_UPLOAD,
                             on_change=_upload, help="Checked as soon as it is uploaded.")
        else:
            st.radio(
                "Generated with a fixed seed, so every class gets the same numbers",
                list(tc.GENERATED_SEEDS),
                format_func=lambda k: readings.describe(tc.generated(k)),
                key=_GENERATED, index=None, on_change=_generated,
                help="Each set is rebuilt from its seed, so a class shares the same numbers.",
            )  # fmt: skip
        _report()
        note = readings.link_note(data)
        if note:
            st.info(note)
        if not data.is_book:
            st.button("Back to the book's readings", on_click=readings.use_book,
                      key="home.own.book", help="Use the chapter's 11 readings on every page.")
