"""Termine of the Netzwerkkalender: fields, checks and recurrence (domain of issue 5).

An event is a record (``gaa_type = "termin"``) under ``Termine/<…>``.  Times are wall-clock
times in the event's time zone (default Europe/Berlin), so summer and winter dates never shift;
all-day events are plain dates.  Recurrence is one RRULE (weekly, monthly by weekday such as
„jeden 2. Mittwoch“, yearly, or a custom rule), with cancelled dates (EXDATE) and moved single
dates (overrides, RECURRENCE-ID in ICS).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, Mapping
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil.rrule import rrulestr

from .field_errors import FieldErrors

EVENT_TYPE = "termin"
EVENT_PREFIX = "Termine/"
DEFAULT_TZ = "Europe/Berlin"
STATUS_LABELS = {"bestaetigt": "bestätigt", "vorlaeufig": "vorläufig", "abgesagt": "abgesagt"}
RECURRENCE_LABELS = {
    "": "keine",
    "woechentlich": "wöchentlich",
    "monatlich": "monatlich am gleichen Wochentag (z. B. jeden 2. Mittwoch)",
    "jaehrlich": "jährlich",
    "eigene": "eigene Regel (RRULE)",
}
KIND_LABELS = {
    "netzwerktreffen": "Netzwerktreffen",
    "kooperationstreffen": "Kooperationstreffen",
    "fachtagung": "Fachtag / Kongress",
    "werkstatt": "Werkstatt / Arbeitsgruppe",
    "online": "Online-Veranstaltung",
    "sonstiges": "Sonstiges",
}
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
GERMAN_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")
# „11.03.2026 -> 18.03.2026 18:00-20:00“ (times optional: the series' times are kept)
UTC_UNTIL = re.compile(r"UNTIL=\d{8}T\d{6}Z")
MOVED_LINE = re.compile(r"^(\S+)\s*(?:->|→)\s*(\S+)(?:\s+(\d{1,2}:\d{2})\s*[-–]\s*(\d{1,2}:\d{2}))?$")
MAX_DURATION = timedelta(days=31)


class EventError(FieldErrors):
    """An event that cannot be stored or used."""


@dataclass(frozen=True)
class Override:
    """One occurrence moved: the original date (RECURRENCE-ID) and its new start and end."""

    datum: str
    start: str
    ende: str


@dataclass(frozen=True)
class Event:
    titel: str
    start: str  # ISO date (all-day) or ISO datetime without offset (wall clock in ``zeitzone``)
    ende: str
    ganztaegig: bool = False
    zeitzone: str = DEFAULT_TZ
    wiederholung: str = ""
    rrule: str = ""  # the effective rule (derived for the named kinds)
    ausfaelle: tuple[str, ...] = ()  # ISO dates of cancelled occurrences
    verschiebungen: tuple[Override, ...] = ()
    ort: str = ""
    beschreibung: str = ""
    veranstalter: str = ""
    kontakt: str = ""
    status: str = "bestaetigt"
    kalender: tuple[str, ...] = ("alle",)
    art: str = "sonstiges"
    land: str = ""
    agenda: str = ""
    protokoll: str = ""

    def fields(self) -> dict[str, Any]:
        data = asdict(self)
        data["ausfaelle"] = list(self.ausfaelle)
        data["kalender"] = list(self.kalender)
        data["verschiebungen"] = [asdict(o) for o in self.verschiebungen]
        data["startjahr"] = int(self.start[:4])
        return data

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.zeitzone)

    def start_value(self) -> date | datetime:
        return parse_value(self.start, self.ganztaegig, self.tz)

    def end_value(self) -> date | datetime:
        return parse_value(self.ende, self.ganztaegig, self.tz)


def event_name(event: Event, space: str = "") -> str:
    """The item name of a new event: ``Termine/<JJJJ-MM-TT Titel>``, in a group ``Gruppen/<Name>/Termine/…``.

    An event of a group lives inside the group's space, so the space's ACL covers it.
    """
    return (f"{space}/" if space else "") + EVENT_PREFIX + f"{event.start[:10]} {event.titel}".replace("/", "-").replace(",", " ")


def parse_value(iso: str, all_day: bool, tz: ZoneInfo) -> date | datetime:
    if all_day:
        return date.fromisoformat(iso)
    return datetime.fromisoformat(iso).replace(tzinfo=tz)


def _text(value: Any, limit: int = 500) -> str:
    return " ".join(str(value or "").split())[:limit]


def parse_date(raw: str) -> date:
    """``TT.MM.JJJJ`` or ``JJJJ-MM-TT``; ValueError (German) otherwise, e.g. for 31.02."""
    m = GERMAN_DATE.match(raw)
    try:
        if m:
            return date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
        return date.fromisoformat(raw)
    except ValueError as e:
        raise ValueError(f"„{raw}“ ist kein gültiges Datum (TT.MM.JJJJ).") from e


def parse_time(raw: str) -> time:
    try:
        return time.fromisoformat(raw if len(raw) > 2 else raw + ":00")
    except ValueError as e:
        raise ValueError(f"„{raw}“ ist keine gültige Uhrzeit (HH:MM).") from e


def monthly_by_weekday(start: date) -> str:
    """„jeden n. <Wochentag>“ of the start date; the last one of a month becomes ``-1``."""
    nth = (start.day - 1) // 7 + 1
    if (start + timedelta(days=7)).month != start.month and nth >= 4:
        nth = -1
    return f"FREQ=MONTHLY;BYDAY={nth}{WEEKDAYS[start.weekday()]}"


def rule_for(kind: str, start: date, custom: str) -> str:
    if kind == "woechentlich":
        return f"FREQ=WEEKLY;BYDAY={WEEKDAYS[start.weekday()]}"
    if kind == "monatlich":
        return monthly_by_weekday(start)
    if kind == "jaehrlich":
        return "FREQ=YEARLY"
    if kind == "eigene":
        return custom
    return ""


def series_starts(rule: str, start: datetime, after: datetime, before: datetime, tz: ZoneInfo | None = None) -> list[datetime]:
    """The wall-clock starts (naive) of the series ``rule`` from ``start`` within [after, before].

    A rule whose UNTIL is in UTC (as RFC 5545 wants for a DTSTART with TZID, and as Google and
    Outlook write it) is expanded with zone-aware times; dateutil refuses to mix the two.
    """
    zone = tz or ZoneInfo(DEFAULT_TZ)
    if UTC_UNTIL.search(rule):
        found = rrulestr(rule, dtstart=start.replace(tzinfo=zone)).between(after.replace(tzinfo=zone), before.replace(tzinfo=zone), inc=True)
        return [d.replace(tzinfo=None) for d in found]
    return rrulestr(rule, dtstart=start).between(after, before, inc=True)


def check_rrule(rule: str, start: datetime) -> str | None:
    """None for a rule dateutil (and so every calendar client) can expand, else the German reason."""
    if not re.fullmatch(r"[A-Z0-9=;,+\-:]+", rule or "") or "FREQ=" not in rule:
        return f"„{rule}“ ist keine gültige Wiederholungsregel (z. B. FREQ=WEEKLY;BYDAY=WE)."
    try:
        series_starts(rule, start.replace(tzinfo=None), start.replace(tzinfo=None), start.replace(tzinfo=None))
    except (ValueError, TypeError) as e:
        return f"Die Wiederholungsregel „{rule}“ ist ungültig ({e})."
    return None


def event_from_input(
    data: Mapping[str, Any], *, known_calendars: tuple[str, ...] = (), known_laender: tuple[str, ...] = ()
) -> Event:
    """A checked :class:`Event` from form-like data; :class:`EventError` lists every problem.

    Dates come as ``startdatum``/``enddatum`` (TT.MM.JJJJ or ISO), times as ``startzeit``/``endzeit``;
    moved dates as lines „TT.MM.JJJJ -> TT.MM.JJJJ HH:MM-HH:MM“ (or as stored overrides).
    """
    errors: dict[str, str] = {}
    titel = _text(data.get("titel"), 200)
    if not titel:
        errors["titel"] = "Bitte einen Titel angeben."
    zone = _text(data.get("zeitzone"), 60) or DEFAULT_TZ
    try:
        zone_info = ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        zone_info = None
        errors["zeitzone"] = f"„{zone}“ ist keine bekannte Zeitzone (z. B. Europe/Berlin)."
    all_day = str(data.get("ganztaegig", "")).lower() in ("1", "true", "ja", "on")
    start = end = None
    try:
        start_day = parse_date(_text(data.get("startdatum"), 20))
    except ValueError as e:
        errors["startdatum"] = str(e)
        start_day = None
    end_raw = _text(data.get("enddatum"), 20)
    try:
        end_day = parse_date(end_raw) if end_raw else start_day
    except ValueError as e:
        errors["enddatum"] = str(e)
        end_day = None
    if start_day and end_day:
        if all_day:
            start, end = start_day, end_day
        else:
            try:
                start = datetime.combine(start_day, parse_time(_text(data.get("startzeit"), 8) or "00:00"))
                end = datetime.combine(end_day, parse_time(_text(data.get("endzeit"), 8) or _text(data.get("startzeit"), 8) or "00:00"))
            except ValueError as e:
                errors["startzeit"] = str(e)
        if start is not None and end is not None:
            if end < start:
                errors["enddatum"] = "Das Ende liegt vor dem Beginn."
            elif end - start > MAX_DURATION:
                errors["enddatum"] = "Ein Termin darf höchstens 31 Tage dauern – für Reihen gibt es die Wiederholung."
    kind = _text(data.get("wiederholung"), 20)
    if kind not in RECURRENCE_LABELS:
        errors["wiederholung"] = f"„{kind}“ ist keine Wiederholungsart."
        kind = ""
    rule = ""
    if kind and start_day:
        rule = rule_for(kind, start_day, _text(data.get("rrule"), 300).upper())
        if message := check_rrule(rule, datetime.combine(start_day, time())):
            errors["rrule"] = message
    cancelled = []
    for raw in data.get("ausfaelle") or ():
        try:
            cancelled.append(parse_date(_text(raw, 20)).isoformat())
        except ValueError as e:
            errors["ausfaelle"] = str(e)
    status = _text(data.get("status"), 20) or "bestaetigt"
    if status not in STATUS_LABELS:
        errors["status"] = f"„{status}“ ist kein Status (bestaetigt, vorlaeufig, abgesagt)."
    calendars = tuple(dict.fromkeys(_text(c, 60) for c in data.get("kalender") or ("alle",) if _text(c, 60)))
    unknown = [c for c in calendars if known_calendars and c not in known_calendars]
    if unknown:
        errors["kalender"] = f"Unbekannte Kalender: {', '.join(unknown)}."
    kind_of_event = _text(data.get("art"), 30) or "sonstiges"
    if kind_of_event not in KIND_LABELS:
        errors["art"] = f"„{kind_of_event}“ ist keine Veranstaltungsart."
    land = _text(data.get("land"), 10)
    if land and known_laender and land not in known_laender:
        errors["land"] = f"„{land}“ ist kein Land."
    moved: tuple[Override, ...] = ()
    if start is not None and end is not None and "rrule" not in errors:
        try:
            moved = parse_moved(data.get("verschiebungen") or (), start, end, rule, set(cancelled), zone_info)
        except ValueError as e:
            errors["verschiebungen"] = str(e)
    if errors:
        raise EventError(errors)
    assert start is not None and end is not None
    return Event(
        titel=titel,
        start=start.isoformat(),
        ende=end.isoformat(),
        ganztaegig=all_day,
        zeitzone=zone,
        wiederholung=kind,
        rrule=rule,
        ausfaelle=tuple(sorted(set(cancelled))),
        verschiebungen=moved,
        ort=_text(data.get("ort"), 300),
        beschreibung=str(data.get("beschreibung") or "")[:5000],
        veranstalter=_text(data.get("veranstalter"), 200),
        kontakt=_text(data.get("kontakt"), 200),
        status=status,
        kalender=calendars or ("alle",),
        art=kind_of_event,
        land=land,
        agenda=_text(data.get("agenda"), 300),
        protokoll=_text(data.get("protokoll"), 300),
    )


def parse_moved(
    entries: Any, start: date | datetime, end: date | datetime, rule: str, cancelled: set[str], tz: ZoneInfo | None = None
) -> tuple[Override, ...]:
    """Moved occurrences from form lines (or stored overrides), checked against the series.

    The original date must be one of the series' dates (and not cancelled); without new times a
    moved date keeps the series' times.  ValueError (German) names the first bad line.
    """
    lines = entries.splitlines() if isinstance(entries, str) else list(entries)
    all_day = not isinstance(start, datetime)
    moved = []
    for entry in lines:
        if isinstance(entry, Mapping):
            entry = f"{entry['datum']} -> {entry['start'][:10]} {entry['start'][11:16]}-{entry['ende'][11:16]}".strip(" -")
        line = " ".join(str(entry).split())
        if not line:
            continue
        if not rule:
            raise ValueError("Nur Termine mit Wiederholung haben verschobene Termine.")
        m = MOVED_LINE.match(line)
        if not m:
            raise ValueError(f"„{line}“: bitte als „TT.MM.JJJJ -> TT.MM.JJJJ HH:MM-HH:MM“ angeben.")
        original, new_day = parse_date(m.group(1)), parse_date(m.group(2))
        series_start = datetime.combine(start, time()) if all_day else start
        on_day = series_starts(rule, series_start, datetime.combine(original, time()), datetime.combine(original, time.max), tz)
        if not on_day or original.isoformat() in cancelled:
            raise ValueError(f"Am {original:%d.%m.%Y} findet die Reihe nicht statt – nur eigene Termine lassen sich verschieben.")
        if all_day:
            new_start, new_end = new_day, new_day + (end - start)
        else:
            first = parse_time(m.group(3)) if m.group(3) else start.time()
            last = parse_time(m.group(4)) if m.group(4) else end.time()
            new_start, new_end = datetime.combine(new_day, first), datetime.combine(new_day, last)
            if new_end < new_start:
                raise ValueError(f"„{line}“: das Ende liegt vor dem Beginn.")
        moved.append(Override(original.isoformat(), new_start.isoformat(), new_end.isoformat()))
    return tuple(sorted(moved, key=lambda o: o.datum))


def moved_lines(event: Event) -> str:
    """The event's moved dates as the form shows them (one per line)."""
    def line(o: Override) -> str:
        new_start = parse_value(o.start, event.ganztaegig, event.tz)
        text = f"{date.fromisoformat(o.datum):%d.%m.%Y} -> {new_start:%d.%m.%Y}"
        if not event.ganztaegig:
            text += f" {new_start:%H:%M}-{parse_value(o.ende, False, event.tz):%H:%M}"
        return text

    return "\n".join(line(o) for o in event.verschiebungen)


def event_from_fields(fields: Mapping[str, Any]) -> Event:
    """A stored event (``gaa_fields``); :class:`EventError` if it cannot be used any more."""
    try:
        event = Event(
            titel=str(fields["titel"]),
            start=str(fields["start"]),
            ende=str(fields["ende"]),
            ganztaegig=bool(fields.get("ganztaegig")),
            zeitzone=str(fields.get("zeitzone") or DEFAULT_TZ),
            wiederholung=str(fields.get("wiederholung") or ""),
            rrule=str(fields.get("rrule") or ""),
            ausfaelle=tuple(fields.get("ausfaelle") or ()),
            verschiebungen=tuple(Override(**o) for o in fields.get("verschiebungen") or ()),
            ort=str(fields.get("ort") or ""),
            beschreibung=str(fields.get("beschreibung") or ""),
            veranstalter=str(fields.get("veranstalter") or ""),
            kontakt=str(fields.get("kontakt") or ""),
            status=str(fields.get("status") or "bestaetigt"),
            kalender=tuple(fields.get("kalender") or ("alle",)),
            art=str(fields.get("art") or "sonstiges"),
            land=str(fields.get("land") or ""),
            agenda=str(fields.get("agenda") or ""),
            protokoll=str(fields.get("protokoll") or ""),
        )
        event.start_value(), event.end_value()
        if event.status not in STATUS_LABELS or event.art not in KIND_LABELS:
            raise ValueError(f"Status {event.status} / Art {event.art}")
        if event.rrule and (message := check_rrule(event.rrule, datetime.fromisoformat(event.start[:10]))):
            raise ValueError(message)
    except (KeyError, TypeError, ValueError, ZoneInfoNotFoundError) as e:
        raise EventError({"_": f"Der Termin ist fehlerhaft gespeichert ({e})."}) from e
    return event


@dataclass(frozen=True)
class Occurrence:
    event: Event
    start: date | datetime
    end: date | datetime
    moved: bool = False


def occurrences(event: Event, first: date, last: date) -> list[Occurrence]:
    """The event's occurrences that start between ``first`` and ``last`` (inclusive), in order.

    Cancelled dates (EXDATE) are left out, moved ones (overrides) appear at their new time.
    """
    start, end = event.start_value(), event.end_value()
    duration = end - start
    if not event.rrule:
        starts = [start]
    else:
        naive = datetime.combine(start, time()) if event.ganztaegig else start.replace(tzinfo=None)
        window_end = datetime.combine(last, time.max)
        starts = []
        for when in series_starts(event.rrule, naive, datetime.combine(first, time()) - duration, window_end, event.tz):
            starts.append(when.date() if event.ganztaegig else when.replace(tzinfo=event.tz))
    cancelled = set(event.ausfaelle)
    moved = {o.datum: o for o in event.verschiebungen}
    found = []
    for begin in starts:
        day = begin if isinstance(begin, date) and not isinstance(begin, datetime) else begin.date()
        key = day.isoformat()
        if key in cancelled:
            continue
        if key in moved:
            o = moved[key]
            found.append(Occurrence(event, parse_value(o.start, event.ganztaegig, event.tz), parse_value(o.ende, event.ganztaegig, event.tz), True))
        else:
            found.append(Occurrence(event, begin, begin + duration))
    def day_of(value):
        return value if not isinstance(value, datetime) else value.date()
    return [o for o in found if first <= day_of(o.start) <= last]
