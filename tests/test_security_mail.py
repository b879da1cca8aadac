"""Issue 10.9: subscribers' mails carry no internals – through a real SMTP server (aiosmtpd).

moin's own notification mails sent every subscriber the editor's IP address, user id, the item's ids
and the whole metadata diff (ACLs, our record fields). Ours say in German what changed, where, who
did it (display name), link the item and tell how to unsubscribe – and nothing else.
"""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from conftest import MODERATOR, PASSWORD, Person, acting_as, login, page_token, save_page
from moin import user as moin_user
from moin.constants.keys import ITEMID

EDITOR = Person("Egon Bearbeiter", "egon@example.org")
EDITOR_DISPLAY = "Dr. Egon Beispiel"
SUBSCRIBER = Person("Susi Abonnentin", "susi@example.org")
WATCHER = Person("Otto Mitleser", "otto.mitleser@example.org")
EDITOR_IP = "198.51.100.77"  # TEST-NET-2: appears nowhere unless copied from the request
PAGE = "Mailprobe Sicherheit"
SECRET_ACL = "Moderatoren:read,write,create,destroy,admin Known:read,write,create All:read"
GROUP = "Mailprobe Runde"
AREA = f"Gruppen/{GROUP}/Diskussion"
THREAD_TITLE = "Elternabend planen"
THREAD = f"{AREA}/{THREAD_TITLE}"

# moin's metadata keys and our record fields: none of them belongs into a mail
META_KEYS = re.compile(r"\b(userid|address|itemid|revid|parentid|dataid|sha1|rev_number|contenttype|itemtype|namespace"
                       r"|gaa_type|gaa_fields|antwort_auf|versteckt|acl|name_old|mtime)\b", re.IGNORECASE)
HEX_ID = re.compile(r"\b[0-9a-f]{32}\b")  # moin's item, revision and user ids


def parts(message) -> tuple[str, str]:
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    return text, html


def ids_of(wiki, name: str) -> dict[str, str]:
    """Every id moin keeps about the current revision of ``name`` and about the editor."""
    from moin_gaa.core.items import current

    with acting_as(wiki, MODERATOR):
        meta, _text = current(name)
        editor = moin_user.User(auth_username=EDITOR.name)
        return {"itemid": meta[ITEMID], "revid": meta["revid"], "parentid": meta.get("parentid", ""),
                "dataid": meta["dataid"], "userid": meta["userid"], "editor itemid": editor.itemid}


def assert_nothing_internal(message, ids: dict[str, str]) -> None:
    text, html = parts(message)
    headers = "\n".join(f"{k}: {v}" for k, v in message.items() if k != "X-Envelope-To")
    for where, content in (("text", text), ("html", html), ("headers", headers)):
        assert EDITOR_IP not in content, f"editor's IP address in the {where}"
        for label, value in ids.items():
            assert not value or value not in content, f"{label} {value} in the {where}"
        assert not HEX_ID.search(content), f"an id-like value in the {where}: {HEX_ID.search(content).group(0)}"
        assert not META_KEYS.search(content), f"metadata key {META_KEYS.search(content).group(0)!r} in the {where}"


def base_url(wiki) -> str:
    return wiki.cfg.interwiki_map[wiki.cfg.interwikiname].rstrip("/")


@pytest.fixture(scope="module", autouse=True)
def people_and_page(wiki):
    with acting_as(wiki, None):
        assert not moin_user.create_user(username=EDITOR.name, password=PASSWORD, email=EDITOR.email,
                                         display_name=EDITOR_DISPLAY)
        for person in (SUBSCRIBER, WATCHER):
            assert not moin_user.create_user(username=person.name, password=PASSWORD, email=person.email)
    with acting_as(wiki, MODERATOR):
        save_page(PAGE, "Erste Fassung der Seite.\n")
    with acting_as(wiki, None):
        from moin_gaa.core.items import current

        itemid = current(PAGE)[0][ITEMID]
        moin_user.User(auth_username=SUBSCRIBER.name).subscribe(ITEMID, itemid)  # moin's „Abonnieren“ on the page
        moin_user.User(auth_username=WATCHER.name).subscribe("namere", "^Mailprobe", "")  # a pattern in the settings


def test_a_page_saved_in_moins_editor_mails_german_text_without_internals(wiki, client, inbox):
    login(client, EDITOR)
    inbox.messages.clear()
    response = client.post(f"/+modify/{quote(PAGE)}", environ_base={"REMOTE_ADDR": EDITOR_IP}, data={
        "csrf_token": page_token(client, f"/+modify/{quote(PAGE)}"), "comment": "Tippfehler",
        "content_form_data_text": "Zweite Fassung der Seite.\n", "meta_form_acl": "None", "meta_form_name": PAGE,
        "meta_form_summary": "", "meta_form_tags": "", "submit": "OK"})
    assert response.status_code == 302, response.status_code

    message = inbox.wait_for_mail_to(SUBSCRIBER.email)
    text, html = parts(message)
    url = f"{base_url(wiki)}/{quote(PAGE)}"
    assert message["To"] == SUBSCRIBER.email  # nobody sees the other subscribers' addresses
    assert message["X-Envelope-To"] == SUBSCRIBER.email
    assert PAGE in str(message["Subject"]) and "geändert" in str(message["Subject"])
    for body in (text, html):
        assert f"„{PAGE}“ wurde von {EDITOR_DISPLAY} geändert" in body
        assert "Zweite Fassung der Seite." in body  # the change itself: the subscriber may read the page
        assert "Tippfehler" in body
        assert "abbestellen" in body.lower()
    assert url in text and f'href="{url}"' in html
    unsubscribe = f"{base_url(wiki)}/+subscribe/{quote(PAGE)}"
    assert unsubscribe in text and f'href="{unsubscribe}"' in html  # moin's toggle (confirmed by a POST)
    assert f"{base_url(wiki)}/+usersettings" in text
    assert_nothing_internal(message, ids_of(wiki, PAGE))

    watcher = inbox.wait_for_mail_to(WATCHER.email)  # subscribed by a pattern: the page's toggle would not help
    watcher_text, _html = parts(watcher)
    assert watcher["To"] == WATCHER.email and SUBSCRIBER.email not in watcher.as_string()
    assert f"{base_url(wiki)}/+usersettings" in watcher_text and "/+subscribe/" not in watcher_text
    assert_nothing_internal(watcher, ids_of(wiki, PAGE))


def test_an_acl_change_is_not_mailed(wiki, client, inbox):
    """Metadata stays out of the mail: the ACL a moderator sets says who may do what – internal."""
    login(client, MODERATOR)
    inbox.messages.clear()
    client.post(f"/+modify/{quote(PAGE)}", environ_base={"REMOTE_ADDR": EDITOR_IP}, data={
        "csrf_token": page_token(client, f"/+modify/{quote(PAGE)}"), "comment": "",
        "content_form_data_text": "Dritte Fassung der Seite.\n", "meta_form_acl": SECRET_ACL, "meta_form_name": PAGE,
        "meta_form_summary": "Kurz gesagt", "meta_form_tags": "", "submit": "OK"})
    message = inbox.wait_for_mail_to(SUBSCRIBER.email)
    text, html = parts(message)
    assert "Dritte Fassung der Seite." in text
    assert "Moderatoren:" not in text + html and "Known:" not in text + html
    assert_nothing_internal(message, ids_of(wiki, PAGE))


def test_a_deleted_page_is_announced_as_deleted(wiki, client, inbox):
    name = "Mailprobe Löschkandidat"
    with acting_as(wiki, MODERATOR):
        save_page(name, "Bald weg.\n")
    ids = ids_of(wiki, name)
    login(client, MODERATOR)
    inbox.messages.clear()
    response = client.post(f"/+delete/{quote(name)}", environ_base={"REMOTE_ADDR": EDITOR_IP},
                           data={"csrf_token": page_token(client), "comment": "", "submit": "OK"})
    assert response.status_code in (200, 302)
    message = inbox.wait_for_mail_to(WATCHER.email)
    text, html = parts(message)
    assert f"„{name}“ wurde von {MODERATOR.name} gelöscht" in text
    assert_nothing_internal(message, ids)


@pytest.fixture(scope="module")
def thread(wiki):
    with wiki.test_client() as client:
        login(client, MODERATOR)
        token = page_token(client, "/+gaa/gruppe/neu")
        client.post("/+gaa/gruppe/neu", data={"csrf_token": token, "name": GROUP, "sichtbarkeit": "privat",
                                              "beitritt": "einladung", "moderatoren": MODERATOR.name})
        for person in (EDITOR, SUBSCRIBER):
            client.post(f"/+gaa/gruppe/{GROUP}/mitglieder",
                        data={"csrf_token": token, "aktion": "aufnehmen", "benutzer": person.name})
        login(client, SUBSCRIBER)  # opens the thread, so is subscribed to its answers
        response = client.post(f"/+gaa/diskussion/thema/{quote(AREA)}", data={
            "csrf_token": page_token(client), "titel": THREAD_TITLE, "text": "Wer bringt was mit?"})
        assert response.status_code == 302, response.status_code
    return THREAD


def test_a_new_post_mails_thread_subscribers_without_internals(wiki, client, inbox, thread):
    login(client, EDITOR)
    inbox.messages.clear()
    token = page_token(client, "/" + quote(thread))
    response = client.post(f"/+gaa/diskussion/antwort/{quote(thread)}", environ_base={"REMOTE_ADDR": EDITOR_IP},
                           data={"csrf_token": token, "text": "Ich bringe Kuchen mit."})
    assert response.status_code == 302, response.status_code

    message = inbox.wait_for_mail_to(SUBSCRIBER.email)
    text, html = parts(message)
    thread_url = f"{base_url(wiki)}/{quote(thread)}"
    assert message["To"] == SUBSCRIBER.email
    assert THREAD_TITLE in str(message["Subject"]) and "Neuer Beitrag" in str(message["Subject"])
    for body in (text, html):
        assert f"Neuer Beitrag von {EDITOR_DISPLAY} im Thema „{THREAD_TITLE}“" in body
        assert "Ich bringe Kuchen mit." in body
        assert "abbestellen" in body.lower()
    assert thread_url in text and f'href="{thread_url}' in html
    assert "dieses Thema abbestellen" in text  # the button on the thread page ends the pattern subscription
    assert f"{base_url(wiki)}/+usersettings" in text
    assert EDITOR.email not in message.as_string()
    with acting_as(wiki, MODERATOR):
        posts = _names_below(thread)
    assert posts
    for name in posts:
        assert_nothing_internal(message, ids_of(wiki, name) | {"thread": ids_of(wiki, thread)["itemid"]})


def _names_below(prefix: str) -> list[str]:
    from flask import g as flaskg
    from moin.constants.keys import NAME, NAME_EXACT
    from whoosh.query import Prefix

    return [rev.meta[NAME][0] for rev in flaskg.storage.search(Prefix(NAME_EXACT, prefix + "/"), limit=None)]


def test_what_users_wrote_is_escaped_in_html_and_cannot_add_headers(wiki):
    """Names, comments and text are the users' own: escaped in the HTML part, one line in the subject."""
    from io import BytesIO

    from moin.utils.subscriptions import Subscriber

    from moin_gaa.core.notification_mail import describe, message_for

    hostile = "<img src=x onerror=alert(1)>\r\nBcc: evil@example.org"
    old = {"name": ["Mailprobe Alt"], "contenttype": "text/plain;charset=utf-8"}
    new = {"name": [hostile], "contenttype": "text/plain;charset=utf-8", "comment": "<script>alert(2)</script>"}
    with acting_as(wiki, MODERATOR):
        change = describe("SAVE", old, new, BytesIO(b"alt\n"), BytesIO(b"<svg onload=alert(3)>\n"))
        susi = moin_user.User(auth_username=SUBSCRIBER.name)
        message = message_for(change, Subscriber(susi.itemid, SUBSCRIBER.name, SUBSCRIBER.email, "de"), new)
    text, html = parts(message)
    assert "<img" not in html and "<script" not in html and "<svg" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html and "&lt;svg onload=alert(3)&gt;" in html
    assert "<svg onload=alert(3)>" in text  # plain text stays as written
    assert "\n" not in str(message["Subject"]) and message["Bcc"] is None
    assert [v for k, v in message.items() if k.lower() == "to"] == [SUBSCRIBER.email]
