"""Hostile links on every page (issue 9, section 2, item 1): a URL value is data.

Under AppTest the payload may appear only in plain-text elements (st.text), never in
an element Streamlit renders as markdown, where a backtick could close a code span and
open a live link or an image fetched from another site.
"""

from __future__ import annotations

import importlib

import pytest
from conftest import run_page

from ui.catalog import PAGES

PAYLOADS = (
    "x` [click me](https://example.com) `",
    "`![t](https://example.com/t.png)`",
    "<a href='https://example.com'>x</a>",
)


def _markdown_bodies(at) -> list[str]:
    bodies = [m.value for m in at.markdown] + [c.value for c in at.caption]
    for kind in ("warning", "info", "success", "error"):
        bodies += [e.value for e in getattr(at, kind)]
    return bodies


@pytest.mark.parametrize("info", PAGES, ids=[p.stem for p in PAGES])
@pytest.mark.parametrize("payload", PAYLOADS)
def test_link_values_appear_only_as_plain_text(info, payload):
    keys = [c.key for c in importlib.import_module(f"ui.{info.stem}.settings").CONTROLS]
    at = run_page(info.path, {k: payload for k in keys})
    assert not at.error
    assert not any("example.com" in body for body in _markdown_bodies(at))
    plain = " ".join(t.value for t in at.text)
    assert "example.com" in plain, "the page should say which value it could not use"
    kept = [k for k in keys if k in at.query_params]
    assert not kept, f"unusable values stay in the URL: {kept}"
