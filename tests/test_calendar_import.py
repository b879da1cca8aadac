"""Importing .ics files: preview first, then a report; UID matching; refusals in German."""

import io
import re
from datetime import date, datetime, timedelta

import pytest
from conftest import CSRF_RE, MODERATOR, REGISTERED, login
from icalendar import Calendar

from moin_gaa.calendars.events import event_from_input
from moin_gaa.calendars.ics_import import UploadError, read_upload

NEXT_YEAR = date.today().year + 1


def ics(*events: str) -> bytes:
    body = "".join(f"BEGIN:VEVENT\r\n{e.strip()}\r\nEND:VEVENT\r\n" for e in events)
    return f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Test//DE\r\n{body}END:VCALENDAR\r\n".replace("\n", "\r\n").replace("\r\r", "\r").encode()


FILE = ics(
    f"UID:import-fachtag@example.org\nDTSTAMP:20260101T000000Z\nSUMMARY:Importierter Fachtag Übergänge\n"
    f"DTSTART;TZID=Europe/Berlin:{NEXT_YEAR}0610T093000\nDTEND;TZID=Europe/Berlin:{NEXT_YEAR}0610T160000\n"
    "LOCATION:Rathaus Dortmund\nORGANIZER;CN=Koordinierungsstelle NRW:mailto:ks@example.org",
    f"UID:import-ganztag@example.org\nDTSTAMP:20260101T000000Z\nSUMMARY:Importierter Aktionstag\n"
    f"DTSTART;VALUE=DATE:{NEXT_YEAR}0915\nDTEND;VALUE=DATE:{NEXT_YEAR}0917",
    # Google writes UNTIL in UTC; one date cancelled, one moved
    f"UID:import-reihe@example.org\nDTSTAMP:20260101T000000Z\nSUMMARY:Importierte Reihe\n"
    f"DTSTART;TZID=Europe/Berlin:{NEXT_YEAR}0105T100000\nDTEND;TZID=Europe/Berlin:{NEXT_YEAR}0105T110000\n"
    f"RRULE:FREQ=WEEKLY;UNTIL={NEXT_YEAR}0301T000000Z;BYDAY=TU\nEXDATE;TZID=Europe/Berlin:{NEXT_YEAR}0112T100000",
    f"UID:import-reihe@example.org\nDTSTAMP:20260101T000000Z\nSUMMARY:Importierte Reihe\n"
    f"RECURRENCE-ID;TZID=Europe/Berlin:{NEXT_YEAR}0119T100000\n"
    f"DTSTART;TZID=Europe/Berlin:{NEXT_YEAR}0120T150000\nDTEND;TZID=Europe/Berlin:{NEXT_YEAR}0120T160000",
    f"UID:import-kaputt@example.org\nDTSTAMP:20260101T000000Z\nSUMMARY:Rückwärts\n"
    f"DTSTART;TZID=Europe/Berlin:{NEXT_YEAR}0610T160000\nDTEND;TZID=Europe/Berlin:{NEXT_YEAR}0610T090000",
)


def check(data):
    return event_from_input(data, known_calendars=("alle", "nw"))


def test_read_upload_maps_ics_to_checked_events():
    found = {c.uid: c for c in read_upload(FILE, ("alle",), check)}
    fachtag = found["import-fachtag@example.org"].event
    assert (fachtag.start, fachtag.ende, fachtag.zeitzone) == (f"{NEXT_YEAR}-06-10T09:30:00", f"{NEXT_YEAR}-06-10T16:00:00", "Europe/Berlin")
    assert fachtag.ort == "Rathaus Dortmund" and fachtag.veranstalter == "Koordinierungsstelle NRW"
    ganztag = found["import-ganztag@example.org"].event
    assert ganztag.ganztaegig and (ganztag.start, ganztag.ende) == (f"{NEXT_YEAR}-09-15", f"{NEXT_YEAR}-09-16")
    reihe = found["import-reihe@example.org"].event
    assert reihe.rrule.startswith("FREQ=WEEKLY;UNTIL=") and reihe.ausfaelle == (f"{NEXT_YEAR}-01-12",)
    assert [(o.datum, o.start) for o in reihe.verschiebungen] == [(f"{NEXT_YEAR}-01-19", f"{NEXT_YEAR}-01-20T15:00:00")]
    assert found["import-kaputt@example.org"].errors == {"enddatum": "Das Ende liegt vor dem Beginn."}


@pytest.mark.parametrize(
    "data, message",
    [
        (b"%PDF-1.4 kein Kalender", "keine iCalendar-Datei"),
        ("Grüße".encode("latin-1"), "nicht als UTF-8-Text lesbar"),
        (b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n", "enthält keine Termine"),
        (b"BEGIN:VCALENDAR\r\n" + b"X" * (6 * 1024 * 1024), "zu groß"),
    ],
)
def test_unusable_uploads_are_refused_in_german(data, message):
    with pytest.raises(UploadError, match=message):
        read_upload(data, ("alle",), check)


def post_file(client, data: bytes, **fields):
    token = CSRF_RE.search(client.get("/+gaa/termine/import").get_data(as_text=True)).group(1)
    return client.post(
        "/+gaa/termine/import",
        data={"csrf_token": token, "kalender": ["alle", "nw"], "datei": (io.BytesIO(data), "termine.ics"), **fields},
        content_type="multipart/form-data",
    )


def test_moderators_preview_then_import_and_reimport_updates_by_uid(wiki, client):
    login(client, MODERATOR)
    preview = post_file(client, FILE)
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "Vorschau – noch ist nichts gespeichert" in page
    assert "wird neu angelegt: <strong>3</strong>" in page and "abgelehnt: <strong>1</strong>" in page
    assert "Das Ende liegt vor dem Beginn." in page
    assert client.get(f"/Termine/{NEXT_YEAR}-06-10 Importierter Fachtag Übergänge").status_code == 404  # nothing stored yet

    ics_text = re.search(r'<textarea name="ics"[^>]*>(.*?)</textarea>', page, re.S).group(1)
    token = CSRF_RE.search(page).group(1)
    confirm = {"csrf_token": token, "schritt": "importieren", "kalender": ["alle", "nw"], "ics": _unescape(ics_text)}
    report = client.post("/+gaa/termine/import", data=confirm).get_data(as_text=True)
    assert "Ergebnis des Imports" in report and "neu angelegt" in report
    feed = Calendar.from_ical(client.get("/+gaa/calendar/nw.ics").get_data())
    summaries = {str(e["SUMMARY"]) for e in feed.walk("VEVENT")}
    assert {"Importierter Fachtag Übergänge", "Importierter Aktionstag", "Importierte Reihe"} <= summaries
    assert "Rückwärts" not in summaries

    # the same file again: nothing changes; with a new time: the event is updated, not duplicated
    again = post_file(client, FILE).get_data(as_text=True)
    assert "unverändert: <strong>3</strong>" in again
    changed = FILE.replace(f"{NEXT_YEAR}0610T093000".encode(), f"{NEXT_YEAR}0610T100000".encode())
    preview = post_file(client, changed).get_data(as_text=True)
    assert "wird aktualisiert: <strong>1</strong>" in preview
    token = CSRF_RE.search(preview).group(1)
    client.post("/+gaa/termine/import", data={**confirm, "csrf_token": token, "ics": changed.decode()})
    fachtage = [e for e in Calendar.from_ical(client.get("/+gaa/calendar/nw.ics").get_data()).walk("VEVENT")
                if str(e["SUMMARY"]) == "Importierter Fachtag Übergänge"]
    assert len(fachtage) == 1 and fachtage[0]["DTSTART"].dt.replace(tzinfo=None) == datetime(NEXT_YEAR, 6, 10, 10, 0)
    assert int(fachtage[0]["SEQUENCE"]) == 2


def test_our_own_feed_reimported_updates_our_events(wiki, client):
    login(client, MODERATOR)
    token = CSRF_RE.search(client.get("/+gaa/termin/neu").get_data(as_text=True)).group(1)
    day = date.today() + timedelta(days=60)
    client.post("/+gaa/termin/neu", data={"titel": "Rundreise Termin", "startdatum": day.strftime("%d.%m.%Y"), "startzeit": "09:00",
                                          "endzeit": "10:00", "kalender": ["alle"], "csrf_token": token})
    own = client.get("/+gaa/calendar/alle.ics").get_data().replace(b"SUMMARY:Rundreise Termin", b"SUMMARY:Rundreise Termin neu")
    preview = post_file(client, own).get_data(as_text=True)
    assert "wird aktualisiert: <strong>1</strong>" in preview and "wird neu angelegt: <strong>0</strong>" in preview


def test_import_is_for_moderators_and_refuses_bad_files(wiki, client):
    assert client.get("/+gaa/termine/import").status_code == 302  # anonymous: to the login
    login(client, REGISTERED)
    assert client.get("/+gaa/termine/import").status_code == 403
    login(client, MODERATOR)
    response = post_file(client, b"Das ist kein Kalender.")
    assert response.status_code == 400 and "keine iCalendar-Datei" in response.get_data(as_text=True)
    huge = post_file(client, b"BEGIN:VCALENDAR\r\n" + b"X" * (50 * 1024 * 1024))
    assert huge.status_code == 413 and "Die Datei ist zu groß" in huge.get_data(as_text=True)
    lone = ics(f"UID:ohne-token@example.org\nDTSTAMP:20260101T000000Z\nSUMMARY:Ohne Token\nDTSTART;VALUE=DATE:{NEXT_YEAR}0401")
    without_token = client.post("/+gaa/termine/import", data={"schritt": "importieren", "kalender": ["alle"], "ics": lone.decode()})
    assert without_token.status_code == 400
    assert client.get(f"/Termine/{NEXT_YEAR}-04-01 Ohne Token").status_code == 404


def _unescape(text: str) -> str:
    import html

    return html.unescape(text)


def test_the_calendar_page_offers_import_to_moderators_only(wiki, client):
    from conftest import ADMIN, acting_as, save_page

    with acting_as(wiki, ADMIN):
        save_page("Kalender Importlink", "<<NetworkCalendar>>\n")
    assert "Termine eintragen können angemeldete Mitglieder." in client.get("/Kalender Importlink").get_data(as_text=True)
    login(client, REGISTERED)
    page = client.get("/Kalender Importlink").get_data(as_text=True)
    assert "/+gaa/termin/neu" in page and "/+gaa/termine/import" not in page
    login(client, MODERATOR)
    assert "/+gaa/termine/import" in client.get("/Kalender Importlink").get_data(as_text=True)
