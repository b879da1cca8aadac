"""The grid of Handlungsempfehlungen × Lebensphasen shared by the matrix, a profile's coverage and the heat map.

One table in the markup, two layouts in ``grids.css``: from 70em wide a table whose columns share the
width (labels wrap, nothing scrolls sideways); narrower, one block per Handlungsempfehlung that lists
the life phases, each cell naming its phase (``gaa-cell-phase``, hidden in the table layout, where the
column header says it).  Both work by keyboard and without JavaScript: the cells hold ordinary links.
"""

from __future__ import annotations

from typing import Callable, Sequence

from moin_gaa.core.vocabulary import Term

from ._html import E

CORNER = "Handlungsempfehlung \\ Lebensphase"


def grid(
    caption: str,
    recommendations: Sequence[Term],
    phases: Sequence[Term],
    cell: Callable[[Term, Term], tuple[object, str]],
    *,
    css: str = "",
    region_label: str = "",
):
    """The grid's region; ``cell(recommendation, phase)`` gives a cell's (content, CSS classes)."""

    def td(rec: Term, phase: Term):
        content, classes = cell(rec, phase)
        return E("td", E("span", phase.label, class_="gaa-cell-phase"), content, class_=classes)

    head = E("tr", E("th", CORNER, scope="col"), [E("th", p.label, scope="col") for p in phases])
    rows = [E("tr", E("th", rec.label, scope="row"), [td(rec, phase) for phase in phases]) for rec in recommendations]
    return E(
        "div",
        E("table", E("caption", caption), E("thead", head), E("tbody", rows), class_=" ".join(("gaa-matrix gaa-grid", css)).strip()),
        class_="gaa-grid-region",
        tabindex="0",
        role="region",
        aria_label=region_label or caption,
    )
