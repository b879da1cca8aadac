"""Every use of moin's (and whoosh's) internals, each behind one small function or class of this module.

The PartnerWiki wraps moin, it never patches or forks it; but in a few places it has to use what moin does
not offer as its API: private attributes and methods, a method override, store steps copied from moin, a
cache key that mirrors moin's, attributes of moin's objects that we replace by wrappers.  Each of them is
here, with what it was checked against (:data:`CHECKED_AGAINST`), why it is needed and which upstream
change would make it unnecessary; ``tests/test_moin_internals.py`` fails when moin (or whoosh) changes
underneath.  Nothing else of ours touches these internals.  This module imports nothing of ours, so every
module may use it.

The internals (each section below says why, and which upstream change would make it unnecessary):

* moin's whoosh indexes read and written directly – ``IndexingMiddleware.ix`` and ``.schemas``
  (:func:`index_searcher`, :func:`index_writer`, :func:`index_document`, :func:`stored_document`,
  :func:`index_generations`): bulk load, crash repair, catalog rebuild, the feed cache's generations;
* the store steps of ``store_revision`` copied for the bulk path (:func:`store_unindexed`, :func:`index_stored`);
* ``indexer.ix`` and ``indexer.open`` replaced (:func:`wrap_indexes`) and whoosh's writer given our lock
  (``SegmentWriter(_lk=False)``, ``writer.writelock``: :func:`writer_holding`): index writers that wait;
* the searchers of ``indexer.ix`` lent from a per-process pool, reopened when the index generation changes,
  their lookups by several keys started from the rarest key (:func:`reuse_searchers`, :class:`RarestTermSearcher`,
  a subclass of whoosh's ``Searcher``; off with ``gaa_reuse_searchers = False`` or ``PARTNERWIKI_REUSE_SEARCHERS=0``);
* whoosh's ``Results._total`` (:func:`set_hit_count`): +search counts readable hits only;
* moin's ACL cache key (:func:`read_rights_key`, :func:`may_read`): read rights once per key;
* the ``ProtectingMiddleware._eval_acl`` override (:class:`WorkflowStorage`): saves our workflow allowed;
* ``Item._save`` (:func:`save_revision`): our forms save through moin's item layer;
* ``UserProfile._meta`` (:func:`stored_profile`): profile keys without a configured default;
* ``FileStore._mkpath`` (:func:`store_file_path`): half-written revisions by their file;
* ``FileStoreMixin._setitem`` (:func:`write_stores_atomically`): a profile rewritten in place was read half;
* the ``gc`` of ``moin.storage.middleware.indexing`` (:func:`collect_young_after_saves`): no full collection per save;
* ``moin.converters._args_wiki.parse`` (:func:`parse_macro_arguments`): our macros read their arguments as moin's do;
* moin's macro, link and HTML output converters subclassed and registered ahead of moin's
  (:func:`skip_finished_html`): our macros' finished XHTML is not walked and copied element by element;
* moin's request set-up and the objects its views read – ``before_wiki``'s place in ``before_request_funcs``
  (:func:`run_after_moin_setup`), ``flaskg.storage.indexer.ix`` (:class:`IndexesSeenByViews`),
  ``flaskg.storage`` (:func:`request_storage`), ``flaskg.groups`` (:func:`wrap_request_groups`), ``app.cache``
  (:func:`wrap_app_cache`).

*Item._save, decided:* moin has no public „save a revision as this user“; ``Item._save`` is what its own
views (modify, rename, revert, ACL admin) and its tests call, so it is as stable as anything in moin 2 –
but its name says private, so it counts as an internal and is reached only through :func:`save_revision`.
"""

from __future__ import annotations

import gc
import os
import shutil
import tempfile
import threading
from contextlib import contextmanager, suppress
from io import BytesIO
from types import MappingProxyType
from typing import Any, Callable, Iterable, Iterator, Mapping

from emeraldtree import ElementTree as ET
from flask import Flask
from flask import g as flaskg
from moin.constants.keys import (
    ACL,
    ACTION,
    ADDRESS,
    ALL_REVS,
    FQNAME,
    ITEMID,
    LATEST_META,
    LATEST_REVS,
    NAME,
    NAME_EXACT,
    NAMESPACE,
    UFIELDS_TYPELIST,
    USERID,
)
from moin.constants.rights import PUBREAD, READ
from moin.converters import default_registry as converter_registry
from moin.converters import html_out
from moin.converters import link as moin_link
from moin.converters import macro as moin_macro
from moin.converters._args_wiki import parse as parse_args_wiki
from moin.storage.middleware import indexing as moin_indexing
from moin.storage.middleware.indexing import Item as StorageItem
from moin.storage.middleware.indexing import backend_to_index, convert_to_indexable
from moin.storage.middleware.protecting import ProtectingMiddleware
from moin.storage.stores.fs import BytesStore, FileStore
from moin.utils.mime import Type, type_moin_document
from moin.utils.names import parent_names
from whoosh.reading import ReaderClosed
from whoosh.searching import Searcher

CHECKED_AGAINST = {"moin": "2.0.0b5", "whoosh": "2.7.4"}
INDEXES = (ALL_REVS, LATEST_REVS, LATEST_META)  # moin's three whoosh indexes, in the order moin writes them

# --- moin's whoosh indexes, read and written directly ---------------------------------------------------------
# Why: moin's API reads one revision at a time and writes one index commit per revision (65–107 ms); loading
# seed pages, rebuilding our catalog and repairing the indexes after a crash need all documents at once.
# ``IndexingMiddleware.ix`` (name → whoosh index) and ``.schemas`` are public attributes but moin's
# implementation, not its API.  Upstream: none.


def index_searcher(indexer: Any, idx_name: str):
    """A whoosh searcher of one of moin's indexes (``with index_searcher(app.storage, LATEST_META) as s:``)."""
    return indexer.ix[idx_name].searcher()


def index_writer(indexer: Any, idx_name: str, timeout: float):
    """A whoosh writer of one of moin's indexes, waiting up to ``timeout`` seconds for the write lock."""
    return indexer.ix[idx_name].writer(timeout=timeout)


def index_document(indexer: Any, idx_name: str, meta: Mapping[str, Any], content: str, backend_name: str) -> dict:
    """The document moin itself would put into ``idx_name`` for a revision (moin's ``backend_to_index``)."""
    return backend_to_index(meta, content, indexer.schemas[idx_name], backend_name)


def stored_document(indexer: Any, idx_name: str, backend_name: str, revid: str) -> dict:
    """:func:`index_document` for a revision already in storage (its content made indexable as moin does)."""
    meta, data = indexer.backend.retrieve(backend_name, revid)
    try:
        content = convert_to_indexable(meta, data, is_new=False)
    finally:
        data.close()
    return index_document(indexer, idx_name, meta, content, backend_name)


def index_generations(indexer: Any) -> list[int]:
    """The generations of moin's revision indexes: every commit (content, ACL, membership) changes them."""
    return [indexer.ix[name].latest_generation() for name in (LATEST_REVS, ALL_REVS) if name in indexer.ix]


# --- the bulk path: moin's store_revision, for many revisions with one index commit ---------------------------
# Why: ``Item.store_revision`` commits the three indexes per revision; 10,000 seed or benchmark pages would take
# a quarter of an hour.  These are its steps (moin 2.0.0b5, storage/middleware/indexing.py ``store_revision``):
# validation state, metadata validation (update), None values dropped, ``preprocess``, validation again,
# ``backend.store`` – then the documents of ``index_revision(force_latest=True)``, for all revisions at once.
# Left out, because our callers never need them: ``validate_data`` (our text is UTF-8 encoded here), the
# ``flaskg.data_mtime`` of moin's maintenance commands, the overwrite check (always a new revision).
# The items are looked up first, all with one searcher (:func:`current_items`): ``get_item`` per record opened a
# searcher each and walked the namespace's postings (59 ms a record into the seed wiki, 165 ms into 10,000 items).
# Upstream: none (moin has no bulk store).


def store_unindexed(item: Any, meta: dict[str, Any], data: bytes, *, contenttype_current: str | None,
                    contenttype_guessed: str) -> tuple[dict[str, Any], str, str]:
    """Store one revision of ``item`` (moin's storage Item) as ``store_revision`` does, without indexing it.

    Returns (the stored metadata, its indexable content, the backend's name) for :func:`index_stored`.
    """
    state = {
        "trusted": False,
        NAME: list(meta[NAME]),
        ACTION: "SAVE",
        ADDRESS: "127.0.0.1",
        USERID: None,
        NAMESPACE: None,
        ITEMID: item.itemid,
        "contenttype_current": contenttype_current,
        "contenttype_guessed": contenttype_guessed,
        "acl_parent": None,
        FQNAME: None,
    }
    item.validate_metadata(meta, state, update=True)
    meta = {k: v for k, v in meta.items() if v is not None}
    stream = BytesIO(data)
    meta, stream, content = item.preprocess(meta, stream)
    stream.seek(0)
    item.validate_metadata(meta, state, update=False)
    backend_name, _revid = item.backend.store(meta, stream)
    return meta, content, backend_name


def current_items(indexer: Any, queries: Iterable[Mapping[str, Any]]) -> list[Any]:
    """moin's storage ``Item`` of each query (``{namespace, name_exact}``), as ``indexer.get_item(**query)`` gives it.

    All looked up with one searcher of the latest-revisions index, each by its rarest key
    (:class:`RarestTermSearcher`, with or without :func:`reuse_searchers`).  A missing item gets the placeholder
    document ``Item.__init__`` builds (the query's fields, ``name_exact`` as a list, the name list).
    """
    queries = list(queries)
    with rarest_term_searcher(indexer.ix[LATEST_REVS]) as searcher:
        docs = [searcher.document(**query) for query in queries]
    return [StorageItem(indexer, latest_doc=absent_document(query) if doc is None else doc, **query)
            for query, doc in zip(queries, docs)]


def absent_document(query: Mapping[str, Any]) -> dict[str, Any]:
    """The document ``Item.__init__`` (moin 2.0.0b5) makes up for an item its index does not have."""
    doc = {field: [value] if field in UFIELDS_TYPELIST else value for field, value in query.items()}
    doc[NAME] = doc[NAME_EXACT] if NAME_EXACT in query else []
    return doc


def index_stored(indexer: Any, stored: Iterable[tuple[dict[str, Any], str, str, bool]], timeout: float) -> None:
    """Put revisions stored by :func:`store_unindexed` into moin's three indexes, one commit per index.

    ``stored``: (meta, content, backend name, first revision of a new item?).  The new revisions become the
    latest ones explicitly, as ``store_revision`` does (moin's ``update()`` would pick them by mtime, which
    has one-second resolution: moinwiki/moin issue #2131).  A new revision id, or the first revision of a
    new item, cannot be in an index yet: it is added without whoosh's delete-by-unique-term lookup.
    """
    stored = list(stored)
    for idx_name in INDEXES:
        with index_writer(indexer, idx_name, timeout) as writer:
            for meta, content, backend_name, is_new_item in stored:
                doc = index_document(indexer, idx_name, meta, content, backend_name)
                if idx_name == ALL_REVS or is_new_item:
                    writer.add_document(**doc)
                else:
                    writer.update_document(**doc)


# --- index writers that wait: moin's indexes wrapped, whoosh's writer given our lock --------------------------
# Why: see moin_gaa.core.index_writers – moin 2.0.0b5's writers fail at once (LockError, a 500) or hand the
# write to a polling background thread when another writer holds the lock.
# Upstream: moin b95eb5e9 (pull request #2356, „Fix unhandled LockError from concurrent index writes“, after
# 2.0.0b5) makes moin's synchronous writers wait; its AsyncWriter path stays.


def wrap_indexes(indexer: Any, wrap: Callable[[Any], Any]) -> None:
    """Replace each of ``indexer.ix`` by ``wrap(index)``, now and whenever moin opens its indexes again.

    ``wrap`` must return its argument unchanged if it is wrapped already (``open()`` keeps the old ones).
    """
    moin_open = indexer.open

    def rewrap() -> None:
        indexer.ix = {name: wrap(index) for name, index in indexer.ix.items()}

    def open_and_wrap() -> None:
        moin_open()
        rewrap()

    indexer.open = open_and_wrap
    rewrap()


def writer_holding(index: Any, lock: Any, **kwargs: Any):
    """whoosh's own writer of ``index``, told that the write lock is ours (``lock``: acquired, with ``release()``).

    ``SegmentWriter(_lk=False)`` skips whoosh's one-shot lock; its ``_finish()`` releases ``writer.writelock``
    on ``commit()`` and ``cancel()``, so the writer is used exactly as whoosh's.
    """
    writer = index.writer(_lk=False, **kwargs)
    writer.writelock = lock
    return writer


# --- searchers reused, lookups by their rarest term ----------------------------------------------------------------
# Why: moin 2.0.0b5 opens a new whoosh searcher for every index lookup – ``IndexingMiddleware._document`` and its
# callers ``Item.__init__``, ``Item.parentids``, ``has_item``, the ACL lookups of ``protecting.py``, about 22 per
# plain page – and each opening re-reads the TOC, unpickles the schema and copies every segment file it reads out
# of its memory map into a ``BytesIO``.  And whoosh 2.7.4 answers ``searcher.document(name_exact=…, namespace=…)``
# with ``IntersectionMatcher.all_ids``, a set of *all* postings of each term: a lookup by name walks every item of
# the namespace.  With 20,000 items a plain page took 1.3 s instead of 0.2 s.
#
# :func:`reuse_searchers` puts a :class:`ReusingIndex` under each of moin's indexes (below the waiting writers of
# ``index_writers``).  Its ``searcher()`` lends a searcher out of a small per-process pool (:class:`SearcherPool`):
# lookups of one thread share one searcher while any of them is open (moin nests them: an ``Item`` built inside a
# ``search()`` loop looks itself up), and a searcher goes back to the pool when the last of them closes it.  Before
# each lending the index generation is read (whoosh's TOC file names, one directory listing): a searcher of an
# older generation is closed and a new one opened – never whoosh's ``searcher.refresh()``, which closes readers that
# another lookup may still use (a prototype with it answered 500 to a reply that was in fact stored).  Every commit
# changes the generation – this process's own, another thread's, another process's – so a lookup sees exactly what
# a newly opened searcher would see, and a save sees itself.  The lent searcher's ``document(s)`` and
# ``document_number(s)`` look up by the key with the fewest postings (itemid, revid, name_exact) and check the other
# keys (the namespace …) against the stored fields, as whoosh indexed them (:func:`matching_documents`): the same
# documents in the same order as whoosh's intersection.
#
# Switched off (moin's own searcher per lookup) by ``gaa_reuse_searchers = False`` in wikiconfig.py or by the
# environment variable ``PARTNERWIKI_REUSE_SEARCHERS=0``.
# Upstream: stands in for moin 6973e729 (pull request #2327, after 2.0.0b5: one searcher per request, cached on
# ``flaskg``, retired by writes) – ours is reused across requests per thread and generation; and, by making each
# lookup cheap rather than fewer, for the effect of 8a25bff0 (link-existence checks of a page batched into one
# query) and f851744b (``has_item`` as a bare ``document_number()``).  The rarest-term lookup has no upstream
# equivalent; whoosh's ``IntersectionMatcher.all_ids`` is unchanged in 2.7.4.

REUSE_SEARCHERS_ENV = "PARTNERWIKI_REUSE_SEARCHERS"
# Searchers kept per index and process between lookups.  Threads looking up at the same moment open their own, as
# moin does.  With whoosh's memory map each searcher held private copies of the segment files it read (about the
# index's size on disk); wikiconfig.py therefore opens the indexes without it (``supports_mmap: False``).
IDLE_SEARCHERS = 1


def matching_documents(searcher: Any, kw: Mapping[str, Any]) -> Iterator[tuple[int, dict]]:
    """(document number, stored fields) of each document whoosh's ``searcher.documents(**kw)`` finds, in its order.

    Per segment: the postings of the key with the fewest documents, each candidate checked for the other keys –
    against its stored fields (the terms whoosh makes of the stored value: ``field.index``), or against the key's
    postings when the field is not stored.
    """
    schema = searcher.schema
    terms = [(name, schema[name].to_bytes(value)) for name, value in kw.items()]
    for leaf, offset in searcher.leaf_searchers():
        reader = leaf.reader()
        if not all(term in reader for term in terms):
            continue
        first, *others = sorted(terms, key=lambda term: reader.doc_frequency(*term))
        for docnum in reader.postings(*first).all_ids():
            fields = reader.stored_fields(docnum)
            if all(_has_term(reader, schema[name], docnum, fields, (name, text)) for name, text in others):
                yield docnum + offset, fields


def _has_term(reader: Any, field: Any, docnum: int, fields: Mapping[str, Any], term: tuple[str, bytes]) -> bool:
    name, text = term
    if field.stored:
        value = fields.get(name)
        return value is not None and any(indexed == text for indexed, *_ in field.index(value))
    postings = reader.postings(name, text)
    postings.skip_to(docnum)
    return postings.is_active() and postings.id() == docnum


class _Lent:
    """One searcher of a :class:`SearcherPool`, its index generation and how many open leases share it."""

    __slots__ = ("searcher", "generation", "leases", "thread")

    def __init__(self, searcher: Any, generation: int, thread: int) -> None:
        self.searcher, self.generation, self.leases, self.thread = searcher, generation, 0, thread


class SearcherPool:
    """The searchers of one whoosh index in this process: lent per thread, kept per index generation."""

    def __init__(self, index: Any, idle: int = IDLE_SEARCHERS) -> None:
        self._index = index
        self._idle_max = idle
        self._lock = threading.RLock()  # re-entrant: a lease dropped by the garbage collector may return inside
        self._idle: list[_Lent] = []
        self._lent: dict[int, _Lent] = {}  # thread → the searcher its open lookups share
        self._newest = -1
        self._closed = False

    def lend(self) -> "ReusedSearcher":
        generation = self._index.latest_generation()
        thread = threading.get_ident()
        stale: list[_Lent] = []
        with self._lock:
            self._newest = max(self._newest, generation)
            lent = self._lent.get(thread)
            if lent is None or lent.generation != generation:
                stale = [s for s in self._idle if s.generation != generation]
                self._idle = [s for s in self._idle if s.generation == generation]
                lent = self._idle.pop() if self._idle else None
            if lent is not None:
                lent.thread = thread
                lent.leases += 1
                self._lent[thread] = lent
        for old in stale:
            old.searcher.close()
        if lent is None:  # opened outside the lock: other threads need not wait for it
            lent = _Lent(rarest_term_searcher(self._index), generation, thread)  # at least this generation
            lent.leases = 1
            with self._lock:
                self._lent[thread] = lent
        return ReusedSearcher(self, lent)

    def give_back(self, lent: _Lent) -> None:
        with self._lock:
            lent.leases -= 1
            if lent.leases:
                return
            if self._lent.get(lent.thread) is lent:
                del self._lent[lent.thread]
            keep = not self._closed and lent.generation >= self._newest and len(self._idle) < self._idle_max
            if keep:
                self._idle.append(lent)
        if not keep:
            lent.searcher.close()

    def close(self) -> None:
        """Close the idle searchers; lent ones close when they are given back."""
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for lent in idle:
            lent.searcher.close()


class ReusedSearcher:
    """A lease of a pooled whoosh searcher, used as whoosh's searcher; ``close()`` gives it back to the pool."""

    def __init__(self, pool: SearcherPool, lent: _Lent) -> None:
        self._pool = pool
        self._lent: _Lent | None = lent

    def __getattr__(self, name: str) -> Any:
        lent = self.__dict__.get("_lent")
        if lent is None:
            raise ReaderClosed(f"the searcher was given back (asked for {name!r})")
        return getattr(lent.searcher, name)

    def __enter__(self) -> "ReusedSearcher":
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def close(self) -> None:
        lent, self._lent = self._lent, None
        if lent is not None:
            self._pool.give_back(lent)


class RarestTermSearcher(Searcher):
    """whoosh's searcher, whose lookups by several keys start from the rarest (:func:`matching_documents`).

    whoosh's ``document()`` asks ``documents()``.
    """

    def documents(self, **kw: Any) -> Iterator[dict]:
        if len(kw) < 2:
            return super().documents(**kw)
        return (fields for _docnum, fields in matching_documents(self, kw))

    def document_numbers(self, **kw: Any) -> Iterator[int]:
        if len(kw) < 2:
            return super().document_numbers(**kw)
        return (docnum for docnum, _fields in matching_documents(self, kw))

    def document_number(self, **kw: Any) -> int | None:
        if len(kw) < 2:
            return super().document_number(**kw)
        return next(self.document_numbers(**kw), None)


def rarest_term_searcher(index: Any) -> RarestTermSearcher:
    """What whoosh's ``FileIndex.searcher()`` opens, as a :class:`RarestTermSearcher`."""
    return RarestTermSearcher(index.reader(), fromindex=index)


class ReusingIndex:
    """One of moin's whoosh indexes whose ``searcher()`` lends a pooled searcher; everything else is the index's."""

    def __init__(self, index: Any) -> None:
        self.wrapped_index = index
        self.pool = SearcherPool(index)

    def searcher(self, **kwargs: Any):
        if kwargs:  # a weighting or a reader of its own: whoosh's
            return self.wrapped_index.searcher(**kwargs)
        return self.pool.lend()

    def close(self) -> None:
        self.pool.close()
        self.wrapped_index.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.wrapped_index, name)

    def __repr__(self) -> str:
        return f"ReusingIndex({self.wrapped_index!r})"


def searcher_reuse_wanted(cfg: Any) -> bool:
    """``gaa_reuse_searchers`` (default on), unless the environment says ``PARTNERWIKI_REUSE_SEARCHERS=0``."""
    return bool(getattr(cfg, "gaa_reuse_searchers", True)) and os.environ.get(REUSE_SEARCHERS_ENV, "1") != "0"


def reuse_searchers(app: Flask) -> None:
    """Put a :class:`ReusingIndex` under each of moin's indexes in ``app`` (if wanted); must run before
    ``index_writers.install``, so that the waiting writers stay outermost."""
    indexer = getattr(app, "storage", None)  # moin's IndexingMiddleware (not there for some moin commands)
    if indexer is None or getattr(indexer, "gaa_reused_searchers", False) or not searcher_reuse_wanted(app.cfg):
        return
    wrap_indexes(indexer, lambda ix: ix if isinstance(ix, ReusingIndex) else ReusingIndex(ix))
    indexer.gaa_reused_searchers = True


# --- search results: the count of readable hits ----------------------------------------------------------------
# Why: moin's +search shows ``len(results)``; whoosh counts every match, also those the user may not read.
# whoosh's ``Results.__len__`` returns ``_total`` once it is set.  Upstream: none.


def set_hit_count(results: Any, count: int) -> None:
    """Make ``len(results)`` of a whoosh ``Results`` answer ``count``."""
    results._total = count


# --- read rights -------------------------------------------------------------------------------------------------
# Why: moin decides each revision separately; a list of 10,000 catalog records would cost 10,000 ACL
# evaluations.  moin's own cache (``ProtectingMiddleware.allows``, an lfu cache over ``may_read_rev``) is keyed
# by (user names, the item's ACL, its parent names, its namespace, right): the answer depends on nothing else.
# :func:`read_rights_key` is that key without the user, so records with equal keys are decided once per user.
# Upstream: none.  The test compares keyed decisions with moin's own over hundreds of generated ACLs.

KEY_SEPARATOR = "\x1f"  # neither separator can occur in an ACL or an item name (moin refuses control characters)
NAME_SEPARATOR = "\x1e"
NO_ACL = "\x00"  # an item without an ACL of its own (moin: None) – not the empty ACL ""


def read_rights_key(acl: str | None, names: Iterable[str], namespace: str) -> str:
    """Items with equal keys have equal read rights for every user (moin's ACL cache key, without the user)."""
    parents = NAME_SEPARATOR.join(parent_names(list(names)))
    return KEY_SEPARATOR.join([NO_ACL if acl is None else acl, parents, namespace])


def may_read(storage: Any, itemid: str, names: Iterable[str], namespace: str, acl: str | None) -> bool:
    """moin's ``may_read_rev`` for an index hit or a catalog record (``storage``: moin's ProtectingMiddleware)."""
    meta: dict[str, Any] = {ITEMID: itemid, NAME: list(names), NAMESPACE: namespace}
    if acl is not None:  # only a real ACL: moin treats a present-but-None ACL as "no parents to consult"
        meta[ACL] = acl
    return bool(storage.may_read_rev(meta))


class WorkflowStorage(ProtectingMiddleware):
    """moin's storage in which the acting user may write, create, destroy and change ACLs everywhere.

    Reading stays moin's ACL for everybody – also inside the save, where moin's notification mails ask
    whether each subscriber may read the changed item.  Why: discussion items are read-only for users in
    moin's editor; our views decide who may post.  Overrides ``_eval_acl`` (moin wraps it in an lfu cache as
    ``eval_acl`` in ``__init__``).  Upstream: none.
    """

    def _eval_acl(self, acl, default_acl, user_name, right):
        if right not in (READ, PUBREAD) and user_name in self.user.name:
            return True
        return super()._eval_acl(acl, default_acl, user_name, right)


# --- saving through moin's item layer ---------------------------------------------------------------------------


def save_revision(item: Any, meta: Mapping[str, Any], data: str | bytes | None, comment: str) -> tuple[str, int]:
    """``Item._save``: store a new revision of ``item`` (``moin.items.Item``) as the current user; (revid, size).

    Why: moin has no public save; ``_save`` is what its views and tests use (see the module docstring).
    """
    return item._save(meta, data, comment=comment)


# --- user profiles ------------------------------------------------------------------------------------------------
# Why: ``user.profile[key]`` falls back to ``cfg.user_defaults[key]`` and raises KeyError for a key without a
# default (our feed-key hash); ``UserProfile`` has neither ``get`` nor ``__contains__``.  Upstream: none.


def stored_profile(user: Any) -> Mapping[str, Any]:
    """What ``user``'s profile holds (read-only, without moin's configured defaults)."""
    return MappingProxyType(user.profile._meta)


# --- moin's file stores -------------------------------------------------------------------------------------------
# Why: a revision whose metadata file was cut off by a crash is moved to quarantine – by its file, which only
# the file store knows (``FileStore._mkpath``).  Upstream: none.


def store_file_path(store: Any, key: str) -> str:
    """The file in which one of moin's file stores (``stores:fs``) keeps ``key``."""
    return store._mkpath(key)


# Why: moin's file stores write a value into its file in place (``FileStoreMixin._setitem``: open "wb", copy).  moin
# rewrites a user profile's metadata file on every profile save (login, settings, subscriptions) under the same
# key, so a request reading that profile at the same moment read an empty or half file and answered 500
# (JSONDecodeError) – 177 times in 20 s with one saver and three readers.  Our stores write a temporary file beside
# the store's folder (never inside it: moin lists a folder's files as its keys) and rename it into place, which
# POSIX makes atomic for readers.  Checked against moin 2.0.0b5 (``moin.storage.stores.fs``).  Upstream: none.
ATOMIC_PREFIX = ".partnerwiki-writing-"


class _AtomicSetItem:
    def _setitem(self, key: str, stream: Any) -> None:
        folder = os.path.dirname(os.path.abspath(self.path))
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=ATOMIC_PREFIX)
        try:
            with os.fdopen(handle, "wb") as f:
                shutil.copyfileobj(stream, f, 64 * 1024)
            os.replace(temporary, self._mkpath(key))
        except BaseException:
            with suppress(FileNotFoundError):
                os.unlink(temporary)
            raise


class AtomicFileStore(_AtomicSetItem, FileStore):
    """moin's ``FileStore`` (item data) whose writes replace a value's file in one rename."""


class AtomicBytesStore(_AtomicSetItem, BytesStore):
    """moin's ``BytesStore`` (revision metadata) whose writes replace a value's file in one rename."""


ATOMIC_STORES = {FileStore: AtomicFileStore, BytesStore: AtomicBytesStore}


def write_stores_atomically(backends: Iterable[Any]) -> None:
    """Give moin's ``stores:fs`` backends (``cfg.backend_mapping``'s values) stores that write atomically."""
    for backend in backends:
        for attribute in ("meta_store", "data_store"):
            store = getattr(backend, attribute, None)
            atomic = ATOMIC_STORES.get(type(store))
            if atomic is not None:
                setattr(backend, attribute, atomic(store.path))


# --- moin's full garbage collection after every save ------------------------------------------------------------
# Why: moin's ``Item.store_revision`` ends with ``gc.collect()`` – a full collection – „to close index files from the
# is_latest search“.  A full collection walks every object of the process: 40 ms per save in a worker that has served
# the national wiki's pages (the catalog memo holds its document sets), which made a save at national scale twice as
# slow as on the seed wiki.  The searchers that search leaves behind are young objects, so collecting the young
# generations does what moin wants; Python's own automatic collections still reach the old generation.  We hand the
# indexing module a ``gc`` whose ``collect()`` collects the young generations (``gc.collect(1)``); everything else is
# the real module.  Checked against moin 2.0.0b5 (``moin.storage.middleware.indexing``).  Upstream: none.


class _YoungCollections:
    def collect(self, generation: int = 1) -> int:
        return gc.collect(min(generation, 1))

    def __getattr__(self, name: str) -> Any:
        return getattr(gc, name)


def collect_young_after_saves() -> None:
    """Make the ``gc.collect()`` at the end of moin's ``store_revision`` collect the young generations only."""
    moin_indexing.gc = _YoungCollections()


# --- moin's macro argument parser ---------------------------------------------------------------------------------
# Why: our macros take ``<<Macro(name=value, …)>>`` arguments exactly as moin's own macros read them (quoting,
# positional and keyword arguments); moin keeps that parser in the private module ``_args_wiki``.  Upstream: none.


def parse_macro_arguments(text: str) -> Any:
    """moin's parse of a macro's argument text: an ``Arguments`` with ``.positional`` and ``.keyword``."""
    return parse_args_wiki(text)


# --- moin's request set-up and the objects its views read -------------------------------------------------------
# Why: our guards must see what moin's views see.  moin's ``before_wiki`` (a ``before_request`` function) sets
# up ``flaskg.user``, ``flaskg.storage`` and ``flaskg.groups``; its views read the indexes as
# ``flaskg.storage.indexer.ix`` and cache the atom feed in ``app.cache``.  We put wrappers in their place –
# no moin code is changed.  Upstream: none.


def run_after_moin_setup(app: Flask, func: Callable[[], Any]) -> None:
    """Register ``func`` as a ``before_request`` function right after moin's ``before_wiki`` (first if none)."""
    funcs = app.before_request_funcs.setdefault(None, [])
    after_moin = next((i + 1 for i, f in enumerate(funcs) if getattr(f, "__name__", "") == "before_wiki"), 0)
    funcs.insert(after_moin, func)


class IndexesSeenByViews:
    """``flaskg.storage`` as moin's views use it, but their ``storage.indexer.ix[name]`` is ``wrap(index, name)``."""

    def __init__(self, storage: Any, wrap: Callable[[Any, str], Any]) -> None:
        self._storage = storage
        indexes = {name: wrap(index, name) for name, index in storage.indexer.ix.items()}
        self.indexer = _IndexerWith(storage.indexer, indexes)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._storage, name)


class _IndexerWith:
    def __init__(self, indexer: Any, indexes: dict[str, Any]) -> None:
        self._indexer = indexer
        self.ix = indexes

    def __getattr__(self, name: str) -> Any:
        return getattr(self._indexer, name)


@contextmanager
def request_storage(storage: Any) -> Iterator[None]:
    """``flaskg.storage`` (what moin's views and items act through) is ``storage`` inside the block."""
    previous = flaskg.storage
    flaskg.storage = storage
    try:
        yield
    finally:
        flaskg.storage = previous


def wrap_request_groups(wrap: Callable[[Any], Any]) -> Any:
    """Replace ``flaskg.groups`` (moin's group lookups for this request) by ``wrap(groups)``; the groups in place."""
    groups = getattr(flaskg, "groups", None)
    if groups is not None:
        flaskg.groups = groups = wrap(groups)
    return groups


def wrap_app_cache(app: Flask, wrap: Callable[[Any], Any]) -> None:
    """Replace moin's ``app.cache`` (its atom feed cache, among others) by ``wrap(cache)``."""
    app.cache = wrap(app.cache)


# --- moin's converters after the macros: finished XHTML left alone ------------------------------------------------
# Why: after the macros ran, moin walks the whole page three more times, element by element, before it serialises
# it – also through the elements that already are finished XHTML: the macro converter (``macro.Converter.recurse``,
# looking for macros inside the output of macros, three QNames made per element), the link converter
# (``link.ConverterExternOutput.traverse_tree``, looking for ``xlink:href`` and ``html:data-href``) and the output
# converter (``html_out.ConverterPage``, which copies every html element: attributes converted – html ones kept as
# they are, ``style`` filtered – and children copied, which yields the same element again).  At national scale that
# was about 10 µs per element: 7–9 ms for a directory page of 900 elements.  Our macros build their output from html
# elements only (``macros/_html.py``); an element whose attributes are all in the html namespace, without ``style``
# and ``data-href``, and whose element children are all such elements again is marked finished (:func:`finished`):
# it holds no macro, no link moin rewrites, nothing the output converter changes.  Our three subclasses of moin's
# converters – moin's code with one check in front – leave a finished subtree as it is.  The mark is an attribute of
# the element object, not a subclass: emeraldtree's serializer and ``iter_elements`` take only elements of exactly
# the class ``Element``.  They are registered in moin's converter registry ahead of moin's own for the same types
# and arguments (moin's registry picks the first match; no moin object is changed).  Upstream: none (moin 2.0.0b5
# has no notion of finished output).  ``tests/test_rendered_output.py`` renders pages with and without them and
# compares the HTML, and checks that moin's registry hands out our converters and that moin's methods they override
# are still there.

FINISHED = "gaa_finished"


def finished(tag: Any, attrib: dict, children: list) -> Any:
    """An html element (``tag``: an html QName; attributes and children as described above) marked finished."""
    elem = ET.Element(tag, attrib=attrib, children=children)
    setattr(elem, FINISHED, True)
    return elem


def is_finished(elem: Any) -> bool:
    return getattr(elem, FINISHED, False)


class FinishedMacroConverter(moin_macro.Converter):
    """moin's macro expansion; no macros are looked for in a finished subtree."""

    def recurse(self, elem: Any, page: Any) -> Iterator[tuple[Any, Any]]:
        if not getattr(elem, FINISHED, False):
            yield from super().recurse(elem, page)


class FinishedLinkConverter(moin_link.ConverterExternOutput):
    """moin's link conversion for output; a finished subtree holds no link it converts."""

    def traverse_tree(self, elem: Any, page: Any = None, *args: Any) -> Any:
        if getattr(elem, FINISHED, False):
            return elem
        return super().traverse_tree(elem, page, *args)


class FinishedHtmlConverter(html_out.ConverterPage):
    """moin's ``ConverterPage``; a finished subtree is taken as it is."""

    def visit(self, elem: Any, *args: Any) -> Any:
        if getattr(elem, FINISHED, False):
            return elem
        return super().visit(elem, *args)


_FINISHED_CONVERTERS = (  # (factory, input, output): one factory object each, moin's registry unregisters by identity
    (FinishedMacroConverter._factory, type_moin_document, type_moin_document),
    (FinishedLinkConverter._factory, type_moin_document, type_moin_document),
    (FinishedHtmlConverter._factory, type_moin_document, Type("application/x-xhtml-moin-page")),
)


def skip_finished_html(on: bool = True) -> None:
    """Register our three converters ahead of moin's (``on``; again: no change), or unregister them."""
    for factory, type_input, type_output in _FINISHED_CONVERTERS:
        if on:
            converter_registry.register(factory, type_input, type_output, converter_registry.PRIORITY_FIRST)
        else:
            with suppress(ValueError):  # not registered
                converter_registry.unregister(factory)
