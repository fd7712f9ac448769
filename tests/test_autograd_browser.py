"""The autograd page in a real Chromium: the graph is drawn from grad_fn and grows with
the model, the backward() button doubles .grad, and a phone never pans sideways."""

from __future__ import annotations

import pytest
from conftest import SCREENSHOTS, metric_text, open_page, screenshot, wait_for_app, wait_for_metric

import thermo_core as tc
from thermo_core.lessons import autograd as ag
from thermo_core.numbers import fmt

pytestmark = pytest.mark.browser
GRAPH = "[data-testid='stGraphVizChart'] svg g.node"


def _node_texts(tab) -> list[str]:
    tab.locator(GRAPH).first.wait_for()
    return tab.locator(GRAPH).evaluate_all(
        "ns => ns.map(n => [...n.querySelectorAll('text')].map(t => t.textContent).join('|'))"
    )


def test_graph_is_drawn_from_grad_fn_and_grows_with_the_model(page, app_url):
    open_page(page, app_url, "autograd")
    texts = _node_texts(page)
    line = ag.loss_graph(tc.book(), 1.0, 0.0)
    assert len(texts) == len(line.nodes)
    assert sorted(t.split(":")[0] for t in texts) == sorted(line.ops)
    assert any("[4,517.3, 82.6]" in t for t in texts), texts
    page.get_by_text("w·t_u + b + w2·t_u²").click()
    wait_for_app(page)
    page.wait_for_function(
        f"() => document.querySelectorAll(\"{GRAPH}\").length === "
        f"{len(ag.loss_graph(tc.book(), 1.0, 0.0, w2=0.0).nodes)}"
    )
    assert "ag_model=quad" in page.url
    screenshot(page, "autograd-quad")


def test_backward_again_doubles_grad_and_zero_clears_it(page, app_url):
    open_page(page, app_url, "autograd")
    rows = ag.accumulation(tc.book(), 1.0, 0.0, 2)
    assert metric_text(page, "params.grad[0]") == fmt(rows["grad_w"][0])
    page.get_by_role("button", name="Call backward() again").click()
    wait_for_metric(page, "params.grad[0]", fmt(rows["grad_w"][1]))
    page.get_by_role("button", name="params.grad.zero_()").click()
    wait_for_metric(page, "params.grad[0]", fmt(0.0))


def test_phone_shows_the_whole_graph_without_sideways_pan(browser, app_url):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    tab = context.new_page()
    try:
        open_page(tab, app_url, "autograd")
        svg = tab.locator("[data-testid='stGraphVizChart'] svg")
        svg.wait_for()
        box = svg.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
        sizes = tab.evaluate(
            "() => { const m = document.querySelector(\"[data-testid='stMain']\");"
            " return [m.scrollWidth, m.clientWidth]; }"
        )
        assert sizes[0] <= sizes[1], sizes
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        screenshot(tab, "autograd-phone-full")
    finally:
        context.close()
