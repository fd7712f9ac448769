"""Mechanics of Learning: navigation only. Each page draws its own content and sidebar."""

import streamlit as st

from ui.catalog import PAGES

pages = [
    st.Page(p.path, title=p.title, icon=p.icon, url_path=p.url_path, default=i == 0)
    for i, p in enumerate(PAGES)
]
st.navigation(pages, position="hidden").run()
