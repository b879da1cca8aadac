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
from conftest import (
    CSRF_RE,
    MODERATOR,
    PASSWORD,
    REGISTERED,
    Person,
    acting_as,
    body,
    login,
    logout,
    main_part,
    save_page,
)
from moin import user as moin_user

from moin_gaa.core.accounts import Affiliation, save_affiliation

PERSON = Person("Paula Personenseite", "paula.person@example.org")
INSIDER = Person("Ines Innen", "ines.innen@example.org")
OUTSIDER = Person("Otto Draußen", "otto.draussen@example.org")
PRIVATE_GROUP = "Personentest Geheimrunde"
OPEN_GROUP = "Personentest Offene Runde"
PRIVATE_PAGE = f"Gruppen/{PRIVATE_GROUP}/Dokumente/Personentest Vertrauliches Protokoll"
PUBLIC_PAGE = "Personentest Öffentliche Notiz"




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


# --- name fields suggest accounts (a <datalist>, no script) and the server checks them ------------------------------


def suggestions(page: str, field: str) -> list[str]:
    """The account names offered to the inputs named ``field`` (their datalist must exist on the page)."""
    inputs = re.findall(rf'<input[^>]*name="{field}"[^>]*>', page)
    lists = {re.search(r'list="([^"]+)"', i).group(1) for i in inputs if 'type="hidden"' not in i}
    assert len(lists) == 1, inputs
    datalist = re.search(rf'<datalist id="{lists.pop()}">(.*?)</datalist>', page, re.S).group(1)
    return [unescape(v) for v in re.findall(r'<option value="([^"]*)"', datalist)]


def test_the_member_field_of_a_group_suggests_accounts_and_refuses_unknown_names(client):
    login(client, MODERATOR)
    page = body(client.get("/Gruppen/" + quote(OPEN_GROUP)))
    offered = suggestions(page, "benutzer")
    assert OUTSIDER.name in offered and INSIDER.name in offered and PERSON.name not in offered  # a member already
    assert PERSON.email not in page and OUTSIDER.email not in page
    response = add_member(client, OPEN_GROUP, "Niemand Personentest")
    assert response.status_code == 400 and "Es gibt kein Konto „Niemand Personentest“" in body(response)


def test_group_moderators_are_chosen_one_per_field_with_suggestions(wiki, client):
    login(client, MODERATOR)
    page = body(client.get("/+gaa/gruppe/neu"))
    assert PERSON.name in suggestions(page, "moderatoren")
    data = {"csrf_token": csrf(client, "/+gaa/gruppe/neu"), "name": "Personentest Moderationsrunde", "beschreibung": "",
            "sichtbarkeit": "offen", "beitritt": "offen"}
    refused = client.post("/+gaa/gruppe/neu", data={**data, "moderatoren": [MODERATOR.name, "Niemand Personentest", ""]})
    assert refused.status_code == 400 and "Niemand Personentest" in body(refused)
    assert f'value="{MODERATOR.name}"' in body(refused)  # the input is kept, one name per field
    created = client.post("/+gaa/gruppe/neu", data={**data, "moderatoren": [MODERATOR.name, PERSON.name, ""]})
    assert created.status_code == 302, body(created)
    login(client, PERSON)
    page = main_part(client.get(person_url(PERSON.name)))
    assert "Personentest Moderationsrunde" in page  # the moderators became members


def test_profile_editors_are_chosen_one_per_field_with_suggestions(wiki, client):
    from form_support import form_on, submit

    login(client, MODERATOR)
    page = body(client.get("/+gaa/kommune/neu"))
    assert INSIDER.name in suggestions(page, "redakteure")
    action, fields = form_on(client, "/+gaa/kommune/neu", action="/+gaa/kommune/neu")
    fields.update({"name": ["Personentest Redaktionsstadt"], "art": ["kreisangehoerig"], "land": ["bb"],
                   "partner_seit": ["2020-01-01"], "strategiephase": ["auftauen"]})
    refused = submit(client, action, fields, redakteure=[INSIDER.name, "Niemand Personentest"])
    assert refused.status_code == 400 and "Es gibt kein Konto „Niemand Personentest“" in body(refused)
    assert f'value="{INSIDER.name}"' in body(refused)
    assert submit(client, action, fields, redakteure=[INSIDER.name, PERSON.name, ""]).status_code == 302
    from moin_gaa.core.items import current

    with acting_as(wiki, MODERATOR):
        meta, _text = current("Kommunen/Personentest Redaktionsstadt")
    assert meta["gaa_fields"]["redakteure"] == [INSIDER.name, PERSON.name]
