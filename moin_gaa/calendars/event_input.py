"""An event as a person enters it (form or ICS import): the calendars they may choose, the group space
a new event goes into, the check with those looked up once, the moves chosen in the form's list of
a series' dates, and the text of an event's page."""

from __future__ import annotations

import re
from typing import Mapping

from whoosh.query import Term

from moin_gaa.calendars.events import EventError, event_from_input
from moin_gaa.core.access import ReadRights
from moin_gaa.core.app_state import partnerwiki
from moin_gaa.discussions.groups import GROUP_PREFIX, GROUP_TYPE

EVENT_TEXT = "<<EventCard>>\n"
# One row per date of a series in the form: ``neu-<JJJJ-MM-TT>-datum`` / ``-start`` / ``-ende`` move that date.
MOVE_FIELD = re.compile(r"^neu-(\d{4}-\d{2}-\d{2})-(datum|start|ende)$")


def readable_group_calendars() -> list[tuple[str, str, str]]:
    """(calendar key, group name, visibility) of the groups the current user may read."""
    with partnerwiki().catalog.reader(ReadRights()) as reader:
        records = reader.records(reader.docs(Term("record_type", GROUP_TYPE)))
    return sorted((str(r.fields.get("kalender")), r.title, str(r.fields.get("sichtbarkeit"))) for r in records)


def known_calendars(*, groups: bool = True) -> tuple[str, ...]:
    """The calendars an event may join: alle, the Länder and (``groups``) the groups the user can read."""
    public = ("alle",) + tuple(t.key for t in partnerwiki().vocabulary.laender)
    return public + (tuple(key for key, _name, _visibility in readable_group_calendars()) if groups else ())


def event_space(event) -> str:
    """The group space a new event goes into (its group calendar's group), or "" for ``Termine/``.

    EventError if it names calendars of two groups: one page can only be inside one space.
    """
    spaces = {name for key, name, _visibility in readable_group_calendars() if key in event.kalender}
    if len(spaces) > 1:
        raise EventError({"kalender": "Ein Termin kann nur zu einer Gruppe gehören."})
    return GROUP_PREFIX + spaces.pop() if spaces else ""


def checked_event(data: dict, **fixed):
    """The form's check; ``fixed`` (``fixed_zone``, ``fixed_rule``) for people who may not set expert fields."""
    return event_checker(**fixed)(data)


def event_checker(**fixed):
    """The form's check with the calendars and Länder looked up once (an import checks many events)."""
    laender = tuple(t.key for t in partnerwiki().vocabulary.laender)
    calendars = known_calendars()
    return lambda data: event_from_input(data, known_calendars=calendars, known_laender=laender, **fixed)


def moves_from_rows(form: Mapping[str, str], series_time: str) -> list[str]:
    """The moves chosen in the form's list of a series' dates, as lines „JJJJ-MM-TT -> JJJJ-MM-TT HH:MM-HH:MM“.

    A row moves its date when a new date or a time is filled in: without a new date the day stays,
    without times the series' times stay, with only an end time the series' start time (``series_time``) stays.
    """
    rows: dict[str, dict[str, str]] = {}
    for key in form:
        if m := MOVE_FIELD.match(key):
            rows.setdefault(m.group(1), {})[m.group(2)] = str(form[key]).strip()
    lines = []
    for original, row in sorted(rows.items()):
        new_day, first, last = row.get("datum", ""), row.get("start", ""), row.get("ende", "")
        if not (new_day or first or last):
            continue
        times = f" {first or series_time}" + (f"-{last}" if last else "") if first or last else ""
        lines.append(f"{original} -> {new_day or original}{times}")
    return lines


def event_title(fields) -> str:
    return str(fields.get("titel") or "")
