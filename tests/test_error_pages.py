"""Errors a person understands: a German 404 for a missing page and a plain 403 (issue 14, point 2).

A missing page answers 404 with „Seite nicht gefunden“, a search box, similar pages the visitor may
read and „Seite anlegen“ only for those who may create it (moin's wiki markup preselected; moin's
choice of content types only for administrators). A refusal answers 403 with „Kein Zugriff“ and what
the person can do, without telling more about a private page than moin's status code already does.
"""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import parse_qs, quote, unquote, urlsplit

import pytest
from conftest import ADMIN, MODERATOR, REGISTERED, acting_as, body, login, main_part, save_page

GROUP = "Gruppen/Beispielnetzwerk Frühe Hilfen"
PUBLIC = "Fehlerseitentest Kompass Familienbildung"
PRIVATE = f"{GROUP}/Dokumente/Fehlerseitentest Kompass Geheimplan"
MISSING = "Fehlerseitentest Kompass"  # shares words with both pages above
MOINWIKI = "text/x.moin.wiki;charset=utf-8"




def links(response) -> list[str]:
    return [unquote(unescape(href)) for href in re.findall(r'href="([^"]+)"', main_part(response))]


@pytest.fixture(scope="module")
def pages(wiki):
    with acting_as(wiki, ADMIN):
        save_page(PUBLIC, "Öffentliche Seite für die Fehlerseiten.\n")
        save_page(PRIVATE, "Nur für die Gruppe.\n")


# --- 404 ------------------------------------------------------------------------------------------------------


def test_a_missing_page_is_a_german_404_with_a_search_box(client, pages):
    response = client.get("/" + quote(f"Werkzeughilfen/{MISSING}"))
    assert response.status_code == 404
    page = main_part(response)
    assert re.search(r"<h1[^>]*>\s*Seite nicht gefunden\s*</h1>", page)
    assert len(re.findall(r"<h1\b", body(response))) == 1
    form = re.search(r'<form[^>]*role="search"[^>]*>.*?</form>', page, re.S).group(0)
    assert 'method="get"' in form and 'action="/+search"' in form
    field = re.search(r'<input[^>]*name="q"[^>]*>', form).group(0)
    assert f'value="{MISSING}"' in field  # the name's last part, ready to search
    label_for = re.search(r'<label for="([^"]+)"', form).group(1)
    assert f'id="{label_for}"' in field
    for moin_text in ("Content-Type", "Inhaltstyp", "Neues Item", "Item nicht gefunden", "existiert nicht",
                      "moin-create-table", "Python Code"):
        assert moin_text not in body(response), moin_text
    assert "Seite anlegen" not in page  # anonymous visitors create nothing
    assert "/Startseite" in links(response)


def test_a_form_for_a_record_that_does_not_exist_is_the_german_404_too(client):
    """Our views' abort(404) showed Werkzeug's English „Not Found“ without the wiki around it."""
    login(client, REGISTERED)
    response = client.get("/+gaa/kommune/bearbeiten/" + quote(MISSING))
    assert response.status_code == 404
    page = main_part(response)
    assert re.search(r"<h1[^>]*>\s*Seite nicht gefunden\s*</h1>", page) and 'role="search"' in page
    assert "Not Found" not in body(response) and "/Startseite" in links(response)
    assert 'id="moin-footer"' in body(response)  # the whole page of the wiki, not a bare error


def test_similar_pages_are_readable_ones_only(client, pages):
    path = "/" + quote(MISSING)
    for person in (None, REGISTERED):
        if person:
            login(client, person)
        response = client.get(path)
        assert response.status_code == 404
        assert f"/{PUBLIC}" in links(response), person
        assert "Geheimplan" not in body(response) and "Beispielnetzwerk" not in body(response), person
    for person in (MODERATOR, ADMIN):  # those who may read the private page see it among the similar ones
        login(client, person)
        assert f"/{PRIVATE}" in links(client.get(path)), person.name


def test_seite_anlegen_only_for_those_who_may_create_it(client, pages):
    new = "Fehlerseitentest Neue Seite"
    assert "Seite anlegen" not in main_part(client.get("/" + quote(new)))
    login(client, REGISTERED)
    response = client.get("/" + quote(new))
    assert response.status_code == 404
    create = [href for href in links(response) if href.startswith("/+modify/")]
    assert len(create) == 1 and "Seite anlegen" in main_part(response)
    target = urlsplit(create[0])
    assert target.path == f"/+modify/{new}"
    assert parse_qs(target.query)["contenttype"] == [MOINWIKI]
    editor = client.get(create[0], follow_redirects=True)  # moin adds its choice of template (none here)
    assert editor.status_code == 200
    assert "content_form_data_text" in body(editor) and "moin-create-table" not in body(editor)
    # the private group's space: no right to create there, so no offer (and still a 404, as moin answers)
    inside = client.get("/" + quote(f"{GROUP}/Dokumente/Fehlerseitentest Fehlt"))
    assert inside.status_code == 404
    assert "Seite anlegen" not in main_part(inside)
    assert not [href for href in links(inside) if href.startswith("/+modify/")]


def test_content_type_choice_only_for_administrators(client, pages):
    new = "/+modify/" + quote("Fehlerseitentest Inhaltsart")
    assert client.get(new).status_code == 403  # anonymous: as before
    for person in (REGISTERED, MODERATOR):
        login(client, person)
        response = client.get(new)
        assert response.status_code == 302, person.name
        target = urlsplit(response.headers["Location"])
        assert unquote(target.path) == "/+modify/Fehlerseitentest Inhaltsart"
        assert parse_qs(target.query)["contenttype"] == [MOINWIKI]
    login(client, ADMIN)
    response = client.get(new)
    assert response.status_code == 200 and "moin-create-table" in body(response)
    offer = main_part(client.get("/" + quote("Fehlerseitentest Inhaltsart")))
    assert "Andere Inhaltsart wählen" in offer and "Seite anlegen" in offer


def test_an_existing_page_is_still_shown_and_edited_as_before(client, pages):
    assert client.get("/" + quote(PUBLIC)).status_code == 200
    login(client, REGISTERED)
    response = client.get("/+modify/" + quote(PUBLIC))
    assert response.status_code == 200 and "content_form_data_text" in body(response)


# --- 403 ------------------------------------------------------------------------------------------------------


def test_a_private_page_refuses_anonymous_visitors_in_plain_german(client, pages):
    path = "/" + quote(PRIVATE)
    response = client.get(path)
    assert response.status_code == 403
    page = main_part(response)
    assert re.search(r"<h1[^>]*>\s*Kein Zugriff\s*</h1>", page)
    for moin_text in ("Item", "existiert nicht", "Anzusehen", "Berechtigung um"):
        assert moin_text not in page, moin_text
    login_links = [href for href in links(response) if href.startswith("/+login")]
    assert login_links and parse_qs(urlsplit(login_links[0]).query)["nexturl"] == [unquote(path)]
    assert "Beispielnetzwerk Frühe Hilfen" in page  # the group named in the address …
    assert "Moderation" in page  # … and whom to ask
    assert "/Startseite" in links(response)


def test_a_registered_outsider_is_told_whom_to_ask_not_to_log_in(client, pages):
    login(client, REGISTERED)
    response = client.get("/" + quote(PRIVATE))
    assert response.status_code == 403
    page = main_part(response)
    assert "Kein Zugriff" in page and "Moderation" in page
    assert not [href for href in links(response) if href.startswith("/+login")]


def test_a_refusal_outside_group_spaces_offers_login_and_start_page(client):
    response = client.get("/+modify/Startseite")
    assert response.status_code == 403
    page = main_part(response)
    assert "Kein Zugriff" in page and "Gesprächsraum" not in page
    assert [href for href in links(response) if href.startswith("/+login")]


def test_the_refusal_shows_nothing_of_the_private_page(client, pages):
    """moin answers 403 for a private page (and 404 for a missing one); the refusal adds nothing to that."""
    response = client.get("/" + quote(PRIVATE))
    assert response.status_code == 403
    assert "Nur für die Gruppe" not in body(response)  # its text
    assert not [href for href in links(response) if "Geheimplan" in href and not href.startswith("/+login")]
    assert "oder" in main_part(response)  # „gibt es nicht, oder …“: moin's ambiguity in words
