"""The Partnerverzeichnis: filters over municipality profiles, counts per Land, sorting."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from datetime import date
from typing import Callable, Mapping

from whoosh.query import And, Query, Term

from moin_gaa.core.catalog import FACET_PREFIX, Catalog, CatalogReader
from moin_gaa.core.records import Record
from moin_gaa.core.vocabulary import Vocabulary
from moin_gaa.partners.coverage import cell_key
from moin_gaa.partners.municipalities import PROFILE_TYPE

SORTS = {"name": "Name", "land": "Land", "phase": "Strategiephase", "seit": "Partner seit", "einwohner": "Einwohner"}
FIRST_PARTNER_YEAR = 2011


@dataclass(frozen=True)
class DirectoryFilter:
    land: str = ""
    art: str = ""
    phase: str = ""
    seit: int | None = None  # partner since this year
    lebensphase: str = ""  # covered by an activity
    empfehlung: str = ""
    q: str = ""
    sort: str = "name"

    def args(self, **changes) -> dict[str, str]:
        values = asdict(replace(self, **changes))
        return {k: str(v) for k, v in values.items() if v not in ("", None) and not (k == "sort" and v == "name")}


def parse_directory_filter(
    args: Mapping[str, str], vocabulary: Vocabulary, today: date | None = None
) -> tuple[DirectoryFilter, list[str]]:
    errors: list[str] = []

    def term(name: str, list_name: str) -> str:
        return vocabulary.key_from_query(args, name, list_name, errors)

    seit = None
    raw = (args.get("seit") or "").strip()
    this_year = (today or date.today()).year
    if raw:
        if raw.isascii() and raw.isdigit() and FIRST_PARTNER_YEAR <= int(raw) <= this_year:  # "²".isdigit()
            seit = int(raw)
        else:
            errors.append(f"„Partner seit“ muss ein Jahr zwischen {FIRST_PARTNER_YEAR} und {this_year} sein, nicht „{raw}“.")
    sort = (args.get("sort") or "name").strip()
    if sort not in SORTS:
        errors.append(f"„{sort}“ ist keine Sortierung (möglich: {', '.join(SORTS)}).")
        sort = "name"
    return (
        DirectoryFilter(
            land=term("land", "laender"),
            art=term("art", "municipality_kinds"),
            phase=term("phase", "lewin_phases"),
            seit=seit,
            lebensphase=term("lebensphase", "life_phases"),
            empfehlung=term("empfehlung", "recommendations"),
            q=" ".join((args.get("q") or "").split())[:200],
            sort=sort,
        ),
        errors,
    )


PROFILES = Term("record_type", PROFILE_TYPE)


def directory_query(f: DirectoryFilter, catalog: Catalog, *, with_land: bool = True) -> Query:
    parts: list[Query] = [PROFILES]
    if f.land and with_land:
        parts.append(Term(FACET_PREFIX + "land", f.land))
    for name, value in (("art", f.art), ("strategiephase", f.phase), ("abgedeckte_lebensphasen", f.lebensphase),
                        ("abgedeckte_empfehlungen", f.empfehlung)):
        if value:
            parts.append(Term(FACET_PREFIX + name, value))
    if f.lebensphase and f.empfehlung:
        parts.append(Term(FACET_PREFIX + "abgedeckte_zellen", cell_key(f.lebensphase, f.empfehlung)))
    if f.seit:
        parts.append(Term(FACET_PREFIX + "partner_seit_jahr", str(f.seit)))
    if f.q:
        parts.append(catalog.parse(f.q))
    return And(parts)


def counts_per_land(reader: CatalogReader, f: DirectoryFilter, vocabulary: Vocabulary) -> dict[str, int]:
    """Municipalities per Land for the filter (ignoring its own Land choice, so all bars show)."""
    base = reader.docs(directory_query(f, reader.catalog, with_land=False))
    laender = tuple(t.key for t in vocabulary.laender)
    return reader.remembered(("counts per Land", laender), base,
                             lambda: {land: len(reader.facet_docs("land", land) & base) for land in laender})


def _profile_sort_key(sort: str, vocabulary: Vocabulary) -> Callable[[Record], tuple]:
    land_order = {t.key: t.label for t in vocabulary.laender}
    phase_order = {t.key: i for i, t in enumerate(vocabulary.lewin_phases)}
    keys = {
        "name": lambda r: (r.title.casefold(),),
        "land": lambda r: (land_order.get(r.fields.get("land"), ""), r.title.casefold()),
        "phase": lambda r: (phase_order.get(r.fields.get("strategiephase"), 9), r.title.casefold()),
        "seit": lambda r: (r.fields.get("partner_seit") or "", r.title.casefold()),
        "einwohner": lambda r: (-(r.fields.get("einwohner") or 0), r.title.casefold()),
    }
    return keys[sort]


def directory_profiles(reader: CatalogReader, f: DirectoryFilter, vocabulary: Vocabulary) -> list[int]:
    """The document numbers the directory lists for ``f``, in its order ``f.sort``.

    The order is kept per catalog state (``CatalogReader.ordered``); its name carries what it depends on in the
    vocabulary, so renaming a Land re-sorts.
    """
    depends_on = {"land": [(t.key, t.label) for t in vocabulary.laender],
                  "phase": [t.key for t in vocabulary.lewin_phases]}.get(f.sort, "")
    docnums = reader.docs(directory_query(f, reader.catalog))
    return reader.ordered(docnums, PROFILES, f"directory:{f.sort}:{depends_on!r}", _profile_sort_key(f.sort, vocabulary))
