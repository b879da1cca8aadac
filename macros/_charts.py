"""Server-rendered SVG charts, always with the same numbers as a table (screen readers, print).

Numbers are printed at the bars; colour only adds.  Used by the Partnerverzeichnis (Kommunen je
Land) and the Auswertung of discussions (Beiträge je Tag).
"""

from __future__ import annotations

from typing import Sequence

from ._html import E

BAR_HEIGHT = 22
LABEL_WIDTH = 190
CHART_WIDTH = 560
COLUMN_AREA_HEIGHT = 160
LABEL_SPACING = 48
BAR_COLOUR = "#005a66"


def _figure(chart, title: str, caption: str, columns: tuple[str, str], rows: Sequence[tuple[str, int]], class_: str = "gaa-chart"):
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
    """Horizontal bars, one per row (label, count)."""
    most = max((c for _l, c in rows), default=0) or 1
    bars = []
    for i, (label, count) in enumerate(rows):
        y = i * BAR_HEIGHT
        width = max(int((CHART_WIDTH - LABEL_WIDTH - 40) * count / most), 1)
        bars.append(E(
            "g",
            E("text", label, x=str(LABEL_WIDTH - 6), y=str(y + 15), text_anchor="end", font_size="13"),
            E("rect", x=str(LABEL_WIDTH), y=str(y + 3), width=str(width), height=str(BAR_HEIGHT - 6), fill=BAR_COLOUR),
            E("text", str(count), x=str(LABEL_WIDTH + width + 5), y=str(y + 15), font_size="13"),
        ))
    chart = E("svg", E("title", title, id=f"{chart_id}-titel"), bars, xmlns="http://www.w3.org/2000/svg",
              viewBox=f"0 0 {CHART_WIDTH} {max(BAR_HEIGHT * len(rows), BAR_HEIGHT)}", width="100%", role="img",
              aria_labelledby=f"{chart_id}-titel", class_="gaa-chart")
    return _figure(chart, title, caption, columns, rows)


def column_chart(chart_id: str, title: str, caption: str, columns: tuple[str, str], rows: Sequence[tuple[str, int]]):
    """Vertical columns over time, one per row (short label such as „26.11.“, count)."""
    most = max((c for _l, c in rows), default=0) or 1
    step = max(CHART_WIDTH // max(len(rows), 1), 6)
    width = step * len(rows)
    parts = [E("line", x1="0", y1=str(COLUMN_AREA_HEIGHT), x2=str(width), y2=str(COLUMN_AREA_HEIGHT), stroke="#888")]
    label_every = max(-(-LABEL_SPACING // step), 1)  # labels at least LABEL_SPACING apart
    for i, (label, count) in enumerate(rows):
        height = int((COLUMN_AREA_HEIGHT - 20) * count / most)
        x = i * step
        parts.append(E("rect", x=str(x + 1), y=str(COLUMN_AREA_HEIGHT - height), width=str(max(step - 2, 1)), height=str(height),
                       fill=BAR_COLOUR))
        if count and step >= 14:
            parts.append(E("text", str(count), x=str(x + step // 2), y=str(COLUMN_AREA_HEIGHT - height - 4), text_anchor="middle",
                           font_size="11"))
        if i % label_every == 0:
            parts.append(E("text", label, x=str(x + step // 2), y=str(COLUMN_AREA_HEIGHT + 14), text_anchor="middle", font_size="11"))
    chart = E("svg", E("title", title, id=f"{chart_id}-titel"), parts, xmlns="http://www.w3.org/2000/svg",
              viewBox=f"0 0 {max(width, 1)} {COLUMN_AREA_HEIGHT + 20}", width="100%", role="img",
              aria_labelledby=f"{chart_id}-titel", class_="gaa-chart")
    return _figure(chart, title, caption, columns, rows)
