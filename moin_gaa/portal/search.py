"""One search over records and pages: hits by kind, with counts, a marked snippet and read rights applied.

- **Records** (tools, municipality profiles, dates, threads and posts, group spaces, Online-Diskussionen) come
  from our catalog (:meth:`~moin_gaa.core.catalog.Catalog.parse`: German stems, every word must match), through a
  :class:`~moin_gaa.core.catalog.CatalogReader` bound to the viewer's read rights – counts included.
- **Pages** (everything else: Ergebnissicherung, group documents, help and background pages) come from moin's
  latest-revisions index: every query word as prefixes of its stem on moin's ``names``, ``summary`` and
  ``content`` fields, spelled with and without umlauts (moin's analyzer keeps „ü“, the German stemmer folds it).
  Not moin's n-gram fields (``namengram`` matched any three letters in common).  A hit whose revision is in the
  catalog is a record and counted there, never twice; each remaining page is read only if moin's ACLs allow it
  (decided once per read-rights key).  Per index state the matching documents and the few stored fields a hit
  needs are kept (:class:`~moin_gaa.core.catalog_memo.CatalogMemo`: per segment, so a write re-reads only the
  new segment) – read rights are decided per request.

Records rank by a hit in the title, then newest first; pages by a hit in the name, then newest first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from itertools import combinations
from typing import Iterable, Mapping

from flask import g as flaskg
from markupsafe import Markup, escape
from moin.constants.keys import ACL, CONTENT, ITEMID, LATEST_REVS, MTIME, NAME, NAMES, NAMESPACE, REVID, SUMMARY, TRASH
from moin.constants.namespaces import NAMESPACE_USERPROFILES
from whoosh.query import And, AndNot, Or, Prefix, Query, Term

from moin_gaa.calendars.events import EVENT_TYPE
from moin_gaa.core.access import ReadRights
from moin_gaa.core.app_state import partnerwiki
from moin_gaa.core.catalog import FACET_PREFIX, CatalogReader, query_stems, word_variants
from moin_gaa.core.catalog_memo import CatalogMemo, state_key
from moin_gaa.core.moin_internals import index_searcher, may_read, read_rights_key
from moin_gaa.core.records import Record
from moin_gaa.discussions.groups import GROUP_TYPE
from moin_gaa.discussions.threads import ONLINE_TYPE, POST_TYPE, THREAD_TYPE
from moin_gaa.partners.municipalities import PROFILE_TYPE
from moin_gaa.toolbox.tools import PUBLISHED, TOOL_TYPE

MAX_CHARS = 200  # longer input is refused with a German message
MAX_WORDS = 8
PER_PAGE = 20  # hits a page when one kind is chosen
PER_KIND = 5  # hits per kind on the overview
FEW_RECORDS = 500  # up to this many record hits of a kind are ordered per request, more by a kept order
SNIPPET_CHARS = 240
PAGE_FIELDS = (NAMES, SUMMARY, CONTENT)  # moin's fields searched for pages (not its n-gram fields)
UMLAUTS_AT_MOST = 2  # umlauts per word that the page search spells out („Übergänge“: ü and ä)
SPELLED = {"a": "ä", "o": "ö", "u": "ü", "ss": "ß"}
FOLD = str.maketrans({"ä": "a", "ö": "o", "ü": "u", "ß": "ss"})
WORD = re.compile(r"\w+")
TAGS = re.compile(r"<[^>]*>")

# moin's latest-revisions index: matching documents and hit fields, per index state and segment (per process)
PAGE_MEMO = CatalogMemo()


@dataclass(frozen=True)
class Kind:
    key: str  # the value of ``?art=``
    label: str
    record_types: tuple[str, ...]  # empty: pages
    only: tuple[str, tuple[str, ...]] | None = None  # (field, values): e.g. published tools only, as the Werkzeugkiste


KINDS = (
    Kind("werkzeuge", "Werkzeuge", (TOOL_TYPE,), ("status", PUBLISHED)),
    Kind("kommunen", "Kommunen", (PROFILE_TYPE,)),
    Kind("termine", "Termine", (EVENT_TYPE,)),
    Kind("themen", "Themen und Beiträge", (THREAD_TYPE, POST_TYPE, ONLINE_TYPE, GROUP_TYPE)),
    Kind("seiten", "Seiten", ()),
)
KIND_BY_KEY = {kind.key: kind for kind in KINDS}


class QueryProblem(ValueError):
    """Input that cannot be searched; the message is German and shown to the person."""


@dataclass(frozen=True)
class Hit:
    title: str
    item_name: str
    snippet: Markup


@dataclass
class KindHits:
    kind: Kind
    count: int
    hits: list[Hit] = field(default_factory=list)


@dataclass
class Results:
    text: str
    words: int  # searchable words in ``text`` (0: only stop words or signs)
    kinds: list[KindHits]  # every kind with its readable count; hits for the kinds shown
    chosen: Kind | None = None
    page: int = 1
    pages: int = 1

    @property
    def total(self) -> int:
        return sum(k.count for k in self.kinds)

    @property
    def shown(self) -> list[KindHits]:
        return [k for k in self.kinds if k.hits]

    def best(self) -> Hit | None:
        """For moin's ``\\word`` jump: the hit titled like the query, else the first whose title has every word of
        the query as a whole word (not only a word beginning with its stem), else the first shown."""
        hits = [hit for kind in self.shown for hit in kind.hits]
        wanted = self.text.casefold()
        words = set(WORD.findall(wanted))

        def rank(hit: Hit) -> int:
            title = hit.title.casefold()
            return 0 if title == wanted else 1 if words <= set(WORD.findall(title)) else 2

        return min(hits, key=rank, default=None)  # the first of the best rank


def search(text: str, kind_key: str | None = None, page: int = 1) -> Results:
    """The readable hits for ``text``: counts of every kind; the first hits of each (overview) or one page of
    ``kind_key``'s hits.  Raises :class:`QueryProblem` for input that is too long."""
    text = " ".join(text.split())
    if len(text) > MAX_CHARS:
        raise QueryProblem(f"Der Suchbegriff ist zu lang: höchstens {MAX_CHARS} Zeichen, bitte kürzer fassen.")
    stems = query_stems(text)
    if len(stems) > MAX_WORDS:
        raise QueryProblem(f"Bitte suchen Sie mit höchstens {MAX_WORDS} Wörtern.")
    chosen = KIND_BY_KEY.get(kind_key or "")
    if not stems:
        return Results(text, 0, [KindHits(kind, 0) for kind in KINDS], chosen)
    prefixes = [tuple(sorted(word_variants(stem))) for stem in stems]
    catalog = partnerwiki().catalog
    with catalog.reader(ReadRights()) as reader:
        found, titled = reader.docs(catalog.parse(text)), reader.docs(catalog.parse(text, ("title",)))
        ranked = {kind.key: ranked_records(reader, found, titled, kind) for kind in KINDS if kind.record_types}
        with index_searcher(flaskg.storage.indexer, LATEST_REVS) as searcher:
            ranked["seiten"] = readable_pages(searcher, reader, prefixes)
            results = Results(text, len(stems), [KindHits(kind, len(ranked[kind.key])) for kind in KINDS], chosen)
            if chosen is not None:
                results.pages = max(1, -(-len(ranked[chosen.key]) // PER_PAGE))
                results.page = min(max(page, 1), results.pages)
            for kind_hits in results.kinds:
                if chosen is None or kind_hits.kind == chosen:
                    first = (results.page - 1) * PER_PAGE if chosen else 0
                    shown = ranked[kind_hits.kind.key][first:first + (PER_PAGE if chosen else PER_KIND)]
                    kind_hits.hits = (page_hits(searcher, shown, prefixes) if not kind_hits.kind.record_types
                                      else record_hits(searcher, reader.page_of_records(shown), prefixes))
    return results


# --- records ---------------------------------------------------------------------------------------------------


def ranked_records(reader: CatalogReader, found: set[int], titled: set[int], kind: Kind) -> list[int]:
    """The readable matches ``found`` that are records of ``kind``: those with a hit in the title (``titled``) first,
    newest first."""
    found = found & kind_docs(reader, kind)
    if not found:  # also: an empty catalog has no mtime column to read
        return []
    if len(found) <= FEW_RECORDS:  # a few: their mtimes read from the column
        newest = reader.newest_first(found)
    else:  # many: the order of all records of the kind, kept per catalog state (10,000 mtimes read: 80 ms)
        universe = Or([Term("record_type", t) for t in kind.record_types])
        newest = reader.ordered(found, universe, "search: newest first", lambda record: -record.mtime)
    return [n for n in newest if n in titled] + [n for n in newest if n not in titled]


def kind_docs(reader: CatalogReader, kind: Kind) -> frozenset[int]:
    """The documents of ``kind``'s records (before read rights: only ever intersected with readable ones), as set
    operations on single terms – whoosh 2.7.4 answers an ``And`` by walking every posting of each part."""
    memo, searcher = reader.catalog.memo, reader.searcher
    docs = frozenset().union(*(memo.query_docs(searcher, Term("record_type", t)) for t in kind.record_types))
    if kind.only is not None:
        facet, values = kind.only
        docs &= frozenset().union(*(memo.query_docs(searcher, Term(FACET_PREFIX + facet, v)) for v in values))
    return docs


def record_hits(searcher, records: Iterable[Record], prefixes: list[tuple[str, ...]]) -> list[Hit]:
    """Title and snippet of readable records; the snippet from the record's fields, else (the hit was in a field
    the catalog does not keep, or in the wiki text) from the text moin indexed for the record's page."""
    hits = []
    for record in records:
        text = record_text(record)
        if not any(is_hit(word, prefixes) for word in WORD.findall(text)):
            text = " · ".join(filter(None, [text, (searcher.document(itemid=record.itemid) or {}).get(CONTENT)]))
        hits.append(Hit(record_title(record), record.name, snippet(text, prefixes)))
    return hits


def record_title(record: Record) -> str:
    """A post has no title of its own: it is named after its thread."""
    if record.record_type == POST_TYPE:
        return f"Beitrag zu „{record.name.rsplit('/', 2)[-2]}“"
    return record.title


def record_text(record: Record) -> str:
    """What a record's snippet is cut from: its summary and its prose fields (HTML without tags; no keys, links)."""
    parts = [record.summary]
    for key, value in record.fields.items():
        values = value if isinstance(value, list) else [value]
        parts += [TAGS.sub("", v) if key == "html" else v for v in values if isinstance(v, str) and " " in v.strip()
                  and not v.startswith(("http://", "https://"))]
    return " · ".join(dict.fromkeys(p.strip() for p in parts if p and p.strip() and p.strip() != record.title))


# --- pages (moin's index) --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PageFields:
    """The stored fields of a page hit that the search needs (kept per index segment)."""

    itemid: str
    revid: str
    names: tuple[str, ...]
    namespace: str
    acl: str | None
    mtime: datetime | None


def page_fields(stored: Mapping) -> PageFields:
    return PageFields(stored.get(ITEMID, ""), stored.get(REVID, ""), tuple(stored.get(NAME) or ()),
                      stored.get(NAMESPACE, ""), stored.get(ACL), stored.get(MTIME))


def spellings(folded: str) -> list[str]:
    """``folded`` (a stem prefix: umlauts as a/o/u, ß as ss) as moin's unstemmed index may spell it: with up to
    :data:`UMLAUTS_AT_MOST` of its a/o/u/ss as ä/ö/ü/ß."""
    parts = re.split(r"(ss|[aou])", folded)
    places = [i for i, part in enumerate(parts) if part in SPELLED]
    return ["".join(SPELLED[part] if i in chosen else part for i, part in enumerate(parts))
            for count in range(UMLAUTS_AT_MOST + 1) for chosen in combinations(places, count)]


def page_query(prefixes: list[tuple[str, ...]]) -> Query:
    words = [Or([Prefix(f, spelling) for f in PAGE_FIELDS for variant in variants for spelling in spellings(variant)])
             for variants in prefixes]
    return AndNot(And(words), Or([Term(TRASH, True), Term(NAMESPACE, NAMESPACE_USERPROFILES)]))


class RecordRevisions:
    """The revision ids our catalog holds, per catalog segment (whoosh never changes a written segment: each set is
    read once; a commit adds a small segment).  A moin document whose revision is among them is a record's."""

    def __init__(self) -> None:
        self._by_segment: dict[str, frozenset[bytes]] = {}

    def of(self, catalog_reader) -> list[frozenset[bytes]]:
        found: dict[str, frozenset[bytes]] = {}
        for leaf, _offset in catalog_reader.leaf_readers():
            segment = leaf.segment() if hasattr(leaf, "segment") else None
            if segment is None:  # an empty catalog: nothing to keep
                continue
            key = segment.segment_id()
            found[key] = self._by_segment.get(key) or frozenset(leaf.lexicon("revid"))
        self._by_segment = found  # the live segments only (two threads may both read a new one: the same set)
        return list(found.values())


RECORD_REVISIONS = RecordRevisions()


def page_candidates(searcher, catalog_reader, prefixes: list[tuple[str, ...]]) -> tuple[tuple[int, PageFields], ...]:
    """moin's documents matching every word that are no record's revision (before read rights): kept per moin
    index state, catalog state and query."""
    query = page_query(prefixes)

    def compute() -> tuple[tuple[int, PageFields], ...]:
        docnums = PAGE_MEMO.query_docs(searcher, query)
        fields = PAGE_MEMO.values(searcher.reader(), docnums, "search page fields", page_fields)
        records = RECORD_REVISIONS.of(catalog_reader)
        return tuple((docnum, hit) for docnum, hit in sorted(fields.items())
                     if hit.names and not any(hit.revid.encode() in revids for revids in records))

    return PAGE_MEMO.remembered(searcher.reader(), ("pages", repr(query), state_key(catalog_reader)), compute)


def readable_pages(searcher, reader: CatalogReader, prefixes: list[tuple[str, ...]]) -> list[int]:
    """moin's documents of readable pages (no record) matching every word: a hit in the name first, newest first."""
    storage = flaskg.storage
    decided: dict[str, bool] = {}
    readable: list[tuple[tuple[bool, float, str], int]] = []
    for docnum, hit in page_candidates(searcher, reader.searcher.reader(), prefixes):
        key = read_rights_key(hit.acl, hit.names, hit.namespace)
        if key not in decided:
            decided[key] = may_read(storage, hit.itemid, hit.names, hit.namespace, hit.acl)
        if decided[key]:
            newest = hit.mtime.timestamp() if hit.mtime else 0.0
            readable.append(((not matches_all(" ".join(hit.names), prefixes), -newest, hit.names[0]), docnum))
    return [docnum for _rank, docnum in sorted(readable)]


def page_hits(searcher, docnums: list[int], prefixes: list[tuple[str, ...]]) -> list[Hit]:
    hits = []
    for docnum in docnums:
        stored = searcher.stored_fields(docnum)
        fullname = "/".join(filter(None, [stored.get(NAMESPACE, ""), stored[NAME][0]]))
        text = " · ".join(filter(None, [stored.get(SUMMARY) or "", stored.get(CONTENT) or ""]))
        hits.append(Hit(stored[NAME][0].rsplit("/", 1)[-1], fullname, snippet(text, prefixes)))
    return hits


# --- snippets --------------------------------------------------------------------------------------------------


def folded(word: str) -> str:
    return word.lower().translate(FOLD)


def is_hit(word: str, prefixes: list[tuple[str, ...]]) -> bool:
    word = folded(word)
    return any(word.startswith(variants) for variants in prefixes)


def matches_all(text: str, prefixes: list[tuple[str, ...]]) -> bool:
    words = [folded(w) for w in WORD.findall(text)]
    return all(any(w.startswith(variants) for w in words) for variants in prefixes)


def snippet(text: str, prefixes: list[tuple[str, ...]], width: int = SNIPPET_CHARS) -> Markup:
    """Up to ``width`` characters of ``text`` around its first hit, every hit in ``<mark>``; the rest escaped."""
    text = " ".join(text.split())
    hits = [m for m in WORD.finditer(text) if is_hit(m.group(), prefixes)]
    start = 0
    if hits and hits[0].start() > width // 3:
        start = text.rfind(" ", 0, hits[0].start() - width // 4) + 1
    end = len(text) if len(text) - start <= width else max(text.rfind(" ", start, start + width), start + width // 2)
    out, at = [Markup("… ") if start else Markup("")], start
    for m in hits:
        if m.start() < start or m.end() > end:
            continue
        out += [escape(text[at:m.start()]), Markup("<mark>") + escape(m.group()) + Markup("</mark>")]
        at = m.end()
    out.append(escape(text[at:end]))
    if end < len(text):
        out.append(Markup(" …"))
    return Markup("").join(out)
