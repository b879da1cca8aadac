"""Aktivität: what changed in a group space or in the whole network, newest first, as the viewer may read it.

Two sources, each already limited to what the viewer may read *now*:

* records from our catalog through a :class:`~moin_gaa.core.catalog.CatalogReader` bound to the viewer's read
  rights – threads and posts (of the space, or everywhere), the space's dates (its calendar) or every date,
  published tools, municipality profiles, Online-Diskussionen; ordered by the catalog's mtime column, so only the
  shown entries' stored fields are read;
* moin pages through moin's own ``search_meta`` (moin's ACL check per hit) – the space's documents
  (``Gruppen/<Gruppe>/Dokumente/…``), or every space's documents and the news (``Aktuelles/…``).

Each item appears once, at its latest change („Neues Thema“ for a first revision, „… geändert“ after); new posts
one after another in one thread are one entry („4 neue Beiträge“, linked to the first of them).  Someone who
left a private group sees nothing of it any more, neither old nor new: the group's ACL no longer names them.
A page of the stream merges the newest ``page × PAGE_SIZE`` of each source; at most ``MAX_PAGES`` pages are
offered (older changes are in moin's history of each page).
"""

from __future__ import annotations

import heapq
from contextlib import closing
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from typing import Any

from moin.constants.keys import MTIME, NAME, NAME_EXACT, NAMESPACE, TRASH
from whoosh.query import And, Or, Prefix, Query, Term, Wildcard

from moin_gaa.calendars.events import EVENT_TYPE
from moin_gaa.core.catalog import FACET_PREFIX, CatalogReader
from moin_gaa.core.records import Record
from moin_gaa.discussions.groups import GROUP_TYPE
from moin_gaa.discussions.threads import GROUP_AREA, ONLINE_PREFIX, ONLINE_TYPE, POST_TYPE, THREAD_TYPE
from moin_gaa.notifications.unread import micros
from moin_gaa.partners.municipalities import PROFILE_TYPE
from moin_gaa.portal.news import NEWS_PREFIX
from moin_gaa.toolbox.tools import PUBLISHED, TOOL_TYPE

PAGE_SIZE = 30
MAX_PAGES = 20
GROUP_PREFIX = "Gruppen/"
DOCUMENTS = "Dokumente"

# record type → (what a first revision says, what a later one says)
RECORD_SENTENCES = {
    THREAD_TYPE: ("Neues Thema", "Thema geändert"),
    POST_TYPE: ("Neuer Beitrag", "Beitrag bearbeitet"),
    EVENT_TYPE: ("Neuer Termin", "Termin geändert"),
    TOOL_TYPE: ("Neues Werkzeug", "Werkzeug aktualisiert"),  # „Werkzeug veröffentlicht“ on the day of the decision
    PROFILE_TYPE: ("Neues Kommunenprofil", "Kommunenprofil aktualisiert"),
    ONLINE_TYPE: ("Neue Online-Diskussion", "Online-Diskussion geändert"),
    GROUP_TYPE: ("Neuer Gesprächsraum", "Gesprächsraum geändert"),
}
PAGE_SENTENCES = {"dokument": ("Neues Dokument", "Dokument geändert"), "meldung": ("Neue Meldung", "Meldung geändert")}


@dataclass(frozen=True)
class Activity:
    """One entry: what (``sentence``) happened to what (``title``, ``name``: the page to link), where, by whom."""

    when: datetime  # UTC
    kind: str  # a record type, "dokument" or "meldung"
    sentence: str
    title: str
    name: str
    anchor: str = ""  # a post: its id on the thread page
    where: str = ""  # „Gesprächsraum Kita-Netzwerk“, „Online-Diskussion …“
    where_name: str = ""
    actor: str = ""  # the author of a thread or post (other records do not keep who changed them)
    count: int = 1  # new posts in a row in one thread are one entry („4 neue Beiträge“)
    order: int = 0  # within one second of ``when``: a post's or thread's creation time in microseconds


@dataclass(frozen=True)
class Stream:
    entries: list[Activity]
    number: int
    more: bool  # an older page follows


def _place(name: str) -> tuple[str, str]:
    """(„Gesprächsraum X“ / „Online-Diskussion Y“, its page) of an item below a space or an Online-Diskussion."""
    parts = name.split("/")
    if name.startswith(GROUP_PREFIX) and len(parts) > 2:
        return f"Gesprächsraum {parts[1]}", "/".join(parts[:2])
    if name.startswith(ONLINE_PREFIX) and len(parts) > 2:
        return f"Online-Diskussion {parts[1]}", "/".join(parts[:2])
    return "", ""


def _record_activity(record: Record) -> Activity:
    first, later = RECORD_SENTENCES[record.record_type]
    sentence = first if record.rev_number <= 1 else later
    when = datetime.fromtimestamp(record.mtime, timezone.utc)
    if record.record_type == TOOL_TYPE and record.fields.get("entschieden_am") == when.date().isoformat():
        sentence = "Werkzeug veröffentlicht"
    where, where_name = _place(record.name)
    discussion = record.record_type in (THREAD_TYPE, POST_TYPE)
    actor = str(record.fields.get("autor", "")) if discussion else ""
    order = micros(str(record.fields.get("erstellt", ""))) if discussion and record.rev_number <= 1 else 0
    if record.record_type == POST_TYPE:  # shown as its thread, linked to the post
        thread = record.name.rsplit("/", 1)[0]
        return Activity(when, POST_TYPE, sentence, thread.rsplit("/", 1)[-1], thread,
                        anchor=str(record.fields.get("id") or record.name.rsplit("/", 1)[-1]),
                        where=where, where_name=where_name, actor=actor, order=order)
    return Activity(when, record.record_type, sentence, record.title, record.name, where=where, where_name=where_name,
                    actor=actor, order=order)


def _page_activity(meta: dict[str, Any]) -> Activity:
    name = meta[NAME][0]
    kind = "meldung" if name.startswith(NEWS_PREFIX) else "dokument"
    first, later = PAGE_SENTENCES[kind]
    when = meta[MTIME]
    if isinstance(when, (int, float)):
        when = datetime.fromtimestamp(when, timezone.utc)
    elif when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    where, where_name = _place(name)
    title = name.rsplit("/", 1)[-1] if kind == "meldung" else name.split(f"/{DOCUMENTS}/", 1)[-1]
    return Activity(when, kind, first if int(meta.get("rev_number") or 1) <= 1 else later, title, name,
                    where=where, where_name=where_name)


def _newest_records(reader: CatalogReader, query: Query, count: int) -> list[Activity]:
    """The ``count`` newest readable records – and all others changed in the same second as the last of them, since
    the mtime column counts whole seconds (their order within it: :attr:`Activity.order`)."""
    docs = reader.docs(query)
    column = reader.searcher.reader().column_reader("mtime")
    newest = heapq.nlargest(count, docs, key=column.__getitem__)
    if newest:
        last = column[newest[-1]]
        newest = sorted(set(newest) | {n for n in docs if column[n] == last})
    return [_record_activity(r) for r in reader.records(newest)]


def _newest_pages(storage: Any, query: Query, count: int) -> list[Activity]:
    """The ``count`` newest pages matching ``query`` that moin lets the viewer read (moin checks each hit)."""
    found: list[Activity] = []
    if count <= 0:
        return found
    with closing(storage.search_meta(And([Term(NAMESPACE, ""), query]), limit=None, sortedby=MTIME, reverse=True)) as hits:
        for meta in hits:
            if meta.get(TRASH) or not meta.get(NAME):
                continue
            found.append(_page_activity(meta))
            if len(found) >= count:
                break
    return found


def space_queries(group_name: str, calendar: str) -> tuple[Query, Query]:
    """(catalog query, moin query) of a group space: its threads and posts, its dates; its documents."""
    space = f"{GROUP_PREFIX}{group_name}"
    records = Or([And([Or([Term("record_type", THREAD_TYPE), Term("record_type", POST_TYPE)]),
                       Term("ancestors", f"{space}/{GROUP_AREA}")]),
                  And([Term("record_type", EVENT_TYPE), Term(FACET_PREFIX + "kalender", calendar)])])
    return records, Prefix(NAME_EXACT, f"{space}/{DOCUMENTS}/")


def network_queries() -> tuple[Query, Query]:
    """(catalog query, moin query) of the whole network: all discussion, dates, published tools, profiles,
    Online-Diskussionen and spaces; every space's documents and the news."""
    records = Or([Term("record_type", kind) for kind in (THREAD_TYPE, POST_TYPE, EVENT_TYPE, PROFILE_TYPE, ONLINE_TYPE,
                                                         GROUP_TYPE)]
                 + [And([Term("record_type", TOOL_TYPE), Or([Term(FACET_PREFIX + "status", s) for s in PUBLISHED])])])
    pages = Or([Wildcard(NAME_EXACT, f"{GROUP_PREFIX}*/{DOCUMENTS}/*"), Prefix(NAME_EXACT, NEWS_PREFIX)])
    return records, pages


def stream(reader: CatalogReader, storage: Any, queries: tuple[Query, Query], number: int) -> Stream:
    """Page ``number`` (1 … MAX_PAGES) of the stream: ``reader`` bound to the viewer's read rights, ``storage``
    moin's protecting middleware of the viewer (``flaskg.storage``)."""
    number = min(max(number, 1), MAX_PAGES)
    wanted = number * PAGE_SIZE + 1  # one more: is there an older page?
    merged = sorted(_newest_records(reader, queries[0], wanted) + _newest_pages(storage, queries[1], wanted),
                    key=lambda a: (a.when, a.order), reverse=True)
    shown = merged[(number - 1) * PAGE_SIZE: number * PAGE_SIZE]
    return Stream(collapsed(shown), number, len(merged) > number * PAGE_SIZE and number < MAX_PAGES)


def collapsed(entries: list[Activity]) -> list[Activity]:
    """New posts one after another in the same thread as one entry: the newest time, a link to the oldest of them."""
    out: list[Activity] = []
    for entry in entries:
        last = out[-1] if out else None
        if (last is not None and entry.kind == POST_TYPE and last.kind == POST_TYPE and entry.name == last.name
                and entry.sentence == last.sentence == RECORD_SENTENCES[POST_TYPE][0]):
            out[-1] = replace(last, anchor=entry.anchor, count=last.count + 1,
                              actor=last.actor if entry.actor == last.actor else "")
        else:
            out.append(entry)
    return [replace(e, sentence=f"{e.count} neue Beiträge") if e.count > 1 else e for e in out]

