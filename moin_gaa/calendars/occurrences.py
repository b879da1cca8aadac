"""Calendar pages: the readable events of a calendar and their occurrences in a date window.

recurring-ical-events expands a series from the same VEVENTs the feed carries (RRULE, EXDATE,
moved dates as RECURRENCE-ID overrides), so the pages show what calendar clients show.  Our
bounds come first: a rule outside the policy gives no dates, a window ends at the series'
MAX_SERIES_OCCURRENCES-th date (:func:`moin_gaa.calendars.events.series_horizon`) and shows at
most MAX_WINDOW_OCCURRENCES of them.  An event that breaks the rule policy or the date range
counts as broken and is left out (and logged).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Mapping

import recurring_ical_events
from flask import g as flaskg
from whoosh.query import And, Term

from moin_gaa.calendars.events import (
    EVENT_TYPE,
    MAX_SERIES_OCCURRENCES,
    MAX_WINDOW_OCCURRENCES,
    Event,
    EventError,
    event_from_fields,
    parse_value,
    rule_problem,
    series_horizon,
)
from moin_gaa.calendars.ics import series
from moin_gaa.core.catalog import FACET_PREFIX, CatalogReader
from moin_gaa.core.german_dates import day, time_of, weekday_abbreviations

log = logging.getLogger(__name__)
BAD_QUERY_FLAG = "gaa_calendar_bad_query"


@dataclass(frozen=True)
class Occurrence:
    event: Event
    start: date | datetime
    end: date | datetime  # all-day: the last day (inclusive)
    moved: bool = False


def occurrences(event: Event, first: date, last: date) -> list[Occurrence]:
    """The event's occurrences that start between ``first`` and ``last`` (inclusive), in order.

    Cancelled dates (EXDATE) are left out, moved ones (overrides) appear at their new time.
    """
    start, end = event.start_value(), event.end_value()
    if not event.rrule:
        return [Occurrence(event, start, end)] if first <= _day_of(start) <= last else []
    if rule_problem(event.rrule) is not None:
        return []
    last = _window_end(event, last)
    moved = {o.datum: o for o in event.verschiebungen}
    found = []
    for component in recurring_ical_events.of(series(event)).between(first, last + timedelta(days=1)):
        begin = component["DTSTART"].dt
        if not first <= _day_of(begin) <= last:
            continue  # begun before the window (recurring-ical-events gives what overlaps it)
        override = moved.get(_day_of(component["RECURRENCE-ID"].dt).isoformat())
        if override is not None:
            begin = parse_value(override.start, event.ganztaegig, event.tz)
            found.append(Occurrence(event, begin, parse_value(override.ende, event.ganztaegig, event.tz), True))
        else:
            found.append(Occurrence(event, begin, begin + (end - start)))
    return sorted(found, key=_sort_key)[:MAX_WINDOW_OCCURRENCES]


def _window_end(event: Event, last: date) -> date:
    """``last``, or the series' horizon (series_horizon) if that comes first.

    Dates of a series within the policy lie at least a day apart, so a window ending fewer than
    MAX_SERIES_OCCURRENCES days after the start cannot reach the horizon: it is not looked for.
    """
    start = event.start_value()
    if (last - _day_of(start)).days < MAX_SERIES_OCCURRENCES:
        return last
    naive = datetime.combine(start, time()) if event.ganztaegig else start.replace(tzinfo=None)
    horizon = series_horizon(event.rrule, naive, event.zeitzone)
    return min(last, horizon.date()) if horizon else last


def _day_of(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


def mark_bad_query() -> None:
    """A calendar macro found a bad query parameter: the page is still shown, with status 400.

    Macros cannot set the status of moin's item view, so the mark is read by an after-request
    hook (see :func:`moin_gaa.calendars.views.bad_calendar_query_is_400`).
    """
    setattr(flaskg, BAD_QUERY_FLAG, True)


def bad_query_marked() -> bool:
    return bool(getattr(flaskg, BAD_QUERY_FLAG, False))


def calendar_occurrences(
    reader: CatalogReader, name: str | None, first: date, last: date, filters: Mapping[str, str] | None = None
) -> list[tuple[Occurrence, str]]:
    """(occurrence, item name) of every readable event in calendar ``name`` (None: in any calendar), by start time.

    ``filters`` maps event fields (``land``, ``art``) to one required value each.
    """
    terms = [Term("record_type", EVENT_TYPE)] + ([Term(FACET_PREFIX + "kalender", name)] if name else [])
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


def weekday_day(value: date) -> str:
    """„Do, 10.12.2026“ (of a datetime: its date)."""
    return f"{weekday_abbreviations()[value.weekday()]}, {day(value)}"


def hours(o: Occurrence) -> str:
    """„14:00–16:00“ of an occurrence on one day; „ab 20:00“ if it ends on a later day; "" for all-day ones."""
    if not isinstance(o.start, datetime):
        return ""
    return f"{time_of(o.start)}–{time_of(o.end)}" if o.end.date() == o.start.date() else f"ab {time_of(o.start)}"


def when(o: Occurrence) -> str:
    """An occurrence's date and time in German: „Do, 10.12.2026, 14:00–16:00 Uhr“, whole days marked."""
    start, end = o.start, o.end
    if not isinstance(start, datetime):
        return weekday_day(start) + (f" – {weekday_day(end)}" if end != start else "") + " (ganztägig)"
    if end.date() == start.date():
        return f"{weekday_day(start)}, {hours(o)} Uhr"
    return f"{weekday_day(start)}, {time_of(start)} – {weekday_day(end)}, {time_of(end)} Uhr"


@dataclass(frozen=True)
class ListEntry:
    """An event in a list: its first occurrence there and – for a series – its next ones."""

    occurrence: Occurrence
    name: str
    following: tuple[Occurrence, ...] = ()


def once_each(found: list[tuple[Occurrence, str]], following: int = 3) -> list[ListEntry]:
    """Each event of ``found`` (by start, see calendar_occurrences) once, at its first occurrence, with up to
    ``following`` of its next ones: a monthly series is one entry, not twelve."""
    entries: dict[str, ListEntry] = {}
    for o, name in found:
        entry = entries.get(name)
        if entry is None:
            entries[name] = ListEntry(o, name)
        elif len(entry.following) < following:
            entries[name] = ListEntry(entry.occurrence, name, entry.following + (o,))
    return list(entries.values())
