"""Keeps the catalog in step with moin through the ``item_modified`` signal.

moin sends the signal from inside the save, with the ``current_app`` proxy as sender, so we
connect to every sender and look up the catalog of the app that is running.  Any error here
is logged and swallowed: the catalog is a cache, and a user's save must never fail because of
it (``partnerwiki gaa-catalog-check`` finds and repairs what was missed).
"""

from __future__ import annotations

import logging

from flask import current_app
from moin.constants.keys import ITEMID
from moin.signalling import item_modified
from moin.utils.notifications import DESTROY_ALL

from moin_gaa.core.records import record_from_meta

log = logging.getLogger(__name__)


def _text(meta, data) -> str:
    if data is None or not str(meta.get("contenttype", "")).startswith("text/"):
        return ""
    data.seek(0)  # moin hands the stream over read to its end
    raw = data.read()
    data.seek(0)
    return raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else str(raw)


@item_modified.connect
def update_catalog(sender, fqname=None, action=None, new_meta=None, new_data=None, meta=None, **_kw) -> None:
    state = current_app.extensions.get("gaa")
    if state is None:  # a plain moin app in the same process
        return
    try:
        if new_meta is None:
            # trash/destroy announce themselves before acting; a destroyed item leaves the catalog
            # (a destroyed single revision is left to gaa-catalog-check)
            if str(action) == DESTROY_ALL and meta is not None and meta.get(ITEMID):
                state.catalog.delete([meta[ITEMID]])
            return
        record = record_from_meta(new_meta, _text(new_meta, new_data))
        if record is None:
            state.catalog.delete([new_meta[ITEMID]])
        else:
            state.catalog.upsert([record])
    except Exception:  # noqa: BLE001 – see module docstring
        log.exception("PartnerWiki catalog: update for %s (%s) failed", fqname, action)
