"""Notifications by e-mail (issue 16.2, 16.3) through a real SMTP server (aiosmtpd): at once, the digest (idempotent,
nothing of a private group for a former member), one mail per event beside moin's subscription mails, the
unsubscribe link without login (a forged or altered token refused), „Neues im PartnerWiki“ and its preview."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from urllib.parse import quote, urlsplit

import pytest
from conftest import (
    MODERATOR,
    PASSWORD,
    REGISTERED,
    Person,
    acting_as,
    body,
    login,
    logout,
    main_part,
    page_token,
    wiki_request,
)
from moin import user as moin_user

from moin_gaa.core.accounts import account
from moin_gaa.notifications.digest import send_due_digests
from moin_gaa.notifications.mail_choice import mail_choice, network_digest, save_mail_choice
from moin_gaa.notifications.mail_log import BY_SUBSCRIPTION, mail_log
from moin_gaa.notifications.store import notification_store

WRITER = Person("Walter Schreibmail", "walter.schreibmail@example.org")
QUICK = Person("Sofia Sofortmail", "sofia.sofortmail@example.org")
DAILY = Person("Tara Taeglichmail", "tara.taeglichmail@example.org")
OPEN_GROUP = "Mailbenachrichtigung offen"
SECRET_GROUP = "Mailbenachrichtigung geheim"
SECRET_TITLE = "Vertrauliche Haushaltsplanung"
SECRET_TEXT = "Streng vertraulicher Zahlenwert 4711"


def post(client, path, **data):
    response = client.post(path, data={"csrf_token": page_token(client), **data})
    assert response.status_code == 302, body(response)
    return response


@pytest.fixture(scope="module", autouse=True)
def people_and_groups(wiki, inbox):
    with acting_as(wiki, None):
        for person, choice in ((WRITER, "nie"), (QUICK, "sofort"), (DAILY, "taeglich")):
            assert not moin_user.create_user(username=person.name, password=PASSWORD, email=person.email)
            assert save_mail_choice(moin_user.User(auth_username=person.name), choice) is None
    with wiki.test_client() as client:
        login(client, MODERATOR)
        for name, visibility, policy in ((OPEN_GROUP, "offen", "offen"), (SECRET_GROUP, "privat", "einladung")):
            post(client, "/+gaa/gruppe/neu", name=name, beschreibung="Für Mails.", sichtbarkeit=visibility,
                 beitritt=policy, moderatoren=MODERATOR.name)
            for person in (WRITER, QUICK, DAILY):
                post(client, f"/+gaa/gruppe/{name}/mitglieder", aktion="aufnehmen", benutzer=person.name)


def thread(client, group, title, text):
    post(client, f"/+gaa/diskussion/thema/Gruppen/{group}/Diskussion", titel=title, text=text)
    return f"Gruppen/{group}/Diskussion/{title}"


def mails_to(inbox, person):
    return [m for m in inbox.messages if person.email in m["X-Envelope-To"]]


def text_of(message) -> str:
    return message.get_body(("plain",)).get_content()


def userid(wiki, person) -> str:
    with acting_as(wiki, None):
        return account(person.name).userid


def test_sofort_mails_a_mention_at_once_in_german_with_a_link_and_no_ids(wiki, client, inbox):
    login(client, WRITER)
    name = thread(client, OPEN_GROUP, "Elternabend sofort", f"Was meinst du, @{QUICK.name}?")
    mail = inbox.wait_for_mail_to(QUICK.email)
    text = text_of(mail)
    assert f"{WRITER.name} hat Sie erwähnt im Thema „Elternabend sofort“" in text
    assert quote(name) in text and "/+gaa/abbestellen/" in text and "Guten Tag" in text
    assert mail["List-Unsubscribe"].startswith("<http") and "/+gaa/abbestellen/" in mail["List-Unsubscribe"]
    with acting_as(wiki, None):
        itemid = moin_user.User(auth_username=QUICK.name).itemid
    whole = mail.as_string()
    assert itemid not in whole, whole[max(0, whole.find(itemid) - 300):whole.find(itemid) + 100]
    assert not mails_to(inbox, DAILY)  # „täglich“ waits for the digest


def test_a_subscriber_gets_one_mail_per_event_not_two(wiki, client, inbox):
    """QUICK writes a thread (authors are subscribed): a reply reaches them by moin's subscription mail only."""
    login(client, QUICK)
    name = thread(client, OPEN_GROUP, "Eigenes Thema", "Mein Anliegen.")
    logout(client)
    login(client, WRITER)
    before = len(mails_to(inbox, QUICK))
    post(client, f"/+gaa/diskussion/antwort/{quote(name)}", text="Gute Idee!")
    inbox.wait_for(len(inbox.messages) + 1, seconds=3)
    new = mails_to(inbox, QUICK)[before:]
    assert len(new) == 1 and "Neuer Beitrag" in text_of(new[0])
    note = notification_store(wiki).page(userid(wiki, QUICK), offset=0, limit=1)[0]
    assert note.kind == "antwort_thema" and mail_log(wiki).how(note.id) == BY_SUBSCRIPTION


def run_digests(wiki, now=None):
    with wiki_request(wiki):
        return send_due_digests(now=now)


def test_the_digest_for_a_former_member_holds_nothing_of_the_private_group_and_a_second_run_sends_nothing(
        wiki, client, inbox):
    login(client, WRITER)
    thread(client, SECRET_GROUP, SECRET_TITLE, f"{SECRET_TEXT}, @{DAILY.name} bitte prüfen.")
    thread(client, OPEN_GROUP, "Offene Sommerplanung", f"@{DAILY.name} kommst du?")
    logout(client)
    login(client, MODERATOR)
    post(client, f"/+gaa/gruppe/{SECRET_GROUP}/mitglieder", aktion="entfernen", benutzer=DAILY.name)
    kinds = [n.kind for n in notification_store(wiki).page(userid(wiki, DAILY), offset=0, limit=10)]
    assert kinds.count("erwaehnung") == 2  # both were stored while DAILY was a member
    before = len(mails_to(inbox, DAILY))
    assert run_digests(wiki).personal >= 1
    digest = inbox.wait_for_mail_to(DAILY.email)
    text = text_of(digest) + digest.get_body(("html",)).get_content()
    assert "Offene Sommerplanung" in text and "Ihre Benachrichtigungen" in digest["Subject"]
    assert SECRET_TITLE not in text and SECRET_TEXT not in text and SECRET_GROUP not in text
    assert "Vertraulich" not in digest.as_string()
    assert run_digests(wiki).personal == 0  # idempotent: the same day nothing is due
    assert len(mails_to(inbox, DAILY)) == before + 1
    tomorrow = datetime.now(timezone.utc) + timedelta(days=1)
    assert run_digests(wiki, now=tomorrow).personal == 0  # due again, but nothing new: no mail


def unsubscribe_link(mail) -> str:
    url = re.search(r"(http\S+/\+gaa/abbestellen/\S+)", text_of(mail)).group(1)
    return urlsplit(url).path


def test_the_unsubscribe_link_works_without_login_and_a_forged_one_is_refused(wiki, inbox):
    path = unsubscribe_link(mails_to(inbox, QUICK)[0])
    with wiki.test_client() as anonymous:
        for forged in (path[:-3] + ("abc" if not path.endswith("abc") else "xyz"), path.replace("/abbestellen/", "/abbestellen/x"),
                       "/+gaa/abbestellen/eyJ1IjoiMSJ9.bogus"):
            response = anonymous.get(forged)
            assert response.status_code == 400 and "Abbestell-Link ist ungültig" in body(response)
        confirm = anonymous.get(path)
        assert confirm.status_code == 200 and "Ja, abbestellen" in body(confirm)
        with acting_as(wiki, None):
            assert mail_choice(moin_user.User(auth_username=QUICK.name)) == "sofort"  # GET changes nothing
        response = anonymous.post(path, data={"csrf_token": re.search(r'name="csrf_token" value="([^"]+)"',
                                                                      body(confirm)).group(1)})
        assert response.status_code == 200 and "keine E-Mails mehr" in body(response)
    with acting_as(wiki, None):
        assert mail_choice(moin_user.User(auth_username=QUICK.name)) == "nie"


def test_neues_im_partnerwiki_goes_weekly_to_subscribers_and_moderators_preview_it(wiki, client, inbox):
    login(client, MODERATOR)
    post(client, "/+gaa/online-diskussion/neu", titel="Netzwerkrunde Mail", einleitung="Worum es geht.",
         beginn=(datetime.now().date() - timedelta(days=1)).strftime("%d.%m.%Y"),
         ende=(datetime.now().date() + timedelta(days=10)).strftime("%d.%m.%Y"))
    preview = client.get("/+gaa/benachrichtigungen/netzwerk-vorschau")
    assert preview.status_code == 200 and "Netzwerkrunde Mail" in body(preview), main_part(preview)
    assert SECRET_TITLE not in body(preview)
    logout(client)
    login(client, REGISTERED)
    assert client.get("/+gaa/benachrichtigungen/netzwerk-vorschau").status_code == 403
    with acting_as(wiki, None):
        user = moin_user.User(auth_username=DAILY.name)
        save_mail_choice(user, mail_choice(user), network=True)
    assert run_digests(wiki).network == 1 and run_digests(wiki).network == 0
    mail = [m for m in mails_to(inbox, DAILY) if "Neues im PartnerWiki" in m["Subject"]][-1]
    html = mail.get_body(("html",)).get_content()
    assert "Netzwerkrunde Mail" in text_of(mail) and "Offene Online-Diskussionen" in html
    with wiki.test_client() as anonymous:
        confirm = anonymous.get(unsubscribe_link(mail))
        token = re.search(r'name="csrf_token" value="([^"]+)"', body(confirm)).group(1)
        assert "nicht mehr" in body(anonymous.post(unsubscribe_link(mail), data={"csrf_token": token}))
    with acting_as(wiki, None):
        assert not network_digest(moin_user.User(auth_username=DAILY.name))
