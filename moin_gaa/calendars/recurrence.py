"""How a series repeats as the event form offers it, in words, and the RRULE it stands for.

The form offers kinds of repetition named after the start date („monatlich am 2. Donnerstag“),
weekdays and a week interval for weekly series, and an end (none, a last date, a number of dates);
:func:`build_rule` makes the RRULE from them and :func:`repetition_of` reads a stored rule back
into them for editing – only if building it again gives the very same rule, otherwise the rule
stays an „eigene Regel“, so an edit never changes a series unasked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from moin_gaa.calendars.rule_text import WEEKDAYS, Unphrasable, month_name, rule_parts, until_day, weekday_name

# The kinds with their labels while no start date is known (a new form); see repetition_labels.
REPETITION_LABELS = {
    "": "einmalig",
    "woechentlich": "wöchentlich an Wochentagen",
    "monatlich": "monatlich am Wochentag des Beginns (z. B. 2. Donnerstag; in der letzten Woche: letzter Freitag)",
    "monatlich-vierter": "monatlich am 4. Wochentag (wenn der Beginn zugleich der letzte im Monat ist)",
    "monatstag": "monatlich am gleichen Tag (z. B. am 10.) – wie der Beginn",
    "jaehrlich": "jährlich am Tag des Beginns",
    "eigene": "eigene Regel (RRULE)",
}
# The order in which icalendar writes a rule's parts (its vRecur.canonical_order), for those the form writes.
PART_ORDER = ("FREQ", "UNTIL", "COUNT", "INTERVAL", "BYDAY", "BYMONTHDAY")
# The kinds named after a start date; the form's script fills them in again when the start date changes.
LABEL_TEMPLATES = {
    "monatlich": "monatlich am {nth} {weekday}",
    "monatlich-vierter": "monatlich am 4. {weekday}",
    "monatstag": "monatlich am {day}.",
    "jaehrlich": "jährlich am {day}. {month}",
}


@dataclass(frozen=True)
class Repetition:
    """What the form asks: the kind, weekly days and interval, and how the series ends."""

    kind: str = ""
    weekdays: tuple[str, ...] = ()  # weekly: MO … SU; empty = the start's weekday
    interval: int = 1  # weekly: every n weeks
    until: date | None = None  # the series ends on this day (inclusive) …
    count: int | None = None  # … or after this many dates; neither: no end


def nth_weekday(start: date) -> int:
    """Which of its weekday in the month the date is: 1 … 5."""
    return (start.day - 1) // 7 + 1


def is_last_weekday(start: date) -> bool:
    """Whether no later date of the same weekday lies in the month."""
    return (start + timedelta(days=7)).month != start.month


def monthly_by_weekday(start: date) -> str:
    """„jeden n. <Wochentag>“ of the start date; in the last week of a month (a 4th or 5th) the last one: ``-1``."""
    return f"FREQ=MONTHLY;BYDAY={_monthly_day(start)}"


def _monthly_day(start: date) -> str:
    nth = nth_weekday(start)
    return f"{-1 if nth >= 4 and is_last_weekday(start) else nth}{WEEKDAYS[start.weekday()]}"


def weekly_days(repetition: Repetition, start: date) -> tuple[str, ...]:
    """The chosen weekdays in week order, or the start's weekday."""
    return tuple(d for d in WEEKDAYS if d in repetition.weekdays) or (WEEKDAYS[start.weekday()],)


def base_parts(repetition: Repetition, start: date) -> dict[str, str]:
    """The parts of the RRULE without its end for a kind of REPETITION_LABELS in words; {} for the others."""
    kind = repetition.kind
    if kind == "woechentlich":
        interval = {"INTERVAL": str(repetition.interval)} if repetition.interval > 1 else {}
        return {"FREQ": "WEEKLY", **interval, "BYDAY": ",".join(weekly_days(repetition, start))}
    if kind == "monatlich":
        return {"FREQ": "MONTHLY", "BYDAY": _monthly_day(start)}
    if kind == "monatlich-vierter":
        return {"FREQ": "MONTHLY", "BYDAY": f"4{WEEKDAYS[start.weekday()]}"}
    if kind == "monatstag":
        return {"FREQ": "MONTHLY", "BYMONTHDAY": str(start.day)}
    if kind == "jaehrlich":
        return {"FREQ": "YEARLY"}
    return {}


def until_value(last: date, all_day: bool, zone: str) -> str:
    """UNTIL for a series whose last date is on ``last``: a DATE for all-day series, else the end of that
    day in the series' zone as UTC (RFC 5545 wants UTC with a zoned DTSTART; Google and Outlook write it so)."""
    if all_day:
        return f"{last:%Y%m%d}"
    moment = datetime.combine(last, time(23, 59, 59), ZoneInfo(zone)).astimezone(timezone.utc)
    return f"{moment:%Y%m%dT%H%M%SZ}"


def build_rule(repetition: Repetition, start: date, *, all_day: bool, zone: str, custom: str = "") -> str:
    """The whole RRULE (``eigene``: ``custom``) with ``UNTIL`` or ``COUNT`` for the chosen end; "" for einmalig.

    The parts stand in the order icalendar writes them (PART_ORDER), so our own feed imported again
    brings the very same rule back.
    """
    end = {}
    if repetition.until is not None:
        end["UNTIL"] = until_value(repetition.until, all_day, zone)
    elif repetition.count is not None:
        end["COUNT"] = str(repetition.count)
    if repetition.kind == "eigene":
        return ";".join([custom, *(f"{key}={value}" for key, value in end.items())]) if custom else ""
    parts = {**base_parts(repetition, start), **end} if repetition.kind else {}
    return ";".join(f"{key}={parts[key]}" for key in PART_ORDER if key in parts) if "FREQ" in parts else ""


def repetition_of(rule: str, start: date, *, all_day: bool, zone: str) -> Repetition:
    """The form's choice for a stored rule: the kind that builds the same rule (its parts in any order), else
    ``eigene``."""
    if not rule:
        return Repetition()
    try:
        parts = rule_parts(rule)
        until = until_day(parts["UNTIL"], ZoneInfo(zone)) if "UNTIL" in parts else None
        count = int(parts["COUNT"]) if "COUNT" in parts else None
        weekdays = tuple(parts.get("BYDAY", "").split(",")) if parts["FREQ"] == "WEEKLY" else ()
        interval = int(parts.get("INTERVAL", "1"))
    except (Unphrasable, ValueError, KeyError):
        return Repetition("eigene")
    for kind in ("woechentlich", "monatlich", "monatlich-vierter", "monatstag", "jaehrlich"):
        candidate = Repetition(kind, weekdays, interval, until, count)
        if rule_parts(build_rule(candidate, start, all_day=all_day, zone=zone)) == parts:
            return candidate
    return Repetition("eigene")


def repetition_labels(start: date | None, *, custom: bool) -> dict[str, str]:
    """The kinds the form offers, named after the start date („monatlich am 2. Donnerstag“).

    In a month's last week „monatlich“ is the last weekday; a start that is both the 4th and the
    last one also gets „monatlich am 4. …“.  ``custom``: also „eigene Regel“ (moderators, or a
    stored rule that no other kind gives).  Without a start date: the general labels of REPETITION_LABELS.
    """
    labels = dict(REPETITION_LABELS)
    if start is not None:
        nth, last = nth_weekday(start), is_last_weekday(start)
        words = {"weekday": weekday_name(start.weekday()), "nth": "letzten" if nth >= 4 and last else f"{nth}.",
                 "day": start.day, "month": month_name(start.month)}
        labels.update({kind: template.format(**words) for kind, template in LABEL_TEMPLATES.items()})
        if not (nth == 4 and last):
            del labels["monatlich-vierter"]
    if not custom:
        del labels["eigene"]
    return labels
