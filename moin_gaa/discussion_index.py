"""Catalog queries for discussions: the threads of an area, the posts of a thread or an area.

Always through a :class:`~moin_gaa.catalog.CatalogReader`, so only what the reader may read –
a hidden post (its own ACL) only for the moderation, a private space only for its members.
"""

from __future__ import annotations

from whoosh.query import And, Term

from .catalog import CatalogReader
from .discussions import POST_TYPE, THREAD_TYPE
from .records import Record


def threads_of(reader: CatalogReader, area: str) -> list[Record]:
    """The area's threads, newest first."""
    docs = reader.docs(And([Term("record_type", THREAD_TYPE), Term("ancestors", area)]))
    depth = area.count("/") + 1
    threads = [r for r in reader.records(docs) if r.name.count("/") == depth]
    return sorted(threads, key=lambda r: r.fields.get("erstellt", ""), reverse=True)


def post_counts(reader: CatalogReader, area: str, threads: list[Record]) -> dict[str, int]:
    """Readable answers per thread (by item id): one query for the area, one term lookup per thread."""
    readable = reader.docs(And([Term("record_type", POST_TYPE), Term("ancestors", area)]))
    searcher = reader.searcher
    return {t.itemid: len(readable.intersection(searcher.docs_for_query(Term("ancestors", t.name)))) for t in threads}


def posts_of(reader: CatalogReader, thread: str) -> list[Record]:
    """The posts below the thread item ``thread`` (they move with it when it is moved)."""
    return reader.records(reader.docs(And([Term("record_type", POST_TYPE), Term("ancestors", thread)])))


def area_posts(reader: CatalogReader, area: str) -> list[Record]:
    return reader.records(reader.docs(And([Term("record_type", POST_TYPE), Term("ancestors", area)])))
