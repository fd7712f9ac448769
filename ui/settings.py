"""Page settings that live in widgets and the URL, and the "Try this" presets.

Widgets are bound to the URL with Streamlit's ``bind="query-params"``, so a copied
link reopens the same view. Streamlit silently drops URL values a widget cannot use;
:func:`prepare` checks them first so the page can say what it ignored and why.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import streamlit as st


@dataclass(frozen=True)
class Setting:
    """One URL-shareable control. ``key`` is both the session-state key and URL name.

    A float setting has ``bounds``; a choice setting has ``options`` and, when its
    widget uses a ``format_func``, the same function as ``label`` (the URL holds
    the label).
    """

    key: str
    default: Any
    bounds: tuple[float, float] | None = None
    options: tuple[Any, ...] = ()
    label: Callable[[Any], str] = str

    def accepts(self, raw: str) -> bool:
        """Would this URL value be used by the widget?"""
        if self.bounds is not None:
            try:
                value = float(raw)
            except ValueError:
                return False
            return math.isfinite(value) and self.bounds[0] <= value <= self.bounds[1]
        return raw in {self.label(o) for o in self.options}

    def expected(self) -> str:
        """What a valid URL value looks like, for the note on the page."""
        if self.bounds is not None:
            return f"a number from {self.bounds[0]:g} to {self.bounds[1]:g}"
        return "one of " + ", ".join(f"`{self.label(o)}`" for o in self.options)


def float_setting(key: str, default: float, lo: float, hi: float) -> Setting:
    """A number in [lo, hi]."""
    return Setting(key, default, bounds=(lo, hi))


def choice_setting(
    key: str, default: Any, options: Sequence[Any], label: Callable[[Any], str] = str
) -> Setting:
    """One of ``options``; the URL carries ``label(option)``."""
    return Setting(key, default, options=tuple(options), label=label)


def prepare(settings: Sequence[Setting]) -> list[str]:
    """Seed defaults into session state and warn on the page about unusable URL values.

    Call before drawing the widgets, and still pass ``value=setting.default`` to each
    bound widget: Streamlit drops a URL value equal to the widget's own default, which
    without ``value=`` is the slider minimum or first option, so such links would not
    reopen. Returns the notes it showed (for tests).
    """
    notes = []
    for s in settings:
        if s.key not in st.session_state:
            st.session_state[s.key] = s.default
        values = st.query_params.get_all(s.key)
        if not values:
            continue
        if len(values) > 1:
            notes.append(f"`{s.key}` appears {len(values)} times, so at most one of them is used")
        elif not s.accepts(values[0]):
            notes.append(
                f"`{s.key}={values[0][:40]}` is not {s.expected()}, "
                f"so the default `{s.label(s.default)}` is used"
            )
    if notes:
        st.warning(
            "This link carried settings the page cannot use as given: " + "; ".join(notes) + ".",
            icon=":material/link_off:",
        )
    return notes


@dataclass(frozen=True)
class Preset:
    """A guided configuration: the values it sets and what to look for afterwards."""

    label: str
    values: Mapping[str, Any]
    look_for: str
    help: str = field(default="")


def _apply(page: str, index: int, preset: Preset) -> None:
    for key, value in preset.values.items():
        st.session_state[key] = value
    st.session_state[f"{page}.preset"] = index


def preset_buttons(page: str, presets: Sequence[Preset]) -> None:
    """Draw the "Try this" buttons; the chosen one's "what to look for" stays shown."""
    st.markdown("**Try this**")
    cols = st.columns(len(presets))
    for i, (col, preset) in enumerate(zip(cols, presets, strict=True)):
        col.button(
            preset.label,
            key=f"{page}.preset.{i}",
            help=preset.help or preset.look_for,
            on_click=_apply,
            args=(page, i, preset),
            width="stretch",
        )
    chosen = st.session_state.get(f"{page}.preset")
    if chosen is not None and 0 <= chosen < len(presets):
        st.info(
            f"**{presets[chosen].label}:** {presets[chosen].look_for}", icon=":material/visibility:"
        )
