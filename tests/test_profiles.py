"""Municipality profile pages: the card, contact visibility, coverage grid and heat map."""

import re
from datetime import date

import pytest
from conftest import ADMIN, REGISTERED, acting_as, login, save_page
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
    assert "<h4>Kita</h4>" in body and "<h4>Rund um die Geburt</h4>" in body and "01.02.2015" in body
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
