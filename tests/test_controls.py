"""The declared-controls framework: URL values are read strictly, snapped, and never
interpreted; and one number formatter prints every number."""

from __future__ import annotations

import math

import pytest

from thermo_core.numbers import fmt, parse
from ui.controls import Control, Values, matches

W = Control("w", "w", "slider", 1.0, bounds=(-1.0, 2.0), step=0.001, fmt="%.3f")
NORM = Control("norm", "n", "radio", "none", options=("none", "scale", "standardize"))
PT = Control(
    "pt", "p", "number", 0.0, bounds=lambda v: (-1.0, 1.0) if v["norm"] == "none" else (-5.0, 5.0)
)
TOGGLE = Control("on", "on", "toggle", False)


@pytest.mark.parametrize(
    ("text", "value", "noted"),
    [
        ("0.5", 0.5, False),
        ("2", 2.0, False),
        ("-1", -1.0, False),
        ("5e-1", 0.5, False),
        ("0.5123456789", 0.512, True),  # snapped to the slider's step, and said so
        ("-0", 0.0, False),
    ],
)
def test_plain_numbers_are_read_and_snapped(text, value, noted):
    got, why = W.parse(text, Values())
    assert got == value and (why is not None) == noted
    assert math.copysign(1.0, got) == 1.0 or got != 0  # −0 becomes +0


@pytest.mark.parametrize(
    "text", ["1_0", "١", "１", "nan", "inf", "0x1", " 1", "1e", "abc", "99", "-5", "`x`", ""]
)
def test_odd_numerals_and_out_of_range_values_are_refused(text):
    got, why = W.parse(text, Values())
    assert got is None and why


def test_choice_and_toggle_values_must_match_exactly():
    assert NORM.parse("scale", Values()) == ("scale", None)
    assert NORM.parse("Scale", Values())[0] is None
    assert TOGGLE.parse("1", Values()) == (True, None)
    assert TOGGLE.parse("yes", Values())[0] is None


def test_bounds_may_depend_on_an_earlier_control():
    assert PT.parse("3", Values(norm="scale")) == (3.0, None)
    assert PT.parse("3", Values(norm="none"))[0] is None


def test_url_text_is_the_shortest_exact_form():
    assert W.to_url(1.0) == "1" and W.to_url(0.512) == "0.512" and W.to_url(-0.0) == "0"
    assert TOGGLE.to_url(True) == "1"


def test_matches_compares_numbers_with_tolerance():
    assert matches({"w": 0.1 + 0.2, "norm": "none"}, {"w": 0.3, "norm": "none"})
    assert not matches({"w": 0.31}, {"w": 0.3})


def test_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="unknown kind"):
        Control("x", "x", "dial", 0)


@pytest.mark.parametrize(
    ("x", "text"),
    [
        (1763.88484, "1,763.8848"),
        (1_143_707_500_057_217_130_823_680.0, "1.1437e24"),
        (8.02e-4, "0.0008"),
        (0.0001, "0.0001"),
        (-0.0, "0.0000"),
        (-0.00001, "−1.0000e−5"),
        (9_999_999.0, "9,999,999.0000"),
        (float("nan"), "not a number"),
        (float("inf"), "∞"),
        (float("-inf"), "−∞"),
    ],
)
def test_one_formatter_for_every_number(x, text):
    assert fmt(x) == text
    if math.isfinite(x):
        assert parse(text) == pytest.approx(x, rel=1e-4, abs=5e-5)


def test_significant_digits():
    assert fmt(3.39944e-4, sig=4) == "0.0003399"
    assert fmt(3.39944e-5, sig=4) == "3.399e−5"
    assert fmt(0.0329774, sig=4) == "0.03298"
    assert fmt(33598.9, sig=3) == "33,599"


PICK = Control("pick", "p", "multiselect", ("sgd", "adam"), options=("sgd", "adam", "lbfgs"))
LR = Control("lr", "lr", "select_slider", lambda v: 0.1 if v["norm"] == "none" else 0.5,
             options=(0.1, 0.5, 1.0))


@pytest.mark.parametrize(
    ("text", "value"),
    [("sgd,adam", ("sgd", "adam")), ("lbfgs", ("lbfgs",)), ("adam,sgd", ("adam", "sgd")), ("", ())],
)
def test_multiselect_reads_comma_separated_option_names(text, value):
    assert PICK.parse(text, Values()) == (value, None)
    assert PICK.to_url(value) == text
    assert PICK.accepts(value, Values())


@pytest.mark.parametrize("text", ["sgd,,adam", "SGD", "sgd, adam", "sgd,sgd", "adam,", "`x`"])
def test_multiselect_refuses_anything_but_exact_names_once_each(text):
    got, why = PICK.parse(text, Values())
    assert got is None and why


def test_multiselect_accepts_only_known_options_once():
    assert not PICK.accepts(("sgd", "sgd"), Values())
    assert not PICK.accepts(("rmsprop",), Values())
    assert not PICK.accepts("sgd", Values())


def test_a_default_may_depend_on_an_earlier_control():
    from ui.controls import defaults

    assert LR.initial(Values(norm="none")) == 0.1 and LR.initial(Values(norm="scale")) == 0.5
    assert defaults((NORM, LR)) == {"norm": "none", "lr": 0.1}
