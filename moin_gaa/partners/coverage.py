"""Präventionskette coverage: which life-phase × recommendation cells municipalities cover.

For one municipality the cells come from its activities; for many (all, or one Land) the
heat map counts municipalities per cell with set operations on catalog document numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from whoosh.query import And, Term

from moin_gaa.core.catalog import FACET_PREFIX, CatalogReader
from moin_gaa.core.records import Record
from moin_gaa.core.vocabulary import Vocabulary
from moin_gaa.partners.municipalities import PROFILE_TYPE
from moin_gaa.toolbox.matrix import HIGHLIGHTED, sort_tools
from moin_gaa.toolbox.toolfilter import ToolFilter, filter_query


def cell_key(phase: str, recommendation: str) -> str:
    return f"{phase}|{recommendation}"


@dataclass(frozen=True)
class HeatMap:
    counts: Mapping[tuple[str, str], int]  # (recommendation, life phase) -> municipalities
    municipalities: int

    def share(self, recommendation: str, phase: str) -> float:
        return self.counts[(recommendation, phase)] / self.municipalities if self.municipalities else 0.0


def heat_map(reader: CatalogReader, vocabulary: Vocabulary, land: str = "") -> HeatMap:
    """How many (readable) municipality profiles are active in each cell, nationwide or in one Land."""
    parts = [Term("record_type", PROFILE_TYPE)]
    if land:
        parts.append(Term(FACET_PREFIX + "land", land))
    base = reader.docs(And(parts))
    keys = ("heat map", tuple(t.key for t in vocabulary.recommendations), tuple(t.key for t in vocabulary.life_phases))
    return reader.remembered(keys, base, lambda: _heat_map(reader, vocabulary, base))


def _heat_map(reader: CatalogReader, vocabulary: Vocabulary, base: frozenset[int]) -> HeatMap:
    counts = {}
    for rec in vocabulary.recommendations:
        for phase in vocabulary.life_phases:
            counts[(rec.key, phase.key)] = len(reader.facet_docs("abgedeckte_zellen", cell_key(phase.key, rec.key)) & base)
    return HeatMap(counts, len(base))


def gap_suggestions(
    reader: CatalogReader, vocabulary: Vocabulary, gaps: set[tuple[str, str]], per_gap: int = 2
) -> dict[tuple[str, str], list[Record]]:
    """For each (phase, recommendation) gap a few published tools, highlighted ones first.

    Only the suggested records are read (a cell of a big tool box holds hundreds of tools).
    """
    published = reader.docs(filter_query(ToolFilter(), reader.catalog))
    key = ("gap suggestions", tuple(sorted(gaps)), per_gap)
    return reader.remembered(key, published, lambda: _suggestions(reader, published, gaps, per_gap))


def _suggestions(reader: CatalogReader, published: frozenset[int], gaps: set[tuple[str, str]],
                 per_gap: int) -> dict[tuple[str, str], list[Record]]:
    highlighted = reader.facet_docs("status", HIGHLIGHTED) & published
    by_phase = {p: reader.facet_docs("lebensphasen", p) & published for p in {p for p, _r in gaps}}
    by_rec = {r: reader.facet_docs("empfehlungen", r) & published for r in {r for _p, r in gaps}}
    suggestions = {}
    for p, r in gaps:
        cell = by_phase[p] & by_rec[r]
        chosen = sorted(cell & highlighted)[:per_gap]
        chosen += sorted(cell - highlighted)[: per_gap - len(chosen)]
        suggestions[(p, r)] = sort_tools(reader.records(chosen))
    return suggestions
