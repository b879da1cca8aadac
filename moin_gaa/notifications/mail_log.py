"""What went out by e-mail: two small tables of our own in the notification store's SQLite file.

* ``notification_mails`` – one row per notification that is settled for mail: ``sofort`` (mailed at once),
  ``abo`` (the same save reached the person through moin's subscription mail, see
  :mod:`moin_gaa.notifications.mails`), ``nie`` (the person wanted no mail when it happened) or
  ``zusammenfassung`` (it was in a digest).  A notification without a row waits for the next digest.
* ``digests`` – per person and kind (``persoenlich``: the daily or weekly digest of their notifications,
  ``netzwerk``: „Neues im PartnerWiki“) when the last one went out and the newest notification it covered.
  This makes ``partnerwiki gaa-digest`` idempotent: a second run the same day (week) finds nothing due.

Both live in the same file as the notifications (one backup, one WAL), written through the store's own
connection of the thread.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Iterable

from blinker import Namespace
from flask import Flask, current_app

from moin_gaa.notifications.store import COLUMNS, Notification, NotificationStore, _row, notification_store

SCHEMA = """
CREATE TABLE IF NOT EXISTS notification_mails (
    notification_id INTEGER PRIMARY KEY,  -- notifications.id
    how TEXT NOT NULL,                    -- sofort, abo, nie, zusammenfassung
    settled TEXT NOT NULL                 -- ISO 8601, UTC
);
CREATE TABLE IF NOT EXISTS digests (
    recipient TEXT NOT NULL,              -- moin user id
    kind TEXT NOT NULL,                   -- persoenlich, netzwerk
    sent TEXT NOT NULL,                   -- ISO 8601, UTC: when the last one went out
    last_id INTEGER NOT NULL DEFAULT 0,   -- the newest notification it covered (persoenlich)
    PRIMARY KEY (recipient, kind)
);
"""
# sent by the item_modified receiver (events.notify) with ``notes`` = [(id, NewNotification)] and the revision's
# ``meta`` once a save's notifications are stored: the mail at once listens (moin_gaa.notifications.mails)
stored = Namespace().signal("gaa-notifications-stored")
AT_ONCE, BY_SUBSCRIPTION, NEVER, IN_DIGEST = "sofort", "abo", "nie", "zusammenfassung"
PERSONAL, NETWORK = "persoenlich", "netzwerk"


@dataclass(frozen=True)
class LastDigest:
    sent: datetime
    last_id: int


class MailLog:
    """The mail state beside ``store``'s notifications (same file, same per-thread connections)."""

    def __init__(self, store: NotificationStore) -> None:
        self.store = store
        self._ready = False

    def _db(self) -> sqlite3.Connection:
        db = self.store.connection()
        if not self._ready:
            db.executescript(SCHEMA)
            self._ready = True
        return db

    def _writing(self):
        self._db()
        return self.store.transaction()

    def settle(self, settled: Iterable[tuple[int, str]], *, now: datetime | None = None) -> None:
        """Record how each ``(notification id, how)`` was dealt with; a settled one is never mailed again."""
        rows = [(id_, how, (now or datetime.now(timezone.utc)).isoformat(timespec="seconds")) for id_, how in settled]
        if rows:
            with self._writing() as db:
                db.executemany("INSERT OR IGNORE INTO notification_mails (notification_id, how, settled) "
                               "VALUES (?, ?, ?)", rows)

    def how(self, notification_id: int) -> str | None:
        row = self._db().execute("SELECT how FROM notification_mails WHERE notification_id = ?",
                                 (notification_id,)).fetchone()
        return row[0] if row else None

    def waiting_recipients(self, since: datetime) -> list[str]:
        """People with unread notifications since ``since`` that no mail has dealt with yet."""
        rows = self._db().execute(
            "SELECT DISTINCT n.recipient FROM notifications n WHERE n.read = 0 AND n.created >= ? "
            "AND NOT EXISTS (SELECT 1 FROM notification_mails m WHERE m.notification_id = n.id) "
            "AND n.id > COALESCE((SELECT d.last_id FROM digests d WHERE d.recipient = n.recipient AND d.kind = ?), 0) "
            "ORDER BY n.recipient", (since.isoformat(timespec="seconds"), PERSONAL)).fetchall()
        return [recipient for (recipient,) in rows]

    def waiting(self, recipient: str, since: datetime, after_id: int, limit: int) -> list[Notification]:
        """A person's unread notifications for the digest, oldest first (at most ``limit``)."""
        cols = ", ".join(f"n.{c.strip()}" for c in COLUMNS.split(","))
        rows = self._db().execute(
            f"SELECT {cols} FROM notifications n WHERE n.recipient = ? AND n.id > ? AND n.read = 0 AND n.created >= ? "
            "AND NOT EXISTS (SELECT 1 FROM notification_mails m WHERE m.notification_id = n.id) ORDER BY n.id LIMIT ?",
            (recipient, after_id, since.isoformat(timespec="seconds"), limit)).fetchall()
        return [_row(r) for r in rows]

    def last_digest(self, recipient: str, kind: str) -> LastDigest | None:
        row = self._db().execute("SELECT sent, last_id FROM digests WHERE recipient = ? AND kind = ?",
                                 (recipient, kind)).fetchone()
        return LastDigest(datetime.fromisoformat(row[0]), row[1]) if row else None

    def digests_sent(self, sent: Iterable[tuple[str, str, int, list[int]]], *, now: datetime) -> None:
        """``(recipient, kind, last id, notification ids in it)`` of digests that went out, in one transaction."""
        stamp = now.isoformat(timespec="seconds")
        sent = list(sent)
        with self._writing() as db:
            db.executemany("INSERT INTO digests (recipient, kind, sent, last_id) VALUES (?, ?, ?, ?) "
                           "ON CONFLICT (recipient, kind) DO UPDATE SET sent = excluded.sent, "
                           "last_id = max(digests.last_id, excluded.last_id)",
                           [(recipient, kind, stamp, last_id) for recipient, kind, last_id, _ in sent])
            db.executemany("INSERT OR IGNORE INTO notification_mails (notification_id, how, settled) VALUES (?, ?, ?)",
                           [(id_, IN_DIGEST, stamp) for *_, ids in sent for id_ in ids])



EXTENSION = "gaa_notification_mail_log"


def mail_log(app: Flask | None = None) -> MailLog:
    """The mail state of ``app``'s notification store (default: the current app)."""
    app = app or current_app
    found = app.extensions.get(EXTENSION)
    if found is None:
        found = app.extensions[EXTENSION] = MailLog(notification_store(app))
    return found
