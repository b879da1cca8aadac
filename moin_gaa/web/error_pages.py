"""Errors a person understands: „Seite nicht gefunden“ (404) and „Kein Zugriff“ (403) in plain German.

moin 2.0.0b5 answers a missing page with its choice of content types („MoinMoin / Creole / … / IRC
Log“) for everybody who may create it, and a refusal with „Das Item '…' existiert nicht oder sie haben
keine Berechtigung um es Anzusehen.“  We wrap moin's views (never patch them):

- **404**: ``show_item`` of a page that does not exist renders ``gaa/not_found.html`` instead of moin's
  ``NonExistent.do_show``: a search box (GET ``/+search?q=…``), up to :data:`SIMILAR_SHOWN` existing
  pages whose names share a word with the address – found through moin's read-rights-filtered
  ``search_meta``, so a page the visitor may not read is never named – and „Seite anlegen“ only when
  moin's ACLs (``may.create``) and the curation rules let the visitor create it.  That link opens
  moin's editor with the wiki's markup preselected.
- **Content types only for administrators**: ``/+modify/<new page>`` without a content type leads
  everybody but superusers to the editor with our markup; administrators still get moin's choice.
- **404 elsewhere**: every other ``abort(404)`` (a form of ours for a record that does not exist, an unknown
  address below ``/+gaa/``) renders the same page without similar pages, instead of Werkzeug's English
  „Not Found“ without the wiki around it.
- **403**: every ``abort(403)`` and every uncaught ``AccessDenied`` renders ``gaa/forbidden.html``: what
  the person can do (log in and come back, ask the moderation of the group space named in the address,
  go to the start page).  The words stay as ambiguous as moin's own („gibt es nicht, oder …“): moin
  already tells a private page (403) from a missing one (404) by its status code, we tell no more.
"""

from __future__ import annotations

from flask import Flask, Response, current_app, redirect, request, url_for
from flask import g as flaskg
from moin.constants.itemtypes import ITEMTYPE_DEFAULT
from moin.constants.keys import CURRENT, FQNAMES, LATEST_REVS, NAME_EXACT, NAMES, NAMESPACE, TRASH
from moin.storage.middleware.exceptions import AccessDenied
from moin.themes import render_template
from moin.utils.names import CompositeName, split_fqname
from whoosh.query import And, AndNot, Or, Term

from moin_gaa.core.storage import MOINWIKI
from moin_gaa.discussions.groups import group_of
from moin_gaa.web.curation import offer
from moin_gaa.web.moin_view_guards import guard

SIMILAR_SHOWN = 8  # similar pages listed on the 404 page
SIMILAR_SCANNED = 50  # best index hits looked at (read rights decide which of them are shown)
MIN_WORD = 3  # shorter words of a name („am“, „zu“) find too much


def install(app: Flask) -> None:
    """Our 404 for missing pages, the markup default for new pages, our 403 (call after moin_view_guards)."""
    guard(app, "frontend.show_item", not_found_unless_exists)
    guard(app, "frontend.modify_item", markup_preselected)
    app.register_error_handler(404, not_found)
    app.register_error_handler(403, forbidden)
    app.register_error_handler(AccessDenied, forbidden)


def missing_page(item_name: str) -> CompositeName | None:
    """The page name of the address if no item carries it (moin's show would offer to create it), else None."""
    fqname = split_fqname(item_name)
    if fqname.field != NAME_EXACT or not fqname.value:
        return None
    # existence only, nothing of the item is read: moin itself tells it (404 here, 403 for a private page)
    return None if flaskg.unprotected_storage.get_item(**fqname.query).itemid else fqname


# --- 404 ------------------------------------------------------------------------------------------------------


def not_found_unless_exists(view, **kwargs):
    fqname = missing_page(kwargs.get("item_name") or "") if kwargs.get("rev") == CURRENT else None
    if fqname is None or request.method not in ("GET", "HEAD"):
        return view(**kwargs)
    return not_found_page(fqname)


def not_found_page(fqname: CompositeName) -> tuple[str, int]:
    may_create = may_create_page(fqname)
    page = render_template(
        "gaa/not_found.html",
        title_name="Seite nicht gefunden",
        wanted=fqname.fullname,
        query=fqname.value.rsplit("/", 1)[-1],
        similar=similar_pages(fqname),
        create_url=editor_url(fqname) if may_create else None,
        choose_url=url_for("frontend.modify_item", item_name=fqname) if may_create and is_admin() else None,
    )
    return page, 404


def not_found(_error):
    """An ``abort(404)`` outside moin's page view: the 404 page with search and the way to the start page."""
    if getattr(flaskg, "user", None) is None:  # moin skipped its request setup: no themed page
        return Response("Nicht gefunden.", 404, mimetype="text/plain")
    page = render_template("gaa/not_found.html", title_name="Seite nicht gefunden", wanted=None, query="",
                           similar=[], create_url=None, choose_url=None)
    return page, 404


def similar_pages(fqname: CompositeName) -> list[CompositeName]:
    """Readable pages of the namespace whose names share a word with ``fqname``, best matches first."""
    storage = flaskg.storage
    parser = storage.query_parser([NAMES], idx_name=LATEST_REVS)
    words = {w for w in parser.schema[NAMES].process_text(fqname.value, mode="query") if len(w) >= MIN_WORD}
    if not words:
        return []
    query = AndNot(And([Term(NAMESPACE, fqname.namespace), Or([Term(NAMES, w) for w in sorted(words)])]),
                   Term(TRASH, True))
    found: list[CompositeName] = []
    # moin's search_meta yields only what the user may read
    for meta in storage.search_meta(query, idx_name=LATEST_REVS, limit=SIMILAR_SCANNED):
        found += [name for name in meta[FQNAMES] if name != fqname and name not in found]
    return found[:SIMILAR_SHOWN]


def may_create_page(fqname: CompositeName) -> bool:
    """moin's ACLs and our curation rules (records only through forms) both allow creating ``fqname``."""
    return bool(flaskg.user.may.create(fqname)) and offer(fqname).modify


def is_admin() -> bool:
    return bool(flaskg.user.valid and flaskg.user.may.superuser())


def editor_url(fqname: CompositeName) -> str:
    """moin's editor for a new page in the wiki's markup (no choice of content types)."""
    return url_for("frontend.modify_item", item_name=fqname, itemtype=ITEMTYPE_DEFAULT, contenttype=MOINWIKI)


def markup_preselected(view, **kwargs):
    """``/+modify/<new page>`` without a content type: the editor with our markup, except for administrators."""
    if request.method in ("GET", "HEAD") and not request.args.get("contenttype") and not is_admin():
        fqname = missing_page(kwargs.get("item_name") or "")
        if fqname is not None and flaskg.user.may.create(fqname):
            return redirect(editor_url(fqname))
    return view(**kwargs)


# --- 403 ------------------------------------------------------------------------------------------------------


def forbidden(_error):
    """„Kein Zugriff“ with what the person can do; as ambiguous as moin about whether the page exists."""
    if getattr(flaskg, "user", None) is None:  # moin skipped its request setup: no themed page
        return Response("Kein Zugriff.", 403, mimetype="text/plain")
    item_name = str((request.view_args or {}).get("item_name") or "")
    anonymous = not flaskg.user.valid
    page = render_template(
        "gaa/forbidden.html",
        title_name="Kein Zugriff",
        editing=request.endpoint == "frontend.modify_item",
        login_url=url_for("frontend.login", nexturl=request.full_path.rstrip("?")) if anonymous else None,
        register=anonymous and not current_app.cfg.registration_only_by_superuser,
        group=group_of(split_fqname(item_name).value) if item_name else None,
    )
    return page, 403

