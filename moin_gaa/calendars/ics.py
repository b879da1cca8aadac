"""ICS feeds of the Netzwerkkalender, built with icalendar (the one place that writes ICS).

What calendar clients need and the peers' bug trackers show going wrong: DTSTART/DTEND with
TZID plus a VTIMEZONE block, all-day events as VALUE=DATE, DTSTAMP in UTC, RRULE/EXDATE and
RECURRENCE-ID overrides, cancelled events kept as STATUS:CANCELLED, a UID that survives renames
(moin's item id), SEQUENCE and LAST-MODIFIED that rise with every edit, plain-text
DESCRIPTION (no wiki markup), a URL back to the event page.  icalendar does the escaping and
the 75-octet folding.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache

from icalendar import Calendar, Timezone, vRecur
from icalendar import Event as VEvent
from moin.converters import default_registry
from moin.utils.mime import Type, type_moin_document
from moin.utils.tree import html, moin_page, xinclude

from moin_gaa.calendars.events import Event, Override, parse_value
from moin_gaa.calendars.vtimezones import yearly_vtimezone

PRODID = "-//PartnerWiki Gesundheit fuer alle//Netzwerkkalender//DE"
REFRESH = "PT6H"
WIKI = Type("text/x.moin.wiki;charset=utf-8")
# In moin's document tree: what stands apart (headings and paragraphs: by a blank line), what on a line
# of its own, and what readers of a feed do not need.
PARAGRAPHS = frozenset({moin_page.h, moin_page.p})
LINES = frozenset({moin_page.list_item, moin_page.table_row, moin_page.blockcode, moin_page.nowiki})
DROPPED = frozenset({moin_page.part, moin_page.inline_part, moin_page.nowiki_args})


@dataclass(frozen=True)
class FeedEvent:
    """An event as the feed needs it: the fields plus what moin knows about the item."""

    event: Event
    uid: str  # moin's item id: stable across renames
    sequence: int  # moin's revision number
    last_modified: datetime  # UTC
    url: str


@lru_cache(maxsize=4096)
def plain_text(markup: str) -> str:
    """Wiki markup → readable plain text for DESCRIPTION: link labels and alternative texts kept,
    macros dropped; headings and paragraphs apart, list items and table rows on lines of their own.

    moin's own wiki parser reads the markup (into moin's document tree, as for rendering and its
    search index); moin's text/plain writer puts every piece of text on a line of its own – fine
    for a search index, not for reading – so the tree's text is gathered here.  No request needed.
    Cached: a feed is rebuilt after every change, most descriptions are the same.
    """
    parse = default_registry.get(WIKI, type_moin_document)
    parts: list[str] = []
    _gather_text(parse(markup, str(WIKI)), parts)
    lines = (" ".join(line.split()) for line in "".join(parts).splitlines())
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _gather_text(element, parts: list[str]) -> None:
    gap = "\n\n" if element.tag in PARAGRAPHS else "\n" if element.tag in LINES else ""
    parts.append(gap)
    if element.tag == xinclude.include:
        parts.append(element.get(html.alt) or "")
    children = list(element)
    if element.tag == moin_page.nowiki:
        children = children[1:]  # the first child is the number of braces
    for child in children:
        if isinstance(child, str):
            parts.append(child)
        elif child.tag not in DROPPED:
            _gather_text(child, parts)
    if element.tag in PARAGRAPHS:
        parts.append(gap)


def vevents(item: FeedEvent, stamp: datetime) -> list[VEvent]:
    """The VEVENT of an event plus one per moved occurrence (RECURRENCE-ID override)."""
    event = item.event
    uid = f"{item.uid}@partnerwiki"
    main = VEvent()
    main.add("uid", uid)
    main.add("dtstamp", stamp)
    _add_span(main, event)
    main.add("summary", event.titel)
    main.add("sequence", item.sequence)
    main.add("last-modified", item.last_modified)
    main.add("status", {"bestaetigt": "CONFIRMED", "vorlaeufig": "TENTATIVE", "abgesagt": "CANCELLED"}[event.status])
    main.add("url", item.url)
    description = plain_text(event.beschreibung)
    if description:
        main.add("description", f"{description}\n\n{item.url}")
    else:
        main.add("description", item.url)
    if event.ort:
        main.add("location", event.ort)
    _add_rule(main, event)
    components = [main]
    for moved in event.verschiebungen:
        override = VEvent()
        override.add("uid", uid)
        override.add("dtstamp", stamp)
        _add_move(override, event, moved)
        override.add("summary", event.titel)
        override.add("sequence", item.sequence)
        override.add("status", "CONFIRMED")
        override.add("url", item.url)
        components.append(override)
    return components


def series(event: Event) -> Calendar:
    """A VCALENDAR with only the event's times, for recurring-ical-events to expand: DTSTART, DTEND,
    RRULE and EXDATE, and one VEVENT per moved date (RECURRENCE-ID) – the same values as in the feed."""
    cal = Calendar()
    main = VEvent()
    main.add("uid", "series")
    _add_span(main, event)
    _add_rule(main, event)
    cal.add_component(main)
    for moved in event.verschiebungen:
        override = VEvent()
        override.add("uid", "series")
        _add_move(override, event, moved)
        cal.add_component(override)
    return cal


def _add_span(component: VEvent, event: Event) -> None:
    start, end = event.start_value(), event.end_value()
    component.add("dtstart", start)
    component.add("dtend", end + timedelta(days=1) if event.ganztaegig else end)  # all-day: DTEND is exclusive


def _add_rule(component: VEvent, event: Event) -> None:
    if event.rrule:
        component.add("rrule", vRecur.from_ical(event.rrule))
        for day in event.ausfaelle:
            component.add("exdate", _occurrence(event, day))


def _add_move(component: VEvent, event: Event, moved: Override) -> None:
    component.add("recurrence-id", _occurrence(event, moved.datum))
    component.add("dtstart", parse_value(moved.start, event.ganztaegig, event.tz))
    component.add("dtend", parse_value(moved.ende, event.ganztaegig, event.tz))


def _occurrence(event: Event, day: str) -> date | datetime:
    """The original start of the occurrence on ``day`` (same wall-clock time as the series)."""
    if event.ganztaegig:
        return date.fromisoformat(day)
    start = event.start_value()
    return datetime.combine(date.fromisoformat(day), start.timetz())


def build_calendar(name: str, title: str, items: list[FeedEvent], *, stamp: datetime | None = None) -> bytes:
    """The whole feed as ICS bytes; ``stamp`` (DTSTAMP) defaults to now in UTC."""
    stamp = stamp or datetime.now(timezone.utc)
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", title)
    cal.add("x-wr-caldesc", f"PartnerWiki – Netzwerkkalender „{name}“")
    cal.add("refresh-interval", timedelta(hours=6), parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", REFRESH)
    for zone in sorted({item.event.zeitzone for item in items if not item.event.ganztaegig}):
        cal.add_component(vtimezone(zone, stamp.year - 1))
    for item in items:
        for component in vevents(item, stamp):
            cal.add_component(component)
    return cal.to_ical()


@lru_cache(maxsize=64)
def vtimezone(zone: str, since: int) -> Timezone:
    """The VTIMEZONE of a zone, built once per process (and year): as Google Calendar and Outlook export
    it, one STANDARD and one DAYLIGHT observance with a yearly RRULE (:mod:`moin_gaa.calendars.vtimezones`),
    so that every client reads the same offsets – Mozilla's ical.js reads only the first value of the
    multi-valued RDATEs icalendar writes.

    Fallback: a zone whose current rule has no yearly RRULE, or does not give zoneinfo's offsets from
    1 January ``since`` on (the feed passes last year: its past window), gets icalendar's
    ``Timezone.from_tzid`` – every change since 1970 as RDATEs, right for clients that read them all.
    With zoneinfo's data of 2026 that is Africa/Cairo, Africa/Casablanca, Africa/El_Aaiun, Asia/Gaza,
    Asia/Hebron (and Egypt, Cairo's alias).

    Built from the events' own zone names instead of ``Calendar.add_missing_timezones()``,
    which walks every property of every component to find them (a tenth of a large feed's time).
    """
    return yearly_vtimezone(zone, since) or Timezone.from_tzid(zone)
