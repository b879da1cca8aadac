"""Online-Diskussionen: creation, the three phases, Auswertung, print view, moving threads, concurrent posts."""

import re
import threading
from datetime import date, timedelta
from urllib.parse import quote

import pytest
from conftest import ADMIN, CSRF_RE, MODERATOR, PASSWORD, REGISTERED, Person, acting_as, login, logout
from moin import user as moin_user

TODAY = date.today()
CLOSED = "Online-Diskussionen/Wie gelingt Beteiligung von Familien?"


def csrf(client):
    return CSRF_RE.search(client.get("/+gaa/kalender-schluessel").get_data(as_text=True)).group(1)


def create(client, title, start, end, intro="Worum es geht: **Übergänge**."):
    return client.post("/+gaa/online-diskussion/neu", data={"csrf_token": csrf(client), "titel": title, "einleitung": intro,
                                                            "beginn": start.strftime("%d.%m.%Y"), "ende": end.strftime("%d.%m.%Y")})


def open_thread(client, area, title="Erfahrungen aus der Praxis", text="Bei uns klappt es so."):
    return client.post(f"/+gaa/diskussion/thema/{quote(area)}", data={"csrf_token": csrf(client), "titel": title, "text": text})


def test_moderators_create_discussions_with_checked_dates(client):
    login(client, REGISTERED)
    assert client.get("/+gaa/online-diskussion/neu").status_code == 403
    login(client, MODERATOR)
    bad = create(client, "Zu früh zu Ende", TODAY, TODAY - timedelta(days=1), intro="")
    page = bad.get_data(as_text=True)
    assert bad.status_code == 400 and "Das Ende liegt vor dem Beginn." in page and "Bitte eine Einleitung schreiben" in page
    assert create(client, "Frühere Runde", date(2026, 1, 1), date(2026, 1, 2)).status_code == 302
    response = client.post("/+gaa/online-diskussion/neu", data={"csrf_token": csrf(client), "titel": "Datumstest", "einleitung": "x",
                                                                "beginn": "31.02.2027", "ende": "01.03.2027"})
    assert response.status_code == 400 and "kein gültiges Datum" in response.get_data(as_text=True)
    assert create(client, "Frühere Runde", date(2026, 1, 1), date(2026, 1, 2)).status_code == 400  # the same title again


@pytest.mark.parametrize(
    "title, start, end, refusal",
    [
        ("Phasentest angekündigt", TODAY + timedelta(days=5), TODAY + timedelta(days=20), "Die Diskussion beginnt am"),
        ("Phasentest offen", TODAY - timedelta(days=1), TODAY + timedelta(days=20), None),
        ("Phasentest abgeschlossen", TODAY - timedelta(days=30), TODAY - timedelta(days=2), "Die Diskussion ist abgeschlossen"),
    ],
)
def test_registered_users_post_only_while_a_discussion_is_open(client, title, start, end, refusal):
    login(client, MODERATOR)
    assert create(client, title, start, end).status_code == 302
    area = f"Online-Diskussionen/{title}"
    login(client, REGISTERED)
    page = client.get("/" + quote(area)).get_data(as_text=True)
    response = open_thread(client, area)
    if refusal is None:
        assert "Neues Thema eröffnen" in page and response.status_code == 302
    else:
        assert refusal in page and response.status_code == 403 and refusal in response.get_data(as_text=True)
        login(client, MODERATOR)
        assert open_thread(client, area, "Von der Moderation").status_code == 302  # the moderation may always post
    logout(client)
    anonymous = client.get("/" + quote(area)).get_data(as_text=True)
    # whatever the phase, anonymous visitors are asked to log in, and get no form
    assert "Bitte melden Sie sich an, um mitzudiskutieren." in anonymous and "Neues Thema eröffnen" not in anonymous


def test_the_auswertung_shows_the_ergebnissicherung_numbers_and_a_chart(client):
    page = client.get("/" + quote(CLOSED + "/Auswertung")).get_data(as_text=True)
    summary = page.split('id="auswertung"', 1)[1]
    assert summary.index("Ergebnissicherung") < summary.index("Teilnehmende")  # the moderation's summary comes first
    assert "Anregungen für die Praxis" in summary and "frühere Versionen" in summary
    figures = dict(re.findall(r"<dt>([^<]+)</dt><dd>(\d+)</dd>", summary))
    assert figures["Themen"] == "3" and int(figures["Beiträge"]) >= 12 + 3 and int(figures["davon Antworten auf Beiträge"]) >= 3
    assert '<svg' in summary and "Beiträge je Tag" in summary and "<table>" in summary
    assert "Die aktivsten Themen" in summary and "Familien früh und niedrigschwellig ansprechen" in summary


def test_the_print_view_has_every_thread_and_post_and_no_forms(client):
    page = client.get("/+gaa/diskussion/druck/" + quote(CLOSED)).get_data(as_text=True)
    for title in ("Familien früh und niedrigschwellig ansprechen", "Beteiligung in der Kita", "Was tun, wenn niemand kommt?"):
        assert title in page
    assert page.count('class="gaa-print-post"') >= 12 and 'name="text"' not in page


def test_moderators_move_a_thread_and_its_posts_follow(client):
    login(client, MODERATOR)
    create(client, "Verschiebequelle", TODAY - timedelta(days=1), TODAY + timedelta(days=9))
    create(client, "Verschiebeziel", TODAY - timedelta(days=1), TODAY + timedelta(days=9))
    source, target = "Online-Diskussionen/Verschiebequelle", "Online-Diskussionen/Verschiebeziel"
    open_thread(client, source, "Wandert mit")
    for text in ("Erste Antwort", "Zweite Antwort"):
        client.post(f"/+gaa/diskussion/antwort/{quote(source)}/Wandert%20mit", data={"csrf_token": csrf(client), "text": text})
    login(client, REGISTERED)
    assert client.post(f"/+gaa/diskussion/moderation/{quote(source)}/Wandert%20mit",
                       data={"csrf_token": csrf(client), "aktion": "verschieben", "ziel": target}).status_code == 403
    login(client, MODERATOR)
    response = client.post(f"/+gaa/diskussion/moderation/{quote(source)}/Wandert%20mit",
                           data={"csrf_token": csrf(client), "aktion": "verschieben", "ziel": target})
    assert response.status_code == 302
    moved = client.get("/" + quote(f"{target}/Wandert mit")).get_data(as_text=True)
    assert "Erste Antwort" in moved and "Zweite Antwort" in moved and "2 Antworten" in moved
    assert client.get("/" + quote(f"{source}/Wandert mit")).status_code == 404
    assert "Wandert mit" in client.get("/" + quote(target)).get_data(as_text=True)


def test_concurrent_posts_are_all_kept(wiki):
    login_and_area = "Online-Diskussionen/Gleichzeitig"
    people = [Person(f"Paralleler Nutzer {i}", f"parallel{i}@example.org") for i in range(6)]
    with acting_as(wiki, None):
        for person in people:
            moin_user.create_user(username=person.name, password=PASSWORD, email=person.email)
    with wiki.test_client() as client:
        login(client, MODERATOR)
        create(client, "Gleichzeitig", TODAY - timedelta(days=1), TODAY + timedelta(days=9))
        open_thread(client, login_and_area, "Alle auf einmal")
    thread = f"{login_and_area}/Alle auf einmal"
    errors = []

    def post_three(person):
        try:
            with wiki.test_client() as c:
                login(c, person)
                token = csrf(c)
                for n in range(3):
                    r = c.post(f"/+gaa/diskussion/antwort/{quote(thread)}", data={"csrf_token": token, "text": f"{person.name} Beitrag {n}"})
                    assert r.status_code == 302, r.status_code
        except Exception as e:  # noqa: BLE001 – reported below
            errors.append(repr(e))

    workers = [threading.Thread(target=post_three, args=(p,)) for p in people]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert errors == []
    with wiki.test_client() as client:
        login(client, ADMIN)
        page = client.get("/" + quote(thread) + "?seite=1").get_data(as_text=True)
        assert "18 Antworten" in page
        assert all(f"{p.name} Beitrag {n}" in page for p in people for n in range(3))
    # each stored post holds its own text and no one else's (a check for presence alone cannot see mixing)
    from moin_gaa.core.access import ReadRights
    from moin_gaa.core.app_state import partnerwiki
    from moin_gaa.discussions.thread_index import posts_of

    with acting_as(wiki, ADMIN):
        with partnerwiki().catalog.reader(ReadRights()) as reader:
            posts = [(r.fields["autor"], r.fields["html"]) for r in posts_of(reader, thread)]
    assert len(posts) == 18
    marker = re.compile(r"Paralleler Nutzer \d+ Beitrag \d")
    assert all(re.fullmatch(rf"<p>{author} Beitrag \d</p>", html) and len(marker.findall(html)) == 1
               for author, html in posts), posts
