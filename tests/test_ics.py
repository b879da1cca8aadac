"""Events and their ICS: checks, recurrence, and feeds that icalendar and recurring-ical-events read back."""

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo, available_timezones

import pytest
import recurring_ical_events
from icalendar import Calendar, Timezone

from moin_gaa.calendars.events import EventError, Override, event_from_input, monthly_by_weekday
from moin_gaa.calendars.ics import FeedEvent, build_calendar, plain_text, vtimezone
from moin_gaa.calendars.vtimezones import posix_rule, yearly_vtimezone

BERLIN = ZoneInfo("Europe/Berlin")
STAMP = datetime(2026, 11, 23, 12, 0, tzinfo=timezone.utc)

NETWORK_MEETING = {
    "titel": "Netzwerktreffen Frühe Hilfen – monatlicher Austausch der Koordinierungsstellen über Übergänge",
    "startdatum": "14.01.2026",  # the 2nd Wednesday
    "startzeit": "14:00",
    "endzeit": "16:00",
    "wiederholung": "monatlich",
    "ausfaelle": ["11.03.2026"],
    "ort": "Online (Videokonferenz)",
    "beschreibung": "== Tagesordnung ==\n'''Bitte''' vorher [[Termine/Agenda|die Agenda]] lesen. Grüße, Ä Ö Ü ß",
}


def feed(*events, sequence=3):
    items = [
        FeedEvent(e, f"item{i}", sequence, datetime(2026, 1, 1, tzinfo=timezone.utc), f"http://localhost/Termine/{i}")
        for i, e in enumerate(events)
    ]
    return build_calendar("alle", "PartnerWiki – Netzwerkkalender", items, stamp=STAMP)


def test_monthly_by_weekday_rules():
    assert monthly_by_weekday(date(2026, 1, 14)) == "FREQ=MONTHLY;BYDAY=2WE"
    assert monthly_by_weekday(date(2026, 1, 28)) == "FREQ=MONTHLY;BYDAY=-1WE"  # the last Wednesday


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"startdatum": "31.02.2026"}, "startdatum", "kein gültiges Datum"),
        ({"endzeit": "13:00", "wiederholung": ""}, "enddatum", "Das Ende liegt vor dem Beginn."),
        ({"zeitzone": "Europe/Atlantis"}, "zeitzone", "keine bekannte Zeitzone"),
        ({"wiederholung": "eigene", "rrule": "FREQ=SOMETIMES"}, "rrule", "ungültig"),
        ({"wiederholung": "eigene", "rrule": "<script>"}, "rrule", "keine gültige Wiederholungsregel"),
        ({"startzeit": "25:99"}, "startzeit", "keine gültige Uhrzeit"),
        ({"status": "vielleicht"}, "status", "kein Status"),
        ({"art": "party"}, "art", "keine Veranstaltungsart"),
        ({"verschiebungen": "12.02.2026 -> 13.02.2026"}, "verschiebungen", "Am 12.02.2026 findet die Reihe nicht statt"),
        ({"verschiebungen": "11.03.2026 -> 12.03.2026"}, "verschiebungen", "findet die Reihe nicht statt"),  # cancelled
        ({"verschiebungen": "11.02.2026 nach 12.02."}, "verschiebungen", "bitte als „TT.MM.JJJJ -> TT.MM.JJJJ HH:MM-HH:MM“"),
        ({"verschiebungen": "11.02.2026 -> 12.02.2026 16:00-15:00"}, "verschiebungen", "das Ende liegt vor dem Beginn"),
        ({"verschiebungen": "11.02.2026 -> 30.02.2026"}, "verschiebungen", "kein gültiges Datum"),
        ({"wiederholung": "", "verschiebungen": "11.02.2026 -> 12.02.2026"}, "verschiebungen", "Nur Termine mit Wiederholung"),
    ],
)
def test_bad_event_input(changes, field, message):
    with pytest.raises(EventError) as e:
        event_from_input({**NETWORK_MEETING, **changes})
    assert message in e.value.errors[field]


def test_feed_structure_and_text():
    event = event_from_input(NETWORK_MEETING)
    ics = feed(event)
    text = ics.decode()
    assert "BEGIN:VTIMEZONE" in text and "TZID:Europe/Berlin" in text
    assert "DTSTART;TZID=Europe/Berlin:20260114T140000" in text
    assert "DTSTAMP:20261123T120000Z" in text and "SEQUENCE:3" in text
    assert "RRULE:FREQ=MONTHLY;BYDAY=2WE" in text
    assert "EXDATE;TZID=Europe/Berlin:20260311T140000" in text
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n")), "lines are folded at 75 octets"
    description = str(Calendar.from_ical(ics).walk("VEVENT")[0]["DESCRIPTION"])
    assert "'''" not in description and "[[" not in description and "die Agenda lesen" in description
    assert "Ä Ö Ü ß" in description and description.endswith("http://localhost/Termine/0")


def test_occurrences_across_the_dst_change_keep_their_wall_clock_time():
    event = event_from_input(NETWORK_MEETING)
    cal = Calendar.from_ical(feed(event))
    starts = [e["DTSTART"].dt for e in recurring_ical_events.of(cal).between(date(2026, 1, 1), date(2026, 6, 1))]
    assert [s.date() for s in starts] == [date(2026, 1, 14), date(2026, 2, 11), date(2026, 4, 8), date(2026, 5, 13)]
    assert {(s.hour, s.minute) for s in starts} == {(14, 0)}  # 11.03. cancelled; summer time from 29.03.
    assert {s.utcoffset().total_seconds() / 3600 for s in starts} == {1.0, 2.0}


def test_a_moved_occurrence_replaces_the_original():
    event = event_from_input(
        {**NETWORK_MEETING, "verschiebungen": [{"datum": "2026-02-11", "start": "2026-02-12T10:00:00", "ende": "2026-02-12T12:00:00"}]}
    )
    assert event.verschiebungen == (Override("2026-02-11", "2026-02-12T10:00:00", "2026-02-12T12:00:00"),)
    cal = Calendar.from_ical(feed(event))
    starts = [e["DTSTART"].dt for e in recurring_ical_events.of(cal).between(date(2026, 2, 1), date(2026, 3, 1))]
    assert starts == [datetime(2026, 2, 12, 10, 0, tzinfo=BERLIN)]


def test_moved_dates_from_form_lines_round_trip():
    lines = "11.02.2026 -> 12.02.2026 10:00-12:00\n\n13.05.2026 → 20.05.2026"
    event = event_from_input({**NETWORK_MEETING, "verschiebungen": lines})
    assert event.verschiebungen == (
        Override("2026-02-11", "2026-02-12T10:00:00", "2026-02-12T12:00:00"),
        Override("2026-05-13", "2026-05-20T14:00:00", "2026-05-20T16:00:00"),  # without times: the series' times
    )
    stored = event.fields()["verschiebungen"]  # the overrides as stored read back unchanged
    assert event_from_input({**NETWORK_MEETING, "verschiebungen": stored}) == event


def test_all_day_and_cancelled_events():
    event = event_from_input(
        {"titel": "9. Kooperationstreffen", "startdatum": "30.11.2011", "ganztaegig": "ja", "status": "abgesagt",
         "ort": "Kalkscheune, Johannisstraße 2, 10117 Berlin"}
    )
    text = feed(event).decode()
    assert "DTSTART;VALUE=DATE:20111130" in text and "DTEND;VALUE=DATE:20111201" in text
    assert "STATUS:CANCELLED" in text
    assert "LOCATION:Kalkscheune\\, Johannisstraße 2\\, 10117 Berlin" in text


@pytest.mark.parametrize(
    "markup, text",
    [
        ("= Titel =\n[[Seite|Text]] und <<ToolCard>> '''fett'''", "Titel\n\nText und fett"),
        ("Ein [[https://example.org|Link]], [[Seite]] und ~-klein-~\n * eins\n * zwei\n\nDanach",
         "Ein Link, Seite und klein\n\neins\nzwei\n\nDanach"),
        ("|| Zeit || Thema ||\n|| 14:00 || Begrüßung ||\n{{plan.png|Lageplan}}",
         "Zeit Thema\n14:00 Begrüßung\n\nLageplan"),
        ("{{{\n'''wörtlich'''\n}}}\n<<TableOfContents>>", "'''wörtlich'''"),
        ("a < b & c", "a < b & c"),
    ],
)
def test_plain_text_is_moins_reading_of_the_markup(markup, text):
    assert plain_text(markup) == text


def test_occurrences_in_a_window():
    from moin_gaa.calendars.occurrences import occurrences

    event = event_from_input(
        {**NETWORK_MEETING, "verschiebungen": [{"datum": "2026-02-11", "start": "2026-02-12T10:00:00", "ende": "2026-02-12T12:00:00"}]}
    )
    found = occurrences(event, date(2026, 1, 1), date(2026, 4, 30))
    assert [(o.start.date(), o.start.hour, o.moved) for o in found] == [
        (date(2026, 1, 14), 14, False),
        (date(2026, 2, 12), 10, True),
        (date(2026, 4, 8), 14, False),
    ]
    single = event_from_input({"titel": "Einmalig", "startdatum": "05.03.2013", "ganztaegig": "ja"})
    assert [o.start for o in occurrences(single, date(2013, 1, 1), date(2013, 12, 31))] == [date(2013, 3, 5)]
    assert occurrences(single, date(2014, 1, 1), date(2014, 12, 31)) == []


def test_an_occurrence_moved_into_the_window_from_outside_is_shown():
    from moin_gaa.calendars.occurrences import occurrences

    moved = {"datum": "2026-03-11", "start": "2026-04-01T10:00:00", "ende": "2026-04-01T12:00:00"}
    event = event_from_input({**NETWORK_MEETING, "ausfaelle": [], "verschiebungen": [moved]})
    april = occurrences(event, date(2026, 4, 1), date(2026, 4, 30))
    assert [(o.start, o.moved) for o in april] == [
        (datetime(2026, 4, 1, 10, 0, tzinfo=BERLIN), True),
        (datetime(2026, 4, 8, 14, 0, tzinfo=BERLIN), False),
    ]
    assert [o.start.date() for o in occurrences(event, date(2026, 3, 1), date(2026, 3, 31))] == []


def test_all_day_series_keep_their_inclusive_end():
    from moin_gaa.calendars.occurrences import occurrences

    event = event_from_input({"titel": "Zwei Tage", "startdatum": "05.01.2026", "enddatum": "06.01.2026",
                              "ganztaegig": "ja", "wiederholung": "woechentlich", "ausfaelle": ["12.01.2026"]})
    found = occurrences(event, date(2026, 1, 6), date(2026, 1, 31))
    assert [(o.start, o.end) for o in found] == [
        (date(2026, 1, 19), date(2026, 1, 20)), (date(2026, 1, 26), date(2026, 1, 27))
    ]  # 05.01. began before the window, 12.01. is cancelled


BERLIN_VTIMEZONE = (
    "BEGIN:VTIMEZONE\r\nTZID:Europe/Berlin\r\nX-LIC-LOCATION:Europe/Berlin\r\n"
    "BEGIN:DAYLIGHT\r\nDTSTART:19700329T020000\r\nRRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3\r\nTZNAME:CEST\r\n"
    "TZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\nEND:DAYLIGHT\r\n"
    "BEGIN:STANDARD\r\nDTSTART:19701025T030000\r\nRRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10\r\nTZNAME:CET\r\n"
    "TZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n"
)


def test_vtimezone_is_written_as_google_and_outlook_export_it():
    """Yearly RRULEs, no RDATE lists: ical.js reads only the first value of each RDATE (test_calendar_agreement)."""
    text = feed(event_from_input(NETWORK_MEETING)).decode()
    assert BERLIN_VTIMEZONE in text and text.count("BEGIN:VTIMEZONE") == 1
    assert "RDATE" not in text


@pytest.mark.parametrize(
    "footer, std, dst, start_rule, end_rule",
    [
        ("CET-1CEST,M3.5.0,M10.5.0/3", ("CET", 1), ("CEST", 2), "FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3",
         "FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10"),
        ("EST5EDT,M3.2.0,M11.1.0", ("EST", -5), ("EDT", -4), "FREQ=YEARLY;BYDAY=2SU;BYMONTH=3",
         "FREQ=YEARLY;BYDAY=1SU;BYMONTH=11"),  # DST an hour ahead unless given
        ("AEST-10AEDT,M10.1.0,M4.1.0/3", ("AEST", 10), ("AEDT", 11), "FREQ=YEARLY;BYDAY=1SU;BYMONTH=10",
         "FREQ=YEARLY;BYDAY=1SU;BYMONTH=4"),
        # the Friday before the last Sunday (a Thursday's 26th hour): a weekday on seven days of the month
        ("IST-2IDT,M3.4.4/26,M10.5.0", ("IST", 2), ("IDT", 3),
         "FREQ=YEARLY;BYDAY=FR;BYMONTHDAY=23,24,25,26,27,28,29;BYMONTH=3", "FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10"),
        ("<-02>2<-01>,M3.5.0/-1,M10.5.0/0", ("-02", -2), ("-01", -1),
         "FREQ=YEARLY;BYDAY=SA;BYMONTHDAY=24,25,26,27,28,29,30;BYMONTH=3", "FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10"),
        # the day after the last Thursday of October may be 1 November: no yearly RRULE
        ("EET-2EEST,M4.5.5/0,M10.5.4/24", ("EET", 2), ("EEST", 3), "FREQ=YEARLY;BYDAY=-1FR;BYMONTH=4", None),
        ("<+03>-3", ("+03", 3), None, None, None),
    ],
)
def test_posix_tz_strings_as_yearly_rules(footer, std, dst, start_rule, end_rule):
    rule = posix_rule(footer)
    assert (rule.std_name, rule.std_offset) == (std[0], timedelta(hours=std[1]))
    if dst is None:
        assert rule.start is None and rule.changes(2026) == []
        return
    assert (rule.dst_name, rule.dst_offset) == (dst[0], timedelta(hours=dst[1]))
    assert rule.start.rrule().to_ical().decode() == start_rule
    assert (rule.end.rrule() and rule.end.rrule().to_ical().decode()) == end_rule


@pytest.mark.parametrize("footer", ["", "EST5EDT,0/0,J365/25", "<+0330>-3:30<+0430>,J79/24,J263/24", "nonsense"])
def test_tz_strings_without_month_week_day_rules_are_not_rules(footer):
    assert posix_rule(footer) is None


def test_every_zone_gets_a_vtimezone_with_zoneinfos_offsets():
    """Every zone the expert field accepts, read back by icalendar from the VTIMEZONE alone (``to_tz``),
    has zoneinfo's offset at noon UTC of every day of 2026 – yearly RRULEs or the RDATE fallback."""
    zones = sorted(available_timezones())
    fallbacks = [zone for zone in zones if yearly_vtimezone(zone, 2025) is None]
    assert len(fallbacks) < 20 and "Africa/Casablanca" in fallbacks  # Ramadan changes listed up to 2087
    assert not {"Europe/Berlin", "America/New_York", "Australia/Sydney", "Asia/Jerusalem", "UTC"} & set(fallbacks)
    noons = [datetime(2026, 1, 1, 12, tzinfo=timezone.utc) + timedelta(days=n) for n in range(365)]
    wrong = []
    for zone in zones:
        written = vtimezone(zone, 2025).to_ical()
        assert (b"RDATE" in written) == (zone in fallbacks), zone
        read, info = Timezone.from_ical(written).to_tz(), ZoneInfo(zone)
        wrong += [(zone, n) for n in noons if n.astimezone(read).utcoffset() != n.astimezone(info).utcoffset()]
    assert not wrong, wrong[:5]


def test_a_zone_whose_rule_changed_within_the_feeds_past_falls_back_to_rdates():
    """Mexico City ended DST in October 2022: from 2023 on its VTIMEZONE is one STANDARD; a feed that still
    reaches back into 2022 gets icalendar's RDATE VTIMEZONE, which knows the old changes."""
    assert yearly_vtimezone("America/Mexico_City", 2022) is None
    assert yearly_vtimezone("America/Mexico_City", 2023).to_ical().decode().count("BEGIN:STANDARD") == 1
    event = event_from_input({**NETWORK_MEETING, "zeitzone": "America/Mexico_City"})
    item = FeedEvent(event, "mexico", 1, STAMP, "http://localhost/Termine/mexico")
    assert b"RDATE" in build_calendar("alle", "t", [item], stamp=datetime(2023, 6, 1, tzinfo=timezone.utc))
    assert b"RDATE" not in build_calendar("alle", "t", [item], stamp=datetime(2024, 6, 1, tzinfo=timezone.utc))
