"""What catalog readers compute again and again, kept per process between requests.

whoosh never changes a segment once it is written: a commit adds segments, marks deletions and merges small
segments into new ones.  So

* values read from a document's stored fields are kept per (segment, document number in it) and survive every
  commit that leaves the segment alone – after a write only the new small segment is read again;
* query results and anything else derived from a whole index state are kept per *state*: the generation and the
  ids of its segments (the generation alone is not unique – a rebuilt catalog starts again at 0).

Nothing here depends on who asks: read rights are applied afterwards, per request, by
:class:`moin_gaa.core.catalog.CatalogReader`, and what is built from readable documents is kept under the exact set
of them.  Bulky values – a macro's finished output, up to a few hundred kB – have a small table of their own per
state.  Without this memo, the matrix of 10,000 tools re-walked whoosh's postings on every request (0.13 s) and
the directory decoded 11,000 stored documents to sort them (0.7 s).
"""

from __future__ import annotations

import threading
from bisect import bisect_right
from collections import OrderedDict
from typing import Any, Callable, Hashable, Iterable, Mapping, TypeVar

T = TypeVar("T")
StateKey = tuple[int, tuple[str, ...]]
Table = OrderedDict[Hashable, Any]

STATES_KEPT = 2  # the newest state and the one before it (requests that started before a commit)
ENTRIES_PER_STATE = 4096  # query results and derived values per state; beyond it the oldest are dropped
BULKY_PER_STATE = 32  # bulky values (built pages parts) per state; beyond it the oldest are dropped


def _segment_id(leaf: Any) -> str:
    segment = leaf.segment()
    return segment.segment_id() if segment is not None else ""


def state_key(reader: Any) -> StateKey:
    """Which index state a whoosh reader sees: its generation and the ids of its segments."""
    return reader.generation(), tuple(_segment_id(leaf) for leaf, _offset in reader.leaf_readers())


class CatalogMemo:
    """Per-process memo of one catalog (see the module docstring); safe to share between threads."""

    def __init__(self, states: int = STATES_KEPT, entries: int = ENTRIES_PER_STATE,
                 bulky: int = BULKY_PER_STATE) -> None:
        self._lock = threading.Lock()
        self._states_kept = states
        self._limits = (entries, bulky)
        self._states: OrderedDict[StateKey, tuple[Table, Table]] = OrderedDict()  # (values, bulky values)
        self._values: dict[tuple[str, str], dict[int, Any]] = {}  # (value name, segment id) → docnum in segment → value

    def clear(self) -> None:
        with self._lock:
            self._states.clear()
            self._values.clear()

    def remembered(self, reader: Any, key: Hashable, compute: Callable[[], T], *, bulky: bool = False) -> T:
        """``compute()`` once per index state and ``key``; the result must not be changed by callers.  ``bulky``
        values are kept in a smaller table (:data:`BULKY_PER_STATE`)."""
        state = state_key(reader)
        table = int(bulky)
        with self._lock:
            tables = self._states.get(state)
            if tables is not None and key in tables[table]:
                tables[table].move_to_end(key)
                return tables[table][key]
        value = compute()  # outside the lock: other threads need not wait; two may compute the same, harmlessly
        with self._lock:
            tables = self._states.get(state)
            if tables is None:
                tables = self._states[state] = (OrderedDict(), OrderedDict())
                while len(self._states) > self._states_kept:
                    self._states.popitem(last=False)
                self._forget_segments_not_in(state)
            entries = tables[table]
            entries[key] = value
            while len(entries) > self._limits[table]:
                entries.popitem(last=False)
        return value

    def query_docs(self, searcher: Any, query: Any) -> frozenset[int]:
        """The document numbers (deleted ones excluded) matching a whoosh query in the searcher's state."""
        return self.remembered(searcher.reader(), ("query", repr(query)),
                               lambda: frozenset(searcher.docs_for_query(query)))

    def values(self, reader: Any, docnums: Iterable[int], name: str,
               compute: Callable[[Mapping[str, Any]], Any]) -> dict[int, Any]:
        """``compute(stored fields)`` for each document, kept per segment under ``name``."""
        leaves = list(reader.leaf_readers())
        offsets = [offset for _leaf, offset in leaves]
        with self._lock:
            tables = [self._values.setdefault((name, _segment_id(leaf)), {}) for leaf, _offset in leaves]
        found: dict[int, Any] = {}
        for docnum in docnums:
            i = bisect_right(offsets, docnum) - 1
            local = docnum - offsets[i]
            table = tables[i]
            if local not in table:
                table[local] = compute(leaves[i][0].stored_fields(local))  # same value if two threads race
            found[docnum] = table[local]
        return found

    def _forget_segments_not_in(self, state: StateKey) -> None:
        """Drop the values of segments that neither kept state still has (merged away); under the lock."""
        alive = {segment for _generation, segments in self._states for segment in segments} | set(state[1])
        for key in [key for key in self._values if key[1] not in alive]:
            del self._values[key]
