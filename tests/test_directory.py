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
    put_profile(wiki, "Zirbelwald Nord", land="th", einwohner="50000",
                activities=[{"titel": "Kita-Netz", "lebensphasen": ["kita"], "empfehlungen": ["zusammenarbeit"]}])
    put_profile(wiki, "Zirbelwald Süd", land="th", art="landkreis", strategiephase="auftauen", einwohner="120000",
                partner_seit="2019-05-01", activities=[{"titel": "Azubi-Tag", "lebensphasen": ["ausbildung-beruf"], "empfehlungen": ["beteiligung"]}])


def test_filter_sort_and_chart(wiki, client):
    setup_profiles(wiki)
    body = text(client.get("/Partnerverzeichnis?q=Zirbelwald&land=th"))
    assert "2 Partnerkommunen" in body
    assert body.index("Zirbelwald Nord") < body.index("Zirbelwald Süd")  # sorted by name
    by_size = text(client.get("/Partnerverzeichnis?q=Zirbelwald&land=th&sort=einwohner"))
    assert by_size.index("Zirbelwald Süd") < by_size.index("Zirbelwald Nord")
    assert "1 Partnerkommune" in text(client.get("/Partnerverzeichnis?q=Zirbelwald&land=th&art=landkreis"))
    assert "1 Partnerkommune" in text(client.get("/Partnerverzeichnis?q=Zirbelwald&land=th&lebensphase=kita"))
    assert "1 Partnerkommune" in text(client.get("/Partnerverzeichnis?q=Zirbelwald&land=th&seit=2019"))
    assert "Keine Partnerkommune passt" in text(client.get("/Partnerverzeichnis?q=Zirbelwald&land=th&phase=stabilisieren"))
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
    rows = csv_rows(client, "q=Zirbelwald&land=th")
    assert [r["Name"] for r in rows] == ["Zirbelwald Nord", "Zirbelwald Süd"]
    assert rows[1]["Land"] == "Thüringen" and rows[1]["Art"] == "Landkreis" and rows[1]["Strategiephase"] == "auftauen"
    assert rows[1]["Kontakte"] == "Paula Profil Koordinatorin" and "paula@example.org" not in str(rows)
    login(client, REGISTERED)
    rows = csv_rows(client, "q=Zirbelwald&land=th&art=landkreis")
    assert len(rows) == 1 and "paula@example.org" in rows[0]["Kontakte"]
    data = client.get("/+gaa/export/kommunen.json?q=Zirbelwald&land=th").get_json()
    assert {d["name"] for d in data} == {"Zirbelwald Süd", "Zirbelwald Nord"}


import re  # noqa: E402

from conftest import ADMIN, CSRF_RE, MODERATOR, acting_as  # noqa: E402

from moin_gaa.core.items import current  # noqa: E402


def profile_form(**changes):
    data = {
        "name": "Neustadt am See",
        "art": "kreisangehoerig",
        "land": "bb",
        "einwohner": "12.500",
        "partner_seit": "2016-09-01",
        "strategiephase": "auftauen",
        "strategie": "Wir beginnen mit den Übergängen.",
        "ressorts": ["Gesundheit", "Jugend"],
        "ressorts_weitere": "Feuerwehr",
        "website": "https://www.example.org/",
        "redakteure": "Rita Registriert",
        "kontakte-0-name": "Nora Netz",
        "kontakte-0-rolle": "Koordination",
        "kontakte-0-email": "nora@example.org",
        "kontakte-0-telefon": "+49 331 000",
        "kontakte-0-sichtbarkeit-name": "oeffentlich",
        "kontakte-0-sichtbarkeit-rolle": "oeffentlich",
        "kontakte-0-sichtbarkeit-email": "angemeldet",
        "kontakte-0-sichtbarkeit-telefon": "angemeldet",
        "kontakte-1-name": "",
        "aktivitaeten-0-titel": "Kita-Lotsen",
        "aktivitaeten-0-lebensphasen": ["kita", "grundschule"],
        "aktivitaeten-0-empfehlungen": ["zusammenarbeit"],
        "aktivitaeten-1-titel": "",
    }
    data.update(changes)
    return data


def form_token(client, path="/+gaa/kommune/neu"):
    return CSRF_RE.search(text(client.get(path))).group(1)


def stored(wiki, name):
    with acting_as(wiki, ADMIN):
        found = current("Kommunen/" + name)
    return found[0] if found else None


def test_moderators_create_profiles_and_editors_edit_them(wiki, client):
    login(client, REGISTERED)
    assert client.get("/+gaa/kommune/neu").status_code == 403
    login(client, MODERATOR)
    response = client.post("/+gaa/kommune/neu", data={**profile_form(), "csrf_token": form_token(client)})
    assert response.status_code == 302, text(response)[:3000]
    meta = stored(wiki, "Neustadt am See")
    fields = meta["gaa_fields"]
    assert fields["einwohner"] == 12500 and fields["ressorts"] == ["Gesundheit", "Jugend", "Feuerwehr"]
    assert fields["kontakte"][0]["sichtbarkeit"]["email"] == "angemeldet" and len(fields["kontakte"]) == 1
    assert "Rita Registriert:read,write" in meta["acl"]
    # the named editor edits; the strategy phase history grows
    login(client, REGISTERED)
    page = text(client.get("/+gaa/kommune/bearbeiten/Neustadt am See"))
    revid = re.search(r'name="revid" value="([0-9a-f]+)"', page).group(1)
    data = {**profile_form(strategiephase="entwickeln", redakteure=""), "csrf_token": CSRF_RE.search(page).group(1), "revid": revid}
    assert client.post("/+gaa/kommune/bearbeiten/Neustadt am See", data=data).status_code == 302
    fields = stored(wiki, "Neustadt am See")["gaa_fields"]
    assert [h["phase"] for h in fields["phasen_verlauf"]] == ["auftauen", "entwickeln"]
    assert fields["redakteure"] == ["Rita Registriert"]  # only moderators change the editors


def test_a_registered_user_who_is_not_an_editor_gets_403_and_nothing_changes(wiki, client):
    put_profile(wiki, "Fremdstadt", land="rp")
    login(client, REGISTERED)
    before = stored(wiki, "Fremdstadt")["revid"]
    assert client.get("/+gaa/kommune/bearbeiten/Fremdstadt").status_code == 403
    token = form_token(client, "/+gaa/werkzeug/neu")
    response = client.post("/+gaa/kommune/bearbeiten/Fremdstadt", data={**profile_form(name="Fremdstadt"), "csrf_token": token})
    assert response.status_code == 403 and stored(wiki, "Fremdstadt")["revid"] == before


def test_bad_profile_input_is_explained_and_nothing_stored(wiki, client):
    login(client, MODERATOR)
    token = form_token(client)
    cases = [
        ({"land": "xx"}, "„xx“ ist kein gültiger Wert für Länder"),
        ({"einwohner": "zwölftausend"}, "ganze Zahl"),
        ({"kontakte-0-email": "nora-at-example"}, "keine gültige E-Mail-Adresse"),
        ({"partner_seit": "2099-01-01"}, "nicht in der Zukunft"),
        ({"aktivitaeten-0-lebensphasen": ["rente"]}, "„rente“"),
    ]
    for changes, message in cases:
        response = client.post("/+gaa/kommune/neu", data={**profile_form(name="Fehlerstadt", **changes), "csrf_token": token})
        assert response.status_code == 400 and message in text(response), message
        assert stored(wiki, "Fehlerstadt") is None
    put_profile(wiki, "Doppelstadt", land="sh")
    response = client.post("/+gaa/kommune/neu", data={**profile_form(name="doppelstadt"), "csrf_token": token})
    assert response.status_code == 400 and "gibt es schon" in text(response)
    assert stored(wiki, "doppelstadt") is None


def test_a_long_directory_is_paged(wiki, client):
    from datetime import date

    from moin_gaa.core.storage import PageSpec, store_pages
    from moin_gaa.core.vocabulary import Vocabulary
    from moin_gaa.partners.municipalities import profile_from_input

    specs = []
    for i in range(60):
        profile = profile_from_input(
            {"name": f"Anhaltgemeinde {i:02d}", "art": "kreisangehoerig", "land": "st", "partner_seit": "2020-01-01",
             "strategiephase": "auftauen"},
            Vocabulary(),
            today=date(2026, 1, 1),
        )
        specs.append(PageSpec(profile.item_name, "<<MunicipalityProfile>>\n", {"gaa_type": "kommune", "gaa_fields": profile.fields()}))
    with acting_as(wiki, None):
        store_pages(specs)
    first = text(client.get("/Partnerverzeichnis?land=st&art=kreisangehoerig"))
    assert "60 Partnerkommunen" in first and "Seite 1 von 2" in first
    assert "Anhaltgemeinde 49" in first and "Anhaltgemeinde 50" not in first
    second = text(client.get("/Partnerverzeichnis?land=st&art=kreisangehoerig&seite=2"))
    assert "Anhaltgemeinde 59" in second and "Anhaltgemeinde 00" not in second
    assert len(csv_rows(client, "land=st&art=kreisangehoerig")) == 60  # the export is not paged


def test_a_logo_is_uploaded_with_the_profile(wiki, client):
    from io import BytesIO

    login(client, MODERATOR)
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    data = {**profile_form(name="Logostadt"), "csrf_token": form_token(client), "logo_upload": (BytesIO(png), "wappen.png")}
    response = client.post("/+gaa/kommune/neu", data=data, content_type="multipart/form-data")
    assert response.status_code == 302
    assert stored(wiki, "Logostadt")["gaa_fields"]["logo"] == "Kommunen/Logostadt/Logo.png"
    assert 'alt="Logo Logostadt"' in text(client.get("/Kommunen/Logostadt"))
    bad = {**profile_form(name="Logostadt Zwei"), "csrf_token": form_token(client), "logo_upload": (BytesIO(b"%PDF"), "wappen.pdf")}
    response = client.post("/+gaa/kommune/neu", data=bad, content_type="multipart/form-data")
    assert response.status_code == 400 and "„.pdf“ sind nicht erlaubt" in text(response)
    assert stored(wiki, "Logostadt Zwei") is None
