"""A learner's own readings through the app: pasted on Home, used by every page, carried by
a link, refused with a row-by-row message when bad, and left again from the sidebar.

The expected numbers come from tests/reference.py (plain-Python float64 maths), never from
thermo_core.
"""

from __future__ import annotations

import pytest
from conftest import as_number, metric_value, run_page
from reference import f32, grad64, hessian_eigs64, lstsq64, mse64, run_printed

from ui.catalog import PAGES

T_U = [1.0, 2.0, 3.0, 4.0, 5.0]
T_C = [2.0, 4.1, 5.9, 8.2, 9.7]
PASTED = "t_u;t_c\n" + "\n".join(f"{u:g};{c:g}".replace(".", ",") for u, c in zip(T_U, T_C, strict=True))
LINK = "~".join(f"{u:g}_{c:g}" for u, c in zip(T_U, T_C, strict=True))
XS, YS = [f32(x) for x in T_U], [f32(y) for y in T_C]


def _button(at, label: str):
    [button] = [b for b in at.button if b.label == label]
    return button


def _paste(at, text: str):
    at.text_area(key="home.own.paste").input(text).run()
    return _button(at, "Use these readings").click().run()


def _sidebar_text(at) -> str:
    return " ".join(t.value for t in at.sidebar.caption)


def _close(shown: str, want: float, rel: float = 1e-3) -> bool:
    return as_number(shown) == pytest.approx(want, rel=rel, abs=1e-9)


def test_pasted_readings_reach_every_page_and_its_numbers():
    at = _paste(run_page("pages/home.py"), PASTED)
    assert not at.exception
    assert at.query_params["data"] == LINK
    assert "your own 5 readings" in _sidebar_text(at)
    w, b = at.slider[0].value, at.slider[1].value
    assert _close(metric_value(at, "MSE of your line"), mse64(w, b, XS, YS))
    printed = run_printed(at.code[-1].value, "<home code panel>")  # the readings written out
    assert printed["mse"] == pytest.approx(mse64(w, b, XS, YS), rel=1e-5)
    w_best, b_best = lstsq64(XS, YS)
    lo_min, lo_max = hessian_eigs64(XS)
    for page in PAGES:
        at.switch_page(f"pages/{page.stem}.py").run()
        assert not at.exception, (page.stem, [e.value for e in at.exception])
        assert at.query_params["data"] == LINK, page.stem
        code = at.code[-1].value if page.stem != "finite_differences" else "".join(
            c.value for c in at.code
        )
        assert "the 5 readings in use" in code, page.stem
        if page.stem == "loss_surface":
            assert _close(metric_value(at, "Loss at the point"), mse64(1.0, 0.0, XS, YS))
            assert _close(metric_value(at, "∂L/∂w"), grad64(1.0, 0.0, XS, YS)[0])
            assert _close(metric_value(at, "λ_max"), lo_max)
            assert _close(metric_value(at, "Condition number κ"), lo_max / lo_min)
        if page.stem == "autograd":
            assert _close(metric_value(at, "dL/db"), grad64(1.0, 0.0, XS, YS)[1])
        if page.stem == "divergence":
            assert _close(metric_value(at, "lr ÷ critical lr").rstrip("×"), 0.01 / (2 / lo_max), rel=5e-3)
    at.switch_page("pages/home.py").run()
    _button(at, "Reveal the least-squares fit").click().run()
    assert _close(metric_value(at, "Best w"), w_best) and _close(metric_value(at, "Best b"), b_best)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1,2\n3,x\n5,6", "Row 2, column 2 (t_c): 'x' is not a number."),
        ("1,2\n3,nan\n5,6", "Row 2, column 2 (t_c): 'nan' is not a finite number."),
        ("1,2\n3,4\n5,1e400", "Row 3, column 2 (t_c): 1e400 is beyond ±1e+15"),
        ("1,2\n3,4", "Only 2 rows: at least 3 are needed."),
        ("1,2\n3,4\n1,5", "Row 3, column 1 (t_u): 1 repeats the t_u of row 1"),
        ("2,1\n2,2\n2,3", "Every t_u is 2.0: with no spread in t_u a line has no slope"),
        ("1,2\n35,7,0,5\n3,4\n5,6", "Row 2: this looks like decimal commas"),
        ("1,2,3\n3,4\n5,6", "Row 1: expected 2 columns"),
        ("\n".join(f"{i},{i % 3}" for i in range(10_001)), "10001 rows: at most 10,000 are used."),
    ],
)
def test_bad_input_is_listed_and_the_books_readings_stay(text, message):
    at = _paste(run_page("pages/home.py"), text)
    assert not at.exception and not at.error
    assert at.warning and "cannot be used yet" in at.warning[0].value
    assert any(message in t.value for t in at.text), [t.value for t in at.text]
    assert "the book's 11 readings" in _sidebar_text(at)
    assert "data" not in at.query_params


def test_a_markdown_paste_is_shown_as_plain_text():
    at = _paste(run_page("pages/home.py"), "**bold**,<b>x</b>\n1,2\n3,4\n5,[a](http://e.x)")
    listed = "\n".join(t.value for t in at.text)
    assert "Row 4, column 2 (t_c): '[a](http://e.x)' is not a number." in listed
    assert "Row 1 was read as a header: **bold**,<b>x</b>" in listed
    assert not any("http://e.x" in m.value for m in at.markdown)


def test_a_link_carries_the_readings_to_any_page():
    at = run_page("pages/overfitting.py", {"data": LINK})
    assert "your own 5 readings" in _sidebar_text(at)
    at.switch_page("pages/loss_surface.py").run()
    assert at.query_params["data"] == LINK
    assert _close(metric_value(at, "Loss at the point"), mse64(1.0, 0.0, XS, YS))


def test_a_bad_link_is_refused_in_plain_text():
    at = run_page("pages/home.py", {"data": "1_2~1_3~1_4"})
    assert at.warning and "could not use" in at.warning[0].value
    assert any("Every t_u is 1.0" in t.value for t in at.text)
    assert "the book's 11 readings" in _sidebar_text(at)
    assert "data" not in at.query_params


def test_the_sidebar_goes_back_to_the_books_readings():
    at = run_page("pages/autograd.py", {"data": LINK})
    _button(at.sidebar, "Back to the book's readings").click().run()
    assert "the book's 11 readings" in _sidebar_text(at)
    assert "data" not in at.query_params
    assert metric_value(at, "loss") == "1,763.8848"  # the chapter's printed loss at w=1, b=0


def test_a_preset_switches_back_to_the_book_and_says_so():
    at = run_page("pages/home.py", {"data": LINK})
    _button(at, "The chapter's start").click().run()
    assert "the book's 11 readings" in _sidebar_text(at)
    assert any("book's 11 readings are in use again" in i.value for i in at.info)


def test_a_generated_set_states_its_seed_and_travels_in_the_link():
    at = run_page("pages/home.py")
    at.radio(key="home.own.source").set_value("A generated set").run()
    at.radio(key="home.own.generated").set_value("second_thermometer").run()
    assert "a second thermometer (generated, seed 4)" in _sidebar_text(at)
    assert at.query_params["data"].count("~") == 19
    _button(at, "Reveal the least-squares fit").click().run()
    assert any("Réaumur" in m.value for m in at.markdown)


def test_large_readings_stay_in_the_session_and_the_page_says_so():
    rows = "\n".join(f"{i},{2 * i + 1}" for i in range(60))
    at = _paste(run_page("pages/home.py"), rows)
    assert "your own 60 readings" in _sidebar_text(at)
    assert "data" not in at.query_params
    assert any("more than a link carries" in i.value for i in at.info)
