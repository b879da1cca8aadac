"""Benachrichtigungen (issue 16.1) through the real app: every event kind, the page, marking read, paging, the
badge, and what a former member of a private group still sees (nothing of the group)."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from conftest import (
    ADMIN,
    MODERATOR,
    PASSWORD,
    Person,
    acting_as,
    body,
    create_accounts,
    login,
    main_part,
    page_token,
    save_page,
)
from moin import user as moin_user

from moin_gaa.core.accounts import account
from moin_gaa.notifications import events
from moin_gaa.notifications.inbox import BADGE_CHECKED, PAGE_SIZE
from moin_gaa.notifications.mentions import mentioned
from moin_gaa.notifications.store import NewNotification, notification_store

ANNA = Person("Anna Autorin", "anna.autorin@example.org")
BERT = Person("Bert Beispiel", "bert.beispiel@example.org")
CARLA = Person("Carla Dritte", "carla.dritte@example.org")
OPEN_GROUP = "Runde der Benachrichtigungen"
OPEN_AREA = f"Gruppen/{OPEN_GROUP}/Diskussion"
SECRET_GROUP = "Geheimzirkel Benachrichtigung"
SECRET_AREA = f"Gruppen/{SECRET_GROUP}/Diskussion"


def group(client, name, visibility, policy):
    response = client.post("/+gaa/gruppe/neu", data={
        "csrf_token": page_token(client), "name": name, "beschreibung": "Für Benachrichtigungen.",
        "sichtbarkeit": visibility, "beitritt": policy, "moderatoren": MODERATOR.name})
    assert response.status_code == 302, body(response)


def members(client, group_name, action, person):
    response = client.post(f"/+gaa/gruppe/{group_name}/mitglieder",
                           data={"csrf_token": page_token(client), "aktion": action, "benutzer": person.name})
    assert response.status_code == 302


@pytest.fixture(scope="module", autouse=True)
def people_and_groups(wiki):
    create_accounts(wiki, ANNA, BERT, CARLA)
    with wiki.test_client() as client:
        login(client, MODERATOR)
        group(client, OPEN_GROUP, "offen", "offen")
        group(client, SECRET_GROUP, "privat", "einladung")
        for person in (ANNA, BERT, CARLA):
            members(client, OPEN_GROUP, "aufnehmen", person)
        for person in (ANNA, BERT):
            members(client, SECRET_GROUP, "aufnehmen", person)


def notes(wiki, person):
    """(kind, item name, actor, detail, read) of ``person``'s notifications, newest first, straight from the store."""
    with acting_as(wiki, None):
        userid = account(person.name).userid
    return [(n.kind, n.item_name, n.actor, n.detail, n.read)
            for n in notification_store(wiki).page(userid, offset=0, limit=1000)]


def new_notes(wiki, person, before):
    return notes(wiki, person)[: len(notes(wiki, person)) - len(before)]


def new_thread(client, area, title, text="Erste Gedanken."):
    response = client.post(f"/+gaa/diskussion/thema/{area}", data={"csrf_token": page_token(client), "titel": title,
                                                                   "text": text})
    assert response.status_code == 302, body(response)
    return f"{area}/{title}"


def reply(client, thread, text, to=""):
    response = client.post(f"/+gaa/diskussion/antwort/{quote(thread)}",
                           data={"csrf_token": page_token(client), "text": text, "antwort_auf": to})
    assert response.status_code == 302, body(response)
    return response.headers["Location"].rsplit("#", 1)[1]  # the new post's id


def test_mentions_are_existing_account_names_after_an_at_sign(wiki):
    with acting_as(wiki, None):
        assert mentioned("Danke @Bert Beispiel, und @Niemand Hier? Frag @Anna Autorin.") == [BERT.name, ANNA.name]
        assert mentioned("mail@Bert Beispiel und @Bert Beispiel und @Bert Beispiel") == [BERT.name]
        assert mentioned("@Anna allein ist kein Konto") == []


def test_replies_tell_the_thread_and_the_post_author_never_oneself(wiki, client):
    login(client, ANNA)
    thread = new_thread(client, OPEN_AREA, "Antworten melden")
    anna_before, bert_before = notes(wiki, ANNA), notes(wiki, BERT)
    reply(client, thread, "Ich antworte mir selbst.")
    assert notes(wiki, ANNA) == anna_before
    login(client, BERT)
    post = reply(client, thread, "Bert antwortet aufs Thema.")
    assert new_notes(wiki, ANNA, anna_before) == [(events.REPLY_IN_THREAD, f"{thread}/{post}", BERT.name, "", False)]
    login(client, CARLA)
    answer = reply(client, thread, "Carla antwortet Bert.", to=post)
    assert new_notes(wiki, BERT, bert_before) == [(events.REPLY_TO_POST, f"{thread}/{answer}", CARLA.name, "", False)]
    assert new_notes(wiki, ANNA, anna_before)[0] == (events.REPLY_IN_THREAD, f"{thread}/{answer}", CARLA.name, "", False)


def test_mentions_in_posts_threads_and_edits_tell_the_named_person_once(wiki, client):
    carla_before = notes(wiki, CARLA)
    login(client, ANNA)
    thread = new_thread(client, OPEN_AREA, "Erwähnungen melden", "Was meint @Carla Dritte dazu?")
    assert new_notes(wiki, CARLA, carla_before) == [(events.MENTION, thread, ANNA.name, "", False)]
    login(client, BERT)
    post = reply(client, thread, "Ich frage auch @Carla Dritte und @Bert Beispiel.")
    bert_mentions = [n for n in notes(wiki, BERT) if n[0] == events.MENTION and n[1].startswith(thread)]
    assert bert_mentions == []  # not for one's own mention of oneself
    assert len(new_notes(wiki, CARLA, carla_before)) == 2
    # an edit: only a newly named person hears of it
    edit = f"/+gaa/diskussion/bearbeiten/{quote(thread)}/{post}"
    revid = re.search(r'name="revid" value="([^"]+)"', body(client.get(edit))).group(1)
    response = client.post(edit, data={"csrf_token": page_token(client), "revid": revid,
                                       "text": "Ich frage auch @Carla Dritte und jetzt @Anna Autorin."})
    assert response.status_code == 302
    assert len(new_notes(wiki, CARLA, carla_before)) == 2
    assert notes(wiki, ANNA)[0] == (events.MENTION, f"{thread}/{post}", BERT.name, "", False)


def test_a_refused_post_tells_nobody(wiki, client):
    login(client, ANNA)
    thread = new_thread(client, OPEN_AREA, "Gesperrt und still")
    anna_before, carla_before = notes(wiki, ANNA), notes(wiki, CARLA)
    login(client, BERT)
    response = client.post(f"/+gaa/diskussion/antwort/{quote(thread)}",
                           data={"csrf_token": page_token(client), "text": " ", "antwort_auf": ""})
    assert response.status_code == 400
    response = client.post(f"/+gaa/diskussion/antwort/{quote(thread)}",
                           data={"text": "Ohne Token an @Carla Dritte", "antwort_auf": ""})
    assert response.status_code == 400
    assert notes(wiki, ANNA) == anna_before and notes(wiki, CARLA) == carla_before


def test_subscribers_of_an_area_hear_of_new_threads(wiki, client):
    login(client, CARLA)
    assert client.post(f"/+gaa/diskussion/abo/{OPEN_AREA}", data={"csrf_token": page_token(client)}).status_code == 302
    carla_before, bert_before = notes(wiki, CARLA), notes(wiki, BERT)
    login(client, ANNA)
    thread = new_thread(client, OPEN_AREA, "Neu im abonnierten Bereich")
    assert new_notes(wiki, CARLA, carla_before) == [(events.NEW_THREAD, thread, ANNA.name, "", False)]
    assert notes(wiki, BERT) == bert_before  # not subscribed
    login(client, CARLA)
    page = main_part(client.get("/+gaa/benachrichtigungen"))
    assert f"{ANNA.name}</a> hat ein neues Thema eröffnet" in page and "„Neu im abonnierten Bereich“" in page


def decide(client, title, **form):
    response = client.post(f"/+gaa/werkzeug/status/{title}", data={"csrf_token": page_token(client), **form})
    assert response.status_code == 302


def test_decisions_on_a_tool_proposal_tell_the_proposer(wiki, client):
    login(client, ANNA)
    data = {"titel": "Benachrichtigte Checkliste", "kurzbeschreibung": "Zum Test.", "lebensphasen": ["kita"],
            "empfehlungen": ["beteiligung"], "art": "checkliste", "jahr": "2021", "langtext": "Text.",
            "csrf_token": page_token(client)}
    assert client.post("/+gaa/werkzeug/neu", data=data).status_code == 302
    before = notes(wiki, ANNA)
    login(client, MODERATOR)
    name = "Werkzeugkiste/Benachrichtigte Checkliste"
    decide(client, "Benachrichtigte Checkliste", aktion="rueckfrage", rueckfrage="Gibt es eine Quelle?")
    decide(client, "Benachrichtigte Checkliste", aktion="ablehnen", begruendung="Doppelt vorhanden.")
    decide(client, "Benachrichtigte Checkliste", aktion="veroeffentlichen")
    decide(client, "Benachrichtigte Checkliste", aktion="hervorheben")
    assert new_notes(wiki, ANNA, before) == [
        (events.TOOL_HIGHLIGHTED, name, MODERATOR.name, "", False),
        (events.TOOL_PUBLISHED, name, MODERATOR.name, "", False),
        (events.TOOL_REJECTED, name, MODERATOR.name, "Doppelt vorhanden.", False),
        (events.TOOL_QUESTION, name, MODERATOR.name, "Gibt es eine Quelle?", False),
    ]
    login(client, ANNA)
    page = main_part(client.get("/+gaa/benachrichtigungen"))
    assert "hat Ihren Werkzeug-Vorschlag abgelehnt" in page and "Begründung: Doppelt vorhanden." in page
    assert "Frage: Gibt es eine Quelle?" in page and "„Benachrichtigte Checkliste“" in page


def test_join_requests_tell_the_moderation_and_the_outcome_the_person(wiki, client):
    login(client, MODERATOR)
    group(client, "Anfragerunde Benachrichtigung", "offen", "anfrage")
    mona_before, bert_before, carla_before = notes(wiki, MODERATOR), notes(wiki, BERT), notes(wiki, CARLA)
    for person in (BERT, CARLA):
        login(client, person)
        response = client.post("/+gaa/gruppe/Anfragerunde Benachrichtigung/beitreten",
                               data={"csrf_token": page_token(client)})
        assert response.status_code == 302
    page = "Gruppen/Anfragerunde Benachrichtigung"
    assert new_notes(wiki, MODERATOR, mona_before) == [(events.JOIN_REQUEST, page, CARLA.name, "", False),
                                                       (events.JOIN_REQUEST, page, BERT.name, "", False)]
    login(client, MODERATOR)
    members(client, "Anfragerunde Benachrichtigung", "aufnehmen", BERT)
    members(client, "Anfragerunde Benachrichtigung", "ablehnen", CARLA)
    assert new_notes(wiki, BERT, bert_before) == [(events.JOIN_ACCEPTED, page, MODERATOR.name, "", False)]
    assert new_notes(wiki, CARLA, carla_before) == [(events.JOIN_REJECTED, page, MODERATOR.name, "", False)]
    login(client, CARLA)
    assert "hat Ihre Beitrittsanfrage abgelehnt" in main_part(client.get("/+gaa/benachrichtigungen"))


def test_a_person_named_editor_of_a_profile_hears_of_it_once(wiki):
    before = notes(wiki, CARLA)
    fields = {"name": "Meldestadt", "art": "landkreis", "land": "th", "redakteure": [CARLA.name]}
    with acting_as(wiki, ADMIN):
        save_page("Kommunen/Meldestadt", "<<MunicipalityProfile>>", gaa_type="kommune", gaa_fields=fields)
        save_page("Kommunen/Meldestadt", "<<MunicipalityProfile>>", gaa_type="kommune",
                  gaa_fields={**fields, "einwohner": 1000})
    assert new_notes(wiki, CARLA, before) == [(events.PROFILE_EDITOR, "Kommunen/Meldestadt", ADMIN.name, "", False)]


def badge(response) -> str:
    return re.search(r'Benachrichtigungen <span class="pw-badge[^"]*">([^<]+)</span>', body(response)).group(1)


def test_marking_read_needs_the_token_and_ones_own_notification(wiki, client):
    login(client, ANNA)
    new_thread(client, OPEN_AREA, "Zum Lesen markieren")
    login(client, BERT)
    reply(client, f"{OPEN_AREA}/Zum Lesen markieren", "Hallo @Anna Autorin")
    login(client, ANNA)
    page = client.get("/+gaa/benachrichtigungen")
    unread = int(badge(page))
    assert unread >= 1 and 'class="gaa-note gaa-note-unread"' in body(page) and "Ungelesen: " in body(page)
    newest = re.search(r'id="benachrichtigung-(\d+)"', body(page)).group(1)
    assert client.post("/+gaa/benachrichtigungen/gelesen", data={"id": newest}).status_code == 400  # no token
    login(client, BERT)
    assert client.post("/+gaa/benachrichtigungen/gelesen",
                       data={"id": newest, "csrf_token": page_token(client)}).status_code == 404  # not Bert's
    login(client, ANNA)
    response = client.post("/+gaa/benachrichtigungen/gelesen", data={"id": newest, "csrf_token": page_token(client)})
    assert response.status_code == 302
    page = client.get("/+gaa/benachrichtigungen")
    assert int(badge(page)) == unread - 1
    assert f'<li class="gaa-note" id="benachrichtigung-{newest}">' in body(page)
    client.post("/+gaa/benachrichtigungen/gelesen", data={"alle": "1", "csrf_token": page_token(client)})
    page = client.get("/+gaa/benachrichtigungen")
    assert badge(page) == "0" and "gaa-note-unread" not in body(page)
    assert client.get("/+gaa/benachrichtigungen").status_code == 200
    login(client, CARLA)
    assert "benachrichtigung-" + newest not in body(client.get("/+gaa/benachrichtigungen"))


def test_the_page_is_paged_newest_first_and_for_logged_in_people(wiki, client):
    person = Person("Paula Viele", "paula.viele@example.org")
    with acting_as(wiki, None):
        assert not moin_user.create_user(username=person.name, password=PASSWORD, email=person.email)
        userid = account(person.name).userid
        itemid = account(MODERATOR.name).userid  # any item id: a user profile nobody may read as a page
    with acting_as(wiki, ADMIN):
        save_page("Werkzeugkiste/Seitenweise", "Text", gaa_type="werkzeug",
                  gaa_fields={"titel": "Seitenweise", "status": "geprueft"})
    with acting_as(wiki, None):
        from flask import current_app
        tool = current_app.storage.get_item(name_exact="Werkzeugkiste/Seitenweise", namespace="").itemid
    store = notification_store(wiki)
    store.add([NewNotification(userid, events.TOOL_QUESTION, itemid, "Profil", MODERATOR.name, "geheim")])
    store.add([NewNotification(userid, events.TOOL_QUESTION, tool, "Werkzeugkiste/Seitenweise", MODERATOR.name,
                               f"Frage Nummer {n}") for n in range(PAGE_SIZE + 4)])
    assert client.get("/+gaa/benachrichtigungen").status_code == 302  # anonymous: to the login
    login(client, person)
    first = body(client.get("/+gaa/benachrichtigungen"))
    assert "Frage Nummer 23" in first and "Frage Nummer 4" in first and "Frage Nummer 3" not in first
    assert first.index("Frage Nummer 23") < first.index("Frage Nummer 22")  # newest first
    assert "Seite 1 von 2" in first and 'rel="next"' in first and "Kein Zugriff mehr" not in first
    assert badge(client.get("/Startseite")) == str(PAGE_SIZE + 4)  # the unreadable one does not count
    second = body(client.get("/+gaa/benachrichtigungen?seite=2"))
    assert "Frage Nummer 3" in second and "Frage Nummer 0" in second and "Frage Nummer 4" not in second
    assert "Seite 2 von 2" in second and 'rel="prev"' in second
    assert "Kein Zugriff mehr" in second and "geheim" not in second  # an item the person may not read
    assert client.get("/+gaa/benachrichtigungen?seite=x").status_code == 200
    store.add([NewNotification(userid, events.TOOL_QUESTION, tool, "Werkzeugkiste/Seitenweise", MODERATOR.name, "mehr")
               for _ in range(BADGE_CHECKED)])
    assert badge(client.get("/Startseite")) == f"{BADGE_CHECKED}+"


def test_a_former_member_sees_nothing_of_the_private_group(wiki, client):
    login(client, BERT)
    thread = new_thread(client, SECRET_AREA, "Vertrauliche Haushaltsplanung")
    bert_before, carla_before = notes(wiki, BERT), notes(wiki, CARLA)
    login(client, ANNA)
    reply(client, thread, "Streng vertraulich, @Bert Beispiel und @Carla Dritte: die Zahlen.")
    assert len(new_notes(wiki, BERT, bert_before)) == 1
    assert notes(wiki, CARLA) == carla_before  # not a member: mentioned, but told nothing
    login(client, BERT)
    client.post("/+gaa/benachrichtigungen/gelesen", data={"alle": "1", "csrf_token": page_token(client)})
    login(client, ANNA)
    reply(client, thread, "Noch eine Antwort.")
    login(client, BERT)
    page = main_part(client.get("/+gaa/benachrichtigungen"))
    assert "Vertrauliche Haushaltsplanung" in page
    unread = int(badge(client.get("/Startseite")))
    assert unread >= 1
    response = client.post(f"/+gaa/gruppe/{SECRET_GROUP}/austreten", data={"csrf_token": page_token(client)})
    assert response.status_code == 302
    page = main_part(client.get("/+gaa/benachrichtigungen"))
    assert page.count("Kein Zugriff mehr") == 2
    for secret in ("Vertrauliche Haushaltsplanung", SECRET_GROUP, "Geheimzirkel", "Streng vertraulich", ANNA.name):
        assert secret not in page
    assert int(badge(client.get("/Startseite"))) == unread - 1  # the unread one of the group no longer counts


def test_the_post_form_suggests_accounts_and_mentions_the_chosen_person(wiki, client):
    login(client, ANNA)
    thread = new_thread(client, OPEN_AREA, "Vorschläge beim Erwähnen")
    page = body(client.get("/" + quote(thread)))
    form = page[page.index('class="gaa-post-form"'):]
    field = re.search(r'<input[^>]*name="erwaehnen"[^>]*>', form).group(0)
    datalist = re.search(r'<datalist id="([^"]+)">(.*?)</datalist>', form, re.S)
    assert f'list="{datalist.group(1)}"' in field and f'<option value="{CARLA.name}">' in datalist.group(2)
    assert '<label for="antwort-text-erwaehnen">Person erwähnen (optional)</label>' in form
    carla_before = notes(wiki, CARLA)
    response = client.post(f"/+gaa/diskussion/antwort/{quote(thread)}",
                           data={"csrf_token": page_token(client), "text": "Siehe oben.", "erwaehnen": "Niemand Bekanntes"})
    assert response.status_code == 400 and "Es gibt kein Konto „Niemand Bekanntes“." in body(response)
    assert 'value="Niemand Bekanntes"' in body(response) and "Siehe oben." in body(response)
    post = reply_with(client, thread, text="Siehe oben.", erwaehnen=CARLA.name)
    assert new_notes(wiki, CARLA, carla_before) == [(events.MENTION, f"{thread}/{post}", ANNA.name, "", False)]
    shown = body(client.get("/" + quote(thread)))
    assert f'<p><a href="/users/Carla%20Dritte">@{CARLA.name}</a> Siehe oben.</p>' in shown  # the person page


def reply_with(client, thread, **form):
    response = client.post(f"/+gaa/diskussion/antwort/{quote(thread)}", data={"csrf_token": page_token(client), **form})
    assert response.status_code == 302, body(response)
    return response.headers["Location"].rsplit("#", 1)[1]


def test_mentions_are_linked_in_running_text_only(wiki):
    from moin_gaa.notifications.mentions import link_mentions, with_mention

    with acting_as(wiki, None):
        html = ('<p>Hallo @Bert Beispiel und <a href="https://x.example">@Bert Beispiel</a> '
                '<code>@Bert Beispiel</code> @Bert Beispielhaft</p>')
        linked = link_mentions(html, "@Bert Beispiel")
        assert linked.count('<a href="/users/Bert%20Beispiel">@Bert Beispiel</a>') == 1
        assert '<code>@Bert Beispiel</code>' in linked and "@Bert Beispielhaft" in linked
        assert with_mention("Text", BERT.name) == "@Bert Beispiel Text"
        assert with_mention("Danke @Bert Beispiel", BERT.name) == "Danke @Bert Beispiel"
        assert with_mention("  ", BERT.name) == "  "  # an empty post stays empty (and is refused)


def test_a_broken_store_costs_the_badge_not_the_page(wiki, client, monkeypatch):
    import sqlite3

    from moin_gaa.notifications.store import NotificationStore

    def broken(*_args, **_kwargs):
        raise sqlite3.OperationalError("disk I/O error")

    login(client, ANNA)
    monkeypatch.setattr(NotificationStore, "unread", broken)
    response = client.get("/Startseite")
    assert response.status_code == 200 and "pw-usernav-notifications" not in body(response)
