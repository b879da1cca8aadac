"""German dates through Babel: what the instruments show and accept, and the pages that show it."""

from datetime import date, datetime, time, timezone
from zoneinfo import ZoneInfo

import pytest

from moin_gaa.calendars.events import Override, event_from_input, parse_date
from moin_gaa.calendars.occurrences import Occurrence, when
from moin_gaa.core.german_dates import (
    day,
    day_month,
    day_time,
    month_year,
    parse_day,
    time_of,
    weekday_abbreviations,
)

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.mark.parametrize(
    "value, shown",
    [
        (date(2026, 12, 10), "10.12.2026"),
        (date(2026, 3, 1), "01.03.2026"),
        (date(1, 2, 3), "03.02.0001"),  # four year digits (strftime writes „1“)
        (datetime(2026, 12, 10, 23, 30, tzinfo=timezone.utc), "10.12.2026"),  # the datetime's own date
    ],
)
def test_day(value, shown):
    assert day(value) == shown


def test_times_are_shown_on_their_own_wall_clock():
    summer = datetime(2026, 7, 1, 9, 5, tzinfo=BERLIN)
    assert time_of(summer) == "09:05" and time_of(time(18, 0)) == "18:00"
    assert day_time(summer) == "01.07.2026, 09:05"
    assert day_time(datetime(2026, 12, 10, 14, 0)) == "10.12.2026, 14:00"  # naive: unchanged, not read as UTC


def test_month_captions_and_weekday_heads():
    assert month_year(date(2026, 3, 1)) == "März 2026"
    assert weekday_abbreviations() == ("Mo", "Di", "Mi", "Do", "Fr", "Sa", "So")


@pytest.mark.parametrize(
    "raw, parsed",
    [("10.12.2026", date(2026, 12, 10)), ("1.2.2026", date(2026, 2, 1)), ("2026-12-10", date(2026, 12, 10))],
)
def test_parse_day(raw, parsed):
    assert parse_day(raw) == parsed


@pytest.mark.parametrize(
    "raw",
    ["31.02.2026", "10.12.26", "10.12.02026", "10-12-2026", "١٠.١٢.٢٠٢٦", "10.12.2026 ", "", "x" * 30],
)
def test_parse_day_is_strict_and_german(raw):
    with pytest.raises(ValueError) as e:
        parse_day(raw)
    shown = raw if len(raw) <= 20 else raw[:20] + "…"
    assert str(e.value) == f"„{shown}“ ist kein gültiges Datum (TT.MM.JJJJ)."


def test_the_event_range_check_stays_with_the_event():
    assert parse_day("01.01.1899") == date(1899, 1, 1)
    with pytest.raises(ValueError, match="zwischen 1900 und 2200"):
        parse_date("01.01.1899")


def test_when_and_the_form_lines_of_an_event():
    timed = Occurrence(None, datetime(2026, 12, 10, 14, 0, tzinfo=BERLIN), datetime(2026, 12, 10, 16, 0, tzinfo=BERLIN))
    assert when(timed) == "Do, 10.12.2026, 14:00–16:00 Uhr"
    overnight = Occurrence(None, datetime(2026, 12, 10, 20, 0), datetime(2026, 12, 11, 2, 0))
    assert when(overnight) == "Do, 10.12.2026, 20:00 – Fr, 11.12.2026, 02:00 Uhr"
    assert when(Occurrence(None, date(2026, 12, 10), date(2026, 12, 11))) == "Do, 10.12.2026 – Fr, 11.12.2026 (ganztägig)"
    assert when(Occurrence(None, date(2026, 12, 10), date(2026, 12, 10))) == "Do, 10.12.2026 (ganztägig)"
    event = event_from_input(
        {"titel": "Reihe", "startdatum": "07.01.2026", "startzeit": "09:30", "endzeit": "11:00",
         "wiederholung": "woechentlich", "verschiebungen": "14.01.2026 -> 15.01.2026"}
    )
    assert event.verschiebungen == (Override("2026-01-14", "2026-01-15T09:30:00", "2026-01-15T11:00:00"),)


def test_day_month_for_a_season_chart():
    assert [day_month(date(2026, 12, 1)), day_month(date(2027, 1, 31))] == ["01.12.", "31.01."]
