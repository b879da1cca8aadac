"""Filters over the Werkzeugkiste: parsed from a query string, turned into catalog queries.

The same filter drives the matrix, the ToolBox lists and the exports, so a filtered view can be
shared as a URL and exported exactly.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Mapping

from whoosh.query import And, Or, Query, Term

from moin_gaa.core.catalog import FACET_PREFIX, Catalog
from moin_gaa.core.vocabulary import Vocabulary
from moin_gaa.toolbox.tools import FIRST_YEAR, PUBLISHED, STATUS_LABELS, TOOL_TYPE

ALL_STATUSES = "alle"
MAX_QUERY = 200


@dataclass(frozen=True)
class ToolFilter:
    lebensphase: str = ""
    empfehlung: str = ""
    art: str = ""
    land: str = ""
    jahr_von: int | None = None
    jahr_bis: int | None = None
    q: str = ""
    status: str = ""  # "" = published (geprüft, hervorgehoben); moderators: "alle" or one status

    def args(self, **changes) -> dict[str, str]:
        """The non-empty fields as query-string arguments, with ``changes`` applied."""
        values = {**vars(self), **changes}  # asdict(replace(…)) cost 20 µs – the matrix asks 44 times a page
        return {k: str(v) for k, v in values.items() if v not in ("", None)}

    @property
    def has_cell(self) -> bool:
        return bool(self.lebensphase or self.empfehlung)

    def without_cell(self) -> "ToolFilter":
        return replace(self, lebensphase="", empfehlung="")


def _year(raw: str, name: str, errors: list[str], this_year: int) -> int | None:
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit()) or not FIRST_YEAR <= int(raw) <= this_year:  # "²".isdigit()
        errors.append(f"„{name}“ muss ein Jahr zwischen {FIRST_YEAR} und {this_year} sein, nicht „{raw}“.")
        return None
    return int(raw)


def parse_filter(
    args: Mapping[str, str], vocabulary: Vocabulary, *, may_see_all: bool, today: date | None = None
) -> tuple[ToolFilter, list[str]]:
    """The filter from a query string and German messages for every value that was ignored."""
    errors: list[str] = []
    this_year = (today or date.today()).year

    def term(name: str, list_name: str) -> str:
        return vocabulary.key_from_query(args, name, list_name, errors)

    status = (args.get("status") or "").strip()
    if status and not may_see_all:
        errors.append("Nur Moderatorinnen und Moderatoren können nach dem Status filtern.")
        status = ""
    elif status and status != ALL_STATUSES and status not in STATUS_LABELS:
        errors.append(f"„{status}“ ist kein gültiger Status.")
        status = ""
    jahr_von = _year((args.get("jahr_von") or "").strip(), "Jahr von", errors, this_year)
    jahr_bis = _year((args.get("jahr_bis") or "").strip(), "Jahr bis", errors, this_year)
    if jahr_von and jahr_bis and jahr_von > jahr_bis:
        errors.append("„Jahr von“ liegt nach „Jahr bis“ – die Jahre wurden getauscht.")
        jahr_von, jahr_bis = jahr_bis, jahr_von
    return (
        ToolFilter(
            lebensphase=term("lebensphase", "life_phases"),
            empfehlung=term("empfehlung", "recommendations"),
            art=term("art", "material_kinds"),
            land=term("land", "laender"),
            jahr_von=jahr_von,
            jahr_bis=jahr_bis,
            q=" ".join((args.get("q") or "").split())[:MAX_QUERY],
            status=status,
        ),
        errors,
    )


def _facet(name: str, value: str) -> Term:
    return Term(FACET_PREFIX + name, value)


def filter_query(tool_filter: ToolFilter, catalog: Catalog) -> Query:
    """The catalog query for ``tool_filter`` (cell included, if it names one)."""
    f = tool_filter
    parts: list[Query] = [Term("record_type", TOOL_TYPE)]
    if f.status == ALL_STATUSES:
        pass
    elif f.status:
        parts.append(_facet("status", f.status))
    else:
        parts.append(Or([_facet("status", s) for s in PUBLISHED]))
    for name, value in (("lebensphasen", f.lebensphase), ("empfehlungen", f.empfehlung), ("art", f.art), ("land", f.land)):
        if value:
            parts.append(_facet(name, value))
    if f.jahr_von or f.jahr_bis:
        first = f.jahr_von or FIRST_YEAR
        last = f.jahr_bis or date.today().year
        parts.append(Or([_facet("jahr", str(year)) for year in range(first, last + 1)]))
    if f.q:
        parts.append(catalog.parse(f.q))
    return And(parts)
