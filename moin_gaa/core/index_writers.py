"""whoosh index writers that wait their turn instead of failing on a held write lock.

whoosh allows one writer per index at a time and guards it with a file lock (``<index>_WRITELOCK``,
``flock``: it works across processes, and a dead process leaves no lock behind).  ``ix.writer()`` tries
that lock once and raises ``LockError``; ``ix.writer(timeout=…)`` polls it every 0.1 s, so among many
waiting threads whoever polls at the right moment wins – a waiter can lose for longer than any timeout.

:func:`waiting_writer` takes turns in two steps:

1. within the process, a first-come-first-served turn per lock file (:class:`Turns`): the threads of a
   multi-threaded server queue up and each is woken when its turn comes, nobody polls;
2. then whoosh's own file lock, polled (only the thread whose turn it is polls), which orders the
   processes writing to the same index (several server workers, ``partnerwiki`` commands).

Both together are bounded by one wait (``WRITE_WAIT``); after it :class:`IndexBusy` is raised, which
:func:`install` answers with a German 503.  The lock is handed to whoosh's own writer
(:func:`~moin_gaa.core.moin_internals.writer_holding`), which releases it when it commits or cancels, so
callers use the writer exactly as whoosh's.

**moin's own writers wait too** – stands in for moin commit b95eb5e9 (moinwiki/moin pull request #2356,
„Fix unhandled LockError from concurrent index writes“, after 2.0.0b5): moin 2.0.0b5's
``IndexingMiddleware`` opens whoosh writers that give up at once when another writer holds the index:

* ``index_revision(…, async_=False)`` – every save with ``overwrite=True``, i.e. every ``User.save()``
  (registration, each login, settings) – calls ``ix.writer()``: ``LockError``, a 500;
* new revisions use whoosh's ``AsyncWriter``: when the lock is held it keeps the document in memory and
  writes it from a background thread that polls the lock every 0.25 s against every other writer.
  moin then waits up to 20 s (``get_document(retry=True)``) for the revision to appear in its index and
  else raises „Server overload may have corrupted the index; rebuild it.“ – a 500, though the revision
  is stored; and should the process end before the background thread got the lock, the index lacks
  that revision until the index is repaired (``gaa-setup`` does so at start-up).

:func:`install` wraps the indexes moin opened (``app.storage.ix``, see
:func:`~moin_gaa.core.moin_internals.wrap_indexes`) in :class:`WaitingIndex`, so every writer moin asks
for – the synchronous ones and the ones ``AsyncWriter`` tries first – waits its turn for up to
``WRITE_WAIT`` seconds (wikiconfig: ``gaa_index_write_wait``).  ``AsyncWriter`` therefore always gets its
writer at once and writes synchronously: the revision is in moin's index when ``store_revision`` returns,
and moin's „Server overload“ path is not reached.  After the wait a German 503 answers, never a 500; the
revision is stored then but not yet indexed, which the index repair at start-up (``gaa-setup``) completes.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import deque
from typing import Any

from flask import Flask, Response
from flask import g as flaskg
from moin.themes import render_template

from moin_gaa.core.moin_internals import wrap_indexes, writer_holding

log = logging.getLogger(__name__)

WRITE_WAIT = 30.0  # seconds a writer waits for its turn and the file lock, in all
POLL = 0.02  # seconds between tries of the file lock (only the thread whose turn it is tries)
LOCK_NAME = "WRITELOCK"  # whoosh's: SegmentWriter locks ``ix.lock("WRITELOCK")``
RETRY_AFTER = "30"  # seconds, for the 503's Retry-After


class IndexBusy(Exception):
    """An index's write lock stayed held longer than the writer was willing to wait."""

    message = ("Das Wiki ist gerade stark ausgelastet, Ihre Änderung konnte nicht rechtzeitig in den Suchindex "
               "geschrieben werden. Bitte sehen Sie in einer Minute nach, ob sie angekommen ist, und versuchen Sie "
               "es sonst noch einmal.")

    def __init__(self, index_name: str, waited: float) -> None:
        super().__init__(f"whoosh index {index_name!r}: write lock still held after {waited:.0f} s")
        self.index_name = index_name


class Turns:
    """A lock that is handed to its waiters in the order they came (and tells a nested acquire apart)."""

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._owner: int | None = None
        self._waiting: deque[tuple[threading.Event, int]] = deque()

    def acquire(self, timeout: float) -> bool:
        me = threading.get_ident()
        with self._mutex:
            if self._owner == me:
                raise RuntimeError("a thread asked for a second writer of an index it is writing to")
            if self._owner is None and not self._waiting:
                self._owner = me
                return True
            turn = threading.Event()
            self._waiting.append((turn, me))
        if turn.wait(max(timeout, 0.0)):
            return True
        with self._mutex:
            if turn.is_set():  # handed over while timing out: it is ours now
                return True
            self._waiting.remove((turn, me))
            return False

    def release(self) -> None:
        with self._mutex:
            if self._waiting:  # hand over directly: nobody can slip in between
                turn, self._owner = self._waiting.popleft()
                turn.set()
            else:
                self._owner = None


_turns: dict[str, Turns] = {}
_turns_mutex = threading.Lock()


def turns_for(key: str) -> Turns:
    with _turns_mutex:
        return _turns.setdefault(key, Turns())


def lock_key(index: Any) -> str:
    """One key per lock file (an index opened twice in the process shares its turns)."""
    folder = getattr(index.storage, "folder", None)
    if folder is None:  # RamStorage: its locks are thread locks of that storage object
        return f"ram-{id(index.storage)}-{index.indexname}"
    return os.path.realpath(os.path.join(folder, f"{index.indexname}_{LOCK_NAME}"))


class WaitingWriteLock:
    """The process's turn for the index plus whoosh's file lock; acquired together, released together."""

    def __init__(self, index: Any, wait: float) -> None:
        self.index_name = index.indexname
        self.wait = wait
        self.turns = turns_for(lock_key(index))
        self.file_lock = index.lock(LOCK_NAME)
        self.held = False

    def acquire(self) -> None:
        deadline = time.monotonic() + self.wait
        if not self.turns.acquire(self.wait):
            raise IndexBusy(self.index_name, self.wait)
        try:
            while not self.file_lock.acquire(False):  # another process writes
                if time.monotonic() >= deadline:
                    raise IndexBusy(self.index_name, self.wait)
                time.sleep(POLL)
        except BaseException:
            self.turns.release()
            raise
        self.held = True

    def release(self) -> None:
        if not self.held:
            return
        self.held = False
        try:
            self.file_lock.release()
        finally:
            self.turns.release()

    def __del__(self) -> None:  # a writer dropped without commit() or cancel() must not block the index forever
        self.release()


def waiting_writer(index: Any, wait: float = WRITE_WAIT, **kwargs: Any):
    """``index.writer(**kwargs)``, but waiting up to ``wait`` seconds for the write lock (:class:`IndexBusy` after).

    A caller's own ``timeout`` counts if it is longer than ``wait``; whoosh's ``delay`` is not needed.
    """
    wait = max(wait, float(kwargs.pop("timeout", 0.0) or 0.0))
    kwargs.pop("delay", None)
    kwargs.pop("_lk", None)
    lock = WaitingWriteLock(index, wait)
    lock.acquire()
    try:
        return writer_holding(index, lock, **kwargs)
    except BaseException:
        lock.release()
        raise


class WaitingIndex:
    """A whoosh index whose :meth:`writer` waits (see :func:`waiting_writer`); everything else is the index's."""

    def __init__(self, index: Any, wait: float = WRITE_WAIT) -> None:
        self.wrapped_index = index
        self.wait = wait

    def writer(self, **kwargs: Any):
        return waiting_writer(self.wrapped_index, self.wait, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.wrapped_index, name)

    def __repr__(self) -> str:
        return f"WaitingIndex({self.wrapped_index!r})"


def install(app: Flask) -> None:
    """Make the writers of moin's indexes in ``app`` wait for the write lock; answer :class:`IndexBusy` with a 503."""
    indexer = getattr(app, "storage", None)  # moin's IndexingMiddleware (not there for some moin commands)
    if indexer is not None and not getattr(indexer, "gaa_waiting_writers", False):
        wait = float(getattr(app.cfg, "gaa_index_write_wait", WRITE_WAIT))
        wrap_indexes(indexer, lambda ix: ix if isinstance(ix, WaitingIndex) else WaitingIndex(ix, wait))
        indexer.gaa_waiting_writers = True
    app.register_error_handler(IndexBusy, index_busy)


def index_busy(error: IndexBusy):
    log.warning("503 for a write: %s", error)
    return busy_page(IndexBusy.message)


def busy_page(message: str) -> Response:
    """A German 503 that says when to try again."""
    headers = {"Retry-After": RETRY_AFTER}
    if getattr(flaskg, "clock", None) is None:  # moin's request set-up did not run: no themed page
        return Response(message, 503, headers, mimetype="text/plain")
    page = render_template("error.html", title="Gerade ausgelastet", description=message, item_name="")
    return Response(page, 503, headers, mimetype="text/html")
