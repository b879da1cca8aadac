"""Unread threads and posts: per person and thread the newest post seen, kept in the notification store's file.

What a person has read is private, small and changes at every visit: as wiki items or in moin's user profile
(which moin rewrites as a whole at every save) it would cost a revision per page view.  So it lives in a table
of its own in the notification store's SQLite file (:mod:`moin_gaa.notifications.store`):

* ``thread_seen(reader, thread, seen)`` – moin's user id, the thread's item id (survives a move) and the
  creation time (microseconds, UTC) of the newest post the person was *shown* of it;
* the row with ``thread = ''`` is the person's start: the first time a list or thread showed them unread
  state.  Threads and posts from before it count as read, so a new account does not find the whole wiki „neu“.

A post is unread when someone else wrote it after the person's marker (their row of the thread, else their
start); a thread is „neu“ when they never opened it and someone else started it after their start.
Anonymous visitors have no unread state.

Opening a thread (a GET page view) moves the marker to the newest post on the page it shows and marks the
person's notifications about the thread and its posts read.  That is a state change without a form, as moin's
own trail of visited pages is: it only ever changes the visitor's own view state, so a forged link can do
nothing but mark something read for the person who follows it – no CSRF exposure worth a token.

Cost: a thread list asks the store once per page for all shown threads (one indexed query); the posts' times
and authors come from the catalog memo (read once per catalog segment:
:func:`~moin_gaa.discussions.thread_index.post_stamps`).
A store that cannot be read costs the marks, never the page.
"""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Callable, Iterable

from flask import current_app
from flask import g as flaskg

from moin_gaa.core.catalog import CatalogReader
from moin_gaa.core.records import Record
from moin_gaa.discussions.thread_index import PostKey, PostStamp, post_stamps, readable_posts
from moin_gaa.notifications.store import NotificationStore, notification_store

log = logging.getLogger(__name__)

SCHEMA = """
CREATE TABLE IF NOT EXISTS thread_seen (
    reader TEXT NOT NULL,   -- moin user id
    thread TEXT NOT NULL,   -- the thread's item id; '' = the person's start (START)
    seen INTEGER NOT NULL,  -- microseconds since 1970 (UTC): the newest post shown, or the start
    PRIMARY KEY (reader, thread)
) WITHOUT ROWID;
"""
START = ""
MAX_PARAMETERS = 500  # more shown threads than this: read all of the person's rows instead of naming them
NOTIFICATIONS_CHECKED = 500  # the newest unread notifications compared with an opened thread's items
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
EXTENSION = "gaa_thread_seen"


def micros(iso: str) -> int:
    """An ISO time (a post's ``erstellt``) as microseconds since 1970, UTC; 0 for anything else."""
    try:
        moment = datetime.fromisoformat(iso)
    except ValueError:
        return 0
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return (moment - EPOCH) // timedelta(microseconds=1)


def now_micros() -> int:
    return micros(datetime.now(timezone.utc).isoformat())


class SeenStore:
    """The ``thread_seen`` table in the notification store's file (its connections and transactions)."""

    def __init__(self, store: NotificationStore) -> None:
        self.store = store
        store.connection().executescript(SCHEMA)

    def markers(self, reader: str, threads: Iterable[str], *, now: int | None = None) -> tuple[int, dict[str, int]]:
        """(start, newest post seen per thread) of ``reader`` for ``threads`` – one query; the start is set on
        first use (to the second before ``now``: threads carry their creation time in whole seconds)."""
        wanted = sorted(set(threads))
        db = self.store.connection()
        if len(wanted) <= MAX_PARAMETERS:
            rows = db.execute(f"SELECT thread, seen FROM thread_seen WHERE reader = ? AND thread IN "
                              f"({', '.join('?' * (len(wanted) + 1))})", (reader, START, *wanted)).fetchall()
        else:
            rows = db.execute("SELECT thread, seen FROM thread_seen WHERE reader = ?", (reader,)).fetchall()
        seen = dict(rows)
        start = seen.pop(START, None)
        if start is None:
            moment = now if now is not None else now_micros()
            start = moment - moment % 1_000_000 - 1
            with self.store.transaction() as writing:
                writing.execute("INSERT OR IGNORE INTO thread_seen (reader, thread, seen) VALUES (?, ?, ?)",
                                (reader, START, start))
        return start, seen

    def mark(self, reader: str, thread: str, seen: int) -> None:
        """The newest post ``reader`` was shown of ``thread``; a marker never goes back."""
        with self.store.transaction() as db:
            db.execute("INSERT INTO thread_seen (reader, thread, seen) VALUES (?, ?, ?) ON CONFLICT (reader, thread) "
                       "DO UPDATE SET seen = max(seen, excluded.seen)", (reader, thread, seen))


def seen_store() -> SeenStore:
    app = current_app
    found = app.extensions.get(EXTENSION)
    if found is None or found.store is not notification_store(app):
        found = app.extensions[EXTENSION] = SeenStore(notification_store(app))
    return found


def _viewer() -> tuple[str, str] | None:
    """(user id, account name) of a logged-in viewer; None for anonymous visitors."""
    user = getattr(flaskg, "user", None)
    return (user.itemid, user.name0) if user is not None and user.valid else None


@dataclass(frozen=True)
class Mark:
    """A thread's unread state for one person."""

    new: bool  # never opened, and started by someone else since the person's start
    unread: int  # posts of others after the newest post the person was shown
    first: str = ""  # the id of the oldest of them (the list links there)

    @property
    def any(self) -> bool:
        return self.new or self.unread > 0


def mark_of(thread: Record, stamps: Iterable[PostStamp], me: str, seen: int | None, start: int) -> Mark:
    since = start if seen is None else seen
    unread = sorted((micros(s.erstellt), s.id) for s in stamps if s.autor != me and micros(s.erstellt) > since)
    started = micros(str(thread.fields.get("erstellt", "")))
    return Mark(new=seen is None and str(thread.fields.get("autor", "")) != me and started > start,
                unread=len(unread), first=unread[0][1] if unread else "")


def list_marks(reader: CatalogReader, threads: list[Record], posts: dict[str, set[int]]) -> dict[str, Mark]:
    """The viewer's marks of listed threads (item id → Mark; empty for visitors); ``posts`` as
    :func:`~moin_gaa.discussions.thread_index.readable_posts` gives them.  One store query."""
    viewer = _viewer()
    if viewer is None:
        return {}  # an empty list still sets the person's start: what comes later is new to them
    try:
        start, seen = seen_store().markers(viewer[0], [t.itemid for t in threads])
    except sqlite3.Error:
        log.exception("PartnerWiki unread state cannot be read")
        return {}
    stamps = post_stamps(reader, set().union(*posts.values()))
    return {t.itemid: mark_of(t, (stamps[n] for n in posts.get(t.itemid, ())), viewer[1], seen.get(t.itemid), start)
            for t in threads}


def unread_only(reader: CatalogReader) -> Callable[[list[int]], list[int]]:
    """„nur ungelesene“: a ``keep`` for :func:`~moin_gaa.discussions.thread_index.thread_page` (order kept)."""
    def keep(ordered: list[int]) -> list[int]:
        threads = reader.records(ordered)
        marks = list_marks(reader, threads, readable_posts(reader, threads))
        return [n for n, t in zip(ordered, threads) if t.itemid in marks and marks[t.itemid].any]
    return keep


class ThreadVisit:
    """The viewer's visit of one thread: which posts are new to them; :meth:`shown` marks what a page showed."""

    def __init__(self, thread_itemid: str, thread_created: str, keys: list[PostKey]) -> None:
        """``keys``: the thread's readable posts (:func:`~moin_gaa.discussions.thread_index.thread_skeleton`)."""
        self.thread, self.created, self.keys = thread_itemid, micros(thread_created), keys
        self.viewer = _viewer()
        self.unread: set[str] = set()
        self.first = ""
        self.seen: int | None = None
        if self.viewer is None:
            return
        try:
            start, seen = seen_store().markers(self.viewer[0], [thread_itemid])
        except sqlite3.Error:
            log.exception("PartnerWiki unread state cannot be read")
            self.viewer = None
            return
        self.seen = seen.get(thread_itemid)
        since = start if self.seen is None else self.seen
        me = self.viewer[1]
        new = sorted((micros(k.erstellt), k.id) for k in keys if k.autor != me and micros(k.erstellt) > since)
        self.unread = {post_id for _, post_id in new}
        self.first = new[0][1] if new else ""

    def shown(self, reader: CatalogReader, post_ids: Iterable[str]) -> None:
        """The page showed ``post_ids``: the newest of them (or the thread's start) becomes the marker, and the
        viewer's notifications about the thread and its posts are read."""
        if self.viewer is None:
            return
        shown = set(post_ids)
        newest = max([self.created] + [micros(k.erstellt) for k in self.keys if k.id in shown])
        try:
            if self.seen is None or newest > self.seen:
                seen_store().mark(self.viewer[0], self.thread, newest)
            store = notification_store()
            if waiting := store.unread_itemids(self.viewer[0], limit=NOTIFICATIONS_CHECKED):
                ours = {self.thread} | {s.itemid for s in post_stamps(reader, [k.docnum for k in self.keys]).values()}
                store.mark_items_read(self.viewer[0], waiting & ours)
        except sqlite3.Error:
            log.exception("PartnerWiki unread state cannot be stored")
