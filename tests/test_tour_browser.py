"""The guided tour in Chromium: a page link during the tour opens that page (the tour is
left, and says so), and "Resume tour" goes back to the step. AppTest can only imitate a
link with ``switch_page``; here the sidebar's and the "Next:" links are really clicked.
"""

from __future__ import annotations

import pytest
from conftest import open_page, wait_for_app

from ui.catalog import next_page, page_info
from ui.tour_steps import TOUR, steps


def _heading(tab) -> str:
    return tab.locator("h1").first.inner_text()


@pytest.mark.parametrize("where", ["sidebar", "next"])
def test_a_link_during_the_tour_opens_its_page_and_the_tour_can_resume(page, app_url, where):
    step = steps()[1]
    open_page(page, app_url, "", f"tour={TOUR}&step=2")
    assert _heading(page) == page_info(step.page).title
    target = next_page(step.page)
    if where == "sidebar":
        page.locator("[data-testid='stSidebar']").get_by_text(target.title).first.click()
    else:
        page.get_by_text(f"Next: {target.title}").click()
    page.wait_for_function(
        "t => document.querySelector('h1') && document.querySelector('h1').innerText === t",
        arg=target.title,
    )
    wait_for_app(page)
    assert page.get_by_text("You left the guided tour at step 2").count() == 1
    assert page.get_by_text("Guided tour · step").count() == 0
    page.get_by_role("button", name="Resume tour").click()
    page.wait_for_function(
        "t => document.querySelector('h1') && document.querySelector('h1').innerText === t",
        arg=page_info(step.page).title,
    )
    wait_for_app(page)
    assert page.get_by_text("Guided tour · step 2 of").count() == 1
    assert "step=2" in page.url
