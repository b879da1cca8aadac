"""Reading records out of moin's storage, and the bulk-write path.

Writing one revision through moin's ``Item.store_revision`` costs 65–107 ms here, nearly all of
it whoosh commits (three indexes) per revision.  :func:`store_pages` performs the same steps as
moin's ``store_revision`` (metadata validation, preprocessing, backend store) for many pages and
then writes the index documents – built by moin's own ``backend_to_index`` – with one commit per
index, and our catalog with one more.  The new revisions are put into the latest-revision indexes
explicitly, as ``store_revision`` does: moin's ``update()`` would pick the latest by mtime, which
has one-second resolution and so ties when a page changes twice within a second.  Loading seed
pages, role groups and benchmark data goes through it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from io import BytesIO
from typing import Any, Callable, Iterable, Iterator, Mapping

from flask import current_app
from moin.constants.itemtypes import ITEMTYPE_DEFAULT
from moin.constants.keys import (
    ACTION,
    ADDRESS,
    ALL_REVS,
    BACKENDNAME,
    COMMENT,
    CONTENTTYPE,
    CURRENT,
    FQNAME,
    ITEMID,
    ITEMTYPE,
    LANGUAGE,
    LATEST_META,
    LATEST_REVS,
    NAME,
    NAMESPACE,
    PARENTID,
    REV_NUMBER,
    REVID,
    SUMMARY,
    TAGS,
    USERID,
)
from moin.storage.middleware.indexing import backend_to_index
from moin.utils.names import split_fqname

from moin_gaa.core.records import RECORD_FIELDS, RECORD_TYPE, Record, record_from_meta

log = logging.getLogger(__name__)

INDEX_LOCK_TIMEOUT = 30.0  # seconds to wait for another process's whoosh write lock
MOINWIKI = "text/x.moin.wiki;charset=utf-8"
# metadata keys a page spec may set; everything else is moin's to fill in
SETTABLE_META = (SUMMARY, TAGS, "acl", "usergroup", RECORD_TYPE, RECORD_FIELDS)

Progress = Callable[[int, int], None]
Indexed = tuple[dict[str, Any], str, str, bool]  # (meta, indexable content, backend name, new item?)


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
    with indexer.ix[LATEST_META].searcher() as searcher:
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
    result = StoreResult()
    stored_records: list[Record] = []
    indexed: list[Indexed] = []
    for done, spec in enumerate(pages, 1):
        data = spec.text.encode("utf-8")
        fqname = split_fqname(spec.name)
        item = indexer.get_item(**fqname.query)
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
        state = {
            "trusted": False,
            NAME: [fqname.value],
            ACTION: "SAVE",
            ADDRESS: "127.0.0.1",
            USERID: None,
            NAMESPACE: None,
            ITEMID: item.itemid,
            "contenttype_current": current.meta.get(CONTENTTYPE) if current is not None else None,
            "contenttype_guessed": spec.contenttype,
            "acl_parent": None,
            FQNAME: None,
        }
        item.validate_metadata(meta, state, update=True)
        meta = {k: v for k, v in meta.items() if v is not None}
        stream = BytesIO(data)
        meta, stream, content = item.preprocess(meta, stream)
        stream.seek(0)
        item.validate_metadata(meta, state, update=False)
        backend_name, _revid = indexer.backend.store(meta, stream)
        indexed.append((meta, content, backend_name, current is None))
        (result.updated if current is not None else result.created).append(spec.name)
        record = record_from_meta(meta, _text_of(meta, data))
        if record is not None:
            stored_records.append(record)
        if progress:
            progress(done, len(pages))
    if result.created or result.updated:
        _index_batch(indexer, indexed)
        catalog = app.extensions["gaa"].catalog
        catalog.upsert(stored_records, new_itemids=[meta[ITEMID] for meta, _c, _b, is_new in indexed if is_new])
        # a page that stopped being a record must leave the catalog too
        catalog.delete(_itemids_of(indexer, result.updated, exclude={r.itemid for r in stored_records}))
    return result


def _index_batch(indexer, indexed: list[Indexed]) -> None:
    """Put freshly stored revisions into moin's three whoosh indexes, one commit per index.

    A new revision id, or the first revision of a new item, cannot be in an index yet: it is
    added without whoosh's costly delete-by-unique-term lookup (``update_document``).
    """
    for idx_name in (ALL_REVS, LATEST_REVS, LATEST_META):
        schema = indexer.schemas[idx_name]
        with indexer.ix[idx_name].writer(timeout=INDEX_LOCK_TIMEOUT) as writer:
            for meta, content, backend_name, is_new_item in indexed:
                doc = backend_to_index(meta, content, schema, backend_name)
                if idx_name == ALL_REVS or is_new_item:
                    writer.add_document(**doc)
                else:
                    writer.update_document(**doc)


def _itemids_of(indexer, names: list[str], exclude: set[str]) -> list[str]:
    itemids = []
    for name in names:
        item = indexer.get_item(**split_fqname(name).query)
        if item and item.itemid not in exclude:
            itemids.append(item.itemid)
    return itemids
