"""VTIMEZONE components as Google Calendar and Outlook export them: a zone's current rule as one DAYLIGHT
and one STANDARD observance with a yearly RRULE (``FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU``), DTSTART in 1970.

icalendar (7.x) has no such output: ``Timezone.from_tzinfo`` lists every change since 1970 as one long
multi-valued RDATE per observance, and Mozilla's ical.js (behind many web calendars) reads only the first
value of each RDATE – for it a whole zone stays on the offset of its 1980s changes.  So the rule is read
where zoneinfo reads it: the tzfile's footer, a POSIX TZ string such as ``CET-1CEST,M3.5.0,M10.5.0/3``.

Like Google's and Outlook's, such a VTIMEZONE claims the current rule since 1970; the zone's history before
it is not written (Europe/Berlin changed in September until 1995).  It is written only where it gives
zoneinfo's UTC offsets from a given year on (:func:`yearly_vtimezone`'s ``since``), also for the changes the
tzfile lists ahead (Morocco's Ramadan changes are listed up to 2087: no yearly rule).
"""

from __future__ import annotations

import os
import re
import struct
import zoneinfo
from bisect import bisect_right
from calendar import monthrange
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from importlib import resources

from icalendar import Timezone, TimezoneDaylight, TimezoneStandard, vRecur

RULE_START_YEAR = 1970  # DTSTART of the observances, as Google writes them
WEEKDAYS = ("SU", "MO", "TU", "WE", "TH", "FR", "SA")  # POSIX day numbers: 0 is Sunday
DAY = 86400
# std offset [dst [offset] ,start[/time],end[/time]]; names are letters or <quoted>; offsets count west of UTC
POSIX_TZ = re.compile(
    r"(?P<std><[^>]+>|[A-Za-z]{3,})(?P<std_offset>[+-]?\d{1,2}(?::\d\d){0,2})"
    r"(?:(?P<dst><[^>]+>|[A-Za-z]{3,})(?P<dst_offset>[+-]?\d{1,2}(?::\d\d){0,2})?,(?P<start>[^,]+),(?P<end>[^,]+))?"
)
# Mm.w.d[/time]: day d (0 = Sunday) of week w (5 = the last) of month m; time may leave the day (-167 … 167 h)
MONTH_RULE = re.compile(r"M(\d{1,2})\.([1-5])\.([0-6])(?:/([+-]?\d{1,3}(?::\d\d){0,2}))?")


@dataclass(frozen=True)
class Onset:
    """One yearly change: on ``weekday`` of ``week`` in ``month``, at ``seconds`` after that day's midnight
    in the local time before the change."""

    month: int
    week: int  # 1–4, 5 = the last
    weekday: int  # POSIX: 0 = Sunday
    seconds: int

    def local(self, year: int) -> datetime:
        first = 1 + (self.weekday - date(year, self.month, 1).isoweekday() % 7) % 7
        day = first + 7 * (self.week - 1)
        if day > monthrange(year, self.month)[1]:
            day -= 7
        return datetime(year, self.month, day) + timedelta(seconds=self.seconds)

    def rrule(self) -> vRecur | None:
        """The yearly RRULE, or None where none fits: a change that leaves its day (Jerusalem's
        ``M3.4.4/26``) is a weekday on seven days of the month, unless they run out of the month."""
        shift = self.seconds // DAY
        if not shift:
            week = -1 if self.week == 5 else self.week
            return vRecur(freq="YEARLY", bymonth=self.month, byday=f"{week}{WEEKDAYS[self.weekday]}")
        if self.week == 5 and self.month == 2:
            return None  # the last seven days of February move with leap years
        length = monthrange(2001, self.month)[1]  # not a leap year: February's 28 days are always there
        first = length - 6 + shift if self.week == 5 else 7 * self.week - 6 + shift
        if first < 1 or first + 6 > length:
            return None
        weekday = WEEKDAYS[(self.weekday + shift) % 7]
        return vRecur(freq="YEARLY", bymonth=self.month, byday=weekday, bymonthday=list(range(first, first + 7)))


@dataclass(frozen=True)
class Rule:
    """A POSIX TZ string: the standard offset and, for zones with summer time, the DST offset and both changes."""

    std_name: str
    std_offset: timedelta  # east of UTC, as in TZOFFSETTO
    dst_name: str | None = None
    dst_offset: timedelta | None = None
    start: Onset | None = None  # into DST, in standard time
    end: Onset | None = None  # back, in DST

    def changes(self, year: int) -> list[tuple[datetime, timedelta]]:
        """The year's changes as (UTC instant, offset from then on)."""
        if self.start is None:
            return []
        return [
            ((self.start.local(year) - self.std_offset).replace(tzinfo=timezone.utc), self.dst_offset),
            ((self.end.local(year) - self.dst_offset).replace(tzinfo=timezone.utc), self.std_offset),
        ]


def _seconds(text: str) -> int:
    sign = -1 if text.startswith("-") else 1
    parts = [int(part) for part in text.lstrip("+-").split(":")]
    return sign * sum(part * factor for part, factor in zip(parts, (3600, 60, 1)))


def _onset(text: str) -> Onset | None:
    found = MONTH_RULE.fullmatch(text)
    if not found:
        return None  # Jn and n (days of the year): no current zone uses them
    month, week, weekday, at = found.groups()
    return Onset(int(month), int(week), int(weekday), _seconds(at) if at else 2 * 3600)


def posix_rule(text: str) -> Rule | None:
    """The POSIX TZ string of a tzfile's footer, or None where it is not one of month-week-day changes."""
    found = POSIX_TZ.fullmatch(text)
    if not found:
        return None
    std_offset = timedelta(seconds=-_seconds(found["std_offset"]))
    std_name = found["std"].strip("<>")
    if not found["dst"]:
        return Rule(std_name, std_offset)
    start, end = _onset(found["start"]), _onset(found["end"])
    if start is None or end is None:
        return None
    dst_offset = std_offset + timedelta(hours=1)  # unless given
    if found["dst_offset"]:
        dst_offset = timedelta(seconds=-_seconds(found["dst_offset"]))
    return Rule(std_name, std_offset, found["dst"].strip("<>"), dst_offset, start, end)


def _zone_file(zone: str) -> bytes:
    """The tzfile zoneinfo reads: the first on zoneinfo.TZPATH, else the tzdata package's."""
    for directory in zoneinfo.TZPATH:
        path = os.path.join(directory, zone)
        if os.path.isfile(path):
            with open(path, "rb") as f:
                return f.read()
    return resources.files("tzdata").joinpath("zoneinfo", *zone.split("/")).read_bytes()


def tzfile(zone: str) -> tuple[list[int], str]:
    """A tzfile's (RFC 8536) listed changes (UTC seconds) and its footer (the POSIX TZ string after them)."""
    data = _zone_file(zone)
    if data[:4] != b"TZif" or data[4:5] < b"2":
        return [], ""  # version 1: no footer
    isut, isstd, leap, times, types, chars = struct.unpack(">6l", data[20:44])
    head = 44 + times * 5 + types * 6 + chars + leap * 8 + isstd + isut  # skip the 32-bit block
    isut, isstd, leap, times, types, chars = struct.unpack(">6l", data[head + 20 : head + 44])
    changes = struct.unpack(f">{times}q", data[head + 44 : head + 44 + 8 * times])
    footer = head + 44 + times * 9 + types * 6 + chars + leap * 12 + isstd + isut
    return list(changes), data[footer:].strip(b"\n").decode("ascii")


def gives_zoneinfos_offsets(zone: str, rule: Rule, listed: list[int], since: int) -> bool:
    """Whether ``rule`` gives the zone's UTC offsets from 1 January ``since`` (UTC) on: at every change of
    either – the rule's and those the tzfile lists, up to the year after its last – and a second before it.
    Both are constant in between, so that is everywhere."""
    info = zoneinfo.ZoneInfo(zone)
    first = datetime(since, 1, 1, tzinfo=timezone.utc)
    last_year = max(since, datetime.fromtimestamp(listed[-1], timezone.utc).year if listed else since) + 1
    changes = sorted(change for year in range(since - 1, last_year + 1) for change in rule.changes(year))
    moments = {first} | {moment for moment, _ in changes if moment >= first}
    moments |= {datetime.fromtimestamp(t, timezone.utc) for t in listed if t >= first.timestamp()}

    def offset(moment: datetime) -> timedelta:
        earlier = bisect_right(changes, moment, key=lambda change: change[0])
        return changes[earlier - 1][1] if earlier else rule.std_offset

    return all(
        moment.astimezone(info).utcoffset() == offset(moment)
        for moment in {m - timedelta(seconds=s) for m in moments for s in (0, 1)}
    )


def yearly_vtimezone(zone: str, since: int) -> Timezone | None:
    """The zone's VTIMEZONE with yearly RRULEs (a single STANDARD for a zone without summer time), or None
    where its current rule cannot be written so or does not give zoneinfo's offsets from ``since`` on."""
    listed, footer = tzfile(zone)
    rule = posix_rule(footer)
    if rule is None or not gives_zoneinfos_offsets(zone, rule, listed, since):
        return None
    vtimezone = Timezone()
    vtimezone.add("tzid", zone)
    vtimezone.add("x-lic-location", zone)
    if rule.start is None:
        start = datetime(RULE_START_YEAR, 1, 1)
        vtimezone.add_component(_observance(rule.std_name, rule.std_offset, rule.std_offset, start))
        return vtimezone
    changes = sorted([(rule.start, rule.std_offset, rule.dst_offset, rule.dst_name),
                      (rule.end, rule.dst_offset, rule.std_offset, rule.std_name)], key=lambda change: change[0].month)
    for onset, before, after, name in changes:
        recurrence = onset.rrule()
        if recurrence is None:
            return None
        vtimezone.add_component(_observance(name, before, after, onset.local(RULE_START_YEAR), recurrence))
    return vtimezone


def _observance(name: str, before: timedelta, after: timedelta, start: datetime, recurrence: vRecur | None = None):
    observance = TimezoneDaylight() if after > before else TimezoneStandard()  # the later clock is the summer's
    observance.add("tzoffsetfrom", before)
    observance.add("tzoffsetto", after)
    observance.add("tzname", name)
    observance.add("dtstart", start)
    if recurrence is not None:
        observance.add("rrule", recurrence)
    return observance
