"""CSV export helpers shared by the Werkzeugkiste and the Partnerverzeichnis."""

from __future__ import annotations

import csv
import io
from typing import Callable, Iterable, Mapping, Sequence
from urllib.parse import quote

from flask import Response, url_for


def spreadsheet_safe(value: str) -> str:
    """Keep spreadsheet programs from running a cell as a formula (CSV injection)."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


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
