"""A series' rule in plain German (calendars/rule_text) and the form's repetition in words ↔ RRULE
(calendars/recurrence): what every page says, what the form builds, and what it reads back for editing."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from dateutil.rrule import rrulestr
from icalendar import vRecur

from moin_gaa.calendars.recurrence import (
    Repetition,
    build_rule,
    monthly_by_weekday,
    repetition_labels,
    repetition_of,
)
from moin_gaa.calendars.rule_text import rule_text

BERLIN = ZoneInfo("Europe/Berlin")
THURSDAY = datetime(2026, 12, 10, 14, 0)  # the 2nd Thursday of December 2026


@pytest.mark.parametrize(
    "rule, text",
    [
        # what the form builds
        ("FREQ=MONTHLY;BYDAY=2TH;UNTIL=20270630T215959Z", "jeden 2. Donnerstag im Monat, bis 30. Juni 2027"),
        ("FREQ=WEEKLY;BYDAY=MO,WE;COUNT=10", "wöchentlich montags und mittwochs, 10 Termine"),
        ("FREQ=WEEKLY;BYDAY=TH", "wöchentlich donnerstags"),
        ("FREQ=WEEKLY;INTERVAL=2;BYDAY=TU", "alle 2 Wochen dienstags"),
        ("FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", "wöchentlich montags bis freitags"),
        ("FREQ=WEEKLY;BYDAY=MO,TU,WE,FR,SU", "wöchentlich montags bis mittwochs, freitags und sonntags"),
        ("FREQ=MONTHLY;BYDAY=-1FR", "jeden letzten Freitag im Monat"),
        ("FREQ=MONTHLY;BYDAY=4TH;COUNT=1", "jeden 4. Donnerstag im Monat, 1 Termin"),
        ("FREQ=MONTHLY;BYMONTHDAY=10", "monatlich am 10."),
        ("FREQ=YEARLY", "jährlich am 10. Dezember"),
        ("FREQ=YEARLY;UNTIL=20301210", "jährlich am 10. Dezember, bis 10. Dezember 2030"),
        # what imported calendars bring
        ("FREQ=WEEKLY", "wöchentlich donnerstags"),  # the day of the start
        ("FREQ=WEEKLY;WKST=SU;BYDAY=SA,SU", "wöchentlich samstags und sonntags"),
        ("FREQ=MONTHLY", "monatlich am 10."),
        ("FREQ=MONTHLY;INTERVAL=3;BYDAY=2TH", "alle 3 Monate am 2. Donnerstag"),
        ("FREQ=MONTHLY;BYDAY=1MO,3MO", "jeden 1. und 3. Montag im Monat"),
        ("FREQ=MONTHLY;BYDAY=1MO,-1WE", "jeden 1. Montag und letzten Mittwoch im Monat"),
        ("FREQ=MONTHLY;BYDAY=-2FR", "jeden vorletzten Freitag im Monat"),
        ("FREQ=MONTHLY;BYMONTHDAY=1,15", "monatlich am 1. und 15."),
        ("FREQ=MONTHLY;BYMONTHDAY=-1", "monatlich am letzten Tag"),
        ("FREQ=MONTHLY;INTERVAL=2;BYMONTHDAY=5", "alle 2 Monate am 5."),
        ("FREQ=YEARLY;INTERVAL=2", "alle 2 Jahre am 10. Dezember"),
        ("FREQ=YEARLY;BYMONTH=3;BYMONTHDAY=21", "jährlich am 21. März"),
        ("FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU", "jährlich am letzten Sonntag im März"),
        ("FREQ=DAILY", "täglich"),
        ("FREQ=DAILY;INTERVAL=3;COUNT=4", "alle 3 Tage, 4 Termine"),
        ("FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR", "täglich montags bis freitags"),
        # UNTIL as Google and Outlook write it (UTC), as a floating time and as a date
        ("FREQ=WEEKLY;BYDAY=TH;UNTIL=20270101T225959Z", "wöchentlich donnerstags, bis 1. Januar 2027"),
        ("FREQ=WEEKLY;BYDAY=TH;UNTIL=20261231T230000Z", "wöchentlich donnerstags, bis 1. Januar 2027"),  # 00:00 Berlin
        ("FREQ=WEEKLY;BYDAY=TH;UNTIL=20270101T100000", "wöchentlich donnerstags, bis 1. Januar 2027"),
    ],
)
def test_rules_in_plain_german(rule, text):
    assert rule_text(rule, THURSDAY, BERLIN) == text


@pytest.mark.parametrize(
    "rule",
    [
        "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1",  # the last working day: not phrased
        "FREQ=MONTHLY;BYDAY=TH",  # every Thursday, monthly
        "FREQ=MONTHLY;BYDAY=-3FR",
        "FREQ=YEARLY;BYMONTH=3,9",
        "FREQ=WEEKLY;BYMONTH=3",
        "FREQ=DAILY;INTERVAL=2;BYDAY=MO",
        "FREQ=HOURLY",
        "FREQ=WEEKLY;BYDAY=XX",
        "FREQ=WEEKLY;BYDAY=TH;BYDAY=FR",
        "FREQ=WEEKLY;UNTIL=morgen",
        "FREQ=MONTHLY;BYMONTHDAY=0",
        "",
    ],
)
def test_rules_it_cannot_phrase_are_quoted_not_guessed(rule):
    assert rule_text(rule, THURSDAY, BERLIN) == f"nach der Regel „{rule}“"


@pytest.mark.parametrize(
    "repetition, start, rule",
    [
        (Repetition("woechentlich"), date(2026, 12, 10), "FREQ=WEEKLY;BYDAY=TH"),
        (Repetition("woechentlich", ("WE", "MO"), 2, count=10), date(2026, 12, 7),
         "FREQ=WEEKLY;COUNT=10;INTERVAL=2;BYDAY=MO,WE"),
        (Repetition("monatlich", until=date(2027, 6, 30)), date(2026, 12, 10),
         "FREQ=MONTHLY;UNTIL=20270630T215959Z;BYDAY=2TH"),  # the end of 30 June in Berlin (summer time), in UTC
        (Repetition("monatlich", until=date(2027, 1, 14)), date(2026, 12, 10),
         "FREQ=MONTHLY;UNTIL=20270114T225959Z;BYDAY=2TH"),  # winter time
        (Repetition("monatlich"), date(2026, 12, 24), "FREQ=MONTHLY;BYDAY=4TH"),
        (Repetition("monatlich"), date(2026, 12, 31), "FREQ=MONTHLY;BYDAY=-1TH"),  # the 5th is the last
        (Repetition("monatlich"), date(2026, 1, 28), "FREQ=MONTHLY;BYDAY=-1WE"),  # the 4th, and the last
        (Repetition("monatlich-vierter"), date(2026, 1, 28), "FREQ=MONTHLY;BYDAY=4WE"),
        (Repetition("monatstag", count=3), date(2026, 12, 10), "FREQ=MONTHLY;COUNT=3;BYMONTHDAY=10"),
        (Repetition("jaehrlich"), date(2026, 12, 10), "FREQ=YEARLY"),
        (Repetition(""), date(2026, 12, 10), ""),
    ],
)
def test_the_form_builds_the_rule_and_reads_it_back(repetition, start, rule):
    """… in the order icalendar writes a rule, so that our own feed imported again is the same rule."""
    assert build_rule(repetition, start, all_day=False, zone="Europe/Berlin") == rule
    if rule:
        assert vRecur.from_ical(rule).to_ical().decode() == rule
        again = repetition_of(rule, start, all_day=False, zone="Europe/Berlin")
        assert build_rule(again, start, all_day=False, zone="Europe/Berlin") == rule


def test_a_rule_in_another_order_is_read_as_the_same_words():
    rule = "FREQ=WEEKLY;BYDAY=TH;UNTIL=20270101T225959Z"
    assert repetition_of(rule, date(2026, 12, 10), all_day=False, zone="Europe/Berlin") == Repetition(
        "woechentlich", ("TH",), until=date(2027, 1, 1))


def test_an_all_day_series_ends_on_a_date():
    rule = build_rule(Repetition("woechentlich", until=date(2027, 3, 4)), date(2027, 1, 7), all_day=True,
                      zone="Europe/Berlin")
    assert rule == "FREQ=WEEKLY;UNTIL=20270304;BYDAY=TH"
    assert rule_text(rule, date(2027, 1, 7)) == "wöchentlich donnerstags, bis 4. März 2027"


def test_the_last_date_of_a_series_ending_on_a_day_is_that_day():
    start = datetime(2026, 12, 10, 14, 0, tzinfo=BERLIN)
    rule = build_rule(Repetition("monatlich", until=date(2027, 6, 10)), start.date(), all_day=False,
                      zone="Europe/Berlin")
    dates = list(rrulestr(rule, dtstart=start))
    assert dates[-1] == datetime(2027, 6, 10, 14, 0, tzinfo=BERLIN) and len(dates) == 7


@pytest.mark.parametrize(
    "rule",
    [
        "FREQ=WEEKLY",  # no BYDAY: the form would write one
        "FREQ=WEEKLY;BYDAY=TH;UNTIL=20270101T120000Z",  # an UNTIL that is not the end of a day
        "FREQ=MONTHLY;BYDAY=3TH",  # not the start's weekday in the month
        "FREQ=DAILY",
        "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1",
    ],
)
def test_a_rule_the_form_cannot_build_stays_an_own_rule(rule):
    """Editing must never change a series unasked: only a rule built again exactly is shown in words."""
    assert repetition_of(rule, date(2026, 12, 10), all_day=False, zone="Europe/Berlin") == Repetition("eigene")


def test_the_choices_are_named_after_the_start_date():
    """Regression: the hint said „jeden 2. Mittwoch“ for a Thursday series."""
    assert repetition_labels(date(2026, 12, 10), custom=False) == {
        "": "einmalig",
        "woechentlich": "wöchentlich an Wochentagen",
        "monatlich": "monatlich am 2. Donnerstag",
        "monatstag": "monatlich am 10.",
        "jaehrlich": "jährlich am 10. Dezember",
    }
    last_friday = repetition_labels(date(2026, 12, 25), custom=True)
    assert last_friday["monatlich"] == "monatlich am letzten Freitag" and "monatlich-vierter" in last_friday
    assert last_friday["monatlich-vierter"] == "monatlich am 4. Freitag" and "eigene" in last_friday
    assert "monatlich-vierter" not in repetition_labels(date(2026, 12, 31), custom=False)  # the 5th: only „letzten“
    assert repetition_labels(None, custom=False)["monatlich"].startswith("monatlich am Wochentag des Beginns")


def test_monthly_by_weekday_stays_the_events_rule():
    assert monthly_by_weekday(date(2026, 1, 14)) == "FREQ=MONTHLY;BYDAY=2WE"
    assert monthly_by_weekday(date(2026, 1, 28)) == "FREQ=MONTHLY;BYDAY=-1WE"
