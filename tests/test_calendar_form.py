"""The event form as practitioners use it (issue 15): repetition chosen in words and said in German on every
page, single dates cancelled or moved from the series' list, every error at once, expert fields only for
moderators; the lists people read; one event as .ics."""

from datetime import date, timedelta
from urllib.parse import quote, unquote

import pytest
from conftest import ADMIN, CSRF_RE, MODERATOR, REGISTERED, acting_as, login, save_page
from form_support import form_on, stored, submit
from icalendar import Calendar

from moin_gaa.calendars.events import event_from_input

YEAR = date.today().year + 1  # the dates of these tests lie ahead, within the feeds' window


def nth_weekday(month: int, weekday: int, n: int) -> date:
    """The n-th ``weekday`` (0 = Monday) of ``month`` in YEAR."""
    first = date(YEAR, month, 1)
    return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))


SECOND_THURSDAY = nth_weekday(3, 3, 2)
MONDAY = nth_weekday(4, 0, 1)


def post_new(client, **data):
    token = CSRF_RE.search(client.get("/+gaa/termin/neu").get_data(as_text=True)).group(1)
    base = {"startzeit": "14:00", "endzeit": "16:00", "status": "bestaetigt", "art": "netzwerktreffen",
            "kalender": ["alle"]}
    return client.post("/+gaa/termin/neu", data={**base, **data, "csrf_token": token})


def page_of(response) -> str:
    return unquote(response.headers["Location"].split("://", 1)[-1].split("/", 1)[1])


def card(client, name: str) -> str:
    return client.get("/" + quote(name)).get_data(as_text=True)


def test_all_errors_come_at_once(client):
    """Regression: the end before the start was reported only after a second submit (an unusable time hid it)."""
    login(client, REGISTERED)
    day_before, month_before = SECOND_THURSDAY - timedelta(days=1), SECOND_THURSDAY - timedelta(days=30)
    response = post_new(
        client, titel="", startdatum=f"{SECOND_THURSDAY:%d.%m.%Y}", enddatum=day_before.isoformat(), startzeit="25:00",
        wiederholung="monatlich-vierter", ende_datum=month_before.isoformat(), anzahl="0",
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    for message in ("Bitte einen Titel angeben.", "„25:00“ ist keine gültige Uhrzeit", "Das Ende liegt vor dem Beginn.",
                    "ist nicht der 4. Donnerstag im März", "Das Ende der Reihe liegt vor ihrem Beginn.",
                    "Bitte die Anzahl der Termine als Zahl von 1 bis 1000 angeben."):
        assert message in body, message
    # the dates come back as type=date shows them (JJJJ-MM-TT), also when typed as TT.MM.JJJJ
    assert f'type="date" id="feld-startdatum" name="startdatum" value="{SECOND_THURSDAY.isoformat()}"' in body


def test_a_monthly_series_chosen_in_words_is_said_in_german_everywhere(client):
    login(client, REGISTERED)
    response = post_new(client, titel="Wortreihe Donnerstag", startdatum=SECOND_THURSDAY.isoformat(),
                        wiederholung="monatlich", anzahl="5")
    assert response.status_code == 302, response.get_data(as_text=True)
    name = page_of(response)
    page = card(client, name)
    assert "jeden 2. Donnerstag im Monat, 5 Termine" in page and "FREQ=" not in page
    assert f"Do, {SECOND_THURSDAY:%d.%m.%Y}, 14:00–16:00 Uhr" in page
    feed = Calendar.from_ical(client.get("/+gaa/calendar/alle.ics").get_data())
    (series,) = [e for e in feed.walk("VEVENT") if str(e["SUMMARY"]) == "Wortreihe Donnerstag"]
    assert series["RRULE"] == {"FREQ": ["MONTHLY"], "BYDAY": ["2TH"], "COUNT": [5]}
    form = client.get("/+gaa/termin/bearbeiten/" + quote(name)).get_data(as_text=True)
    assert '<option value="monatlich" selected>monatlich am 2. Donnerstag</option>' in form  # not „2. Mittwoch“
    assert 'name="anzahl"' in form and 'value="5"' in form


def test_weekly_on_two_weekdays_until_a_date(client):
    login(client, REGISTERED)
    last = MONDAY + timedelta(days=30)
    wrong = post_new(client, titel="Wochenreihe", startdatum=MONDAY.isoformat(), wiederholung="woechentlich",
                     wochentage=["TU", "WE"], ende_datum=last.isoformat())
    assert wrong.status_code == 400 and "ist ein Montag: bitte Montag ankreuzen" in wrong.get_data(as_text=True)
    response = post_new(client, titel="Wochenreihe", startdatum=MONDAY.isoformat(), wiederholung="woechentlich",
                        wochentage=["WE", "MO"], ende_datum=last.isoformat())
    assert response.status_code == 302
    page = card(client, page_of(response))
    assert f"wöchentlich montags und mittwochs, bis {last.day}. " in page


def test_expert_fields_are_for_moderators_only(client):
    login(client, REGISTERED)
    form = client.get("/+gaa/termin/neu").get_data(as_text=True)
    assert 'name="rrule"' not in form and 'name="zeitzone"' not in form and 'value="eigene"' not in form
    assert 'id="feld-verschiebungen"' not in form and 'id="feld-ausfaelle-text"' not in form  # the text forms
    own_rule = post_new(client, titel="Eigenregel Registriert", startdatum=MONDAY.isoformat(), wiederholung="eigene",
                        rrule="FREQ=DAILY")
    assert own_rule.status_code == 400
    assert "Eigene Regeln (RRULE) tragen Moderatorinnen und Moderatoren ein" in own_rule.get_data(as_text=True)
    zone = post_new(client, titel="Zeitzone Registriert", startdatum=MONDAY.isoformat(), zeitzone="Europe/London")
    assert zone.status_code == 400 and "Die Zeitzone legt die Moderation fest" in zone.get_data(as_text=True)
    quiet_rule = post_new(client, titel="Regel nebenbei", startdatum=MONDAY.isoformat(), wiederholung="woechentlich",
                          rrule="FREQ=DAILY")  # a rule beside a kind in words is refused as well
    assert quiet_rule.status_code == 400
    login(client, MODERATOR)
    form = client.get("/+gaa/termin/neu").get_data(as_text=True)
    assert 'name="rrule"' in form and 'name="zeitzone"' in form and 'value="eigene"' in form
    assert 'id="feld-verschiebungen"' in form and 'id="feld-ausfaelle-text"' in form
    response = post_new(client, titel="Eigenregel Moderation", startdatum=MONDAY.isoformat(), wiederholung="eigene",
                        rrule="FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=1", zeitzone="Europe/London")
    assert response.status_code == 302
    assert "nach der Regel „FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=1“" in card(client, page_of(response))


def test_a_member_editing_a_moderators_own_rule_keeps_it(wiki, client):
    rule = "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=1"
    event = event_from_input({"titel": "Sonderregel", "startdatum": MONDAY.isoformat(), "startzeit": "10:00",
                              "endzeit": "11:00", "wiederholung": "eigene", "rrule": rule, "zeitzone": "Europe/London"})
    name = "Termine/Sonderregel"
    with acting_as(wiki, ADMIN):
        save_page(name, "<<EventCard>>\n", gaa_type="termin", gaa_fields=event.fields())
    login(client, REGISTERED)
    action, fields = form_on(client, "/+gaa/termin/bearbeiten/" + quote(name))
    assert fields["wiederholung"] == ["eigene"] and "rrule" not in fields and "zeitzone" not in fields
    assert submit(client, action, fields, ort="Rathaus").status_code == 302
    with acting_as(wiki, ADMIN):
        kept = stored(name)[0]["gaa_fields"]
    assert (kept["rrule"], kept["zeitzone"], kept["ort"]) == (rule, "Europe/London", "Rathaus")


def test_single_dates_are_cancelled_and_moved_from_the_series_list(wiki, client):
    login(client, REGISTERED)
    response = post_new(client, titel="Listenreihe", startdatum=MONDAY.isoformat(), wiederholung="woechentlich")
    name = page_of(response)
    second, third = MONDAY + timedelta(days=7), MONDAY + timedelta(days=14)
    action, fields = form_on(client, "/+gaa/termin/bearbeiten/" + quote(name))
    assert "ausfaelle" not in fields  # nothing cancelled yet
    form = client.get("/+gaa/termin/bearbeiten/" + quote(name)).get_data(as_text=True)
    assert f'name="ausfaelle" value="{second}"' in form and f'name="neu-{third}-datum"' in form
    both = submit(client, action, fields, ausfaelle=[second.isoformat()], **{f"neu-{second}-datum": str(third)})
    assert both.status_code == 400 and "nicht beides" in both.get_data(as_text=True)
    moved = {f"neu-{third}-datum": str(third + timedelta(days=1)), f"neu-{third}-start": "15:00"}
    assert submit(client, action, fields, ausfaelle=[second.isoformat()], **moved).status_code == 302
    with acting_as(wiki, ADMIN):
        saved = stored(name)[0]["gaa_fields"]
    assert saved["ausfaelle"] == [second.isoformat()]
    new_start = f"{third + timedelta(days=1)}T15:00:00"
    assert saved["verschiebungen"] == [{"datum": third.isoformat(), "start": new_start,
                                        "ende": f"{third + timedelta(days=1)}T17:00:00"}]  # the series' two hours
    form = client.get("/+gaa/termin/bearbeiten/" + quote(name)).get_data(as_text=True)
    assert f'name="ausfaelle" value="{second}" checked' in form
    assert f'name="neu-{third}-datum" value="{third + timedelta(days=1)}"' in form
    page = card(client, name)
    assert "Fällt aus am" in page and f"{second:%d.%m.%Y}" in page and "(verschoben)" in page


def test_one_event_as_ics_with_read_rights(wiki, client):
    login(client, REGISTERED)
    name = page_of(post_new(client, titel="Einzeltermin Datei", startdatum=MONDAY.isoformat()))
    assert 'href="/+gaa/termin/' + quote(name) + '.ics"' in card(client, name)
    response = client.get(f"/+gaa/termin/{quote(name)}.ics")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    assert response.headers["Content-Disposition"].startswith("attachment; filename=")
    (vevent,) = Calendar.from_ical(response.get_data()).walk("VEVENT")
    assert str(vevent["SUMMARY"]) == "Einzeltermin Datei" and str(vevent["UID"]).endswith("@partnerwiki")
    assert client.get("/+gaa/termin/Termine/Gibt es nicht.ics").status_code == 404
    secret = event_from_input({"titel": "Tresortermin", "startdatum": MONDAY.isoformat()})
    with acting_as(wiki, ADMIN):
        save_page("Gruppen/Dateitresor", "privat", acl="Moderatoren:read,write,create All:")
        save_page("Gruppen/Dateitresor/Tresortermin", "<<EventCard>>\n", gaa_type="termin", gaa_fields=secret.fields())
    assert client.get("/Gruppen/Dateitresor/Tresortermin").status_code == 403  # as its page
    assert client.get("/+gaa/termin/Gruppen/Dateitresor/Tresortermin.ics").status_code == 404
    login(client, MODERATOR)
    assert client.get("/+gaa/termin/Gruppen/Dateitresor/Tresortermin.ics").status_code == 200


@pytest.fixture(scope="module")
def listed(wiki):
    """A calendar with a monthly series (one date moved) and a single event."""
    series = event_from_input({"titel": "Listentreffen monatlich", "startdatum": SECOND_THURSDAY.isoformat(),
                               "startzeit": "14:00", "endzeit": "16:00", "wiederholung": "monatlich",
                               "kalender": ["listen"],
                               "verschiebungen": f"{nth_weekday(4, 3, 2)} -> {nth_weekday(4, 4, 2)}"})
    friday = SECOND_THURSDAY + timedelta(days=1)
    single = event_from_input({"titel": "Listenfachtag", "startdatum": friday.isoformat(), "startzeit": "09:30",
                               "endzeit": "15:00", "kalender": ["listen"]})
    with acting_as(wiki, ADMIN):
        save_page("Termine/Listentreffen monatlich", "<<EventCard>>\n", gaa_type="termin", gaa_fields=series.fields())
        save_page("Termine/Listenfachtag", "<<EventCard>>\n", gaa_type="termin", gaa_fields=single.fields())
        save_page("Kalender Listenansicht", "<<NetworkCalendar(kalender=listen,monate=36)>>\n")


def test_the_list_shows_weekday_and_time_by_month_and_a_series_once(listed, client):
    body = client.get("/" + quote("Kalender Listenansicht")).get_data(as_text=True)
    listing = body.split('class="gaa-event-list"', 1)[1].split("Kalender abonnieren", 1)[0]
    assert listing.count("Listentreffen monatlich") == 1  # was: one copy per month
    assert f"<h3>März {YEAR}</h3>" in listing
    assert f"Do, {SECOND_THURSDAY:%d.%m.%Y}, 14:00–16:00 Uhr" in listing
    assert f"Fr, {SECOND_THURSDAY + timedelta(days=1):%d.%m.%Y}, 09:30–15:00 Uhr" in listing
    april_moved = nth_weekday(4, 4, 2)
    assert f"jeden 2. Donnerstag im Monat – danach: {april_moved:%d.%m.} (verschoben), " in listing


def test_the_month_shows_times_and_an_agenda_for_small_screens(listed, client):
    body = client.get(f"/{quote('Kalender Listenansicht')}?ansicht=monat&monat={YEAR}-03").get_data(as_text=True)
    grid = body.split('class="gaa-month"', 1)[1].split("</table>", 1)[0]
    assert '<span class="gaa-time">14:00</span> <a' in grid and '<span class="gaa-time">09:30</span> <a' in grid
    agenda = body.split('class="gaa-agenda"', 1)[1].split("</section>", 1)[0]
    assert f"<h3>Do, {SECOND_THURSDAY:%d.%m.%Y}</h3>" in agenda and "14:00–16:00" in agenda
    assert agenda.index("Listentreffen monatlich") < agenda.index("Listenfachtag")
