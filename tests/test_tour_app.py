"""AppTest walks the whole guided tour through the real widgets.

For every step: the check is not yet passed on arrival, doing the task through the
widgets passes it, the answer is revealed only after a guess, and Next moves on (to
another page where the step says so). Steps may only name pages in the catalog.
"""

from __future__ import annotations

import importlib

import pytest
from conftest import run_page

from ui.catalog import PAGES
from ui.tour_steps import STEPS, TOUR

STEMS = {p.stem for p in PAGES}


def _widget(at, key):
    for kind in ("slider", "number_input", "radio", "selectbox", "toggle", "select_slider"):
        for widget in getattr(at, kind):
            if widget.key == key:
                return widget
    raise AssertionError(f"no widget {key!r} on the page")


def _declared(stem: str) -> set[str]:
    return {c.key for c in importlib.import_module(f"ui.{stem}.settings").CONTROLS}


def test_steps_name_only_catalog_pages_and_declared_controls():
    for step in STEPS:
        assert step.page in STEMS, f"{step.title}: no page {step.page!r}"
        assert set(step.solve) <= _declared(step.page), step.title
        assert 0 <= step.answer < len(step.choices)


def test_every_page_has_a_tour_step():
    assert {s.page for s in STEPS} == STEMS


def test_walk_the_whole_tour():
    at = run_page("pages/home.py")
    [start] = [b for b in at.button if b.label == "Start the guided tour"]
    start.click().run()
    for number, step in enumerate(STEPS, start=1):
        assert at.query_params.get("tour") == TOUR and at.query_params.get("step") == str(number)
        header = [m.value for m in at.markdown if "Guided tour" in m.value]
        assert header and f"step {number} of {len(STEPS)}" in header[0], header
        assert not [s for s in at.success if step.task in s.value], f"{step.title}: done already"
        for key, value in step.solve.items():
            _widget(at, key).set_value(value)
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        assert [s for s in at.success if step.task in s.value], f"{step.title}: check not passed"
        assert not [m for m in at.markdown if step.explain in m.value]
        guess = at.radio(key=f"tour.guess.{number}")
        guess.set_value(step.choices[step.answer]).run()
        assert [m for m in at.markdown if step.explain in m.value and m.value.startswith("Right")]
        at.button(key="tour.next").click().run()
    assert "tour" not in at.query_params
    assert not [m for m in at.markdown if "Guided tour" in m.value]


@pytest.mark.parametrize("number", range(1, len(STEPS) + 1))
def test_a_link_opens_the_step_on_its_page(number):
    at = run_page("pages/home.py", {"tour": TOUR, "step": str(number)})
    header = [m.value for m in at.markdown if "Guided tour" in m.value]
    assert header and f"step {number} of" in header[0]
    title = next(p.title for p in PAGES if p.stem == STEPS[number - 1].page)
    assert at.title[0].value == title


def test_exit_and_back_are_always_there():
    at = run_page("pages/home.py", {"tour": TOUR, "step": "2"})
    at.button(key="tour.back").click().run()
    assert at.query_params.get("step") == "1"
    at.button(key="tour.exit").click().run()
    assert "tour" not in at.query_params and "step" not in at.query_params


@pytest.mark.parametrize("step", ["0", "999", "x", "١"])
def test_odd_step_numbers_are_clamped(step):
    at = run_page("pages/home.py", {"tour": TOUR, "step": step})
    assert not at.exception
    assert at.query_params.get("step") in {"1", str(len(STEPS))}
