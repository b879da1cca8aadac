"""Municipality profile pages: the card, contact visibility, coverage grid and heat map."""

import re
from datetime import date
from io import BytesIO

import pytest
from conftest import ADMIN, MODERATOR, REGISTERED, acting_as, login, save_page
from form_support import form_on, submit
from test_toolbox import put_tool

from moin_gaa.core.vocabulary import Vocabulary
from moin_gaa.partners.municipalities import profile_from_input

PROFILE_TEXT = "<<MunicipalityProfile>>\n\n<<ChainCoverage>>\n\n== Über die Präventionskette ==\nText.\n"


def put_profile(wiki, name, land="sl", activities=(), **changes):
    data = {
        "name": name,
        "art": changes.pop("art", "kreisfreie-stadt"),
        "land": land,
        "einwohner": changes.pop("einwohner", "180000"),
        "partner_seit": changes.pop("partner_seit", "2014-06-01"),
        "strategiephase": changes.pop("strategiephase", "entwickeln"),
        "kontakte": [
            {"name": "Paula Profil", "rolle": "Koordinatorin", "email": "paula@example.org", "telefon": "+49 681 12345",
             "sichtbarkeit": {"name": "oeffentlich", "rolle": "oeffentlich"}}
        ],
        "aktivitaeten": list(activities),
        **changes,
    }
    profile = profile_from_input(data, Vocabulary(), today=date(2026, 1, 5))
    with acting_as(wiki, ADMIN):
        save_page(profile.item_name, PROFILE_TEXT, gaa_type="kommune", gaa_fields=profile.fields())
    return profile


def text(response):
    return response.get_data(as_text=True)


@pytest.fixture(scope="module")
def saarstadt(wiki):
    put_tool(wiki, "Werkzeugkiste/Lückenfüller Ehrenamt Kita", "Lückenfüller Ehrenamt Kita", "Lückenfüller",
             phases=("kita",), recs=("ehrenamt",), status="hervorgehoben")
    return put_profile(
        wiki,
        "Saarstadt",
        strategie="<script>x</script> Vorrang für Prävention",
        activities=[
            {"titel": "Kita-Frühstück", "lebensphasen": ["kita"], "empfehlungen": ["beteiligung", "lebenswelten"]},
            {"titel": "Babybesuch", "lebensphasen": ["geburt"], "empfehlungen": ["niedrigschwellig"], "seit": "2015-02-01"},
        ],
    )


def test_the_profile_card(client, saarstadt):
    body = text(client.get("/" + saarstadt.item_name))
    assert "Koordinierungsstelle Gesundheitliche Chancengleichheit Saarland" in body
    assert "180.000" in body and "01.06.2014" in body
    # the current phase links to its explanation; its history is a timeline of phases with their dates
    phase = re.search(r"<dt>Strategiephase</dt><dd>(.*?)</dd>", body).group(1)
    assert re.match(r'<a href="/Strategiephasen/Entwickeln">entwickeln</a><ol [^>]*class="gaa-timeline"', phase), phase
    assert re.findall(r"<li>(.*?)</li>", phase) == ["entwickeln seit 05.01.2026"]
    assert "<h3>Kita-Frühstück</h3>" in body and "<h3>Babybesuch</h3>" in body
    assert "Zeitraum: seit 01.02.2015" in body  # an open period says so
    assert "&lt;script&gt;x&lt;/script&gt; Vorrang" in body and "<script>x</script>" not in body


def test_contact_fields_follow_their_visibility(client, saarstadt):
    anonymous = text(client.get("/" + saarstadt.item_name))
    assert "Paula Profil" in anonymous and "Koordinatorin" in anonymous
    assert "paula@example.org" not in anonymous and "+49 681 12345" not in anonymous
    assert "Weitere Kontaktdaten sehen angemeldete" in anonymous
    login(client, REGISTERED)
    registered = text(client.get("/" + saarstadt.item_name))
    assert 'href="mailto:paula@example.org"' in registered and "+49 681 12345" in registered


def test_coverage_grid_marks_gaps_and_suggests_tools(client, saarstadt):
    body = text(client.get("/" + saarstadt.item_name))
    assert "Präventionskette Saarstadt: 3 von 42 Feldern abgedeckt, 39 Lücken" in body
    assert "✓ abgedeckt" in body and "Kita-Frühstück" in body
    assert "Lückenfüller Ehrenamt Kita" in body  # suggested for the gap kita × ehrenamt


def heat(client, page):
    """(municipalities, count in the cell Ehrenamt × Kita) read from a rendered heat map."""
    body = text(client.get(page))
    total = int(re.search(r"Aktive Partnerkommunen je Feld \(Bremen, (\d+) Kommunen\)", body).group(1))
    row = re.search(r'<th scope="row">Ehrenamtsstrukturen fördern</th>(.*?)</tr>', body, re.S).group(1)
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
    kita = re.search(r'gaa-count">(\d+)', cells[2])
    return total, int(kita.group(1)) if kita else 0


def test_heat_map_counts_municipalities_per_cell(wiki, client):
    with acting_as(wiki, REGISTERED):
        save_page("Heatmap Bremen", "<<ChainCoverage(land=hb)>>\n\n<<ChainCoverage(land=nirgendwo)>>\n")
    before = heat(client, "/Heatmap Bremen")
    put_profile(wiki, "Bremerstadt A", land="hb", activities=[{"titel": "A", "lebensphasen": ["kita"], "empfehlungen": ["ehrenamt"]}])
    put_profile(wiki, "Bremerstadt B", land="hb", activities=[{"titel": "B", "lebensphasen": ["kita"], "empfehlungen": ["ehrenamt", "beteiligung"]}])
    after = heat(client, "/Heatmap Bremen")
    assert after == (before[0] + 2, before[1] + 2)
    body = text(client.get("/Heatmap Bremen"))
    assert '<span class="pw-visually-hidden"> Kommunen aktiv</span>' in body
    assert "„nirgendwo“ ist kein gültiger Wert für „land“" in body


def test_profile_macros_on_a_wrong_page_explain_themselves(wiki, client):
    with acting_as(wiki, REGISTERED):
        save_page("Kein Profil", "<<MunicipalityProfile>>\n\n<<ChainCoverage(kommune=Gibtsnicht)>>\n")
    body = text(client.get("/Kein Profil"))
    assert "MunicipalityProfile gehört auf eine Profilseite" in body
    assert "kein Profil „Kommunen/Gibtsnicht“ gefunden" in body


def test_each_activity_is_shown_once_with_its_life_phases(wiki, client):
    profile = put_profile(wiki, "Einmalstadt", activities=[
        {"titel": "Lotsen überall", "lebensphasen": ["kita", "grundschule", "geburt"],
         "empfehlungen": ["zusammenarbeit"], "seit": "2015-08-01", "bis": "2020-12-31"},
        {"titel": "Nur bis", "lebensphasen": ["kita"], "empfehlungen": ["ehrenamt"], "bis": "2019-06-30"},
    ])
    body = text(client.get("/" + profile.item_name))
    assert body.count("<h3>Lotsen überall</h3>") == 1
    activity = body[body.index("<h3>Lotsen überall</h3>"):body.index("<h3>Nur bis</h3>")]
    assert re.sub(r"<[^>]+>", "", re.search(r"Lebensphasen: .*?</p>", activity).group(0)) == (
        "Lebensphasen: Rund um die Geburt, Kita, Grundschule")  # in the vocabulary's order
    assert "Zeitraum: 01.08.2015 – 31.12.2020" in activity
    assert "Zeitraum: bis 30.06.2019" in body


def new_profile_form(client, **fields):
    """The empty „Partnerkommune anlegen“ form as a browser sends it, with ``fields`` filled in."""
    action, data = form_on(client, "/+gaa/kommune/neu", action="/+gaa/kommune/neu")
    return action, {**data, **{k: v if isinstance(v, list) else [v] for k, v in fields.items()}}


def test_the_profile_form_folds_and_starts_short(wiki, client):
    login(client, MODERATOR)
    form = text(client.get("/+gaa/kommune/neu"))
    sections = re.findall(r'<details class="gaa-section" id="abschnitt-(\w+)"( open)?>', form)
    assert sections == [("grunddaten", " open"), ("strategie", ""), ("auftritt", ""), ("kontakte", ""),
                        ("aktivitaeten", "")]
    assert form.count('<fieldset class="gaa-row"') == 2  # one empty contact, one empty activity
    assert 'type="email" id="feld-kontakte-0-email"' in form and 'type="tel" id="feld-kontakte-0-telefon"' in form
    assert 'type="url" id="feld-website"' in form and 'type="url" id="feld-aktivitaeten-0-link"' in form
    assert 'type="date" id="feld-aktivitaeten-0-seit"' in form and 'inputmode="numeric" id="feld-einwohner"' in form
    # Enter in a field saves: the form's first button is „Speichern“, not a row button
    first_button = re.search(r"<button[^>]*>([^<]*)</button>", form[form.index("novalidate>"):]).group(0)
    assert "Speichern" in first_button and "zeile" not in first_button
    # an error opens its section
    action, data = new_profile_form(client, name="Faltstadt", art="landkreis", land="th", partner_seit="2019-01-01",
                                    strategiephase="auftauen", **{"kontakte-0-name": "Kai", "kontakte-0-email": "kai"})
    response = submit(client, action, data)
    assert response.status_code == 400
    assert re.search(r'id="abschnitt-kontakte" open>', text(response))
    assert not re.search(r'id="abschnitt-aktivitaeten" open>', text(response))


def test_rows_are_added_and_removed_without_javascript_keeping_the_input(wiki, client):
    login(client, MODERATOR)
    typed = {"name": "Zeilenstadt", "strategie": "Erst die Kitas.", "kontakte-0-name": "Erste Person",
             "kontakte-0-email": "erste@example.org", "aktivitaeten-0-titel": "Kita-Lotsen",
             "aktivitaeten-0-lebensphasen": ["kita", "grundschule"]}
    action, data = new_profile_form(client, **typed)
    data["logo_upload"] = [(BytesIO(b"\x89PNG\r\n\x1a\n" + b"\x00" * 16), "Wappen.png")]
    response = client.post(action, data={**data, "zeile": "kontakte-neu"}, content_type="multipart/form-data")
    body = text(response)
    assert response.status_code == 200 and "Bitte prüfen Sie Ihre Angaben" not in body  # nothing checked or saved
    assert client.get("/Kommunen/Zeilenstadt").status_code == 404
    assert 'value="Erste Person"' in body and 'value="erste@example.org"' in body and "Erst die Kitas." in body
    assert re.search(r'value="grundschule"\s+checked', body) and 'value="Kita-Lotsen"' in body
    assert re.search(r'id="feld-kontakte-1-name" name="kontakte-1-name" value=""[^>]*autofocus', body)
    assert re.search(r'id="abschnitt-kontakte" open>', body)
    assert "Gewähltes Bild: Wappen.png" in body  # the chosen logo stays chosen

    # the new row is filled in; the first one removed: the second moves up
    action, data = "/+gaa/kommune/neu", {}
    for name, value in re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', body):
        data[name] = value
    data.update({**typed, "kontakte-1-name": "Zweite Person", "kontakte-1-telefon": "+49 30 1234",
                 "zeile": "kontakte-0-entfernen"})
    body = text(client.post(action, data=data))
    assert 'id="feld-kontakte-0-name" name="kontakte-0-name" value="Zweite Person"' in body
    assert "Erste Person" not in body and "feld-kontakte-1-name" not in body
    assert "Gewähltes Bild: Wappen.png" in body

    # saved at last: the logo chosen two submits ago is stored with the profile
    data = {name: value for name, value in re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', body)}
    data.update({**typed, "kontakte-0-email": "", "kontakte-0-name": "Zweite Person", "art": "landkreis",
                 "land": "th", "partner_seit": "2019-01-01", "strategiephase": "auftauen",
                 "aktivitaeten-0-empfehlungen": ["ehrenamt"]})
    response = client.post(action, data=data)
    assert response.status_code == 302, text(response)[:2000]
    with acting_as(wiki, ADMIN):
        from form_support import stored

        fields = stored("Kommunen/Zeilenstadt")[0]["gaa_fields"]
        assert [c["name"] for c in fields["kontakte"]] == ["Zweite Person"]
        assert fields["logo"] == "Kommunen/Zeilenstadt/Logo.png"
    logo = wiki.storage.get_item(name_exact="Kommunen/Zeilenstadt/Logo.png", namespace="")["current"]
    assert logo.meta["contenttype"] == "image/png" and logo.data.read().startswith(b"\x89PNG")
