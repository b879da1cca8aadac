"""Partnerverzeichnis exports under ``/+gaa/export``: exactly the filtered set of the directory.

Contact data appears only as far as the reader may see it (:func:`visible_fields`).
"""

from __future__ import annotations

from flask import abort, jsonify
from flask import g as flaskg
from flask import request

from .access import ReadRights
from .app import partnerwiki
from .blueprint import gaa
from .directory import directory_query, parse_directory_filter, sort_profiles
from .export import csv_response, page_url_prefix
from .municipalities import visible_fields

COLUMNS = (
    ("name", "Name"),
    ("art", "Art"),
    ("land", "Land"),
    ("strategiephase", "Strategiephase"),
    ("partner_seit", "Partner seit"),
    ("einwohner", "Einwohner"),
    ("ressorts", "Ressorts"),
    ("website", "Website"),
    ("kontakte", "Kontakte"),
    ("felder", "Abgedeckte Felder"),
)
LIST_OF = {"art": "municipality_kinds", "land": "laender", "strategiephase": "lewin_phases"}


def _rows():
    vocabulary = partnerwiki().vocabulary
    f, errors = parse_directory_filter(request.args, vocabulary)
    if errors:
        abort(400, description=" ".join(errors))
    with partnerwiki().catalog.reader(ReadRights()) as reader:
        records = sort_profiles(reader.records(reader.docs(directory_query(f, reader.catalog))), f.sort, vocabulary)
    labels = {key: {t.key: t.label for t in vocabulary.terms(list_name)} for key, list_name in LIST_OF.items()}
    prefix = page_url_prefix()
    registered = bool(flaskg.user.valid)
    for record in records:
        fields = visible_fields(record.fields, registered=registered)
        row = {key: fields.get(key) for key, _label in COLUMNS}
        for key, by_key in labels.items():
            row[key] = by_key.get(row[key], row[key] or "")
        row["einwohner"] = "" if row["einwohner"] is None else str(row["einwohner"])
        row["ressorts"] = "; ".join(fields.get("ressorts") or ())
        row["kontakte"] = "; ".join(" ".join(str(v) for v in c.values()) for c in fields["kontakte"])
        row["felder"] = str(len(fields.get("abgedeckte_zellen") or ()))
        row["seite"] = prefix(record.name)
        yield {k: "" if v is None else v for k, v in row.items()}


@gaa.route("/export/kommunen.csv")
def export_municipalities_csv():
    return csv_response("kommunen.csv", COLUMNS, _rows())


@gaa.route("/export/kommunen.json")
def export_municipalities_json():
    return jsonify(list(_rows()))
