"""The sidebar every page draws for itself.

It lives here, not in streamlit_app.py, because content drawn by the entrypoint is
lost in AppTest after the first rerun when a pages/ folder sits beside it.
"""

from __future__ import annotations

import streamlit as st

from .catalog import PAGES


def render_sidebar() -> None:
    """Set the page layout, then list the pages in teaching order with what each teaches."""
    st.set_page_config(layout="wide")  # here, not in the entrypoint, where it is lost
    with st.sidebar:
        st.markdown("### Mechanics of Learning")
        st.caption("Chapter 5 of *Deep Learning with PyTorch*, one idea per page.")
        for number, page in enumerate(PAGES):
            label = page.title if number == 0 else f"{number}. {page.title}"
            st.page_link(page.path, label=label, icon=page.icon)
            st.caption(page.learn)
