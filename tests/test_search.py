"""Search as a product (issue 14, point 3): one German search over records and pages at ``/+search?q=…`` – hits
by kind with counts and filters, the title and a marked snippet, pages of hits, German word forms, read rights
(a private group's thread, date and document never appear for outsiders, not even in a count), a German empty
state and nothing of whoosh."""

from __future__ import annotations

import re
from datetime import date, timedelta
from urllib.parse import quote, urlencode

import pytest
from conftest import ADMIN, PASSWORD, REGISTERED, Person, acting_as, body, login, logout, main_part, save_page
from markupsafe import Markup
from moin import user as moin_user

from moin_gaa.calendars.events import event_from_input
from moin_gaa.discussions.groups import group_from_input, space_acl, space_pages
from moin_gaa.discussions.threads import new_post, new_thread
from moin_gaa.portal.search import KIND_BY_KEY, Hit, KindHits, Results
from moin_gaa.toolbox.tools import page_text

WORD = "Suchlaterne"
MEMBER = Person("Lina Suchmitglied", "lina.suchmitglied@example.org")
GROUP = group_from_input({"name": "Suchrunde Geheim", "sichtbarkeit": "privat", "beitritt": "anfrage",
                          "moderatoren": ADMIN.name})
SECRET_THREAD = f"{GROUP.page}/Diskussion/Geheime {WORD} Runde"
SECRET_EVENT = f"Geheimer {WORD} Termin"
SECRET_DOCUMENT = f"{GROUP.page}/Dokumente/Protokoll {WORD}"
SECRETS = ("Suchrunde Geheim", "Geheime Suchlaterne Runde", SECRET_EVENT, "Protokoll Suchlaterne")
ONLINE = "Online-Diskussionen/Suchdebatte"
PUBLIC = {  # kind → the title of the one public hit of WORD
    "Werkzeuge": f"{WORD} für Kitas",
    "Kommunen": f"Gemeinde {WORD}",
    "Termine": f"Treffen zur {WORD}",
    "Themen und Beiträge": f"Thema {WORD}",
    "Seiten": f"Ergebnissicherung {WORD}",
}
PAGES = 23  # pages that share PAGE_WORD: two pages of twenty
PAGE_WORD = "Seitenlaterne"
WHOOSH = ("Whoosh", "whoosh", "namengram", "Local docs", "More Search Options", "MATCHED TERMS",
          "ÜBEREINSTIMMENDE", "Übereinstimmende")


def tool_fields(title: str, status: str) -> dict:
    return {"titel": title, "kurzbeschreibung": f"Ein Werkzeug über die {WORD} im Alltag der Kita.",
            "lebensphasen": ["kita"], "empfehlungen": ["beteiligung"], "art": "checkliste", "status": status,
            "vorgeschlagen_von": "Jemand"}


def event_fields(title: str, calendars: list[str]) -> dict:
    return event_from_input({"titel": title, "startdatum": (date.today() + timedelta(days=3)).isoformat(),
                             "startzeit": "10:00", "endzeit": "11:00", "kalender": calendars}).fields()


@pytest.fixture(scope="module", autouse=True)
def findings(wiki):
    """One public hit of WORD per kind, a proposal (not published), a private group with a thread, a date and a
    document of WORD, 23 pages of PAGE_WORD and pages with German word forms."""
    with acting_as(wiki, None):
        assert not moin_user.create_user(username=MEMBER.name, password=PASSWORD, email=MEMBER.email)
    with acting_as(wiki, ADMIN):
        save_page(f"Werkzeugkiste/{PUBLIC['Werkzeuge']}", page_text("Gut erprobt beim Laternenumzug im Herbst."),
                  gaa_type="werkzeug",
                  gaa_fields=tool_fields(PUBLIC["Werkzeuge"], "geprueft"))
        save_page(f"Werkzeugkiste/Vorschlag {WORD}", page_text("Text."), gaa_type="werkzeug",
                  gaa_fields=tool_fields(f"Vorschlag {WORD}", "vorgeschlagen"))
        save_page(f"Kommunen/{PUBLIC['Kommunen']}", "<<MunicipalityProfile>>\n", gaa_type="kommune",
                  gaa_fields={"name": PUBLIC["Kommunen"], "land": "nw", "art": "stadt"})
        save_page(f"Termine/{PUBLIC['Termine']}", "<<EventCard>>\n", gaa_type="termin",
                  gaa_fields=event_fields(PUBLIC["Termine"], ["alle"]))
        save_page(ONLINE, "<<DiscussionSpace>>\n", gaa_type="onlinediskussion",
                  gaa_fields={"titel": "Suchdebatte", "einleitung": "Worum es geht.", "beginn": "2026-01-01",
                              "ende": "2027-12-31"}, acl="Moderatoren:read,write,create,destroy,admin All:read")
        save_page(f"{ONLINE}/{PUBLIC['Themen und Beiträge']}", "<<Discussion>>\n", gaa_type="thema",
                  gaa_fields=new_thread(PUBLIC["Themen und Beiträge"], "Alle lesen mit.", MEMBER.name).fields())
        reply = new_post("Eine Laternenantwort auf das Thema.", MEMBER.name)
        save_page(f"{ONLINE}/{PUBLIC['Themen und Beiträge']}/{reply.id}", reply.text, gaa_type="beitrag",
                  gaa_fields=reply.fields(), contenttype="text/plain;charset=utf-8")
        save_page(f"Suchtest/{PUBLIC['Seiten']}",
                  f"= Ergebnisse =\n\n{'Ein langer Vorlauf ohne das Wort. ' * 12}Hier steht die {WORD} <script>x</script>"
                  f" und danach {'noch mehr Text, der nicht ins Snippet passt. ' * 12}\n")
        save_page(GROUP.page, "<<DiscussionSpace>>\n", gaa_type="gruppe", gaa_fields=GROUP.fields(),
                  acl=space_acl(GROUP))
        for name, text, meta in space_pages(GROUP, [MEMBER.name]):
            save_page(name, text, **meta)
        save_page(SECRET_THREAD, "<<Discussion>>\n", gaa_type="thema",
                  gaa_fields=new_thread(f"Geheime {WORD} Runde", "Nur für die Runde.", MEMBER.name).fields())
        save_page(f"{GROUP.page}/Termine/{SECRET_EVENT}", "<<EventCard>>\n", gaa_type="termin",
                  gaa_fields=event_fields(SECRET_EVENT, [GROUP.calendar]))
        save_page(SECRET_DOCUMENT, f"Vertraulich: die {WORD} der Runde.\n")
        for n in range(PAGES):
            save_page(f"Suchtest/Blatt {n:02d}", f"Das Blatt Nummer {n} über die {PAGE_WORD}.\n")
        save_page("Suchtest/Wortformen", "Unsere Quartierszentren leisten quartiersfördernde Arbeit an "
                                          "Quartiersübergängen und auf der Quartiersstraße.\n")


def search(client, q: str, **params) -> str:
    response = client.get("/+search?" + urlencode({"q": q, **params}))
    assert response.status_code == 200, response.status_code
    return main_part(response)


def counts(page: str) -> dict[str, int]:
    """Kind → count, as the filter navigation shows them."""
    nav = re.search(r'<nav class="gaa-search-kinds".*?</nav>', page, re.S).group(0)
    found = re.findall(r'>\s*([^<>]+?) <span class="gaa-count">(\d+)</span>', nav)
    return {label: int(n) for label, n in found}


def titles(page: str) -> list[str]:
    return re.findall(r'class="gaa-search-title" href="[^"]*">([^<]+)</a>', page)


def hit_links(page: str) -> list[str]:
    return re.findall(r'class="gaa-search-title" href="([^"]+)"', page)


def as_person(client, person: Person | None) -> None:
    logout(client)
    if person is not None:
        login(client, person)


# --- kinds, counts, filters ----------------------------------------------------------------------------------


def test_hits_come_by_kind_with_their_counts(client):
    page = search(client, WORD)
    assert counts(page) == {"Alle": 5, **{kind: 1 for kind in PUBLIC}}
    for kind, title in PUBLIC.items():
        section = re.search(rf'<h2 id="gaa-search-\w+">{kind} <span class="gaa-count">1</span></h2>.*?</section>',
                            page, re.S)
        assert section and titles(section.group(0)) == [title], kind
    assert f"Vorschlag {WORD}" not in page  # a proposal is not in the Werkzeugkiste, nor in the search
    assert "5 Treffer für „Suchlaterne“" in page


def test_a_kind_filter_is_a_link_that_shows_that_kind_only(client):
    page = search(client, WORD)
    link = re.search(r'<a href="([^"]+)">Termine <span class="gaa-count">1</span></a>', page).group(1)
    filtered = main_part(client.get(link.replace("&amp;", "&")))
    assert titles(filtered) == [PUBLIC["Termine"]]
    assert '<span aria-current="page">Termine <span class="gaa-count">1</span></span>' in filtered
    assert counts(filtered)["Werkzeuge"] == 1  # the other kinds keep their counts and links
    assert titles(search(client, WORD, art="unbekannt")) == titles(page)  # an unknown kind: all of them


def test_a_hit_shows_title_address_and_a_snippet_with_the_word_marked(client):
    page = search(client, WORD, art="seiten")
    hit = re.search(r'<li class="gaa-search-hit">.*?</li>', page, re.S).group(0)
    assert titles(hit) == [PUBLIC["Seiten"]]
    assert f'href="/Suchtest/{quote(PUBLIC["Seiten"])}"' in hit
    snippet = re.search(r'<p class="gaa-search-snippet">(.*?)</p>', hit, re.S).group(1)
    assert f"<mark>{WORD}</mark>" in snippet
    assert snippet.startswith("… ") and snippet.endswith(" …") and len(snippet) < 300  # cut around the hit
    raw = client.get("/+search?" + urlencode({"q": WORD, "art": "seiten"})).get_data(as_text=True)
    assert "<script>x</script>" not in raw and "&lt;script&gt;x&lt;/script&gt;" in raw  # the page's text, escaped


def test_record_snippets_mark_the_word_in_the_records_fields_or_else_in_its_wiki_text(client):
    page = search(client, WORD, art="werkzeuge")
    assert f"Ein Werkzeug über die <mark>{WORD}</mark> im Alltag der Kita." in page
    page = search(client, "Laternenumzug", art="werkzeuge")  # only in the tool's wiki text
    assert titles(page) == [PUBLIC["Werkzeuge"]] and "beim <mark>Laternenumzug</mark> im Herbst" in page


def test_a_post_is_named_after_its_thread(client):
    page = search(client, "Laternenantwort", art="themen")
    assert titles(page) == [f"Beitrag zu „{PUBLIC['Themen und Beiträge']}“"]


# --- pages of hits -------------------------------------------------------------------------------------------


def test_the_overview_shows_a_few_hits_and_a_link_to_all_of_a_kind(client):
    page = search(client, PAGE_WORD)
    assert counts(page)["Seiten"] == PAGES and len(titles(page)) == 5
    assert f"Alle {PAGES} Treffer unter Seiten zeigen" in page


def test_hits_of_a_kind_come_twenty_a_page_each_once(client):
    first = search(client, PAGE_WORD, art="seiten")
    assert "Seite 1 von 2" in first and "Weitere Treffer" in first and "Vorherige Treffer" not in first
    second = main_part(client.get(re.search(r'href="([^"]+)" rel="next"', first).group(1).replace("&amp;", "&")))
    assert "Seite 2 von 2" in second and "Vorherige Treffer" in second and "Weitere Treffer" not in second
    shown = hit_links(first) + hit_links(second)
    assert len(hit_links(first)) == 20 and len(shown) == len(set(shown)) == PAGES
    assert set(shown) == {f"/Suchtest/Blatt%20{n:02d}" for n in range(PAGES)}


@pytest.mark.parametrize("number, shown", [("0", 1), ("-3", 1), ("99", 2), ("zwei", 1), ("1e9", 1)])
def test_any_page_number_answers_with_a_page_of_hits(client, number, shown):
    page = search(client, PAGE_WORD, art="seiten", seite=number)
    assert f"Seite {shown} von 2" in page and hit_links(page)


# --- German word forms ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("query", ["Quartierszentrum", "Quartierszentren", "Quartiersförderung",
                                   "Quartiersübergang", "quartiersuebergaenge".replace("ue", "ü").replace("ae", "ä"),
                                   "Quartiersstraße", "quartierszentren quartiersübergang"])
def test_german_word_forms_find_the_page(client, query):
    page = search(client, query, art="seiten")
    assert "Wortformen" in titles(page), query
    assert "<mark>" in page


def test_word_forms_find_records_too(client):
    assert titles(search(client, "Suchlaternen", art="werkzeuge")) == [PUBLIC["Werkzeuge"]]
    assert titles(search(client, "Kitas suchlaterne", art="werkzeuge")) == [PUBLIC["Werkzeuge"]]


# --- read rights ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", [None, REGISTERED], ids=["anonymous", "registered outsider"])
def test_outsiders_never_see_a_private_groups_hits_nor_count_them(client, who):
    as_person(client, who)
    for params in ({}, {"art": "themen"}, {"art": "termine"}, {"art": "seiten"}):
        page = search(client, WORD, **params)
        assert counts(page) == {"Alle": 5, **{kind: 1 for kind in PUBLIC}}, params
        assert not [secret for secret in SECRETS if secret in page], params
    for word in ("Suchrunde", "Vertraulich", "Geheimer"):
        page = search(client, word)
        assert not [secret for secret in SECRETS if secret in page], word
    logout(client)


def test_a_member_finds_the_groups_thread_date_and_document(client):
    as_person(client, MEMBER)
    page = search(client, WORD)
    assert counts(page) == {"Alle": 8, "Werkzeuge": 1, "Kommunen": 1, "Termine": 2, "Themen und Beiträge": 2,
                            "Seiten": 2}
    assert {"Geheime Suchlaterne Runde", SECRET_EVENT, "Protokoll Suchlaterne"} <= set(titles(page))
    logout(client)


# --- empty state, bad input, nothing of whoosh ---------------------------------------------------------------


def test_no_hits_say_so_in_german_with_hints(client):
    page = search(client, "Xylophonquatschwort")
    assert "Keine Treffer für „Xylophonquatschwort“" in page
    assert "Schreibweise" in page and "Werkzeugkiste" in page and "Anmelden" in page
    assert not titles(page)


def test_only_stop_words_ask_for_a_real_word(client):
    page = search(client, "und die")
    assert "enthält kein Wort, nach dem gesucht werden kann" in page and not titles(page)


def test_an_empty_search_shows_the_form(client):
    page = search(client, "")
    assert 'name="q"' in page and "Suchen Sie nach Werkzeugen" in page


@pytest.mark.parametrize("query, message", [("Kita " * 60, "zu lang"), (" ".join(f"Wort{n}" for n in range(12)),
                                                                          "höchstens 8 Wörtern")])
def test_too_long_input_gets_a_german_message(client, query, message):
    response = client.get("/+search?" + urlencode({"q": query}))
    assert response.status_code == 400
    assert message in body(response) and 'aria-invalid="true"' in body(response)


@pytest.mark.parametrize("query", [WORD, PAGE_WORD, "Familienzentrum", "Xylophonquatschwort", "content:Kita",
                                   "Kita OR Schule", ">Gruppen Kita", "tags:kita"])
def test_nothing_of_whoosh_is_shown(client, query):
    text = body(client.get("/+search?" + urlencode({"q": query})))
    assert not [word for word in WHOOSH if word in text], query


def test_a_leading_backslash_jumps_to_the_best_readable_hit(client):
    response = client.get("/+search?" + urlencode({"q": "\\" + PUBLIC["Kommunen"]}))
    assert response.status_code == 302 and quote(PUBLIC["Kommunen"]) in response.headers["Location"]
    secret = client.get("/+search?" + urlencode({"q": "\\Protokoll " + WORD}))
    assert "Protokoll" not in secret.headers.get("Location", "")


def test_the_jump_prefers_a_title_with_the_whole_word_to_one_with_the_same_stem():
    """„\\Listentest“ jumped to an event „Listentreffen monatlich“ (same stem prefix, and Termine come first)."""
    def hit(title: str) -> Hit:
        return Hit(title, title, Markup(""))

    event, page = hit("Listentreffen monatlich"), hit("Listentest öffentliche Seite")
    kinds = [KindHits(KIND_BY_KEY["termine"], 1, [event]), KindHits(KIND_BY_KEY["seiten"], 1, [page])]
    assert Results("Listentest", 1, kinds).best() == page
    assert Results("Listentreffen", 1, kinds).best() == event
    assert Results("Listentest Seite", 1, kinds).best() == page
    assert Results("Listen", 1, kinds).best() == event  # no title has the word: the first shown
    assert Results("Listentest", 1, [KindHits(KIND_BY_KEY["seiten"], 0)]).best() is None


def test_the_header_search_box_leads_here(client):
    page = client.get("/Startseite").get_data(as_text=True)
    form = re.search(r'<form[^>]*id="moin-searchform"[^>]*>', page).group(0)
    assert 'action="/+search"' in form and 'method="get"' in form.lower()
    assert re.search(r'<input[^>]*name="q"', page[page.index('id="moin-searchform"'):])


def test_what_is_kept_between_requests_follows_every_write(wiki, client):
    """The hits kept per index state: a new page is found at once, a new record is counted once (not also as a
    page), a page made private disappears at once."""
    word = "Nachschreibelaterne"
    assert counts(search(client, word)) == {"Alle": 0, **{kind: 0 for kind in PUBLIC}}
    with acting_as(wiki, ADMIN):
        save_page("Suchtest/Nachgeschrieben", f"Neu: die {word}.\n")
    assert counts(search(client, word))["Seiten"] == 1
    with acting_as(wiki, ADMIN):
        save_page(f"Werkzeugkiste/{word}", page_text("Text."), gaa_type="werkzeug",
                  gaa_fields={**tool_fields(word, "geprueft"), "kurzbeschreibung": f"Über die {word}."})
    assert counts(search(client, word)) == {"Alle": 2, "Werkzeuge": 1, "Kommunen": 0, "Termine": 0,
                                            "Themen und Beiträge": 0, "Seiten": 1}
    with acting_as(wiki, ADMIN):
        save_page("Suchtest/Nachgeschrieben", f"Neu: die {word}.\n", acl=f"{ADMIN.name}:read,write,admin All:")
    page = search(client, word)
    assert counts(page)["Seiten"] == 0 and "Nachgeschrieben" not in page
