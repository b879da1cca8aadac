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

Both together are bounded by one wait (``WRITE_WAIT``); after it :class:`IndexBusy` is raised – the web
layer answers it with a German 503.  The lock is handed to whoosh's own writer (``writer.writelock``),
which releases it when it commits or cancels, so callers use the writer exactly as whoosh's.
"""

from __future__ import annotations

import os
import threading
import time
from collections import deque
from typing import Any

WRITE_WAIT = 30.0  # seconds a writer waits for its turn and the file lock, in all
POLL = 0.02  # seconds between tries of the file lock (only the thread whose turn it is tries)
LOCK_NAME = "WRITELOCK"  # whoosh's: SegmentWriter locks ``ix.lock("WRITELOCK")``


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
        writer = index.writer(_lk=False, **kwargs)  # whoosh's own writer, told the lock is taken care of
    except BaseException:
        lock.release()
        raise
    writer.writelock = lock  # SegmentWriter._finish() releases it on commit() and cancel()
    return writer


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
