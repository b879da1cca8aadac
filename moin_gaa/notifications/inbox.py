"""Notifications as their recipient may see them *now*: read rights decided at display time.

The store keeps an item id per notification.  When a page or the header badge shows notifications, each
item is looked up again and moin decides whether the viewer may read it at this moment
(:class:`~moin_gaa.core.access.ReadRights`: moin's ``may_read_rev``, once per distinct ACL, parents and
namespace).  Someone who left a private group, or whose post the moderation hid, sees „Kein Zugriff mehr“:
no title, no thread name, no author, no detail.  The title and link follow a renamed or moved item.

The badge counts unread notifications whose item is readable, among the newest ``BADGE_CHECKED`` unread
ones: one indexed query, one index document per distinct item and one ACL decision per distinct ACL key –
a person with thousands of unread notifications costs no more than one with fifty (then the badge says
„50+“).
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Iterable, Mapping

from flask import current_app, url_for
from flask import g as flaskg
from moin.constants.keys import ACL, BACKENDNAME, ITEMID, LATEST_REVS, NAME, NAME_EXACT, NAMESPACE, REVID, TRASH
from whoosh.query import Or, Term

from moin_gaa.core.access import ReadRights
from moin_gaa.core.moin_internals import index_generations, index_searcher
from moin_gaa.core.records import RECORD_FIELDS, Record
from moin_gaa.notifications import events
from moin_gaa.notifications.store import Notification, notification_store

log = logging.getLogger(__name__)

PAGE_SIZE = 20
BADGE_CHECKED = 50

# what happened, after the actor's name; the item's title follows
SENTENCES = {
    events.REPLY_TO_POST: "hat auf Ihren Beitrag geantwortet im Thema",
    events.REPLY_IN_THREAD: "hat in Ihrem Thema geantwortet:",
    events.MENTION: "hat Sie erwähnt im Thema",
    events.NEW_THREAD: "hat ein neues Thema eröffnet, wo Sie abonniert haben:",
    events.TOOL_PUBLISHED: "hat Ihren Werkzeug-Vorschlag veröffentlicht:",
    events.TOOL_HIGHLIGHTED: "hat Ihren Werkzeug-Vorschlag hervorgehoben:",
    events.TOOL_REJECTED: "hat Ihren Werkzeug-Vorschlag abgelehnt:",
    events.TOOL_QUESTION: "hat eine Rückfrage zu Ihrem Werkzeug-Vorschlag:",
    events.JOIN_REQUEST: "möchte der Gruppe beitreten, die Sie moderieren:",
    events.JOIN_ACCEPTED: "hat Sie in die Gruppe aufgenommen:",
    events.JOIN_REJECTED: "hat Ihre Beitrittsanfrage abgelehnt:",
    events.PROFILE_EDITOR: "hat Sie in die Redaktion des Kommunenprofils eingetragen:",
}
DETAIL_LABELS = {events.TOOL_REJECTED: "Begründung", events.TOOL_QUESTION: "Frage"}


@dataclass(frozen=True)
class Entry:
    """One notification as shown; for an unreadable item only ``id``, ``created``, ``read`` and ``state``."""

    id: int
    created: datetime
    read: bool
    state: str  # "lesbar", "kein_zugriff" (no read right now), "entfernt" (the item is gone)
    actor: str = ""
    sentence: str = ""
    title: str = ""
    link: str = ""
    detail_label: str = ""
    detail: str = ""


@dataclass(frozen=True)
class Badge:
    count: int
    more: bool  # there are unread notifications beyond the BADGE_CHECKED checked

    @property
    def label(self) -> str:
        return f"{self.count}+" if self.more else str(self.count)


def _records(docs: Iterable[Mapping[str, Any]]) -> dict[str, tuple[Record, str]]:
    """itemid → (the item's latest index document as far as read rights need it, its backend); trashed and
    nameless items are left out (gone for the viewer)."""
    found = {}
    for doc in docs:
        if not doc.get(TRASH) and doc.get(NAME):
            found[doc[ITEMID]] = (Record(itemid=doc[ITEMID], revid=doc[REVID], names=tuple(doc[NAME]),
                                         namespace=doc.get(NAMESPACE, ""), record_type="", acl=doc.get(ACL)),
                                  doc[BACKENDNAME])
    return found


def _latest_documents(field: str, values: Iterable[str]) -> list[Mapping[str, Any]]:
    """The latest-revision index documents whose ``field`` is one of ``values``: one query for all of them."""
    terms = [Term(field, value) for value in sorted(set(values))]
    if not terms:
        return []
    with index_searcher(current_app.storage, LATEST_REVS) as searcher:
        return [hit.fields() for hit in searcher.search(Or(terms), limit=None)]


class ItemLookup:
    """Items as notifications need them, looked up once: index documents (one query per batch), a thread by its
    name, each revision's record fields (read once from storage).  Valid for one state of moin's indexes: see
    :func:`shared_items`."""

    def __init__(self) -> None:
        self.records: dict[str, Record | None] = {}
        self.backends: dict[str, str] = {}
        self.fields_of: dict[str, Mapping[str, Any]] = {}
        self.named: dict[str, Record | None] = {}  # a thread by its name (the post's parent)
        # badge counts by (person, name, their unread ids): read rights change only with ACLs and member lists,
        # which are items – so they hold for this state of the indexes as the items do
        self.badges: dict[tuple, Badge] = {}

    def _remember(self, docs: Iterable[Mapping[str, Any]]) -> dict[str, Record]:
        found = _records(docs)
        for itemid, (record, backend) in found.items():
            self.records[itemid], self.backends[itemid] = record, backend
        return {itemid: record for itemid, (record, _backend) in found.items()}

    def prefetch(self, itemids: Iterable[str]) -> None:
        """Look up every item of ``itemids`` not looked up yet, in one index query."""
        missing = {i for i in itemids if i not in self.records}
        self._remember(_latest_documents(ITEMID, missing))
        for itemid in missing:
            self.records.setdefault(itemid, None)

    def record(self, itemid: str) -> Record | None:
        self.prefetch([itemid])
        return self.records[itemid]

    def by_name(self, name: str) -> Record | None:
        """The item called ``name`` in the default namespace (a post's thread)."""
        if name not in self.named:
            found = [r for r in self._remember(_latest_documents(NAME_EXACT, [name])).values() if r.namespace == ""]
            self.named[name] = found[0] if found else None
        return self.named[name]

    def fields(self, record: Record) -> Mapping[str, Any]:
        """The record fields of the item's latest revision (``record`` as looked up here)."""
        if record.itemid not in self.fields_of:
            meta, data = current_app.storage.backend.retrieve(self.backends[record.itemid], record.revid)
            data.close()
            self.fields_of[record.itemid] = meta.get(RECORD_FIELDS) or {}
        return self.fields_of[record.itemid]


SHARED = "gaa_notification_items"
MAX_SHARED_ITEMS = 20_000  # items remembered per process before starting afresh
_sharing = threading.Lock()


def shared_items() -> ItemLookup:
    """This process's :class:`ItemLookup` for the current state of moin's indexes, shared by every request, badge
    and digest mail.  What it holds changes only with a new revision (a save, a rename, an ACL or member list
    changed, an item trashed), and every commit changes the indexes' generations: then a new, empty lookup
    starts.  Read rights are not in it – :class:`Visibility` decides them per viewer and request."""
    app = current_app._get_current_object()
    state = tuple(index_generations(app.storage))
    with _sharing:
        found = app.extensions.get(SHARED)
        if found is None or found[0] != state or len(found[1].records) + len(found[1].badges) > MAX_SHARED_ITEMS:
            found = app.extensions[SHARED] = (state, ItemLookup())
    return found[1]


class Visibility:
    """Which items the viewer may read now: the items from an :class:`ItemLookup` (default: :func:`shared_items`),
    one ACL decision per key.

    ``rights``: another person's read rights (a mail to them, :mod:`moin_gaa.notifications.mails`)."""

    def __init__(self, rights: ReadRights | None = None, items: ItemLookup | None = None) -> None:
        self.rights = rights if rights is not None else ReadRights()
        self.items = items if items is not None else shared_items()

    def prefetch(self, itemids: Iterable[str]) -> None:
        self.items.prefetch(itemids)

    def record(self, itemid: str) -> Record | None:
        return self.items.record(itemid)

    def fields(self, record: Record) -> Mapping[str, Any]:
        return self.items.fields(record)

    def readable(self, itemid: str) -> bool:
        record = self.record(itemid)
        return record is not None and self.rights(record)

    def readable_name(self, name: str) -> Record | None:
        record = self.items.by_name(name)
        return record if record is not None and self.rights(record) else None


def entry(note: Notification, seen: Visibility) -> Entry:
    record = seen.record(note.itemid)
    if record is None:
        return Entry(note.id, note.created, note.read, "entfernt")
    if not seen.rights(record):
        return Entry(note.id, note.created, note.read, "kein_zugriff")
    fields = seen.fields(record)
    title, link = _title(fields, record), url_for("frontend.show_item", item_name=record.name)
    if "antwort_auf" in fields:  # a post: shown as its thread, linked to the post
        thread = seen.readable_name(record.name.rsplit("/", 1)[0])
        if thread is None:
            return Entry(note.id, note.created, note.read, "kein_zugriff")
        post_id = str(fields.get("id") or record.name.rsplit("/", 1)[1])
        title = _title(seen.fields(thread), thread)
        link = url_for("frontend.show_item", item_name=thread.name, beitrag=post_id) + f"#{post_id}"
    return Entry(note.id, note.created, note.read, "lesbar", actor=note.actor, sentence=SENTENCES.get(note.kind, ""),
                 title=title, link=link, detail_label=DETAIL_LABELS.get(note.kind, ""),
                 detail=note.detail if note.kind in DETAIL_LABELS else "")


def _title(fields: Mapping[str, Any], record: Record) -> str:
    return str(fields.get("titel") or fields.get("name") or record.name.rsplit("/", 1)[-1])


def entries(notes: Iterable[Notification]) -> list[Entry]:
    notes, seen = list(notes), Visibility()
    seen.prefetch(note.itemid for note in notes)
    return [entry(note, seen) for note in notes]


@dataclass(frozen=True)
class Page:
    entries: list[Entry]
    number: int
    pages: int
    total: int


def page_of(recipient: str, number: int) -> Page:
    store = notification_store()
    total = store.count(recipient)
    pages = max(1, -(-total // PAGE_SIZE))
    number = min(max(1, number), pages)
    notes = store.page(recipient, offset=(number - 1) * PAGE_SIZE, limit=PAGE_SIZE)
    return Page(entries(notes), number, pages, total)


def unread_badge() -> Badge | None:
    """The header badge of the current user (None for visitors), remembered for the request – and per process
    for the person's unread notifications and the state of moin's indexes (:func:`shared_items`).

    Shown on every page: a store that cannot be read (a full disk, a broken file) costs the badge, never the page.
    """
    user = getattr(flaskg, "user", None)
    if user is None or not user.valid:
        return None
    if (badge := getattr(flaskg, "gaa_notification_badge", None)) is None:
        try:
            unread = notification_store().unread(user.itemid, limit=BADGE_CHECKED + 1)
        except sqlite3.Error:
            log.exception("PartnerWiki notifications: the unread count cannot be read")
            return None
        items = shared_items()
        key = (user.itemid, user.name0, tuple(note.id for note in unread))
        if (badge := items.badges.get(key)) is None:
            seen = Visibility(items=items)
            seen.prefetch(note.itemid for note in unread[:BADGE_CHECKED])
            count = sum(1 for note in unread[:BADGE_CHECKED] if seen.readable(note.itemid))
            badge = items.badges[key] = Badge(count, len(unread) > BADGE_CHECKED)
        flaskg.gaa_notification_badge = badge
    return badge
