"""Calendar pages: the readable events of a calendar and their occurrences in a date window.

Every expansion is bounded (see :func:`moin_gaa.calendars.events.series_starts`); an event that breaks the
rule policy or the date range counts as broken and is left out (and logged).
"""

from __future__ import annotations

import logging
from datetime import date, datetime
from typing import Mapping

from flask import g as flaskg
from whoosh.query import And, Term

from moin_gaa.calendars.events import EVENT_TYPE, EventError, Occurrence, event_from_fields, occurrences
from moin_gaa.core.catalog import FACET_PREFIX, CatalogReader

log = logging.getLogger(__name__)
BAD_QUERY_FLAG = "gaa_calendar_bad_query"


def mark_bad_query() -> None:
    """A calendar macro found a bad query parameter: the page is still shown, with status 400.

    Macros cannot set the status of moin's item view, so the mark is read by an after-request
    hook (see :func:`moin_gaa.calendars.views.bad_calendar_query_is_400`).
    """
    setattr(flaskg, BAD_QUERY_FLAG, True)


def bad_query_marked() -> bool:
    return bool(getattr(flaskg, BAD_QUERY_FLAG, False))


def calendar_occurrences(
    reader: CatalogReader, name: str, first: date, last: date, filters: Mapping[str, str] | None = None
) -> list[tuple[Occurrence, str]]:
    """(occurrence, item name) of every readable event in calendar ``name``, by start time.

    ``filters`` maps event fields (``land``, ``art``) to one required value each.
    """
    terms = [Term("record_type", EVENT_TYPE), Term(FACET_PREFIX + "kalender", name)]
    terms += [Term(FACET_PREFIX + key, value) for key, value in (filters or {}).items() if value]
    docs = reader.docs(And(terms))
    found = []
    for record in reader.records(docs):
        try:
            event = event_from_fields(record.fields)
        except EventError as e:
            log.warning("calendar %s: %s left out: %s", name, record.name, e)
            continue
        found += [(o, record.name) for o in occurrences(event, first, last)]
    return sorted(found, key=lambda pair: (_sort_key(pair[0]), pair[1]))


def _sort_key(o: Occurrence) -> str:
    return o.start.isoformat()[:16]


def when(o: Occurrence) -> str:
    """An occurrence's date and time in German: „10.12.2026, 14:00–16:00 Uhr“, whole days marked."""
    start, end = o.start, o.end
    if not isinstance(start, datetime):
        last = end
        return start.strftime("%d.%m.%Y") + (f" – {last.strftime('%d.%m.%Y')}" if last != start else "") + " (ganztägig)"
    day = start.strftime("%d.%m.%Y, %H:%M")
    return f"{day}–{end.strftime('%H:%M')} Uhr" if end.date() == start.date() else f"{day} – {end.strftime('%d.%m.%Y, %H:%M')} Uhr"
