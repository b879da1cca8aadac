"""People (issue 14, point 5): person pages at /users/<Name>, the directory /Personen, name fields that suggest accounts.

A person page shows the name, Kommune/Organisation, the group spaces the *viewer* may see in which the
person is a member, and the pages the person changed last that the *viewer* may read – never the e-mail
address. A name without an account is the German 404.
"""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import quote

import pytest
from conftest import CSRF_RE, MODERATOR, PASSWORD, REGISTERED, Person, acting_as, login, logout, save_page
from moin import user as moin_user

from moin_gaa.core.accounts import Affiliation, save_affiliation

PERSON = Person("Paula Personenseite", "paula.person@example.org")
INSIDER = Person("Ines Innen", "ines.innen@example.org")
OUTSIDER = Person("Otto Draußen", "otto.draussen@example.org")
PRIVATE_GROUP = "Personentest Geheimrunde"
OPEN_GROUP = "Personentest Offene Runde"
PRIVATE_PAGE = f"Gruppen/{PRIVATE_GROUP}/Dokumente/Personentest Vertrauliches Protokoll"
PUBLIC_PAGE = "Personentest Öffentliche Notiz"


def body(response) -> str:
    return unescape(response.get_data(as_text=True))


def main_part(response) -> str:
    text = body(response)
    return text[text.index("<h1"):]


def person_url(name: str) -> str:
    return "/users/" + quote(name)


def csrf(client, path="/+gaa/kalender-schluessel") -> str:
    return CSRF_RE.search(client.get(path).get_data(as_text=True)).group(1)


def new_group(client, name: str, visibility: str) -> None:
    response = client.post("/+gaa/gruppe/neu", data={
        "csrf_token": csrf(client, "/+gaa/gruppe/neu"), "name": name, "beschreibung": "Test.", "sichtbarkeit": visibility,
        "beitritt": "anfrage", "moderatoren": MODERATOR.name})
    assert response.status_code == 302, body(response)


def add_member(client, group: str, name: str):
    return client.post(f"/+gaa/gruppe/{group}/mitglieder",
                       data={"csrf_token": csrf(client), "aktion": "aufnehmen", "benutzer": name})


@pytest.fixture(scope="module", autouse=True)
def people(wiki):
    with acting_as(wiki, None):
        for person in (PERSON, INSIDER, OUTSIDER):
            assert not moin_user.create_user(username=person.name, password=PASSWORD, email=person.email)
        save_affiliation(moin_user.User(auth_username=PERSON.name), Affiliation(organisation="Gesundheitsamt Musterstadt"))
    with wiki.test_client() as client:
        login(client, MODERATOR)
        for group, visibility in ((PRIVATE_GROUP, "privat"), (OPEN_GROUP, "offen")):
            new_group(client, group, visibility)
            for member in (PERSON, INSIDER) if group == PRIVATE_GROUP else (PERSON,):
                assert add_member(client, group, member.name).status_code == 302
    with acting_as(wiki, PERSON):
        save_page(PRIVATE_PAGE, "Nur für die Geheimrunde.\n")
        save_page(PUBLIC_PAGE, "Für alle.\n", summary="Eine öffentliche Notiz")


# --- person pages ------------------------------------------------------------------------------------------------


def test_the_person_page_shows_name_affiliation_groups_and_contributions_but_no_email(client):
    login(client, INSIDER)
    response = client.get(person_url(PERSON.name))
    assert response.status_code == 200
    page = main_part(response)
    assert re.search(rf"<h1[^>]*>\s*{PERSON.name}\s*</h1>", page)
    assert len(re.findall(r"<h1\b", body(response))) == 1
    assert "Gesundheitsamt Musterstadt" in page
    assert PRIVATE_GROUP in page and OPEN_GROUP in page  # the insider is a member of the private group too
    assert PUBLIC_PAGE in page and "Eine öffentliche Notiz" in page
    assert PRIVATE_PAGE in page
    assert PERSON.email not in body(response) and "@" not in page
    assert "Neues Item" not in page and "Content-Type" not in page


def test_an_outsider_sees_neither_the_private_group_nor_its_pages(client):
    login(client, OUTSIDER)
    page = main_part(client.get(person_url(PERSON.name)))
    assert OPEN_GROUP in page and PUBLIC_PAGE in page
    assert PRIVATE_GROUP not in page and "Vertrauliches Protokoll" not in page and "Geheimrunde" not in page


def test_anonymous_visitors_see_name_and_public_pages_only(client):
    logout(client)
    response = client.get(person_url(PERSON.name))
    assert response.status_code == 200
    page = main_part(response)
    assert PUBLIC_PAGE in page
    assert "Gesundheitsamt Musterstadt" not in page and OPEN_GROUP not in page and PRIVATE_GROUP not in page
    assert "Anmelden" in page


def test_a_name_without_an_account_is_the_german_404(client):
    login(client, REGISTERED)
    response = client.get(person_url("Niemand Personentest"))
    assert response.status_code == 404
    assert "Seite nicht gefunden" in main_part(response)


def test_the_own_page_at_users_name_stays_reachable_from_the_person_page(client, wiki):
    login(client, PERSON)
    page = main_part(client.get(person_url(PERSON.name)))
    assert "Eigene Seite anlegen" in page
    with acting_as(wiki, PERSON):
        save_page(f"users/{PERSON.name}", "Ich arbeite zu Frühen Hilfen.\n")
    page = main_part(client.get(person_url(PERSON.name)))
    assert "Gesundheitsamt Musterstadt" in page  # still the person page
    own = re.search(r'<a href="([^"]+)">Eigene Seite von', page).group(1)
    shown = client.get(own)
    assert shown.status_code == 200 and "Ich arbeite zu Frühen Hilfen." in body(shown)
    login(client, OUTSIDER)
    page = main_part(client.get(person_url(PERSON.name)))
    assert "Eigene Seite von" in page and "Eigene Seite anlegen" not in page and "bearbeiten" not in page


# --- the people directory /Personen --------------------------------------------------------------------------------


def person_links(response) -> list[str]:
    return [unescape(name) for name in re.findall(r'<a href="/users/[^"]+">([^<]+)</a>', main_part(response))]


def test_anonymous_visitors_get_a_hint_to_log_in_not_the_list(client):
    logout(client)
    response = client.get("/Personen")
    assert response.status_code == 200
    page = main_part(response)
    assert "anmelden" in page.lower() and "/+login" in page
    assert PERSON.name not in page and REGISTERED.name not in page and not person_links(response)


def test_registered_people_search_the_directory_by_name(client):
    login(client, OUTSIDER)
    everybody = client.get("/Personen")
    assert {PERSON.name, INSIDER.name, REGISTERED.name, MODERATOR.name} <= set(person_links(everybody))
    form = re.search(r'<form[^>]*role="search"[^>]*>.*?</form>', main_part(everybody), re.S).group(0)
    assert 'method="get"' in form and 'name="q"' in form
    found = client.get("/Personen?q=" + quote("personenSEITE"))
    assert person_links(found) == [PERSON.name]
    page = main_part(found)
    assert "Gesundheitsamt Musterstadt" in page and f'href="/users/{quote(PERSON.name)}"' in page
    assert PERSON.email not in body(found)
    assert 'value="personenSEITE"' in page  # the search stays in the box


def test_an_empty_search_says_so(client):
    login(client, REGISTERED)
    response = client.get("/Personen?q=" + quote("Gibtesnicht Personentest"))
    assert response.status_code == 200 and not person_links(response)
    assert "Keine Person" in main_part(response)


def test_a_long_directory_is_paged(wiki, client):
    with acting_as(wiki, None):
        hashed = moin_user.User(auth_username=PERSON.name).profile["enc_password"]
        for i in range(51):
            assert not moin_user.create_user(username=f"Blättertest {i:02d}", password=hashed, email=f"b{i}@example.org",
                                             validate=False, is_encrypted=True)
    login(client, REGISTERED)
    first = client.get("/Personen?q=Bl%C3%A4ttertest")
    assert len(person_links(first)) == 50 and "Blättertest 00" in person_links(first)
    assert "51 Personen" in main_part(first) and "Seite 1 von 2" in main_part(first)
    second = client.get("/Personen?q=Bl%C3%A4ttertest&seite=2")
    assert person_links(second) == ["Blättertest 50"]
