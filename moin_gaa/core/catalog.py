"""The catalog: our own whoosh index over the structured records.

moin's whoosh indexes have a fixed schema, so the structured fields of records (life phase,
recommendation, Land, status …) are indexed here.  The catalog is a cache of storage: it is
kept in step by the ``item_modified`` signal, can be rebuilt from storage at any time and
checked against it (moin's CLI writes bypass the signal).  It answers queries only through
:meth:`Catalog.search`, which filters every hit by the caller's read rights.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from array import array
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Callable, Hashable, Iterable, Iterator, Mapping

from whoosh import index as whoosh_index
from whoosh.analysis import LanguageAnalyzer
from whoosh.fields import ID, IDLIST, KEYWORD, NUMERIC, STORED, TEXT, Schema
from whoosh.filedb.filestore import FileStorage
from whoosh.query import And, Every, Or, Prefix, Query, Term

from moin_gaa.core.access import acl_key
from moin_gaa.core.catalog_memo import CatalogMemo
from moin_gaa.core.index_writers import waiting_writer
from moin_gaa.core.moin_internals import SearcherPool
from moin_gaa.core.records import Record

WRITE_LOCK_TIMEOUT = 30.0  # seconds a writer waits for other threads' and processes' writers (then IndexBusy)
FACET_PREFIX = "f_"
SCHEMA_VERSION = "8"  # bump when what is indexed changes: an older catalog is rebuilt (8: read-rights keys)
# Bulky fields that lists and exports never show stay in the item only; a smaller stored
# document makes reading 10,000 of them for an export noticeably cheaper.
NOT_STORED_FIELDS = {
    "kommune": ("aktivitaeten", "phasen_verlauf", "strategie"),
    "beitrag": ("text",),  # the Markdown source: lists show the cleaned HTML, the edit form reads the item
    "thema": ("text", "html"),  # the opening post is read from the thread item itself
}
FACET_MAX_CHARS = 200  # longer texts (post bodies, descriptions) are no filter values
VERSION_FILE = "schema_version"
MANY_ACL_KEYS = 64


GERMAN = LanguageAnalyzer("de")  # the schema's: writers use it one at a time (whoosh's write lock)
# whoosh's stemming cache is not thread-safe (it evicts while another thread iterates): each request
# thread parses its queries with an analyzer of its own.
_PER_THREAD = threading.local()


def _query_analyzer():
    analyzer = getattr(_PER_THREAD, "analyzer", None)
    if analyzer is None:
        analyzer = _PER_THREAD.analyzer = LanguageAnalyzer("de")
    return analyzer


def word_variants(stem: str) -> set[str]:
    """Prefixes under which a stemmed query word is searched.

    Snowball's German stemmer leaves word families apart („Gesundheitsförderung“ →
    ``gesundheitsforder``, „gesundheitsfördernde“ → ``gesundheitsfordernd``; „Kitas“ → ``kitas``):
    searching the stem as a prefix, and the stem without a participle ``-nd`` or plural ``-s``,
    brings them together; so does the stem without a Latin ``-um`` („Familienzentrum“ → ``familienzentrum``,
    „Familienzentren“ → ``familienzentr``).
    """
    variants = {stem}
    if len(stem) > 6 and stem.endswith("nd"):
        variants.add(stem[:-2])
    if len(stem) > 4 and stem.endswith("s"):
        variants.add(stem[:-1])
    if len(stem) > 6 and stem.endswith("um"):
        variants.add(stem[:-2])
    return variants


def query_stems(text: str) -> list[str]:
    """The stemmed words of a search text (German stop words and single letters dropped), in their order."""
    return [token.text for token in _query_analyzer()(text)]


def make_schema() -> Schema:
    german = GERMAN
    schema = Schema(
        itemid=ID(stored=True, unique=True),
        revid=ID(stored=True),
        name=ID(stored=True),
        # every ancestor page of the record, one name per line: „posts below this thread“ is one term
        ancestors=IDLIST(expression=r"[^\n]+"),
        names=STORED,
        namespace=ID(stored=True),
        acl=STORED,
        acl_key=ID(sortable=True),  # records with equal keys have equal read rights (see access.acl_key)
        record_type=ID(stored=True),
        title=TEXT(analyzer=german, stored=True, field_boost=2.0),
        text=TEXT(analyzer=german),
        summary=STORED,
        fields=STORED,
        mtime=NUMERIC(stored=True, sortable=True, bits=64),
        rev_number=STORED,
    )
    # one keyword field per structured field, e.g. f_lebensphasen = "kita,grundschule"
    schema.add(FACET_PREFIX + "*", KEYWORD(commas=True, lowercase=False, scorable=False), glob=True)
    return schema


def facet_values(value: Any) -> list[str]:
    """The keyword tokens a field value contributes to its facet."""
    if value is None or isinstance(value, (dict, float)):
        return []
    if isinstance(value, (list, tuple, set)):
        return [str(v) for v in value if isinstance(v, (str, int, bool)) and str(v) and len(str(v)) <= FACET_MAX_CHARS]
    return [str(value)] if str(value) and len(str(value)) <= FACET_MAX_CHARS else []


def stored_fields(record: Record) -> dict[str, Any]:
    omit = NOT_STORED_FIELDS.get(record.record_type, ())
    return {k: v for k, v in record.fields.items() if k not in omit}


def ancestor_names(name: str) -> list[str]:
    """``A/B/C`` → ``["A", "A/B"]``."""
    parts = name.split("/")
    return ["/".join(parts[:i]) for i in range(1, len(parts))]


def record_to_document(record: Record) -> dict[str, Any]:
    doc: dict[str, Any] = dict(
        itemid=record.itemid,
        revid=record.revid,
        name=record.name,
        ancestors="\n".join(ancestor_names(record.name)),
        names=list(record.names),
        namespace=record.namespace,
        acl=record.acl,
        acl_key=acl_key(record),
        record_type=record.record_type,
        title=record.title,
        text=" ".join(filter(None, [record.summary, record.text])),
        summary=record.summary,
        fields=json.dumps(stored_fields(record), ensure_ascii=False, sort_keys=True),
        mtime=record.mtime,
        rev_number=record.rev_number,
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
        rev_number=stored.get("rev_number", 0),
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
    """A whoosh index in ``path``; every method opens what it needs, so processes can share it.

    Readers borrow a searcher from a per-process pool (reopened when another commit is seen) and share a
    :class:`~moin_gaa.core.catalog_memo.CatalogMemo` of query results and sort keys.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self._ix: whoosh_index.Index | None = None
        self._pool: SearcherPool | None = None
        self.memo = CatalogMemo()

    def exists(self) -> bool:
        """True if a catalog of the current schema is there (an older one counts as missing)."""
        try:
            with open(os.path.join(self.path, VERSION_FILE)) as f:
                version = f.read().strip()
        except OSError:
            return False
        return version == SCHEMA_VERSION and whoosh_index.exists_in(self.path)

    def create(self) -> None:
        """Create an empty catalog (replacing one that is there)."""
        os.makedirs(self.path, exist_ok=True)
        self._close_pool()
        self._ix = self._storage().create_index(make_schema())
        with open(os.path.join(self.path, VERSION_FILE), "w") as f:
            f.write(SCHEMA_VERSION)

    @property
    def ix(self) -> whoosh_index.Index:
        if self._ix is None:
            if not self.exists():
                self.create()
            else:
                self._ix = self._storage().open_index()
        return self._ix

    def _storage(self) -> FileStorage:
        """The catalog's folder, read without whoosh's memory map (see ``index_storage`` in wikiconfig.py)."""
        return FileStorage(self.path, supports_mmap=False)

    def close(self) -> None:
        self._close_pool()
        if self._ix is not None:
            self._ix.close()
            self._ix = None

    def _close_pool(self) -> None:
        if self._pool is not None:
            self._pool.close()
            self._pool = None

    def _searcher(self):
        """A pooled searcher of the catalog's newest state (give it back with ``close()`` / ``with``)."""
        if self._pool is None:
            self._pool = SearcherPool(self.ix)
        return self._pool.lend()

    def _writer(self):
        """A writer that waits its turn (threads first come, first served; processes by whoosh's file lock)."""
        return waiting_writer(self.ix, WRITE_LOCK_TIMEOUT)

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

    def parse(self, text: str, fields: tuple[str, ...] = ("title", "text")) -> Query:
        """A full-text query over ``fields``: every word must match (see :func:`word_variants`)."""
        words = query_stems(text)
        if not words:
            return Every()
        return And(
            [Or([Prefix(field, variant) for field in fields for variant in sorted(word_variants(w))]) for w in words]
        )

    @contextmanager
    def reader(self, may_read: Callable[[Record], bool]) -> Iterator["CatalogReader"]:
        """A read view that only ever yields what ``may_read`` allows (see :mod:`moin_gaa.core.access`)."""
        with self._searcher() as searcher:
            yield CatalogReader(self, searcher, may_read)

    def search(
        self,
        may_read: Callable[[Record], bool],
        *,
        record_type: str | None = None,
        facets: Mapping[str, str] | None = None,
        text: str | None = None,
        limit: int | None = None,
    ) -> list[Record]:
        """Records matching all criteria that the caller may read, best match (or newest) first.

        ``facets`` maps a field name to one required value.  There is deliberately no
        unfiltered variant: every query names whose read rights apply.
        """
        terms: list[Query] = []
        if record_type:
            terms.append(Term("record_type", record_type))
        for key, value in (facets or {}).items():
            terms.append(Term(FACET_PREFIX + key, value))
        if text:
            terms.append(self.parse(text))
        with self.reader(may_read) as reader:
            return reader.search(And(terms) if terms else Every(), limit=limit, by_relevance=bool(text))


class CatalogReader:
    """Read access to the catalog through one whoosh searcher, limited to readable records.

    Read rights are decided once per distinct ``acl_key`` (not per record), so counting over
    10,000 records costs a handful of ACL checks and set operations on document numbers.
    """

    def __init__(self, catalog: Catalog, searcher, may_read: Callable[[Record], bool]) -> None:
        self.catalog = catalog
        self.searcher = searcher
        self.may_read = may_read
        self._by_key: dict[Any, frozenset[int]] | bool | None = None
        self._column = None
        self._decided: dict[str, bool] = {}

    def _key_docs(self) -> dict[str, set[int]] | None:
        """Documents per ACL key when there are few keys (tools, profiles: set operations are cheapest).

        Every thread of a discussion is a key of its own (its posts' parent), so with many keys
        :meth:`docs` looks up the key of each match in the sortable column instead.
        """
        if self._by_key is None:
            self._by_key = self.catalog.memo.remembered(
                self.searcher.reader(), ("documents per ACL key", MANY_ACL_KEYS), self._docs_per_key)
        return None if self._by_key is False else self._by_key

    def _docs_per_key(self) -> dict[str, frozenset[int]] | bool:
        """Documents per key; ``False`` when there are too many keys (an empty catalog has none: ``{}``)."""
        keys = list(self.searcher.lexicon("acl_key"))
        if len(keys) > MANY_ACL_KEYS:
            return False
        return {key: frozenset(self.searcher.docs_for_query(Term("acl_key", key))) for key in keys}

    def _readable_part(self, key: str, docnums: set[int]) -> set[int]:
        """``docnums`` if their shared ACL key is readable (decided once, on the first doc)."""
        if key not in self._decided:
            self._decided[key] = self.may_read(document_to_record(self.searcher.stored_fields(min(docnums))))
        return docnums if self._decided[key] else set()

    def docs(self, query: Query) -> set[int]:
        """Document numbers of readable records matching ``query``.

        Only the ACL keys that occur among the matches are decided: a query over profiles does
        not pay for the read rights of tools or group spaces.
        """
        found = self.catalog.memo.query_docs(self.searcher, query)
        readable: set[int] = set()
        by_key = self._key_docs()
        if by_key is None:  # many keys: the matches grouped by key once per catalog state and query
            by_key = self.catalog.memo.remembered(self.searcher.reader(), ("grouped by ACL key", repr(query)),
                                                  lambda: self._grouped_by_key(found))
        for key, docnums in by_key.items():
            hits = found & docnums
            if hits:
                readable |= self._readable_part(key, hits)
        return readable

    def _grouped_by_key(self, found: frozenset[int]) -> dict[Any, frozenset[int]]:
        grouped: dict[Any, set[int]] = {}
        column = self._key_column()
        for n in found:
            grouped.setdefault(column[n], set()).add(n)
        return {key: frozenset(docnums) for key, docnums in grouped.items()}

    def _key_column(self):
        if self._column is None:
            self._column = self.searcher.reader().column_reader("acl_key")
        return self._column

    def facet_docs(self, key: str, value: str) -> set[int]:
        return self.docs(Term(FACET_PREFIX + key, value))

    def newest_first(self, docnums: Iterable[int]) -> list[int]:
        """``docnums`` by last change, newest first – from the sortable mtime column, no stored fields read."""
        column = self.searcher.reader().column_reader("mtime")
        return sorted(docnums, key=lambda n: column[n], reverse=True)

    def newest_mtime(self, docnums: Iterable[int]) -> int:
        """The latest change among ``docnums``, from the sortable mtime column (no stored fields read)."""
        column = self.searcher.reader().column_reader("mtime")
        return max((column[n] for n in docnums), default=0)

    def fingerprint(self, docnums: Iterable[int], *context: str) -> str:
        """A key for what was built from ``docnums``: it changes with every catalog commit and with
        the set of readable documents, so a cached result is never stale and never crosses read rights."""
        digest = hashlib.sha256(":".join([str(self.generation()), *context]).encode())
        digest.update(array("q", sorted(docnums)).tobytes())
        return digest.hexdigest()[:32]

    def generation(self) -> int:
        """The catalog state this reader's searcher sees; changes with every commit.

        Not the index's latest generation: another request may have committed since this searcher was
        opened, and document numbers are only valid for the state they were read from.
        """
        return self.searcher.reader().generation()

    def ordered(self, docnums: Iterable[int], universe: Query, name: str, key: Callable[[Record], Any]) -> list[int]:
        """``docnums`` (all matching ``universe``) in the order of ``key(record)``.

        The order of the whole universe is kept per catalog state, the keys per segment (see
        :mod:`moin_gaa.core.catalog_memo`): ``name`` must change whenever ``key`` would order differently.
        """
        def order() -> tuple[tuple[int, ...], dict[int, int]]:
            everything = self.catalog.memo.query_docs(self.searcher, universe)
            keys = self.catalog.memo.values(self.searcher.reader(), everything, name,
                                            lambda stored: key(document_to_record(stored)))
            in_order = tuple(sorted(everything, key=keys.__getitem__))
            return in_order, {n: i for i, n in enumerate(in_order)}

        wanted = docnums if isinstance(docnums, (set, frozenset)) else set(docnums)
        in_order, rank = self.catalog.memo.remembered(self.searcher.reader(), ("order", name, repr(universe)), order)
        if len(wanted) * 16 < len(in_order):  # a few: sort them by rank rather than walk the whole order
            return sorted(wanted, key=rank.__getitem__)
        return [n for n in in_order if n in wanted]

    def remembered(self, key: Hashable, docnums: frozenset[int] | set[int], compute: Callable[[], Any]) -> Any:
        """``compute()`` – built from the readable documents ``docnums`` only – kept per catalog state, ``key`` and
        exact set ``docnums``: two people who may read different records never share a result."""
        return self.catalog.memo.remembered(self.searcher.reader(), (key, frozenset(docnums)), compute)

    def records(self, docnums: Iterable[int]) -> list[Record]:
        return [document_to_record(self.searcher.stored_fields(n)) for n in docnums]

    def page_of_records(self, docnums: list[int]) -> list[Record]:
        """:meth:`records` of one page of a list (a few dozen), kept per catalog state like :meth:`remembered`."""
        return self.remembered(("page of records", tuple(docnums)), set(docnums), lambda: self.records(docnums))

    def search(self, query: Query, *, limit: int | None = None, by_relevance: bool = False) -> list[Record]:
        """Readable records matching ``query``: best first if ``by_relevance``, else newest first."""
        sortedby = None if by_relevance else "mtime"
        hits = self.searcher.search(query, limit=None, sortedby=sortedby, reverse=not by_relevance)
        readable = self.docs(query)
        found = []
        for hit in hits:
            if hit.docnum in readable:
                found.append(document_to_record(hit.fields()))
                if limit is not None and len(found) >= limit:
                    break
        return found


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
