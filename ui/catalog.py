"""The app's pages in teaching order: one list read by the navigation and the sidebar."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PageInfo:
    """A page: its file, title, icon and the one line on what a learner takes from it."""

    path: str
    title: str
    icon: str
    learn: str
    url_path: str


PAGES: tuple[PageInfo, ...] = (
    PageInfo(
        "pages/home.py",
        "The mystery thermometer",
        ":material/thermostat:",
        "Fit a line by hand, then let least squares reveal the unit.",
        "home",
    ),
)
