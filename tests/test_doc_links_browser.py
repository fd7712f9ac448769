"""Every app link in the lesson plan (docs/walkthrough.md) and the README opens its page in
Chromium, through the real server's URL routing, after the app has been opened at ``/``.

AppTest's ``switch_page`` goes straight to a page file and skips routing, so it cannot see
that Streamlit serves the default page (Home) only at ``/``: once the app has been opened,
``/home?…`` answers "Page not found".
"""

from __future__ import annotations

import re
import urllib.parse

import pytest
from conftest import ROOT, wait_for_app

from ui.catalog import PAGES, page_info
from ui.tour_steps import steps

GUIDE = (ROOT / "docs" / "walkthrough.md").read_text()
README = (ROOT / "README.md").read_text()
LOCAL = "http://localhost:8501"
# Links in the guide, and the README's query-string examples (`?tour=…`), which open Home.
LINKS = re.findall(r"\((http://localhost:8501/[^)\s]*)\)", GUIDE) + re.findall(
    r"\((http://localhost:8501/[^)\s]*)\)", README
) + [f"{LOCAL}/{q}" for q in re.findall(r"`(\?[a-z_]+=[^`\s]*)`", README)]
TITLES = {("" if i == 0 else p.stem): p.title for i, p in enumerate(PAGES)}


def _title(stem: str) -> str:
    return page_info(stem).title


def test_the_documents_have_links():
    assert len(LINKS) >= 12, LINKS


def test_every_document_link_opens_its_page_after_the_app_was_opened(page, app_url):
    page.goto(f"{app_url}/")
    wait_for_app(page)
    failures = []
    for link in LINKS:
        parts = urllib.parse.urlsplit(link)
        page.goto(f"{app_url}{parts.path}{'?' + parts.query if parts.query else ''}")
        wait_for_app(page)
        page.wait_for_timeout(300)
        body = page.locator("body").inner_text()
        query = dict(urllib.parse.parse_qsl(parts.query))
        stem = steps()[int(query["step"]) - 1].page if "tour" in query else None
        want = TITLES.get(parts.path.strip("/")) if stem is None else _title(stem)
        heading = page.locator("h1").first.inner_text() if page.locator("h1").count() else ""
        if "Page not found" in body or want is None or heading != want:
            failures.append((link, heading, "Page not found" in body))
    assert not failures, failures


@pytest.mark.parametrize("path", ["/home"])
def test_the_default_page_is_not_linked_by_name(path):
    """The documents never link Home by its stem (see the module docstring)."""
    assert not [u for u in LINKS if urllib.parse.urlsplit(u).path == path]
