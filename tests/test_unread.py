"""Unread state of threads (issue 16.4) through the real app: marks in the lists of a group space, its discussion
area and an Online-Diskussion, „nur ungelesene“, opening a thread at its first unread post (also on page 2),
marking read on open, the thread's notifications read with it; nothing for anonymous visitors."""

from __future__ import annotations

import re
from datetime import date, timedelta
from urllib.parse import quote

import pytest
from conftest import MODERATOR, Person, acting_as, body, create_accounts, login, logout, main_part, page_token

from moin_gaa.core.accounts import account
from moin_gaa.notifications.store import notification_store
from moin_gaa.notifications.unread import micros

ULLA = Person("Ulla Ungelesen", "ulla.ungelesen@example.org")
GERD = Person("Gerd Gelesen", "gerd.gelesen@example.org")
GROUP = "Runde der Ungelesenen"
AREA = f"Gruppen/{GROUP}/Diskussion"
NEW_MARK = re.compile(r'<span class="gaa-new-mark">([^<]*)</span>\s*<a href="([^"]+)">([^<]+)</a>')


@pytest.fixture(scope="module", autouse=True)
def people_and_group(wiki):
    create_accounts(wiki, ULLA, GERD)
    with wiki.test_client() as client:
        login(client, MODERATOR)
        response = client.post("/+gaa/gruppe/neu", data={
            "csrf_token": page_token(client), "name": GROUP, "beschreibung": "Für ungelesene Themen.",
            "sichtbarkeit": "offen", "beitritt": "offen", "moderatoren": MODERATOR.name})
        assert response.status_code == 302, body(response)
        for person in (ULLA, GERD):
            response = client.post(f"/+gaa/gruppe/{GROUP}/mitglieder",
                                   data={"csrf_token": page_token(client), "aktion": "aufnehmen", "benutzer": person.name})
            assert response.status_code == 302
        client.get(f"/{AREA}")  # the moderator's start (see unread.py) lies before every thread of this module


def new_thread(client, title, area=AREA):
    response = client.post(f"/+gaa/diskussion/thema/{area}", data={"csrf_token": page_token(client), "titel": title,
                                                                   "text": "Worum es geht."})
    assert response.status_code == 302, body(response)
    return f"{area}/{title}"


def reply(client, thread, text="Eine Antwort."):
    response = client.post(f"/+gaa/diskussion/antwort/{quote(thread)}",
                           data={"csrf_token": page_token(client), "text": text})
    assert response.status_code == 302, body(response)
    return response.headers["Location"].rsplit("#", 1)[1]


def marks(client, path):
    """{thread title: (mark text, link)} of the threads marked new in the list at ``path``."""
    return {title: (text, href) for text, href, title in NEW_MARK.findall(main_part(client.get(path)))}


def test_a_new_thread_and_new_posts_are_marked_until_opened(wiki, client):
    login(client, GERD)
    client.get(f"/{AREA}")  # Gerd's start
    login(client, ULLA)
    thread = new_thread(client, "Neu für Gerd")
    login(client, GERD)
    assert marks(client, f"/{AREA}")["Neu für Gerd"] == ("neu", f"/{quote(thread)}")
    assert "Neu für Gerd" in marks(client, f"/Gruppen/{GROUP}")  # the space's latest threads too
    client.get(f"/{quote(thread)}")
    assert "Neu für Gerd" not in marks(client, f"/{AREA}")
    login(client, ULLA)
    first, second = reply(client, thread), reply(client, thread, "Noch eine.")
    assert "Neu für Gerd" not in marks(client, f"/{AREA}")  # one's own posts are never new to oneself
    login(client, GERD)
    text, href = marks(client, f"/{AREA}")["Neu für Gerd"]
    assert text == "2 neue Beiträge"
    assert href == f"/{quote(thread)}?beitrag={first}#{first}"  # the oldest new post
    page = main_part(client.get(href))
    assert page.count('class="gaa-post gaa-post-unread"') == 2 and f'id="{second}"' in page
    assert "2 neue Beiträge seit Ihrem letzten Besuch" in page
    assert "Neu für Gerd" not in marks(client, f"/{AREA}")  # opening marked it read
    assert 'gaa-post-unread' not in main_part(client.get(f"/{quote(thread)}"))


def test_only_unread_filter_lists_only_new_threads_without_javascript(wiki, client):
    login(client, ULLA)
    read, unread = new_thread(client, "Schon gelesen"), new_thread(client, "Noch ungelesen")
    login(client, GERD)
    client.get(f"/{quote(read)}")
    everything = main_part(client.get(f"/{AREA}"))
    assert 'name="ungelesen"' in everything and 'method="get"' in everything  # a plain GET form
    assert "Schon gelesen" in everything and "Noch ungelesen" in everything
    filtered = main_part(client.get(f"/{AREA}?ungelesen=1"))
    assert "Noch ungelesen" in filtered and "Schon gelesen" not in filtered
    assert "Ungelesene Themen" in filtered and 'checked="checked"' in filtered
    client.get(f"/{quote(unread)}")
    if "Neu für Gerd" in (listed := marks(client, f"/{AREA}")):  # when this test runs alone
        client.get(listed["Neu für Gerd"][1])
    assert "Keine ungelesenen Themen" in main_part(client.get(f"/{AREA}?ungelesen=1"))


def test_the_list_jumps_to_the_first_unread_post_on_page_two_and_marks_only_what_was_shown(wiki, client):
    login(client, ULLA)
    thread = new_thread(client, "Lange Diskussion")
    login(client, GERD)
    client.get(f"/{quote(thread)}")
    login(client, ULLA)
    posts = [reply(client, thread, f"Beitrag {n}.") for n in range(55)]
    login(client, GERD)
    text, href = marks(client, f"/{AREA}")["Lange Diskussion"]
    assert text == "55 neue Beiträge" and href.endswith(f"#{posts[0]}")
    # Gerd reads page 1 (posts 0–49) only: the 5 on page 2 stay new
    assert "Seite 1 von 2" in main_part(client.get(href))
    text, href = marks(client, f"/{AREA}")["Lange Diskussion"]
    assert text == "5 neue Beiträge" and href == f"/{quote(thread)}?beitrag={posts[50]}#{posts[50]}"
    page = main_part(client.get(href))
    assert "Seite 2 von 2" in page and f'id="{posts[50]}"' in page
    assert page.count("gaa-post-unread") == 5
    assert "Lange Diskussion" not in marks(client, f"/{AREA}")


def test_opening_without_a_choice_shows_the_page_of_the_first_unread_post(wiki, client):
    login(client, ULLA)
    thread = new_thread(client, "Ohne Anker")
    for n in range(50):
        reply(client, thread, f"Alt {n}.")
    login(client, GERD)
    client.get(f"/{quote(thread)}?seite=2")  # Gerd saw everything there was
    client.get(f"/{quote(thread)}?seite=1")
    login(client, ULLA)
    newest = reply(client, thread, "Ganz neu.")
    login(client, GERD)
    page = main_part(client.get(f"/{quote(thread)}"))
    assert "Seite 2 von 2" in page and f'<li class="gaa-post gaa-post-unread" id="{newest}"' in page
    assert "Seite 1 von 2" in main_part(client.get(f"/{quote(thread)}?seite=1"))  # an explicit page stays


def test_opening_a_thread_marks_its_notifications_read_and_no_others(wiki, client):
    login(client, GERD)
    thread = new_thread(client, "Gerds Frage")
    other = new_thread(client, "Gerds andere Frage")
    login(client, ULLA)
    reply(client, thread, "Antwort an Gerd, @Gerd Gelesen.")
    reply(client, other, "Antwort auf die andere Frage.")
    with acting_as(wiki, None):
        gerd = account(GERD.name).userid
    store = notification_store(wiki)
    waiting = {n.item_name.rsplit("/", 1)[0] for n in store.unread(gerd, limit=100)}
    assert {thread, other} <= waiting
    login(client, GERD)
    client.get(f"/{quote(thread)}")
    waiting = {n.item_name.rsplit("/", 1)[0] for n in store.unread(gerd, limit=100)}
    assert thread not in waiting and other in waiting


def test_online_discussions_mark_their_threads_too_and_anonymous_visitors_see_no_unread_state(wiki, client):
    login(client, MODERATOR)
    today = date.today()
    response = client.post("/+gaa/online-diskussion/neu", data={
        "csrf_token": page_token(client), "titel": "Ungelesen online", "einleitung": "Wir sprechen.",
        "beginn": (today - timedelta(days=1)).strftime("%d.%m.%Y"), "ende": (today + timedelta(days=5)).strftime("%d.%m.%Y")})
    assert response.status_code == 302, body(response)
    area = "Online-Diskussionen/Ungelesen online"
    login(client, GERD)
    client.get(f"/{quote(area)}")
    login(client, ULLA)
    thread = new_thread(client, "Online neu", area=area)
    login(client, GERD)
    assert marks(client, f"/{quote(area)}")["Online neu"][0] == "neu"
    assert "Online neu" in main_part(client.get(f"/{quote(area)}?ungelesen=1"))
    client.get(f"/{quote(thread)}")
    assert "Online neu" not in main_part(client.get(f"/{quote(area)}?ungelesen=1"))
    login(client, ULLA)
    reply(client, thread)
    logout(client)
    for path in (f"/{quote(area)}", f"/{quote(area)}?ungelesen=1"):
        listing = main_part(client.get(path))
        assert "Online neu" in listing and "gaa-new-mark" not in listing and "nur ungelesene" not in listing
    assert "gaa-post-unread" not in main_part(client.get(f"/{quote(thread)}"))


def test_times_compare_across_formats():
    assert micros("2026-11-26T14:30:00+00:00") < micros("2026-11-26T14:30:00.000001+00:00")
    assert micros("2026-11-26T15:30:00+01:00") == micros("2026-11-26T14:30:00+00:00")
    assert micros("kein Datum") == 0


def test_a_list_asks_the_store_once_for_all_its_shown_threads(wiki, client):
    login(client, GERD)
    client.get(f"/{AREA}")  # Gerd's start lies before the new threads
    login(client, ULLA)
    for number in range(4):
        new_thread(client, f"Zählthema {number}")
    login(client, GERD)
    statements: list[str] = []
    connection = notification_store(wiki).connection()  # the test client runs requests in this thread
    connection.set_trace_callback(statements.append)
    try:
        listing = main_part(client.get(f"/{AREA}"))
    finally:
        connection.set_trace_callback(None)
    assert listing.count('class="gaa-new-mark">neu<') >= 4
    assert len([s for s in statements if "thread_seen" in s]) == 1
