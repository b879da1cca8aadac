"""Gesprächsräume and threads through the real app: groups, membership, posting, editing, moderation."""

import itertools
import re
from urllib.parse import quote

import pytest
from conftest import CSRF_RE, MODERATOR, PASSWORD, REGISTERED, Person, acting_as, login
from moin import user as moin_user

MEMBER = Person("Mia Mitglied", "mia@example.org")
OUTSIDER = Person("Olaf Außen", "olaf@example.org")
GROUP = "Steuerungsrunde Test"
AREA = f"Gruppen/{GROUP}/Diskussion"


def token(client, path="/+gaa/gruppe/neu"):
    return CSRF_RE.search(client.get(path).get_data(as_text=True)).group(1)


def csrf(client):
    return token(client, "/+gaa/kalender-schluessel")


@pytest.fixture(scope="module", autouse=True)
def people_and_group(wiki):
    with acting_as(wiki, None):
        for person in (MEMBER, OUTSIDER):
            moin_user.create_user(username=person.name, password=PASSWORD, email=person.email)
    with wiki.test_client() as client:
        login(client, MODERATOR)
        response = client.post("/+gaa/gruppe/neu", data={
            "csrf_token": token(client), "name": GROUP, "beschreibung": "Die **Steuerungsrunde** der Präventionskette.",
            "sichtbarkeit": "privat", "beitritt": "anfrage", "moderatoren": MODERATOR.name})
        assert response.status_code == 302, response.get_data(as_text=True)
        response = client.post(f"/+gaa/gruppe/{GROUP}/mitglieder", data={"csrf_token": csrf(client), "aktion": "aufnehmen",
                                                                          "benutzer": MEMBER.name})
        assert response.status_code == 302


THREAD = f"{AREA}/Wie binden wir die Kitas ein?"


def page_of(name: str) -> str:
    return "/" + quote(name)  # titles may contain „?“


def new_thread(client, title="Wie binden wir die Kitas ein?", text="Erste Gedanken: *gemeinsam* planen."):
    return client.post(f"/+gaa/diskussion/thema/{AREA}", data={"csrf_token": csrf(client), "titel": title, "text": text})


def reply(client, thread, text, to=""):
    return client.post(f"/+gaa/diskussion/antwort/{quote(thread)}", data={"csrf_token": csrf(client), "text": text, "antwort_auf": to})


THREAD_NUMBERS = itertools.count(1)


@pytest.fixture
def member_thread(wiki):
    """A new thread of the member's with one reply of theirs: every test that changes a thread has its own,
    so the module passes in any order."""
    title = f"Testthema {next(THREAD_NUMBERS)}"
    with wiki.test_client() as client:
        login(client, MEMBER)
        assert new_thread(client, title, "Erste Gedanken.").status_code == 302
        assert reply(client, f"{AREA}/{title}", "Über die Kita-Leitungsrunde.").status_code == 302
    return f"{AREA}/{title}"


def test_group_creation_is_checked_and_for_moderators_only(client):
    login(client, REGISTERED)
    assert client.get("/+gaa/gruppe/neu").status_code == 403
    login(client, MODERATOR)
    response = client.post("/+gaa/gruppe/neu", data={"csrf_token": token(client), "name": "a/b", "sichtbarkeit": "geheim",
                                                     "beitritt": "offen", "moderatoren": "Niemand Bekannt"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "ohne „/“" in page and "keine Sichtbarkeit" in page and "Unbekannte Benutzer: Niemand Bekannt" in page
    assert client.post("/+gaa/gruppe/neu", data={"name": "Ohne Token", "sichtbarkeit": "offen"}).status_code == 400


def test_members_open_threads_and_reply_nested(client):
    login(client, MEMBER)
    response = new_thread(client)
    assert response.status_code == 302
    thread = THREAD
    page = client.get(page_of(thread)).get_data(as_text=True)
    assert "<em>gemeinsam</em>" in page and "Noch keine Antworten." in page
    assert reply(client, thread, "Über die **Kita-Leitungsrunde**.").status_code == 302
    first_id = re.search(r'id="(B\d{8}T\d{6}-[0-9a-f]{6})"', client.get(page_of(thread)).get_data(as_text=True)).group(1)
    login(client, MODERATOR)
    assert reply(client, thread, "Gute Idee – und die Fachberatung?", to=first_id).status_code == 302
    page = client.get(page_of(thread)).get_data(as_text=True)
    nested = page.split(f'id="{first_id}"', 1)[1]
    assert re.search(r'class="gaa-replies".*Fachberatung', nested, re.S)  # the answer sits inside the first post
    assert "2 Antworten" in page and "<strong>Kita-Leitungsrunde</strong>" in page
    bad = reply(client, thread, "Antwort ins Leere", to="B20000101T000000-000000")
    assert bad.status_code == 400 and "gibt es in diesem Thema nicht" in bad.get_data(as_text=True)


@pytest.mark.parametrize("text, message", [("   ", "Bitte schreiben Sie einen Text."), ("x" * 1_000_000, "höchstens 20.000 Zeichen")])
def test_empty_and_huge_posts_are_refused_and_nothing_is_stored(member_thread, client, text, message):
    login(client, MEMBER)
    thread = member_thread
    before = client.get(page_of(thread)).get_data(as_text=True).count('class="gaa-post"')
    response = reply(client, thread, text)
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert client.get(page_of(thread)).get_data(as_text=True).count('class="gaa-post"') == before


def test_outsiders_cannot_post_or_read_and_need_csrf(member_thread, client):
    thread = member_thread
    login(client, OUTSIDER)
    assert client.get(page_of(thread)).status_code == 403
    assert reply(client, thread, "Ich will auch!").status_code == 403
    assert new_thread(client, "Eindringlingsthema").status_code == 404  # the area does not exist for outsiders
    login(client, MEMBER)
    assert client.post(f"/+gaa/diskussion/antwort/{quote(thread)}", data={"text": "ohne Token"}).status_code == 400
    page = client.get(page_of(thread)).get_data(as_text=True)
    assert "Ich will auch!" not in page and "ohne Token" not in page


def test_authors_edit_their_posts_with_history_others_cannot(member_thread, client):
    login(client, MEMBER)
    thread = member_thread
    page = client.get(page_of(thread)).get_data(as_text=True)
    edit = re.search(r'href="(/\+gaa/diskussion/bearbeiten/[^"]+)"', page).group(1)
    form = client.get(edit).get_data(as_text=True)
    revid = re.search(r'name="revid" value="([0-9a-f]+)"', form).group(1)
    response = client.post(edit, data={"csrf_token": CSRF_RE.search(form).group(1), "text": "Über die Kita-Leitungsrunde, korrigiert.",
                                       "revid": revid})
    assert response.status_code == 302
    page = client.get(page_of(thread)).get_data(as_text=True)
    assert "korrigiert" in page and ">bearbeitet<" in page
    history = client.get(edit.replace("/+gaa/diskussion/bearbeiten/", "/+history/"))
    assert history.status_code == 200 and history.get_data(as_text=True).count("Beitrag bearbeitet") >= 1
    login(client, MODERATOR)
    assert client.get(edit).status_code == 403  # not the author


def test_moderators_hide_with_reason_lock_and_unlock(member_thread, wiki, client):
    thread = member_thread
    login(client, MEMBER)
    reply(client, thread, "Ein unpassender Beitrag mit Werbung.")
    page = client.get(page_of(thread)).get_data(as_text=True)
    post_id = re.findall(r'id="(B\d{8}T\d{6}-[0-9a-f]{6})"', page)[-1]
    login(client, MODERATOR)
    moderate = f"/+gaa/diskussion/moderation/{quote(thread)}/{post_id}"
    assert client.post(moderate, data={"csrf_token": csrf(client), "aktion": "verbergen", "grund": ""}).status_code == 400
    assert client.post(moderate, data={"csrf_token": csrf(client), "aktion": "verbergen", "grund": "Werbung"}).status_code == 302
    assert "Von der Moderation ausgeblendet (Werbung)" in client.get(page_of(thread)).get_data(as_text=True)
    login(client, MEMBER)
    assert "unpassender Beitrag" not in client.get(page_of(thread)).get_data(as_text=True)
    assert client.get(page_of(f"{thread}/{post_id}")).status_code == 403  # not even the item itself
    assert client.post(moderate, data={"csrf_token": csrf(client), "aktion": "einblenden"}).status_code == 403

    login(client, MODERATOR)
    lock = f"/+gaa/diskussion/moderation/{quote(thread)}"
    assert client.post(lock, data={"csrf_token": csrf(client), "aktion": "sperren"}).status_code == 302
    login(client, MEMBER)
    locked = reply(client, thread, "Noch eine Antwort")
    assert locked.status_code == 403 and "gesperrt" in locked.get_data(as_text=True)
    login(client, MODERATOR)
    client.post(lock, data={"csrf_token": csrf(client), "aktion": "entsperren"})
    login(client, MEMBER)
    assert reply(client, thread, "Wieder offen").status_code == 302


def listed_answers(client, thread: str) -> int:
    """The number of answers the area's thread list shows for ``thread``."""
    listing = client.get(page_of(AREA)).get_data(as_text=True)
    title = re.escape(thread.rsplit("/", 1)[1])
    return int(re.search(rf">{title}</a> – [^<]* · (\d+) Antwort", listing).group(1))


def test_the_thread_list_counts_a_hidden_post_only_for_those_who_may_read_it(member_thread, client):
    login(client, MEMBER)
    reply(client, member_thread, "Noch ein Gedanke, der gleich ausgeblendet wird.")
    assert listed_answers(client, member_thread) == 2
    post_id = re.findall(r'id="(B\d{8}T\d{6}-[0-9a-f]{6})"', client.get(page_of(member_thread)).get_data(as_text=True))[-1]
    login(client, MODERATOR)
    moderate = f"/+gaa/diskussion/moderation/{quote(member_thread)}/{post_id}"
    assert client.post(moderate, data={"csrf_token": csrf(client), "aktion": "verbergen", "grund": "Test"}).status_code == 302
    assert listed_answers(client, member_thread) == 2  # the moderation reads it on the thread page, so it counts
    login(client, MEMBER)
    assert listed_answers(client, member_thread) == 1
    login(client, MODERATOR)
    assert client.post(moderate, data={"csrf_token": csrf(client), "aktion": "einblenden"}).status_code == 302
    login(client, MEMBER)
    assert listed_answers(client, member_thread) == 2


def test_moin_editor_cannot_write_discussion_items(member_thread, wiki, client):
    from flask import g as flaskg

    thread = member_thread
    with acting_as(wiki, MEMBER):
        assert not flaskg.storage.may(thread, "write")
        assert flaskg.storage.may(f"Gruppen/{GROUP}/Dokumente", "write")  # documents: shared editing
        assert not flaskg.storage.may(f"Gruppen/{GROUP}/Mitglieder", "write")  # members cannot add members


def test_join_requests_are_approved_by_the_moderation(wiki, client):
    login(client, MODERATOR)
    client.post("/+gaa/gruppe/neu", data={"csrf_token": token(client), "name": "Offene Runde Test", "sichtbarkeit": "offen",
                                          "beitritt": "anfrage", "moderatoren": MODERATOR.name})
    login(client, OUTSIDER)
    page = client.get("/Gruppen/Offene Runde Test").get_data(as_text=True)
    assert "Beitritt anfragen" in page
    assert client.post("/+gaa/gruppe/Offene Runde Test/beitreten", data={"csrf_token": csrf(client)}).status_code == 302
    assert "Ihre Beitrittsanfrage liegt der Moderation vor." in client.get("/Gruppen/Offene Runde Test").get_data(as_text=True)
    assert new_thread_in(client, "Offene Runde Test").status_code == 403
    login(client, MODERATOR)
    assert OUTSIDER.name in client.get("/Gruppen/Offene Runde Test").get_data(as_text=True)
    client.post("/+gaa/gruppe/Offene Runde Test/mitglieder", data={"csrf_token": csrf(client), "aktion": "aufnehmen", "benutzer": OUTSIDER.name})
    login(client, OUTSIDER)
    assert "Sie sind Mitglied dieser Gruppe." in client.get("/Gruppen/Offene Runde Test").get_data(as_text=True)
    assert new_thread_in(client, "Offene Runde Test").status_code == 302
    client.post("/+gaa/gruppe/Offene Runde Test/austreten", data={"csrf_token": csrf(client)})
    assert new_thread_in(client, "Offene Runde Test", "Nach dem Austritt").status_code == 403
    from flask import g as flaskg

    with acting_as(wiki, OUTSIDER):  # no longer a member: an open group's space is still read, not written
        assert flaskg.storage.may("Gruppen/Offene Runde Test", "read")
        assert flaskg.storage.may("Gruppen/Offene Runde Test/Diskussion", "read")
        assert not flaskg.storage.may("Gruppen/Offene Runde Test/Diskussion", "write")
        assert not flaskg.storage.may(f"Gruppen/{GROUP}", "read")  # a private group's space is not


def new_thread_in(client, group, title="Frage aus der Runde"):
    return client.post(f"/+gaa/diskussion/thema/Gruppen/{group}/Diskussion",
                       data={"csrf_token": csrf(client), "titel": title, "text": "Hallo zusammen"})


def test_the_group_directory_shows_readable_groups_and_asks_anonymous_visitors_to_log_in(client):
    anonymous = client.get("/Gesprächsräume").get_data(as_text=True)
    assert "Gesprächsräume sehen angemeldete Mitglieder" in anonymous and "Netzwerk Kooperative Planung" not in anonymous
    login(client, OUTSIDER)
    page = client.get("/Gesprächsräume").get_data(as_text=True)
    assert "Netzwerk Kooperative Planung" in page and "(offen)" in page and GROUP not in page  # private: members only
    login(client, MEMBER)
    assert GROUP in client.get("/Gesprächsräume").get_data(as_text=True)


def edit_link_of_last_post(client, thread) -> str:
    page = client.get(page_of(thread)).get_data(as_text=True)
    return re.findall(r'href="(/\+gaa/diskussion/bearbeiten/[^"]+)"', page)[-1]


@pytest.mark.parametrize("minutes, may", [(59, True), (61, False)])
def test_authors_edit_only_within_the_first_hour(member_thread, wiki, client, minutes, may):
    from datetime import datetime, timedelta, timezone
    from urllib.parse import unquote

    from moin_gaa.core.items import current, save_record
    from moin_gaa.discussions.threads import POST_TYPE

    login(client, MEMBER)
    edit = edit_link_of_last_post(client, member_thread)
    post_name = unquote(edit.removeprefix("/+gaa/diskussion/bearbeiten/"))
    written = datetime.now(timezone.utc) - timedelta(minutes=minutes)
    with acting_as(wiki, MODERATOR):
        save_record(post_name, None, record_type=POST_TYPE, fields={"erstellt": written.isoformat()}, summary=None,
                    comment="Testuhr: Beitrag älter machen")
    form = client.get(edit)
    assert (form.status_code == 200) is may
    token = CSRF_RE.search(form.get_data(as_text=True)).group(1) if may else csrf(client)
    with acting_as(wiki, MODERATOR):
        revid = current(post_name)[0]["revid"]
    response = client.post(edit, data={"csrf_token": token, "text": "Nachträglich geändert.", "revid": revid})
    assert (response.status_code == 302) is may
    if not may:
        assert response.status_code == 403 and "ersten Stunde" in response.get_data(as_text=True)
    assert ("Nachträglich geändert." in client.get(page_of(member_thread)).get_data(as_text=True)) is may


def test_long_threads_are_paged_in_reading_order(member_thread, client):
    login(client, MEMBER)
    for number in range(1, 55):
        assert reply(client, member_thread, f"Seitenprobe {number:02d}.").status_code == 302
    first = client.get(page_of(member_thread)).get_data(as_text=True)
    second = client.get(page_of(member_thread) + "?seite=2").get_data(as_text=True)
    on_first = set(re.findall(r"Seitenprobe (\d\d)\.", first))
    on_second = set(re.findall(r"Seitenprobe (\d\d)\.", second))
    assert first.count('class="gaa-post"') == 50 and "Seite 1 von 2" in first and "Seite 2 von 2" in second
    assert on_first and on_second and not on_first & on_second
    assert on_first | on_second == {f"{n:02d}" for n in range(1, 55)}
    assert max(on_first) < min(on_second)  # reading order: the newest answers come last
    # a new answer sends its author to the page it is on
    response = reply(client, member_thread, "Seitenprobe 55.")
    assert response.status_code == 302
    landing = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Seitenprobe 55." in landing and "Seite 2 von 2" in landing
