"""The catalog: our own whoosh index over the structured records.

moin's whoosh indexes have a fixed schema, so the structured fields of records (life phase,
recommendation, Land, status …) are indexed here.  The catalog is a cache of storage: it is
kept in step by the ``item_modified`` signal, can be rebuilt from storage at any time and
checked against it (moin's CLI writes bypass the signal).  It answers queries only through
:meth:`Catalog.search`, which filters every hit by the caller's read rights.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Iterator, Mapping

from whoosh import index as whoosh_index
from whoosh.analysis import LanguageAnalyzer
from whoosh.fields import ID, KEYWORD, NUMERIC, STORED, TEXT, Schema
from whoosh.qparser import MultifieldParser, OrGroup
from whoosh.query import And, Every, Query, Term

from .records import Record

WRITE_LOCK_TIMEOUT = 30.0  # seconds a writer waits for another process's whoosh lock
FACET_PREFIX = "f_"


def make_schema() -> Schema:
    german = LanguageAnalyzer("de")
    schema = Schema(
        itemid=ID(stored=True, unique=True),
        revid=ID(stored=True),
        name=ID(stored=True),
        names=STORED,
        namespace=ID(stored=True),
        acl=STORED,
        record_type=ID(stored=True),
        title=TEXT(analyzer=german, stored=True, field_boost=2.0),
        text=TEXT(analyzer=german),
        summary=STORED,
        fields=STORED,
        mtime=NUMERIC(stored=True, sortable=True, bits=64),
    )
    # one keyword field per structured field, e.g. f_lebensphasen = "kita,grundschule"
    schema.add(FACET_PREFIX + "*", KEYWORD(commas=True, lowercase=False, scorable=False), glob=True)
    return schema


def facet_values(value: Any) -> list[str]:
    """The keyword tokens a field value contributes to its facet."""
    if value is None or isinstance(value, (dict, float)):
        return []
    if isinstance(value, (list, tuple, set)):
        return [str(v) for v in value if isinstance(v, (str, int, bool)) and str(v)]
    return [str(value)] if str(value) else []


def record_to_document(record: Record) -> dict[str, Any]:
    doc: dict[str, Any] = dict(
        itemid=record.itemid,
        revid=record.revid,
        name=record.name,
        names=list(record.names),
        namespace=record.namespace,
        acl=record.acl,
        record_type=record.record_type,
        title=record.title,
        text=" ".join(filter(None, [record.summary, record.text])),
        summary=record.summary,
        fields=json.dumps(record.fields, ensure_ascii=False, sort_keys=True),
        mtime=record.mtime,
    )
    for key, value in record.fields.items():
        tokens = facet_values(value)
        if tokens and key.isidentifier():
            doc[FACET_PREFIX + key] = ",".join(t.replace(",", " ") for t in tokens)
    return doc


def document_to_record(stored: Mapping[str, Any]) -> Record:
    return Record(
        itemid=stored["itemid"],
        revid=stored["revid"],
        names=tuple(stored["names"]),
        namespace=stored.get("namespace", ""),
        record_type=stored["record_type"],
        fields=json.loads(stored.get("fields") or "{}"),
        acl=stored.get("acl"),
        summary=stored.get("summary", ""),
        mtime=stored.get("mtime", 0),
    )


@dataclass
class CheckReport:
    """Differences between the catalog and storage."""

    missing: list[str] = field(default_factory=list)  # record itemids in storage, not in the catalog
    outdated: list[str] = field(default_factory=list)  # in both, catalog has an older revision
    orphaned: list[str] = field(default_factory=list)  # in the catalog, no longer a record in storage

    @property
    def ok(self) -> bool:
        return not (self.missing or self.outdated or self.orphaned)


class Catalog:
    """A whoosh index in ``path``; every method opens what it needs, so processes can share it."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._ix: whoosh_index.Index | None = None

    def exists(self) -> bool:
        return whoosh_index.exists_in(self.path)

    def create(self) -> None:
        """Create an empty catalog (replacing one that is there)."""
        os.makedirs(self.path, exist_ok=True)
        self._ix = whoosh_index.create_in(self.path, make_schema())

    @property
    def ix(self) -> whoosh_index.Index:
        if self._ix is None:
            if not self.exists():
                self.create()
            else:
                self._ix = whoosh_index.open_dir(self.path)
        return self._ix

    def close(self) -> None:
        if self._ix is not None:
            self._ix.close()
            self._ix = None

    def _writer(self):
        return self.ix.writer(timeout=WRITE_LOCK_TIMEOUT)

    def upsert(self, records: Iterable[Record], new_itemids: Iterable[str] = ()) -> int:
        """Add or replace records (one commit for all of them); returns how many.

        Records whose itemid is in ``new_itemids`` cannot be in the catalog yet and are added
        without whoosh's delete-by-unique-term lookup.
        """
        new = set(new_itemids)
        count = 0
        with self._writer() as writer:
            for record in records:
                doc = record_to_document(record)
                if record.itemid in new:
                    writer.add_document(**doc)
                else:
                    writer.update_document(**doc)
                count += 1
        return count

    def delete(self, itemids: Iterable[str]) -> None:
        with self._writer() as writer:
            for itemid in itemids:
                writer.delete_by_term("itemid", itemid)

    def replace_all(self, records: Iterable[Record]) -> int:
        """Rebuild: a new empty catalog filled with ``records`` in one commit."""
        self.close()
        self.create()
        count = 0
        with self._writer() as writer:
            for record in records:
                writer.add_document(**record_to_document(record))
                count += 1
        return count

    def revisions(self) -> dict[str, str]:
        """itemid → revid of everything in the catalog."""
        with self.ix.searcher() as searcher:
            return {doc["itemid"]: doc["revid"] for doc in searcher.all_stored_fields()}

    def parse(self, text: str) -> Query:
        """A full-text query over title and text (German stemming)."""
        parser = MultifieldParser(["title", "text"], schema=self.ix.schema, group=OrGroup.factory(0.9))
        return parser.parse(text)

    def search(
        self,
        may_read: Callable[[list[Record]], list[Record]],
        *,
        record_type: str | None = None,
        facets: Mapping[str, str] | None = None,
        text: str | None = None,
        limit: int | None = None,
    ) -> list[Record]:
        """Records matching all criteria that the caller may read, best match (or newest) first.

        ``may_read`` decides which records the current user may see (see
        :func:`moin_gaa.access.readable_records`); there is deliberately no unfiltered variant.
        ``facets`` maps a field name to one required value.
        """
        terms: list[Query] = []
        if record_type:
            terms.append(Term("record_type", record_type))
        for key, value in (facets or {}).items():
            terms.append(Term(FACET_PREFIX + key, value))
        if text:
            terms.append(self.parse(text))
        query: Query = And(terms) if terms else Every()
        with self.ix.searcher() as searcher:
            sortedby = None if text else "mtime"
            hits = searcher.search(query, limit=None, sortedby=sortedby, reverse=bool(sortedby))
            found = [document_to_record(hit.fields()) for hit in hits]
        visible = may_read(found)
        return visible if limit is None else visible[:limit]


def check(catalog: Catalog, storage_records: Iterable[Record]) -> CheckReport:
    """Compare the catalog with the records that storage holds now."""
    in_catalog = catalog.revisions()
    report = CheckReport()
    seen: set[str] = set()
    for record in storage_records:
        seen.add(record.itemid)
        revid = in_catalog.get(record.itemid)
        if revid is None:
            report.missing.append(record.itemid)
        elif revid != record.revid:
            report.outdated.append(record.itemid)
    report.orphaned = sorted(set(in_catalog) - seen)
    return report


def iter_with_progress(items: list[Any], progress: Callable[[int, int], None] | None) -> Iterator[Any]:
    """Yield ``items`` while reporting ``(done, total)`` to ``progress``."""
    total = len(items)
    for done, item in enumerate(items, 1):
        yield item
        if progress:
            progress(done, total)
