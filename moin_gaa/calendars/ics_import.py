""".ics import: events from another calendar program, checked like form input (issue 5).

A moderator uploads a file; :func:`read_upload` turns every VEVENT series (master plus its
RECURRENCE-ID overrides) into form-like data and checks it with the same
:func:`~moin_gaa.calendars.events.event_from_input` as the event form, so an import can store nothing the
form would refuse.  :func:`plan_import` then decides per event: new, update (same UID as one of
ours – our feed's ``<itemid>@partnerwiki`` or a UID imported before), unchanged, or refused with
the German reason.  Nothing is stored here; the view stores the plan after the preview.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Callable, Mapping
from zoneinfo import ZoneInfo

from icalendar import Calendar

from moin_gaa.calendars.events import DEFAULT_TZ, Event, EventError, event_name
from moin_gaa.core.german_dates import day, time_of
from moin_gaa.core.text_input import clean_text, normalise_name, text_problem

MAX_IMPORT_BYTES = 5 * 1024 * 1024
# Events (VEVENT components, overrides included) in one file: counted before the file is parsed, so an
# upload of tens of thousands of events is answered at once instead of being checked event by event.
# A series is one event; storing costs about a tenth of a second per event, so 250 keep one import
# request well under a minute.
MAX_IMPORT_EVENTS = 250
FOLDED_LINE = re.compile(r"\r?\n[ \t]")
VEVENT_LINE = re.compile(r"^BEGIN:VEVENT[ \t]*\r?$", re.I | re.M)
SHOWN_TITLE_LENGTH = 200
MAX_UID_LENGTH = 255
OUR_UID_SUFFIX = "@partnerwiki"
STATUS_FROM_ICS = {"CONFIRMED": "bestaetigt", "TENTATIVE": "vorlaeufig", "CANCELLED": "abgesagt"}
# what an import changes on an existing event (see merge_for_update)
SCHEDULE_FIELDS = ("titel", "start", "ende", "startjahr", "ganztaegig", "zeitzone", "rrule", "ausfaelle", "verschiebungen", "ort", "status")


class UploadError(ValueError):
    """The upload as a whole cannot be used (German message)."""


@dataclass
class Candidate:
    """One event of the upload: its UID, the checked event or the reasons it was refused."""

    uid: str
    title: str
    event: Event | None = None
    errors: dict[str, str] = field(default_factory=dict)


@dataclass
class PlannedEvent:
    candidate: Candidate
    action: str  # "neu", "aktualisieren", "unverändert", "abgelehnt"
    name: str = ""  # the wiki item it creates or updates
    reason: str = ""
    revid: str = ""  # the revision of that item the plan compared with (updates are saved only over it)


def read_upload(data: bytes, calendars: tuple[str, ...], check: Callable[[dict], Event]) -> list[Candidate]:
    """The events of an uploaded .ics file; :class:`UploadError` if it is no calendar at all.

    ``check`` is the form's checker (``event_from_input`` with the wiki's known calendars).
    """
    if len(data) > MAX_IMPORT_BYTES:
        raise UploadError(f"Die Datei ist zu groß (höchstens {MAX_IMPORT_BYTES // (1024 * 1024)} MB).")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise UploadError("Die Datei ist keine iCalendar-Datei (.ics): sie ist nicht als UTF-8-Text lesbar.") from e
    if "BEGIN:VCALENDAR" not in text[:2000].upper():
        raise UploadError("Die Datei ist keine iCalendar-Datei (.ics): „BEGIN:VCALENDAR“ fehlt.")
    _check_event_count(len(VEVENT_LINE.findall(FOLDED_LINE.sub("", text))))
    try:
        calendar = Calendar.from_ical(text)
    except (ValueError, IndexError, KeyError) as e:
        raise UploadError(f"Die iCalendar-Datei ist fehlerhaft und wurde nicht gelesen ({e}).") from e
    components = calendar.walk("VEVENT")
    _check_event_count(len(components))
    series: dict[str, list[Any]] = {}
    for component in components:
        series.setdefault(str(component.get("UID") or ""), []).append(component)
    if not series:
        raise UploadError("Die Datei enthält keine Termine (VEVENT).")
    return [_candidate(uid, parts, calendars, check) for uid, parts in series.items()]


def _check_event_count(count: int) -> None:
    if count > MAX_IMPORT_EVENTS:
        raise UploadError(f"Die Datei enthält zu viele Termine ({count}; höchstens {MAX_IMPORT_EVENTS} auf einmal). "
                          "Bitte teilen Sie sie auf oder exportieren Sie nur den Zeitraum, den Sie brauchen.")


def _candidate(uid: str, parts: list[Any], calendars: tuple[str, ...], check: Callable[[dict], Event]) -> Candidate:
    masters = [p for p in parts if p.get("RECURRENCE-ID") is None]
    title = normalise_name((masters or parts)[0].get("SUMMARY"))  # text_input: the report never shows control chars
    if problem := text_problem(uid):  # text_input: a UID with control characters would reach the feeds: refused
        return Candidate(clean_text(uid), title, errors={"uid": problem})
    if len(title) > SHOWN_TITLE_LENGTH:  # the report shows it; the check refuses it with the German reason
        title = title[:SHOWN_TITLE_LENGTH] + "…"
    if len(uid) > MAX_UID_LENGTH:
        return Candidate(uid[:SHOWN_TITLE_LENGTH] + "…", title,
                         errors={"uid": f"Die UID des Termins ist zu lang (höchstens {MAX_UID_LENGTH} Zeichen)."})
    if not uid:
        return Candidate(uid, title, errors={"uid": "Der Termin hat keine UID und lässt sich nicht zuordnen."})
    if len(masters) != 1:
        return Candidate(uid, title, errors={"uid": "Zu dieser UID gibt es keinen (oder mehr als einen) Haupttermin."})
    try:
        data = _form_data(masters[0], [p for p in parts if p.get("RECURRENCE-ID") is not None], calendars)
        return Candidate(uid, title, event=check(data))
    except EventError as e:
        return Candidate(uid, title, errors=e.errors)
    except (ValueError, TypeError, AttributeError, KeyError, OverflowError) as e:
        return Candidate(uid, title, errors={"_": f"Der Termin ist nicht lesbar ({e})."})


def _form_data(master: Any, overrides: list[Any], calendars: tuple[str, ...]) -> dict[str, Any]:
    start = master.decoded("DTSTART")
    end = master.decoded("DTEND") if master.get("DTEND") is not None else start
    all_day = not isinstance(start, datetime)
    zone = _zone(start)
    start, end = _local(start, zone), _local(end, zone)
    if all_day and end > start:
        end = date.fromordinal(end.toordinal() - 1)  # DTEND of an all-day event is exclusive
    data: dict[str, Any] = {
        "titel": str(master.get("SUMMARY") or ""),
        "startdatum": day(start),
        "enddatum": day(end),
        "startzeit": "" if all_day else time_of(start),
        "endzeit": "" if all_day else time_of(end),
        "ganztaegig": "ja" if all_day else "",
        "zeitzone": zone,
        "ort": str(master.get("LOCATION") or ""),
        "beschreibung": str(master.get("DESCRIPTION") or ""),
        "veranstalter": _organizer(master.get("ORGANIZER")),
        "status": STATUS_FROM_ICS.get(str(master.get("STATUS") or "CONFIRMED").upper(), "bestaetigt"),
        "kalender": list(calendars),
    }
    if master.get("RRULE") is not None:
        data["wiederholung"] = "eigene"
        data["rrule"] = master["RRULE"].to_ical().decode()
        data["ausfaelle"] = [day(_local(d.dt, zone)) for d in _exdates(master)]
        data["verschiebungen"] = [_moved_line(o, zone, all_day) for o in overrides]
    return data


def _zone(value: date | datetime) -> str:
    """The IANA zone of a DTSTART; UTC and floating times are shown in Europe/Berlin."""
    key = getattr(getattr(value, "tzinfo", None), "key", None)
    return key if key and key != "UTC" else DEFAULT_TZ


def _local(value: date | datetime, zone: str) -> date | datetime:
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(ZoneInfo(zone)).replace(tzinfo=None)
    return value


def _exdates(master: Any) -> list[Any]:
    exdates = master.get("EXDATE")
    if exdates is None:
        return []
    return [d for entry in (exdates if isinstance(exdates, list) else [exdates]) for d in entry.dts]


def _moved_line(override: Any, zone: str, all_day: bool) -> str:
    original = _local(override.decoded("RECURRENCE-ID"), zone)
    start = _local(override.decoded("DTSTART"), zone)
    end = _local(override.decoded("DTEND"), zone) if override.get("DTEND") is not None else start
    line = f"{day(original)} -> {day(start)}"  # four year digits also before 1000: the check names the range
    return line if all_day else f"{line} {time_of(start)}-{time_of(end)}"


def _organizer(value: Any) -> str:
    if value is None:
        return ""
    name = value.params.get("CN") if hasattr(value, "params") else None
    return str(name or str(value).removeprefix("mailto:").removeprefix("MAILTO:"))


def plan_import(
    candidates: list[Candidate], existing: Mapping[str, tuple[str, Mapping[str, Any]]], name_taken: Callable[[str], bool]
) -> list[PlannedEvent]:
    """What storing the candidates would do.

    ``existing`` maps a UID (our item ids and imported UIDs) to (item name, stored fields) or
    (item name, stored fields, revid); ``name_taken`` tells whether a new event's name is already
    used by another item.
    """
    plan = []
    seen_names: set[str] = set()
    for c in candidates:
        if c.event is None:
            plan.append(PlannedEvent(c, "abgelehnt", reason=" ".join(c.errors.values())))
            continue
        match = existing.get(c.uid) or existing.get(c.uid.removesuffix(OUR_UID_SUFFIX))
        if match is not None:
            name, stored, *revid = match
            merged = merge_for_update(c.event, stored, c.uid)
            same = dict(stored) == merged
            action = "unverändert" if same else "aktualisieren"
            plan.append(PlannedEvent(c, action, name, revid=str(revid[0]) if revid else ""))
            continue
        name = event_name(c.event)
        if name in seen_names or name_taken(name):
            plan.append(PlannedEvent(c, "abgelehnt", name, "Ein anderer Termin mit gleichem Tag und Titel existiert schon."))
            continue
        seen_names.add(name)
        plan.append(PlannedEvent(c, "neu", name))
    return plan


def new_fields(event: Event, uid: str) -> dict[str, Any]:
    """The stored fields of a newly imported event (its foreign UID kept for later updates)."""
    fields = event.fields()
    if not uid.endswith(OUR_UID_SUFFIX):
        fields["uid"] = uid
    return fields


def merge_for_update(event: Event, stored: Mapping[str, Any], uid: str) -> dict[str, Any]:
    """The stored fields with the imported schedule (times, series, place, status) over them.

    What an .ics file cannot carry stays as the wiki has it: calendars, kind, Land, contact,
    agenda and minutes, the named kind of recurrence while the rule is the same, and an empty
    organiser.  For events from our own feed the wiki text of the description stays too – the
    feed's DESCRIPTION is only its plain-text copy.
    """
    imported = new_fields(event, uid)
    fields = dict(stored)
    fields.update({k: imported[k] for k in SCHEDULE_FIELDS})
    if imported["rrule"] != stored.get("rrule"):
        fields["wiederholung"] = imported["wiederholung"]
    if imported["veranstalter"]:
        fields["veranstalter"] = imported["veranstalter"]
    if not uid.endswith(OUR_UID_SUFFIX):
        fields["beschreibung"] = imported["beschreibung"]
    return fields
