"""Saving records from our forms through moin's Item API (so history, ACLs and signals apply).

moin's edit locking only covers its own editor: our forms send the revision they were loaded
from, and a save on top of a newer revision is refused as a conflict instead of overwriting it.
"""

from __future__ import annotations

from typing import Any, Mapping

from flask import g as flaskg
from moin.constants.keys import CURRENT, ITEMID, NAMESPACE, REVID
from moin.items import Item
from moin.storage.middleware.exceptions import AccessDenied  # noqa: F401 – re-exported for views
from moin.utils.names import split_fqname

from .records import RECORD_FIELDS, RECORD_TYPE
from .storage import MOINWIKI


class EditConflict(Exception):
    """The item changed since the form was loaded."""


class AlreadyExists(Exception):
    """A new record would take the name of an existing item."""


def current(name: str) -> tuple[dict[str, Any], str] | None:
    """(meta, text) of the current revision, read with the user's rights; None if there is none."""
    item = flaskg.storage.get_item(**split_fqname(name).query)
    if not item:
        return None
    rev = item[CURRENT]  # raises AccessDenied without read right
    try:
        return dict(rev.meta), rev.data.read().decode("utf-8", errors="replace")
    finally:
        rev.data.close()


def save_record(
    name: str,
    text: str,
    *,
    record_type: str,
    fields: Mapping[str, Any],
    summary: str,
    comment: str,
    base_revid: str | None = None,
    new: bool = False,
    acl: str | None = None,
) -> None:
    """Write a record as a new revision with the current user's rights (AccessDenied if not allowed).

    ``new`` refuses an existing name; ``base_revid`` refuses a save over a newer revision;
    ``acl`` sets the item's ACL (moin requires the admin right to change it).
    """
    stored = current(name)
    if new and stored is not None:
        raise AlreadyExists(name)
    if stored is not None and base_revid is not None and stored[0][REVID] != base_revid:
        raise EditConflict(name)
    item = Item.create(name, contenttype=MOINWIKI, itemtype="default")
    if stored is None:
        meta: dict[str, Any] = {"contenttype": MOINWIKI, "itemtype": "default"}
    else:
        meta = item.prepare_meta_for_modify(stored[0])
    meta.update({RECORD_TYPE: record_type, RECORD_FIELDS: dict(fields), "summary": summary})
    if acl is not None:
        meta["acl"] = acl
    item._save(meta, text, comment=comment)


def subscribe_current_user(name: str) -> None:
    """Subscribe the current user to an item, so moin mails them its changes (where mail is set up)."""
    meta, _text = current(name) or ({}, "")
    if meta.get(ITEMID) and flaskg.user.valid:
        flaskg.user.subscribe(ITEMID, meta[ITEMID], meta.get(NAMESPACE, ""))
