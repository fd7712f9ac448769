"""The shape every page shares: title and takeaway first, "Try this" presets, closed
"Go deeper" expanders, the executed PyTorch code panel, and a link to the next page.

A page file calls :func:`start` first and :func:`finish` last; in between it draws its
controls (:mod:`ui.controls`), its key chart and its sections.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import streamlit as st

from . import access, controls, notebook, readings, server, this_run, tour
from .catalog import PageInfo, next_page, page_info
from .controls import Values, matches
from .presenter import presenting, style
from .sidebar import render_sidebar

_run = threading.local()  # per script run (each session's runner thread): the tour's slot


def start(stem: str) -> PageInfo:
    """Sidebar, title, the one-sentence takeaway and, during the tour, its panel's place.

    A tour step on another page switches there before anything is drawn.
    """
    # Here, not in the entrypoint: a first visit by a page's URL can run that page's file
    # without streamlit_app.py (Streamlit resolves it from pages/ before any navigation).
    server.start()
    this_run.begin()
    info = page_info(stem)
    controls.claim(stem, importlib.import_module(f"ui.{stem}.settings").CONTROLS)
    readings.in_use()  # reads a link's data= once per run; pages ask readings.in_session()
    step = tour.follow(stem)
    render_sidebar(info)
    style()
    access.page_styles()
    st.title(info.title)
    access.takeaway(info.takeaway)
    readings.notice()
    if step is None:
        tour.notices()
    _run.tour_slot = st.container() if step is not None else None
    return info


def current_values(stem: str) -> Values:
    """The page's control values as the widgets hold them now (after they were drawn)."""
    controls = importlib.import_module(f"ui.{stem}.settings").CONTROLS
    values = Values(data=readings.in_session())
    for c in controls:
        values[c.key] = st.session_state.get(c.key, c.initial(values))
    return values


def prose(text: str) -> None:
    """Explanatory markdown that presenter mode hides (the speaker says it instead)."""
    if not presenting():
        st.markdown(text)


@contextmanager
def go_deeper(topic: str) -> Iterator[None]:
    """A closed expander for depth the first reading can skip.

    In presenter mode the section is left out: what it draws goes into a placeholder that
    is emptied at the end, so the page's code stays the same in both modes.
    """
    if presenting():
        slot = st.empty()
        with slot.container():
            yield
        slot.empty()
        return
    with st.expander(f"Go deeper: {topic}", expanded=False, icon=":material/school:"):
        yield


@dataclass(frozen=True)
class Preset:
    """A "Try this" configuration: the control values it sets and what to look for.

    ``look_for`` may be a function of the page's values, so sentences that quote
    numbers are generated from the numbers.
    """

    label: str
    values: Mapping[str, Any]
    look_for: str | Callable[[Values], str]
    help: str = field(default="")

    def text(self, values: Values) -> str:
        """What to look for, for the values now on the page."""
        return self.look_for(values) if callable(self.look_for) else self.look_for


def _apply(stem: str, index: int, preset: Preset) -> None:
    readings.use_book("preset")  # presets quote the book's numbers
    for key, value in preset.values.items():
        st.session_state[key] = value
    st.session_state[f"{stem}.preset"] = index


def preset_buttons(stem: str, presets: Sequence[Preset]) -> Any:
    """Draw the "Try this" buttons; returns a slot where :func:`preset_box` draws."""
    st.markdown("**Try this**")
    cols = st.columns(len(presets))
    for i, (col, preset) in enumerate(zip(cols, presets, strict=True)):
        col.button(
            preset.label,
            key=f"{stem}.preset.{i}",
            help=preset.help or "Set the controls to this example, then read what to look for.",
            on_click=_apply,
            args=(stem, i, preset),
            width="stretch",
        )
    return st.empty()


def active_preset(stem: str, presets: Sequence[Preset], values: Values) -> Preset | None:
    """The preset last clicked, while the settings still match it; else None."""
    chosen = st.session_state.get(f"{stem}.preset")
    if chosen is None or not 0 <= chosen < len(presets):
        return None
    if not matches(values, presets[chosen].values):
        return None
    return presets[chosen]


def preset_box(slot: Any, stem: str, presets: Sequence[Preset], values: Values) -> None:
    """Show the chosen preset's "look for" text only while the settings match it."""
    preset = active_preset(stem, presets, values)
    if preset is None:
        slot.empty()
    else:
        slot.info(f"**{preset.label}:** {preset.text(values)}", icon=":material/visibility:")


def code_panel(code: str, caption: str) -> None:
    """The "Show the PyTorch code" expander: a script a test runs and compares; below it,
    the same view as a notebook to download.

    Left out in presenter mode: a projector shows the lesson, not the script."""
    if presenting():
        return
    with st.expander("Show the PyTorch code", icon=":material/code:"):
        st.code(code, language="python")
        st.caption(caption)
    stem = notebook.running_stem()
    notebook.download_button(stem, code, current_values(stem))


def finish(stem: str) -> None:
    """End the page with a link to the next page in teaching order (the last goes Home).

    The tour panel is filled in last, at the top, so its check sees the values the page
    has just computed with.
    """
    values = current_values(stem)
    controls.drop_unusable(importlib.import_module(f"ui.{stem}.settings").CONTROLS, values)
    slot = getattr(_run, "tour_slot", None)
    if slot is not None:
        with slot:
            tour.panel(stem, values)
    nxt = next_page(stem)
    st.divider()
    label = "Back to the start" if nxt.stem == "home" else f"Next: {nxt.title}"
    st.page_link(nxt.path, label=label, icon=":material/arrow_forward:")
