"""Private names appear on no listing: moin's lookup, search, indexes, histories, tags, feeds, sitemaps …

A moderator puts items with unmistakable names into the seeded private group „Beispielnetzwerk
Frühe Hilfen“ (a document with a tag and a summary, an attachment, an event). Then every GET
route of the app is asked – with the private names, their prefixes and public names in the path,
and with the listing parameters moin's views understand – as an anonymous visitor and as a
registered outsider; no answer (body or headers) may carry a private name or word the asker did
not type themselves.
"""

from __future__ import annotations

import re
from urllib.parse import quote, urlencode

import pytest
from conftest import ADMIN, REGISTERED, acting_as, login, save_page

GROUP = "Gruppen/Beispielnetzwerk Frühe Hilfen"
DOCUMENT = f"{GROUP}/Dokumente/Quokkabericht Nachtschicht"
ATTACHMENT = f"{GROUP}/Dokumente/quokkaanhang-plan.txt"
EVENT = f"{GROUP}/Termine/2026-12-01 Quokkatreffen Nachtschicht"
PUBLIC_PAGE = "Listentest öffentliche Seite"
SEEDED_POST = f"{GROUP}/Diskussion/Fallwerkstatt Dezember vorbereiten/B20261105T075500-e47c19"
# words only the private items carry (their names, tag, summary, comment, link target)
TOKENS = [
    "Beispielnetzwerk", "Quokkabericht", "quokkaanhang", "Quokkatreffen", "quokkamarke", "Quokkazusammenfassung",
    "Quokkaziel", "Quokkakommentar", "Fallwerkstatt", "B20261105T075500", "Protokoll Netzwerktreffen Oktober",
]
SKIPPED_PREFIXES = ("/static/", "/_themes/", "/+serve/", "/+template/")
HEX = "0123456789abcdef"


def page_token(client) -> str:
    """The session's CSRF token, as every page carries it in ``<meta name="csrf-token">``."""
    match = re.search(r'<meta name="csrf-token" content="([^"]+)"', client.get("/Startseite").get_data(as_text=True))
    return match.group(1) if match else ""


def leaked(response, asked: str) -> list[str]:
    """Private words in the answer (body and headers) that the asker did not type into the address."""
    seen = response.get_data(as_text=True) + "\n" + str(response.headers)
    asked = asked.lower()
    return [t for t in TOKENS if t.lower() in seen.lower() and t.lower() not in asked]


@pytest.fixture(scope="module")
def private_items(wiki):
    with acting_as(wiki, ADMIN):
        save_page(DOCUMENT, "Intern: siehe [[Startseite]] und [[Quokkaziel Nirgendwo]].\n",
                  tags=["quokkamarke"], summary="Quokkazusammenfassung")
        save_page(ATTACHMENT, "Quokkakommentar intern\n", contenttype="text/plain;charset=utf-8")
        save_page(EVENT, "Treffen der Gruppe.\n", tags=["quokkamarke"])
        save_page(PUBLIC_PAGE, "Öffentlich, verlinkt [[Startseite]].\n", tags=["Listentest"])
    with acting_as(wiki, ADMIN):
        from flask import g as flaskg

        admin_id = flaskg.user.itemid
    return {"admin_id": admin_id}


def item_paths(rule, names: list[str]) -> list[str]:
    def fill(value):
        def replace(match):
            variable = match.group(2)
            if variable in ("item_name", "name", "post_name", "thread_name", "area_name", "titel"):
                return quote(value, safe="/")
            return quote({"rev": "current", "namespace": "all", "tag": "quokkamarke"}.get(variable, value), safe="")

        return re.sub(r"<(?:([a-z]+):)?([a-zA-Z_]+)>", replace, rule.rule)

    return list(dict.fromkeys(fill(n) for n in names))


def listing_urls(private_items) -> list[str]:
    admin_id = private_items["admin_id"]
    urls = [f"/+lookup?{urlencode(q)}" for q in (
        {"name_exact": "Gruppen"}, {"name_exact": "G"}, {"name_exact": "Gruppen/"}, {"name": "nachtschicht"},
        {"userid": admin_id}, {"userid": admin_id[:4]}, {"tags": "quokkamarke"}, {"itemlinks": "Startseite"},
        {"refs": "Startseite"}, {"language": "de"}, {"name_exact": "Gruppen", "history": "1"},
        {"itemlinks": "Quokkaziel Nirgendwo"},
    )]
    urls += [f"/+lookup?itemid={c}" for c in HEX] + [f"/+lookup?revid={c}" for c in HEX]
    urls += [f"/+search?{urlencode(q)}" for q in (
        {"q": "nachtschicht"}, {"q": "\\nachtschicht"}, {"q": "Nachtschicht", "history": "1"},
        {"q": "nachtschicht", "boolajax": "true"}, {"q": "nachtschicht", "boolajax": "true", "is_ticket": "1"},
        {"q": "nachtschicht", "boolajax": "true", "history": "true", "time_sorting": "name"},
        {"q": ">Gruppen nachtschicht"}, {"q": "tags:quokkamarke"}, {"q": "Dezember"}, {"q": "\\Dezember"},
        {"q": "Oktober", "boolajax": "true", "is_ticket": "1"},
    )]
    urls += [
        "/+index/?startswith=Q", "/+index/Gruppen", "/+index/all", "/+index/?contenttype=Text", "/+history",
        "/+history?all=1", "/all/+history", "/+tags", "/all/+tags", "/+orphans", "/+wanteds", "/+misc/sitemap",
        "/+misc/urls_names", "/+feed/atom", "/+similar_names/Nachtschicht", "/+similar_names/Gruppen/Dokumente",
        "/+backrefs/Startseite", "/+sitemap/Startseite", "/+mychanges", "/+gaa/records.json?q=nachtschicht",
        "/+tickets", "/+tickets/query?q=nachtschicht", "/+dispatch?endpoint=frontend.index",
    ]
    return urls


def crawl_for_leaks(wiki, client, private_items) -> list[str]:
    names = [GROUP, DOCUMENT, ATTACHMENT, SEEDED_POST, "Gruppen", "Gruppen/Beispielnetzwerk", "Startseite",
             "Nachtschicht"]
    urls = listing_urls(private_items)
    for rule in sorted(wiki.url_map.iter_rules(), key=lambda r: r.rule):
        if "GET" in (rule.methods or ()) and not rule.rule.startswith(SKIPPED_PREFIXES):
            urls += item_paths(rule, names)
    found = []
    for url in dict.fromkeys(urls):
        try:
            response = client.get(url)
        except Exception:  # noqa: BLE001, S112 – a crash shows no page (tests/test_security_crawl.py reports it)
            continue
        words = leaked(response, asked=url)
        if words:
            found.append(f"GET {url} -> {response.status_code}: {words}")
    for url, data in [
        ("/+ajaxsubitems", {"item_names[]": [quote(GROUP), quote(DOCUMENT)], "action_auth": "delete"}),
        ("/+ajaxsubitems", {"item_names[]": ["Gruppen"], "action_auth": "delete"}),
        ("/+index/Gruppen", {}),
        ("/+lookup", {"name_exact": "Gruppen"}),
        ("/+search", {"q": "nachtschicht"}),
    ]:
        response = client.post(url, data={**data, "csrf_token": page_token(client)})
        words = leaked(response, asked=url + str(data))
        if words:
            found.append(f"POST {url} {data} -> {response.status_code}: {words}")
    return found


def test_the_moderation_sees_the_private_names(wiki, client, private_items):
    """The crawl's words are really there for those who may read them (else it would prove nothing)."""
    login(client, ADMIN)
    body = client.get("/+index/Gruppen/Beispielnetzwerk Frühe Hilfen/Dokumente").get_data(as_text=True)
    assert "Quokkabericht" in body and "quokkaanhang" in body
    assert "Quokkabericht" in client.get("/+lookup?name_exact=Gruppen/Beispielnetzwerk").get_data(as_text=True)
    assert "Quokkabericht" in client.get("/+tags/quokkamarke").get_data(as_text=True)
    found = client.get("/+search?q=nachtschicht").get_data(as_text=True)
    assert "Quokkabericht" in found and "Quokkatreffen" in found


@pytest.mark.parametrize("who", ["anonymous", "registered outsider"])
def test_no_listing_shows_private_names(wiki, client, private_items, who):
    if who != "anonymous":
        login(client, REGISTERED)
    found = crawl_for_leaks(wiki, client, private_items)
    assert not found, f"{len(found)} answers show private names:\n" + "\n".join(found[:40])


def test_lookup_without_a_field_answers_400_in_german(client):
    response = client.get("/+lookup")
    assert response.status_code == 400
    assert "Bitte" in response.get_data(as_text=True)


def test_lookup_finds_public_items_and_redirects_to_a_single_hit(client, private_items):
    response = client.get("/+lookup?" + urlencode({"name_exact": PUBLIC_PAGE}))
    assert response.status_code == 302 and quote(PUBLIC_PAGE) in response.headers["Location"]
    many = client.get("/+lookup?name_exact=Werkzeugkiste/").get_data(as_text=True)
    assert "Kiezdetektive" in many


def test_search_still_finds_public_items(client, private_items):
    body = client.get("/+search?q=" + quote("Listentest")).get_data(as_text=True)
    assert PUBLIC_PAGE in body
    best = client.get("/+search?q=" + quote("\\Listentest"))
    assert best.status_code == 302 and quote(PUBLIC_PAGE) in best.headers["Location"]


def test_the_atom_feed_cache_is_not_shared_with_outsiders(wiki, client, private_items):
    """moin caches the atom feed under the newest readable revision: an admin's feed must not reach others."""
    with acting_as(wiki, ADMIN):
        save_page(PUBLIC_PAGE, "Öffentlich, geändert [[Startseite]].\n", tags=["Listentest"])
    login(client, ADMIN)
    admin_feed = client.get("/+feed/atom").get_data(as_text=True)
    assert "Quokkabericht" in admin_feed
    client.post("/+logout", data={"csrf_token": page_token(client)})
    anonymous = client.get("/+feed/atom")
    assert anonymous.status_code == 200
    assert not leaked(anonymous, asked="/+feed/atom")


def test_no_view_reads_a_private_revision_through_a_public_name(wiki, client, private_items):
    """moin fetches ``/+get/+<revid>/<name>`` by revision id alone and checks the rights of ``<name>``."""
    with acting_as(wiki, ADMIN):
        from flask import g as flaskg
        from moin.constants.keys import ALL_REVS, REVID

        private = flaskg.unprotected_storage.document(idx_name=ALL_REVS, name_exact=DOCUMENT).meta[REVID]
        public = flaskg.unprotected_storage.document(idx_name=ALL_REVS, name_exact="Startseite").meta[REVID]
    login(client, REGISTERED)
    for view in ("+show", "+get", "+content", "+download", "+meta", "+highlight", "+dom", "+indexable", "+revert",
                 "+destroy"):
        response = client.get(f"/{view}/+{private}/Startseite")
        assert response.status_code in ((403, 404) if view in ("+revert", "+destroy") else (404,)), view
        assert "Quokka" not in response.get_data(as_text=True), view
    for view in ("+diff", "+diffraw"):
        response = client.get(f"/{view}/Startseite?rev1={public}&rev2={private}")
        assert response.status_code == 404 and "Quokka" not in response.get_data(as_text=True), view
    assert client.get(f"/+show/+{public}/Startseite").status_code == 200
    assert client.get(f"/+diff/Startseite?rev1={public}&rev2={public}").status_code == 200
