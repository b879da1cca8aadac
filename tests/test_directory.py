"""The Partnerverzeichnis: filters, sorting, chart, exports with contact visibility."""

import csv
import io

from conftest import REGISTERED, login
from test_profiles import put_profile


def text(response):
    return response.get_data(as_text=True)


def csv_rows(client, query):
    body = text(client.get("/+gaa/export/kommunen.csv?" + query)).lstrip("\ufeff")
    return list(csv.DictReader(io.StringIO(body), delimiter=";"))


def setup_profiles(wiki):
    put_profile(wiki, "Thüringenstadt Nord", land="th", einwohner="50000",
                activities=[{"titel": "Kita-Netz", "lebensphasen": ["kita"], "empfehlungen": ["zusammenarbeit"]}])
    put_profile(wiki, "Thüringenkreis Süd", land="th", art="landkreis", strategiephase="auftauen", einwohner="120000",
                partner_seit="2019-05-01", activities=[{"titel": "Azubi-Tag", "lebensphasen": ["ausbildung-beruf"], "empfehlungen": ["beteiligung"]}])


def test_filter_sort_and_chart(wiki, client):
    setup_profiles(wiki)
    body = text(client.get("/Partnerverzeichnis?land=th"))
    assert "2 Partnerkommunen" in body
    assert body.index("Thüringenkreis Süd") < body.index("Thüringenstadt Nord")  # sorted by name
    by_size = text(client.get("/Partnerverzeichnis?land=th&sort=einwohner"))
    assert by_size.index("Thüringenkreis Süd") < by_size.index("Thüringenstadt Nord")
    assert "1 Partnerkommunen" in text(client.get("/Partnerverzeichnis?land=th&art=landkreis"))
    assert "1 Partnerkommunen" in text(client.get("/Partnerverzeichnis?land=th&lebensphase=kita"))
    assert "1 Partnerkommunen" in text(client.get("/Partnerverzeichnis?land=th&seit=2019"))
    assert "Keine Partnerkommune passt" in text(client.get("/Partnerverzeichnis?land=th&phase=stabilisieren"))
    # the chart: an SVG with a title, and the same numbers as a table
    assert '<svg aria-labelledby="verzeichnis-diagramm-titel"' in body and "<title" in body
    assert '<th scope="row">Thüringen</th><td>' in body


def test_bad_filter_values_are_explained(client):
    body = text(client.get("/Partnerverzeichnis?land=atlantis&sort=farbe&seit=1999"))
    assert "„atlantis“ ist kein gültiger Wert für Länder" in body
    assert "„farbe“ ist keine Sortierung" in body and "„Partner seit“ muss ein Jahr" in body
    assert client.get("/+gaa/export/kommunen.csv?land=atlantis").status_code == 400


def test_export_has_the_filtered_set_and_contacts_only_as_far_as_visible(wiki, client):
    setup_profiles(wiki)
    rows = csv_rows(client, "land=th")
    assert [r["Name"] for r in rows] == ["Thüringenkreis Süd", "Thüringenstadt Nord"]
    assert rows[0]["Land"] == "Thüringen" and rows[0]["Art"] == "Landkreis" and rows[0]["Strategiephase"] == "auftauen"
    assert rows[0]["Kontakte"] == "Paula Profil Koordinatorin" and "paula@example.org" not in str(rows)
    login(client, REGISTERED)
    rows = csv_rows(client, "land=th&art=landkreis")
    assert len(rows) == 1 and "paula@example.org" in rows[0]["Kontakte"]
    data = client.get("/+gaa/export/kommunen.json?land=th").get_json()
    assert {d["name"] for d in data} == {"Thüringenkreis Süd", "Thüringenstadt Nord"}
