"""Saving records from our forms through moin's Item API (so history, ACLs and signals apply).

moin's edit locking only covers its own editor: our forms send the revision they were loaded
from, and a save on top of a newer revision is refused as a conflict instead of overwriting it.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterator, Mapping

from flask import current_app
from flask import g as flaskg
from moin.constants.keys import CURRENT, ITEMID, NAMESPACE, REVID
from moin.constants.rights import PUBREAD, READ
from moin.items import Item
from moin.storage.middleware.exceptions import AccessDenied  # noqa: F401 – re-exported for views
from moin.storage.middleware.protecting import ProtectingMiddleware
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


def save_item(
    name: str,
    text: str,
    *,
    meta_updates: Mapping[str, Any],
    comment: str,
    base_revid: str | None = None,
    new: bool = False,
    contenttype: str = MOINWIKI,
) -> None:
    """Write an item as a new revision with the current user's rights (AccessDenied if not allowed).

    ``meta_updates`` go over the current metadata (``{"acl": "None"}`` removes the item's ACL);
    ``new`` refuses an existing name; ``base_revid`` refuses a save over a newer revision.
    """
    item = Item.create(name, contenttype=contenttype, itemtype="default")  # AccessDenied without read right
    exists = REVID in item.meta  # moin gives a new name a dummy revision without one
    if new and exists:
        raise AlreadyExists(name)
    if exists and base_revid is not None and item.meta[REVID] != base_revid:
        raise EditConflict(name)
    if not exists:
        meta: dict[str, Any] = {"contenttype": contenttype, "itemtype": "default"}
    else:
        meta = item.prepare_meta_for_modify(dict(item.meta))
    meta.update(meta_updates)
    item._save(meta, text, comment=comment)


def save_record(
    name: str,
    text: str,
    *,
    record_type: str,
    fields: Mapping[str, Any],
    summary: str,
    comment: str,
    acl: str | None = None,
    **options: Any,
) -> None:
    """Write a record (``gaa_type``/``gaa_fields``); ``acl`` sets the item's ACL (needs moin's admin right).

    ``options`` are those of :func:`save_item` (``base_revid``, ``new``, ``contenttype``).
    """
    updates: dict[str, Any] = {RECORD_TYPE: record_type, RECORD_FIELDS: dict(fields), "summary": summary}
    if acl is not None:
        updates["acl"] = acl
    save_item(name, text, meta_updates=updates, comment=comment, **options)


class _WorkflowStorage(ProtectingMiddleware):
    """moin's storage in which the acting user may write, create, destroy and change ACLs everywhere.

    Reading stays moin's ACL for everybody – also inside the save, where moin's notification
    mails ask whether each subscriber may read the changed item.
    """

    def _eval_acl(self, acl, default_acl, user_name, right):
        if right not in (READ, PUBREAD) and user_name in self.user.name:
            return True
        return super()._eval_acl(acl, default_acl, user_name, right)


@contextmanager
def workflow_rights() -> Iterator[None]:
    """Write what our workflow has allowed, where moin's ACL lets users only read.

    Discussion items are read-only for users in moin's editor; whether someone may post, edit,
    hide, lock or move is decided by our views (membership, dates, locks, authorship).  Inside
    this block the current user may write anywhere – still as themselves, so history, the
    ``item_modified`` signal (catalog, moin's notification mails) and validation stay moin's.
    """
    app = current_app
    protected = flaskg.storage
    flaskg.storage = _WorkflowStorage(app.storage, flaskg.user, app.cfg.acl_mapping)
    try:
        yield
    finally:
        flaskg.storage = protected


def subscribe_current_user(name: str) -> None:
    """Subscribe the current user to an item, so moin mails them its changes (where mail is set up)."""
    meta, _text = current(name) or ({}, "")
    if meta.get(ITEMID) and flaskg.user.valid:
        flaskg.user.subscribe(ITEMID, meta[ITEMID], meta.get(NAMESPACE, ""))
