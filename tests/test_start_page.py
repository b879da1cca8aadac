"""The start page shows life (issue 14, point 6): Aktuelles, the next dates, new tools, Online-Diskussionen and
active threads – each only as far as the visitor may read it – a person's groups, subscriptions and proposals,
and for the moderation what waits for them, also as a badge in the header."""

from __future__ import annotations

import re
import time
from dataclasses import replace
from datetime import date, datetime, timedelta
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest
from conftest import (
    ADMIN,
    MODERATOR,
    REGISTERED,
    Person,
    acting_as,
    create_accounts,
    create_people,
    login,
    logout,
    save_page,
)
from test_private_spaces import leaked
from test_security_curation import editor_form, itemid_of, post, state

from moin_gaa.calendars.events import event_from_input
from moin_gaa.core.accounts import ensure_role_groups
from moin_gaa.core.german_dates import day
from moin_gaa.discussions.groups import curators_acl, group_from_input, space_acl, space_pages
from moin_gaa.discussions.subscriptions import subscribe_below
from moin_gaa.discussions.threads import new_post, new_thread
from moin_gaa.portal.news import lead_of
from moin_gaa.portal.start import subscriptions
from moin_gaa.toolbox.tools import page_text

MEMBER = Person("Sina Startseite", "sina.startseite@example.org")
OUTSIDER = Person("Otto Startfremd", "otto.startfremd@example.org")
GROUP_MODERATOR = Person("Gregor Gruppenleitung", "gregor.gruppenleitung@example.org")
GROUP = group_from_input({"name": "Startrunde Geheim", "sichtbarkeit": "privat", "beitritt": "anfrage",
                          "moderatoren": GROUP_MODERATOR.name})
SECRET_THREAD = f"{GROUP.page}/Diskussion/Geheimthema Startseite"
SECRET_EVENT = "Geheimtermin Startseite"
PUBLIC_EVENT = "Öffentlicher Starttermin"
ONLINE = "Online-Diskussionen/Startseitendebatte"
PUBLIC_THREAD = f"{ONLINE}/Öffentliches Startthema"
NEW_TOOL = "Startseitenwerkzeug"
PROPOSAL = "Vorschlag von Sina"
SECRETS = ("Startrunde Geheim", "Geheimthema Startseite", SECRET_EVENT)
BERLIN = ZoneInfo("Europe/Berlin")


def text(response) -> str:
    return response.get_data(as_text=True)


def event_fields(title: str, calendars: list[str]) -> dict:
    return event_from_input({"titel": title, "startdatum": date.today().isoformat(), "startzeit": "00:05",
                             "endzeit": "00:30", "kalender": calendars}).fields()


def tool_fields(title: str, status: str, proposer: str) -> dict:
    return {"titel": title, "kurzbeschreibung": f"Kurz: {title}.", "lebensphasen": ["kita"],
            "empfehlungen": ["beteiligung"], "art": "checkliste", "status": status, "vorgeschlagen_von": proposer,
            "entschieden_am": date.today().isoformat() if status == "geprueft" else ""}


def put_tool(title: str, status: str, proposer: str = "Jemand") -> None:
    save_page(f"Werkzeugkiste/{title}", page_text("Text."), gaa_type="werkzeug",
              gaa_fields=tool_fields(title, status, proposer))


@pytest.fixture(scope="module", autouse=True)
def life(wiki):
    """A private group with a member, a join request, a thread, a hidden post and a date; public news, a date,
    a tool, an open Online-Diskussion with a thread, and a proposal of the member's."""
    create_accounts(wiki, MEMBER, OUTSIDER, GROUP_MODERATOR)
    group = replace(GROUP, anfragen=(OUTSIDER.name,))
    today = date.today()
    thread = new_thread("Geheimthema Startseite", "Nur für die Runde.", MEMBER.name)
    hidden = new_post("Ein ausgeblendeter Beitrag.", MEMBER.name)
    online = {"titel": "Startseitendebatte", "einleitung": "Worum es geht.",
              "beginn": (today - timedelta(days=1)).isoformat(), "ende": (today + timedelta(days=10)).isoformat()}
    with acting_as(wiki, ADMIN):
        save_page(group.page, "<<DiscussionSpace>>\n", gaa_type="gruppe", gaa_fields=group.fields(),
                  acl=space_acl(group))
        for name, page_text_, meta in space_pages(group, [MEMBER.name]):
            save_page(name, page_text_, **meta)
        save_page(SECRET_THREAD, "<<Discussion>>\n", gaa_type="thema", gaa_fields=thread.fields())
        save_page(f"{SECRET_THREAD}/{hidden.id}", hidden.text, contenttype="text/plain;charset=utf-8",
                  gaa_type="beitrag", gaa_fields={**hidden.fields(), "versteckt": True, "grund": "Test"},
                  acl=curators_acl(group.moderatoren))
        save_page(f"{group.page}/Termine/{SECRET_EVENT}", "<<EventCard>>\n", gaa_type="termin",
                  gaa_fields=event_fields(SECRET_EVENT, [group.calendar]))
        save_page(f"Termine/{PUBLIC_EVENT}", "<<EventCard>>\n", gaa_type="termin",
                  gaa_fields=event_fields(PUBLIC_EVENT, ["alle"]))
        save_page(ONLINE, "<<DiscussionSpace>>\n", gaa_type="onlinediskussion", gaa_fields=online,
                  acl="Moderatoren:read,write,create,destroy,admin All:read")
        save_page(PUBLIC_THREAD, "<<Discussion>>\n", gaa_type="thema",
                  gaa_fields=new_thread("Öffentliches Startthema", "Alle dürfen mitlesen.", MEMBER.name).fields())
        put_tool(NEW_TOOL, "geprueft")
        put_tool(PROPOSAL, "vorgeschlagen", MEMBER.name)
    with acting_as(wiki, MEMBER):
        subscribe_below(SECRET_THREAD)


def start_page(client, person: Person | None) -> str:
    logout(client)
    if person is not None:
        login(client, person)
    response = client.get("/Startseite")
    assert response.status_code == 200
    return text(response)


def section(body: str, key: str) -> str:
    """The card ``start-<key>`` of the overview (empty if it is not there)."""
    m = re.search(rf'<section[^>]*aria-labelledby="start-{key}".*?</section>', body, re.S)
    return m.group(0) if m else ""


def badge(body: str) -> int | None:
    m = re.search(r'class="pw-usernav-waiting".*?<span class="pw-badge[^"]*">(\d+)</span>', body, re.S)
    return int(m.group(1)) if m else None


# --- for everybody -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", [None, OUTSIDER])
def test_outsiders_see_public_life_but_nothing_of_a_private_group(client, who):
    body = start_page(client, who)
    assert PUBLIC_EVENT in section(body, "termine")
    assert NEW_TOOL in section(body, "werkzeuge") and PROPOSAL not in body
    assert "Startseitendebatte" in section(body, "online") and "offen" in section(body, "online")
    assert "Öffentliches Startthema" in section(body, "themen")
    assert [s for s in SECRETS if s in body] == []
    assert leaked(body) == []  # nor of the seeded private group („Beispielnetzwerk Frühe Hilfen“)


def test_a_member_sees_the_private_groups_thread_and_date_and_their_own_things(client):
    body = start_page(client, MEMBER)
    assert SECRET_EVENT in section(body, "termine")
    assert "Geheimthema Startseite" in section(body, "themen")
    mine = section(body, "fuer-sie")
    assert "Startrunde Geheim" in mine.split("Ihre Abonnements")[0]  # Ihre Gruppen
    assert SECRET_THREAD in mine.split("Ihre Abonnements")[1]  # the subscription to everything below the thread
    assert PROPOSAL in mine and "Status: vorgeschlagen" in mine
    assert "ausgeblendete" not in body.lower()  # the hidden post is the moderation's


def put_post(thread: str, body: str, *, hidden: bool = False) -> None:
    time.sleep(1.1)  # moin's mtime counts seconds: the order of changes in one second is not defined
    post_ = new_post(body, MEMBER.name)
    hiding = {"acl": curators_acl(())} if hidden else {}  # (an Online-Diskussion: the moderation only)
    save_page(f"{thread}/{post_.id}", body, contenttype="text/plain;charset=utf-8", gaa_type="beitrag",
              gaa_fields={**post_.fields(), "versteckt": hidden}, **hiding)


def first_thread(client, person: Person) -> str:
    return re.search(r'start-themen.*?<li><a href="[^"]*">([^<]+)</a>', start_page(client, person), re.S).group(1)


def test_a_new_post_brings_its_thread_to_the_top_a_hidden_one_does_not(wiki, client):
    with acting_as(wiki, ADMIN):
        put_post(SECRET_THREAD, "Noch eine Idee für die Runde.")
    assert first_thread(client, MEMBER) == "Geheimthema Startseite"
    assert first_thread(client, None) != "Geheimthema Startseite"
    with acting_as(wiki, ADMIN):
        put_post(PUBLIC_THREAD, "Von der Moderation ausgeblendet.", hidden=True)
    assert first_thread(client, MEMBER) == "Geheimthema Startseite"
    with acting_as(wiki, ADMIN):
        put_post(PUBLIC_THREAD, "Eine Antwort für alle.")
    assert first_thread(client, MEMBER) == first_thread(client, None) == "Öffentliches Startthema"


def test_the_next_dates_say_when_in_german(client):
    dates = section(start_page(client, None), "termine")
    assert f"{day(date.today())}, 00:05–00:30 Uhr" in dates


def test_the_start_page_has_one_h1_and_no_personal_part_for_anonymous_visitors(client):
    body = start_page(client, None)
    assert len(re.findall(r"<h1[\s>]", body)) == 1
    assert section(body, "fuer-sie") == "" and section(body, "moderation") == "" and badge(body) is None


# --- Aktuelles -----------------------------------------------------------------------------------------------


def test_news_newest_first_with_date_and_lead_the_start_page_shows_three(wiki, client):
    with acting_as(wiki, ADMIN):
        save_page("Aktuelles/Startseitentest Erste", "= Überschrift =\nErster Absatz der ersten Meldung.\n\nZweiter.")
        time.sleep(1.1)
        save_page("Aktuelles/Startseitentest Zweite", "Text der zweiten.", summary="Anriss der zweiten Meldung.")
        time.sleep(1.1)
        save_page("Aktuelles/Startseitentest Dritte", "Die dritte Meldung.")
        time.sleep(1.1)
        save_page("Aktuelles/Startseitentest Erste", "= Überschrift =\nErster Absatz, verbessert.\n\nZweiter.")
    body = start_page(client, None)
    news = body[body.index('class="gaa-news"'):]
    news = news[: news.index("</ol>")]
    assert re.findall(r"Startseitentest (\w+)", news) == ["Dritte", "Zweite", "Erste"]  # an edit does not reorder
    assert "Anriss der zweiten Meldung." in news and "Erster Absatz, verbessert." in news
    assert "Überschrift" not in news and "Zweiter." not in news
    assert news.count(day(datetime.now(BERLIN).date())) == 3
    every = text(client.get("/Aktuelles"))
    assert "Die Startseite zeigt, was im PartnerWiki passiert" in every  # the seeded, older one: on the list of all
    assert "Die Startseite zeigt, was im PartnerWiki passiert" not in news


def test_only_the_moderation_publishes_news(wiki, client):
    name = "Aktuelles/Die Startseite zeigt, was im PartnerWiki passiert"
    logout(client)
    login(client, REGISTERED)
    token = re.search(r'<meta name="csrf-token" content="([^"]+)"', text(client.get("/Aktuelles"))).group(1)
    assert "moin-modify-button" not in text(client.get("/" + quote(name)))
    before = state(wiki, itemid_of(wiki, name))
    response = post(client, token, "/+modify/" + quote(name), editor_form(name, "Umgeschrieben."))
    assert response.status_code == 403 and "Aktuelles" in text(response)
    assert state(wiki, itemid_of(wiki, name)) == before
    new = "Aktuelles/Falschmeldung"
    assert post(client, token, "/+modify/" + quote(new), editor_form(new, "Erfunden.")).status_code == 403
    assert client.get("/" + quote(new)).status_code == 404
    assert 'action="/+create"' not in text(client.get("/Aktuelles"))
    logout(client)
    login(client, MODERATOR)
    token = re.search(r'<meta name="csrf-token" content="([^"]+)"', text(client.get("/Aktuelles"))).group(1)
    page = text(client.get("/Aktuelles"))
    assert 'action="/+create"' in page and 'value="Aktuelles/"' in page
    response = post(client, token, "/+create", {"target": "Aktuelles/Moderierte Meldung"})
    assert response.status_code == 302 and response.headers["Location"].endswith(quote("Aktuelles/Moderierte Meldung"))
    new = "Aktuelles/Moderierte Meldung"
    assert post(client, token, "/+modify/" + quote(new), editor_form(new, "Wirklich neu.")).status_code == 302
    assert "Moderierte Meldung" in text(client.get("/Aktuelles"))


def test_a_lead_is_the_first_paragraph_cut_at_a_word():
    assert lead_of("= Titel =\nEins zwei.\n\nDrei.") == "Eins zwei."
    assert lead_of("[[Matrix|Die Matrix]] ist neu.") == "Die Matrix ist neu."
    assert lead_of("wort " * 100, limit=20) == "wort wort wort wort …"


# --- the moderation ----------------------------------------------------------------------------------------


def test_the_moderation_sees_what_waits_and_the_badge_counts_it(wiki, client):
    body = start_page(client, MODERATOR)
    waiting = section(body, "moderation")
    assert "Startrunde Geheim</a>: 1" in waiting and "Geheimthema Startseite</a>: 1" in waiting
    proposals = int(re.search(r"Werkzeug-Vorschläge prüfen</a>: (\d+)", waiting).group(1))
    assert badge(body) == proposals + int(re.search(r"Beitrittsanfragen: (\d+)", waiting).group(1)) + int(
        re.search(r"Ausgeblendete Beiträge: (\d+)", waiting).group(1))
    with acting_as(wiki, ADMIN):
        put_tool("Noch ein Vorschlag für die Startseite", "vorgeschlagen")
    assert badge(text(client.get("/Hilfe/Mitmachen"))) == badge(body) + 1  # on every page, up to date
    assert 'href="/Startseite#moderation"' in body


def test_a_groups_moderation_sees_its_groups_requests_and_hidden_posts_but_no_review_queue(client):
    body = start_page(client, GROUP_MODERATOR)
    waiting = section(body, "moderation")
    assert "Startrunde Geheim</a>: 1" in waiting and "Geheimthema Startseite</a>: 1" in waiting
    assert "Werkzeug-Vorschläge prüfen" not in waiting and badge(body) == 2


@pytest.mark.parametrize("who", [None, REGISTERED, MEMBER])
def test_no_badge_for_people_who_moderate_nothing(client, who):
    body = start_page(client, who)
    assert badge(body) is None and section(body, "moderation") == ""


# --- empty states --------------------------------------------------------------------------------------------


def test_an_empty_wiki_says_so_in_german(empty_wiki):
    with acting_as(empty_wiki, None):
        ensure_role_groups()
    create_people(empty_wiki)
    with acting_as(empty_wiki, ADMIN):
        save_page("Startseite", "= Start =\n\n<<News(anzahl=3)>>\n\n<<StartOverview>>\n")
    with empty_wiki.test_client() as client:
        body = start_page(client, None)
        for expected in ("Zurzeit gibt es keine Meldungen.", "In den nächsten Wochen stehen keine Termine an.",
                         "Noch keine veröffentlichten Werkzeuge.", "Zurzeit ist keine Online-Diskussion offen",
                         "Noch keine öffentlichen Themen."):
            assert expected in body, expected
        mine = section(start_page(client, REGISTERED), "fuer-sie")
        for expected in ("Sie sind noch in keiner Gruppe.", "Sie haben nichts abonniert.",
                         "Sie haben noch kein Werkzeug vorgeschlagen."):
            assert expected in mine, expected
        body = start_page(client, MODERATOR)
        assert "Nichts wartet auf Sie." in section(body, "moderation") and badge(body) == 0


# --- subscriptions as pages ----------------------------------------------------------------------------------


def test_subscriptions_become_readable_pages():
    entries = ["itemid:abc", "name::Matrix", r"namere::^Gruppen/Startrunde\ Geheim/", "nameprefix::Hilfe/",
               "tags::kita", r"namere::^Geheim/", "itemid:gone"]
    found = subscriptions(entries, {"abc": "Werkzeugkiste"}.get, lambda name: not name.startswith("Geheim"))
    assert [(s.label, s.below) for s in found] == [
        ("Gruppen/Startrunde Geheim", True), ("Hilfe", True), ("Matrix", False), ("Werkzeugkiste", False)]


def test_the_portal_uses_the_instruments_but_not_the_web_layer():
    """``portal`` spans the instruments (README, „Architecture“): like their domain modules it imports no web module."""
    from test_architecture import import_graph

    graph = import_graph()
    assert {"moin_gaa.portal.news", "moin_gaa.portal.start"} <= set(graph)
    assert {(m, t) for m, targets in graph.items() if m.startswith("moin_gaa.portal") for t in targets
            if t.startswith("moin_gaa.web")} == set()
