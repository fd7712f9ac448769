"""Page-specific lesson helpers; import only from the general modules.

Each module here serves one page (named by the page's stem) and builds on
``thermo_core``'s general modules (data, losses, gradients, surface, training, models,
graphs, numbers) only, never on another page's helpers and never on streamlit.
Arguments are plain numbers and strings so a page can cache the calls with
``st.cache_data``. Import them as ``from thermo_core.lessons import overfitting``.
"""
