"""The settings part „Benachrichtigungen“ (issue 16): how often notifications come by e-mail."""

from __future__ import annotations

import re
from html import unescape

import pytest
from conftest import PASSWORD, Person, body, login, page_token, wiki_request
from moin import user as moin_user

from moin_gaa.notifications.mail_choice import DEFAULT_CHOICE, mail_choice

PERSON = Person("Erna Einstellung", "erna.einstellung@example.org")


@pytest.fixture(scope="module", autouse=True)
def person(wiki):
    with wiki_request(wiki):
        assert not moin_user.create_user(username=PERSON.name, password=PASSWORD, email=PERSON.email)


def stored_choice(wiki) -> str:
    with wiki_request(wiki):
        return mail_choice(moin_user.User(auth_username=PERSON.name))


def save(client, choice, xhr=False, **extra):
    headers = {"Accept": "application/json, text/javascript, */*; q=0.01"} if xhr else {}
    data = {"part": "benachrichtigungen", "mail": choice, "csrf_token": page_token(client, "/+usersettings"), **extra}
    return client.post("/+usersettings", headers=headers, data=data)


def checked(page: str) -> list[str]:
    return re.findall(r'<input type="radio" id="mail-(\w+)" name="mail" value="\w+" checked>', page)


def test_the_choice_is_shown_saved_and_checked(wiki, client):
    login(client, PERSON)
    page = body(client.get("/+usersettings"))
    email_tab = page[page.index('<div id="notification"'):page.index('<div id="subscriptions"')]
    assert 'id="usersettings_benachrichtigungen"' in email_tab and checked(page) == [DEFAULT_CHOICE]
    assert "<a " not in email_tab.split("</h2>", 1)[1]  # moin's script makes every link of a part a tab
    for value in ("sofort", "taeglich", "woechentlich", "nie"):
        assert f'<label for="mail-{value}">' in page
    response = save(client, "woechentlich")
    assert response.status_code == 302 and response.headers["Location"].endswith("#notification")
    assert stored_choice(wiki) == "woechentlich" and checked(body(client.get("/+usersettings"))) == ["woechentlich"]
    response = save(client, "nie", xhr=True)
    assert response.get_json()["flash"] == [["Ihre Wahl für E-Mails zu Benachrichtigungen ist gespeichert.", "info"]]
    assert checked(unescape(response.get_json()["form"])) == ["nie"] and stored_choice(wiki) == "nie"


def test_an_unknown_choice_or_a_missing_token_changes_nothing(wiki, client):
    login(client, PERSON)
    assert save(client, "sofort").status_code == 302
    response = save(client, "stuendlich")
    assert response.status_code == 400 and "sofort, täglich, wöchentlich oder nie" in body(response)
    response = client.post("/+usersettings", data={"part": "benachrichtigungen", "mail": "nie"})
    assert response.status_code == 400
    assert stored_choice(wiki) == "sofort"
