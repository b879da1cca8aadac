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
* whoosh's ``Results._total`` (:func:`set_hit_count`): +search counts readable hits only;
* moin's ACL cache key (:func:`read_rights_key`, :func:`may_read`): read rights once per key;
* the ``ProtectingMiddleware._eval_acl`` override (:class:`WorkflowStorage`): saves our workflow allowed;
* ``Item._save`` (:func:`save_revision`): our forms save through moin's item layer;
* ``UserProfile._meta`` (:func:`stored_profile`): profile keys without a configured default;
* ``FileStore._mkpath`` (:func:`store_file_path`): half-written revisions by their file;
* ``moin.converters._args_wiki.parse`` (:func:`parse_macro_arguments`): our macros read their arguments as moin's do;
* moin's request set-up and the objects its views read – ``before_wiki``'s place in ``before_request_funcs``
  (:func:`run_after_moin_setup`), ``flaskg.storage.indexer.ix`` (:class:`IndexesSeenByViews`),
  ``flaskg.storage`` (:func:`request_storage`), ``flaskg.groups`` (:func:`wrap_request_groups`), ``app.cache``
  (:func:`wrap_app_cache`).

*Item._save, decided:* moin has no public „save a revision as this user“; ``Item._save`` is what its own
views (modify, rename, revert, ACL admin) and its tests call, so it is as stable as anything in moin 2 –
but its name says private, so it counts as an internal and is reached only through :func:`save_revision`.
"""

from __future__ import annotations

from contextlib import contextmanager
from io import BytesIO
from types import MappingProxyType
from typing import Any, Callable, Iterable, Iterator, Mapping

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
    NAMESPACE,
    USERID,
)
from moin.constants.rights import PUBREAD, READ
from moin.converters._args_wiki import parse as parse_args_wiki
from moin.storage.middleware.indexing import backend_to_index, convert_to_indexable
from moin.storage.middleware.protecting import ProtectingMiddleware
from moin.utils.names import parent_names

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
