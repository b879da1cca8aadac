"""Registration and settings in German (issue 14, point 4), through the real app's client.

Registering: German messages per field with a summary, „Passwort wiederholen“, an optional Kommune (checked
against the Partnerverzeichnis) or other organisation, a required consent to the Datenschutzerklärung, and
afterwards the login form with a German message.  Settings: German messages, no theme switch, the
Kommune/Organisation editable.
"""

from __future__ import annotations

import itertools
import re
from html import unescape

import pytest
from conftest import PASSWORD, REGISTERED, login, page_token, wiki_request
from moin import user as moin_user

from moin_gaa.core.accounts import PRIVACY_CONSENT_KEY, Affiliation, affiliation
from moin_gaa.core.moin_internals import stored_profile

MUNICIPALITY = "Bezirk Neukölln"  # a seeded profile of the Partnerverzeichnis
ENGLISH = re.compile(r"may not be blank|is not a valid|do not match|Register\b|Password\b|Username|"
                     r"For a password|User CSS|Use HTML editor|Use Markdown editor|Theme")
_names = itertools.count(1)


def text(response) -> str:
    return unescape(response.get_data(as_text=True))


def new_name() -> str:
    return f"Neue Person {next(_names)}"


def form(name: str, **changes) -> dict:
    """A complete, valid registration as the page's form sends it."""
    values = {"register_username": name, "register_password1": PASSWORD, "register_password2": PASSWORD,
              "register_email": f"{name.replace(' ', '.').lower()}@example.org", "register_kommune": "",
              "register_organisation": "", "register_consent": "ja"}
    values.update(changes)
    return {k: v for k, v in values.items() if v is not None}


def register(client, name: str, **changes):
    return client.post("/+register", data={**form(name, **changes), "csrf_token": page_token(client, "/+register")})


def account(app, name: str):
    with wiki_request(app):
        user = moin_user.User(auth_username=name)
        return (affiliation(user), dict(stored_profile(user))) if user.exists() else None


def error_of(body: str, field: str) -> str:
    match = re.search(rf'<p class="gaa-field-error" id="fehler-{field}"><strong>Fehler:</strong> (.*?)</p>', body)
    return match.group(1) if match else ""


# --- the registration form ------------------------------------------------------------------------------------


def test_the_form_is_german_with_a_repeated_password_a_municipality_list_and_the_consent_line(client):
    body = text(client.get("/+register"))
    labels = dict(re.findall(r'<label for="feld-(register_\w+)"[^>]*>\s*(.*?)\s*</label>', body, re.S))
    assert labels["register_password1"] == "Passwort"
    assert labels["register_password2"] == "Passwort wiederholen"
    assert f'<option value="{MUNICIPALITY}">' in body  # the Partnerverzeichnis to choose from
    assert 'type="checkbox" id="feld-register_consent" name="register_consent"' in body
    assert 'href="/Datenschutzerkl%C3%A4rung"' in body
    assert 'autocomplete="new-password"' in body
    assert not ENGLISH.search(re.sub(r"<(script|style).*?</\1>", "", body, flags=re.S))


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"register_email": "nope"}, "register_email", "gültige E-Mail-Adresse"),
        ({"register_email": ""}, "register_email", "Bitte geben Sie Ihre E-Mail-Adresse an"),
        ({"register_username": ""}, "register_username", "Bitte geben Sie einen Benutzernamen an"),
        ({"register_username": "Zwei  Leerzeichen"}, "register_username", "Buchstaben, Ziffern"),
        ({"register_username": REGISTERED.name}, "register_username", "schon vergeben"),
        ({"register_username": "Known"}, "register_username", "Zugriffsregeln"),
        ({"register_password1": ""}, "register_password1", "Bitte geben Sie ein Passwort an"),
        ({"register_password2": ""}, "register_password2", "Bitte wiederholen Sie das Passwort"),
        ({"register_password2": PASSWORD + "x"}, "register_password2", "stimmen nicht überein"),
        ({"register_password1": "kurz", "register_password2": "kurz"}, "register_password1", "mindestens 8 Zeichen"),
        ({"register_email": REGISTERED.email}, "register_email", "schon ein Konto"),
        ({"register_consent": None}, "register_consent", "Datenschutzerklärung"),
        ({"register_kommune": "Entenhausen"}, "register_kommune", "nicht im Partnerverzeichnis"),
        ({"register_kommune": MUNICIPALITY, "register_organisation": "Verein"}, "register_organisation",
         "entweder"),
        ({"register_organisation": "x" * 201}, "register_organisation", "Höchstens 200 Zeichen"),
    ],
)
def test_each_mistake_gets_a_german_message_at_its_field_and_nothing_is_created(wiki, client, changes, field, message):
    name = changes.get("register_username") or new_name()
    response = register(client, name, **changes)
    body = text(response)
    assert response.status_code == 400
    assert message in error_of(body, field), error_of(body, field) or body[body.find("<main"):][:3000]
    assert f'<a href="#feld-{field}">' in body  # the summary leads to the field
    assert not ENGLISH.search(re.sub(r"<(script|style).*?</\1>", "", body, flags=re.S))
    if name != REGISTERED.name and name != "Known":
        assert account(wiki, name) is None


def test_input_is_kept_except_the_passwords(client):
    name = new_name()
    body = text(register(client, name, register_email="nope", register_organisation="Koordinierungsstelle Berlin"))
    assert f'value="{name}"' in body and 'value="nope"' in body and 'value="Koordinierungsstelle Berlin"' in body
    assert f'value="{PASSWORD}"' not in body
    assert re.search(r'name="register_consent" value="ja"\s+checked', body)


def test_after_registering_the_login_form_says_the_account_was_created(wiki, client):
    name = new_name()
    response = register(client, name, register_kommune=MUNICIPALITY)
    assert response.status_code == 302 and response.headers["Location"].endswith("/+login")
    body = text(client.get("/+login"))
    assert f"Ihr Konto „{name}“ ist angelegt. Bitte melden Sie sich jetzt an." in body
    assert 'name="login_username"' in body
    stored_affiliation, profile = account(wiki, name)
    assert stored_affiliation == Affiliation(kommune=MUNICIPALITY)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", profile[PRIVACY_CONSENT_KEY])
    client.post("/+login", data={"login_username": name, "login_password": PASSWORD, "login_submit": "1",
                                 "csrf_token": page_token(client, "/+login")})
    assert name in text(client.get("/+usersettings"))


def test_an_organisation_that_is_no_municipality_is_kept_as_written(wiki, client):
    name = new_name()
    assert register(client, name, register_organisation="  Koordinierungsstelle  Gesundheitliche Chancengleichheit ")\
        .status_code == 302
    assert account(wiki, name)[0] == Affiliation(organisation="Koordinierungsstelle Gesundheitliche Chancengleichheit")


def test_without_kommune_or_organisation_the_account_is_created_too(wiki, client):
    name = new_name()
    assert register(client, name).status_code == 302
    assert account(wiki, name)[0] == Affiliation()


def test_the_privacy_page_says_what_is_stored(client):
    body = text(client.get("/Datenschutzerklärung"))
    for words in ("E-Mail-Adresse", "Kommune", "IP-Adresse", "7 Tagen", "Vom Betreiber zu ergänzen"):
        assert words in body


# --- settings -------------------------------------------------------------------------------------------------


def settings_post(client, part: str, xhr: bool = False, **fields):
    headers = {"Accept": "application/json, text/javascript, */*; q=0.01"} if xhr else {}
    return client.post("/+usersettings", headers=headers,
                       data={"part": part, "csrf_token": page_token(client, "/+usersettings"), **fields})


@pytest.fixture
def settings_user(wiki, client):
    """A fresh account, logged in (settings tests change their own profile)."""
    name = new_name()
    assert register(client, name).status_code == 302
    client.post("/+login", data={"login_username": name, "login_password": PASSWORD, "login_submit": "1",
                                 "csrf_token": page_token(client, "/+login")})
    return name


def test_settings_are_german_without_a_theme_switch_and_with_the_kommune(client, settings_user):
    body = text(client.get("/+usersettings"))
    assert 'name="theme_name"' not in body
    assert 'id="organisation"' in body and 'name="kommune"' in body and f'<option value="{MUNICIPALITY}">' in body
    main = re.sub(r"<(script|style).*?</\1>", "", body[body.find("<h1"):], flags=re.S)
    assert not ENGLISH.search(main), ENGLISH.search(main)


@pytest.mark.parametrize(
    ("part", "fields", "message"),
    [
        ("notification", {"email": "nope"}, "E-Mail ist keine gültige E-Mail-Adresse."),
        ("password", {"password_current": "", "password1": "", "password2": ""}, "Aktuelles Passwort darf nicht leer"),
        ("password", {"password_current": PASSWORD, "password1": "kurz", "password2": "kurz"},
         "Ein Passwort muss mindestens 8 Zeichen haben."),
    ],
)
@pytest.mark.parametrize("xhr", [False, True])
def test_settings_messages_are_german(client, settings_user, part, fields, message, xhr):
    response = settings_post(client, part, xhr=xhr, **fields)
    body = unescape(response.get_json()["form"]) if xhr else text(response)
    assert message in body
    assert not ENGLISH.search(body)


@pytest.mark.parametrize("look", [{"theme_name": "topside"}, {"css_file": "eigen.css"}])
def test_another_look_cannot_be_chosen(wiki, client, settings_user, look):
    response = settings_post(client, "ui", edit_rows="0", results_per_page="50", **{"css_file": "", **look})
    assert response.status_code == 400 and "nur eine Darstellung" in text(response)
    assert not {key: value for key, value in account(wiki, settings_user)[1].items() if key in look and value}
    assert settings_post(client, "ui", css_file="", edit_rows="7", results_per_page="50").status_code == 200
    assert account(wiki, settings_user)[1]["edit_rows"] == 7


def test_the_look_part_of_the_page_saves(client, settings_user):
    """The page's own form (without a CSS file field) is what moin's check accepts."""
    body = text(client.get("/+usersettings"))
    ui_form = body[body.find('id="usersettings_ui"'):]
    ui_form = ui_form[:ui_form.find("</form>")]
    assert '<input type="hidden" name="css_file" value="">' in ui_form


@pytest.mark.parametrize(("part", "fields"),
                         [("notification", {}), ("ui", {"edit_rows": "0", "results_per_page": "5"})])
def test_settings_without_the_field_moin_needs_are_refused_not_a_crash(client, settings_user, part, fields):
    response = settings_post(client, part, **fields)
    assert response.status_code == 400 and "unvollständig" in text(response)


@pytest.mark.parametrize("xhr", [False, True])
def test_the_kommune_is_changed_in_the_settings(wiki, client, settings_user, xhr):
    response = settings_post(client, "organisation", xhr=xhr, kommune=MUNICIPALITY, organisation="")
    assert response.status_code in (200, 302)
    if xhr:
        assert response.get_json()["flash"] == [["Ihre Angaben zu Kommune und Organisation sind gespeichert.", "info"]]
        assert f'value="{MUNICIPALITY}"' in unescape(response.get_json()["form"])
    assert account(wiki, settings_user)[0] == Affiliation(kommune=MUNICIPALITY)

    response = settings_post(client, "organisation", xhr=xhr, kommune="Entenhausen", organisation="")
    body = unescape(response.get_json()["form"]) if xhr else text(response)
    assert response.status_code == (200 if xhr else 400)
    assert "„Entenhausen“ steht nicht im Partnerverzeichnis" in body and 'value="Entenhausen"' in body
    assert account(wiki, settings_user)[0] == Affiliation(kommune=MUNICIPALITY)

    assert settings_post(client, "organisation", xhr=xhr, kommune="", organisation="Landesvereinigung") \
        .status_code in (200, 302)
    assert account(wiki, settings_user)[0] == Affiliation(organisation="Landesvereinigung")


def test_settings_need_a_login(client):
    login(client, REGISTERED)
    client.post("/+logout", data={"csrf_token": page_token(client)})
    response = client.post("/+usersettings", data={"part": "organisation", "kommune": MUNICIPALITY,
                                                   "csrf_token": page_token(client)})
    assert response.status_code == 302 and "/+login" in response.headers["Location"]
