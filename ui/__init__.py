"""Streamlit-side helpers shared by every page: navigation catalog, sidebar, URL-backed
settings and presets, and the Altair charts. No maths here: that is thermo_core's."""
