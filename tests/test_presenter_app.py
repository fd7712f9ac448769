"""Presenter mode under AppTest: the "Go deeper" sections and the code panel are left out
(the Chromium test measures the prose that remains), and come back with present=0."""

from __future__ import annotations

import pytest
from conftest import run_page

from ui.catalog import PAGES


def _left_out(at) -> list[str]:
    return [e.label for e in at.expander
            if e.label.startswith("Go deeper:") or e.label == "Show the PyTorch code"]


@pytest.mark.parametrize("info", PAGES, ids=[p.stem for p in PAGES])
def test_presenter_mode_leaves_out_depth_and_code(info):
    at = run_page(info.path, {"present": "1"})
    assert not at.error
    assert not _left_out(at), _left_out(at)
    assert any(info.takeaway in m.value for m in at.markdown)
    at.query_params["present"] = "0"
    at.run()
    assert "Show the PyTorch code" in _left_out(at)
