"""Every link in the instructor's guide (docs/walkthrough.md) opens its page under AppTest
with exactly those settings, and without the note about unusable link settings."""

from __future__ import annotations

import re
import urllib.parse

import pytest
from conftest import ROOT, run_page

from ui.catalog import PAGES

GUIDE = (ROOT / "docs" / "walkthrough.md").read_text()
LINKS = re.findall(r"\((http://localhost:8501/[^)\s]+)\)", GUIDE)
STEMS = {p.stem: p for p in PAGES}
STEMS[""] = PAGES[0]  # Home, the default page, is served at / (never /home: see the browser test)


def test_the_guide_links_every_page():
    assert len(LINKS) >= 10
    linked = {STEMS[urllib.parse.urlsplit(u).path.strip("/")].stem for u in LINKS}
    assert linked == {p.stem for p in PAGES}, linked


@pytest.mark.parametrize("url", LINKS)
def test_guide_link_opens_that_view(url):
    parts = urllib.parse.urlsplit(url)
    info = STEMS[parts.path.strip("/")]
    query = dict(urllib.parse.parse_qsl(parts.query))
    at = run_page(info.path, query)
    assert (not at.error and not at.warning) or all(
        "could not use" not in w.value for w in at.warning
    ), [w.value for w in at.warning]
    assert not at.text, [t.value for t in at.text]  # no note about an unusable setting
    for key, value in query.items():
        assert at.query_params.get(key) in (value, None), (key, at.query_params.get(key))


def test_numbers_the_guide_quotes_are_the_apps():
    import thermo_core as tc
    from thermo_core.numbers import fmt

    t_u, t_c = tc.load_readings()
    raw = t_u.double()
    quotes = {
        f"about {fmt(tc.best_mse(t_u, t_c), 2)}": True,
        f"about {fmt(round(tc.curvature(raw).condition_number, -2), 0)}": True,
        f"condition number {fmt(tc.curvature(tc.normalize(raw, 'standardize')).condition_number, 1)}": True,
        f"epoch {tc.train(t_u, t_c, optimizer='manual', lr=1e-2).diverged_at}": True,
        f"critical {fmt(tc.critical_lr(raw), sig=2, trim=True)}": True,
        f"about {fmt(tc.critical_lr(tc.normalize(raw, 'scale')), sig=2, trim=True)}": True,
    }
    for quote in quotes:
        assert quote in GUIDE, quote


def test_the_guide_reads_the_best_line_backwards_as_the_app_does():
    from reference import lstsq64

    w, b = lstsq64()
    assert f"t_u ≈ {1 / w:.3f}·t_c + {-b / w:.2f}" in GUIDE
