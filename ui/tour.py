"""The guided tour's panel: instruction, task with a live check, predict-then-reveal,
and Back / Next / Exit, drawn at the top of whichever page the step is on.

Progress lives in session state and in the URL (``?tour=chapter5&step=7``), so an
instructor can send a link to step 7. Plain Streamlit only: third-party tour
components run in iframes that AppTest cannot see.

Arriving at a step puts its page in the step's state (:attr:`Step.setup`, every other
control at its default). Opening another page through a link (the sidebar, "Next:")
leaves the tour on purpose: the page says so and offers "Resume tour". "Finish" ends
with a summary: one line per step with the learner's answer, right or wrong.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import streamlit as st

from . import readings
from .catalog import page_info
from .tour_steps import TOUR, Step, page_values, steps

STATE = "_tour.step"  # 1-based step number while the tour runs, else absent
_URL = "_tour.url"  # the (tour, step) this session last wrote to the URL
_SET_UP = "_tour.set_up"  # the step whose page state was last put in place
_SEEN = "_tour.seen"  # (step, page) of this session's last run while the tour ran
PAUSED = "_tour.paused"  # the step the learner left by opening another page
ANSWERS = "_tour.answers"  # step number -> the choice the learner picked
FINISHED = "_tour.finished"  # True after "Finish", until the summary is closed


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
    for key in (_SET_UP, PAUSED, FINISHED, ANSWERS):
        st.session_state.pop(key, None)
    st.session_state[STATE] = 1


def resume() -> None:
    """Go back to the step the learner left (a button callback)."""
    st.session_state[STATE] = st.session_state.pop(PAUSED)


def forget() -> None:
    """Drop a left tour or a finished tour's summary (a button callback)."""
    for key in (PAUSED, FINISHED, ANSWERS):
        st.session_state.pop(key, None)


def _go(number: int) -> None:
    st.session_state[STATE] = number


def _finish() -> None:
    st.session_state.pop(STATE, None)
    st.session_state[FINISHED] = True


def _exit() -> None:
    st.session_state.pop(STATE, None)
    st.session_state.pop(ANSWERS, None)


def _set_up(number: int, step: Step) -> None:
    """Put the step's page in the step's state, once per arrival at the step."""
    if st.session_state.get(_SET_UP) == number:
        return
    readings.use_book("tour")  # the steps quote the book's numbers
    for key, value in page_values(step.page, step.setup).items():
        st.session_state[key] = list(value) if isinstance(value, tuple) else value
    st.session_state.pop(f"{step.page}.preset", None)
    st.session_state[_SET_UP] = number


def follow(stem: str) -> Step | None:
    """Keep the URL in step, and move to the step's page if this is not it.

    A run on another page at the same step, with no tour link behind it, means the
    learner opened that page through a link: the tour is left (and can be resumed),
    never forced back.
    """
    given = (st.query_params.get("tour"), st.query_params.get("step"))
    from_link = given[0] == TOUR and given != st.session_state.get(_URL)
    if from_link:  # a tour link always starts its step afresh
        st.session_state.pop(_SET_UP, None)
    number = active_step()
    seen = st.session_state.get(_SEEN)  # (step, page) of the last run in the tour
    if (number is not None and not from_link and seen is not None and seen[0] == number
            and seen[1] != stem and steps()[number - 1].page == seen[1]):
        st.session_state[PAUSED] = number  # the step page keeps the learner's progress
        st.session_state.pop(STATE, None)
        number = None
    if number is not None:
        for key in (PAUSED, FINISHED):
            st.session_state.pop(key, None)
    _set_url(number)
    if number is None:
        st.session_state.pop(_SEEN, None)
        return None
    step = steps()[number - 1]
    st.session_state[_SEEN] = (number, stem)
    if step.page != stem:
        st.switch_page(page_info(step.page).path)
    _set_up(number, step)
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
            st.session_state.setdefault(ANSWERS, {})[number] = guess
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
            on_click=_finish if last else _go,
            args=() if last else (number + 1,),
            width="stretch",
            help="The next step (you may move on before the task is done).",
        )
        leave.button(
            "Exit tour",
            key="tour.exit",
            on_click=_exit,
            width="stretch",
            help="Leave the tour; the page keeps your settings.",
        )


def summary_lines() -> list[str]:
    """One line per step: its title and the learner's answer, right or wrong."""
    answers = st.session_state.get(ANSWERS, {})
    lines = []
    for number, step in enumerate(steps(), start=1):
        guess = answers.get(number)
        if guess is None:
            verdict = f"not answered (the answer: {step.choices[step.answer]})"
        elif step.choices.index(guess) == step.answer:
            verdict = f"you answered “{guess}”: right"
        else:
            verdict = f"you answered “{guess}”: not quite, it is “{step.choices[step.answer]}”"
        lines.append(f"{number}. {step.title}: {verdict}.")
    return lines


def notices() -> None:
    """Outside the tour: offer to resume a tour left through a link, or show the summary
    of a finished one. Lines are plain text: they quote the learner's choices."""
    paused = st.session_state.get(PAUSED)
    if paused is not None and STATE not in st.session_state:
        step = steps()[paused - 1]
        with st.container(border=True):
            st.info(
                f"You left the guided tour at step {paused} of {len(steps())} ({step.title}) "
                "to open this page.",
                icon=":material/tour:",
            )
            resume_col, end_col = st.columns(2)
            resume_col.button("Resume tour", key="tour.resume", on_click=resume, type="primary",
                              width="stretch", help=f"Back to step {paused}, on its page.")
            end_col.button("End tour", key="tour.end", on_click=forget, width="stretch",
                           help="Stay here and leave the tour.")
    if st.session_state.get(FINISHED):
        with st.container(border=True):
            st.success("Tour finished. What you answered at each step:",
                       icon=":material/check_circle:")
            for line in summary_lines():
                st.text(line)
            st.button("Close the summary", key="tour.close", on_click=forget)
