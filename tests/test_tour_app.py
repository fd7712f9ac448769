"""AppTest walks the whole guided tour through the real widgets.

For every step: the check is not yet passed on arrival, doing the task through the
widgets passes it, the answer is revealed only after a guess, and Next moves on (to
another page where the step says so). Steps may only name pages in the catalog.
"""

from __future__ import annotations

import importlib

import pytest
from conftest import run_page, stay

from ui.catalog import PAGES
from ui.tour_steps import TOUR, steps

STEMS = {p.stem for p in PAGES}
STEPS = steps()


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
    stay(start.click().run())
    for number, step in enumerate(STEPS, start=1):
        assert at.query_params.get("tour") == TOUR and at.query_params.get("step") == str(number)
        header = [m.value for m in at.markdown if "Guided tour" in m.value]
        assert header and f"step {number} of {len(STEPS)}" in header[0], header
        assert not [s for s in at.success if step.task in s.value], f"{step.title}: done already"
        for key, value in step.solve.items():
            _widget(at, key).set_value(value)
        stay(at.run())
        assert not at.exception, [e.value for e in at.exception]
        assert [s for s in at.success if step.task in s.value], f"{step.title}: check not passed"
        assert not [m for m in at.markdown if step.explain in m.value]
        guess = at.radio(key=f"tour.guess.{number}")
        stay(guess.set_value(step.choices[step.answer]).run())
        assert [m for m in at.markdown if step.explain in m.value and m.value.startswith("Right")]
        stay(at.button(key="tour.next").click().run())
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


def _controls_now(at, stem: str) -> dict:
    keys = _declared(stem)
    return {k: at.session_state[k] for k in keys if k in at.session_state}


@pytest.mark.parametrize("number", range(1, len(STEPS) + 1))
def test_a_step_puts_its_page_in_the_state_it_is_about(number):
    """Settings left on the step's page (here: the step's own solution, and every preset of
    that page) are replaced on arrival by the step's setup, so the task starts undone."""
    from ui.tour_steps import page_values

    step = STEPS[number - 1]
    at = run_page(f"pages/{step.page}.py")
    for key, value in step.solve.items():
        _widget(at, key).set_value(value)
    at.run()
    at.query_params.update({"tour": TOUR, "step": str(number)})
    stay(at.run())
    assert at.title[0].value == next(p.title for p in PAGES if p.stem == step.page)
    assert not [s for s in at.success if step.task in s.value], f"{step.title}: done on arrival"
    want = page_values(step.page, step.setup)
    now = _controls_now(at, step.page)
    for key, value in step.setup.items():
        assert now[key] == (list(value) if isinstance(value, tuple) else value), key
    assert set(step.setup) <= set(want)
    for key in set(step.solve) - set(step.setup):
        assert now[key] == want[key], key


def test_standardize_at_step_2_does_not_follow_into_step_4():
    at = run_page("pages/home.py", {"tour": TOUR, "step": "2"})
    stay(at)
    at.radio(key="norm").set_value("standardize")
    stay(at.run())
    stay(at.button(key="tour.next").click().run())
    stay(at.button(key="tour.next").click().run())
    assert at.query_params.get("step") == "4"
    assert "norm" not in at.query_params, dict(at.query_params)
    assert at.radio(key="norm").value == "none"


def test_a_setting_does_not_follow_the_learner_to_another_page():
    at = run_page("pages/loss_surface.py")
    at.radio(key="norm").set_value("standardize").run()
    assert at.query_params.get("norm") == "standardize"
    at.query_params.clear()  # a page link opens the page with no query string
    at.switch_page("pages/divergence.py").run()
    assert at.radio(key="norm").value == "none" and "norm" not in at.query_params
    at.query_params.clear()
    at.switch_page("pages/loss_surface.py").run()
    assert at.radio(key="norm").value == "none"
    at.query_params.clear()
    at.query_params["norm"] = "scale"
    at.switch_page("pages/divergence.py").run()
    assert at.radio(key="norm").value == "scale", "a link's own value still applies"


def test_a_page_link_leaves_the_tour_and_offers_to_resume():
    at = stay(run_page("pages/home.py", {"tour": TOUR, "step": "2"}))
    at.switch_page("pages/divergence.py").run()  # the sidebar's link, or "Next:"
    assert at.title[0].value == next(p.title for p in PAGES if p.stem == "divergence")
    assert not [m for m in at.markdown if "Guided tour" in m.value]
    assert "tour" not in at.query_params
    assert [i for i in at.info if "You left the guided tour at step 2" in i.value]
    stay(at.button(key="tour.resume").click().run())
    assert at.title[0].value == next(p.title for p in PAGES if p.stem == STEPS[1].page)
    header = [m.value for m in at.markdown if "Guided tour" in m.value]
    assert header and "step 2 of" in header[0]
    at.switch_page("pages/autograd.py").run()
    at.button(key="tour.end").click().run()
    assert not [i for i in at.info if "You left the guided tour" in i.value]


def test_finish_closes_with_one_line_per_step_and_the_answers():
    last = len(STEPS)
    at = stay(run_page("pages/home.py", {"tour": TOUR, "step": str(last - 1)}))
    wrong = next(c for i, c in enumerate(STEPS[last - 2].choices) if i != STEPS[last - 2].answer)
    stay(at.radio(key=f"tour.guess.{last - 1}").set_value(wrong).run())
    stay(at.button(key="tour.next").click().run())
    right = STEPS[last - 1].choices[STEPS[last - 1].answer]
    stay(at.radio(key=f"tour.guess.{last}").set_value(right).run())
    assert at.button(key="tour.next").label == "Finish"
    stay(at.button(key="tour.next").click().run())
    assert [s for s in at.success if "Tour finished" in s.value]
    lines = [t.value for t in at.text if t.value[:1].isdigit()]
    assert len(lines) == last
    for number, (line, step) in enumerate(zip(lines, STEPS, strict=True), start=1):
        assert line.startswith(f"{number}. {step.title}:")
    assert f"“{wrong}”: not quite" in lines[last - 2]
    assert f"“{right}”: right" in lines[last - 1]
    assert "not answered" in lines[0]
    at.button(key="tour.close").click().run()
    assert not [s for s in at.success if "Tour finished" in s.value]


def test_step_numbers_are_the_computations():
    """Step answers quote numbers computed independently here (tests/reference.py)."""
    from reference import T_U32, hessian_eigs64, lstsq64, mse64

    w, b = lstsq64()
    assert f"t_u ≈ {1 / w:.3f} · t_c + {-b / w:.2f}" in STEPS[0].explain
    assert mse64(*STEPS[0].solve.values()) < 10 <= mse64(1.0, 0.0)
    lam_min, lam_max = hessian_eigs64(T_U32)
    assert f"{lam_max / lam_min:,.0f} on raw readings" in STEPS[1].explain
    crit = 2 / lam_max
    step4 = STEPS[3]
    rate = step4.solve["lr"]
    assert f"is {crit:.2g}." in step4.text and f"{rate / crit:.3g}× the critical" in step4.task
    assert f"by {abs(1 - rate * lam_max):.4g}, so" in step4.explain


def test_resuming_keeps_the_learners_progress_on_the_step():
    step = STEPS[1]
    at = stay(run_page("pages/home.py", {"tour": TOUR, "step": "2"}))
    for key, value in step.solve.items():
        _widget(at, key).set_value(value)
    stay(at.run())
    at.query_params.clear()
    at.switch_page("pages/autograd.py").run()
    stay(at.button(key="tour.resume").click().run())
    assert [s for s in at.success if step.task in s.value], "the task done before leaving"


def test_step_6_claim_plain_sgd_on_raw_readings_never_gets_near():
    """Full-batch gradient descent in float64 at the page's raw default rate and epochs."""
    from reference import T_C, T_U32, grad64, lstsq64, mse64

    from ui.tour_steps import RACE, page_values

    v = page_values("optimizers", RACE)
    lr, epochs = float(v["opt_sgd_lr"]), int(v["opt_epochs"])
    best = mse64(*lstsq64())
    w, b, near = 1.0, 0.0, False
    for _ in range(epochs):
        gw, gb = grad64(w, b, T_U32, T_C)
        w, b = w - lr * gw, b - lr * gb
        near = near or mse64(w, b) <= 1.01 * best
    assert not near
    assert "never gets near the best loss" in STEPS[5].text
