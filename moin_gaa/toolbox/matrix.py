"""The life-phase × Handlungsempfehlung matrix of the Werkzeugkiste.

Counts are set operations on catalog document numbers (readable ones only): one postings read
per life phase and per recommendation, then 42 intersections – no record is loaded to count.
Only the few highlighted tools named in each cell are read.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from whoosh import query

from moin_gaa.core.catalog import CatalogReader
from moin_gaa.core.records import Record
from moin_gaa.core.vocabulary import Term, Vocabulary
from moin_gaa.toolbox.toolfilter import ToolFilter, filter_query
from moin_gaa.toolbox.tools import TOOL_TYPE

HIGHLIGHTED = "hervorgehoben"


@dataclass(frozen=True)
class MatrixCell:
    recommendation: Term
    phase: Term
    count: int
    highlighted: tuple[Record, ...]  # named first in the cell, at most ``names_per_cell``

    @property
    def is_gap(self) -> bool:
        return self.count == 0


@dataclass(frozen=True)
class Matrix:
    recommendations: tuple[Term, ...]  # rows
    phases: tuple[Term, ...]  # columns
    cells: Mapping[tuple[str, str], MatrixCell]  # (recommendation key, phase key)
    total: int  # tools matching the filter in the shown rows and columns

    def cell(self, recommendation: str, phase: str) -> MatrixCell:
        return self.cells[(recommendation, phase)]

    @property
    def gaps(self) -> int:
        return sum(cell.is_gap for cell in self.cells.values())


TOOLS = query.Term("record_type", TOOL_TYPE)
TOOL_ORDER = "tools: highlighted first, then by title"


def _tool_order(record: Record) -> tuple[bool, str]:
    return record.fields.get("status") != HIGHLIGHTED, record.title.casefold()


def sort_tools(records: list[Record]) -> list[Record]:
    """Highlighted tools first, then by title."""
    return sorted(records, key=_tool_order)


def first_tools(reader: CatalogReader, docnums: set[int], count: int) -> list[Record]:
    """The first ``count`` of the tools ``docnums`` in :func:`sort_tools`' order; only those are read."""
    return reader.records(reader.ordered(docnums, TOOLS, TOOL_ORDER, _tool_order)[:count])


def build_matrix(
    reader: CatalogReader,
    vocabulary: Vocabulary,
    tool_filter: ToolFilter,
    *,
    recommendations: tuple[str, ...] = (),
    phases: tuple[str, ...] = (),
    names_per_cell: int = 2,
) -> Matrix:
    """Counts per cell for ``tool_filter`` (its cell selection ignored), limited to the given rows/columns."""
    rows = tuple(t for t in vocabulary.recommendations if not recommendations or t.key in recommendations)
    cols = tuple(t for t in vocabulary.life_phases if not phases or t.key in phases)
    base = reader.docs(filter_query(tool_filter.without_cell(), reader.catalog))
    key = ("matrix", tool_filter.without_cell(), repr(rows), repr(cols), names_per_cell)  # vocabulary terms hold dicts
    return reader.remembered(key, base, lambda: _matrix(reader, base, rows, cols, names_per_cell))


def _matrix(reader: CatalogReader, base: set[int], rows: tuple[Term, ...], cols: tuple[Term, ...],
            names_per_cell: int) -> Matrix:
    by_phase = {t.key: reader.facet_docs("lebensphasen", t.key) & base for t in cols}
    by_rec = {t.key: reader.facet_docs("empfehlungen", t.key) & base for t in rows}
    highlighted = reader.facet_docs("status", HIGHLIGHTED) & base
    cells = {}
    shown: set[int] = set()
    for rec in rows:
        for phase in cols:
            docs = by_rec[rec.key] & by_phase[phase.key]
            shown |= docs
            named = first_tools(reader, docs & highlighted, names_per_cell) if names_per_cell else []
            cells[(rec.key, phase.key)] = MatrixCell(rec, phase, len(docs), tuple(named))
    return Matrix(rows, cols, cells, len(shown))


def matching_tools(reader: CatalogReader, tool_filter: ToolFilter, limit: int | None = None) -> list[Record]:
    """Every readable tool matching the filter (cell included) in :func:`sort_tools`' order – only the first
    ``limit`` of them if given."""
    docs = reader.docs(filter_query(tool_filter, reader.catalog))
    return first_tools(reader, docs, len(docs) if limit is None else limit)
