"""Guards around moin's own views: no private name on any listing, no 500 for any input.

moin 2.0.0b5 lets some views read its whoosh indexes directly, past the ACL layer (``+lookup``
lists every name, ``+search`` redirects to the best hit whatever its ACL), caches the atom feed of
whoever asked first for everybody, reads a revision id given in the address even when it belongs
to another item (``/+get/+<revid of a private revision>/Startseite``), and answers many malformed
requests with a traceback. We never patch moin: :func:`install` wraps ``app.view_functions`` of
the affected endpoints (what this relies on of moin's internals goes through
:mod:`moin_gaa.core.moin_internals`).

- **Read rights on every hit**: ``+lookup`` and ``+search`` run with an index view whose
  searchers drop every hit the user may not read now (for hits in the all-revisions index: the
  item's current revision decides), so counts, result lists and redirects only know readable items.
- **Revisions belong to their item**: a ``rev`` in the address and ``rev1``/``rev2`` of the diffs
  must be revisions of the item named, else 404.
- **Feed cache per reader**: the atom feed's cache entries are keyed by the reader and by the
  index generation (any change – content, ACL, group membership – starts new entries).
- **No 500**: ``AccessDenied`` that a view does not catch becomes 403 (the page:
  :mod:`moin_gaa.web.error_pages`); missing or malformed parameters become 400 (or 404) with a
  German message; moin's unfinished ticket, comment and blog views (``+tickets``, ``+comment``,
  ``+new``) are not offered; ``+template`` serves only the script moin's pages load.
- **One registration at a time** (no upstream fix yet): moin's ``register`` view checks that the name
  (and e-mail address) is free, then stores the new profile; two people who register the same name at
  the same moment both pass the check and get two accounts of one name.  :func:`one_registration_at_a_time`
  runs the view's POSTs one after the other (a file lock below the instance: threads and processes); with
  the waiting index writers (:mod:`moin_gaa.core.index_writers`) the profile is in moin's index before the
  next check runs.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Flask, Response, abort, current_app, has_app_context, jsonify, request
from flask import g as flaskg
from moin.constants.keys import ACL, ALL_REVS, CURRENT, ITEMID, LATEST_REVS, NAME, NAMESPACE, REVID, UFIELDS
from moin.themes import render_template
from moin.utils.names import split_fqname
from werkzeug.routing import BuildError

from moin_gaa.core.index_writers import busy_page
from moin_gaa.core.items import ItemBusy, file_lock
from moin_gaa.core.moin_internals import (
    IndexesSeenByViews,
    index_generations,
    index_searcher,
    may_read,
    read_rights_key,
    request_storage,
    run_after_moin_setup,
    set_hit_count,
    wrap_app_cache,
)

log = logging.getLogger(__name__)

LOOKUP_FIELDS = ("name", "name_exact", "itemid", "revid", "userid", "language", "tags", "itemlinks",
                 "itemtransclusions", "refs")
# moin views that are unfinished (``+new`` raises NotImplementedError) or belong to its ticket tracker,
# which the PartnerWiki does not use (its templates fail, its searches ignore read rights)
NOT_OFFERED = ("frontend.tickets", "frontend.ticket_search", "frontend.comment", "frontend.new")
TEMPLATES_SERVED = ("dictionary.js",)
TITLES = {400: "Ungültige Anfrage", 403: "Kein Zugriff", 404: "Nicht gefunden"}
REGISTRATION_LOCK = ("locks", "registration")  # below the instance directory
REGISTRATION_WAIT = 60.0  # seconds a registration waits for the ones before it
REGISTRATION_BUSY = ("Gerade melden sich sehr viele Menschen gleichzeitig an. Bitte versuchen Sie es in einer Minute "
                     "noch einmal.")


def install(app: Flask) -> None:
    """Wrap moin's views of ``app`` (call once, after moin's blueprints)."""
    # first after moin's own request set-up: other guards must not meet addresses moin cannot look up
    run_after_moin_setup(app, item_address_guard)
    guard(app, "frontend.lookup", lookup_guard)
    guard(app, "frontend.search", readable_hits_only)
    for endpoint in NOT_OFFERED:
        guard(app, endpoint, not_offered)
    guard(app, "frontend.template", served_templates_only)
    guard(app, "frontend.dispatch", dispatch_guard)
    guard(app, "frontend.ajaxdelete", item_names_as_json)
    guard(app, "frontend.ajaxdestroy", item_names_as_json)
    guard(app, "frontend.jfu_server", upload_needs_file)
    guard(app, "frontend.index", known_content_types)
    one_registration_at_a_time(app)
    guard(app, "frontend.register", complete_form("register_username", "register_password1",
                                                  "register_password2", "register_email"))
    guard(app, "frontend.recoverpass", complete_form("recoverpass_username", "recoverpass_token",
                                                     "recoverpass_password1", "recoverpass_password2"))
    guard(app, "frontend.modify_item", editor_form_with_content)
    guard(app, "feed.atom", cache_per_reader)
    guard(app, "frontend.diff", revisions_of_the_item)
    guard(app, "frontend.diffraw", revisions_of_the_item)
    for endpoint in sorted({rule.endpoint for rule in app.url_map.iter_rules() if "rev" in rule.arguments}):
        if endpoint.startswith(("frontend.", "admin.", "feed.")):
            guard(app, endpoint, revisions_of_the_item)
    wrap_app_cache(app, ReaderScopedCache)


def guard(app: Flask, endpoint: str, check: Callable[..., Any]) -> None:
    """Route ``endpoint`` through ``check(view, **view_args)``; a missing endpoint is left alone."""
    view = app.view_functions.get(endpoint)
    if view is None:
        return

    @wraps(view)
    def guarded(**kwargs):
        return check(view, **kwargs)

    app.view_functions[endpoint] = guarded


def refuse(status: int, message: str, *, as_json: bool = False):
    """Abort with ``status`` and a German message (a themed page, or JSON for script endpoints)."""
    if as_json:
        response = jsonify({"fehler": message})
        response.status_code = status
    elif getattr(flaskg, "clock", None) is None:  # moin skipped its request setup (+template): no themed page
        response = Response(message, status, mimetype="text/plain")
    else:
        page = render_template("error.html", title=TITLES.get(status, "Fehler"), description=message, item_name="")
        response = Response(page, status, mimetype="text/html")
    abort(response)


def item_address_guard():
    """``/@<field>/<value>`` addresses: only the unique fields moin can show, and only existing ids.

    moin answers ``/@tags/x`` with a traceback (its list of items with that tag is unfinished),
    ``/@revid/<unknown>`` with a KeyError and ``/+index/@itemid/<unknown>`` with an IndexError.
    """
    name = (request.view_args or {}).get("item_name")
    if name and "@" in name:
        fqname = split_fqname(name)
        if fqname.field not in UFIELDS:
            refuse(404, "Adressen der Form @feld/… gibt es nur für name_exact, itemid und revid.")
        storage = flaskg.unprotected_storage
        if fqname.field == REVID and not storage.document(idx_name=ALL_REVS, revid=fqname.value):
            refuse(404, "Diese Version gibt es nicht.")
        if fqname.field == ITEMID and not storage.document(idx_name=LATEST_REVS, itemid=fqname.value):
            refuse(404, "Diese Seite gibt es nicht.")


# --- read rights on every index hit -------------------------------------------------------------------


class ReadableSearcher:
    """A whoosh searcher whose ``search`` and ``document`` know only what the user may read now."""

    def __init__(self, searcher, idx_name: str, storage) -> None:
        self._searcher = searcher
        self._idx_name = idx_name
        self._storage = storage
        self._latest = None
        self._decided: dict[str, bool] = {}
        self._by_key: dict[str, bool] = {}

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self) -> None:
        if self._latest is not None:
            self._latest.close()
        self._searcher.close()

    def __getattr__(self, name: str):
        return getattr(self._searcher, name)

    def may_read(self, fields: dict) -> bool:
        itemid = fields.get(ITEMID)
        if itemid is None:
            return False
        if itemid not in self._decided:
            if self._idx_name != LATEST_REVS:  # an old revision: the item's current revision decides
                if self._latest is None:
                    self._latest = index_searcher(self._storage.indexer, LATEST_REVS)
                fields = self._latest.document(itemid=itemid)
            self._decided[itemid] = bool(fields) and self._readable(fields)
        return self._decided[itemid]

    def _readable(self, fields: dict) -> bool:
        """Decided once per read-rights key: the hits of one folder share their parents' ACLs (and moin's
        parent lookups cost a third of a millisecond per hit)."""
        key = read_rights_key(fields.get(ACL), fields.get(NAME) or [], fields.get(NAMESPACE, ""))
        if key not in self._by_key:
            self._by_key[key] = readable(self._storage, fields)
        return self._by_key[key]

    def search(self, q, limit: int | None = 10, **kwargs):
        results = self._searcher.search(q, limit=None, **kwargs)
        keep = [(score, docnum) for score, docnum in results.top_n
                if self.may_read(self._searcher.stored_fields(docnum))]
        results.docset = {docnum for _score, docnum in keep}
        set_hit_count(results, len(keep))  # whoosh's len(results): the readable matches only
        results.top_n = keep[:limit] if limit else keep
        return results

    def document(self, **kwargs):
        fields = self._searcher.document(**kwargs)
        return fields if fields and self.may_read(fields) else None

    def documents(self, **kwargs):
        return (fields for fields in self._searcher.documents(**kwargs) if self.may_read(fields))


def readable(storage, fields: dict) -> bool:
    return may_read(storage, fields[ITEMID], fields.get(NAME) or [], fields.get(NAMESPACE, ""), fields.get(ACL))


class ReadableIndex:
    """One of moin's indexes as a view sees it: its searchers know only what the user may read."""

    def __init__(self, index, idx_name: str, storage) -> None:
        self._index, self._idx_name, self._storage = index, idx_name, storage

    def __getattr__(self, name: str):
        return getattr(self._index, name)

    def searcher(self, **kwargs):
        return ReadableSearcher(self._index.searcher(**kwargs), self._idx_name, self._storage)


def readable_hits_only(view, **kwargs):
    storage = flaskg.storage
    with request_storage(IndexesSeenByViews(storage, lambda index, name: ReadableIndex(index, name, storage))):
        return view(**kwargs)


def lookup_guard(view, **kwargs):
    from moin.apps.frontend.views import LookupForm

    if not any((request.values.get(field) or "").strip() for field in LOOKUP_FIELDS):
        refuse(400, "Bitte geben Sie an, wonach gesucht werden soll, z. B. /+lookup?name_exact=Werkzeugkiste/ "
                    "(Felder: " + ", ".join(LOOKUP_FIELDS) + ").")
    if not LookupForm.from_flat(request.values.items(multi=True)).validate():
        refuse(400, "Die Angaben für die Suche nach Namen und Kennungen sind ungültig.")
    return readable_hits_only(view, **kwargs)


# --- revisions belong to their item --------------------------------------------------------------------


def revisions_of_the_item(view, **kwargs):
    """A revision id in the address or in rev1/rev2 must be one of the named item's revisions."""
    revids = [kwargs.get("rev")]
    if request.endpoint in ("frontend.diff", "frontend.diffraw"):
        revids += [request.values.get("rev1"), request.values.get("rev2")]
    revids = [r for r in revids if r not in (None, "", CURRENT)]
    if revids:
        item = flaskg.unprotected_storage.get_item(**split_fqname(kwargs.get("item_name") or "").query)
        for revid in revids:
            doc = item.itemid and flaskg.unprotected_storage.document(idx_name=ALL_REVS, revid=revid)
            if not doc or doc.meta[ITEMID] != item.itemid:
                refuse(404, "Diese Version gibt es zu dieser Seite nicht.")
    return view(**kwargs)


# --- the atom feed's cache, per reader -----------------------------------------------------------------


class ReaderScopedCache:
    """moin's cache; inside a view that sets ``flaskg.gaa_cache_scope`` its keys are that reader's own."""

    def __init__(self, cache) -> None:
        self._cache = cache

    def __getattr__(self, name: str):
        return getattr(self._cache, name)

    @staticmethod
    def _key(key: str) -> str:
        scope = getattr(flaskg, "gaa_cache_scope", None) if has_app_context() else None
        return f"{scope}:{key}" if scope else key

    def get(self, key):
        return self._cache.get(self._key(key))

    def set(self, key, value, *args, **kwargs):
        return self._cache.set(self._key(key), value, *args, **kwargs)

    def add(self, key, value, *args, **kwargs):
        return self._cache.add(self._key(key), value, *args, **kwargs)

    def delete(self, key):
        return self._cache.delete(self._key(key))

    def has(self, key):
        return self._cache.has(self._key(key))


def reader_scope() -> str:
    """Who reads (their names decide the ACLs) and the index generations (every write changes them)."""
    generations = [str(generation) for generation in index_generations(current_app.storage)]
    names = list(getattr(flaskg.user, "name", None) or ["anonymous"])
    return hashlib.sha256(json.dumps([names, bool(flaskg.user.valid), generations]).encode()).hexdigest()


def cache_per_reader(view, **kwargs):
    flaskg.gaa_cache_scope = reader_scope()
    try:
        return view(**kwargs)
    finally:
        flaskg.gaa_cache_scope = None


# --- malformed requests: 400/404 in German instead of a traceback -------------------------------------


def not_offered(_view, **_kwargs):
    refuse(404, "Diese Funktion gibt es in diesem Wiki nicht.")


def served_templates_only(view, **kwargs):
    if kwargs.get("filename") not in TEMPLATES_SERVED:
        refuse(404, "Diese Datei gibt es nicht.")
    return view(**kwargs)


def dispatch_guard(view, **kwargs):
    endpoint = request.values.get("endpoint", "")
    if endpoint not in current_app.view_functions:
        refuse(400, "Unbekanntes Ziel für die Weiterleitung.")
    try:
        return view(**kwargs)
    except BuildError:
        refuse(400, "Für diese Weiterleitung fehlen Angaben.")


def item_names_as_json(view, **kwargs):
    try:
        names = json.loads(request.values.get("itemnames") or "")
    except ValueError:
        names = None
    if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
        refuse(400, "Bitte wählen Sie die Seiten aus (Feld „itemnames“: eine JSON-Liste von Namen).", as_json=True)
    return view(**kwargs)


def upload_needs_file(view, **kwargs):
    upload = request.files.get("file_storage")
    if upload is None or not upload.filename:
        refuse(400, "Bitte wählen Sie eine Datei zum Hochladen aus.", as_json=True)
    return view(**kwargs)


def known_content_types(view, **kwargs):
    from moin.items.content import content_registry

    unknown = [g for g in request.args.getlist("contenttype") if g not in content_registry.groups]
    if unknown:
        refuse(400, "Unbekannte Inhaltsart: " + ", ".join(unknown[:3]))
    return view(**kwargs)


def editor_form_with_content(view, **kwargs):
    """A POST to moin's editor carries the content field (text or file); without it moin fails on ``None``."""
    if request.method == "POST" and not any(k.startswith("content_form_") for k in [*request.form, *request.files]):
        refuse(400, "Das Formular ist unvollständig: Der Inhalt der Seite fehlt. Bitte öffnen Sie den Editor neu.")
    return view(**kwargs)


def one_registration_at_a_time(app: Flask) -> None:
    """Serialise the POSTs of moin's ``register`` view (see the module docstring)."""
    view = app.view_functions.get("frontend.register")
    if view is None:
        return
    directory = os.path.join(app.cfg.instance_dir, *REGISTRATION_LOCK[:-1])

    @wraps(view)
    def register(**kwargs):
        if request.method != "POST":
            return view(**kwargs)
        try:
            with file_lock(directory, REGISTRATION_LOCK[-1], timeout=REGISTRATION_WAIT):
                return view(**kwargs)
        except ItemBusy:
            log.warning("503 for a registration: the ones before it took longer than %.0f s", REGISTRATION_WAIT)
            return busy_page(REGISTRATION_BUSY)

    app.view_functions["frontend.register"] = register


def complete_form(*fields: str):
    """A POST must carry each of ``fields`` (moin's validators fail on missing ones with a traceback)."""

    def check(view, **kwargs):
        if request.method == "POST" and any(not isinstance(request.form.get(f), str) for f in fields):
            refuse(400, "Das Formular ist unvollständig. Bitte füllen Sie alle Felder aus.")
        return view(**kwargs)

    return check
