"""The ``gaa`` blueprint under ``/+gaa``: our views beside moin's.

Views are thin: they check rights and input, ask the domain modules and render.
"""

from __future__ import annotations

from flask import Blueprint, Flask, abort, flash, jsonify, redirect, request, url_for
from flask import g as flaskg
from markupsafe import Markup
from moin.i18n import _
from moin.themes import render_template

from . import csrf
from .access import ReadRights
from .app import partnerwiki
from .catalog import check
from .items import AccessDenied, current
from .municipalities import PROFILE_TYPE, visible_fields
from .request_groups import remember_groups
from .sanitize import clean_html, render_post
from .storage import read_records
from .vocabulary import LIST_NAMES

gaa = Blueprint("gaa", __name__, template_folder="templates")


def install_template_globals(app: Flask) -> None:
    """Make the post filters available in every template; remember group lookups per request.

    ``gaa_clean_html`` cleans stored post HTML again on output (it was cleaned when written),
    ``gaa_markdown`` renders Markdown through the same sanitiser.
    """
    app.jinja_env.filters["gaa_clean_html"] = lambda html: Markup(clean_html(str(html or "")))
    app.jinja_env.filters["gaa_markdown"] = lambda text: Markup(render_post(str(text or "")))
    app.before_request(remember_groups)


def login_first():
    """For anonymous visitors: a redirect to the login page (and back here afterwards), else None."""
    if flaskg.user.valid:
        return None
    flash("Bitte melden Sie sich an, um diese Seite zu nutzen.", "info")
    return redirect(url_for("frontend.login", nexturl=request.full_path))


def stored_record_or_abort(name: str, record_type: str) -> tuple[dict, str]:
    """(meta, text) of the record ``name`` for a form view: 403 without read right, 404 if it is none."""
    try:
        stored = current(name)
    except AccessDenied:
        abort(403)
    if stored is None or stored[0].get("gaa_type") != record_type:
        abort(404)
    return stored


def render_form(template: str, values: dict, errors: dict, *, title: str, action: str, revid: str = "", status: int = 200, **extra):
    """A form page of ours: German title, the submitted (or stored) values and the field errors."""
    page = render_template(
        template, title_name=title, heading=title, values=values, errors=errors, action=action, revid=revid, **extra
    )
    return page, status


def require_superuser() -> None:
    if not flaskg.user.valid:
        abort(403)
    if not flaskg.user.may.superuser():
        abort(403)


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
