"""A form never drops what it does not show (issue 11.3).

Each record gets what curators add outside our forms – a summary of their own, tags, metadata
keys and record fields the form does not know, wiki text around the form's part, an attachment,
the item's own ACL – through moin's Item API; then it is saved through its form over HTTP, as a
browser does (the page's fields sent back, one changed), and all of it must still be there.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from conftest import ADMIN, CSRF_RE, MODERATOR, REGISTERED, acting_as, login, page_token, save_page
from form_support import add_curation, form_on, stored, submit

from moin_gaa.calendars.event_input import EVENT_TEXT
from moin_gaa.calendars.events import EVENT_TYPE, event_from_input
from moin_gaa.core.app_state import partnerwiki
from moin_gaa.core.items import save_record
from moin_gaa.partners.municipalities import PROFILE_TYPE
from moin_gaa.partners.views import PROFILE_TEXT
from moin_gaa.toolbox.tools import TOOL_TYPE, Tool, page_text

SUMMARY = "Kuratiert: {} gilt als Vorreiterin der kommunalen Präventionskette."
TAGS = ["kuratiert", "vorreiter"]
CURATED_TEXT = "\n== Aus der Redaktion ==\n\nDieser Absatz steht nur im Wiki-Text, kein Formular zeigt ihn.\n"
CURATED_ACL = "Moderatoren:read,write,create,destroy,admin Kreis Redaktion:read,write All:read"
SEED = Path(__file__).resolve().parent.parent / "seed_pages" / "Kommunen" / "Stadt Dormagen.meta"


def curate(wiki, name: str, *, text: bool = True, acl: str | None = None) -> dict:
    """Add the curators' extras to ``name`` (and an attachment below it); the meta after that."""
    with acting_as(wiki, ADMIN):
        extras = dict(summary=SUMMARY.format(name), tags=TAGS, x_redaktion="bleibt",
                      gaa_fields={"kuratiert_von": "Redaktion", "quelle_intern": ["Akte 7", "Akte 9"]})
        if acl is not None:
            extras["acl"] = acl
        add_curation(name, extra_text=CURATED_TEXT if text else "", **extras)
        save_page(f"{name}/Anhang.txt", "Anhang, der bleibt.\n", contenttype="text/plain;charset=utf-8")
        return {"meta": stored(name)[0], "attachment": stored(f"{name}/Anhang.txt")[0]["revid"]}


def assert_kept(wiki, name: str, before: dict, *, text: bool = True) -> tuple[dict, str]:
    """The curators' extras are all still on ``name``, in a newer revision than ``before``."""
    with acting_as(wiki, ADMIN):
        meta, content = stored(name)
        attachment = stored(f"{name}/Anhang.txt")[0]["revid"]
    assert meta["revid"] != before["meta"]["revid"], "the form did not save"
    assert meta.get("summary") == SUMMARY.format(name)
    assert meta.get("tags") == TAGS
    assert meta.get("x_redaktion") == "bleibt"
    assert meta["gaa_fields"].get("kuratiert_von") == "Redaktion"
    assert meta["gaa_fields"].get("quelle_intern") == ["Akte 7", "Akte 9"]
    assert meta.get("acl") == before["meta"].get("acl")
    if text:
        assert CURATED_TEXT.strip() in content
    assert attachment == before["attachment"]
    return meta, content


def vocabulary_keys(wiki) -> dict[str, str]:
    with acting_as(wiki, ADMIN):
        vocabulary = partnerwiki().vocabulary
        return {name: vocabulary.terms(name)[0].key for name in ("life_phases", "recommendations", "material_kinds")}


def test_tool_form_and_moderation_keep_what_they_do_not_show(wiki, client):
    keys = vocabulary_keys(wiki)
    tool = Tool("Rundreise Werkzeug", "Kurz beschrieben", (keys["life_phases"],), (keys["recommendations"],),
                keys["material_kinds"], status="vorgeschlagen", vorgeschlagen_von=REGISTERED.name)
    name = tool.item_name
    with acting_as(wiki, ADMIN):
        save_record(name, page_text("Der ausführliche Text."), record_type=TOOL_TYPE, fields=tool.fields(),
                    summary=tool.kurzbeschreibung, comment="")
    before = curate(wiki, name, acl=CURATED_ACL)

    login(client, MODERATOR)
    action, fields = form_on(client, "/+gaa/werkzeug/bearbeiten/Rundreise Werkzeug")
    response = submit(client, action, fields, quelle="Über das Formular geändert")
    assert response.status_code == 302, response.get_data(as_text=True)
    meta, _text = assert_kept(wiki, name, before)
    assert meta["gaa_fields"]["quelle"] == "Über das Formular geändert"

    before["meta"] = meta
    response = client.post(f"/+gaa/werkzeug/status/{tool.titel}", data={
        "aktion": "veroeffentlichen", "revid": meta["revid"], "csrf_token": page_token(client)})
    assert response.status_code == 302
    meta, _text = assert_kept(wiki, name, before)
    assert meta["gaa_fields"]["status"] == "geprueft"


def test_tool_form_follows_a_summary_it_wrote_itself(wiki, client):
    """Without a curated summary, the summary still follows the short description (it is the form's own)."""
    keys = vocabulary_keys(wiki)
    tool = Tool("Rundreise Werkzeug ohne Kuratierung", "Erste Fassung", (keys["life_phases"],),
                (keys["recommendations"],), keys["material_kinds"])
    with acting_as(wiki, ADMIN):
        save_record(tool.item_name, page_text("Text."), record_type=TOOL_TYPE, fields=tool.fields(),
                    summary=tool.kurzbeschreibung, comment="")
    login(client, MODERATOR)
    action, fields = form_on(client, f"/+gaa/werkzeug/bearbeiten/{tool.titel}")
    assert submit(client, action, fields, kurzbeschreibung="Zweite Fassung").status_code == 302
    with acting_as(wiki, ADMIN):
        assert stored(tool.item_name)[0]["summary"] == "Zweite Fassung"


def dormagen_copy(wiki, title: str, *, acl: str) -> str:
    """A profile with the seeded Dormagen's fields and its curated summary, under another name."""
    seed = json.loads(SEED.read_text(encoding="utf-8"))
    fields = {**seed["gaa_fields"], "name": title, "redakteure": []}
    name = "Kommunen/" + title
    with acting_as(wiki, ADMIN):
        save_record(name, PROFILE_TEXT, record_type=PROFILE_TYPE, fields=fields, summary=seed["summary"], comment="",
                    acl=acl)
    return name


def test_profile_form_keeps_the_curated_summary_text_and_acl(wiki, client):
    name = dormagen_copy(wiki, "Rundreise Kommune", acl=CURATED_ACL)
    before = curate(wiki, name)

    login(client, MODERATOR)
    action, fields = form_on(client, "/+gaa/kommune/bearbeiten/Rundreise Kommune")
    response = submit(client, action, fields, einwohner="64100")
    assert response.status_code == 302, response.get_data(as_text=True)
    meta, _text = assert_kept(wiki, name, before)
    assert meta["gaa_fields"]["einwohner"] == 64100

    # naming an editor changes the editors' part of the ACL, and only that
    before["meta"] = meta
    action, fields = form_on(client, "/+gaa/kommune/bearbeiten/Rundreise Kommune")
    assert submit(client, action, fields, redakteure=REGISTERED.name).status_code == 302
    with acting_as(wiki, ADMIN):
        meta = stored(name)[0]
    assert meta["gaa_fields"]["redakteure"] == [REGISTERED.name]
    assert "Kreis Redaktion:read,write" in meta["acl"] and f"{REGISTERED.name}:read,write" in meta["acl"]
    assert meta["acl"].startswith("Moderatoren:read,write,create,destroy,admin") and meta["acl"].endswith("All:read")
    assert meta["summary"] == SUMMARY.format(name)

    # the editor saves (without the right to change the ACL): nothing of the above is lost
    login(client, REGISTERED)
    action, fields = form_on(client, "/+gaa/kommune/bearbeiten/Rundreise Kommune")
    assert submit(client, action, fields, website="https://www.example.org/rundreise").status_code == 302
    with acting_as(wiki, ADMIN):
        after = stored(name)[0]
    assert after["acl"] == meta["acl"] and after["summary"] == meta["summary"] and after["tags"] == TAGS
    assert after["gaa_fields"]["website"] == "https://www.example.org/rundreise"


def test_the_seeded_dormagen_summary_survives_a_form_save(wiki, client):
    """The reported case: the curated „Dormagen gilt mit NeFF …“ became „Profil der Partnerkommune …“."""
    seed = json.loads(SEED.read_text(encoding="utf-8"))
    name = dormagen_copy(wiki, "Rundreise Dormagen", acl="Moderatoren:read,write,create,destroy,admin All:read")
    login(client, MODERATOR)
    action, fields = form_on(client, "/+gaa/kommune/bearbeiten/Rundreise Dormagen")
    assert submit(client, action, fields, strategie="Neu gefasst.").status_code == 302
    with acting_as(wiki, ADMIN):
        meta = stored(name)[0]
    assert meta["summary"] == seed["summary"] and meta["gaa_fields"]["strategie"] == "Neu gefasst."


def test_event_form_keeps_what_it_does_not_show(wiki, client):
    day = date.today() + timedelta(days=40)
    event = event_from_input({"titel": "Rundreise Termin", "startdatum": day.isoformat(), "startzeit": "10:00",
                              "endzeit": "12:00", "ort": "Rathaus"})
    name = f"Termine/{day.isoformat()} Rundreise Termin"
    with acting_as(wiki, ADMIN):
        save_record(name, EVENT_TEXT, record_type=EVENT_TYPE, fields=event.fields(), summary=event.titel, comment="")
    before = curate(wiki, name, acl="Moderatoren:read,write,create,destroy,admin Known:read,write All:read")
    with acting_as(wiki, ADMIN):  # an imported event's foreign UID: a later import must still find it
        add_curation(name, gaa_fields={"uid": "rundreise@example.org"})
        before["meta"] = stored(name)[0]

    login(client, MODERATOR)
    action, fields = form_on(client, f"/+gaa/termin/bearbeiten/{name}")
    response = submit(client, action, fields, ort="Stadthalle")
    assert response.status_code == 302, response.get_data(as_text=True)
    meta, _text = assert_kept(wiki, name, before)
    assert meta["gaa_fields"]["ort"] == "Stadthalle" and meta["gaa_fields"]["uid"] == "rundreise@example.org"


def test_group_requests_and_members_keep_the_group_page(wiki, client):
    login(client, MODERATOR)
    response = client.post("/+gaa/gruppe/neu", data={
        "name": "Rundreise Gruppe", "beschreibung": "Eine Gruppe für die Rundreise.", "sichtbarkeit": "offen",
        "beitritt": "anfrage", "moderatoren": MODERATOR.name, "csrf_token": page_token(client)})
    assert response.status_code == 302
    name = "Gruppen/Rundreise Gruppe"
    before = curate(wiki, name)

    login(client, REGISTERED)
    response = client.post("/+gaa/gruppe/Rundreise Gruppe/beitreten", data={"csrf_token": page_token(client)})
    assert response.status_code == 302
    meta, _text = assert_kept(wiki, name, before)
    assert meta["gaa_fields"]["anfragen"] == [REGISTERED.name]

    before["meta"] = meta
    login(client, MODERATOR)
    response = client.post("/+gaa/gruppe/Rundreise Gruppe/mitglieder", data={
        "aktion": "aufnehmen", "benutzer": REGISTERED.name, "csrf_token": page_token(client)})
    assert response.status_code == 302
    meta, _text = assert_kept(wiki, name, before)
    assert meta["gaa_fields"]["anfragen"] == []


def open_online_discussion(client, title: str) -> None:
    login(client, MODERATOR)
    today = date.today()
    response = client.post("/+gaa/online-diskussion/neu", data={
        "titel": title, "einleitung": "Worum es geht.", "beginn": today.strftime("%d.%m.%Y"),
        "ende": (today + timedelta(days=7)).strftime("%d.%m.%Y"), "csrf_token": page_token(client)})
    assert response.status_code == 302, response.get_data(as_text=True)


def test_online_discussion_threads_and_moderation_keep_what_they_do_not_show(wiki, client):
    open_online_discussion(client, "Rundreise Online")
    area = "Online-Diskussionen/Rundreise Online"
    login(client, REGISTERED)
    response = client.post(f"/+gaa/diskussion/thema/{area}", data={
        "titel": "Rundreise Thema", "text": "Der erste Beitrag.", "csrf_token": page_token(client)})
    assert response.status_code == 302
    thread = f"{area}/Rundreise Thema"
    area_before = curate(wiki, area)
    thread_before = curate(wiki, thread)

    response = client.post(f"/+gaa/diskussion/antwort/{thread}",
                           data={"text": "Eine Antwort.", "csrf_token": page_token(client)})
    assert response.status_code == 302
    login(client, MODERATOR)
    for action in ("sperren", "entsperren"):
        response = client.post(f"/+gaa/diskussion/moderation/{thread}",
                               data={"aktion": action, "csrf_token": page_token(client)})
        assert response.status_code == 302
        meta, _text = assert_kept(wiki, thread, thread_before)
        assert meta["gaa_fields"]["gesperrt"] is (action == "sperren")
        thread_before["meta"] = meta
    with acting_as(wiki, ADMIN):
        assert stored(area)[0]["revid"] == area_before["meta"]["revid"]  # nothing wrote the area itself


def test_a_new_online_discussion_keeps_pages_that_are_already_there(wiki, client):
    area = "Online-Diskussionen/Rundreise Vorbereitet"
    results = "= Ergebnissicherung =\n\nSchon vorbereitet von der Redaktion.\n"
    with acting_as(wiki, ADMIN):
        save_page(f"{area}/Ergebnissicherung", results)
        prepared = stored(f"{area}/Ergebnissicherung")[0]["revid"]
    open_online_discussion(client, "Rundreise Vorbereitet")
    with acting_as(wiki, ADMIN):
        meta, text = stored(f"{area}/Ergebnissicherung")
        assert meta["revid"] == prepared and text == results
        assert stored(area)[0]["gaa_type"] == "onlinediskussion"
        assert stored(f"{area}/Auswertung")[0]["revid"]


def test_post_edit_keeps_what_it_does_not_show(wiki, client):
    open_online_discussion(client, "Rundreise Beiträge")
    area = "Online-Diskussionen/Rundreise Beiträge"
    login(client, REGISTERED)
    client.post(f"/+gaa/diskussion/thema/{area}", data={"titel": "Beitragsthema", "text": "Start.",
                                                         "csrf_token": page_token(client)})
    thread = f"{area}/Beitragsthema"
    response = client.post(f"/+gaa/diskussion/antwort/{thread}",
                           data={"text": "Meine Antwort.", "csrf_token": page_token(client)})
    post_id = response.headers["Location"].rsplit("#", 1)[1]
    name = f"{thread}/{post_id}"
    # the post's item content is the post itself (the form shows and edits it): no extra wiki text here
    before = curate(wiki, name, text=False)

    action, fields = form_on(client, f"/+gaa/diskussion/bearbeiten/{name}")
    assert fields["text"] == ["Meine Antwort."]
    response = submit(client, action, fields, text="Meine korrigierte Antwort.")
    assert response.status_code == 302, response.get_data(as_text=True)
    meta, content = assert_kept(wiki, name, before, text=False)
    assert content == "Meine korrigierte Antwort." and "korrigierte" in meta["gaa_fields"]["html"]


@pytest.mark.parametrize("path", ["/+gaa/werkzeug/neu", "/+gaa/termin/neu"])
def test_form_support_reads_the_token_like_a_browser(wiki, client, path):
    """The helper sends what the page shows – the session's CSRF token included."""
    login(client, REGISTERED)
    _action, fields = form_on(client, path)
    assert fields["csrf_token"] == [CSRF_RE.search(client.get(path).get_data(as_text=True)).group(1)]


def test_a_form_save_keeps_the_earlier_revisions(wiki, client):
    """moin's store writes new content under a ``dataid`` it is given: copied from the stored revision, a save
    replaced the previous revision's text, and the history showed the new text for both."""
    keys = vocabulary_keys(wiki)
    tool = Tool("Rundreise Werkzeug Historie", "Kurz", (keys["life_phases"],), (keys["recommendations"],),
                keys["material_kinds"])
    with acting_as(wiki, ADMIN):
        save_record(tool.item_name, page_text("Erste Fassung."), record_type=TOOL_TYPE, fields=tool.fields(),
                    summary=tool.kurzbeschreibung, comment="")
        first = stored(tool.item_name)[0]
    login(client, MODERATOR)
    action, fields = form_on(client, f"/+gaa/werkzeug/bearbeiten/{tool.titel}")
    assert submit(client, action, fields, langtext="Zweite Fassung.").status_code == 302
    with acting_as(wiki, ADMIN):
        from moin.items import Item

        item = Item.create(tool.item_name)
        old = item.rev.item.get_revision(first["revid"])
        assert old.data.read().decode("utf-8") == page_text("Erste Fassung.")
        assert "Zweite Fassung." in item.rev.data.read().decode("utf-8")
        assert item.meta["dataid"] != first["dataid"]
