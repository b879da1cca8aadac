"""Seed pages: checked before anything is written, loaded idempotently, all or nothing."""

import json
import os

import pytest
from conftest import acting_as

from moin_gaa.cli import SEED_DIR
from moin_gaa.core.app_state import partnerwiki
from moin_gaa.core.storage import read_records
from moin_gaa.seeding import SeedError, load_seed_pages, read_seed_pages


def write_page(directory, name, text, meta):
    path = os.path.join(directory, *name.split("/"))
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path + ".data", "w", encoding="utf-8") as f:
        f.write(text)
    if meta is not None:
        with open(path + ".meta", "w", encoding="utf-8") as f:
            f.write(meta if isinstance(meta, str) else json.dumps(meta))


def revision_count(app, name):
    item = app.storage.get_item(name_exact=name, namespace="")
    return len(list(item.iter_revs())) if item else 0


@pytest.fixture
def seed_dir(tmp_path):
    directory = str(tmp_path / "seeds")
    write_page(directory, "Start", "= Start =\n", {"summary": "Start"})
    write_page(
        directory,
        "Handlungsempfehlungen/Ehrenamt",
        "Ehrenamt stärken",
        {"summary": "Ehrenamt", "gaa_type": "handlungsempfehlung", "gaa_fields": {"key": "ehrenamt"}},
    )
    return directory


def test_the_repository_seed_pages_are_valid_and_complete():
    names = {page.name for page in read_seed_pages(SEED_DIR)}
    required = {
        "Startseite",
        "Über den Partnerprozess",
        "Handlungsempfehlungen",
        "Lebensphasen",
        "Strategiephasen",
        "Arbeitspapier Auftauen",
        "Koordinierungsstellen",
        "Politische Papiere und Rechtsgrundlagen",
    }
    assert required <= names
    assert sum(n.startswith("Handlungsempfehlungen/") for n in names) == 7
    assert sum(n.startswith("Koordinierungsstellen/") for n in names) == 16
    assert sum(n.startswith("Lebensphasen/") for n in names) == 6
    assert sum(n.startswith("Strategiephasen/") for n in names) == 3


def test_loading_twice_changes_nothing(empty_wiki, seed_dir):
    with acting_as(empty_wiki, None):
        first = load_seed_pages(seed_dir)
        assert sorted(first.created) == ["Handlungsempfehlungen/Ehrenamt", "Start"]
        second = load_seed_pages(seed_dir)
        assert second.created == [] and second.updated == []
        assert sorted(second.unchanged) == ["Handlungsempfehlungen/Ehrenamt", "Start"]
        assert revision_count(empty_wiki, "Start") == 1
        records = list(read_records(empty_wiki.storage))
        assert [r.fields for r in records] == [{"key": "ehrenamt"}]


def test_loading_the_repository_seeds_twice_changes_nothing(empty_wiki):
    """Every make run loads the seeds again: profiles were stored anew each time (tuples ≠ stored lists)."""
    with acting_as(empty_wiki, None):
        from moin_gaa.core.accounts import ensure_role_groups

        ensure_role_groups()
        load_seed_pages(SEED_DIR)
        second = load_seed_pages(SEED_DIR)
    assert second.created == [] and second.updated == []


def test_a_changed_seed_page_becomes_a_new_revision_and_updates_the_catalog(empty_wiki, seed_dir):
    with acting_as(empty_wiki, None):
        load_seed_pages(seed_dir)
        write_page(
            seed_dir,
            "Handlungsempfehlungen/Ehrenamt",
            "Ehrenamtsstrukturen fördern",
            {"summary": "Ehrenamt neu", "gaa_type": "handlungsempfehlung", "gaa_fields": {"key": "ehrenamt"}},
        )
        result = load_seed_pages(seed_dir)
        assert result.updated == ["Handlungsempfehlungen/Ehrenamt"]
        assert revision_count(empty_wiki, "Handlungsempfehlungen/Ehrenamt") == 2
        # the new revision is the current one, even when both were written within one second
        current = empty_wiki.storage.get_item(name_exact="Handlungsempfehlungen/Ehrenamt", namespace="")["current"]
        assert current.meta["rev_number"] == 2 and current.data.read() == "Ehrenamtsstrukturen fördern".encode()
        catalog = partnerwiki(empty_wiki).catalog
        assert [r.summary for r in catalog.search(lambda record: True, text="Ehrenamtsstrukturen")] == ["Ehrenamt neu"]


@pytest.mark.parametrize(
    "meta, reason",
    [
        ("{kaputt", "kein gültiges JSON"),
        (None, "die Metadatendatei fehlt"),
        ({"summary": ""}, "„summary“ fehlt oder ist leer"),
        ({"summary": "x", "acl": "All:read,write"}, "unbekannte Schlüssel ['acl']"),
        ({"summary": "x", "tags": "ein Text"}, "„tags“ muss eine Liste"),
        ({"summary": "x", "gaa_fields": {"a": 1}}, "braucht „gaa_type“"),
        ([1, 2], "JSON-Objekt"),
    ],
)
def test_a_broken_meta_file_stops_the_load_and_nothing_is_stored(empty_wiki, seed_dir, meta, reason):
    write_page(seed_dir, "Zwischendurch kaputt", "Text", meta)
    with acting_as(empty_wiki, None):
        with pytest.raises(SeedError) as e:
            load_seed_pages(seed_dir)
        assert "Zwischendurch kaputt" in e.value.path and reason in str(e.value)
        # the good pages before and after the broken one were not stored either
        assert revision_count(empty_wiki, "Start") == 0
        assert revision_count(empty_wiki, "Handlungsempfehlungen/Ehrenamt") == 0


@pytest.mark.parametrize(
    "fields, reason",
    [
        ({"lebensphasen": ["rente"]}, "„rente“ ist kein gültiger Wert für Lebensphasen"),
        ({"titel": "Anderer Titel"}, "passt nicht zum Seitennamen"),
        ({"status": "geloescht"}, "kein gültiger Status"),
    ],
)
def test_a_seed_tool_with_bad_fields_is_refused(empty_wiki, seed_dir, fields, reason):
    good = {
        "titel": "Prüfling",
        "kurzbeschreibung": "Kurz",
        "lebensphasen": ["kita"],
        "empfehlungen": ["beteiligung"],
        "art": "leitfaden",
        "status": "geprueft",
    }
    write_page(
        seed_dir, "Werkzeugkiste/Prüfling", "<<ToolCard>>", {"summary": "x", "gaa_type": "werkzeug", "gaa_fields": {**good, **fields}}
    )
    with acting_as(empty_wiki, None):
        with pytest.raises(SeedError) as e:
            load_seed_pages(seed_dir)
        assert e.value.path == "Werkzeugkiste/Prüfling.meta" and reason in str(e.value)
        assert revision_count(empty_wiki, "Start") == 0


def test_data_that_is_not_utf8_is_refused(empty_wiki, seed_dir):
    write_page(seed_dir, "Latin1", "", {"summary": "x"})
    with open(os.path.join(seed_dir, "Latin1.data"), "wb") as f:
        f.write("Gemüse".encode("latin-1"))
    with pytest.raises(SeedError, match="kein gültiges UTF-8"):
        read_seed_pages(seed_dir)


def test_an_orphaned_meta_file_is_refused(seed_dir):
    with open(os.path.join(seed_dir, "Waise.meta"), "w") as f:
        f.write('{"summary": "x"}')
    with pytest.raises(SeedError, match="fehlt die .data-Datei"):
        read_seed_pages(seed_dir)


@pytest.fixture(scope="module")
def seed_names():
    return [page.name for page in read_seed_pages(SEED_DIR)]


def test_every_seed_page_renders_without_macro_errors_or_dead_links(client, seed_names):
    from urllib.parse import quote

    from conftest import ADMIN, login

    login(client, ADMIN)  # administrators read the private group spaces too
    for name in seed_names:
        response = client.get("/" + quote(name))
        body = response.get_data(as_text=True)
        assert response.status_code == 200, name
        assert "error moin-nowiki" not in body, f"macro error on {name}"
        content = body.split('id="moin-content"', 1)[1]
        assert "moin-nonexistent" not in content, f"dead wiki link on {name}"
