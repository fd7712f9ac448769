"""The app's pages in teaching order: one list read by the navigation, the sidebar, the
next-page links, the guided tour and the tests.

A page's *stem* names it in every layer: ``pages/<stem>.py``, ``ui/<stem>/``,
``thermo_core/lessons/<stem>.py`` (where it has page-specific maths) and
``tests/test_<stem>_{core,app,browser}.py``. It is also the page's URL path, except for
Home: Streamlit serves the default page at ``/`` only, so a link to Home is ``/?w=…``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PageInfo:
    """A page: its stem, title, icon, the sidebar line and its one-sentence takeaway."""

    stem: str
    title: str
    icon: str
    learn: str
    takeaway: str

    @property
    def path(self) -> str:
        """The page file, relative to the repo root."""
        return f"pages/{self.stem}.py"

    @property
    def url_path(self) -> str:
        """The page's name in Streamlit's navigation. Every page but Home is served at
        ``/<stem>``; Home, the default page, is served at ``/`` only (once the app has been
        opened, ``/home`` answers "Page not found"), so links to Home use ``/``."""
        return self.stem


PAGES: tuple[PageInfo, ...] = (
    PageInfo(
        "home",
        "The mystery thermometer",
        ":material/thermostat:",
        "Fit a line by hand, then let least squares reveal the unit.",
        "Learning means choosing w and b so a line's squared misses, averaged into one "
        "number, the loss, are as small as they can be.",
    ),
    PageInfo(
        "loss_surface",
        "The loss surface",
        ":material/landscape:",
        "See the loss as a landscape over (w, b), and how normalizing turns a thin valley into a bowl.",
        "Every (w, b) has a loss; gradient descent walks downhill on that landscape, and "
        "scaling the inputs decides whether it is a thin valley or a round bowl.",
    ),
    PageInfo(
        "finite_differences",
        "Finite differences",
        ":material/calculate:",
        "Nudge, chain rule or autograd: when a nudged slope lies, and why autograd wins.",
        "Nudging a parameter by δ estimates the gradient, but too large a δ bends the "
        "answer and too small a δ drowns it in rounding; autograd is exact and cheap.",
    ),
    PageInfo(
        "divergence",
        "Divergence at high learning rates",
        ":material/trending_up:",
        "Push the learning rate past its critical value and watch training blow up.",
        "Each step scales the distance to the minimum by |1 − lr·λ| along each curvature "
        "direction; past lr = 2/λ_max the steepest direction overshoots further every step "
        "and the loss blows up.",
    ),
    PageInfo(
        "autograd",
        "Autograd under the hood",
        ":material/account_tree:",
        "See the graph PyTorch records, the chain rule it runs, and the mistakes that ruin training.",
        "PyTorch records every operation on params as a graph; backward() runs the chain rule "
        "back through it and adds the result into .grad, so you must zero .grad and update "
        "params outside the graph.",
    ),
    PageInfo(
        "optimizers",
        "Optimizer comparison",
        ":material/sports_score:",
        "Race real torch.optim optimizers on the chapter's data, raw or normalized.",
        "Plain SGD needs normalized inputs to get near the best fit; momentum gets there fast "
        "with a rate tuned to the inputs, and Adam's edge is that one rate works on raw and "
        "normalized readings alike.",
    ),
    PageInfo(
        "overfitting",
        "Training vs. validation: overfitting",
        ":material/call_split:",
        "Hold readings out, watch training and validation losses part, and catch the leak.",
        "A model can keep fitting its training readings better while doing worse on readings "
        "it never saw; only a held-out validation set, kept out of every gradient, shows it.",
    ),
)


def page_info(stem: str) -> PageInfo:
    """The catalog entry of ``stem``."""
    for page in PAGES:
        if page.stem == stem:
            return page
    raise KeyError(f"no page {stem!r}; pages: {', '.join(p.stem for p in PAGES)}")


def next_page(stem: str) -> PageInfo:
    """The page after ``stem`` in teaching order; after the last comes Home again."""
    stems = [p.stem for p in PAGES]
    return PAGES[(stems.index(stem) + 1) % len(PAGES)]
