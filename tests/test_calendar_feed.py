"""The ICS feed through HTTP: content, SEQUENCE, 304s, broken events, read rights."""

from datetime import date, timedelta

from conftest import ADMIN, MODERATOR, acting_as, login, save_page
from icalendar import Calendar

from moin_gaa.calendars.events import event_from_input
from moin_gaa.core.german_dates import weekday_abbreviations

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

    start, moved = SOON + timedelta(days=25), SOON + timedelta(days=26)  # inside the feed window whenever the test runs
    login(client, REGISTERED)
    token = CSRF_RE.search(client.get("/+gaa/termin/neu").get_data(as_text=True)).group(1)
    data = {"titel": "Formtest Fachtag", "startdatum": f"31.02.{start.year}", "startzeit": "09:00", "endzeit": "08:00",
            "zeitzone": "Europe/Berlin", "wiederholung": "", "status": "bestaetigt", "kalender": ["alle", "nw"], "csrf_token": token}
    response = client.post("/+gaa/termin/neu", data=data)
    assert response.status_code == 400 and "kein gültiges Datum" in response.get_data(as_text=True)
    response = client.post("/+gaa/termin/neu", data={**data, "startdatum": f"{start:%d.%m.%Y}", "endzeit": "08:00"})
    assert response.status_code == 400 and "Das Ende liegt vor dem Beginn." in response.get_data(as_text=True)
    response = client.post("/+gaa/termin/neu",
                           data={**data, "startdatum": f"{start:%d.%m.%Y}", "endzeit": "16:00", "kalender": ["mars"]})
    assert response.status_code == 400 and "Unbekannte Kalender: mars" in response.get_data(as_text=True)
    response = client.post("/+gaa/termin/neu", data={**data, "startdatum": f"{start:%d.%m.%Y}", "endzeit": "16:00"})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"{start:%d.%m.%Y}, 09:00–16:00 Uhr" in page and "Termin bearbeiten" in page
    edit_path = re.search(r'href="(/\+gaa/termin/bearbeiten/[^"]+)"', page).group(1)
    form = client.get(edit_path).get_data(as_text=True)
    revid = re.search(r'name="revid" value="([0-9a-f]+)"', form).group(1)
    edited = {**data, "startdatum": f"{moved:%d.%m.%Y}", "endzeit": "16:00", "revid": revid}
    assert client.post(edit_path, data=edited).status_code == 302
    assert client.post(edit_path, data=edited).status_code == 400  # the same old revision again: conflict
    ics = client.get("/+gaa/calendar/nw.ics").get_data(as_text=True)
    assert f"DTSTART;TZID=Europe/Berlin:{moved:%Y%m%d}T090000" in ics


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


def test_calendar_page_filters_by_land_and_kind(wiki, client):
    put_event(wiki, "Termine/Filter Werkstatt NW", titel="Filter Werkstatt NW", startdatum=day(3), kalender=["filtertest"],
              art="werkstatt", land="nw")
    put_event(wiki, "Termine/Filter Fachtag BY", titel="Filter Fachtag BY", startdatum=day(4), kalender=["filtertest"],
              art="fachtagung", land="by")
    with acting_as(wiki, ADMIN):
        save_page("Kalender Filtertest", "<<NetworkCalendar(kalender=filtertest)>>\n")

    def shown(query=""):
        body = client.get("/Kalender Filtertest" + query).get_data(as_text=True)
        return {t for t in ("Filter Werkstatt NW", "Filter Fachtag BY") if t in body}, body

    assert shown()[0] == {"Filter Werkstatt NW", "Filter Fachtag BY"}
    assert shown("?land=nw")[0] == {"Filter Werkstatt NW"}
    assert shown("?art=fachtagung")[0] == {"Filter Fachtag BY"}
    assert shown("?land=nw&art=fachtagung")[0] == set()
    found, body = shown("?art=party&land=atlantis")
    assert found == {"Filter Werkstatt NW", "Filter Fachtag BY"}
    assert "„party“ ist keine Veranstaltungsart" in body and "atlantis" in body
    month = client.get(f"/Kalender Filtertest?ansicht=monat&monat={day(3)[:7]}&land=by").get_data(as_text=True)
    assert 'name="ansicht" type="hidden" value="monat"' in month and "&amp;land=by" in month  # filters survive the navigation
    assert "Filter Fachtag BY" in month and "Filter Werkstatt NW" not in month


def test_moved_dates_are_edited_in_the_form(wiki, client):
    import re

    from conftest import CSRF_RE

    start = date.today() + timedelta(days=40)
    put_event(wiki, "Termine/Verschiebetest", titel="Verschiebetest", startdatum=start.isoformat(), wiederholung="woechentlich",
              kalender=["sh"])
    login(client, MODERATOR)
    form = client.get("/+gaa/termin/bearbeiten/Termine/Verschiebetest").get_data(as_text=True)
    revid = re.search(r'name="revid" value="([0-9a-f]+)"', form).group(1)
    token = CSRF_RE.search(form).group(1)
    second, moved_to = start + timedelta(days=7), start + timedelta(days=8)
    data = {"titel": "Verschiebetest", "startdatum": start.isoformat(), "startzeit": "10:00", "endzeit": "12:00",
            "wiederholung": "woechentlich", "status": "bestaetigt", "kalender": ["sh"], "art": "werkstatt",
            "csrf_token": token, "revid": revid}
    wrong = client.post("/+gaa/termin/bearbeiten/Termine/Verschiebetest",
                        data={**data, "verschiebungen": f"{start + timedelta(days=1):%d.%m.%Y} -> {moved_to:%d.%m.%Y}"})
    assert wrong.status_code == 400 and "findet die Reihe nicht statt" in wrong.get_data(as_text=True)
    row = {f"neu-{second}-datum": moved_to.isoformat(), f"neu-{second}-start": "15:00", f"neu-{second}-ende": "17:00"}
    assert client.post("/+gaa/termin/bearbeiten/Termine/Verschiebetest", data={**data, **row}).status_code == 302
    form = client.get("/+gaa/termin/bearbeiten/Termine/Verschiebetest").get_data(as_text=True)
    assert f'name="neu-{second}-datum" value="{moved_to}"' in form and f'name="neu-{second}-start" value="15:00"' in form
    ics = client.get("/+gaa/calendar/sh.ics").get_data(as_text=True)
    assert f"RECURRENCE-ID;TZID=Europe/Berlin:{second:%Y%m%d}T100000" in ics
    assert f"DTSTART;TZID=Europe/Berlin:{moved_to:%Y%m%d}T150000" in ics


def test_the_event_card_shows_moved_dates_in_german(wiki, client):
    start = date.today() + timedelta(days=40)
    second, moved_to = start + timedelta(days=7), start + timedelta(days=8)
    event = event_from_input(
        {"titel": "Kartentest", "startdatum": start.isoformat(), "startzeit": "10:00", "endzeit": "12:00",
         "wiederholung": "woechentlich", "kalender": ["karte"],
         "verschiebungen": f"{second:%d.%m.%Y} -> {moved_to:%d.%m.%Y} 15:00-17:00"}
    )
    with acting_as(wiki, ADMIN):
        save_page("Termine/Kartentest", "<<EventCard>>\n", gaa_type="termin", gaa_fields=event.fields())
    page = client.get("/Termine/Kartentest").get_data(as_text=True)
    weekday = weekday_abbreviations()
    assert f"{weekday[start.weekday()]}, {start:%d.%m.%Y}, 10:00–12:00 Uhr" in page
    # was „… → JJJJ-MM-TT, 15:00 Uhr“
    assert (f"{weekday[second.weekday()]}, {second:%d.%m.%Y} → {weekday[moved_to.weekday()]}, {moved_to:%d.%m.%Y}, "
            "15:00–17:00 Uhr") in page
