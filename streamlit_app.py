"""Mechanics of Learning: navigation only. Each page draws its own content and sidebar."""

import streamlit as st

from thermo_core.runtime import configure_torch_threads, freeze_startup_objects
from ui.catalog import PAGES, preload

configure_torch_threads()  # once per process; THERMO_TORCH_THREADS overrides the default of 1
freeze_startup_objects(preload)  # once per process: GCs then skip the imports' objects

pages = [
    st.Page(p.path, title=p.title, icon=p.icon, url_path=p.url_path, default=i == 0)
    for i, p in enumerate(PAGES)
]
st.navigation(pages, position="hidden").run()
