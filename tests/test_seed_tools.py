"""Issue 14, point 9: every seeded Werkzeug leads somewhere – a public source, a file, or it says it is an example.

A tool with neither link nor file carries ``beispiel: true`` in its ``gaa_fields``; its page then shows the
„Hinweis“ that it is an example written for the PartnerWiki, and the tool lists mark it.  The marker is kept
through moderation and the tool form like a workflow field, and gives way once the tool has a link or a file.
"""

import re
from urllib.parse import quote

import pytest
from conftest import ADMIN, CSRF_RE, acting_as, login, page_token, save_page

from moin_gaa.cli import SEED_DIR
from moin_gaa.core.vocabulary import Vocabulary
from moin_gaa.seeding import read_seed_pages
from moin_gaa.toolbox.tools import check_link, page_text, tool_from_fields, tool_from_input

NOTE = "Dieses Werkzeug ist ein Beispiel für das PartnerWiki und in dieser Form nicht veröffentlicht"
LIST_MARK = "Beispiel im PartnerWiki"
# Every address a seeded tool links to, and why it can be trusted without fetching it here (no network):
CHECKED_LINKS = {
    # the Kooperationsverbund's site, named in every seed document
    "https://www.gesundheitliche-chancengleichheit.de/",
    # its Good Practice section (the 12 criteria) and the Partnerprozess background page (the
    # Handlungsempfehlungen as its basis): both pages are in the stored public web pages
    "https://www.gesundheitliche-chancengleichheit.de/good-practice/",
    "https://gesundheitliche-chancengleichheit.de/partnerprozess/hintergrund",
    # the NZFH's own site (the NZFH names www.fruehehilfen.de as its address)
    "https://www.fruehehilfen.de/",
    # inforo's address since it left www.inforo-online.de (the portal's own pages are stored there)
    "https://www.inforo.online/",
}
LISTING = "/Matrix?q=Beispielwal&lebensphase=kita&empfehlung=beteiligung"
CARD = re.compile(r'<section[^>]* class="gaa-card".*?</section>', re.S)


def seeded_tools():
    return [page for page in read_seed_pages(SEED_DIR) if page.meta.get("gaa_type") == "werkzeug"]


def text(response):
    return response.get_data(as_text=True)


def card(client, name):
    response = client.get("/" + quote(name))
    assert response.status_code == 200, name
    return CARD.search(text(response)).group(0)


def test_every_seeded_tool_has_a_checked_link_a_file_or_says_it_is_an_example():
    tools = seeded_tools()
    assert len(tools) >= 40
    for page in tools:
        fields = page.meta["gaa_fields"]
        link, datei, example = fields.get("link", ""), fields.get("datei", ""), fields.get("beispiel", False)
        assert example in (True, False), page.name
        assert bool(link or datei) != example, f"{page.name}: a source (link or file) or the example marker"
        if link:
            assert check_link(link) is None and link in CHECKED_LINKS, f"{page.name}: {link} is not a checked address"
        if example:
            assert "Beispiel für das PartnerWiki" in page.text, f"{page.name}: the text must say it is an example"
            assert "== Herkunft ==" in page.text, page.name


def test_the_tools_named_in_the_issue_lead_to_their_source():
    fields = {page.name: page.meta["gaa_fields"] for page in seeded_tools()}
    assert fields["Werkzeugkiste/Good-Practice-Kriterien des Kooperationsverbundes"]["link"].endswith("/good-practice/")
    handlungsempfehlungen = next(name for name in fields if name.startswith("Werkzeugkiste/Handlungsempfehlungen"))
    assert fields[handlungsempfehlungen]["link"].endswith("/partnerprozess/hintergrund")
    assert fields["Werkzeugkiste/Leitfaden Sozialraumanalyse"]["beispiel"] is True


@pytest.mark.parametrize("page", seeded_tools(), ids=lambda page: page.name.split("/", 1)[1])
def test_each_seeded_tool_page_shows_its_link_or_the_example_note(client, page):
    fields = page.meta["gaa_fields"]
    shown = card(client, page.name)
    if fields.get("link"):
        assert f'href="{fields["link"]}"' in shown
        assert NOTE not in shown
    else:
        assert "<dt>Hinweis</dt>" in shown and NOTE in shown
        assert "<dt>Link</dt>" not in shown and "<dt>Datei</dt>" not in shown


def test_a_form_cannot_set_the_example_marker():
    vocabulary = Vocabulary()
    data = {"titel": "Scheinbeispiel", "kurzbeschreibung": "Kurz.", "lebensphasen": ["kita"],
            "empfehlungen": ["beteiligung"], "art": "leitfaden", "beispiel": True}
    assert tool_from_input(data, vocabulary).beispiel is False
    stored = tool_from_fields({**data, "status": "geprueft"}, vocabulary)
    assert stored.beispiel is True
    assert tool_from_input({**data, "beispiel": False}, vocabulary, base=stored).beispiel is True
    assert stored.fields()["beispiel"] is True


def put_example(wiki, titel, word):
    with acting_as(wiki, ADMIN):
        save_page(
            "Werkzeugkiste/" + titel,
            page_text(f"== Herkunft ==\n\nBeispiel für das PartnerWiki: {word}."),
            gaa_type="werkzeug",
            gaa_fields={"titel": titel, "kurzbeschreibung": f"Kurz: {word}", "lebensphasen": ["kita"],
                        "empfehlungen": ["beteiligung"], "art": "leitfaden", "status": "vorgeschlagen",
                        "beispiel": True},
        )


def test_the_example_note_stays_through_moderation_and_editing_and_gives_way_to_a_link(client, wiki):
    put_example(wiki, "Beispielwal Leitfaden", "Beispielwal")
    name = "Werkzeugkiste/Beispielwal Leitfaden"
    login(client, ADMIN)
    published = client.post("/+gaa/werkzeug/status/Beispielwal Leitfaden",
                            data={"aktion": "hervorheben", "csrf_token": page_token(client)})
    assert published.status_code == 302
    assert NOTE in card(client, name) and "hervorgehoben" in card(client, name)
    assert LIST_MARK in text(client.get(LISTING))

    form = text(client.get("/+gaa/werkzeug/bearbeiten/Beispielwal Leitfaden"))
    values = {"kurzbeschreibung": "Kurz: Beispielwal, überarbeitet", "lebensphasen": ["kita"],
              "empfehlungen": ["beteiligung"], "art": "leitfaden", "langtext": "Beispielwal.",
              "revid": re.search(r'name="revid" value="([^"]+)"', form).group(1),
              "csrf_token": CSRF_RE.search(form).group(1)}
    edited = client.post("/+gaa/werkzeug/bearbeiten/Beispielwal Leitfaden", data={**values, "beispiel": ""})
    assert edited.status_code == 302
    assert NOTE in card(client, name)

    form = text(client.get("/+gaa/werkzeug/bearbeiten/Beispielwal Leitfaden"))
    values["revid"] = re.search(r'name="revid" value="([^"]+)"', form).group(1)
    linked = client.post("/+gaa/werkzeug/bearbeiten/Beispielwal Leitfaden",
                         data={**values, "link": "https://www.example.org/beispielwal"})
    assert linked.status_code == 302
    shown = card(client, name)
    assert 'href="https://www.example.org/beispielwal"' in shown and NOTE not in shown
    assert LIST_MARK not in text(client.get(LISTING))
