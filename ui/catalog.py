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
    PageInfo(
        "pages/loss_surface.py",
        "The loss surface",
        ":material/landscape:",
        "See the loss as a landscape over (w, b), and how normalizing turns a thin valley into a bowl.",
        "loss_surface",
    ),
    PageInfo(
        "pages/finite_differences.py",
        "Finite differences",
        ":material/calculate:",
        "Nudge, chain rule or autograd: when a nudged slope lies, and why autograd wins.",
        "finite_differences",
    ),
)
