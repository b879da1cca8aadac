"""Municipality profiles (domain of the Partnerverzeichnis): checks, history, contact visibility."""

from datetime import date

import pytest

from moin_gaa.core.vocabulary import Vocabulary
from moin_gaa.partners.municipalities import ProfileError, profile_from_fields, profile_from_input, visible_fields

V = Vocabulary()
TODAY = date(2026, 11, 23)
GOOD = {
    "name": "Stadt Münster",
    "art": "kreisfreie-stadt",
    "land": "nw",
    "einwohner": "317.000",
    "partner_seit": "30.11.2011",
    "strategiephase": "entwickeln",
    "ressorts": ["Gesundheit", "Jugend", "Gesundheit"],
    "website": "https://www.stadt-muenster.de/",
    "kontakte": [
        {"name": "Erika Beispiel", "rolle": "Koordination", "email": "erika@example.org", "telefon": "+49 251 0000",
         "sichtbarkeit": {"name": "oeffentlich", "rolle": "oeffentlich"}},
        {"name": "", "email": ""},  # an empty form row
    ],
    "aktivitaeten": [
        {"titel": "Ernährungsschule in Kitas", "lebensphasen": ["kita"], "empfehlungen": ["lebenswelten", "beteiligung"],
         "seit": "2012-01-01"},
        {"titel": "Hebammensprechstunden in Familienzentren", "lebensphasen": ["geburt", "fruehe-kindheit"],
         "empfehlungen": ["niedrigschwellig"]},
    ],
}


def test_a_good_profile_and_its_coverage():
    profile = profile_from_input(GOOD, V, today=TODAY)
    assert profile.item_name == "Kommunen/Stadt Münster"
    assert profile.einwohner == 317000 and profile.partner_seit == "2011-11-30"
    assert profile.ressorts == ("Gesundheit", "Jugend") and len(profile.kontakte) == 1
    assert profile.cells() == {
        ("kita", "lebenswelten"), ("kita", "beteiligung"), ("geburt", "niedrigschwellig"), ("fruehe-kindheit", "niedrigschwellig")
    }
    fields = profile.fields()
    assert "kita|beteiligung" in fields["abgedeckte_zellen"] and fields["partner_seit_jahr"] == 2011
    assert [(h.phase, h.seit) for h in profile.phasen_verlauf] == [("entwickeln", "2026-11-23")]


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"land": "xx"}, "land", "„xx“ ist kein gültiger Wert für Länder"),
        ({"art": "dorf"}, "art", "kein gültiger Wert für Gebietskörperschaften"),
        ({"strategiephase": "schmelzen"}, "strategiephase", "kein gültiger Wert für Strategiephasen"),
        ({"einwohner": "viele"}, "einwohner", "ganze Zahl"),
        ({"partner_seit": "2027-01-01"}, "partner_seit", "nicht in der Zukunft"),
        ({"partner_seit": "31.02.2012"}, "partner_seit", "kein gültiges Datum"),
        ({"website": "javascript:alert(1)"}, "website", "http://"),
        ({"name": ""}, "name", "Bitte den Namen der Kommune angeben."),
        ({"name": "Stadt <b>"}, "name", "Der Name darf keine"),
        ({"kontakte": [{"name": "A", "email": "keine-mail"}]}, "kontakte.0.email", "keine gültige E-Mail-Adresse"),
        ({"kontakte": [{"email": "a@example.org"}]}, "kontakte.0.name", "Namen der Kontaktperson"),
        ({"aktivitaeten": [{"titel": "X", "lebensphasen": ["rente"], "empfehlungen": ["ehrenamt"]}]},
         "aktivitaeten.0.lebensphasen", "„rente“"),
        ({"aktivitaeten": [{"titel": "X", "lebensphasen": ["kita"], "empfehlungen": ["ehrenamt"], "seit": "2020-01-01",
                            "bis": "2019-01-01"}]}, "aktivitaeten.0.bis", "liegt vor"),
    ],
)
def test_bad_fields_get_german_messages(changes, field, message):
    with pytest.raises(ProfileError) as e:
        profile_from_input({**GOOD, **changes}, V, today=TODAY)
    assert message in e.value.errors[field]


def test_the_phase_history_grows_only_on_a_change():
    first = profile_from_input(GOOD, V, today=date(2020, 1, 1))
    same = profile_from_input(GOOD, V, today=date(2021, 1, 1), base=first)
    assert len(same.phasen_verlauf) == 1
    later = profile_from_input({**GOOD, "strategiephase": "stabilisieren"}, V, today=date(2024, 5, 2), base=same)
    assert [(h.phase, h.seit) for h in later.phasen_verlauf] == [("entwickeln", "2020-01-01"), ("stabilisieren", "2024-05-02")]
    assert profile_from_fields(later.fields(), V).phasen_verlauf == later.phasen_verlauf


def test_contacts_default_to_registered_users_only():
    fields = profile_from_input(GOOD, V, today=TODAY).fields()
    public = visible_fields(fields, registered=False)
    assert public["kontakte"] == [{"name": "Erika Beispiel", "rolle": "Koordination"}]
    assert "erika@example.org" not in repr(public)
    registered = visible_fields(fields, registered=True)
    assert registered["kontakte"][0]["email"] == "erika@example.org"
    assert fields["kontakte"][0]["email"] == "erika@example.org"  # the stored fields are untouched
