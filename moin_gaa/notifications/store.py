"""The notification store: one SQLite file in the instance directory, not wiki items.

Notifications are many (100,000 at 1,000 people), small and private to their recipient; as wiki items they
would swell moin's indexes and history.  The store holds only *what happened to which item*: the item's id
(its name then, as a fallback), who did it, a short detail the event carries (a rejection's reason, the
moderation's question) and whether the recipient has read it.  Titles, thread names and links are looked
up when a notification is shown, with the viewer's read rights of that moment
(:mod:`moin_gaa.notifications.inbox`).

SQLite from the standard library in WAL mode: readers never wait for the writer, several gunicorn workers
and threads share the file.  Each thread of each process has its own connection (:class:`threading.local`,
opened anew after a fork); writes wait up to ``BUSY_TIMEOUT_MS`` for another writer.  Indexes by recipient
and read state keep a person's page, the unread count and marking read independent of the other people's
notifications.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Iterable

from flask import Flask, current_app

BUSY_TIMEOUT_MS = 10_000
SCHEMA = """
CREATE TABLE IF NOT EXISTS notifications (
    id INTEGER PRIMARY KEY,
    recipient TEXT NOT NULL,        -- moin user id (survives a rename)
    kind TEXT NOT NULL,             -- see moin_gaa.notifications.events.KINDS
    itemid TEXT NOT NULL,           -- the item it is about; read rights are decided on it when shown
    item_name TEXT NOT NULL,        -- its name when it happened (only for a destroyed item)
    actor TEXT NOT NULL DEFAULT '', -- the account name of who did it
    detail TEXT NOT NULL DEFAULT '',-- a rejection's reason, the moderation's question (shown only where readable)
    created TEXT NOT NULL,          -- ISO 8601, UTC
    read INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS notifications_by_recipient ON notifications (recipient, id);
CREATE INDEX IF NOT EXISTS notifications_unread ON notifications (recipient, read, id);
"""


@dataclass(frozen=True)
class NewNotification:
    recipient: str
    kind: str
    itemid: str
    item_name: str
    actor: str = ""
    detail: str = ""


@dataclass(frozen=True)
class Notification:
    id: int
    recipient: str
    kind: str
    itemid: str
    item_name: str
    actor: str
    detail: str
    created: datetime
    read: bool


def _row(row: tuple) -> Notification:
    id_, recipient, kind, itemid, item_name, actor, detail, created, read = row
    return Notification(id_, recipient, kind, itemid, item_name, actor, detail, datetime.fromisoformat(created), bool(read))


COLUMNS = "id, recipient, kind, itemid, item_name, actor, detail, created, read"


class NotificationStore:
    """All notifications of one wiki; safe for several threads and processes."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._local = threading.local()
        self._db().executescript(SCHEMA)

    def _db(self) -> sqlite3.Connection:
        """This thread's connection (autocommit: a read is one statement and sees the last commit)."""
        local = self._local
        if getattr(local, "pid", None) != os.getpid():  # a forked worker never uses its parent's connection
            os.makedirs(os.path.dirname(os.path.abspath(self.path)), exist_ok=True)
            db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")  # WAL: a power cut may lose the last notifications, never the file
            db.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            local.db, local.pid = db, os.getpid()
        return local.db

    def _writing(self) -> _Transaction:
        return _Transaction(self._db())

    def add(self, notifications: Iterable[NewNotification], *, now: datetime | None = None) -> list[int]:
        """Store ``notifications`` in one transaction; their ids, in order (the mails record by id)."""
        created = (now or datetime.now(timezone.utc)).isoformat(timespec="seconds")
        rows = [(n.recipient, n.kind, n.itemid, n.item_name, n.actor, n.detail, created) for n in notifications]
        if not rows:
            return []
        with self._writing() as db:
            return [db.execute("INSERT INTO notifications (recipient, kind, itemid, item_name, actor, detail, created) "
                               "VALUES (?, ?, ?, ?, ?, ?, ?)", row).lastrowid for row in rows]

    def page(self, recipient: str, *, offset: int, limit: int) -> list[Notification]:
        """A recipient's notifications, newest first."""
        rows = self._db().execute(f"SELECT {COLUMNS} FROM notifications WHERE recipient = ? ORDER BY id DESC "
                                  "LIMIT ? OFFSET ?", (recipient, limit, offset)).fetchall()
        return [_row(r) for r in rows]

    def count(self, recipient: str) -> int:
        return self._db().execute("SELECT count(*) FROM notifications WHERE recipient = ?", (recipient,)).fetchone()[0]

    def unread(self, recipient: str, *, limit: int) -> list[Notification]:
        """The newest ``limit`` unread notifications of a recipient."""
        rows = self._db().execute(f"SELECT {COLUMNS} FROM notifications WHERE recipient = ? AND read = 0 "
                                  "ORDER BY id DESC LIMIT ?", (recipient, limit)).fetchall()
        return [_row(r) for r in rows]

    def mark_read(self, recipient: str, notification_id: int) -> bool:
        """Mark one of the recipient's own notifications read; False if the recipient has none with this id."""
        with self._writing() as db:
            found = db.execute("UPDATE notifications SET read = 1 WHERE id = ? AND recipient = ?",
                               (notification_id, recipient)).rowcount
        return bool(found)

    def mark_all_read(self, recipient: str) -> int:
        with self._writing() as db:
            return db.execute("UPDATE notifications SET read = 1 WHERE recipient = ? AND read = 0", (recipient,)).rowcount

    def unread_itemids(self, recipient: str, *, limit: int) -> set[str]:
        """The items of a recipient's newest ``limit`` unread notifications (the unread index answers it)."""
        rows = self._db().execute("SELECT itemid FROM notifications WHERE recipient = ? AND read = 0 ORDER BY id DESC "
                                  "LIMIT ?", (recipient, limit)).fetchall()
        return {itemid for (itemid,) in rows}

    def mark_items_read(self, recipient: str, itemids: Iterable[str]) -> int:
        """Mark the recipient's unread notifications about ``itemids`` read (a thread the person opened)."""
        wanted = sorted(set(itemids))
        if not wanted:
            return 0
        with self._writing() as db:
            return db.execute(f"UPDATE notifications SET read = 1 WHERE recipient = ? AND read = 0 AND itemid IN "
                              f"({', '.join('?' * len(wanted))})", (recipient, *wanted)).rowcount

    def connection(self) -> sqlite3.Connection:
        """This thread's connection, for modules that keep tables of their own in this file (``unread.py``)."""
        return self._db()

    def transaction(self) -> _Transaction:
        """``with store.transaction() as db:`` – one write transaction on this thread's connection."""
        return self._writing()


class _Transaction:
    """``with``: one transaction on the thread's connection (BEGIN IMMEDIATE: writers queue, never deadlock)."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def __enter__(self) -> sqlite3.Connection:
        self.db.execute("BEGIN IMMEDIATE")
        return self.db

    def __exit__(self, kind, _value, _traceback) -> None:
        self.db.execute("ROLLBACK" if kind else "COMMIT")


EXTENSION = "gaa_notifications"
_opening = threading.Lock()


def store_path(cfg) -> str:
    """``gaa_notifications_db`` in wikiconfig.py, else ``<instance>/gaa-notifications.sqlite3``."""
    return getattr(cfg, "gaa_notifications_db", None) or os.path.join(cfg.instance_dir, "gaa-notifications.sqlite3")


def notification_store(app: Flask | None = None) -> NotificationStore:
    """The store of ``app`` (default: the current app), opened on first use."""
    app = app or current_app
    store = app.extensions.get(EXTENSION)
    if store is None:
        with _opening:
            store = app.extensions.get(EXTENSION)
            if store is None:
                store = app.extensions[EXTENSION] = NotificationStore(store_path(app.cfg))
    return store
