"""The ICS feed through HTTP: content, SEQUENCE, 304s, broken events, read rights."""

from datetime import date, timedelta

from icalendar import Calendar

from conftest import ADMIN, MODERATOR, acting_as, login, save_page
from moin_gaa.events import event_from_input


SOON = date.today() + timedelta(days=20)  # dates inside the feed window whenever the tests run


def day(offset: int = 0) -> str:
    return (SOON + timedelta(days=offset)).isoformat()


def put_event(wiki, name, **data):
    event = event_from_input({"startzeit": "10:00", "endzeit": "12:00", **data})
    with acting_as(wiki, ADMIN):
        save_page(name, "Termin", gaa_type="termin", gaa_fields=event.fields())


def events_in(response):
    return {str(e["SUMMARY"]): e for e in Calendar.from_ical(response.get_data()).walk("VEVENT")}


def test_feed_serves_events_with_stable_uid_and_rising_sequence(wiki, client):
    put_event(wiki, "Termine/Feedtest Treffen", titel="Feedtest Treffen", startdatum=day(), kalender=["feedtest"])
    response = client.get("/+gaa/calendar/feedtest.ics")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    first = events_in(response)["Feedtest Treffen"]
    assert str(first["UID"]).endswith("@partnerwiki") and str(first["URL"]).endswith("/Termine/Feedtest%20Treffen")
    put_event(wiki, "Termine/Feedtest Treffen", titel="Feedtest Treffen", startdatum=day(1), kalender=["feedtest"])
    second = events_in(client.get("/+gaa/calendar/feedtest.ics"))["Feedtest Treffen"]
    assert str(second["UID"]) == str(first["UID"]) and int(second["SEQUENCE"]) == int(first["SEQUENCE"]) + 1


def test_conditional_requests_get_304(wiki, client):
    put_event(wiki, "Termine/Etag Treffen", titel="Etag Treffen", startdatum=day(), kalender=["etagtest"])
    response = client.get("/+gaa/calendar/etagtest.ics")
    etag, modified = response.headers["ETag"], response.headers["Last-Modified"]
    assert client.get("/+gaa/calendar/etagtest.ics", headers={"If-None-Match": etag}).status_code == 304
    assert client.get("/+gaa/calendar/etagtest.ics", headers={"If-Modified-Since": modified}).status_code == 304
    put_event(wiki, "Termine/Etag Treffen", titel="Etag Treffen", startdatum=day(2), kalender=["etagtest"])
    assert client.get("/+gaa/calendar/etagtest.ics", headers={"If-None-Match": etag}).status_code == 200


def test_a_broken_event_is_left_out_and_logged(wiki, client, caplog):
    put_event(wiki, "Termine/Heil", titel="Heil", startdatum=day(), kalender=["bruchtest"])
    with acting_as(wiki, ADMIN):
        save_page("Termine/Kaputt", "Termin", gaa_type="termin", gaa_fields={"titel": "Kaputt", "kalender": ["bruchtest"]})
    response = client.get("/+gaa/calendar/bruchtest.ics")
    assert response.status_code == 200 and set(events_in(response)) == {"Heil"}
    assert "Termine/Kaputt left out" in caplog.text


def test_private_events_stay_out_of_feeds_for_outsiders(wiki, client):
    with acting_as(wiki, ADMIN):
        save_page("Gruppen/Kalendertresor", "privat", acl="Moderatoren:read,write,create All:")
    put_event(wiki, "Gruppen/Kalendertresor/Geheimtermin", titel="Geheimtermin", startdatum=day(), kalender=["alle"])
    assert "Geheimtermin" not in events_in(client.get("/+gaa/calendar/alle.ics"))
    login(client, MODERATOR)
    assert "Geheimtermin" in events_in(client.get("/+gaa/calendar/alle.ics"))


def test_bad_calendar_names_are_404(client):
    assert client.get("/+gaa/calendar/..%2Fetc.ics").status_code == 404
    assert client.get("/+gaa/calendar/Gross.ics").status_code == 404


def test_calendar_page_lists_month_view_and_subscribe_links(wiki, client):
    from datetime import date, timedelta

    soon = date.today() + timedelta(days=10)
    put_event(wiki, "Termine/Seitentest", titel="Seitentest Werkstatt", startdatum=soon.isoformat(), kalender=["seitentest"],
              ort="Online")
    with acting_as(wiki, ADMIN):
        save_page("Kalender Seitentest", "<<NetworkCalendar(kalender=seitentest)>>\n\n<<NetworkCalendar(monate=99)>>\n")
    body = client.get("/Kalender Seitentest").get_data(as_text=True)
    assert "Seitentest Werkstatt" in body and soon.strftime("%d.%m.%Y") + ", 10:00–12:00 Uhr" in body
    assert "webcal://localhost:8080/+gaa/calendar/seitentest.ics" in body and "calendar.google.com" in body
    assert "„monate“ ist 1 bis 36" in body
    month = client.get(f"/Kalender Seitentest?ansicht=monat&monat={soon:%Y-%m}").get_data(as_text=True)
    assert "gaa-month" in month and "Seitentest Werkstatt" in month
    empty = client.get("/Kalender Seitentest?ansicht=monat&monat=2001-01").get_data(as_text=True)
    assert "Seitentest Werkstatt" not in empty.split("gaa-month", 1)[1].split("</table>", 1)[0]


def test_registered_users_enter_events_with_a_checked_form(wiki, client):
    import re

    from conftest import CSRF_RE, REGISTERED

    login(client, REGISTERED)
    token = CSRF_RE.search(client.get("/+gaa/termin/neu").get_data(as_text=True)).group(1)
    data = {"titel": "Formtest Fachtag", "startdatum": "31.02.2027", "startzeit": "09:00", "endzeit": "08:00",
            "zeitzone": "Europe/Berlin", "wiederholung": "", "status": "bestaetigt", "kalender": ["alle", "nw"], "csrf_token": token}
    response = client.post("/+gaa/termin/neu", data=data)
    assert response.status_code == 400 and "kein gültiges Datum" in response.get_data(as_text=True)
    response = client.post("/+gaa/termin/neu", data={**data, "startdatum": "15.03.2027", "endzeit": "08:00"})
    assert response.status_code == 400 and "Das Ende liegt vor dem Beginn." in response.get_data(as_text=True)
    response = client.post("/+gaa/termin/neu", data={**data, "startdatum": "15.03.2027", "endzeit": "16:00", "kalender": ["mars"]})
    assert response.status_code == 400 and "Unbekannte Kalender: mars" in response.get_data(as_text=True)
    response = client.post("/+gaa/termin/neu", data={**data, "startdatum": "15.03.2027", "endzeit": "16:00"})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "15.03.2027, 09:00–16:00 Uhr" in page and "Termin bearbeiten" in page
    edit_path = re.search(r'href="(/\+gaa/termin/bearbeiten/[^"]+)"', page).group(1)
    form = client.get(edit_path).get_data(as_text=True)
    revid = re.search(r'name="revid" value="([0-9a-f]+)"', form).group(1)
    edited = {**data, "startdatum": "16.03.2027", "endzeit": "16:00", "revid": revid}
    assert client.post(edit_path, data=edited).status_code == 302
    assert client.post(edit_path, data=edited).status_code == 400  # the same old revision again: conflict
    ics = client.get("/+gaa/calendar/nw.ics").get_data(as_text=True)
    assert "DTSTART;TZID=Europe/Berlin:20270316T090000" in ics


def test_the_feed_window_is_bounded(wiki, client):
    from datetime import date, timedelta

    old = date.today() - timedelta(days=400)
    far = date.today() + timedelta(days=800)
    recent = date.today() - timedelta(days=30)
    put_event(wiki, "Termine/Fenster alt", titel="Fenster alt", startdatum=old.isoformat(), kalender=["fenster"])
    put_event(wiki, "Termine/Fenster fern", titel="Fenster fern", startdatum=far.isoformat(), kalender=["fenster"])
    put_event(wiki, "Termine/Fenster abgesagt", titel="Fenster abgesagt", startdatum=recent.isoformat(), status="abgesagt",
              kalender=["fenster"])
    put_event(wiki, "Termine/Fenster Reihe", titel="Fenster Reihe", startdatum=old.isoformat(), wiederholung="woechentlich",
              kalender=["fenster"])
    found = events_in(client.get("/+gaa/calendar/fenster.ics"))
    assert set(found) == {"Fenster abgesagt", "Fenster Reihe"}
    assert str(found["Fenster abgesagt"]["STATUS"]) == "CANCELLED"
