"""The feed means the same in every client: independent parsers agree on the UTC instant of every occurrence.

Four readers nobody here wrote: icalendar with recurring-ical-events, khal, calcurse (Debian packages) and
Mozilla's ical.js through Node (tests/js, installed by `make test` with npm ci), which reads the feed's
VTIMEZONE itself – the reader behind web calendars such as FullCalendar's iCalendar plugin.  The feed: a weekly
and a monthly series in Europe/Berlin across the DST changes of March and October 2026 and March and October
2027, each with a cancelled (EXDATE) and a moved date (RECURRENCE-ID), and an all-day event.

ical.js is part of `make test`: a missing Node.js or ical.js is an error, never a silent skip.  Whoever cannot
run it says so: PARTNERWIKI_SKIP_ICALJS_TESTS=1 (the skips are then listed by -ra).
"""

import json
import os
import shutil
import subprocess
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo, available_timezones

import pytest
import recurring_ical_events
from icalendar import Calendar, Timezone
from test_calendar_clients import calcurse, khal

from moin_gaa.calendars.events import event_from_input
from moin_gaa.calendars.ics import FeedEvent, build_calendar
from moin_gaa.calendars.vtimezones import yearly_vtimezone

SKIP_VARIABLE = "PARTNERWIKI_SKIP_ICALJS_TESTS"
NODE = shutil.which("node") or "/usr/bin/node"
JS_DIR = Path(__file__).parent / "js"
STAMP = datetime(2026, 1, 1, tzinfo=timezone.utc)
FIRST, UNTIL = date(2026, 1, 1), date(2028, 1, 1)  # UNTIL exclusive
WEEKLY = {
    "titel": "Sprechstunde Frühe Hilfen",
    "startdatum": "03.03.2026",
    "startzeit": "09:30",
    "endzeit": "10:30",
    "wiederholung": "eigene",
    "rrule": "FREQ=WEEKLY;BYDAY=TU;UNTIL=20270427T073000Z",  # UNTIL in UTC, as Google writes it
    "ausfaelle": ["31.03.2026"],  # the first Tuesday of summer time
    "verschiebungen": [{"datum": "2026-10-27", "start": "2026-10-28T11:00:00", "ende": "2026-10-28T12:00:00"}],
}
MONTHLY = {
    "titel": "Netzwerktreffen",
    "startdatum": "14.01.2026",
    "startzeit": "14:00",
    "endzeit": "16:00",
    "wiederholung": "monatlich",  # every 2nd Wednesday
    "ausfaelle": ["14.04.2027"],
    # a winter date moved back into summer time
    "verschiebungen": [{"datum": "2026-11-11", "start": "2026-10-21T14:00:00", "ende": "2026-10-21T16:00:00"}],
}
ALL_DAY = {"titel": "Fachtag Gesundheit für alle", "startdatum": "25.10.2026", "ganztaegig": "ja"}  # clocks go back
MOVED_AWAY = {("Sprechstunde Frühe Hilfen", "2026-10-27T08:30Z"), ("Netzwerktreffen", "2026-11-11T13:00Z")}


def feed_bytes(*events: dict) -> bytes:
    items = [FeedEvent(event_from_input(data), f"agree{i}", 1, STAMP, f"http://localhost/Termine/{i}")
             for i, data in enumerate(events)]
    return build_calendar("alle", "PartnerWiki – Netzwerkkalender", items, stamp=STAMP)


def utc(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%MZ")


@pytest.fixture(scope="module")
def feed_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("agreement") / "feed.ics"
    path.write_bytes(feed_bytes(WEEKLY, MONTHLY, ALL_DAY))
    return path


def read_with_recurring_ical_events(path: Path) -> list[tuple[str, str]]:
    found = recurring_ical_events.of(Calendar.from_ical(path.read_bytes())).between(FIRST, UNTIL)
    starts = [(str(e["SUMMARY"]), e["DTSTART"].dt) for e in found]
    return sorted((summary, utc(s) if isinstance(s, datetime) else s.isoformat()) for summary, s in starts)


def read_with_khal(path: Path, home: Path) -> list[tuple[str, str]]:
    listing = khal(path, home, "%Y-%m-%dT%H:%M%z")("@{start}|{title}", str(FIRST), str(UNTIL - timedelta(days=1)))
    found = []
    for line in listing.splitlines():
        if line.startswith("@"):
            start, title = line[1:].split("|", 1)
            found.append((title, start if len(start) == 10 else utc(datetime.strptime(start, "%Y-%m-%dT%H:%M%z"))))
    return sorted(found)


def read_with_calcurse(path: Path, home: Path) -> list[tuple[str, str]]:
    """Appointments as seconds since the epoch, all-day events under their day."""
    timed, all_day = "@%(start:epoch)|%m\n", "@|%m\n"
    agenda = calcurse(path, home)("--from", FIRST.strftime("%m/%d/%Y"), "--days", str((UNTIL - FIRST).days),
                                  "--format-apt", timed, "--format-recur-apt", timed,
                                  "--format-event", all_day, "--format-recur-event", all_day)
    found, day = [], None
    for line in agenda.splitlines():
        if line.endswith(":") and not line.startswith("@"):
            day = datetime.strptime(line[:-1], "%m/%d/%y").date()
        elif line.startswith("@"):
            epoch, title = line[1:].split("|", 1)
            found.append((title, utc(datetime.fromtimestamp(int(epoch), timezone.utc)) if epoch else day.isoformat()))
    return sorted(found)


@pytest.fixture(scope="module")
def icaljs():
    """Reads an ICS file with ical.js (tests/js/occurrences.mjs): sorted (summary, UTC start or date)."""
    if os.environ.get(SKIP_VARIABLE) == "1":
        pytest.skip(f"ical.js tests skipped on request ({SKIP_VARIABLE}=1)")
    if not os.access(NODE, os.X_OK):
        pytest.fail(f"Node.js is missing ({NODE}): `make system-deps` installs it "
                    f"(or set {SKIP_VARIABLE}=1 to skip the ical.js tests knowingly).")
    if not (JS_DIR / "node_modules" / "ical.js").is_dir():
        pytest.fail(f"ical.js is missing in {JS_DIR}/node_modules: `make test` installs it (npm ci) "
                    f"(or set {SKIP_VARIABLE}=1 to skip the ical.js tests knowingly).")

    def read(path: Path, first: date = FIRST, until: date = UNTIL) -> list[tuple[str, str]]:
        result = subprocess.run([NODE, "occurrences.mjs", str(path), str(first), str(until)], cwd=JS_DIR,
                                capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr
        output = result.stdout
        starts = [(o["summary"], o["start"]) for o in json.loads(output)]
        return sorted((summary, start[:16] + "Z" if "T" in start else start) for summary, start in starts)

    return read


def test_four_clients_agree_on_every_occurrence_across_both_dst_changes(feed_file, icaljs, tmp_path):
    (tmp_path / "khal").mkdir()
    (tmp_path / "calcurse").mkdir()
    readings = {
        "icalendar + recurring-ical-events": read_with_recurring_ical_events(feed_file),
        "khal": read_with_khal(feed_file, tmp_path / "khal"),
        "ical.js": icaljs(feed_file),
    }
    calcurse = read_with_calcurse(feed_file, tmp_path / "calcurse")
    expected = readings["icalendar + recurring-ical-events"]
    # What the feed says, as a person in Berlin reads it: wall-clock times kept, the offset changing with DST.
    assert ("Netzwerktreffen", "2026-01-14T13:00Z") in expected and ("Netzwerktreffen", "2026-04-08T12:00Z") in expected
    assert ("Netzwerktreffen", "2026-10-21T12:00Z") in expected  # moved from 11.11. into summer time
    assert ("Sprechstunde Frühe Hilfen", "2026-03-24T08:30Z") in expected  # winter
    assert ("Sprechstunde Frühe Hilfen", "2026-04-07T07:30Z") in expected  # summer; 31.03. cancelled
    assert ("Sprechstunde Frühe Hilfen", "2026-10-28T10:00Z") in expected  # moved, winter again
    assert ("Sprechstunde Frühe Hilfen", "2027-04-27T07:30Z") == max(e for e in expected if e[0].startswith("Sprech"))
    cancelled = {("Sprechstunde Frühe Hilfen", "2026-03-31T07:30Z"), ("Netzwerktreffen", "2027-04-14T12:00Z")}
    assert not cancelled & set(expected)
    assert not MOVED_AWAY & set(expected)
    assert ("Fachtag Gesundheit für alle", "2026-10-25") in expected
    assert len(expected) == 60 + 23 + 1  # weekly 03.03.2026–27.04.2027 less one, monthly 24 less one, the Fachtag
    for parser, found in readings.items():
        assert found == expected, parser
    # calcurse has no RECURRENCE-ID support: it shows a moved date and the original one too (README)
    assert calcurse == sorted(expected + sorted(MOVED_AWAY))


def test_icaljs_reads_icalendars_rdate_vtimezone_an_hour_late_in_summer(feed_file, icaljs, tmp_path):
    """Why the feed writes yearly RRULEs: with icalendar's own VTIMEZONE (every change as one multi-valued
    RDATE) ical.js takes only the first change of each kind (1980/81) and keeps winter time for ever after:
    every summer date an hour late, and the weekly series loses its last date."""
    agreed = icaljs(feed_file)
    feed = feed_file.read_bytes()
    begin, end = feed.index(b"BEGIN:VTIMEZONE"), feed.index(b"END:VTIMEZONE\r\n") + len(b"END:VTIMEZONE\r\n")
    rdates = Timezone.from_tzid("Europe/Berlin").to_ical()
    assert b"RDATE:" in rdates and b"RDATE" not in feed
    old_style = tmp_path / "rdate.ics"
    old_style.write_bytes(feed[:begin] + rdates + feed[end:])
    berlin = ZoneInfo("Europe/Berlin")

    def an_hour_late_in_summer(occurrence: tuple[str, str]) -> tuple[str, str]:
        summary, start = occurrence
        if "T" not in start:
            return occurrence  # all-day
        moment = datetime.strptime(start, "%Y-%m-%dT%H:%MZ").replace(tzinfo=timezone.utc)
        return summary, utc(moment + moment.astimezone(berlin).dst())

    last_weekly = ("Sprechstunde Frühe Hilfen", "2027-04-27T07:30Z")  # UNTIL=…T073000Z: an hour late is too late
    assert last_weekly in agreed
    assert icaljs(old_style) == sorted(an_hour_late_in_summer(o) for o in agreed if o != last_weekly)


def test_icaljs_reads_every_zones_vtimezone_as_zoneinfo_does(icaljs, tmp_path):
    """One weekly Sunday-noon series per zone (the expert field's zones) through 2026: ical.js,
    reading only the feed's VTIMEZONEs, puts every date at zoneinfo's instant – except in the zones that
    fall back to icalendar's RDATE VTIMEZONE (no yearly rule), which are left out here."""
    zones = sorted(z for z in available_timezones() if yearly_vtimezone(z, STAMP.year - 1) is not None)
    assert {"Europe/Berlin", "America/New_York", "Australia/Sydney", "Asia/Jerusalem", "America/Nuuk"} <= set(zones)
    series = [{"titel": zone, "startdatum": "04.01.2026", "startzeit": "12:00", "endzeit": "13:00", "zeitzone": zone,
               "wiederholung": "eigene", "rrule": "FREQ=WEEKLY;BYDAY=SU;COUNT=53"} for zone in zones]
    path = tmp_path / "zones.ics"
    path.write_bytes(feed_bytes(*series))
    found = icaljs(path)
    sundays = [datetime(2026, 1, 4, 12) + timedelta(weeks=n) for n in range(53)]
    expected = sorted((zone, utc(sunday.replace(tzinfo=ZoneInfo(zone)))) for zone in zones for sunday in sundays)
    wrong = sorted(set(found) ^ set(expected))
    assert not wrong, f"{len(wrong)} dates differ, e.g. {wrong[:6]}"
