"""Saving records from our forms through moin's Item API (so history, ACLs and signals apply).

moin's edit locking only covers its own editor: our forms send the revision they were loaded
from, and a save on top of a newer revision is refused as a conflict instead of overwriting it.
"Compare the revision, then save" runs under a lock per item name (:func:`item_lock`, a file
lock in the instance directory, so it holds across threads and processes), and the lock is
only released once moin's index knows the new revision – so the next save compares with it.

A save never drops what the form does not show: the stored metadata (tags, keys of other
tools, the item's own ACL), record fields the form does not know and – where the form does not
edit it – the wiki text are carried over; a summary written by hand stays (see :func:`save_record`).
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import threading
import time
from contextlib import contextmanager
from typing import Any, Callable, Iterator, Mapping

from flask import current_app
from flask import g as flaskg
from moin.constants.keys import (
    ACTION,
    ADDRESS,
    COMMENT,
    CURRENT,
    DATAID,
    HASH_ALGORITHM,
    HOSTNAME,
    ITEMID,
    MTIME,
    NAME_OLD,
    NAMESPACE,
    REVID,
    SIZE,
    USERID,
)
from moin.items import Item
from moin.storage.middleware.exceptions import AccessDenied  # noqa: F401 – re-exported for views
from moin.utils.names import split_fqname

from moin_gaa.core.moin_internals import WorkflowStorage, request_storage, save_revision
from moin_gaa.core.records import RECORD_FIELDS, RECORD_TYPE
from moin_gaa.core.storage import MOINWIKI

log = logging.getLogger(__name__)

# Metadata moin sets on every save: never copied to the next revision.  DATAID above all – moin's
# store writes the new content under a DATAID it is given, i.e. over the previous revision's content.
AUTOMATIC_META = (REVID, DATAID, SIZE, HASH_ALGORITHM, MTIME, COMMENT, ACTION, ADDRESS, HOSTNAME, USERID, NAME_OLD)
LOCK_DIR = os.path.join("locks", "items")  # below the instance directory
LOCK_TIMEOUT = 30.0  # seconds a save waits for another save of the same item
INDEX_WAIT = 15.0  # seconds a save waits for moin's index to show its revision


class EditConflict(Exception):
    """The item changed since the form was loaded."""


class ItemBusy(EditConflict):
    """Another save of the same item did not finish in time."""


class AlreadyExists(Exception):
    """A new record would take the name of an existing item."""


_held = threading.local()


@contextmanager
def file_lock(directory: str, key: str, timeout: float = LOCK_TIMEOUT) -> Iterator[None]:
    """An exclusive lock on ``key`` for threads and processes (``flock`` on a file below ``directory``).

    Re-entrant within a thread (a save inside a save of the same item does not wait for itself);
    :class:`ItemBusy` after ``timeout`` seconds.  A process that dies releases its locks.
    """
    path = os.path.join(directory, hashlib.sha256(key.encode("utf-8")).hexdigest() + ".lock")
    held: dict[str, int] = _held.__dict__.setdefault("paths", {})
    if path in held:
        held[path] += 1
        try:
            yield
        finally:
            held[path] -= 1
        return
    os.makedirs(directory, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise ItemBusy(key) from None
                time.sleep(0.02)
        held[path] = 1
        try:
            yield
        finally:
            del held[path]
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


@contextmanager
def item_lock(name: str) -> Iterator[None]:
    """Serialise our saves of one item (all threads and processes of this instance)."""
    with file_lock(os.path.join(current_app.cfg.instance_dir, LOCK_DIR), name):
        yield


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
    text: str | None,
    *,
    meta_updates: Mapping[str, Any] | Callable[[dict[str, Any]], Mapping[str, Any]],
    comment: str,
    base_revid: str | None = None,
    new: bool = False,
    contenttype: str = MOINWIKI,
) -> str:
    """Write an item as a new revision with the current user's rights (AccessDenied if not allowed); its revid.

    ``meta_updates`` go over the current metadata (``{"acl": "None"}`` removes the item's ACL); a
    callable gets the current metadata (empty for a new item) and returns them – it runs under the
    item's lock, so a read-modify-write cannot lose a save that came in between.  ``text=None``
    keeps the current content.  ``new`` refuses an existing name; ``base_revid`` refuses a save
    over a newer revision (:class:`EditConflict`).
    """
    with item_lock(name):
        item = Item.create(name, contenttype=contenttype, itemtype="default")  # AccessDenied without read right
        exists = REVID in item.meta  # moin gives a new name a dummy revision without one
        if new and exists:
            raise AlreadyExists(name)
        if exists and base_revid is not None and item.meta[REVID] != base_revid:
            raise EditConflict(name)
        stored = dict(item.meta) if exists else {}
        updates = meta_updates(dict(stored)) if callable(meta_updates) else meta_updates
        if not exists:
            meta: dict[str, Any] = {"contenttype": contenttype, "itemtype": "default"}
        else:
            meta = item.prepare_meta_for_modify(stored)  # the revid becomes the parent id
            for key in AUTOMATIC_META:
                meta.pop(key, None)
        meta.update(updates)
        revid, _size = save_revision(item, meta, "" if text is None and not exists else text, comment)
        _wait_until_indexed(name, revid)
        return revid


def _wait_until_indexed(name: str, revid: str) -> None:
    """Hold the item's lock until moin's latest-revisions index shows ``revid``.

    moin indexes with whoosh's AsyncWriter: when another writer holds the index, the update is
    written later by a thread, and until then moin reports the previous revision as current – a
    conflict check or a read-modify-write right after would work on stale data.
    """
    deadline = time.monotonic() + INDEX_WAIT
    query = split_fqname(name).query
    while current_app.storage.get_item(**query).meta.get(REVID) != revid:
        if time.monotonic() > deadline:
            log.warning("%s: moin's index does not show revision %s after %.0f s", name, revid, INDEX_WAIT)
            return
        time.sleep(0.02)


def save_record(
    name: str,
    text: str | None,
    *,
    record_type: str,
    fields: Mapping[str, Any] | Callable[[dict[str, Any]], Mapping[str, Any]],
    summary: str | None,
    comment: str,
    acl: str | Callable[[str | None], str | None] | None = None,
    summary_of: Callable[[Mapping[str, Any]], str] | None = None,
    **options: Any,
) -> str:
    """Write a record (``gaa_type``/``gaa_fields``); its revid.

    ``fields`` go over the stored fields: fields the form does not know stay (a callable gets the
    stored fields, read under the item's lock, and returns the changed ones).  ``summary`` (None:
    keep the stored one) replaces the stored summary only if that is empty or is what
    ``summary_of(stored fields)`` gives – the one the form derived itself; a summary written by
    hand stays.  ``acl`` sets the item's ACL (needs moin's admin right if it changes); a callable
    gets the stored ACL (None if the item has none) and returns the new one (None: keep).
    ``options`` are those of :func:`save_item` (``base_revid``, ``new``, ``contenttype``).
    """

    def updates(stored: dict[str, Any]) -> dict[str, Any]:
        same_type = stored.get(RECORD_TYPE) == record_type
        stored_fields = dict(stored.get(RECORD_FIELDS) or {}) if same_type else {}
        changed = fields(dict(stored_fields)) if callable(fields) else fields
        result: dict[str, Any] = {RECORD_TYPE: record_type, RECORD_FIELDS: {**stored_fields, **changed}}
        if summary is not None:
            stored_summary = stored.get("summary") or ""
            derived = summary_of(stored_fields) if summary_of is not None and same_type else None
            if not stored_summary or summary_of is None or stored_summary == derived:
                result["summary"] = summary
        new_acl = acl(stored.get("acl")) if callable(acl) else acl
        if new_acl is not None:
            result["acl"] = new_acl
        return result

    return save_item(name, text, meta_updates=updates, comment=comment, **options)


@contextmanager
def workflow_rights() -> Iterator[None]:
    """Write what our workflow has allowed, where moin's ACL lets users only read.

    Discussion items are read-only for users in moin's editor; whether someone may post, edit,
    hide, lock or move is decided by our views (membership, dates, locks, authorship).  Inside
    this block the current user may write anywhere – still as themselves, so history, the
    ``item_modified`` signal (catalog, moin's notification mails) and validation stay moin's.
    """
    app = current_app
    with request_storage(WorkflowStorage(app.storage, flaskg.user, app.cfg.acl_mapping)):
        yield


def subscribe_current_user(name: str) -> None:
    """Subscribe the current user to an item, so moin mails them its changes (where mail is set up)."""
    meta, _text = current(name) or ({}, "")
    if meta.get(ITEMID) and flaskg.user.valid:
        flaskg.user.subscribe(ITEMID, meta[ITEMID], meta.get(NAMESPACE, ""))
