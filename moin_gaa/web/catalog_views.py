"""Catalog routes: the vocabulary and catalog search as JSON, the administrators' catalog check."""

from __future__ import annotations

from flask import flash, jsonify, redirect, request, url_for
from flask import g as flaskg
from moin.i18n import _
from moin.themes import render_template

from moin_gaa.core.access import ReadRights
from moin_gaa.core.app_state import partnerwiki
from moin_gaa.core.catalog import check
from moin_gaa.core.storage import read_records
from moin_gaa.core.vocabulary import LIST_NAMES
from moin_gaa.partners.municipalities import PROFILE_TYPE, visible_fields
from moin_gaa.web import csrf
from moin_gaa.web.blueprint import gaa, require_superuser


@gaa.route("/vocabulary.json")
def vocabulary_json():
    """The vocabulary lists, for scripts and outside clients."""
    vocabulary = partnerwiki().vocabulary
    return jsonify(
        {
            list_name: [
                {"key": t.key, "label": t.label, "description": t.description, "page": t.page, **t.extra}
                for t in vocabulary.terms(list_name)
            ]
            for list_name in LIST_NAMES
        }
    )


@gaa.route("/records.json")
def records_json():
    """Catalog search: ``?typ=…&q=…&<feld>=<wert>``; only what the caller may read."""
    args = request.args
    facets = {k: v for k, v in args.items() if k not in ("typ", "q", "limit") and k.isidentifier()}
    try:
        limit = int(args.get("limit", 100))
    except ValueError:
        return jsonify({"fehler": "„limit“ muss eine Zahl sein."}), 400
    records = partnerwiki().catalog.search(
        ReadRights(), record_type=args.get("typ") or None, facets=facets, text=args.get("q") or None, limit=limit
    )
    registered = bool(flaskg.user.valid)
    return jsonify(
        [
            {
                "name": r.name,
                "typ": r.record_type,
                "titel": r.title,
                "zusammenfassung": r.summary,
                "felder": visible_fields(r.fields, registered=registered) if r.record_type == PROFILE_TYPE else r.fields,
            }
            for r in records
        ]
    )


@gaa.route("/catalog", methods=["GET"])
def catalog_status():
    """Administrators: compare the catalog with storage, offer a rebuild."""
    require_superuser()
    report = check(partnerwiki().catalog, read_records(flaskg.unprotected_storage))
    return render_template("gaa/catalog.html", report=report, title_name=_("Katalog"))


@gaa.route("/catalog/rebuild", methods=["POST"])
def catalog_rebuild():
    require_superuser()
    csrf.require_csrf()
    count = partnerwiki().catalog.replace_all(read_records(flaskg.unprotected_storage))
    flash(_("Katalog neu aufgebaut: %(count)d Datensätze.", count=count), "info")
    return redirect(url_for("gaa.catalog_status"))
