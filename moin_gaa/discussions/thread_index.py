"""Catalog queries for discussions: the threads of an area, the posts of a thread or an area.

Always through a :class:`~moin_gaa.core.catalog.CatalogReader`, so only what the reader may read –
a hidden post (its own ACL) only for the moderation, a private space only for its members.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Callable, Iterable

from flask import current_app
from whoosh.query import And, AndNot, Or, Term

from moin_gaa.core.access import acl_key
from moin_gaa.core.catalog import CatalogReader
from moin_gaa.core.records import Record
from moin_gaa.discussions.threads import POST_TYPE, THREAD_TYPE


def threads_of(reader: CatalogReader, area: str) -> list[Record]:
    """The area's threads, newest first."""
    docs = reader.docs(And([Term("record_type", THREAD_TYPE), Term("ancestors", area)]))
    depth = area.count("/") + 1
    threads = [r for r in reader.records(docs) if r.name.count("/") == depth]
    return sorted(threads, key=lambda r: r.fields.get("erstellt", ""), reverse=True)


def thread_page(reader: CatalogReader, area: str, page: int, size: int,
                keep: Callable[[list[int]], list[int]] | None = None) -> tuple[list[Record], int, int]:
    """One page of the area's threads, most recently changed first, the page and the number of threads.

    Only the shown threads' stored fields are read: the order comes from the mtime column.  ``keep`` (a filter
    such as „nur ungelesene“) chooses among all the area's threads, in order, before the page is cut.
    """
    depth = area.count("/") + 1
    ordered = area_thread_docs(reader, area)
    if keep is not None:
        ordered = keep(ordered)
    pages = max(1, -(-len(ordered) // size))
    page = min(max(page, 1), pages)
    shown = [r for r in reader.records(ordered[(page - 1) * size: page * size]) if r.name.count("/") == depth]
    return shown, page, len(ordered)


def readable_posts(reader: CatalogReader, threads: list[Record]) -> dict[str, set[int]]:
    """The readable posts (document numbers) per listed thread (by item id; ``threads`` were read through ``reader``);
    their number is the thread's answers: a hidden post counts only for the moderation, who read it there too.

    A post without an ACL of its own has its thread's read rights – readable, as the thread was listed –
    and the read-rights key all such posts of the thread share: those are taken without asking moin
    (a moin check looks the item and its parents up in moin's index; one per listed thread made a list
    of 50 threads ~0.35 s slower).  Only posts with an ACL of their own (hidden by the moderation) go
    through the reader's read rights, one moin check per distinct ACL.
    """
    searcher = reader.searcher
    posts = set(searcher.docs_for_query(Term("record_type", POST_TYPE)))
    below = {t.itemid: posts.intersection(searcher.docs_for_query(Term("ancestors", t.name))) for t in threads}
    keys = {t.itemid: inherited_key(t) for t in threads}
    plain = {t.itemid: below[t.itemid].intersection(searcher.docs_for_query(Term("acl_key", keys[t.itemid]))) for t in threads}
    own_acl = [t for t in threads if below[t.itemid] - plain[t.itemid]]
    readable = set()
    if own_acl:
        readable = reader.docs(AndNot(And([Term("record_type", POST_TYPE), Or([Term("ancestors", t.name) for t in own_acl])]),
                                      Or([Term("acl_key", keys[t.itemid]) for t in own_acl])))
    return {t.itemid: plain[t.itemid] | (below[t.itemid] & readable) for t in threads}


@dataclass(frozen=True)
class PostStamp:
    """When a post was written, by whom, its id and item id: what unread marks and activity need of it – no body."""

    id: str
    autor: str
    erstellt: str
    itemid: str


def post_stamps(reader: CatalogReader, docnums: Iterable[int]) -> dict[int, PostStamp]:
    """The :class:`PostStamp` of each post in ``docnums``, read once per catalog segment (the catalog memo)."""
    def stamp(stored) -> PostStamp:
        fields = json.loads(stored.get("fields") or "{}")
        return PostStamp(str(fields.get("id", "")), str(fields.get("autor", "")), str(fields.get("erstellt", "")),
                         stored["itemid"])

    return reader.catalog.memo.values(reader.searcher.reader(), docnums, "post stamp", stamp)


def area_thread_docs(reader: CatalogReader, area: str) -> list[int]:
    """The readable threads of an area (document numbers), most recently changed first (the mtime column)."""
    return reader.newest_first(reader.docs(And([Term("record_type", THREAD_TYPE), Term("ancestors", area)])))


def inherited_key(thread: Record) -> str:
    """The read-rights key (:func:`~moin_gaa.core.access.acl_key`) of a post of ``thread`` without an ACL of its own."""
    return acl_key(Record(itemid="", revid="", names=(f"{thread.name}/{POST_TYPE}",), namespace=thread.namespace,
                          record_type=POST_TYPE))


@dataclass(frozen=True)
class PostKey:
    """What the order of a thread needs of a post – no body."""

    docnum: int
    id: str
    antwort_auf: str
    erstellt: str
    autor: str


SKELETON_PREFIX = "gaa-thread:"
SKELETON_SECONDS = 3600


def thread_skeleton(reader: CatalogReader, thread: str) -> list[PostKey]:
    """The readable posts of a thread without their bodies, cached.

    The key is the reader's fingerprint of the readable posts (see ``CatalogReader.fingerprint``);
    a repeated view reads only the stored fields of the posts on the page it shows.
    """
    docs = reader.docs(And([Term("record_type", POST_TYPE), Term("ancestors", thread)]))
    key = SKELETON_PREFIX + reader.fingerprint(docs, thread)
    cached = current_app.cache.get(key)
    if cached is None:
        cached = [PostKey(n, str(f.get("id", "")), str(f.get("antwort_auf", "")), str(f.get("erstellt", "")), str(f.get("autor", "")))
                  for n, f in ((n, reader.records([n])[0].fields) for n in docs)]
        current_app.cache.set(key, cached, timeout=SKELETON_SECONDS)
    return cached


def posts_of(reader: CatalogReader, thread: str) -> list[Record]:
    """The posts below the thread item ``thread`` (they move with it when it is moved)."""
    return reader.records(reader.docs(And([Term("record_type", POST_TYPE), Term("ancestors", thread)])))


def area_posts(reader: CatalogReader, area: str) -> list[Record]:
    return reader.records(reader.docs(And([Term("record_type", POST_TYPE), Term("ancestors", area)])))
