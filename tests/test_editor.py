"""Editing free pages in moin's editor, in German (issue 14, point 8), through HTTP as each role uses it.

The editor offers what the person may use: the text, a comment, summary and tags; „Speichern“, „Vorschau“
and „Abbrechen“; a link to the help page on the markup. The ACL field only for those with moin's ``admin``
right on the item – and nobody else's POST changes the ACL; the name travels as a hidden field (renaming is
„Umbenennen“). The history is German: date, author, comment, „Vergleichen“ and „Anzeigen“; item ids and
technical columns only for administrators.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import quote

import pytest
from conftest import ADMIN, MODERATOR, REGISTERED, acting_as, body, login, logout, page_token, save_page

FREE = "Editortest Ergebnissicherung"
HELP = "Hilfe/Wiki-Textformat"
ADDRESS = "192.0.2.81"  # an editor's address (TEST-NET-1)



class FormFields(HTMLParser):
    """The fields of the editor form as a browser would send them (without the submit buttons)."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, str] = {}
        self.types: dict[str, str] = {}
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "input" and attrs.get("name") and attrs.get("type") not in ("submit", "button", "file"):
            self.fields[attrs["name"]] = attrs.get("value") or ""
            self.types[attrs["name"]] = attrs.get("type") or "text"
        elif tag == "textarea" and attrs.get("name"):
            self._textarea = attrs["name"]
            self.fields[self._textarea] = ""
            self.types[self._textarea] = "textarea"

    def handle_data(self, data):
        if self._textarea:
            self.fields[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea = None


def editor_form(page: str) -> FormFields:
    form = re.search(r'<div id="moin-modify".*?</form>', page, re.S)
    assert form, "no editor form"
    parser = FormFields()
    parser.feed(form.group(0))
    return parser


def stored(wiki, name: str) -> tuple[str, str | None]:
    with acting_as(wiki, ADMIN):
        from moin.items import Item

        item = Item.create(name)
        return item.content.data.decode("utf-8").replace("\r\n", "\n"), item.meta.get("acl")


@pytest.fixture
def open_editor(client):
    """Open moin's editor on a page as a person; afterwards leave it with „Abbrechen“ (moin's edit lock)."""
    opened = []

    def open_as(person, name: str) -> str:
        logout(client)
        login(client, person)
        response = client.get("/+modify/" + quote(name))
        assert response.status_code == 200, response.status_code
        opened.append(name)
        return body(response)

    yield open_as
    for name in opened:
        response = client.post("/+modify/" + quote(name), data={"cancel": "1", "content_form_data_text": "",
                                                                  "csrf_token": page_token(client)})
        assert response.status_code == 302 and response.headers["Location"].endswith("/" + quote(name))


@pytest.fixture(scope="module")
def free_page(wiki):
    with acting_as(wiki, REGISTERED):
        save_page(FREE, "= Ergebnisse =\nErste Fassung.\n")
    return FREE


def submit_editor(client, page: str, name: str, **changes: str):
    """Send the editor form as the page shows it, with the fields a person changed."""
    fields = editor_form(page).fields
    fields.update(changes)
    return client.post("/+modify/" + quote(name), data=fields)


# --- the editor -----------------------------------------------------------------------------------------------


def test_practitioners_get_a_german_editor_without_acl_and_name_fields(open_editor, free_page):
    page = open_editor(REGISTERED, free_page)
    form = editor_form(page)
    assert form.types["meta_form_acl"] == "hidden" and form.types["meta_form_name"] == "hidden"
    assert form.fields["meta_form_name"] == free_page
    assert form.types["content_form_data_text"] == "textarea" and "Erste Fassung." in form.fields[
        "content_form_data_text"]
    for label in (">Speichern</button>", ">Vorschau</button>", ">Abbrechen</button>", "Text der Seite", "Kommentar"):
        assert label in page, label
    assert 'value="OK"' not in page and "Wiki Administrator" not in page and "help-en" not in page
    assert "Zugriffsrechte" not in page and ">Namen<" not in page
    assert f'href="/{quote(HELP)}"' in page  # the markup help instead of moin's missing help items


def test_those_with_moins_admin_right_see_the_acl_field_in_german(open_editor, free_page):
    page = open_editor(MODERATOR, free_page)  # Moderatoren have ``admin`` in the default ACL
    form = editor_form(page)
    assert form.types["meta_form_acl"] == "text" and form.fields["meta_form_acl"] == "None"
    assert "Zugriffsrechte" in page and form.types["meta_form_name"] == "hidden"


def test_saving_the_form_as_shown_keeps_the_name(client, wiki, open_editor, free_page):
    page = open_editor(REGISTERED, free_page)
    response = submit_editor(client, page, free_page, content_form_data_text="= Ergebnisse =\nZweite Fassung.\n",
                             comment="Ergebnis ergänzt")
    assert response.status_code == 302, body(response)[:800]
    assert stored(wiki, free_page) == ("= Ergebnisse =\nZweite Fassung.\n", None)


def test_a_practitioners_post_cannot_change_the_acl(client, wiki, open_editor, free_page):
    page = open_editor(REGISTERED, free_page)
    before = stored(wiki, free_page)
    response = submit_editor(client, page, free_page, content_form_data_text="Übernommen?\n",
                             meta_form_acl="Known:read All:")
    assert response.status_code == 403
    assert "Zugriffsrechte" in body(response)
    assert stored(wiki, free_page) == before


def test_preview_shows_the_rendered_text_and_saves_nothing(client, wiki, open_editor, free_page):
    page = open_editor(REGISTERED, free_page)
    before = stored(wiki, free_page)
    response = submit_editor(client, page, free_page, content_form_data_text="= Ergebnisse =\n * Vorschaupunkt eins\n",
                             preview="1")
    preview = body(response)
    assert response.status_code == 200
    assert re.search(r"<h2[^>]*>Vorschau</h2>", preview), "no preview heading"
    shown = preview[preview.index(">Vorschau</h2>"):]
    assert re.search(r"<li[^>]*>\s*Vorschaupunkt eins", shown), shown[:1500]
    assert "Vorschaupunkt eins" in editor_form(preview).fields["content_form_data_text"]  # still in the editor
    assert "Line" not in shown and "Deletions are marked" not in shown
    assert stored(wiki, free_page) == before


def test_new_free_page_from_scratch_keeps_its_name(client, wiki):
    name = "Editortest Neue Gruppendokumentation"
    logout(client)
    login(client, REGISTERED)
    wiki_text = quote("text/x.moin.wiki;charset=utf-8", safe="")
    page = body(client.get(f"/+modify/{quote(name)}?contenttype={wiki_text}&itemtype=default&template="))
    fields = editor_form(page).fields
    assert fields["meta_form_name"] == name
    fields["content_form_data_text"] = "Protokoll des ersten Treffens.\n"
    response = client.post(f"/+modify/{quote(name)}?contenttype={wiki_text}&itemtype=default&template=",
                           data=fields)
    assert response.status_code == 302, body(response)[:800]
    assert stored(wiki, name)[0] == "Protokoll des ersten Treffens.\n"


# --- the help page --------------------------------------------------------------------------------------------


def test_the_markup_help_page_renders_its_examples(client):
    logout(client)
    response = client.get("/" + quote(HELP))
    page = body(response)
    assert response.status_code == 200
    content = page[page.index('id="moin-content"'):]
    for part in ("Überschriften", "Listen", "Links", "Tabellen", "Bilder"):
        assert re.search(rf"<h2[^>]*>[^<]*{part}", content), part
    assert "<table" in content and "<ul" in content and "<ol" in content
    assert "<pre" in content and "== Vereinbarungen ==" in content  # examples shown as they are typed
    assert 'class="error"' not in content and "moin-error" not in content


# --- the history ----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def history_page(wiki):
    name = "Editortest Historie"
    with acting_as(wiki, REGISTERED):
        from flask import request

        request.remote_addr = ADDRESS
        save_page(name, "Erste Fassung.\n")
        save_page(name, "Zweite Fassung.\n")
    with acting_as(wiki, ADMIN):
        from moin.items import Item

        itemid = Item.create(name).meta["itemid"]
    return name, itemid


@pytest.mark.parametrize("person", [None, REGISTERED, MODERATOR])
def test_history_is_german_without_item_ids(client, history_page, person):
    name, itemid = history_page
    logout(client)
    if person is not None:
        login(client, person)
    page = body(client.get("/+history/" + quote(name)))
    content = page[page.index('id="moin-content"'):page.index('<footer id="moin-footer"')]
    assert itemid not in page and "@itemid" not in page and "Item-ID" not in page
    assert ADDRESS not in page
    for english in ("Rev.", "Content-Type", "Diff", "~(Old Name)", "Name oder ID", "Größe", "Author"):
        assert english not in content, english
    for heading in ("Fassung", "Datum", "Autor", "Kommentar", "Anzeigen"):
        assert heading in content, heading
    assert 'value="Vergleichen"' in content
    assert len(re.findall(r"\d{2}\.\d{2}\.\d{4}, \d{2}:\d{2}", content)) == 2
    assert content.count("Rita Registriert") >= 2


def test_administrators_see_item_ids_and_addresses_in_the_history(client, history_page):
    name, itemid = history_page
    logout(client)
    login(client, ADMIN)
    page = body(client.get("/+history/" + quote(name)))
    assert itemid in page and ADDRESS in page
    content = page[page.index('id="moin-content"'):page.index('<footer id="moin-footer"')]
    for column in ("Größe", "Inhaltstyp", "Name oder Item-ID"):
        assert f'<th scope="col">{column}</th>' in content, column
    assert ">Metadaten<" in content and 'aria-label="Fassung 1 als ältere"' in content  # one table, labelled radios


def test_compare_in_the_history_leads_to_the_diff(client, history_page):
    name, _itemid = history_page
    logout(client)
    page = body(client.get("/+history/" + quote(name)))
    radios = re.findall(r'<input type="radio" name="(rev[12])" value="([0-9a-f]+)"([^>]*)>', page)
    assert len(radios) == 4
    checked = {name: revid for name, revid, rest in radios if "checked" in rest}
    assert set(checked) == {"rev1", "rev2"} and checked["rev1"] != checked["rev2"]
    response = client.get("/+diff/" + quote(name), query_string=checked)
    assert response.status_code == 200 and "Zweite Fassung." in body(response)
