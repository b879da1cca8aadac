"""The catalog: kept in step by moin's signal, rebuildable, checkable, and filtered by read rights."""

import json
import os
import shutil

import pytest
from conftest import ADMIN, MODERATOR, REGISTERED, acting_as, create_people, login, save_page
from flask import g as flaskg

from moin_gaa.core.access import ReadRights
from moin_gaa.core.app_state import partnerwiki
from moin_gaa.core.catalog import check
from moin_gaa.core.storage import read_records


def names(records):
    return {r.name for r in records}


def search(app, **kw):
    return names(partnerwiki(app).catalog.search(ReadRights(), **kw))


def test_record_saved_through_moin_appears_in_the_catalog(wiki):
    with acting_as(wiki, REGISTERED):
        save_page(
            "Katalogtest/Elternfrühstück",
            "Ein Elternfrühstück in der Kita stärkt die Gesundheitsförderung.",
            gaa_type="werkzeug",
            gaa_fields={"titel": "Elternfrühstück", "lebensphasen": ["kita"]},
        )
        assert "Katalogtest/Elternfrühstück" in search(wiki, record_type="werkzeug", facets={"lebensphasen": "kita"})
        # German stemming: the plural finds the singular
        assert "Katalogtest/Elternfrühstück" in search(wiki, text="Elternfrühstücke")


def test_a_page_that_stops_being_a_record_leaves_the_catalog(wiki):
    with acting_as(wiki, REGISTERED):
        save_page("Katalogtest/Wechsel", "x", gaa_type="werkzeug", gaa_fields={})
        assert "Katalogtest/Wechsel" in search(wiki, record_type="werkzeug")
        save_page("Katalogtest/Wechsel", "jetzt eine normale Seite")
        assert "Katalogtest/Wechsel" not in search(wiki, record_type="werkzeug")


@pytest.mark.parametrize("many_keys", [False, True], ids=["few ACL keys", "many ACL keys"])
def test_private_group_records_never_show_to_outsiders(wiki, client, monkeypatch, many_keys):
    """A record below a private group space is invisible to anonymous and registered users.

    Both ways of grouping matches by ACL key are exercised (set operations; the sortable column).
    """
    if many_keys:
        monkeypatch.setattr("moin_gaa.core.catalog.MANY_ACL_KEYS", 0)
    group_acl = "Gruppen/Geheimrunde/Mitglieder:read,write,create Moderatoren:read,write,create,admin All:"
    with acting_as(wiki, ADMIN):
        save_page("Gruppen/Geheimrunde/Mitglieder", "Mitglieder", usergroup=[MODERATOR.name])
        save_page("Gruppen/Geheimrunde", "Private Gruppe", acl=group_acl)
        # no ACL of its own: protected by its parent (hierarchic ACLs)
        save_page(
            "Gruppen/Geheimrunde/Protokoll",
            "Vertrauliches Protokoll über Kinderschutzfälle",
            gaa_type="dokument",
            gaa_fields={"art": "Protokoll"},
        )
    for person in (None, REGISTERED):
        with acting_as(wiki, person):
            assert "Gruppen/Geheimrunde/Protokoll" not in search(wiki, record_type="dokument")
            assert "Gruppen/Geheimrunde/Protokoll" not in search(wiki, text="Kinderschutzfälle")
            assert not flaskg.storage.may("Gruppen/Geheimrunde/Protokoll", "read")
    with acting_as(wiki, MODERATOR):
        assert "Gruppen/Geheimrunde/Protokoll" in search(wiki, text="Kinderschutzfälle")

    # the JSON surface, anonymous and logged in
    for anonymous in (True, False):
        if not anonymous:
            login(client, REGISTERED)
        body = client.get("/+gaa/records.json?q=Kinderschutzf%C3%A4lle").get_data(as_text=True)
        assert "Geheimrunde" not in body and "Vertrauliches" not in body
    login(client, MODERATOR)
    hits = json.loads(client.get("/+gaa/records.json?q=Kinderschutzf%C3%A4lle").get_data(as_text=True))
    assert [h["name"] for h in hits] == ["Gruppen/Geheimrunde/Protokoll"]


def test_tightening_a_parent_acl_hides_existing_children_at_once(wiki):
    with acting_as(wiki, ADMIN):
        save_page("Gruppen/Bald privat", "offen")
        save_page("Gruppen/Bald privat/Notiz", "Notiz", gaa_type="dokument", gaa_fields={"art": "Notiz"})
    with acting_as(wiki, REGISTERED):
        assert "Gruppen/Bald privat/Notiz" in search(wiki, record_type="dokument")
    with acting_as(wiki, ADMIN):
        save_page("Gruppen/Bald privat", "jetzt privat", acl="Moderatoren:read,write All:")
    with acting_as(wiki, REGISTERED):
        assert "Gruppen/Bald privat/Notiz" not in search(wiki, record_type="dokument")


def test_check_finds_writes_that_bypassed_the_signal_and_rebuild_repairs(empty_wiki):
    from io import BytesIO

    app = empty_wiki
    with acting_as(app, None):
        catalog = partnerwiki(app).catalog
        # a raw moin storage write, as moin's CLI does it: no item_modified signal
        item = app.storage.get_item(name_exact="Ohne Signal", namespace="")
        meta = {
            "name": ["Ohne Signal"],
            "namespace": "",
            "contenttype": "text/x.moin.wiki;charset=utf-8",
            "itemtype": "default",
            "gaa_type": "werkzeug",
            "gaa_fields": {"titel": "Ohne Signal"},
        }
        item.store_revision(meta, BytesIO(b"Text"), return_rev=True)
        report = check(catalog, read_records(app.storage))
        assert len(report.missing) == 1 and not report.ok
        assert catalog.replace_all(read_records(app.storage)) == 1
        assert check(catalog, read_records(app.storage)).ok


def test_a_broken_catalog_never_loses_a_users_save(empty_wiki, caplog):
    app = empty_wiki
    create_people(app)
    catalog = partnerwiki(app).catalog
    catalog.close()
    shutil.rmtree(catalog.path)
    with open(catalog.path, "w") as f:  # a file where the index directory should be
        f.write("kaputt")
    with acting_as(app, REGISTERED):
        save_page("Trotzdem gespeichert", "Inhalt", gaa_type="werkzeug", gaa_fields={})
        item = app.storage.get_item(name_exact="Trotzdem gespeichert", namespace="")
        assert item and item["current"].meta["gaa_type"] == "werkzeug"
    assert "PartnerWiki catalog: update for Trotzdem gespeichert" in caplog.text
    os.remove(catalog.path)


def test_records_json_hides_contact_data_of_profiles_from_anonymous_readers(wiki, client):
    from datetime import date

    from moin_gaa.core.vocabulary import Vocabulary
    from moin_gaa.partners.municipalities import profile_from_input

    profile = profile_from_input(
        {
            "name": "Musterstadt",
            "art": "kreisfreie-stadt",
            "land": "he",
            "partner_seit": "2015-03-01",
            "strategiephase": "auftauen",
            "kontakte": [{"name": "Karl Kontakt", "email": "karl@example.org", "sichtbarkeit": {"name": "oeffentlich"}}],
        },
        Vocabulary(),
        today=date(2026, 1, 1),
    )
    with acting_as(wiki, ADMIN):
        save_page(profile.item_name, "Profil", gaa_type="kommune", gaa_fields=profile.fields())
    anonymous = client.get("/+gaa/records.json?typ=kommune").get_data(as_text=True)
    assert "Karl Kontakt" in anonymous and "karl@example.org" not in anonymous
    login(client, REGISTERED)
    assert "karl@example.org" in client.get("/+gaa/records.json?typ=kommune").get_data(as_text=True)
