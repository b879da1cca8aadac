"""The chrome around every page (issue 14, points 1 and 7), through HTTP as each role sees it.

Page actions by role: readers get reading tools, practitioners „Bearbeiten“ (where allowed), „Historie“
and „Abonnieren“, the moderation the rest in a „Weitere Aktionen“ menu; moin's talk pages and its
converter are off. Breadcrumbs show the page hierarchy with full names; the footer has German dates;
IP addresses only for administrators; no „Zusammenfassung“ above the title; one H1 per page.
"""

from __future__ import annotations

import re
from urllib.parse import quote, unquote

import pytest
from conftest import ADMIN, MODERATOR, REGISTERED, acting_as, body, login, logout, save_page
from flask import request

TOOL = "Werkzeugkiste/Checkliste Netzwerkaufbau"
PROFILE = "Kommunen/Stadt Nürnberg"
FREE = "Chromtest Freie Seite"
LONG = "Chromtest/Handreichung zur kommunalen Gesamtstrategie für gesundes Aufwachsen in benachteiligten Quartieren"
SUMMARY = "Chromtest-Kurzfassung, die über dem Titel nicht noch einmal erscheinen soll"
ADDRESS = "192.0.2.44"  # the editor's address (TEST-NET-1)
PEOPLE = {"anonymous": None, "registered": REGISTERED, "moderator": MODERATOR, "admin": ADMIN}
# moin's actions a reader or practitioner should never be offered
WIKI_TOOLS = ("+rename", "+delete", "+destroy", "+convert", "+meta", "+highlight", "+sitemap", "+similar_names",
              "+quicklink", "+index")



def actions(page: str) -> str:
    """The page actions bar (primary actions and the „Weitere Aktionen“ menu)."""
    found = re.search(r'<nav class="pw-itemviews"(.*?)</nav>', page, re.S)
    return found.group(1) if found else ""


def menu(page: str) -> str:
    found = re.search(r'<details class="pw-more"(.*?)</details>', page, re.S)
    return found.group(1) if found else ""


def action_links(html: str) -> list[str]:
    return [unquote(href).split("/", 2)[1] for href in re.findall(r'href="(/\+[^"]+)"', html)]


def crumbs(page: str) -> list[tuple[str, bool, bool]]:
    """(label, linked, current) of each breadcrumb."""
    trail = re.search(r'<nav class="pw-trail"[^>]*>(.*?)</nav>', page, re.S)
    assert trail, "no breadcrumbs"
    items = re.findall(r"<li[^>]*>(.*?)</li>", trail.group(1), re.S)
    return [(re.sub(r"<[^>]+>|\s+", " ", item).strip(), "<a " in item, 'aria-current="page"' in item)
            for item in items]


def footer(page: str) -> str:
    return page[page.index('<footer id="moin-footer"'):]


def as_person(client, role: str) -> None:
    logout(client)
    if PEOPLE[role] is not None:
        login(client, PEOPLE[role])


@pytest.fixture(scope="module")
def pages(wiki):
    with acting_as(wiki, REGISTERED):
        request.remote_addr = ADDRESS  # moin records the editor's address with the revision
        save_page(FREE, "Eine freie Seite von Rita.\n", summary=SUMMARY)
        save_page(LONG, "Lange Namen werden nicht gekürzt.\n")


# --- point 1: page actions by role -------------------------------------------------------------------------


def test_readers_see_reading_tools_only(client, pages):
    as_person(client, "anonymous")
    for name in ("Startseite", TOOL, FREE):
        page = body(client.get("/" + quote(name)))
        links = action_links(actions(page))
        assert "+history" in links, (name, links)
        assert not {"+modify", "+subscribe", *WIKI_TOOLS} & set(links), (name, links)
        assert "/+gaa/" not in actions(page) and not menu(page)


def test_practitioners_see_editing_history_and_subscription(client, pages):
    as_person(client, "registered")
    page = body(client.get("/Startseite"))
    links = action_links(actions(page))
    assert {"+modify", "+history", "+subscribe"} <= set(links), links
    assert not set(WIKI_TOOLS) & set(links), links
    assert not menu(page), "practitioners have nothing more to do on an instrument page"
    tool = actions(body(client.get("/" + quote(TOOL))))
    assert "/+gaa/werkzeug/bearbeiten/" in tool and "Bearbeiten" in tool  # a record: „Bearbeiten“ is its form
    assert not set(WIKI_TOOLS) & set(action_links(tool))


def test_practitioners_get_renaming_and_deleting_of_free_pages_in_the_menu(client, pages):
    as_person(client, "registered")
    page = body(client.get("/" + quote(FREE)))
    assert set(action_links(menu(page))) == {"+rename", "+delete"}
    assert "Weitere Aktionen" in menu(page)


def test_the_moderation_gets_the_rest_in_a_menu(client, pages):
    for role in ("moderator", "admin"):
        as_person(client, role)
        page = body(client.get("/Matrix"))
        primary = action_links(actions(page).split('<details class="pw-more"')[0])
        assert {"+modify", "+history", "+subscribe"} <= set(primary), (role, primary)
        more = set(action_links(menu(page)))
        assert {"+rename", "+delete", "+destroy", "+meta", "+highlight", "+index"} <= more, (role, more)
        assert "<summary" in menu(page) and "Weitere Aktionen" in menu(page)
        assert "Hervorheben" not in page and "Konvertieren" not in page


@pytest.mark.parametrize("role", list(PEOPLE))
def test_no_talk_pages_and_no_converter_offered(client, pages, role):
    as_person(client, role)
    for name in ("Startseite", TOOL, FREE):
        bar = actions(body(client.get("/" + quote(name))))
        assert "moin-subitem-discuss" not in bar and f"{name}/Diskussion" not in bar, (role, name)
        assert "+convert" not in action_links(bar), (role, name)


@pytest.mark.parametrize("role", ["anonymous", "registered", "moderator"])
def test_moins_converter_is_off_but_for_administrators(client, pages, role):
    as_person(client, role)
    response = client.get("/+convert/" + quote(FREE))
    assert response.status_code == 404
    assert "Diese Funktion gibt es in diesem Wiki nicht." in body(response)


def test_administrators_keep_moins_converter(client, pages):
    as_person(client, "admin")
    assert client.get("/+convert/" + quote(FREE)).status_code == 200


# --- point 7: breadcrumbs, footer, addresses, summary, headings ---------------------------------------------


def test_breadcrumbs_show_the_hierarchy_not_the_visits(client, pages):
    as_person(client, "registered")
    for visited in ("/Matrix", "/Partnerverzeichnis", "/Gesprächsräume"):
        client.get(visited)
    assert crumbs(body(client.get("/" + quote(TOOL)))) == [
        ("Startseite", True, False), ("Werkzeugkiste", True, False), ("Checkliste Netzwerkaufbau", False, True)]
    # records in a container that is no page hang below their instrument
    assert [c[0] for c in crumbs(body(client.get("/" + quote(PROFILE))))] == [
        "Startseite", "Partnerverzeichnis", "Stadt Nürnberg"]
    assert crumbs(body(client.get("/Startseite"))) == [("Startseite", False, True)]


def test_breadcrumbs_keep_full_names_and_name_the_view(client, pages):
    as_person(client, "anonymous")
    trail = crumbs(body(client.get("/" + quote(LONG))))
    assert trail[-1] == (LONG.split("/")[1], False, True)  # not cut in the middle
    assert trail[1] == ("Chromtest", False, False)  # no page of its own: no link
    assert crumbs(body(client.get("/+history/" + quote(TOOL)))) == [
        ("Startseite", True, False), ("Werkzeugkiste", True, False), ("Checkliste Netzwerkaufbau", True, False),
        ("Historie", False, True)]


def test_the_footer_dates_are_german(client, pages):
    for role in ("anonymous", "registered"):
        as_person(client, role)
        bottom = footer(body(client.get("/" + quote(FREE))))
        assert re.search(r"Zuletzt geändert am \d{2}\.\d{2}\.\d{4}, \d{2}:\d{2}", bottom), bottom[:600]
        assert not re.search(r"\d{4}-\d{2}-\d{2}|\(rev \d+\)|\d{2}z\b", bottom), bottom[:600]
        assert "Rita Registriert" in bottom


@pytest.mark.parametrize("role", ["anonymous", "registered", "moderator"])
def test_ip_addresses_only_for_administrators(client, pages, role):
    as_person(client, role)
    for path in ("/" + quote(FREE), "/Startseite", "/+history/" + quote(FREE), "/+index/Chromtest",
                 "/+meta/" + quote(FREE)):
        assert ADDRESS not in body(client.get(path)), (role, path)


def test_administrators_see_ip_addresses(client, pages):
    as_person(client, "admin")
    assert ADDRESS in footer(body(client.get("/" + quote(FREE))))
    assert ADDRESS in body(client.get("/+history/" + quote(FREE)))


def test_no_summary_above_the_title(client, pages):
    as_person(client, "anonymous")
    page = body(client.get("/" + quote(FREE))).split("</head>", 1)[1]  # the summary stays the page's description
    assert "Eine freie Seite von Rita." in page and SUMMARY not in page and "Zusammenfassung:" not in page


@pytest.mark.parametrize("name", [
    "Startseite", "Matrix", TOOL, PROFILE, "Netzwerkkalender", "Termine/Fachtag Übergang Kita–Grundschule",
    "Gruppen/Netzwerk Kooperative Planung",
    "Gruppen/Netzwerk Kooperative Planung/Diskussion/Gemeinsame Datengrundlage für die Sozialraumplanung",
    "Online-Diskussionen", FREE,
])
def test_one_h1_per_page(client, pages, name):
    as_person(client, "registered")
    page = body(client.get("/" + quote(name)))
    headings = re.findall(r"<h1[\s>].*?</h1>", page, re.S)
    assert len(headings) == 1, (name, headings)
    if name in (TOOL, PROFILE, FREE, "Gruppen/Netzwerk Kooperative Planung"):  # pages without a heading of their own
        assert name.rsplit("/", 1)[-1] in headings[0]
