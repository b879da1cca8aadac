"""Termine of the Netzwerkkalender: fields, checks and recurrence (domain of issue 5).

An event is a record (``gaa_type = "termin"``) under ``Termine/<…>``.  Times are wall-clock
times in the event's time zone (default Europe/Berlin), so summer and winter dates never shift;
all-day events are plain dates.  Recurrence is one RRULE, chosen in words in the form (see
:mod:`moin_gaa.calendars.recurrence`: weekly on weekdays, every n weeks, monthly on the n-th or
last weekday or on a day, yearly; ending on a date or after n dates) or – moderators, imports –
written as a custom rule; with cancelled dates (EXDATE) and moved single dates (overrides,
RECURRENCE-ID in ICS).  Every page says the rule in German (:mod:`moin_gaa.calendars.rule_text`).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from itertools import islice
from typing import Any, Mapping
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil.rrule import rrulestr

from moin_gaa.calendars.recurrence import (
    REPETITION_LABELS,
    Repetition,
    build_rule,
    monthly_by_weekday,  # noqa: F401 – part of the events' interface (tests and scripts import it from here)
    nth_weekday,
)
from moin_gaa.calendars.rule_text import WEEKDAYS, month_name, weekday_name
from moin_gaa.core.field_errors import FieldErrors
from moin_gaa.core.german_dates import day, parse_day
from moin_gaa.core.text_input import clean_text, form_value, input_problems, normalise_name

EVENT_TYPE = "termin"
EVENT_PREFIX = "Termine/"
DEFAULT_TZ = "Europe/Berlin"
STATUS_LABELS = {"bestaetigt": "bestätigt", "vorlaeufig": "vorläufig", "abgesagt": "abgesagt"}
KIND_LABELS = {
    "netzwerktreffen": "Netzwerktreffen",
    "kooperationstreffen": "Kooperationstreffen",
    "fachtagung": "Fachtag / Kongress",
    "werkstatt": "Werkstatt / Arbeitsgruppe",
    "online": "Online-Veranstaltung",
    "sonstiges": "Sonstiges",
}
# „11.03.2026 -> 18.03.2026 18:00-20:00“ (times optional: the series' times are kept; without an end
# time the date lasts as long as the series' dates)
UTC_UNTIL = re.compile(r"UNTIL=\d{8}T\d{6}Z")
MOVED_LINE = re.compile(r"^(\S+)\s*(?:->|→)\s*(\S+)(?:\s+(\d{1,2}:\d{2})(?:\s*[-–]\s*(\d{1,2}:\d{2}))?)?$")
MAX_DURATION = timedelta(days=31)
# The fields of the repetition: a problem in one of them makes the rule unusable for further checks.
RULE_FIELDS = ("rrule", "wiederholung", "wochentage", "intervall", "ende_datum", "anzahl")

# Dates (start, end, cancelled and moved dates, a rule's UNTIL) lie in these years.
FIRST_YEAR, LAST_YEAR = 1900, 2200
YEAR_RANGE_MESSAGE = f"bitte ein Datum zwischen {FIRST_YEAR} und {LAST_YEAR} angeben."
# The recurrence policy: what a network calendar needs – at most daily – and nothing that lets one
# event make a page expand millions of dates.  Every expansion is bounded as well (series_starts, series_horizon).
FREQUENCIES = {"DAILY": "täglich", "WEEKLY": "wöchentlich", "MONTHLY": "monatlich", "YEARLY": "jährlich"}
RULE_PARTS = ("FREQ", "INTERVAL", "COUNT", "UNTIL", "BYDAY", "BYMONTH", "BYMONTHDAY", "BYSETPOS", "WKST")
MONTH_OR_YEAR_PARTS = ("BYMONTHDAY", "BYSETPOS")  # with DAILY/WEEKLY they can filter a series down to nothing
MAX_RULE_LENGTH = 300
MAX_INTERVAL = 99
MAX_COUNT = 1000
# A series is expanded for at most its first MAX_SERIES_OCCURRENCES dates (daily: 27 years), and one
# window (a month, the list view, an event page) shows at most MAX_WINDOW_OCCURRENCES of one series.
MAX_SERIES_OCCURRENCES = 10_000
MAX_WINDOW_OCCURRENCES = 1_000
MAX_EXCEPTIONS = 500  # cancelled plus moved dates of one series
WEEKDAY_CODE = re.compile(r"^(?:[+-]?(\d{1,2}))?(MO|TU|WE|TH|FR|SA|SU)$")
# Longest accepted text per field (characters, after collapsing white space); longer input is refused.
MAX_TITLE_LENGTH = 200
EVENT_TEXT_LIMITS = {
    "titel": MAX_TITLE_LENGTH,
    "ort": 300,
    "beschreibung": 10_000,
    "veranstalter": 200,
    "kontakt": 200,
    "agenda": 300,
    "protokoll": 300,
    "zeitzone": 60,
}


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


def parse_date(raw: str) -> date:
    """``TT.MM.JJJJ`` or ``JJJJ-MM-TT`` (:func:`~moin_gaa.core.german_dates.parse_day`) from FIRST_YEAR to LAST_YEAR;
    ValueError (German) otherwise, e.g. for 31.02."""
    parsed = parse_day(raw)
    if not FIRST_YEAR <= parsed.year <= LAST_YEAR:
        raise ValueError(f"„{raw}“: {YEAR_RANGE_MESSAGE}")
    return parsed


def parse_time(raw: str) -> time:
    try:
        return time.fromisoformat(raw if len(raw) > 2 else raw + ":00")
    except ValueError as e:
        raise ValueError(f"„{raw}“ ist keine gültige Uhrzeit (HH:MM).") from e


def series_starts(
    rule: str,
    start: datetime,
    after: datetime,
    before: datetime,
    tz: ZoneInfo | None = None,
    *,
    limit: int = MAX_WINDOW_OCCURRENCES,
) -> list[datetime]:
    """The wall-clock starts (naive) of the series ``rule`` from ``start`` within [after, before], bounded.

    Only the first MAX_SERIES_OCCURRENCES dates of a series are looked at and at most ``limit``
    (MAX_WINDOW_OCCURRENCES) of them returned, and a rule outside the policy (see rule_problem) gives
    none: an event stored before the checks existed cannot make a page expand millions of dates.
    A rule whose UNTIL is in UTC (as RFC 5545 wants for a DTSTART with TZID, and as Google and
    Outlook write it) is expanded with zone-aware times; dateutil refuses to mix the two.

    This scan stays with dateutil instead of recurring-ical-events (which expands the calendar's
    windows, see :func:`moin_gaa.calendars.occurrences.occurrences`): it must stop after a number of
    dates, and recurring-ical-events' ``between()`` walks every date from DTSTART to the window's end.
    The checks (first_start, series_days) and the cap of the windows (series_horizon) use it.
    """
    if rule_problem(rule) is not None:
        return []
    zone = tz or ZoneInfo(DEFAULT_TZ)
    if UTC_UNTIL.search(rule):
        start, after, before = (d.replace(tzinfo=zone) for d in (start, after, before))
    found = []
    for when in islice(rrulestr(rule, dtstart=start), MAX_SERIES_OCCURRENCES):
        if when > before:
            break
        if when >= after:
            found.append(when.replace(tzinfo=None))
            if len(found) >= limit:
                break
    return found


def rule_problem(rule: str) -> str | None:
    """None for a rule within the policy (FREQUENCIES, RULE_PARTS, sane numbers), else the German reason.

    Checks the rule's text only – nothing is expanded – so it is cheap enough for every read.
    """
    if len(rule) > MAX_RULE_LENGTH:
        return f"Die Wiederholungsregel ist zu lang (höchstens {MAX_RULE_LENGTH} Zeichen)."
    if not re.fullmatch(r"[A-Z0-9=;,+\-]+", rule or "") or "FREQ=" not in rule:
        return f"„{rule}“ ist keine gültige Wiederholungsregel (z. B. FREQ=WEEKLY;BYDAY=WE)."
    parts: dict[str, str] = {}
    for part in rule.split(";"):
        key, _, value = part.partition("=")
        if key in parts:
            return f"„{key}“ steht zweimal in der Wiederholungsregel."
        if key not in RULE_PARTS:
            return (f"„{key}“ ist in Wiederholungsregeln hier nicht erlaubt (erlaubt: {', '.join(RULE_PARTS)}); "
                    "Uhrzeiten stehen im Termin selbst.")
        parts[key] = value
    freq = parts.get("FREQ", "")
    if freq not in FREQUENCIES:
        allowed = ", ".join(f"{label} ({key})" for key, label in FREQUENCIES.items())
        allowed = allowed.rsplit(", ", 1)[0] + " und " + allowed.rsplit(", ", 1)[1]
        too_often = freq in ("HOURLY", "MINUTELY", "SECONDLY")
        verdict = "ist im Netzwerkkalender nicht möglich" if too_often else "ist ungültig"
        return f"Die Wiederholung „{freq}“ {verdict} – erlaubt sind {allowed}."
    if "INTERVAL" in parts and not _number_in(parts["INTERVAL"], 1, MAX_INTERVAL):
        return f"INTERVAL (jede wievielte Wiederholung) muss eine Zahl von 1 bis {MAX_INTERVAL} sein."
    if "COUNT" in parts and not _number_in(parts["COUNT"], 1, MAX_COUNT):
        return f"COUNT (Anzahl der Termine) muss eine Zahl von 1 bis {MAX_COUNT} sein."
    if "COUNT" in parts and "UNTIL" in parts:
        return "Eine Wiederholungsregel endet entweder nach COUNT Terminen oder am Datum UNTIL, nicht beides."
    if "UNTIL" in parts and not (re.fullmatch(r"\d{8}(T\d{6}Z?)?", parts["UNTIL"])
                                 and FIRST_YEAR <= int(parts["UNTIL"][:4]) <= LAST_YEAR):
        return f"UNTIL „{parts['UNTIL']}“: {YEAR_RANGE_MESSAGE[:1].upper() + YEAR_RANGE_MESSAGE[1:]}"
    for key in MONTH_OR_YEAR_PARTS:
        if key in parts and freq not in ("MONTHLY", "YEARLY"):
            return f"„{key}“ passt nur zu monatlichen oder jährlichen Regeln (FREQ=MONTHLY oder FREQ=YEARLY)."
    limits = {"BYMONTH": (1, 12, False), "BYMONTHDAY": (1, 31, True), "BYSETPOS": (1, 366, True)}
    for key, (low, high, signed) in limits.items():
        for value in parts.get(key, "").split(",") if key in parts else ():
            number = value[1:] if signed and value[:1] in "+-" else value
            if not _number_in(number, low, high):
                sign = "-" if signed else ""
                return f"„{key}={parts[key]}“ ist keine gültige Angabe ({key} von {sign}{low} bis {high})."
    for value in parts.get("BYDAY", "").split(",") if "BYDAY" in parts else ():
        m = WEEKDAY_CODE.match(value)
        if not m:
            return f"„BYDAY={parts['BYDAY']}“: Wochentage als MO, TU, WE, TH, FR, SA, SU (monatlich auch 2WE, -1FR)."
        if m.group(1) and freq not in ("MONTHLY", "YEARLY"):
            return (f"„BYDAY={parts['BYDAY']}“: der n-te Wochentag (z. B. 2WE) passt nur zu monatlichen "
                    "oder jährlichen Regeln.")
        if m.group(1) and not 1 <= int(m.group(1)) <= (5 if freq == "MONTHLY" else 53):
            return f"„BYDAY={parts['BYDAY']}“: einen {m.group(1)}. Wochentag gibt es nicht."
    if "WKST" in parts and parts["WKST"] not in WEEKDAYS:
        return f"„WKST={parts['WKST']}“ ist kein Wochentag (MO … SU)."
    return None


def _number_in(text: str, low: int, high: int) -> bool:
    return text.isascii() and text.isdigit() and len(text) <= 6 and low <= int(text) <= high


@lru_cache(maxsize=4096)
def first_start(rule: str, start: datetime, zone: str = DEFAULT_TZ) -> datetime | None:
    """The series' first date up to the end of LAST_YEAR (naive wall clock), None if it has none.

    Within the policy (BYMONTHDAY and BYSETPOS only monthly or yearly) even a rule that never
    occurs is found out in a fraction of a second; cached, since stored events are read often.
    """
    found = series_starts(rule, start, start, datetime(LAST_YEAR, 12, 31, 23, 59, 59), ZoneInfo(zone), limit=1)
    return found[0] if found else None


@lru_cache(maxsize=4096)
def series_horizon(rule: str, start: datetime, zone: str = DEFAULT_TZ) -> datetime | None:
    """The last date of the series that is ever shown: its MAX_SERIES_OCCURRENCES-th (naive wall clock).

    None if the series has fewer dates up to LAST_YEAR.  Cached: found once per series and process.
    """
    end = datetime(LAST_YEAR, 12, 31, 23, 59, 59)
    found = series_starts(rule, start, start, end, ZoneInfo(zone), limit=MAX_SERIES_OCCURRENCES)
    return found[-1] if len(found) == MAX_SERIES_OCCURRENCES else None


def check_rrule(rule: str, start: datetime, zone: str = DEFAULT_TZ) -> str | None:
    """None for a rule within the policy that dateutil (and so every calendar client) can expand
    and that yields at least one date; else the German reason."""
    if message := rule_problem(rule):
        return message
    try:
        first = first_start(rule, start.replace(tzinfo=None), zone)
    except (ValueError, TypeError) as e:
        return f"Die Wiederholungsregel „{rule}“ ist ungültig ({e})."
    if first is None:
        return f"Nach der Wiederholungsregel „{rule}“ findet ab dem Beginn bis {LAST_YEAR} kein einziger Termin statt."
    return None


def _limited_text(data: Mapping[str, Any], key: str, errors: dict[str, str], *, keep_lines: bool = False) -> str:
    """The field's text (white space collapsed, or only trimmed with ``keep_lines``); an error if it is too long."""
    raw = str(data.get(key) or "")
    text = raw.strip() if keep_lines else " ".join(raw.split())
    limit = EVENT_TEXT_LIMITS[key]
    if len(text) > limit:
        errors[key] = f"Bitte höchstens {limit} Zeichen eingeben (eingegeben: {len(text)})."
    return text


def _checked_texts(data: Mapping[str, Any], errors: dict[str, str]) -> dict[str, str]:
    """The free texts (EVENT_TEXT_LIMITS) as stored; the description keeps its lines.  A title is required."""
    texts = {key: _limited_text(data, key, errors, keep_lines=key == "beschreibung") for key in EVENT_TEXT_LIMITS}
    texts = {k: clean_text(t).strip() if k == "beschreibung" else normalise_name(t) for k, t in texts.items()}
    if not texts["titel"]:
        errors["titel"] = "Bitte einen Titel angeben."
    return texts


def _checked_zone(
    data: Mapping[str, Any], zone: str, fixed_zone: str | None, errors: dict[str, str]
) -> tuple[str, ZoneInfo | None]:
    """The time zone's name and zone (None if unusable).

    A form always sends the field: empty there is a mistake; data without it (scripts, seeds) means Berlin.
    ``fixed_zone`` (people who may not choose a zone): that zone; a different one sent is refused.
    """
    if fixed_zone is not None:
        if "zeitzone" in data and zone != fixed_zone:
            errors["zeitzone"] = f"Die Zeitzone legt die Moderation fest – dieser Termin bleibt in {fixed_zone}."
        zone = fixed_zone
    zone = zone if "zeitzone" in data or fixed_zone is not None else DEFAULT_TZ
    if not zone:
        errors["zeitzone"] = "Bitte eine Zeitzone angeben (z. B. Europe/Berlin)."
    elif "zeitzone" not in errors:
        try:
            return zone, ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            errors["zeitzone"] = f"„{zone}“ ist keine bekannte Zeitzone (z. B. Europe/Berlin)."
    return zone, None


def _checked_day(data: Mapping[str, Any], key: str, errors: dict[str, str]) -> date | None:
    """The date in field ``key`` (TT.MM.JJJJ or ISO, as ``type=date`` sends it); None if empty or unusable."""
    raw = form_value(data.get(key), 20)
    try:
        return parse_date(raw) if raw else None
    except ValueError as e:
        errors[key] = str(e)
        return None


def _checked_clock(data: Mapping[str, Any], key: str, default: str, errors: dict[str, str]) -> time | None:
    try:
        return parse_time(form_value(data.get(key), 8) or default)
    except ValueError as e:
        errors[key] = str(e)
        return None


def _checked_span(
    data: Mapping[str, Any], all_day: bool, errors: dict[str, str]
) -> tuple[date | None, date | datetime | None, date | datetime | None]:
    """(start day, start, end) from ``startdatum``/``enddatum`` and ``startzeit``/``endzeit``; None where unusable.

    An end before the start is found with every other problem: by the days alone if a time is unusable.
    """
    start_day = _checked_day(data, "startdatum", errors)
    if start_day is None and "startdatum" not in errors:
        errors["startdatum"] = "Bitte das Datum des Beginns angeben."
    end_day = _checked_day(data, "enddatum", errors) or (None if "enddatum" in errors else start_day)
    start = end = None
    if start_day and end_day and all_day:
        start, end = start_day, end_day
    elif start_day and end_day:
        start_time = form_value(data.get("startzeit"), 8)
        first = _checked_clock(data, "startzeit", "00:00", errors)
        last = _checked_clock(data, "endzeit", (start_time if first else "") or "00:00", errors)
        start = datetime.combine(start_day, first) if first else None
        end = datetime.combine(end_day, last) if last else None
    if start_day and end_day and (end_day < start_day or (start and end and end < start)):
        errors["enddatum"] = "Das Ende liegt vor dem Beginn."
    elif start is not None and end is not None and end - start > MAX_DURATION:
        errors["enddatum"] = "Ein Termin darf höchstens 31 Tage dauern – für Reihen gibt es die Wiederholung."
    return start_day, start, end


def _checked_repetition(
    data: Mapping[str, Any], kind: str, start_day: date | None, errors: dict[str, str]
) -> Repetition:
    """The form's repetition: weekdays and week interval (weekly), the end (``ende_datum`` – the last day – or
    ``anzahl`` of dates, or neither), each checked against the start date; a kind not fitting the start is refused."""
    raw_days = data.get("wochentage") or ()
    days = tuple(form_value(d, 2) for d in ([raw_days] if isinstance(raw_days, str) else raw_days) if form_value(d, 2))
    interval = form_value(data.get("intervall"), 7) or "1"
    if kind == "woechentlich":
        if any(d not in WEEKDAYS for d in days):
            errors["wochentage"] = "Bitte Wochentage aus Montag bis Sonntag wählen."
        elif days and start_day and WEEKDAYS[start_day.weekday()] not in days:
            weekday = weekday_name(start_day.weekday())
            errors["wochentage"] = (f"Der Beginn ({day(start_day)}) ist ein {weekday}: bitte {weekday} ankreuzen "
                                    "oder als Beginn den ersten Termin der Reihe wählen.")
        if not _number_in(interval, 1, MAX_INTERVAL):
            errors["intervall"] = f"Bitte eine Zahl von 1 bis {MAX_INTERVAL} angeben (1 = jede Woche)."
    if kind == "monatlich-vierter" and start_day and nth_weekday(start_day) != 4:
        weekday, month = weekday_name(start_day.weekday()), month_name(start_day.month)
        errors["wiederholung"] = (f"Der {day(start_day)} ist nicht der 4. {weekday} im {month} – für „monatlich "
                                  f"am 4. {weekday}“ bitte als Beginn einen 4. {weekday} wählen.")
    until = count = None
    raw_count = form_value(data.get("anzahl"), 7)
    if kind:
        until = _checked_day(data, "ende_datum", errors)
        if until and start_day and until < start_day:
            errors["ende_datum"] = "Das Ende der Reihe liegt vor ihrem Beginn."
        if raw_count and not _number_in(raw_count, 1, MAX_COUNT):
            errors["anzahl"] = f"Bitte die Anzahl der Termine als Zahl von 1 bis {MAX_COUNT} angeben."
        elif raw_count and until:
            errors["anzahl"] = ("Eine Reihe endet entweder an einem Datum oder nach einer Anzahl von Terminen – "
                                "bitte nur eines angeben.")
        count = int(raw_count) if raw_count and "anzahl" not in errors else None
    weeks = int(interval) if _number_in(interval, 1, MAX_INTERVAL) else 1
    return Repetition(kind, days, weeks, until, count)


def _checked_rule(
    data: Mapping[str, Any],
    start_day: date | None,
    start: date | datetime | None,
    zone: str,
    fixed_rule: str | None,
    errors: dict[str, str],
) -> tuple[str, str, bool]:
    """(kind of repetition, effective RRULE, whether the rule is usable) – built from the form's words
    (:mod:`~moin_gaa.calendars.recurrence`) or the custom rule, checked against the policy and the start.

    ``fixed_rule`` (people who may not write rules): the only custom rule allowed – the stored one, or "" for none.
    """
    kind = form_value(data.get("wiederholung"), 20)
    if kind not in REPETITION_LABELS:
        errors["wiederholung"] = f"„{kind}“ ist keine Wiederholungsart."
        kind = ""
    custom = "".join(str(data.get("rrule") or "").split()).upper()
    if fixed_rule is not None:
        if (custom and custom != fixed_rule) or (kind == "eigene" and not fixed_rule):
            errors["rrule"] = ("Eigene Regeln (RRULE) tragen Moderatorinnen und Moderatoren ein – bitte wählen Sie "
                               "die Wiederholung aus der Liste.")
        custom = fixed_rule
    repetition = _checked_repetition(data, kind, start_day, errors)
    if not (kind and start_day):
        return kind, "", False
    all_day = not isinstance(start, datetime)
    rule = build_rule(repetition, start_day, all_day=all_day, zone=zone, custom=custom)
    series_start = start if isinstance(start, datetime) else datetime.combine(start_day, time())
    if message := check_rrule(rule, series_start, zone):
        errors.setdefault("rrule" if kind == "eigene" else "wiederholung", message)
    return kind, rule, not any(key in errors for key in RULE_FIELDS)


def _checked_cancelled(
    entries: Any, rule: str, start: date | datetime | None, tz: ZoneInfo | None, errors: dict[str, str]
) -> list[str]:
    """The cancelled dates (ISO); each must be one of the series' own dates (``rule``: "" if unusable)."""
    raw_cancelled = list(entries or ())
    if len(raw_cancelled) > MAX_EXCEPTIONS:
        errors["ausfaelle"] = f"Höchstens {MAX_EXCEPTIONS} ausfallende Termine."
        return []
    cancelled = []
    for raw in raw_cancelled:
        try:
            cancelled.append(parse_date(form_value(raw, 20)).isoformat())
        except ValueError as e:
            errors["ausfaelle"] = str(e)
    if not cancelled or "ausfaelle" in errors:
        return cancelled
    if not rule:
        if "wiederholung" not in errors and "rrule" not in errors:
            errors["ausfaelle"] = "Nur Termine mit Wiederholung haben ausfallende Termine."
    elif start is not None:
        days = series_days(rule, start, max(date.fromisoformat(d) for d in cancelled), tz)
        for iso in sorted(set(cancelled)):
            if date.fromisoformat(iso) not in days:
                errors["ausfaelle"] = (f"Am {day(date.fromisoformat(iso))} findet die Reihe nicht statt – "
                                       "nur ihre eigenen Termine können ausfallen.")
                break
    return cancelled


def _checked_choices(
    data: Mapping[str, Any], known_calendars: tuple[str, ...], known_laender: tuple[str, ...], errors: dict[str, str]
) -> dict[str, Any]:
    """The chosen keys: ``status``, ``kalender``, ``art`` and ``land`` (each one of its known values)."""
    status = form_value(data.get("status"), 20) or "bestaetigt"
    if status not in STATUS_LABELS:
        errors["status"] = f"„{status}“ ist kein Status (bestaetigt, vorlaeufig, abgesagt)."
    calendars = tuple(dict.fromkeys(form_value(c, 60) for c in data.get("kalender") or ("alle",) if form_value(c, 60)))
    unknown = [c for c in calendars if known_calendars and c not in known_calendars]
    if unknown:
        errors["kalender"] = f"Unbekannte Kalender: {', '.join(unknown)}."
    kind_of_event = form_value(data.get("art"), 30) or "sonstiges"
    if kind_of_event not in KIND_LABELS:
        errors["art"] = f"„{kind_of_event}“ ist keine Veranstaltungsart."
    land = form_value(data.get("land"), 10)
    if land and known_laender and land not in known_laender:
        errors["land"] = f"„{land}“ ist kein Land."
    return {"status": status, "kalender": calendars or ("alle",), "art": kind_of_event, "land": land}


def _checked_moved(
    entries: Any,
    start: date | datetime | None,
    end: date | datetime | None,
    rule: str,
    cancelled: list[str],
    tz: ZoneInfo | None,
    errors: dict[str, str],
) -> tuple[Override, ...]:
    """The moved dates (see :func:`parse_moved`), together with the cancelled ones at most MAX_EXCEPTIONS."""
    if start is None or end is None or (not rule and ("wiederholung" in errors or "rrule" in errors)):
        return ()
    try:
        moved = parse_moved(entries or (), start, end, rule, set(cancelled), tz)
        if len(moved) + len(set(cancelled)) > MAX_EXCEPTIONS:
            raise ValueError(f"Höchstens {MAX_EXCEPTIONS} ausfallende und verschobene Termine zusammen.")
    except ValueError as e:
        errors["verschiebungen"] = str(e)
        return ()
    return moved


def event_from_input(
    data: Mapping[str, Any],
    *,
    known_calendars: tuple[str, ...] = (),
    known_laender: tuple[str, ...] = (),
    fixed_zone: str | None = None,
    fixed_rule: str | None = None,
) -> Event:
    """A checked :class:`Event` from form-like data; :class:`EventError` lists every problem at once.

    Dates come as ``startdatum``/``enddatum`` (TT.MM.JJJJ or ISO), times as ``startzeit``/``endzeit``;
    the repetition as ``wiederholung`` (a kind of REPETITION_LABELS) with ``wochentage``, ``intervall``,
    ``ende_datum`` or ``anzahl`` – or ``wiederholung=eigene`` with ``rrule``; cancelled dates
    as ``ausfaelle``; moved dates as lines „TT.MM.JJJJ -> TT.MM.JJJJ HH:MM-HH:MM“ (or as stored overrides).

    ``fixed_zone`` and ``fixed_rule`` are for people who may not set the expert fields (not moderators):
    the event keeps that zone and may only have that custom rule ("" = none); other values sent are refused.

    The steps: texts, time zone, dates and times, repetition, cancelled dates, chosen keys, moved dates;
    last the text hygiene of every field (text_input), whose message wins.
    """
    errors: dict[str, str] = {}
    texts = _checked_texts(data, errors)
    zone, zone_info = _checked_zone(data, texts["zeitzone"], fixed_zone, errors)
    all_day = str(data.get("ganztaegig", "")).lower() in ("1", "true", "ja", "on")
    start_day, start, end = _checked_span(data, all_day, errors)
    kind, rule, usable = _checked_rule(data, start_day, start, zone if zone_info else DEFAULT_TZ, fixed_rule, errors)
    checked_rule = rule if usable else ""
    cancelled = _checked_cancelled(data.get("ausfaelle"), checked_rule, start, zone_info, errors)
    choices = _checked_choices(data, known_calendars, known_laender, errors)
    moved = _checked_moved(data.get("verschiebungen"), start, end, checked_rule, cancelled, zone_info, errors)
    errors.update(input_problems(data))  # text hygiene (text_input): control characters in any field win
    if errors:
        raise EventError(errors)
    assert start is not None and end is not None
    return Event(
        start=start.isoformat(),
        ende=end.isoformat(),
        ganztaegig=all_day,
        zeitzone=zone,
        wiederholung=kind,
        rrule=rule,
        ausfaelle=tuple(sorted(set(cancelled))),
        verschiebungen=moved,
        **choices,
        **{key: texts[key] for key in EVENT_TEXT_LIMITS if key != "zeitzone"},
    )


def series_days(rule: str, start: date | datetime, last: date, tz: ZoneInfo | None) -> set[date]:
    """The days on which the series starting at ``start`` has a date, up to ``last`` (bounded, one pass)."""
    series_start = start if isinstance(start, datetime) else datetime.combine(start, time())
    until = datetime.combine(last, time.max)
    found = series_starts(rule, series_start, series_start, until, tz, limit=MAX_SERIES_OCCURRENCES)
    return {when.date() for when in found}


def form_dates(event: Event, today: date, *, limit: int = 20, days: int = 400) -> list[date]:
    """The original dates of a series the form offers to cancel or move, in order: the coming ones (at most
    ``limit`` within ``days`` from ``today``) and every date already cancelled or moved."""
    if not event.rrule:
        return []
    begin = event.start_value()
    series_start = datetime.combine(begin, time()) if event.ganztaegig else begin.replace(tzinfo=None)
    first = max(series_start, datetime.combine(today, time()))
    coming = series_starts(event.rrule, series_start, first, first + timedelta(days=days), event.tz, limit=limit)
    exceptions = [*event.ausfaelle, *(o.datum for o in event.verschiebungen)]
    return sorted({when.date() for when in coming} | {date.fromisoformat(d) for d in exceptions})


def parse_moved(
    entries: Any,
    start: date | datetime,
    end: date | datetime,
    rule: str,
    cancelled: set[str],
    tz: ZoneInfo | None = None,
) -> tuple[Override, ...]:
    """Moved occurrences from form lines (or stored overrides), checked against the series.

    The original date must be one of the series' dates, neither cancelled nor moved twice; without
    new times a moved date keeps the series' times, without an end time its duration.
    ValueError (German) names the first bad line.
    """
    lines = entries.splitlines() if isinstance(entries, str) else list(entries)
    all_day = not isinstance(start, datetime)
    parsed = []
    for entry in lines:
        if isinstance(entry, Mapping):
            new_start, new_end = entry["start"], entry["ende"]
            entry = f"{entry['datum']} -> {new_start[:10]} {new_start[11:16]}-{new_end[11:16]}".strip(" -")
        line = " ".join(str(entry).split())
        if not line:
            continue
        if not rule:
            raise ValueError("Nur Termine mit Wiederholung haben verschobene Termine.")
        if len(parsed) >= MAX_EXCEPTIONS:
            raise ValueError(f"Höchstens {MAX_EXCEPTIONS} verschobene Termine.")
        m = MOVED_LINE.match(line)
        if not m:
            shown = line if len(line) <= 80 else line[:80] + "…"
            raise ValueError(f"„{shown}“: bitte als „TT.MM.JJJJ -> TT.MM.JJJJ HH:MM-HH:MM“ angeben.")
        parsed.append((line, m, parse_date(m.group(1)), parse_date(m.group(2))))
    days = series_days(rule, start, max(p[2] for p in parsed), tz) if parsed else set()
    moved: dict[str, Override] = {}
    for line, m, original, new_day in parsed:
        if original.isoformat() in cancelled:
            raise ValueError(f"Am {day(original)} findet die Reihe nicht statt (der Termin fällt aus) – ein Termin "
                             "kann ausfallen oder verschoben werden, nicht beides.")
        if original.isoformat() in moved:
            raise ValueError(f"Der Termin am {day(original)} ist zweimal verschoben – bitte nur einmal angeben.")
        if original not in days:
            raise ValueError(
                f"Am {day(original)} findet die Reihe nicht statt – nur eigene Termine lassen sich verschieben."
            )
        if all_day:
            new_start, new_end = new_day, new_day + (end - start)
        else:
            new_start = datetime.combine(new_day, parse_time(m.group(3)) if m.group(3) else start.time())
            new_end = datetime.combine(new_day, parse_time(m.group(4))) if m.group(4) else new_start + (end - start)
            if new_end < new_start:
                raise ValueError(f"„{line}“: das Ende liegt vor dem Beginn.")
        moved[original.isoformat()] = Override(original.isoformat(), new_start.isoformat(), new_end.isoformat())
    return tuple(sorted(moved.values(), key=lambda o: o.datum))


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
        for value in (event.start_value(), event.end_value()):
            if not FIRST_YEAR <= value.year <= LAST_YEAR:
                raise ValueError(f"{value.year}: {YEAR_RANGE_MESSAGE}")
        if event.status not in STATUS_LABELS or event.art not in KIND_LABELS:
            raise ValueError(f"Status {event.status} / Art {event.art}")
        if len(event.ausfaelle) + len(event.verschiebungen) > MAX_EXCEPTIONS:
            raise ValueError(f"mehr als {MAX_EXCEPTIONS} ausfallende und verschobene Termine")
        for cancelled in event.ausfaelle:
            date.fromisoformat(str(cancelled))
        for moved in event.verschiebungen:
            date.fromisoformat(moved.datum), parse_value(moved.start, event.ganztaegig, event.tz)
            parse_value(moved.ende, event.ganztaegig, event.tz)
        if event.rrule:
            begin = event.start_value()
            series_start = datetime.combine(begin, time()) if event.ganztaegig else begin.replace(tzinfo=None)
            if message := check_rrule(event.rrule, series_start, event.zeitzone):
                raise ValueError(message)
    except (KeyError, TypeError, ValueError, ZoneInfoNotFoundError) as e:
        raise EventError({"_": f"Der Termin ist fehlerhaft gespeichert ({e})."}) from e
    return event
