"""The vocabulary: seeded lists, lookups with German errors, overrides from wikiconfig."""

from pathlib import Path

import pytest

from moin_gaa.core.vocabulary import LIST_NAMES, Term, Vocabulary, VocabularyError, vocabulary_from_config

SEED_PAGES = Path(__file__).resolve().parent.parent / "seed_pages"
# ISO 3166-2:DE, lower case: the 16 Länder, from outside our code
ISO_LAENDER = {"bw", "by", "be", "bb", "hb", "hh", "he", "mv", "ni", "nw", "rp", "sl", "sn", "st", "sh", "th"}


@pytest.mark.parametrize("list_name, folder", [
    ("life_phases", "Lebensphasen"), ("recommendations", "Handlungsempfehlungen"), ("lewin_phases", "Strategiephasen"),
    ("laender", "Koordinierungsstellen"),
])
def test_each_term_has_its_background_page_and_each_background_page_its_term(list_name, folder):
    """The lists and the seeded background pages they link to agree: no link to a missing page, no page
    (a life phase, a Handlungsempfehlung …) that cannot be chosen."""
    pages = {f"{folder}/{path.stem}" for path in (SEED_PAGES / folder).glob("*.data")}
    assert {term.page for term in Vocabulary().terms(list_name)} == pages


def test_the_seeded_lists_match_the_documentation_and_the_laender():
    v = Vocabulary()
    readme = (SEED_PAGES.parent / "README.md").read_text(encoding="utf-8")
    assert f"the {len(v.recommendations)} Handlungsempfehlungen" in readme
    assert {t.key for t in v.laender} == ISO_LAENDER
    assert all(t.extra["koordinierungsstelle"].endswith(t.label) for t in v.laender)


@pytest.mark.parametrize("list_name", list(LIST_NAMES))
def test_keys_are_unique_per_list(list_name):
    keys = [t.key for t in Vocabulary().terms(list_name)]
    assert len(keys) == len(set(keys))


def test_unknown_value_names_the_list_and_the_allowed_keys():
    with pytest.raises(VocabularyError) as e:
        Vocabulary().term("life_phases", "rente")
    message = str(e.value)
    assert "„rente“ ist kein gültiger Wert für Lebensphasen" in message
    assert "kita" in message


def test_validate_keys_keeps_order_and_drops_repeats():
    assert Vocabulary().validate_keys("laender", ["nw", "by", "nw"]) == ["nw", "by"]
    with pytest.raises(VocabularyError):
        Vocabulary().validate_keys("laender", ["nw", "xx"])


def test_unknown_list():
    with pytest.raises(VocabularyError, match="Unbekannte Liste"):
        Vocabulary().terms("farben")


def test_config_can_extend_a_list_for_gesundheit_fuer_alle():
    v = vocabulary_from_config(
        {"life_phases": {"extend": [("erwachsene", "Erwachsene"), {"key": "aeltere", "label": "Ältere"}]}}
    )
    assert [t.label for t in v.life_phases][-2:] == ["Erwachsene", "Ältere"]
    assert len(v.recommendations) == 7


def test_config_can_replace_a_list():
    v = vocabulary_from_config({"municipality_kinds": [Term("bezirk", "Bezirk")]})
    assert [t.key for t in v.municipality_kinds] == ["bezirk"]


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"colours": []}, "unbekannte Liste"),
        ({"life_phases": []}, "eindeutige, nicht leere"),
        ({"life_phases": [("a", "A"), ("a", "B")]}, "eindeutige"),
        ({"life_phases": [("Kita!", "Kita")]}, "darf nur a-z"),
        ({"life_phases": [{"label": "ohne Schlüssel"}]}, "braucht „key“ und „label“"),
    ],
)
def test_bad_config_is_refused_with_a_german_message(overrides, message):
    with pytest.raises(VocabularyError, match=message):
        vocabulary_from_config(overrides)


def test_progress_bar_writes_every_ten_percent_to_a_log():
    import io

    from moin_gaa.core.progress import ProgressBar

    out = io.StringIO()
    bar = ProgressBar("Laden", out)
    for done in range(1, 201):
        bar(done, 200)
    lines = out.getvalue().splitlines()
    assert len(lines) == 11 and "  0%" in lines[0] and lines[-1].endswith("100% (200/200)") and "[" + "#" * 30 + "]" in lines[-1]
