"""The guided tour's panel: instruction, task with a live check, predict-then-reveal,
and Back / Next / Exit, drawn at the top of whichever page the step is on.

Progress lives in session state and in the URL (``?tour=chapter5&step=7``), so an
instructor can send a link to step 7. Plain Streamlit only: third-party tour
components run in iframes that AppTest cannot see.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import streamlit as st

from .catalog import page_info
from .tour_steps import TOUR, Step, steps

STATE = "_tour.step"  # 1-based step number while the tour runs, else absent
_URL = "_tour.url"  # the (tour, step) this session last wrote to the URL


def active_step() -> int | None:
    """The current step number (1-based), reading a tour link if one was opened."""
    given = (st.query_params.get("tour"), st.query_params.get("step"))
    if given != st.session_state.get(_URL) and given[0] == TOUR:
        text = given[1] or "1"
        number = int(text) if text.isascii() and text.isdigit() else 1
        st.session_state[STATE] = min(max(number, 1), len(steps()))
    return st.session_state.get(STATE)


def _set_url(number: int | None) -> None:
    want = (None, None) if number is None else (TOUR, str(number))
    for key, value in zip(("tour", "step"), want, strict=True):
        if value is None and key in st.query_params:
            del st.query_params[key]
        elif value is not None and st.query_params.get(key) != value:
            st.query_params[key] = value
    st.session_state[_URL] = want


def start() -> None:
    """Begin the tour at step 1 (a button callback)."""
    st.session_state[STATE] = 1


def _go(number: int | None) -> None:
    if number is None:
        st.session_state.pop(STATE, None)
    else:
        st.session_state[STATE] = number


def follow(stem: str) -> Step | None:
    """Keep the URL in step, and move to the step's page if this is not it."""
    number = active_step()
    _set_url(number)
    if number is None:
        return None
    step = steps()[number - 1]
    if step.page != stem:
        st.switch_page(page_info(step.page).path)
    return step


def panel(stem: str, values: Mapping[str, Any]) -> None:
    """The tour box for the current step, checked against the page's ``values``."""
    number = st.session_state.get(STATE)
    if number is None:
        return
    step = steps()[number - 1]
    if step.page != stem:
        return
    with st.container(border=True):
        st.markdown(f"**Guided tour · step {number} of {len(steps())}: {step.title}**")
        st.markdown(step.text)
        done = bool(step.check(values))
        if done:
            st.success(f"Task done: {step.task}", icon=":material/check_circle:")
        else:
            st.info(f"Your task: {step.task}", icon=":material/flag:")
        guess = st.radio(
            step.question,
            step.choices,
            index=None,
            key=f"tour.guess.{number}",
            persist_state="session",
            help="Answer first; the explanation opens once you have chosen.",
        )
        if guess is not None:
            right = step.choices.index(guess) == step.answer
            verdict = "Right." if right else f"Not quite: {step.choices[step.answer]}."
            st.markdown(f"{verdict} {step.explain}")
        back, nxt, leave = st.columns(3)
        back.button(
            "Back",
            key="tour.back",
            disabled=number == 1,
            on_click=_go,
            args=(number - 1,),
            width="stretch",
            help="The previous step.",
        )
        last = number == len(steps())
        nxt.button(
            "Finish" if last else "Next",
            key="tour.next",
            type="primary" if done else "secondary",
            on_click=_go,
            args=(None if last else number + 1,),
            width="stretch",
            help="The next step (you may move on before the task is done).",
        )
        leave.button(
            "Exit tour",
            key="tour.exit",
            on_click=_go,
            args=(None,),
            width="stretch",
            help="Leave the tour; the page keeps your settings.",
        )
