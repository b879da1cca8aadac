"""The configured wiki through its HTTP surface: reading, registering, editing, rights, CSRF."""

import re

import pytest
from conftest import ADMIN, CSRF_RE, MODERATOR, PASSWORD, REGISTERED, acting_as, login, page_token, save_page


def text(response):
    return response.get_data(as_text=True)


def test_start_page_is_german_themed_and_links_the_four_instruments(client):
    response = client.get("/")
    if response.status_code in (301, 302, 308):
        response = client.get(response.headers["Location"])
    body = text(response)
    assert response.status_code == 200
    assert "PartnerWiki – Gesundheit für alle" in body
    assert 'lang="de"' in body
    assert "Zum Inhalt springen" in body
    for instrument in ("Werkzeugkiste", "Matrix", "Partnerverzeichnis", "Netzwerkkalender", "Gesprächsräume"):
        assert re.search(rf'href="[^"]*/{instrument}"', body), instrument
    assert "/_themes/partnerwiki/css/partnerwiki.css" in body


def test_theme_stylesheet_is_served(client):
    assert client.get("/_themes/partnerwiki/css/partnerwiki.css").status_code == 200


def test_anonymous_reads_public_pages_but_cannot_edit(client):
    assert client.get("/Über den Partnerprozess").status_code == 200
    assert client.get("/+modify/Startseite").status_code in (302, 403)


def test_registration_is_open_and_registered_users_edit_public_pages(client):
    response = client.post(
        "/+register",
        data={
            "register_username": "Nele Neu",
            "register_password1": PASSWORD,
            "register_password2": PASSWORD,
            "register_email": "nele@example.org",
            "register_consent": "ja",
            "csrf_token": page_token(client, "/+register"),
        },
    )
    assert response.status_code == 302
    client.post("/+login", data={"login_username": "Nele Neu", "login_password": PASSWORD, "login_submit": "1",
                                 "csrf_token": page_token(client, "/+login")})
    assert client.get("/+modify/Handlungsempfehlungen/Ehrenamt").status_code == 200


def test_user_profiles_stay_private(client, as_registered):
    for c in (client,):
        assert c.get(f"/userprofiles/{MODERATOR.name}").status_code in (403, 404)
        assert MODERATOR.email not in text(c.get(f"/+search?q={MODERATOR.name}"))


def test_role_group_pages_are_readable_but_only_admins_change_them(wiki, client):
    from flask import g as flaskg

    for person, may_write in ((REGISTERED, False), (MODERATOR, False), (ADMIN, True)):
        with acting_as(wiki, person):
            assert flaskg.storage.may("Moderatoren", "read")
            assert bool(flaskg.storage.may("Moderatoren", "write")) is may_write, person.name


def test_moderators_may_set_acls_registered_users_may_not(wiki):
    from flask import g as flaskg

    with acting_as(wiki, MODERATOR):
        assert flaskg.storage.may("Startseite", "admin")
    with acting_as(wiki, REGISTERED):
        assert not flaskg.storage.may("Startseite", "admin")
        assert flaskg.storage.may("Startseite", "write")


def test_a_macro_with_bad_arguments_shows_a_german_message_and_the_page_still_renders(wiki, client):
    with acting_as(wiki, REGISTERED):
        save_page(
            "Makrotest",
            "Vorher.\n\n<<Vocabulary(farben)>>\n\n<<Vocabulary(recommendations)>>\n\n<<Vocabulary(laender, format=table)>>\n\nNachher.\n",
        )
    body = text(client.get("/Makrotest"))
    assert "„farben“ ist kein gültiger Wert für „liste“" in body
    assert "Vorher." in body and "Nachher." in body
    assert "Ehrenamtsstrukturen fördern" in body  # the good macro next to it rendered
    assert "Thüringen" in body and "AGETHUR" in body


def test_vocabulary_json_lists_every_list(client):
    data = client.get("/+gaa/vocabulary.json").get_json()
    assert len(data["recommendations"]) == 7 and len(data["laender"]) == 16


def test_records_json_refuses_a_bad_limit(client):
    response = client.get("/+gaa/records.json?limit=viele")
    assert response.status_code == 400 and "Zahl" in response.get_json()["fehler"]


def csrf_of(client, path="/+gaa/catalog"):
    return CSRF_RE.search(text(client.get(path))).group(1)


def test_catalog_page_is_for_administrators_only(client):
    assert client.get("/+gaa/catalog").status_code == 403
    login(client, MODERATOR)
    assert client.get("/+gaa/catalog").status_code == 403
    login(client, ADMIN)
    body = text(client.get("/+gaa/catalog"))
    assert "Der Katalog stimmt mit dem Speicher überein." in body


def test_rebuild_needs_the_csrf_token(as_admin):
    response = as_admin.post("/+gaa/catalog/rebuild", data={})
    assert response.status_code == 400 and "CSRF" in text(response)
    response = as_admin.post("/+gaa/catalog/rebuild", data={"csrf_token": "gefälscht"})
    assert response.status_code == 400
    response = as_admin.post("/+gaa/catalog/rebuild", data={"csrf_token": csrf_of(as_admin)})
    assert response.status_code == 302
    assert "Katalog neu aufgebaut" in text(as_admin.get(response.headers["Location"]))


def test_rebuild_is_refused_to_non_admins_even_with_a_token(client):
    login(client, REGISTERED)
    assert client.post("/+gaa/catalog/rebuild", data={"csrf_token": page_token(client)}).status_code == 403


def test_a_token_from_before_a_login_is_not_valid_after_it(client):
    login(client, ADMIN)
    token = csrf_of(client)  # a valid token of the administrator's session …
    login(client, REGISTERED)  # … is not valid for the next user of the same browser session
    assert client.post("/+gaa/catalog/rebuild", data={"csrf_token": token}).status_code == 400


@pytest.mark.parametrize("header", ["Origin", "Referer"])
def test_cross_site_posts_to_moins_own_forms_are_refused(client, header):
    data = {"login_username": REGISTERED.name, "login_password": PASSWORD, "login_submit": "1",
            "csrf_token": page_token(client, "/+login")}
    if header == "Origin":
        foreign, same_site = {"origin": "https://boese.example"}, {"origin": "http://localhost:8080"}
    else:
        foreign = {"origin": None, "headers": {"Referer": "https://boese.example/angriff"}}
        same_site = {"origin": None, "headers": {"Referer": "http://localhost:8080/+login"}}
    assert client.post("/+login", data=data, **foreign).status_code == 403
    assert client.post("/+login", data=data, **same_site).status_code == 302


@pytest.mark.parametrize("accept_language", [None, "en-US,en;q=0.9", "fr"])
def test_moins_own_pages_speak_german_whatever_the_browser_asks(client, accept_language):
    headers = {"Accept-Language": accept_language} if accept_language else {}
    body = text(client.get("/+login", headers=headers))
    assert "Anmelden" in body and "Log in" not in body


def test_anonymous_visitors_see_a_registration_link(client):
    body = text(client.get("/Startseite"))
    assert 'href="/+register">Registrieren</a>' in body


def test_the_search_page_gets_its_jquery(client):
    assert client.get("/+serve/jquery/jquery.min.js").status_code == 200
