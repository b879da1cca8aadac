"""Werkzeuge: form checks, the curation workflow, filters and German full-text search."""

from datetime import date

import pytest

from moin_gaa.core.catalog import GERMAN, word_variants
from moin_gaa.core.vocabulary import Vocabulary
from moin_gaa.toolbox.toolfilter import ToolFilter, parse_filter
from moin_gaa.toolbox.tools import (
    ToolError,
    ask,
    decide,
    field_changes,
    long_text_of,
    page_text,
    tool_from_fields,
    tool_from_input,
)

V = Vocabulary()
TODAY = date(2026, 11, 23)
GOOD = {
    "titel": "Elterncafé im Familienzentrum",
    "kurzbeschreibung": "Ein offener Treff für Eltern.",
    "lebensphasen": ["kita", "fruehe-kindheit"],
    "empfehlungen": ["niedrigschwellig"],
    "art": "praxisbeispiel",
    "quelle": "Stadt Münster",
    "link": "https://www.example.org/elterncafe",
    "jahr": "2019",
    "land": "nw",
}


def test_a_good_proposal():
    tool = tool_from_input(GOOD, V, today=TODAY)
    assert tool.item_name == "Werkzeugkiste/Elterncafé im Familienzentrum"
    assert tool.status == "vorgeschlagen" and tool.jahr == 2019
    assert tool.lebensphasen == ("kita", "fruehe-kindheit")


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("titel", "", "Bitte einen Titel angeben."),
        ("titel", "Kita/Schule", "keine Schrägstriche"),
        ("titel", "x" * 121, "höchstens 120"),
        ("kurzbeschreibung", "", "Bitte eine Kurzbeschreibung"),
        ("lebensphasen", [], "mindestens eine Lebensphase"),
        ("lebensphasen", ["kita", "rente"], "„rente“ ist kein gültiger Wert für Lebensphasen"),
        ("empfehlungen", ["alles"], "„alles“ ist kein gültiger Wert für Handlungsempfehlungen"),
        ("art", "podcast", "„podcast“ ist kein gültiger Wert für Materialarten"),
        ("link", "javascript:alert(1)", "http:// oder https://"),
        ("link", "www.example.org", "http:// oder https://"),
        ("jahr", "zweitausend", "zwischen 1980 und 2026"),
        ("jahr", "2031", "zwischen 1980 und 2026"),
        ("land", "xx", "„xx“ ist kein gültiger Wert für Länder"),
    ],
)
def test_every_bad_field_gets_a_german_message(field, value, message):
    with pytest.raises(ToolError) as e:
        tool_from_input({**GOOD, field: value}, V, today=TODAY)
    assert message in e.value.errors[field]


def test_all_errors_are_reported_at_once():
    with pytest.raises(ToolError) as e:
        tool_from_input({}, V, today=TODAY)
    assert set(e.value.errors) == {"titel", "kurzbeschreibung", "lebensphasen", "empfehlungen", "art"}


def test_a_form_cannot_change_the_workflow_fields():
    stored = tool_from_input(GOOD, V, today=TODAY)
    stored = decide(stored, "hervorheben", "Mona", today=TODAY)
    edited = tool_from_input({**GOOD, "status": "vorgeschlagen", "kurzbeschreibung": "Neu"}, V, base=stored)
    assert edited.status == "hervorgehoben" and edited.entschieden_von == "Mona"


def test_fields_round_trip():
    tool = decide(tool_from_input(GOOD, V, today=TODAY), "veroeffentlichen", "Mona", today=TODAY)
    assert tool_from_fields(tool.fields(), V) == tool


def test_workflow():
    tool = tool_from_input(GOOD, V, today=TODAY)
    with pytest.raises(ToolError, match="begründen"):
        decide(tool, "ablehnen", "Mona", "  ")
    rejected = decide(tool, "ablehnen", "Mona", "Doppelt vorhanden", today=TODAY)
    assert (rejected.status, rejected.begruendung, rejected.entschieden_am) == ("abgelehnt", "Doppelt vorhanden", "2026-11-23")
    with pytest.raises(ToolError, match="nicht möglich"):
        decide(rejected, "hervorheben", "Mona")
    published = decide(rejected, "veroeffentlichen", "Mona")
    assert published.status == "geprueft" and published.begruendung == ""
    assert decide(published, "archivieren", "Mona").status == "archiviert"
    with pytest.raises(ToolError, match="Unbekannte Aktion"):
        decide(tool, "loeschen", "Mona")


def test_a_rueckfrage_keeps_the_proposal_open_until_the_decision():
    tool = tool_from_input(GOOD, V, today=TODAY)
    with pytest.raises(ToolError, match="schreiben Sie Ihre Frage"):
        ask(tool, " \u200b ", "Mona")
    asked = ask(tool, "Gibt es das Elterncafé noch?", "Mona", today=TODAY)
    assert (asked.status, asked.rueckfrage, asked.rueckfrage_von, asked.rueckfrage_am) == (
        "vorgeschlagen", "Gibt es das Elterncafé noch?", "Mona", "2026-11-23")
    assert tool_from_fields(asked.fields(), V) == asked  # stored on the record
    edited = tool_from_input({**GOOD, "rueckfrage": "", "kurzbeschreibung": "Ja, jeden Dienstag."}, V, base=asked)
    assert edited.rueckfrage == "Gibt es das Elterncafé noch?"  # the form cannot remove it
    published = decide(asked, "veroeffentlichen", "Mona")
    assert published.status == "geprueft" and published.rueckfrage == "" and published.rueckfrage_von == ""
    with pytest.raises(ToolError, match="nur bei Vorschlägen"):
        ask(published, "Noch eine Frage?", "Mona")


def test_field_changes_name_the_fields_in_german_with_labels():
    before = tool_from_input(GOOD, V, today=TODAY).fields()
    after = {**before, "lebensphasen": ["kita", "grundschule"], "jahr": None, "art": "leitfaden",
             "status": "geprueft", "unbekannt": "x"}
    assert field_changes(before, after, V) == [
        ("Lebensphasen", ["Familie / frühe Kindheit"], ["Grundschule"]),
        ("Art", ["Praxisbeispiel"], ["Leitfaden"]),
        ("Jahr", ["2019"], []),
    ]  # workflow fields and fields the form does not know are no change of the proposal
    assert field_changes(before, before, V) == []


def test_page_text_keeps_the_card_on_top():
    content = page_text("== Worum es geht ==\nText")
    assert content.startswith("<<ToolCard>>\n\n") and long_text_of(content) == "== Worum es geht ==\nText\n".rstrip("\n")


def test_filter_from_a_query_string():
    f, errors = parse_filter(
        {"lebensphase": "kita", "art": "leitfaden", "jahr_von": "2020", "jahr_bis": "2015", "q": "  Eltern   café "},
        V,
        may_see_all=False,
        today=TODAY,
    )
    assert f == ToolFilter(lebensphase="kita", art="leitfaden", jahr_von=2015, jahr_bis=2020, q="Eltern café")
    assert errors == ["„Jahr von“ liegt nach „Jahr bis“ – die Jahre wurden getauscht."]
    assert f.args(lebensphase="") == {"art": "leitfaden", "jahr_von": "2015", "jahr_bis": "2020", "q": "Eltern café"}


@pytest.mark.parametrize(
    "args, message",
    [
        ({"lebensphase": "rente"}, "„rente“ ist kein gültiger Wert für Lebensphasen"),
        ({"empfehlung": "x"}, "kein gültiger Wert für Handlungsempfehlungen"),
        ({"art": "podcast"}, "kein gültiger Wert für Materialarten"),
        ({"jahr_von": "gestern"}, "„Jahr von“ muss ein Jahr"),
        ({"status": "alle"}, "Nur Moderatorinnen und Moderatoren"),
    ],
)
def test_bad_filter_values_are_ignored_with_a_message(args, message):
    f, errors = parse_filter(args, V, may_see_all=False, today=TODAY)
    assert f == ToolFilter() and message in errors[0]


def test_moderators_may_filter_by_status():
    f, errors = parse_filter({"status": "alle"}, V, may_see_all=True)
    assert f.status == "alle" and not errors
    f, errors = parse_filter({"status": "geloescht"}, V, may_see_all=True)
    assert f.status == "" and errors


@pytest.mark.parametrize(
    "query, document",
    [
        ("Gesundheitsförderung", "gesundheitsfördernde Angebote"),
        ("Kitas", "in der Kita"),
        ("Elternfrühstück", "Elternfrühstücke"),
    ],
)
def test_german_word_families_meet(query, document):
    stem = [t.text for t in GERMAN(query)][0]
    doc_stem = [t.text for t in GERMAN(document)][0]
    assert any(doc_stem.startswith(v) for v in word_variants(stem))
