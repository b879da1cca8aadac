"""The SVG charts (macros/_charts.py): every label inside the viewBox, columns and bars of bounded size.

The browser test (test_browser_small_screens) measures the same in the rendered page with getBBox.
"""

from datetime import date, timedelta

import pytest

from macros._charts import (
    BAR_AREA,
    COLUMN_AREA_HEIGHT,
    MAX_COLUMN_WIDTH,
    SMALL_FONT_SIZE,
    bar_chart,
    column_chart,
    text_width,
)
from moin_gaa.core.german_dates import day_month
from moin_gaa.core.vocabulary import LAENDER


def elements(node, tag: str) -> list[tuple[dict, str]]:
    """(attributes, text) of every ``tag`` element below ``node`` (moin's element tree)."""
    found = []
    for child in node:
        if isinstance(child, str):
            continue
        if child.tag.name == tag:
            found.append(({k.name: v for k, v in child.attrib.items()}, "".join(c for c in child if isinstance(c, str))))
        found.extend(elements(child, tag))
    return found


def svg_of(figure) -> tuple[dict, float, float]:
    (attrs, _), = elements(figure, "svg")
    x0, y0, width, height = (float(v) for v in attrs["viewBox"].split())
    assert (x0, y0) == (0, 0) and attrs["width"] == attrs["viewBox"].split()[2]  # drawn at its natural size
    return attrs, width, height


def extent(attrs: dict, text: str) -> tuple[float, float]:
    """Left and right edge of a text element, from its anchor and the estimated width."""
    x, width = float(attrs["x"]), text_width(text, int(attrs["font-size"]))
    anchor = attrs.get("text-anchor", "start")
    left = {"start": x, "middle": x - width / 2, "end": x - width}[anchor]
    return left, left + width


def days(n: int, start: date = date(2026, 9, 2)) -> list[tuple[str, int]]:
    return [(day_month(start + timedelta(days=i)), (i * 7) % 4) for i in range(n)]


@pytest.mark.parametrize("rows", [days(1), days(2), days(10), days(29), days(89), [(f"KW {w}/2026", w % 5) for w in range(1, 40)]],
                         ids=["1 Tag", "2 Tage", "10 Tage", "29 Tage", "89 Tage", "39 Wochen"])
def test_column_chart_labels_stay_inside_and_columns_stay_narrow(rows):
    figure = column_chart("verlauf", "Beiträge je Tag", "Beiträge je Tag", ("Tag", "Beiträge"), rows)
    _, width, height = svg_of(figure)
    texts = elements(figure, "text")
    labels = [(a, t) for a, t in texts if float(a["y"]) > COLUMN_AREA_HEIGHT]  # below the axis
    assert labels and labels[0][1] == rows[0][0]  # the first day is always labelled …
    edges = [extent(a, t) for a, t in labels]
    for (left, right), (_a, text) in zip(edges, labels):
        assert 0 <= left and right <= width, f"„{text}“ reaches {left:.0f}…{right:.0f}, viewBox 0…{width:.0f}"
    for (_l, right), (left, _r) in zip(edges, edges[1:]):
        assert right < left, "two labels overlap"
    for attrs, text in texts:
        assert 0 <= float(attrs["y"]) - SMALL_FONT_SIZE and float(attrs["y"]) <= height, text
    rects = elements(figure, "rect")
    assert len(rects) == len(rows)
    for attrs, _ in rects:
        assert 0 < float(attrs["width"]) <= MAX_COLUMN_WIDTH
        assert 0 <= float(attrs["x"]) and float(attrs["x"]) + float(attrs["width"]) <= width
        assert 0 <= float(attrs["y"]) and float(attrs["y"]) + float(attrs["height"]) <= height


def test_a_single_day_is_one_narrow_column_with_its_label_in_a_small_chart():
    """Regression: a discussion of one day drew one block across the whole chart."""
    figure = column_chart("verlauf", "Beiträge je Tag", "Beiträge je Tag", ("Tag", "Beiträge"), [("12.09.", 7)])
    _, width, _ = svg_of(figure)
    (rect, _), = elements(figure, "rect")
    assert float(rect["width"]) <= MAX_COLUMN_WIDTH and width <= 2 * MAX_COLUMN_WIDTH
    assert [t for _a, t in elements(figure, "text")] == ["7", "12.09."]


def test_the_first_day_label_is_not_cut_at_the_left_edge():
    """Regression: „12.09.“ was centred on a column 9 px from the edge and read „2.09.“."""
    figure = column_chart("verlauf", "Beiträge je Tag", "Beiträge je Tag", ("Tag", "Beiträge"), days(30, date(2026, 9, 12)))
    (first, text), = [(a, t) for a, t in elements(figure, "text") if t == "12.09."]
    assert extent(first, text)[0] >= 0


def test_bar_chart_labels_and_counts_stay_inside_and_bars_are_bounded():
    rows = [(land.label, i * 3) for i, land in enumerate(LAENDER)]
    figure = bar_chart("laender", "Partnerkommunen je Land", "…", ("Land", "Kommunen"), rows)
    _, width, height = svg_of(figure)
    texts = elements(figure, "text")
    assert {t for _a, t in texts} >= {"Mecklenburg-Vorpommern", "45"}
    for attrs, text in texts:
        left, right = extent(attrs, text)
        assert 0 <= left and right <= width, f"„{text}“ reaches {left:.0f}…{right:.0f}, viewBox 0…{width:.0f}"
    bars = [float(a["width"]) for a, _ in elements(figure, "rect")]
    assert max(bars) == BAR_AREA and min(bars) >= 1 and bars == sorted(bars)  # proportional, the longest bounded
    assert height == 24 * len(rows)


def test_charts_say_their_numbers_as_a_table():
    figure = bar_chart("x", "Teilnehmende je Land", "…", ("Land", "Teilnehmende"), [("Berlin", 3), ("Bremen", 1)])
    assert [t for _a, t in elements(figure, "td")] == ["3", "1"]
    assert [t for _a, t in elements(figure, "th")][2:] == ["Berlin", "Bremen"]
