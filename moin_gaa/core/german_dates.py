"""Dates and times as German readers write them („10.12.2026“, „14:00“), through Babel's CLDR data.

One place for what the instruments show and accept: :func:`day`, :func:`time_of`, :func:`day_time`
format with ``babel.dates`` in the locale ``de`` (independent of the visitor's language: the UI is
German); :func:`parse_day` reads TT.MM.JJJJ strictly (four-digit year, ASCII digits) or ISO
JJJJ-MM-TT.  Times are shown as they are (wall clock of an aware datetime, a naive one unchanged):
converting to a zone is the caller's decision.  Range checks (which years a field allows) stay with
the fields.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time

from babel.dates import format_date, format_datetime, format_time, get_day_names, parse_date

LOCALE = "de"
DAY = "dd.MM.yyyy"  # four year digits also before 1000 (strftime writes year 1 as „1“)
TIME = "HH:mm"
GERMAN_DAY = re.compile(r"\d{1,2}\.\d{1,2}\.\d{4}", re.ASCII)
SHOWN_INPUT = 20  # longer input is cut in the message


def day(value: date) -> str:
    """„10.12.2026“ (of a datetime: its date)."""
    return format_date(value, DAY, locale=LOCALE)


def time_of(value: datetime | time) -> str:
    """„14:00“ (24 hours, as the clock shows it)."""
    return format_time(value, TIME, locale=LOCALE)


def day_time(value: datetime) -> str:
    """„10.12.2026, 14:00“."""
    return format_datetime(value, f"{DAY}, {TIME}", locale=LOCALE)


def day_month(value: date) -> str:
    """„10.12.“ (a day in a chart of one season)."""
    return format_date(value, "dd.MM.", locale=LOCALE)


def month_year(value: date) -> str:
    """„Dezember 2026“ (the caption of a month)."""
    return format_date(value, "LLLL yyyy", locale=LOCALE)


def weekday_abbreviations() -> tuple[str, ...]:
    """„Mo“ … „So“, Monday first (the column heads of a month)."""
    names = get_day_names("abbreviated", context="stand-alone", locale=LOCALE)
    return tuple(names[weekday] for weekday in range(7))


def parse_day(raw: str) -> date:
    """A date typed as TT.MM.JJJJ (day and month with one or two digits, four-digit year) or JJJJ-MM-TT.

    Raises:
        ValueError: with the German message „„31.02.2026“ ist kein gültiges Datum (TT.MM.JJJJ).“
    """
    try:
        if GERMAN_DAY.fullmatch(raw):
            return parse_date(raw, locale=LOCALE)
        return date.fromisoformat(raw)
    except ValueError as e:
        shown = raw if len(raw) <= SHOWN_INPUT else raw[:SHOWN_INPUT] + "…"
        raise ValueError(f"„{shown}“ ist kein gültiges Datum (TT.MM.JJJJ).") from e
