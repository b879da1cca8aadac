"""Aktivität (issue 16.5): the streams of a group space and of the whole network, newest first, paged, German
dates – and nothing of a private group for visitors, registered outsiders or former members."""

from __future__ import annotations

import re
from datetime import date, timedelta
from urllib.parse import quote

import pytest
from conftest import (
    CSRF_RE,
    MODERATOR,
    Person,
    acting_as,
    body,
    create_accounts,
    login,
    logout,
    main_part,
    page_token,
    save_page,
)

from moin_gaa.discussions.groups import calendar_key
from moin_gaa.notifications.activity import PAGE_SIZE

PIA = Person("Pia Plauder", "pia.plauder@example.org")  # member of both groups
OTTO = Person("Otto Fremd", "otto.fremd@example.org")  # registered, in no group
FRIDA = Person("Frida Fort", "frida.fort@example.org")  # was a member of the private group
OPEN_GROUP, SECRET_GROUP, QUIET_GROUP = "Offene Aktivrunde", "Tresor der Aktivität", "Stille Aktivrunde"
SECRET_WORDS = ("Tresor", "Geheimplan", "Verschlusssache", "Protokoll Tresor", "Tresortermin")
WHEN = re.compile(r'<time datetime="([^"]+)">')
DATE = re.compile(r"<time datetime=\"[^\"]+\">\d\d\.\d\d\.\d{4}, \d\d:\d\d</time>")


def members(client, group, action, person):
    response = client.post(f"/+gaa/gruppe/{group}/mitglieder",
                           data={"csrf_token": page_token(client), "aktion": action, "benutzer": person.name})
    assert response.status_code == 302


def new_thread(client, area, title, text="Worum es geht."):
    response = client.post(f"/+gaa/diskussion/thema/{area}", data={"csrf_token": page_token(client), "titel": title,
                                                                   "text": text})
    assert response.status_code == 302, body(response)
    return f"{area}/{title}"


def reply(client, thread, text):
    response = client.post(f"/+gaa/diskussion/antwort/{quote(thread)}", data={"csrf_token": page_token(client), "text": text})
    assert response.status_code == 302, body(response)
    return response.headers["Location"].rsplit("#", 1)[1]


@pytest.fixture(scope="module", autouse=True)
def spaces(wiki):
    create_accounts(wiki, PIA, OTTO, FRIDA)
    with wiki.test_client() as client:
        login(client, MODERATOR)
        for name, visibility, policy in ((OPEN_GROUP, "offen", "offen"), (SECRET_GROUP, "privat", "einladung"),
                                         (QUIET_GROUP, "offen", "offen")):
            response = client.post("/+gaa/gruppe/neu", data={
                "csrf_token": page_token(client), "name": name, "beschreibung": "Für die Aktivität.",
                "sichtbarkeit": visibility, "beitritt": policy, "moderatoren": MODERATOR.name})
            assert response.status_code == 302, body(response)
        members(client, OPEN_GROUP, "aufnehmen", PIA)
        for person in (PIA, FRIDA):
            members(client, SECRET_GROUP, "aufnehmen", person)
        today = date.today()
        response = client.post("/+gaa/online-diskussion/neu", data={
            "csrf_token": page_token(client), "titel": "Aktivität öffentlich", "einleitung": "Für alle.",
            "beginn": (today - timedelta(days=1)).strftime("%d.%m.%Y"),
            "ende": (today + timedelta(days=5)).strftime("%d.%m.%Y")})
        assert response.status_code == 302, body(response)
        login(client, PIA)
        secret = new_thread(client, f"Gruppen/{SECRET_GROUP}/Diskussion", "Geheimplan vor dem Austritt")
        reply(client, secret, "Verschlusssache, nur für uns.")
        form = client.get("/+gaa/termin/neu").get_data(as_text=True)
        when = today + timedelta(days=14)
        response = client.post("/+gaa/termin/neu", data={
            "titel": "Tresortermin", "startdatum": when.strftime("%d.%m.%Y"), "startzeit": "09:00", "endzeit": "10:00",
            "kalender": [calendar_key(SECRET_GROUP)], "csrf_token": CSRF_RE.search(form).group(1)})
        assert response.status_code == 302, body(response)
        with acting_as(wiki, PIA):
            save_page(f"Gruppen/{SECRET_GROUP}/Dokumente/Protokoll Tresor", "= Protokoll =\nNur intern.\n")
        new_thread(client, f"Gruppen/{OPEN_GROUP}/Diskussion", "Offenes Aktivthema")
        new_thread(client, "Online-Diskussionen/Aktivität öffentlich", "Öffentliches Aktivthema")
        login(client, MODERATOR)
        members(client, SECRET_GROUP, "entfernen", FRIDA)
        login(client, PIA)
        new_thread(client, f"Gruppen/{SECRET_GROUP}/Diskussion", "Tresor nach dem Austritt")


def stream(client, path="/+gaa/aktivitaet"):
    response = client.get(path)
    assert response.status_code == 200, response.status_code
    return main_part(response)


def test_members_see_everything_of_their_space_newest_first_with_german_dates(client):
    login(client, PIA)
    page = stream(client, f"/+gaa/aktivitaet/{quote(SECRET_GROUP)}")
    for expected in ("Neues Thema: <a", "„Tresor nach dem Austritt“", "„Geheimplan vor dem Austritt“",
                     "Neuer Beitrag: <a", "Neuer Termin", "„Tresortermin“", "Neues Dokument", "„Protokoll Tresor“"):
        assert expected in page, expected
    times = WHEN.findall(page)  # newest first (whole seconds: within one second the order is not told)
    assert times == sorted(times, reverse=True) and len(times) == 5
    assert DATE.search(page)
    assert "Offenes Aktivthema" not in page  # another space's thread is not in this stream
    assert f"/Gruppen/{quote(SECRET_GROUP)}" in page  # back to the space
    network = stream(client)
    assert "Tresor nach dem Austritt" in network and "Offenes Aktivthema" in network
    assert "Öffentliches Aktivthema" in network and f"im <a href=\"/Gruppen/{quote(SECRET_GROUP)}\">" in network


def test_the_space_page_links_its_stream_and_the_notifications_the_network(client):
    login(client, PIA)
    assert f'href="/+gaa/aktivitaet/{quote(SECRET_GROUP)}"' in main_part(client.get(f"/Gruppen/{SECRET_GROUP}"))
    assert 'href="/+gaa/aktivitaet"' in main_part(client.get("/+gaa/benachrichtigungen"))


@pytest.mark.parametrize("person", [None, OTTO, FRIDA], ids=["anonym", "aussenstehend", "ehemaliges-mitglied"])
def test_nothing_of_a_private_group_reaches_outsiders(client, person):
    if person is None:
        logout(client)
    else:
        login(client, person)
    network = stream(client)
    assert not [word for word in SECRET_WORDS if word in network]
    assert "Öffentliches Aktivthema" in network  # the stream itself works for them
    assert ("Offenes Aktivthema" in network) == (person is not None)  # open spaces are for registered people
    assert client.get(f"/+gaa/aktivitaet/{quote(SECRET_GROUP)}").status_code == 403
    for number in (1, 2):
        assert not [word for word in SECRET_WORDS if word in stream(client, f"/+gaa/aktivitaet?seite={number}")]


def test_unknown_spaces_are_404_and_an_empty_space_says_so(client):
    login(client, OTTO)
    assert client.get("/+gaa/aktivitaet/Gibt es nicht").status_code == 404
    assert "Hier ist noch nichts geschehen" in stream(client, f"/+gaa/aktivitaet/{quote(QUIET_GROUP)}")


def changes(page: str) -> int:
    """How many changes the entries of a stream page stand for („30 neue Beiträge“ are 30)."""
    return sum(int(number) if number else 1 for number in re.findall(r'<p>(?:(\d+) neue Beiträge|[^<:]+):', page))


def test_streams_are_paged_newest_first_and_posts_in_a_row_are_one_entry(wiki, client):
    login(client, PIA)
    thread = new_thread(client, f"Gruppen/{OPEN_GROUP}/Diskussion", "Viel los hier")
    posts = [reply(client, thread, f"Beitrag {n}.") for n in range(PAGE_SIZE + 3)]
    path = f"/+gaa/aktivitaet/{quote(OPEN_GROUP)}"
    first, second = stream(client, path), stream(client, f"{path}?seite=2")
    assert changes(first) == PAGE_SIZE and changes(second) == 5  # 33 posts, this thread and the space's first thread
    assert first.count('<li class="gaa-activity-') == 1 and f"{PAGE_SIZE} neue Beiträge" in first
    assert f"#{posts[3]}" in first  # the entry links the oldest post of its 30
    assert "3 neue Beiträge" in second and f"#{posts[0]}" in second
    assert "Ältere »" in first and "Seite 1" in first and "« Neuere" in second and "Ältere »" not in second
    times = WHEN.findall(first) + WHEN.findall(second)
    assert times == sorted(times, reverse=True)
    assert second.index("Viel los hier") < second.index("Offenes Aktivthema")  # the oldest entry comes last
    assert "nichts mehr" in stream(client, f"{path}?seite=3")


def test_posts_of_different_threads_stay_apart():
    from datetime import datetime, timezone

    from moin_gaa.notifications.activity import Activity, collapsed

    def post(thread, anchor, minute):
        return Activity(datetime(2026, 12, 3, 9, minute, tzinfo=timezone.utc), "beitrag", "Neuer Beitrag", thread,
                        f"A/{thread}", anchor=anchor, actor="Pia")

    entries = collapsed([post("X", "3", 3), post("X", "2", 2), post("Y", "1", 1), post("X", "0", 0)])
    assert [(e.title, e.anchor, e.count, e.sentence) for e in entries] == [
        ("X", "2", 2, "2 neue Beiträge"), ("Y", "1", 1, "Neuer Beitrag"), ("X", "0", 1, "Neuer Beitrag")]


def test_tools_appear_when_published_not_while_proposed(client):
    login(client, PIA)
    response = client.post("/+gaa/werkzeug/neu", data={
        "titel": "Aktivwerkzeug", "kurzbeschreibung": "Ein Werkzeug für den Test.", "lebensphasen": ["kita"],
        "empfehlungen": ["beteiligung"], "art": "checkliste", "jahr": "2020", "langtext": "Testtext.",
        "csrf_token": page_token(client)})
    assert response.status_code == 302, body(response)
    assert "Aktivwerkzeug" not in stream(client)  # a proposal is not news
    login(client, MODERATOR)
    response = client.post("/+gaa/werkzeug/status/Aktivwerkzeug",
                           data={"aktion": "veroeffentlichen", "csrf_token": page_token(client)})
    assert response.status_code == 302, body(response)
    logout(client)
    assert "Werkzeug veröffentlicht: <a href=\"/Werkzeugkiste/Aktivwerkzeug\">„Aktivwerkzeug“</a>" in stream(client)
