"""The sidebar every page draws for itself.

It lives here, not in streamlit_app.py, because content drawn by the entrypoint is
lost in AppTest after the first rerun when a pages/ folder sits beside it.
"""

from __future__ import annotations

import streamlit as st

from . import readings
from .catalog import PAGES, PageInfo
from .presenter import presenting


def render_sidebar(current: PageInfo | None = None) -> None:
    """Set the page layout, then list the pages in teaching order with what each teaches.

    In presenter mode (``?present=1``) the one-line summaries are left out and the sidebar
    starts collapsed, so the projected page has the whole width.
    """
    present = presenting()
    st.set_page_config(layout="wide", page_title=current.title if current else None,
                       initial_sidebar_state="collapsed" if present else "auto")
    with st.sidebar:
        st.markdown("### Mechanics of Learning")
        if not present:
            st.caption("Chapter 5 of *Deep Learning with PyTorch*, one idea per page.")
        for number, page in enumerate(PAGES):
            label = page.title if number == 0 else f"{number}. {page.title}"
            st.page_link(page.path, label=label, icon=page.icon)
            if not present:
                st.caption(page.learn)
        _readings_in_use()


def _readings_in_use() -> None:
    """Which readings every page computes with, and a way back to the book's."""
    data = readings.in_session()
    st.markdown("**Readings in use**")
    st.caption(readings.describe(data))  # built from counts and fixed names, never from input
    if not data.is_book:
        st.button("Back to the book's readings", on_click=readings.use_book,
                  key="sidebar.book", icon=":material/undo:",
                  help="Use the chapter's 11 readings on every page.")
        note = readings.link_note(data)
        if note:
            st.caption(note)
