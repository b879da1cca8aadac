"""CSV export helpers shared by the Werkzeugkiste and the Partnerverzeichnis."""

from __future__ import annotations

import csv
import io
from typing import Callable, Iterable, Mapping, Sequence
from urllib.parse import quote

from flask import Response, url_for

# what a spreadsheet may read as the start of a formula: ASCII, fullwidth and small forms, minus signs
FORMULA_STARTS = frozenset("=+-@\t\r\n\uff1d\uff0b\uff0d\uff20\ufe62\ufe63\ufe66\u2212")
# invisible characters a program may skip before it looks for a formula: zero-width, direction marks and controls
INVISIBLE_STARTS = frozenset("\u200b\u200c\u200d\u2060\ufeff\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e"
                             "\u2066\u2067\u2068\u2069")


def spreadsheet_safe(value: str) -> str:
    """Keep spreadsheet programs from running a cell as a formula (CSV injection).

    A cell is prefixed with ``'`` when it starts like a formula – also with the fullwidth forms
    ``＝＋－＠`` – or with an invisible character (zero-width, bidi), or with spaces before a formula sign.
    """
    if value[:1] in INVISIBLE_STARTS or value.lstrip(" ")[:1] in FORMULA_STARTS:
        return "'" + value
    return value


def page_url_prefix() -> Callable[[str], str]:
    """item name → absolute page URL, without a url_for call per row."""
    prefix = url_for("frontend.show_item", item_name="x", _external=True)[:-1]
    return lambda name: prefix + quote(name, safe="/")


def csv_response(filename: str, columns: Sequence[tuple[str, str]], rows: Iterable[Mapping[str, str]]) -> Response:
    """``;``-separated UTF-8 with BOM (Excel opens umlauts correctly), a ``Seite`` column last."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow([label for _key, label in columns] + ["Seite"])
    for row in rows:
        writer.writerow([spreadsheet_safe(str(row[key])) for key, _label in columns] + [row["seite"]])
    return Response(
        "\ufeff" + out.getvalue(), mimetype="text/csv", headers={"Content-Disposition": f'attachment; filename="{filename}"'}
    )
