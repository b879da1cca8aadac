"""The PartnerWiki app factory: moin's app plus our blueprint, catalog and vocabulary.

moin has no hook to add routes, so we wrap :func:`moin.app.create_app_ext` and register our
``gaa`` blueprint on the app it returns, before the first request.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from flask import Flask, current_app
from flask import g as flaskg
from moin.app import create_app_ext
from whoosh.index import EmptyIndexError

from moin_gaa.core import attachments, index_writers, moin_internals, text_input
from moin_gaa.core import notification_mail, signals  # noqa: F401 – they register moin's signal receivers on import
from moin_gaa.core.app_state import PartnerWiki
from moin_gaa.core.catalog import Catalog
from moin_gaa.core.progress import ProgressBar
from moin_gaa.core.storage import read_records
from moin_gaa.core.vocabulary import vocabulary_from_config
from moin_gaa.web import (
    blueprint,
    confirmed_actions,
    csrf,
    curation,
    editor,
    error_pages,
    metadata_guard,
    moin_view_guards,
    page_chrome,
    people,
    registration,
    routes,  # noqa: F401 – every view module, imported in this one place
    search_page,
    security_headers,
)

log = logging.getLogger(__name__)

REPO_DIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEFAULT_CONFIG = os.path.join(REPO_DIR, "wikiconfig.py")


def create_app(config: str | os.PathLike[str] | None = None, **kwargs: Any) -> Flask:
    """Create the PartnerWiki: ``config`` is a wikiconfig.py (default: ours, or ``$MOINCFG``)."""
    if config is None and not os.environ.get("MOINCFG"):
        config = DEFAULT_CONFIG
    app = create_app_ext(flask_config_file=config, **kwargs)
    init_app(app)
    return app


def init_app(app: Flask) -> None:
    """Attach the PartnerWiki parts to a moin app."""

    cfg = app.cfg
    catalog = Catalog(getattr(cfg, "gaa_catalog_dir", os.path.join(cfg.instance_dir, "gaa-catalog")))
    app.extensions["gaa"] = PartnerWiki(vocabulary_from_config(getattr(cfg, "gaa_vocabulary", None)), catalog)
    app.extensions["babel"].locale_selector = german_unless_chosen
    app.register_blueprint(blueprint.gaa, url_prefix="/+gaa")
    # flask_theme fills its list of themes on first use, unguarded: a fresh server's threads answered 500
    # („Theme 'partnerwiki' was not found“) while one of them was filling it.  Filled before any request.
    app.theme_manager.refresh()
    moin_internals.reuse_searchers(app)  # pooled searchers per index generation (stands in for moin 6973e729)
    moin_internals.write_stores_atomically(cfg.backend_mapping.values())  # a profile rewritten is never read half
    moin_internals.collect_young_after_saves()  # moin's full gc.collect() per save cost 40 ms at national scale
    index_writers.install(app)  # moin's index writers wait for a held lock (stands in for moin b95eb5e9)
    security_headers.install(app)  # CSP and co.; trusting one https proxy
    csrf.install(app)  # origin proof + token before every unsafe request, ahead of moin's own set-up
    confirmed_actions.install(app)  # moin's state-changing GET links act on POST only
    blueprint.install_template_globals(app)
    attachments.install(app)  # files other than bitmaps as downloads
    app.before_request(text_input.guard_moin_forms)  # control characters refused in moin's forms
    page_chrome.install(app)  # breadcrumbs, actions by role, German dates, no IPs; +convert off (before curation)
    curation.install(app)  # moin's delete, rename, … and editor on records: only as curation allows
    metadata_guard.install(app)  # hostile metadata refused in moin's forms; moin's originals for wiki_local/
    registration.install(app)  # German registration (our view on moin's endpoint) and settings; before the guards
    moin_view_guards.install(app)  # read rights on moin's listings and revisions, no 500 for malformed requests
    editor.install(app)  # moin's editor and history in German: markup help, fields by right (wiki_local/modify.html)
    error_pages.install(app)  # German 404 for missing pages (search, similar readable pages), plain 403
    search_page.install(app)  # our German search at moin's /+search (after moin_view_guards: runs first)
    people.install(app)  # person pages at /users/<Name> for accounts (after error_pages: runs before its 404)
    if not catalog.exists() and hasattr(app, "storage"):
        build_missing_catalog(app, catalog)


def build_missing_catalog(app: Flask, catalog: Catalog) -> None:
    """A wiki without a catalog (new, or its catalog was deleted) gets one built from storage."""
    try:
        count = catalog.replace_all(read_records(app.storage, progress=ProgressBar("Katalog fehlt – aufbauen")))
    except (EmptyIndexError, KeyError):  # moin's indexes not built or not opened yet (index-create, load)
        catalog.close()
        return
    log.info("PartnerWiki catalog built: %d records", count)


def german_unless_chosen() -> str:
    """The UI locale: the user's own choice (settings), else the wiki's German default.

    moin would follow the browser's Accept-Language and fall back to English; the PartnerWiki
    speaks German to everybody who has not chosen otherwise.
    """
    user = getattr(flaskg, "user", None)
    if user is not None and user.locale:
        return user.locale
    return current_app.cfg.locale_default
