"""Every number the lesson's prose quotes is one the learner can find on the page.

Over the whole catalog (AppTest): click each page's "Try this" presets, and open each
tour step (doing its task and revealing its answer). Every number in the preset's
"look for" text, or in the step's text, task, question, choices and explanation, must
appear in what the page renders besides that text (markdown, captions, status boxes,
plain text, metrics, tables, control values), or equal a metric, table cell or control
value to the precision it is quoted at. A number typed into a sentence that the
computation no longer gives fails here.
"""

from __future__ import annotations

import importlib
import math
import re
from collections.abc import Iterable

import pandas as pd
import pytest
from conftest import run_page, stay

from ui.catalog import PAGES
from ui.tour_steps import TOUR, steps

# A quantity: ASCII digits only (so "t_u²" has none), not glued to a word on the left
# ("float32", "w2", "dL/dw2") or on the right ("2δ", "10x"); thousands commas, decimals,
# an exponent, a sign written against the digits ("−17.3"), and an optional per cent.
NUMBER = re.compile(
    r"(?<![\w.,/^])(?P<sign>[-+−]?)(?P<body>(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?)"
    r"(?:[eE](?P<exp>[-+−]?\d+))?(?![\w.]*[A-Za-zα-ωΑ-Ω_])(?P<pct>\s?%)?"
)

# Numbers in prose that are not quantities computed by the page, each with its reason.
# A pattern names the number in its context; the number itself is removed before checking.
NOT_QUANTITIES: tuple[tuple[str, str], ...] = (
    (r"[Cc]hapter [0-9]+", "the book's chapter numbers"),
    (r"about (?:7|16) (?:significant )?digits", "what float32/float64 keep: a fact of IEEE 754"),
    (r"(?:7|16) digits", "what float32/float64 keep: a fact of IEEE 754"),
    (r"1/11", "the mean's weight 1/n for the book's 11 readings"),
    (r"2/λ", "the formula of the critical rate"),
    (r"slope 1\b", "a log-log slope: the order of the method"),
    (r"/ 2\b", "the truncation formula f''·δ/2"),
    (r"within 1 ?%", "the page's stated closeness criterion, a definition"),
    (r"index [0-9]+", "a reading's position in the book's list"),
    (r"MSE of your line is below [0-9.]+", "tour step 1's goal, set by the task, not computed"),
)


def numbers(text: str) -> list[tuple[str, float, float, bool]]:
    """(as written, value, half a unit in its last place, is a percentage) per quantity."""
    for pattern, _ in NOT_QUANTITIES:
        text = re.sub(pattern, " ", text)
    out = []
    for m in NUMBER.finditer(text):
        body = m["body"].replace(",", "")
        decimals = len(body.partition(".")[2])
        exp = int(m["exp"].replace("−", "-")) if m["exp"] else 0
        sign = -1.0 if m["sign"] in ("-", "−") else 1.0
        value = sign * float(body) * 10.0**exp
        half = 0.5 * 10.0 ** (exp - decimals)
        out.append((m[0].strip(), value, half, bool(m["pct"])))
    return out


def _cells(frame: pd.DataFrame) -> Iterable[float]:
    for column in frame.columns:
        for value in frame[column].tolist():
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                if math.isfinite(float(value)):
                    yield float(value)
            elif isinstance(value, str):
                yield from (v for _, v, _, _ in numbers(value))
    if not isinstance(frame.index, pd.RangeIndex):
        for value in frame.index.tolist():
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                yield float(value)


def _widget_values(at, skip: set[str]) -> Iterable[float]:
    for kind in ("slider", "number_input", "radio", "selectbox", "select_slider", "multiselect"):
        for widget in getattr(at, kind):
            if widget.key in skip:
                continue
            value = widget.value
            for part in value if isinstance(value, (list, tuple)) else (value,):
                if isinstance(part, (int, float)) and not isinstance(part, bool):
                    yield float(part)
                elif isinstance(part, str):
                    yield from (v for _, v, _, _ in numbers(part))


def shown(at, prose: set[str], skip_widgets: set[str]) -> list[float]:
    """Every number the page renders outside the ``prose`` under test."""
    texts: list[str] = []
    for kind in ("markdown", "caption", "info", "success", "warning", "error", "text", "latex"):
        texts += [e.value for e in getattr(at, kind) if e.value not in prose]
    for metric in at.metric:
        texts += [metric.label, metric.value, str(metric.delta or "")]
    values = [v for text in texts for _, v, _, _ in numbers(text)]
    for kind in ("dataframe", "table"):
        for element in getattr(at, kind):
            frame = element.value
            if isinstance(frame, pd.DataFrame):
                values += list(_cells(frame))
    values += list(_widget_values(at, skip_widgets))
    return values


def unmatched(text: str, values: list[float]) -> list[str]:
    """The numbers quoted in ``text`` that no shown value gives at the quoted precision."""
    missing = []
    for written, q, half, pct in numbers(text):
        targets = values + ([100 * v for v in values] if pct else [])
        if not any(abs(v - q) <= half * (1 + 1e-9) + 1e-12 for v in targets):
            missing.append(written)
    return missing


def test_the_number_reader():
    found = [(w, v, pct) for w, v, _, pct in numbers(
        "loss 1,763.8848 at −17.3, 6.81e12 and 1e-07; off by 2.3 % in float32, w2, 2δ, t_u²"
    )]
    assert found == [
        ("1,763.8848", 1763.8848, False),
        ("−17.3", -17.3, False),
        ("6.81e12", 6.81e12, False),
        ("1e-07", 1e-7, False),
        ("2.3 %", 2.3, True),
    ]
    assert unmatched("it is 1.86 and 32.2", [1.8632, 32.24]) == []
    assert unmatched("it is 1.8 and 32", [1.8632, 32.24]) == ["1.8"]


def _presets() -> list[tuple[str, int, str]]:
    cases = []
    for info in PAGES:
        presets = importlib.import_module(f"ui.{info.stem}.settings").PRESETS
        cases += [(info.stem, i, p.label) for i, p in enumerate(presets)]
    return cases


PRESETS = _presets()

@pytest.mark.parametrize(
    ("stem", "index"),
    [pytest.param(s, i, id=f"{s}-{label}") for s, i, label in PRESETS],
)
def test_preset_quotes_only_numbers_on_the_page(stem, index):
    info = next(p for p in PAGES if p.stem == stem)
    preset = importlib.import_module(f"ui.{stem}.settings").PRESETS[index]
    at = run_page(info.path)
    at.button(key=f"{stem}.preset.{index}").click().run()
    assert not at.exception, [e.value for e in at.exception]
    boxes = [e.value for e in at.info if e.value.startswith(f"**{preset.label}:**")]
    assert len(boxes) == 1, f"{preset.label}: no look-for box"
    missing = unmatched(boxes[0], shown(at, set(boxes), set()))
    assert not missing, f"{stem} / {preset.label} quotes {missing}, shown nowhere: {boxes[0]}"


def _tour_prose(at, number: int) -> set[str]:
    step = steps()[number - 1]
    return {
        e.value
        for kind in ("markdown", "info", "success")
        for e in getattr(at, kind)
        if "Guided tour" in e.value or step.text == e.value or step.task in e.value
        or step.explain in e.value
    }


@pytest.mark.parametrize("number", range(1, len(steps()) + 1))
def test_tour_step_quotes_only_numbers_on_the_page(number):
    """What the step shows on arrival, and after its task is done and its answer revealed
    (pressing any button the explanation names, as it tells the learner to)."""
    step = steps()[number - 1]
    at = stay(run_page("pages/home.py", {"tour": TOUR, "step": str(number)}))
    skip = {f"tour.guess.{number}"}
    arrived = shown(at, _tour_prose(at, number), skip)
    for key, value in step.solve.items():
        [widget] = [w for kind in ("slider", "number_input", "radio", "selectbox", "toggle",
                                   "select_slider", "multiselect")
                    for w in getattr(at, kind) if w.key == key]
        widget.set_value(value)
    stay(at.run())
    stay(at.radio(key=f"tour.guess.{number}").set_value(step.choices[step.answer]).run())
    for button in at.button:
        if f"“{button.label}”" in step.explain:
            stay(button.click().run())
    assert not at.exception, [e.value for e in at.exception]
    assert [m for m in at.markdown if "Guided tour" in m.value and f"step {number} of" in m.value]
    values = arrived + shown(at, _tour_prose(at, number), skip)
    for part in (step.text, step.task, step.question, *step.choices, step.explain):
        missing = unmatched(part, values)
        assert not missing, f"step {number} ({step.title}) quotes {missing}, shown nowhere: {part}"
