"""Reading records out of moin's storage, and the bulk-write path.

Writing one revision through moin's ``Item.store_revision`` costs 65–107 ms here, nearly all of
it whoosh commits (three indexes) per revision.  :func:`store_pages` performs the same steps as
moin's ``store_revision`` for many pages (:func:`~moin_gaa.core.moin_internals.store_unindexed`)
and then writes the index documents – built by moin's own ``backend_to_index`` – with one commit per
index (:func:`~moin_gaa.core.moin_internals.index_stored`), and our catalog with one more; the pages' current
items are looked up first, all with one searcher (:func:`~moin_gaa.core.moin_internals.current_items`).  Loading
seed pages, role groups and benchmark data goes through it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Iterator, Mapping

from flask import current_app
from moin.constants.itemtypes import ITEMTYPE_DEFAULT
from moin.constants.keys import (
    BACKENDNAME,
    COMMENT,
    CONTENTTYPE,
    CURRENT,
    ITEMID,
    ITEMTYPE,
    LANGUAGE,
    LATEST_META,
    NAME,
    NAMESPACE,
    PARENTID,
    REV_NUMBER,
    REVID,
    SUMMARY,
    TAGS,
)
from moin.utils.names import split_fqname

from moin_gaa.core.moin_internals import current_items, index_searcher, index_stored, store_unindexed
from moin_gaa.core.records import RECORD_FIELDS, RECORD_TYPE, Record, record_from_meta

log = logging.getLogger(__name__)

INDEX_LOCK_TIMEOUT = 30.0  # seconds to wait for another process's whoosh write lock
MOINWIKI = "text/x.moin.wiki;charset=utf-8"
# metadata keys a page spec may set; everything else is moin's to fill in
SETTABLE_META = (SUMMARY, TAGS, "acl", "usergroup", RECORD_TYPE, RECORD_FIELDS)

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class PageSpec:
    """A page to write: its name, its text and the metadata keys we set."""

    name: str
    text: str
    meta: Mapping[str, Any] = field(default_factory=dict)
    contenttype: str = MOINWIKI

    def wanted_meta(self) -> dict[str, Any]:
        unknown = set(self.meta) - set(SETTABLE_META)
        if unknown:
            raise ValueError(f"{self.name}: unbekannte Metadaten {sorted(unknown)}")
        return {CONTENTTYPE: self.contenttype, **self.meta}


@dataclass
class StoreResult:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


def _text_of(meta: Mapping[str, Any], data: bytes) -> str:
    if str(meta.get(CONTENTTYPE, "")).startswith("text/"):
        return data.decode("utf-8", errors="replace")
    return ""


def latest_revisions(indexer) -> list[tuple[str, str]]:
    """(backend name, revid) of the current revision of every item, from moin's latest-meta index."""
    with index_searcher(indexer, LATEST_META) as searcher:
        return [(doc[BACKENDNAME], doc[REVID]) for doc in searcher.all_stored_fields()]


def read_records(indexer, progress: Progress | None = None) -> Iterator[Record]:
    """Every live record in storage (current revisions only), read from the backend."""
    revisions = latest_revisions(indexer)
    for done, (backend_name, revid) in enumerate(revisions, 1):
        try:
            meta, data = indexer.backend.retrieve(backend_name, revid)
        except (KeyError, ValueError):  # gone, or cut off by a crash: gaa-setup sets it aside (see recovery)
            log.warning("revision %s/%s unreadable, left out of the catalog", backend_name, revid)
            if progress:
                progress(done, len(revisions))
            continue
        try:
            if meta.get(RECORD_TYPE):
                record = record_from_meta(meta, _text_of(meta, data.read()))
                if record is not None:
                    yield record
        finally:
            data.close()
        if progress:
            progress(done, len(revisions))


def _unchanged(current_meta: Mapping[str, Any], current_data: bytes, spec: PageSpec, data: bytes) -> bool:
    wanted = spec.wanted_meta()
    return current_data == data and all(current_meta.get(k) == v for k, v in wanted.items())


def store_pages(
    pages: Iterable[PageSpec],
    *,
    comment: str = "",
    progress: Progress | None = None,
    app=None,
) -> StoreResult:
    """Write many pages as new revisions with one index update at the end.

    Each page is validated (moin's metadata schema, UTF-8) before anything of it is stored; a
    page whose text and our metadata already match its current revision is left alone, so
    loading the same pages twice changes nothing.  Must run inside an app context.
    """
    app = app or current_app
    indexer = app.storage
    pages = list(pages)
    fqnames = [split_fqname(spec.name) for spec in pages]
    items = current_items(indexer, [fqname.query for fqname in fqnames])  # one lookup pass, one searcher
    result = StoreResult()
    stored_records: list[Record] = []
    no_records: list[str] = []  # itemids of updated pages that stopped being records
    indexed: list[tuple[dict[str, Any], str, str, bool]] = []  # (meta, indexable content, backend, new item?)
    for done, (spec, fqname, item) in enumerate(zip(pages, fqnames, items), 1):
        data = spec.text.encode("utf-8")
        current = item[CURRENT] if item else None
        if current is not None:
            current_data = current.data.read()
            current.data.close()
            if _unchanged(current.meta, current_data, spec, data):
                result.unchanged.append(spec.name)
                if progress:
                    progress(done, len(pages))
                continue
        meta: dict[str, Any] = {
            NAME: [fqname.value],
            NAMESPACE: fqname.namespace,
            ITEMTYPE: ITEMTYPE_DEFAULT,
            LANGUAGE: app.cfg.language_default,
            COMMENT: comment,
            SUMMARY: "",
            TAGS: [],
            REV_NUMBER: (current.meta.get(REV_NUMBER, 0) + 1) if current is not None else 1,
            **spec.wanted_meta(),
        }
        if current is not None:
            meta[PARENTID] = current.meta[REVID]
        meta, content, backend_name = store_unindexed(
            item, meta, data, contenttype_current=current.meta.get(CONTENTTYPE) if current is not None else None,
            contenttype_guessed=spec.contenttype,
        )
        indexed.append((meta, content, backend_name, current is None))
        (result.updated if current is not None else result.created).append(spec.name)
        record = record_from_meta(meta, _text_of(meta, data))
        if record is not None:
            stored_records.append(record)
        elif current is not None:
            no_records.append(item.itemid)
        if progress:
            progress(done, len(pages))
    if result.created or result.updated:
        index_stored(indexer, indexed, INDEX_LOCK_TIMEOUT)
        catalog = app.extensions["gaa"].catalog
        catalog.upsert(stored_records, new_itemids=[meta[ITEMID] for meta, _c, _b, is_new in indexed if is_new])
        catalog.delete(no_records)  # a page that stopped being a record must leave the catalog too
    return result
