"""Private group calendars: personal keys (hashed, revocable), membership checked on every fetch."""

import re
from datetime import date, timedelta

import pytest
from conftest import ADMIN, CSRF_RE, MODERATOR, PASSWORD, REGISTERED, Person, acting_as, login, logout, save_page
from icalendar import Calendar
from moin import user as moin_user

from moin_gaa.calendars.events import event_from_input
from moin_gaa.discussions.groups import Group, moderated_acl, space_acl

GROUP = Group("Tresorgruppe Kalender", "Eine private Gruppe für den Test", "privat", "einladung", (MODERATOR.name,))
FEED = f"/+gaa/calendar/{GROUP.calendar}.ics"
SECRET_TITLE = "Vertrauliche Fallbesprechung"


def set_members(wiki, *names):
    with acting_as(wiki, ADMIN):
        save_page(GROUP.members_item, "Mitglieder", usergroup=list(names), acl=moderated_acl(GROUP))


@pytest.fixture(scope="module", autouse=True)
def private_group(wiki):
    when = date.today() + timedelta(days=14)
    event = event_from_input({"titel": SECRET_TITLE, "startdatum": when.isoformat(), "startzeit": "10:00", "endzeit": "11:00",
                              "kalender": [GROUP.calendar]})
    with acting_as(wiki, ADMIN):
        save_page(GROUP.page, "Gruppenraum", gaa_type="gruppe", gaa_fields=GROUP.fields(), acl=space_acl(GROUP))
        save_page(f"{GROUP.page}/Termine", "Termine der Gruppe")
        save_page(f"{GROUP.page}/Termine/{SECRET_TITLE}", "<<EventCard>>\n", gaa_type="termin", gaa_fields=event.fields())
    set_members(wiki, REGISTERED.name, MODERATOR.name)


def new_token(client) -> str:
    page = client.get("/+gaa/kalender-schluessel").get_data(as_text=True)
    response = client.post("/+gaa/kalender-schluessel", data={"csrf_token": CSRF_RE.search(page).group(1), "aktion": "erzeugen"})
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    return re.search(r'id="gaa-token-wert"[^>]*value="([^"]+)"', response.get_data(as_text=True)).group(1)


def titles(response) -> set[str]:
    return {str(e["SUMMARY"]) for e in Calendar.from_ical(response.get_data()).walk("VEVENT")}


def test_without_a_key_a_private_calendar_does_not_exist(client):
    assert client.get(FEED).status_code == 404
    assert SECRET_TITLE not in client.get("/+gaa/calendar/alle.ics").get_data(as_text=True)
    assert client.get(FEED + "?token=abc").status_code == 403
    assert client.get(FEED + "?token=" + "0" * 32 + ".AAAAAAAAAAAAAAAAAAAAAAAA").status_code == 403


def test_a_member_subscribes_with_a_personal_key_stored_only_as_hash(wiki, client):
    login(client, REGISTERED)
    assert client.get(FEED).status_code == 200  # a logged-in member's browser sees it anyway
    page = client.get("/+gaa/kalender-schluessel").get_data(as_text=True)
    assert "Tresorgruppe Kalender" in page and "noch keinen Kalender-Schlüssel" in page
    token = new_token(client)
    assert re.fullmatch(r"[0-9a-f]{32}\.[A-Za-z0-9_-]{20,}", token)
    logout(client)
    response = client.get(f"{FEED}?token={token}")
    assert response.status_code == 200 and SECRET_TITLE in titles(response)
    assert response.headers["Cache-Control"].startswith("private")
    assert SECRET_TITLE not in titles(client.get(f"/+gaa/calendar/alle.ics?token={token}"))
    with acting_as(wiki, ADMIN):
        profile = moin_user.User(auth_username=REGISTERED.name).profile._meta
    secret = token.split(".", 1)[1]
    assert secret not in repr(profile) and len(profile["gaa_feed_token_sha256"]) == 64


def test_a_new_key_revokes_the_old_one_and_revoking_ends_the_feed(client):
    login(client, REGISTERED)
    old = new_token(client)
    new = new_token(client)
    assert client.get(f"{FEED}?token={old}").status_code == 403
    assert client.get(f"{FEED}?token={new}").status_code == 200
    page = client.get("/+gaa/kalender-schluessel").get_data(as_text=True)
    assert "Sie haben einen Schlüssel (erzeugt am" in page and new not in page  # never shown again
    client.post("/+gaa/kalender-schluessel", data={"csrf_token": CSRF_RE.search(page).group(1), "aktion": "widerrufen"})
    assert client.get(f"{FEED}?token={new}").status_code == 403
    assert client.post("/+gaa/kalender-schluessel", data={"aktion": "erzeugen"}).status_code == 400  # no CSRF token


def test_leaving_the_group_stops_the_feed_at_the_next_fetch(wiki, client):
    login(client, REGISTERED)
    token = new_token(client)
    logout(client)
    assert SECRET_TITLE in titles(client.get(f"{FEED}?token={token}"))
    set_members(wiki, MODERATOR.name)
    try:
        response = client.get(f"{FEED}?token={token}")
        assert response.status_code == 404 and SECRET_TITLE not in response.get_data(as_text=True)
    finally:
        set_members(wiki, REGISTERED.name, MODERATOR.name)
    assert SECRET_TITLE in titles(client.get(f"{FEED}?token={token}"))


def test_members_enter_group_events_into_the_group_space(wiki, client):
    login(client, REGISTERED)
    form = client.get("/+gaa/termin/neu").get_data(as_text=True)
    assert f'value="{GROUP.calendar}"' in form
    when = date.today() + timedelta(days=21)
    data = {"titel": "Gruppentermin intern", "startdatum": when.strftime("%d.%m.%Y"), "startzeit": "09:00", "endzeit": "10:00",
            "kalender": [GROUP.calendar], "csrf_token": CSRF_RE.search(form).group(1)}
    response = client.post("/+gaa/termin/neu", data=data)
    assert response.status_code == 302
    assert f"/Gruppen/Tresorgruppe%20Kalender/Termine/{when.isoformat()}%20Gruppentermin%20intern" in response.headers["Location"]
    logout(client)
    page = client.get(f"/Gruppen/Tresorgruppe Kalender/Termine/{when.isoformat()} Gruppentermin intern")
    assert page.status_code == 403 and "09:00–10:00 Uhr" not in page.get_data(as_text=True)
    # the group is offered only to those who may read it
    outsider = Person("Otto Aussen", "otto@example.org")
    with acting_as(wiki, None):
        moin_user.create_user(username=outsider.name, password=PASSWORD, email=outsider.email)
    login(client, outsider)
    form = client.get("/+gaa/termin/neu").get_data(as_text=True)
    assert GROUP.calendar not in form
    response = client.post("/+gaa/termin/neu", data={**data, "titel": "Eindringling", "csrf_token": CSRF_RE.search(form).group(1)})
    assert response.status_code == 400 and f"Unbekannte Kalender: {GROUP.calendar}" in response.get_data(as_text=True)
