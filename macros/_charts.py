"""Server-rendered SVG charts, always with the same numbers as a table (screen readers, print).

Numbers are printed at the bars; colour only adds.  Used by the Partnerverzeichnis (Kommunen je
Land) and the Auswertung of discussions (Beiträge je Tag).

Every text stays inside the viewBox: its width is estimated generously (:func:`text_width`) and
labels are placed, clamped and thinned out by that estimate.  A chart is drawn at its natural size
(``width``/``height`` = the viewBox; grids.css lets it shrink in a narrow column, never grow), and a
column or bar never grows beyond a fixed size: one day is one narrow column with its label.
"""

from __future__ import annotations

from math import ceil
from typing import Sequence

from ._html import E

FONT_SIZE = 13  # labels and counts of the bar chart
SMALL_FONT_SIZE = 12  # day labels and counts of the column chart
CHAR_WIDTH_EM = 0.62  # a generous average glyph width of the UI's sans-serif fonts (digits ≈ 0.55 em)
PAD = 6
BAR_COLOUR = "#005a66"

ROW_HEIGHT = 24  # bar chart: one row per label
BAR_THICKNESS = 16
BAR_AREA = 180  # the longest bar

COLUMN_AREA_WIDTH = 400  # column chart: columns share this width (narrow enough to stay legible on a phone) …
MAX_STEP = 56  # … but a column's slot is never wider than this
MAX_COLUMN_WIDTH = 32
COLUMN_AREA_HEIGHT = 150  # from the axis up to the top of the chart
LABEL_GAP = 10  # the least space between two day labels


def text_width(text: str, font_size: int) -> float:
    """The width a text needs at most (estimated from its length)."""
    return len(text) * CHAR_WIDTH_EM * font_size


def _svg(chart_id: str, title: str, width: int, height: int, parts):
    return E("svg", E("title", title, id=f"{chart_id}-titel"), parts, xmlns="http://www.w3.org/2000/svg",
             viewBox=f"0 0 {width} {height}", width=str(width), height=str(height), role="img",
             aria_labelledby=f"{chart_id}-titel", class_="gaa-chart")


def _figure(chart, title: str, caption: str, columns: tuple[str, str], rows: Sequence[tuple[str, int]]):
    table = E(
        "details",
        E("summary", "Zahlen als Tabelle"),
        E(
            "table",
            E("caption", title),
            E("thead", E("tr", E("th", columns[0], scope="col"), E("th", columns[1], scope="col"))),
            E("tbody", [E("tr", E("th", label, scope="row"), E("td", str(count))) for label, count in rows]),
        ),
    )
    return E("figure", chart, E("figcaption", caption), table, class_="gaa-figure")


def bar_chart(chart_id: str, title: str, caption: str, columns: tuple[str, str], rows: Sequence[tuple[str, int]]):
    """Horizontal bars, one per row (label, count): labels right-aligned before the bars, counts after them."""
    most = max((c for _l, c in rows), default=0) or 1
    label_width = ceil(max((text_width(label, FONT_SIZE) for label, _c in rows), default=0))
    count_width = ceil(max((text_width(str(count), FONT_SIZE) for _l, count in rows), default=0))
    bars_x = PAD + label_width + PAD
    width = bars_x + BAR_AREA + 4 + count_width + PAD
    baseline = (ROW_HEIGHT + FONT_SIZE) // 2 - 2
    bars = []
    for i, (label, count) in enumerate(rows):
        y = i * ROW_HEIGHT
        length = max(round(BAR_AREA * count / most), 1)
        bars.append(E(
            "g",
            E("text", label, x=str(bars_x - PAD), y=str(y + baseline), text_anchor="end", font_size=str(FONT_SIZE)),
            E("rect", x=str(bars_x), y=str(y + (ROW_HEIGHT - BAR_THICKNESS) // 2), width=str(length),
              height=str(BAR_THICKNESS), fill=BAR_COLOUR),
            E("text", str(count), x=str(bars_x + length + 4), y=str(y + baseline), font_size=str(FONT_SIZE)),
        ))
    chart = _svg(chart_id, title, width, max(ROW_HEIGHT * len(rows), ROW_HEIGHT), bars)
    return _figure(chart, title, caption, columns, rows)


def column_chart(chart_id: str, title: str, caption: str, columns: tuple[str, str], rows: Sequence[tuple[str, int]]):
    """Vertical columns over time, one per row (short label such as „26.11.“, count).

    Up to COLUMN_AREA_WIDTH // MAX_STEP rows keep their full slot; more rows share the width.  Labels
    stand under their column where there is room for them (at least LABEL_GAP apart, inside the chart).
    """
    most = max((c for _l, c in rows), default=0) or 1
    step = min(COLUMN_AREA_WIDTH / max(len(rows), 1), MAX_STEP)
    column = min(max(step - 2, 1), MAX_COLUMN_WIDTH)
    widest_label = max((text_width(label, SMALL_FONT_SIZE) for label, _c in rows), default=0)
    width = ceil(max(step * len(rows), widest_label + 2))
    axis = COLUMN_AREA_HEIGHT
    tallest = COLUMN_AREA_HEIGHT - SMALL_FONT_SIZE - 8  # room for the count above the tallest column
    parts = [E("line", x1="0", y1=str(axis), x2=str(width), y2=str(axis), stroke="#888")]
    free_from = 0.0  # the next label may start here
    for i, (label, count) in enumerate(rows):
        centre = (i + 0.5) * step
        height = round(tallest * count / most)
        parts.append(E("rect", x=_num(centre - column / 2), y=str(axis - height), width=_num(column), height=str(height),
                       fill=BAR_COLOUR))
        if count and text_width(str(count), SMALL_FONT_SIZE) <= step:
            parts.append(E("text", str(count), x=_num(centre), y=str(axis - height - 4), text_anchor="middle",
                           font_size=str(SMALL_FONT_SIZE)))
        half = text_width(label, SMALL_FONT_SIZE) / 2
        x = min(max(centre, half + 1), width - half - 1)  # the first and the last label stay inside
        if x - half >= free_from:
            parts.append(E("text", label, x=_num(x), y=str(axis + SMALL_FONT_SIZE + 4), text_anchor="middle",
                           font_size=str(SMALL_FONT_SIZE)))
            free_from = x + half + LABEL_GAP
    chart = _svg(chart_id, title, width, axis + SMALL_FONT_SIZE + 10, parts)
    return _figure(chart, title, caption, columns, rows)


def _num(value: float) -> str:
    """A coordinate with at most one decimal („12“, „12.5“)."""
    return f"{value:.1f}".removesuffix(".0")
