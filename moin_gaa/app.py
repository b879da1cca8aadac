"""The PartnerWiki app factory: moin's app plus our blueprint, catalog and vocabulary.

moin has no hook to add routes, so we wrap :func:`moin.app.create_app_ext` and register our
``gaa`` blueprint on the app it returns, before the first request.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app
from flask import g as flaskg
from moin.app import create_app_ext
from whoosh.index import EmptyIndexError

from .catalog import Catalog
from .vocabulary import Vocabulary, vocabulary_from_config

log = logging.getLogger(__name__)

REPO_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_CONFIG = os.path.join(REPO_DIR, "wikiconfig.py")


@dataclass
class PartnerWiki:
    """What our code needs from the running app, kept in ``app.extensions["gaa"]``."""

    vocabulary: Vocabulary
    catalog: Catalog


def create_app(config: str | os.PathLike[str] | None = None, **kwargs: Any) -> Flask:
    """Create the PartnerWiki: ``config`` is a wikiconfig.py (default: ours, or ``$MOINCFG``)."""
    if config is None and not os.environ.get("MOINCFG"):
        config = DEFAULT_CONFIG
    app = create_app_ext(flask_config_file=config, **kwargs)
    init_app(app)
    return app


def init_app(app: Flask) -> None:
    """Attach the PartnerWiki parts to a moin app."""
    from . import blueprint, calendar_import_views, confirmed_actions, csrf, security_headers, calendar_key_views, calendar_views, directory_views, discussion_views, group_views, notification_mail, signals, toolbox_views  # noqa: F401 – modules that register receivers and routes

    cfg = app.cfg
    catalog = Catalog(getattr(cfg, "gaa_catalog_dir", os.path.join(cfg.instance_dir, "gaa-catalog")))
    app.extensions["gaa"] = PartnerWiki(vocabulary_from_config(getattr(cfg, "gaa_vocabulary", None)), catalog)
    app.extensions["babel"].locale_selector = german_unless_chosen
    app.register_blueprint(blueprint.gaa, url_prefix="/+gaa")
    from . import moin_internals  # moin's index writers wait for a held lock (stands in for moin b95eb5e9)
    moin_internals.install(app)
    security_headers.install(app)
    csrf.install(app)
    confirmed_actions.install(app)
    blueprint.install_template_globals(app)
    from . import attachments, text_input  # files as downloads (nosniff); control characters refused in moin's forms
    attachments.install(app)
    app.before_request(text_input.guard_moin_forms)
    from . import curation  # moin's delete, rename, … and editor on records: only as curation allows
    curation.install(app)
    from . import metadata_guard  # hostile metadata: moin's templates in wiki_local/, refused in moin's forms
    metadata_guard.install(app)
    from . import moin_view_guards  # read rights on moin's listings and revisions, no 500 for malformed requests
    moin_view_guards.install(app)
    if not catalog.exists() and hasattr(app, "storage"):
        build_missing_catalog(app, catalog)


def build_missing_catalog(app: Flask, catalog: Catalog) -> None:
    """A wiki without a catalog (new, or its catalog was deleted) gets one built from storage."""
    from .progress import ProgressBar
    from .storage import read_records

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


def partnerwiki(app: Flask | None = None) -> PartnerWiki:
    """The PartnerWiki state of ``app`` (default: the current app)."""
    return (app or current_app).extensions["gaa"]
