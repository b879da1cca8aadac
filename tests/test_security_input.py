"""Hostile input (issue 10, points 6, 7 and 10): control, invisible and bidi characters in every field of every form,
moin's own forms, the .ics import; accounts named in forms; file signatures and how files are served; digits;
group names differing in case; CSV formulas in disguise.

Every field of every form of ours gets a NUL byte (refused with the German message, nothing stored) and a value
with U+FEFF, U+202E and U+200B (refused, or stored without them – never in an item name, a field or a text).
"""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date, timedelta
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from conftest import ADMIN, MODERATOR, REGISTERED, acting_as, login, page_token, save_page

from moin_gaa.core.export import spreadsheet_safe
from moin_gaa.core.text_input import (
    CONTROL_MESSAGE,
    clean_text,
    input_problems,
    name_problem,
    normalise_name,
    text_problem,
)

NUL = "Wert\x00mit Nullbyte"
SNEAKY = "\ufeffUnsicht\u202ebar\u200b"
INVISIBLE = ("\ufeff", "\u202e", "\u200b")
NEXT_YEAR = date.today().year + 1
TODAY = date.today()


def text(response) -> str:
    return response.get_data(as_text=True)


# --------------------------------------------------------------------------- the shared rules


@pytest.mark.parametrize(
    "value", ["a\x00b", "a\x01b", "\x1f", "a\x0bb", "a\x0cb", "a\x7fb", "a\x85b", "a\ud800b", "a\uffffb"]
)
def test_control_characters_are_a_problem(value):
    assert text_problem(value) == CONTROL_MESSAGE
    assert text_problem(clean_text(value)) is None


@pytest.mark.parametrize("value", ["Tab\tund\nZeilen\r\numbruch", "Grüße, Straße", "עברית", "😀‍👍", ""])
def test_ordinary_text_is_no_problem(value):
    assert text_problem(value) is None


def test_names_are_nfc_without_bidi_controls_and_invisible_ends():
    assert normalise_name("  \ufeff\u200bMu\u0308nster \u202eam\u2066  See\u2069\u200d ") == "Münster am See"
    assert normalise_name("Zero\u200dWidth") == "Zero\u200dWidth"  # inside a name (emoji, scripts) it stays
    assert normalise_name("A\x00B") == "AB"
    assert clean_text("Zeile 1\r\nZeile 2\u202e\x00") == "Zeile 1\nZeile 2"
    assert name_problem("Ali\u202eecilA") and name_problem("\u200bRita") and name_problem("Rita, \ufeffMona")
    assert name_problem("Rita Registriert") is None


def test_input_problems_name_nested_fields_and_lists():
    problems = input_problems(
        {"titel": "x" * 11, "kontakte": [{"email": "a\x00"}], "ressorts": ["ok", "b\x01"], "ok": "fine"},
        {"titel": 10, "kontakte.*.email": 200},
    )
    assert problems == {
        "titel": "Höchstens 10 Zeichen (eingegeben: 11).",
        "kontakte.0.email": CONTROL_MESSAGE,
        "ressorts": CONTROL_MESSAGE,
    }


# --------------------------------------------------------------------------- clients and fixtures


def token(client) -> str:
    return page_token(client, "/+gaa/kalender-schluessel")


@pytest.fixture(scope="module")
def clients(wiki):
    """One logged-in client per person for the whole module (logins are slow)."""
    opened = {}
    for person in (REGISTERED, MODERATOR):
        client = wiki.test_client()
        login(client, person)
        opened[person.name] = client
    yield opened


def stored(wiki, name: str) -> tuple[dict, str] | None:
    with acting_as(wiki, ADMIN):
        item = wiki.storage.get_item(name_exact=name, namespace="")
        if not item:
            return None
        rev = item["current"]
        return dict(rev.meta), rev.data.read().decode("utf-8", "replace")


def post(client, path: str, data: dict, **kwargs):
    return client.post(path, data={"csrf_token": token(client), **data}, **kwargs)


AREA_TITLE = "Sondenrunde Eingaben"
AREA = f"Online-Diskussionen/{AREA_TITLE}"
THREAD = f"{AREA}/Sondenthema Eingaben"
GROUP = "Sondengruppe Eingaben"


@pytest.fixture(scope="module")
def records(wiki, clients):
    """What the edit forms work on: a tool (proposed by Rita), a profile, an open discussion, a thread, two posts."""
    rita, mona = clients[REGISTERED.name], clients[MODERATOR.name]
    response = post(mona, "/+gaa/kommune/neu", profile_data("Sondenstadt"))  # first: the tools name it as Kommune
    assert response.status_code == 302, text(response)
    response = post(rita, "/+gaa/werkzeug/neu", tool_data("Sondenwerkzeug"))
    assert response.status_code == 302, text(response)
    response = post(rita, "/+gaa/werkzeug/neu", tool_data("Sondenvorschlag"))
    assert response.status_code == 302, text(response)
    response = post(mona, "/+gaa/online-diskussion/neu", online_data(AREA_TITLE))
    assert response.status_code == 302, text(response)
    response = post(
        mona, f"/+gaa/diskussion/thema/{AREA}", {"titel": "Sondenthema Eingaben", "text": "Erster Beitrag."}
    )
    assert response.status_code == 302, text(response)
    posts = []
    for body in ("Zum Bearbeiten.", "Zum Ausblenden."):
        response = post(mona, f"/+gaa/diskussion/antwort/{THREAD}", {"text": body, "antwort_auf": ""})
        assert response.status_code == 302, text(response)
        posts.append(f"{THREAD}/" + parse_qs(urlsplit(response.headers["Location"]).query)["beitrag"][0])
    response = post(mona, "/+gaa/gruppe/neu", group_data(GROUP))
    assert response.status_code == 302, text(response)
    return {"edit_post": posts[0], "hide_post": posts[1]}


def tool_data(title: str) -> dict:
    return {
        "titel": title,
        "kurzbeschreibung": "Ein Werkzeug für die Eingabeprüfung.",
        "lebensphasen": ["kita"],
        "empfehlungen": ["beteiligung"],
        "art": "checkliste",
        "quelle": "Sondenverlag",
        "link": "https://example.org/sonde",
        "jahr": "2020",
        "kommune": "Sondenstadt",
        "land": "bb",
        "langtext": "== Worum es geht ==\nSondentext.",
    }


def profile_data(name: str) -> dict:
    return {
        "name": name,
        "art": "kreisangehoerig",
        "land": "bb",
        "einwohner": "12.500",
        "partner_seit": "2016-09-01",
        "strategiephase": "auftauen",
        "strategie": "Wir beginnen mit den Übergängen.",
        "ressorts": ["Gesundheit"],
        "ressorts_weitere": "Feuerwehr",
        "website": "https://www.example.org/",
        "redakteure": REGISTERED.name,
        "kontakte-0-name": "Nora Netz",
        "kontakte-0-rolle": "Koordination",
        "kontakte-0-email": "nora@example.org",
        "kontakte-0-telefon": "+49 331 000",
        "kontakte-0-sichtbarkeit-name": "oeffentlich",
        "kontakte-0-sichtbarkeit-rolle": "oeffentlich",
        "kontakte-0-sichtbarkeit-email": "angemeldet",
        "kontakte-0-sichtbarkeit-telefon": "angemeldet",
        "aktivitaeten-0-titel": "Kita-Lotsen",
        "aktivitaeten-0-beschreibung": "Lotsen begleiten Familien.",
        "aktivitaeten-0-partner": "Jugendamt",
        "aktivitaeten-0-seit": "01.01.2020",
        "aktivitaeten-0-bis": "31.12.2025",
        "aktivitaeten-0-link": "https://example.org/lotsen",
        "aktivitaeten-0-lebensphasen": ["kita"],
        "aktivitaeten-0-empfehlungen": ["zusammenarbeit"],
    }


def event_data(title: str) -> dict:
    return {
        "titel": title,
        "startdatum": f"10.03.{NEXT_YEAR}",
        "startzeit": "10:00",
        "enddatum": f"10.03.{NEXT_YEAR}",
        "endzeit": "12:00",
        "ganztaegig": "",
        "zeitzone": "Europe/Berlin",
        "wiederholung": "woechentlich",
        "rrule": "",
        "ausfaelle": f"17.03.{NEXT_YEAR}",
        "verschiebungen": f"24.03.{NEXT_YEAR} -> 25.03.{NEXT_YEAR}",
        "ort": "Rathaus",
        "beschreibung": "Ein Sondentermin.",
        "veranstalter": "Sondenamt",
        "kontakt": "sonde@example.org",
        "status": "bestaetigt",
        "art": "sonstiges",
        "land": "bb",
        "kalender": ["alle"],
        "agenda": "Sondenagenda",
        "protokoll": "Sondenprotokoll",
    }


def group_data(name: str) -> dict:
    return {
        "name": name,
        "beschreibung": "Eine Sondengruppe.",
        "sichtbarkeit": "privat",
        "beitritt": "anfrage",
        "moderatoren": MODERATOR.name,
    }


def online_data(title: str) -> dict:
    return {
        "titel": title,
        "einleitung": "Worum es geht.",
        "beginn": (TODAY - timedelta(days=1)).strftime("%d.%m.%Y"),
        "ende": (TODAY + timedelta(days=30)).strftime("%d.%m.%Y"),
        "termin": "",
    }


# the fields of the profile form (new and edit; a new profile also has its name)
PROFILE_FIELDS = (
    "art",
    "land",
    "einwohner",
    "partner_seit",
    "strategiephase",
    "strategie",
    "ressorts",
    "ressorts_weitere",
    "website",
    "redakteure",
    "kontakte-0-name",
    "kontakte-0-rolle",
    "kontakte-0-email",
    "kontakte-0-telefon",
    "kontakte-0-sichtbarkeit-name",
    "kontakte-0-sichtbarkeit-rolle",
    "kontakte-0-sichtbarkeit-email",
    "kontakte-0-sichtbarkeit-telefon",
    "aktivitaeten-0-titel",
    "aktivitaeten-0-beschreibung",
    "aktivitaeten-0-partner",
    "aktivitaeten-0-seit",
    "aktivitaeten-0-bis",
    "aktivitaeten-0-link",
    "aktivitaeten-0-lebensphasen",
    "aktivitaeten-0-empfehlungen",
)

# form: (person, path, data(unique title), fields, the form page whose fields must all be listed or None)
FORMS = {
    "werkzeug-neu": (
        REGISTERED,
        lambda r: "/+gaa/werkzeug/neu",
        tool_data,
        [
            "titel",
            "kurzbeschreibung",
            "lebensphasen",
            "empfehlungen",
            "art",
            "quelle",
            "link",
            "jahr",
            "kommune",
            "land",
            "langtext",
            "datei",
        ],
        "/+gaa/werkzeug/neu",
    ),
    "werkzeug-bearbeiten": (
        REGISTERED,
        lambda r: "/+gaa/werkzeug/bearbeiten/Sondenwerkzeug",
        tool_data,
        [
            "kurzbeschreibung",
            "lebensphasen",
            "empfehlungen",
            "art",
            "quelle",
            "link",
            "jahr",
            "kommune",
            "land",
            "langtext",
            "datei",
        ],
        "/+gaa/werkzeug/bearbeiten/Sondenwerkzeug",
    ),
    "werkzeug-ablehnen": (
        MODERATOR,
        lambda r: "/+gaa/werkzeug/status/Sondenvorschlag",
        lambda title: {"aktion": "ablehnen", "begruendung": "Passt nicht.", "zurueck": ""},
        ["begruendung"],
        None,
    ),
    "kommune-neu": (
        MODERATOR,
        lambda r: "/+gaa/kommune/neu",
        profile_data,
        ["name", *PROFILE_FIELDS],
        "/+gaa/kommune/neu",
    ),
    "kommune-bearbeiten": (
        MODERATOR,
        lambda r: "/+gaa/kommune/bearbeiten/Sondenstadt",
        lambda title: profile_data("Sondenstadt"),
        list(PROFILE_FIELDS),
        "/+gaa/kommune/bearbeiten/Sondenstadt",
    ),
    "termin-neu": (
        REGISTERED,
        lambda r: "/+gaa/termin/neu",
        event_data,
        [
            "titel",
            "startdatum",
            "startzeit",
            "enddatum",
            "endzeit",
            "ganztaegig",
            "zeitzone",
            "wiederholung",
            "wochentage",
            "intervall",
            "ende_datum",
            "anzahl",
            "rrule",
            "ausfaelle",
            "verschiebungen",
            "ort",
            "beschreibung",
            "veranstalter",
            "kontakt",
            "status",
            "art",
            "land",
            "kalender",
            "agenda",
            "protokoll",
        ],
        "/+gaa/termin/neu",
    ),
    "gruppe-neu": (
        MODERATOR,
        lambda r: "/+gaa/gruppe/neu",
        group_data,
        ["name", "beschreibung", "sichtbarkeit", "beitritt", "moderatoren"],
        "/+gaa/gruppe/neu",
    ),
    "gruppe-mitglieder": (
        MODERATOR,
        lambda r: f"/+gaa/gruppe/{GROUP}/mitglieder",
        lambda title: {"aktion": "aufnehmen", "benutzer": REGISTERED.name},
        ["benutzer"],
        None,
    ),
    "online-neu": (
        MODERATOR,
        lambda r: "/+gaa/online-diskussion/neu",
        online_data,
        ["titel", "einleitung", "beginn", "ende", "termin"],
        "/+gaa/online-diskussion/neu",
    ),
    "thema-neu": (
        MODERATOR,
        lambda r: f"/+gaa/diskussion/thema/{AREA}",
        lambda title: {"titel": title, "text": "Ein neues Thema."},
        ["titel", "text"],
        None,
    ),
    "antwort": (
        MODERATOR,
        lambda r: f"/+gaa/diskussion/antwort/{THREAD}",
        lambda title: {"text": "Eine Antwort.", "antwort_auf": ""},
        ["text", "antwort_auf"],
        None,
    ),
    "beitrag-bearbeiten": (
        MODERATOR,
        lambda r: f"/+gaa/diskussion/bearbeiten/{r['edit_post']}",
        lambda title: {"text": "Bearbeitet."},
        ["text"],
        "edit_post",
    ),
    "beitrag-ausblenden": (
        MODERATOR,
        lambda r: f"/+gaa/diskussion/moderation/{r['hide_post']}",
        lambda title: {"aktion": "verbergen", "grund": "Werbung"},
        ["grund"],
        None,
    ),
}
CASES = [(form, field) for form, spec in FORMS.items() for field in spec[3]]


def with_value(data: dict, field: str, value: str) -> dict:
    changed = dict(data)
    changed[field] = [value] if isinstance(data.get(field), list) else value
    return changed


def title_for(form: str, field: str, variant: str) -> str:
    return f"Sonde {variant} {form} {field}".replace("-", " ")


@pytest.mark.parametrize("form, field", CASES)
def test_a_nul_byte_in_any_field_is_refused_in_german(wiki, clients, records, form, field):
    person, path, data, _fields, _page = FORMS[form]
    client = clients[person.name]
    before = {
        name: stored(wiki, name)
        for name in (records["edit_post"], records["hide_post"], "Werkzeugkiste/Sondenvorschlag")
    }
    response = post(client, path(records), with_value(data(title_for(form, field, "nul")), field, NUL))
    body = text(response)
    if response.status_code == 302:  # forms that answer with a redirect show the message on the next page
        body = text(client.get(response.headers["Location"]))
    else:
        assert response.status_code == 400, (response.status_code, body[:500])
    assert CONTROL_MESSAGE in body
    for name, old in before.items():
        assert stored(wiki, name) == old  # nothing changed
    assert "\x00" not in json.dumps(after_of(wiki, response), ensure_ascii=False)


def after_of(wiki, response) -> list:
    """(meta, text) of the item a successful POST redirected to (a reply: the new post), or []."""
    if response.status_code != 302:
        return []
    location = urlsplit(response.headers["Location"])
    name = unquote(location.path).lstrip("/")
    if "beitrag" in parse_qs(location.query):
        name += "/" + parse_qs(location.query)["beitrag"][0]
    found = stored(wiki, name)
    return (
        []
        if found is None
        else [{k: v for k, v in found[0].items() if isinstance(v, (str, list, dict))}, found[1], name]
    )


@pytest.mark.parametrize("form, field", CASES)
def test_invisible_and_bidi_characters_never_reach_storage(wiki, clients, records, form, field):
    person, path, data, _fields, _page = FORMS[form]
    response = post(
        clients[person.name], path(records), with_value(data(title_for(form, field, "bidi")), field, SNEAKY)
    )
    assert response.status_code in (302, 400), (response.status_code, text(response)[:500])
    written = json.dumps(after_of(wiki, response), ensure_ascii=False)
    for char in INVISIBLE:
        assert char not in written, (char, written[:500])
    if form == "gruppe-mitglieder":
        members = stored(wiki, f"Gruppen/{GROUP}/Mitglieder")[0]["usergroup"]
        assert not any(c in m for m in members for c in INVISIBLE)


def test_a_member_name_with_invisible_characters_is_the_account_itself(wiki, clients, records):
    response = post(
        clients[MODERATOR.name],
        f"/+gaa/gruppe/{GROUP}/mitglieder",
        {"aktion": "aufnehmen", "benutzer": f"\ufeff{REGISTERED.name}\u202e\u200b"},
    )
    assert response.status_code == 302
    assert REGISTERED.name in stored(wiki, f"Gruppen/{GROUP}/Mitglieder")[0]["usergroup"]


FIELD_NAME = re.compile(r'<(?:input|textarea|select)\b[^>]*\bname="([^"]+)"[^>]*>', re.S)


@pytest.mark.parametrize("form", [f for f, spec in FORMS.items() if spec[4]])
def test_the_matrix_covers_every_field_of_every_form(clients, records, form):
    person, path, _data, fields, page = FORMS[form]
    page_path = f"/+gaa/diskussion/bearbeiten/{records['edit_post']}" if page == "edit_post" else page
    html = text(clients[person.name].get(page_path))
    form_html = html[html.index("novalidate>") :]  # our form templates: <form method="post" … novalidate>
    form_html = form_html[: form_html.index("</form>")]
    names = {re.sub(r"-\d+-", "-0-", n) for n in FIELD_NAME.findall(form_html)}
    names -= {"csrf_token", "revid", "datei_upload", "logo_upload"}
    assert names, form_html[:300]
    assert names <= set(fields), names - set(fields)


def test_an_ics_import_refuses_events_with_control_characters(wiki, clients):
    mona = clients[MODERATOR.name]
    ics = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Sonde//DE\r\n"
        f"BEGIN:VEVENT\r\nUID:nul-titel@sonde\r\nDTSTART:{NEXT_YEAR}0610T090000Z\r\nDTEND:{NEXT_YEAR}0610T100000Z\r\n"
        "SUMMARY:Import mit\x00Nullbyte\r\nEND:VEVENT\r\n"
        f"BEGIN:VEVENT\r\nUID:nul\x00uid@sonde\r\nDTSTART:{NEXT_YEAR}0611T090000Z\r\nDTEND:{NEXT_YEAR}0611T100000Z\r\n"
        "SUMMARY:Import mit UID-Nullbyte\r\nEND:VEVENT\r\n"
        f"BEGIN:VEVENT\r\nUID:bidi@sonde\r\nDTSTART:{NEXT_YEAR}0612T090000Z\r\nDTEND:{NEXT_YEAR}0612T100000Z\r\n"
        "SUMMARY:\ufeffImport mit Richtungs\u202ezeichen\r\nLOCATION:Ort\x07Glocke\r\nEND:VEVENT\r\n"
        "END:VCALENDAR\r\n"
    )
    preview = post(mona, "/+gaa/termine/import", {"kalender": ["alle"], "ics": ics})
    page = text(preview)
    assert preview.status_code == 200, page[:500]
    report = re.sub(
        r"<textarea[^>]*>.*?</textarea>", "", page, flags=re.S
    )  # the file itself is shown for the next step
    assert "\x00" not in report and "\u202e" not in report and "\x07" not in report
    assert page.count(CONTROL_MESSAGE) == 3 and "abgelehnt: <strong>3</strong>" in page


# --------------------------------------------------------------------------- moin's own forms


@pytest.mark.parametrize(
    "path, data",
    [
        ("/+modify/Sondenseite Steuerzeichen", {"content_form_data_text": "Text mit\x00Nullbyte", "comment": ""}),
        ("/+modify/Sondenseite Steuerzeichen", {"content_form_data_text": "Text", "comment": "Kommentar\x1b[31m"}),
        (
            "/+modify/Sondenseite Steuerzeichen",
            {"content_form_data_text": "Text", "meta_form_name": "Neu\u202eer Name"},
        ),
        (
            "/+modify/Sondenseite Steuerzeichen",
            {"content_form_data_text": "Text", "meta_form_tags": "\u200bSchlagwort"},
        ),
        ("/+modify/Sonden\x00seite", {"content_form_data_text": "Text"}),
        ("/+rename/Startseite", {"target": "Start\x00seite", "comment": ""}),
        ("/+rename/Startseite", {"target": "Start\u202eseite", "comment": ""}),
        ("/+usersettings", {"part": "personal", "usersettings_personal_display_name": "Rita\x00"}),
        ("/+usersettings", {"part": "personal", "usersettings_personal_display_name": "\u202eatiR"}),
    ],
)
def test_moins_own_forms_refuse_control_and_bidi_characters(wiki, clients, path, data):
    rita = clients[REGISTERED.name]
    response = rita.post(path, data={"csrf_token": page_token(rita), **data})
    assert response.status_code == 400 and "abgelehnt" in text(response), (response.status_code, text(response)[:300])
    assert stored(wiki, "Sondenseite Steuerzeichen") is None


def test_moins_forms_without_such_characters_are_not_refused(clients):
    rita = clients[REGISTERED.name]
    response = rita.post(
        "/+usersettings",
        data={"csrf_token": page_token(rita), "part": "options", "usersettings_options_show_comments": "1"},
    )
    assert response.status_code < 400 and "abgelehnt" not in text(response)


def test_registration_refuses_bidi_names_and_uploads_refuse_control_file_names(wiki):
    with wiki.test_client() as anonymous:
        response = anonymous.post(
            "/+register",
            data={
                "csrf_token": page_token(anonymous, "/+register"),
                "register_username": "Rita\u202eRegistriert",
                "register_password1": "x",
                "register_password2": "x",
                "register_email": "b@example.org",
            },
        )
        assert response.status_code == 400 and "Schreibrichtung" in text(response)
    with wiki.test_client() as client:
        login(client, REGISTERED)
        upload = {"csrf_token": page_token(client), "file_storage": (io.BytesIO(b"x"), "Bild\u202egnp.exe")}
        response = client.post("/+jfu-server/Sondenseite", data=upload, content_type="multipart/form-data")
        assert response.status_code == 400 and "Dateiname abgelehnt" in text(response)


# --------------------------------------------------------------------------- point 7: named accounts must exist


def test_profile_editors_must_be_existing_accounts(wiki, clients, records):
    mona = clients[MODERATOR.name]
    response = post(
        mona, "/+gaa/kommune/neu", {**profile_data("Kontostadt"), "redakteure": f"{REGISTERED.name}\nNiemand Unbekannt"}
    )
    assert response.status_code == 400 and "Es gibt kein Konto „Niemand Unbekannt“." in text(response)
    assert stored(wiki, "Kommunen/Kontostadt") is None
    response = post(
        mona, "/+gaa/kommune/bearbeiten/Sondenstadt", {**profile_data("Sondenstadt"), "redakteure": "Niemand Unbekannt"}
    )
    assert response.status_code == 400 and "Es gibt kein Konto „Niemand Unbekannt“." in text(response)
    assert "Niemand Unbekannt" not in stored(wiki, "Kommunen/Sondenstadt")[0]["acl"]
    response = post(
        mona, "/+gaa/kommune/bearbeiten/Sondenstadt", {**profile_data("Sondenstadt"), "redakteure": "Known"}
    )
    assert response.status_code == 400 and "„Known“" in text(response)
    assert "Known:" not in stored(wiki, "Kommunen/Sondenstadt")[0]["acl"]
    response = post(
        mona, "/+gaa/kommune/bearbeiten/Sondenstadt", {**profile_data("Sondenstadt"), "redakteure": REGISTERED.name}
    )
    assert response.status_code == 302
    assert f"{REGISTERED.name}:read,write" in stored(wiki, "Kommunen/Sondenstadt")[0]["acl"]


def test_group_moderators_and_members_must_be_existing_accounts(wiki, clients, records):
    mona = clients[MODERATOR.name]
    response = post(
        mona, "/+gaa/gruppe/neu", {**group_data("Kontogruppe"), "moderatoren": f"{MODERATOR.name}, Niemand Unbekannt"}
    )
    assert response.status_code == 400 and "Niemand Unbekannt" in text(response) and "kein Konto" in text(response)
    response = post(mona, "/+gaa/gruppe/neu", {**group_data("Kontogruppe"), "moderatoren": "All"})
    assert response.status_code == 400 and "„All“" in text(response)
    assert stored(wiki, "Gruppen/Kontogruppe") is None
    response = post(mona, f"/+gaa/gruppe/{GROUP}/mitglieder", {"aktion": "aufnehmen", "benutzer": "Niemand Unbekannt"})
    assert response.status_code == 400 and "Es gibt kein Konto „Niemand Unbekannt“." in text(response)
    assert "Niemand Unbekannt" not in stored(wiki, f"Gruppen/{GROUP}/Mitglieder")[0]["usergroup"]
    response = post(mona, f"/+gaa/gruppe/{GROUP}/mitglieder", {"aktion": "aufnehmen", "benutzer": "x" * 100_000})
    assert response.status_code == 400 and "Höchstens 200 Zeichen" in text(response)


# --------------------------------------------------------------------------- point 10: accepted although wrong


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def office_file(kind: str) -> bytes:
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        if kind == "odt":
            archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")
            archive.writestr("content.xml", "<office:document-content/>")
        else:
            archive.writestr("[Content_Types].xml", "<Types/>")
            archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


@pytest.mark.parametrize(
    "content, filename, accepted",
    [
        (b"<html><script>alert(1)</script></html>", "bericht.pdf", False),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "bericht.pdf", True),
        (b"\xff\xd8\xff\xe0JFIF", "bild.png", False),
        (PNG, "bild.png", True),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "foto.jpg", True),
        (b"GIF89a<svg onload=alert(1)>", "foto.jpeg", False),
        (b"PK\x03\x04 kein richtiges zip", "text.docx", False),
        (office_file("odt"), "text.docx", False),
        (office_file("docx"), "text.docx", True),
        (office_file("odt"), "text.odt", True),
        (
            b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>",
            "notiz.txt",
            True,
        ),  # text stays text (served as download)
        (b"Text mit \x00 Nullbyte", "notiz.txt", False),
    ],
)
def test_uploads_must_carry_the_signature_of_their_type(wiki, clients, content, filename, accepted):
    from moin_gaa.core.attachments import AttachmentError, check_upload

    if accepted:
        assert check_upload(filename, io.BytesIO(content)).data == content
    else:
        with pytest.raises(AttachmentError, match="Inhalt|Steuerzeichen"):
            check_upload(filename, io.BytesIO(content))


def test_a_tool_upload_named_pdf_with_html_inside_is_refused(wiki, clients):
    rita = clients[REGISTERED.name]
    data = {
        **tool_data("Falsches PDF"),
        "datei_upload": (io.BytesIO(b"<!doctype html><script>alert(1)</script>"), "bericht.pdf"),
    }
    response = post(rita, "/+gaa/werkzeug/neu", data, content_type="multipart/form-data")
    assert response.status_code == 400 and "ist keine PDF-Datei" in text(response)
    assert stored(wiki, "Werkzeugkiste/Falsches PDF") is None


def test_attachments_are_served_as_downloads_images_inline(wiki, clients):
    rita = clients[REGISTERED.name]
    data = {**tool_data("Echtes PDF"), "datei_upload": (io.BytesIO(b"%PDF-1.4 Test"), "bericht.pdf")}
    assert post(rita, "/+gaa/werkzeug/neu", data, content_type="multipart/form-data").status_code == 302
    with acting_as(wiki, ADMIN):
        save_page("Sondenbild.png", PNG, contenttype="image/png")
        save_page(
            "Sondenbild.svg",
            "<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>",
            contenttype="image/svg+xml;charset=utf-8",
        )
        save_page("Sondenseite.html", "<script>alert(1)</script>", contenttype="text/html;charset=utf-8")
    for path in (
        "/+get/Werkzeugkiste/Echtes PDF/bericht.pdf",
        "/+get/Sondenbild.svg",
        "/+get/Sondenseite.html",
        "/+get/Startseite",
        "/+download/Sondenbild.png",
    ):
        response = rita.get(path)
        assert response.status_code == 200, path
        assert response.headers.get("X-Content-Type-Options") == "nosniff", path
        assert response.headers.get("Content-Disposition", "").startswith("attachment"), path
    image = rita.get("/+get/Sondenbild.png")
    assert image.status_code == 200 and image.mimetype == "image/png"
    assert "attachment" not in image.headers.get("Content-Disposition", "")
    assert image.headers.get("X-Content-Type-Options") == "nosniff"


@pytest.mark.parametrize("population", ["١٢٣٠٠", "۱۲۳۰۰", "１２３００", "12³", "²"])
def test_population_only_in_ascii_digits(wiki, clients, population):
    response = post(
        clients[MODERATOR.name], "/+gaa/kommune/neu", {**profile_data("Ziffernstadt"), "einwohner": population}
    )
    assert response.status_code == 400 and "Ziffern 0–9" in text(response)
    assert stored(wiki, "Kommunen/Ziffernstadt") is None


@pytest.mark.parametrize(
    "field, value",
    [("jahr", "٢٠٢٠"), ("jahr", "²"), ("kontakte-²-name", "Hochgestellt"), ("aktivitaeten-0-seit", "٠١.٠١.٢٠٢٠")],
)
def test_other_numbers_only_in_ascii_digits_and_never_a_500(clients, field, value):
    if field == "jahr":
        response = post(clients[REGISTERED.name], "/+gaa/werkzeug/neu", {**tool_data("Ziffernwerkzeug"), field: value})
    else:
        response = post(
            clients[MODERATOR.name], "/+gaa/kommune/neu", {**profile_data("Ziffernstadt Zwei"), field: value}
        )
    assert response.status_code in (302, 400)
    if field != "kontakte-²-name":  # an odd row number is just not a row
        assert response.status_code == 400


def test_a_group_whose_name_differs_only_in_case_or_spelling_is_refused(wiki, clients, records):
    mona = clients[MODERATOR.name]
    for twin in (GROUP.upper(), GROUP.lower(), GROUP.replace(" ", "-"), "\ufeff" + GROUP):
        response = post(mona, "/+gaa/gruppe/neu", group_data(twin))
        assert response.status_code == 400, twin
        assert f"„{GROUP}“" in text(response), text(response)[:400]
        assert stored(wiki, f"Gruppen/{twin}") is None


@pytest.mark.parametrize(
    "value",
    [
        '＝HYPERLINK("http://x")',
        "＋1+1",
        "－1+1",
        "＠SUM(A1)",
        "\u200b=1+1",
        "\u202e=1+1",
        "\ufeff=1+1",
        "\u2066@x",
        " =1+1",
        "=1+1",
        "+1",
        "-1",
        "@x",
        "\t=1",
        "\r=1",
        "\u200eplain",
    ],
)
def test_spreadsheet_formulas_in_disguise_are_defused(value):
    assert spreadsheet_safe(value).startswith("'")


@pytest.mark.parametrize("value", ["Kita", "Straße 1", "1-2", "2020", "", "a=b"])
def test_ordinary_cells_stay_as_they_are(value):
    assert spreadsheet_safe(value) == value


def test_the_csv_export_defuses_disguised_formulas(wiki, client):
    with acting_as(wiki, ADMIN):
        save_page(
            "Werkzeugkiste/Formeltest Vollbreite",
            "<<ToolCard>>\n",
            gaa_type="werkzeug",
            gaa_fields={
                "titel": "Formeltest Vollbreite",
                "kurzbeschreibung": '＝HYPERLINK("http://x";"klick")',
                "lebensphasen": ["kita"],
                "empfehlungen": ["beteiligung"],
                "art": "leitfaden",
                "quelle": "\u200b=1+1",
                "kommune": "\u202e@SUM(A1)",
                "status": "geprueft",
            },
        )
    body = text(client.get("/+gaa/export/werkzeugkiste.csv?q=Formeltest")).lstrip("\ufeff")
    rows = [r for r in csv.DictReader(io.StringIO(body), delimiter=";") if r["Titel"] == "Formeltest Vollbreite"]
    assert rows, body[:300]
    assert rows[0]["Kurzbeschreibung"].startswith("'") and rows[0]["Quelle"].startswith("'")
    assert rows[0]["Kommune"].startswith("'")


@pytest.mark.parametrize("query", ["seit=²", "seit=٢٠٢٠"])
def test_year_filters_of_the_directory_take_only_ascii_digits(client, query):
    response = client.get(f"/Partnerverzeichnis?{query}")
    assert response.status_code < 500 and "muss ein Jahr zwischen" in text(response)
    assert client.get(f"/+gaa/export/kommunen.csv?{query}").status_code == 400


@pytest.mark.parametrize("query", ["jahr_von=²", "jahr_bis=٢٠٢٠"])
def test_year_filters_of_the_toolbox_take_only_ascii_digits(client, query):
    assert client.get(f"/+gaa/export/werkzeugkiste.csv?{query}").status_code == 400
