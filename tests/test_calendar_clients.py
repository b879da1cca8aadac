"""The served ICS feed read by calendar programs nobody here wrote: khal and calcurse."""

import os
import subprocess
from datetime import date, timedelta

import pytest
from test_calendar_feed import put_event

MEETING = dict(
    titel="Clienttest Netzwerktreffen",
    startdatum="14.01.2026",
    startzeit="14:00",
    endzeit="16:00",
    wiederholung="monatlich",  # every 2nd Wednesday
    ausfaelle=["11.03.2026"],
    verschiebungen=[{"datum": "2026-02-11", "start": "2026-02-12T10:00:00", "ende": "2026-02-12T12:00:00"}],
    kalender=["clienttest"],
)
ALL_DAY = date.today() + timedelta(days=60)  # inside the feed window whenever the test runs
KHAL_CONFIG = """[calendars]
[[pw]]
path = {path}
type = calendar
[locale]
timeformat = %H:%M
dateformat = %Y-%m-%d
longdateformat = %Y-%m-%d
datetimeformat = {datetimeformat}
longdatetimeformat = {datetimeformat}
local_timezone = Europe/Berlin
default_timezone = Europe/Berlin
"""


@pytest.fixture(scope="module")
def feed_file(wiki, tmp_path_factory):
    put_event(wiki, "Termine/Clienttest Netzwerktreffen", **MEETING)
    put_event(wiki, "Termine/Clienttest Jahrestreffen", titel="Clienttest Jahrestreffen", startdatum=ALL_DAY.isoformat(),
              enddatum=(ALL_DAY + timedelta(days=1)).isoformat(), ganztaegig="ja", kalender=["clienttest"])
    with wiki.test_client() as client:
        response = client.get("/+gaa/calendar/clienttest.ics")
    assert response.status_code == 200
    path = tmp_path_factory.mktemp("feed") / "clienttest.ics"
    path.write_bytes(response.get_data())
    return path


def run(args, env):
    result = subprocess.run(args, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout


def khal(feed_file, home, datetimeformat="%Y-%m-%d %H:%M"):
    """khal in Berlin with the feed imported into a fresh calendar under ``home``: runs `khal list FORMAT WINDOW…`."""
    (home / "cal").mkdir()
    config = home / "khal.conf"
    config.write_text(KHAL_CONFIG.format(path=home / "cal", datetimeformat=datetimeformat))
    env = dict(os.environ, HOME=str(home), XDG_DATA_HOME=str(home), TZ="Europe/Berlin")
    run(["khal", "-c", str(config), "import", "--batch", "-a", "pw", str(feed_file)], env)
    return lambda format, *window: run(["khal", "-c", str(config), "list", "--format", format, *window], env)


def calcurse(feed_file, home):
    """calcurse in Berlin with the feed imported (nothing skipped) into ``home``: runs `calcurse -Q ARGS…`."""
    env = dict(os.environ, TZ="Europe/Berlin", HOME=str(home))
    report = run(["calcurse", "-D", str(home), "-i", str(feed_file)], env)
    assert "0 skipped" in report
    return lambda *args: run(["calcurse", "-D", str(home), "-Q", *args], env)


def test_khal_shows_the_series_with_cancelled_and_moved_dates_across_dst(feed_file, tmp_path):
    khal_list = khal(feed_file, tmp_path)
    listing = khal_list("{start} {end} {title}", "2026-01-01", "2026-06-01")
    lines = [line for line in listing.splitlines() if "Clienttest Netzwerktreffen" in line]
    assert lines == [
        "2026-01-14 14:00 2026-01-14 16:00 Clienttest Netzwerktreffen",
        "2026-02-12 10:00 2026-02-12 12:00 Clienttest Netzwerktreffen",  # moved
        "2026-04-08 14:00 2026-04-08 16:00 Clienttest Netzwerktreffen",  # 11.03. cancelled; summer time
        "2026-05-13 14:00 2026-05-13 16:00 Clienttest Netzwerktreffen",
    ]
    window = [(ALL_DAY - timedelta(days=1)).isoformat(), (ALL_DAY + timedelta(days=4)).isoformat()]
    all_day = khal_list("{start} {end} {title}", *window)
    assert f"{ALL_DAY} {ALL_DAY + timedelta(days=1)} Clienttest Jahrestreffen" in all_day


def test_calcurse_imports_times_recurrence_and_cancellation(feed_file, tmp_path):
    agenda = calcurse(feed_file, tmp_path)("--from", "01/01/2026", "--days", "160")
    days = [block.split(":\n")[0] for block in agenda.strip().split("\n\n")]
    assert "01/14/26" in days and "04/08/26" in days and "05/13/26" in days
    assert "03/11/26" not in days  # EXDATE honoured
    assert "02/12/26:\n - 10:00 -> 12:00" in agenda  # the moved occurrence
    assert agenda.count(" - 14:00 -> 16:00") >= 3  # wall-clock time kept across the DST change
    # calcurse has no RECURRENCE-ID support: it keeps the original 11.02. next to the moved date
