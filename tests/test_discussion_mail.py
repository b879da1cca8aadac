"""Subscriptions send real mail: moin's notifications through a real SMTP server (aiosmtpd) started here."""

from urllib.parse import quote

import pytest
from conftest import CSRF_RE, MODERATOR, PASSWORD, Person, acting_as, login
from moin import user as moin_user

WRITER = Person("Wera Schreiber", "wera@example.org")
READER = Person("Rolf Leser", "rolf@example.org")
LEFT = Person("Lena Ausgetreten", "lena@example.org")
GROUP = "Mailrunde Test"
AREA = f"Gruppen/{GROUP}/Diskussion"


@pytest.fixture(scope="module", autouse=True)
def group(wiki):
    with acting_as(wiki, None):
        for person in (WRITER, READER, LEFT):
            moin_user.create_user(username=person.name, password=PASSWORD, email=person.email)
    with wiki.test_client() as client:
        login(client, MODERATOR)
        token = CSRF_RE.search(client.get("/+gaa/gruppe/neu").get_data(as_text=True)).group(1)
        client.post("/+gaa/gruppe/neu", data={"csrf_token": token, "name": GROUP, "sichtbarkeit": "privat", "beitritt": "einladung",
                                              "moderatoren": MODERATOR.name})
        for person in (WRITER, READER, LEFT):
            client.post(f"/+gaa/gruppe/{GROUP}/mitglieder", data={"csrf_token": token, "aktion": "aufnehmen", "benutzer": person.name})


def csrf(client):
    return CSRF_RE.search(client.get("/+gaa/kalender-schluessel").get_data(as_text=True)).group(1)


def test_subscribers_get_mail_for_new_posts_and_former_members_do_not(wiki, client, inbox):
    login(client, WRITER)
    client.post(f"/+gaa/diskussion/thema/{AREA}", data={"csrf_token": csrf(client), "titel": "Termine abstimmen",
                                                         "text": "Wann passt es allen?"})
    thread = f"{AREA}/Termine abstimmen"
    for person in (READER, LEFT, MODERATOR):  # the moderation reads every space (and stays subscribed below)
        login(client, person)
        page = client.get("/" + quote(thread)).get_data(as_text=True)
        assert "dieses Thema abonnieren" in page
        assert client.post(f"/+gaa/diskussion/abo/{quote(thread)}", data={"csrf_token": csrf(client), "aktion": "abonnieren"}).status_code == 302
        assert "dieses Thema abbestellen" in client.get("/" + quote(thread)).get_data(as_text=True)
    login(client, MODERATOR)
    client.post(f"/+gaa/gruppe/{GROUP}/mitglieder", data={"csrf_token": csrf(client), "aktion": "entfernen", "benutzer": LEFT.name})

    inbox.messages.clear()
    login(client, READER)
    assert client.post(f"/+gaa/diskussion/antwort/{quote(thread)}",
                       data={"csrf_token": csrf(client), "text": "Dienstag, 10 Uhr, passt mir gut."}).status_code == 302
    messages = inbox.wait_for(1)
    recipients = " ".join(m["X-Envelope-To"] for m in messages)
    assert WRITER.email in recipients  # the author of the thread is subscribed automatically
    assert READER.email not in recipients  # not about one's own post
    assert LEFT.email not in recipients  # left the group: may not read, gets nothing
    body = messages[0].get_body(preferencelist=("plain",)).get_content()
    assert "Dienstag, 10 Uhr, passt mir gut." in body and "Termine abstimmen" in str(messages[0]["Subject"])

    login(client, WRITER)
    client.post(f"/+gaa/diskussion/abo/{quote(thread)}", data={"csrf_token": csrf(client), "aktion": "abbestellen"})
    inbox.messages.clear()
    login(client, READER)
    client.post(f"/+gaa/diskussion/antwort/{quote(thread)}", data={"csrf_token": csrf(client), "text": "Noch ein Nachtrag."})
    # the mails of one post go out in one SMTP session before the POST answers: once the moderator's
    # has arrived, one to the writer would have arrived too
    assert "Noch ein Nachtrag." in inbox.wait_for_mail_to(MODERATOR.email).get_body(preferencelist=("plain",)).get_content()
    assert all(WRITER.email not in m["X-Envelope-To"] for m in inbox.messages)


def test_a_whole_space_can_be_subscribed(wiki, client, inbox):
    login(client, READER)
    page = client.get(f"/Gruppen/{GROUP}").get_data(as_text=True)
    assert "den ganzen Gesprächsraum abonnieren" in page
    client.post(f"/+gaa/diskussion/abo/Gruppen/{GROUP}", data={"csrf_token": csrf(client), "aktion": "abonnieren"})
    inbox.messages.clear()
    login(client, WRITER)
    client.post(f"/+gaa/diskussion/thema/{AREA}", data={"csrf_token": csrf(client), "titel": "Neues aus dem Landkreis",
                                                         "text": "Der Kreistag hat die Präventionskette beschlossen."})
    messages = inbox.wait_for(1)
    assert any(READER.email in m["X-Envelope-To"] for m in messages)
