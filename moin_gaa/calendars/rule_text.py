"""A series' RRULE in plain German: „jeden 2. Donnerstag im Monat, bis 30. Juni 2027“.

Every page that shows a series says its rule with :func:`rule_text` – the event card, the
calendar list, the event form.  It phrases what the form builds (weekly on weekdays, every n
weeks, monthly on the n-th or last weekday, monthly on a day, yearly) and the common rules of
imported calendars (daily, several days of the month, a weekday of a month each year); a rule it
cannot phrase comes back as „nach der Regel „FREQ=…““, never as a wrong sentence.

Words come from Babel's CLDR data (locale ``de``), like :mod:`moin_gaa.core.german_dates`.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timezone, tzinfo

from babel.dates import format_date, get_day_names, get_month_names

LOCALE = "de"
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
ORDINAL_DAY = re.compile(r"^([+-]?\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)$")
UNTIL = re.compile(r"^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})(Z?))?$")
# The parts this module phrases; a rule with any other part (BYSETPOS, BYWEEKNO, BYHOUR, …) is quoted.
PHRASED_PARTS = frozenset({"FREQ", "INTERVAL", "COUNT", "UNTIL", "BYDAY", "BYMONTH", "BYMONTHDAY", "WKST"})
RELATIVE = {-1: "letzten", -2: "vorletzten"}


class Unphrasable(ValueError):
    """A rule (or part of one) that this module does not put into words."""


def rule_text(rule: str, start: date | datetime, zone: tzinfo | None = None) -> str:
    """The rule of a series beginning at ``start`` in German, with its end.

    Parameters:
        rule: the RRULE value (``FREQ=MONTHLY;BYDAY=2TH;UNTIL=20270630T215959Z``)
        start: the series' first start; parts the rule leaves open (a weekly rule's day) come from it
        zone: the series' time zone; an UNTIL in UTC is shown as that zone's date

    Returns:
        „jeden 2. Donnerstag im Monat, bis 30. Juni 2027“, „wöchentlich montags und mittwochs,
        10 Termine“ – or „nach der Regel „…““ for a rule it cannot phrase.
    """
    try:
        parts = rule_parts(rule)
        return _repeat(parts, start) + _end(parts, zone)
    except (Unphrasable, ValueError, KeyError):
        return f"nach der Regel „{rule}“"


def rule_parts(rule: str) -> dict[str, str]:
    """``FREQ=WEEKLY;BYDAY=MO`` → ``{"FREQ": "WEEKLY", "BYDAY": "MO"}``; Unphrasable for parts not phrased here."""
    parts = {}
    for part in rule.split(";"):
        key, _, value = part.partition("=")
        if key not in PHRASED_PARTS or key in parts or not value:
            raise Unphrasable(key)
        parts[key] = value
    return parts


def weekday_name(index: int) -> str:
    """„Montag“ … „Sonntag“ (0 = Monday)."""
    return get_day_names("wide", locale=LOCALE)[index]


def weekday_adverb(index: int) -> str:
    """„montags“ … „sonntags“ (0 = Monday)."""
    return weekday_name(index).lower() + "s"


def month_name(month: int) -> str:
    """„Januar“ … „Dezember“."""
    return get_month_names("wide", locale=LOCALE)[month]


def long_day(value: date) -> str:
    """„30. Juni 2027“."""
    return format_date(value, "d. MMMM yyyy", locale=LOCALE)


def ordinal(n: int) -> str:
    """„2.“, „letzten“, „vorletzten“ – the n-th of a month (a weekday or a day)."""
    if n > 0:
        return f"{n}."
    if n in RELATIVE:
        return RELATIVE[n]
    raise Unphrasable(str(n))


def join(items: list[str]) -> str:
    """„a“, „a und b“, „a, b und c“."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " und " + items[-1]


def until_day(value: str, zone: tzinfo | None) -> date:
    """The last day of a series ending at UNTIL ``value``: a date, a floating time, or a UTC time in ``zone``."""
    m = UNTIL.match(value)
    if not m:
        raise Unphrasable(value)
    year, month, day_of_month = (int(g) for g in m.groups()[:3])
    if m.group(4) is None:
        return date(year, month, day_of_month)
    moment = datetime(year, month, day_of_month, *(int(g) for g in m.groups()[3:6]))
    if m.group(7) and zone is not None:
        return moment.replace(tzinfo=timezone.utc).astimezone(zone).date()
    return moment.date()


def _adverbs(codes: list[str]) -> str:
    """„montags und mittwochs“; three or more days in a row as „montags bis freitags“."""
    indices = sorted({WEEKDAYS.index(c) for c in codes})
    runs: list[list[int]] = []
    for index in indices:
        if runs and runs[-1][-1] == index - 1:
            runs[-1].append(index)
        else:
            runs.append([index])
    words = []
    for run in runs:
        if len(run) >= 3:
            words.append(f"{weekday_adverb(run[0])} bis {weekday_adverb(run[-1])}")
        else:
            words += [weekday_adverb(i) for i in run]
    return join(words)


def _plain_days(parts: dict[str, str], start: date) -> list[str]:
    """The weekdays of BYDAY (without ordinals), or the start's weekday."""
    if "BYDAY" not in parts:
        return [WEEKDAYS[start.weekday()]]
    codes = parts["BYDAY"].split(",")
    if any(not (m := ORDINAL_DAY.match(c)) or m.group(1) for c in codes):
        raise Unphrasable(parts["BYDAY"])
    return codes


def _nth_weekdays(value: str) -> str:
    """``2TH`` → „2. Donnerstag“, ``1MO,3MO`` → „1. und 3. Montag“, ``1MO,3WE`` → „1. Montag und 3. Mittwoch“."""
    items = []
    for code in value.split(","):
        m = ORDINAL_DAY.match(code)
        if not m or not m.group(1):
            raise Unphrasable(value)
        items.append((int(m.group(1)), WEEKDAYS.index(m.group(2))))
    if len({weekday for _n, weekday in items}) == 1:
        return f"{join([ordinal(n) for n, _w in items])} {weekday_name(items[0][1])}"
    return join([f"{ordinal(n)} {weekday_name(w)}" for n, w in items])


def _month_days(value: str) -> str:
    """``10`` → „10.“, ``1,15`` → „1. und 15.“, ``-1`` → „letzten Tag“."""
    words = []
    for item in value.split(","):
        n = int(item)
        if n == 0 or abs(n) > 31:
            raise Unphrasable(value)
        words.append(f"{ordinal(n)} Tag" if n < 0 else ordinal(n))
    return join(words)


def _every(interval: int, one: str, many: str) -> str:
    return one if interval == 1 else f"alle {interval} {many}"


def _repeat(parts: dict[str, str], start: date) -> str:
    freq = parts["FREQ"]
    interval = int(parts.get("INTERVAL", "1"))
    if interval < 1:
        raise Unphrasable(parts["INTERVAL"])
    by = {k for k in parts if k.startswith("BY")}
    if freq == "DAILY":
        if "BYMONTH" in by or "BYMONTHDAY" in by or ("BYDAY" in by and interval > 1):
            raise Unphrasable(freq)
        days = f" {_adverbs(_plain_days(parts, start))}" if "BYDAY" in by else ""
        return _every(interval, "täglich", "Tage") + days
    if freq == "WEEKLY":
        if by - {"BYDAY"}:
            raise Unphrasable(freq)
        return f"{_every(interval, 'wöchentlich', 'Wochen')} {_adverbs(_plain_days(parts, start))}"
    if freq == "MONTHLY":
        if by == {"BYDAY"}:
            days = _nth_weekdays(parts["BYDAY"])
            return f"jeden {days} im Monat" if interval == 1 else f"alle {interval} Monate am {days}"
        if by - {"BYMONTHDAY"}:
            raise Unphrasable(freq)
        days = _month_days(parts["BYMONTHDAY"]) if by else f"{start.day}."
        return f"{_every(interval, 'monatlich', 'Monate')} am {days}"
    if freq == "YEARLY":
        every = _every(interval, "jährlich", "Jahre")
        month = int(parts.get("BYMONTH", start.month))
        if not 1 <= month <= 12:
            raise Unphrasable(freq)
        if by <= {"BYMONTH", "BYMONTHDAY"}:
            days = _month_days(parts["BYMONTHDAY"]) if "BYMONTHDAY" in by else f"{start.day}."
            return f"{every} am {days} {month_name(month)}"
        if by == {"BYMONTH", "BYDAY"}:
            return f"{every} am {_nth_weekdays(parts['BYDAY'])} im {month_name(month)}"
    raise Unphrasable(freq)


def _end(parts: dict[str, str], zone: tzinfo | None) -> str:
    if "COUNT" in parts:
        count = int(parts["COUNT"])
        return f", {count} Termin" if count == 1 else f", {count} Termine"
    if "UNTIL" in parts:
        return f", bis {long_day(until_day(parts['UNTIL'], zone))}"
    return ""
