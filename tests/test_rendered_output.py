"""Our macros' finished output: left alone by moin's converters, and kept per catalog state.

* moin's macro, link and output converters take a finished subtree as it is (``moin_internals.skip_finished_html``)
  – the pages are the same HTML with and without that, and an element with ``style`` is still moin's to filter;
* ``macros._html.kept`` builds a macro's output once per catalog state, address, day and exact set of readable
  documents: built again right after a write, never handed to someone who may read other records.
"""

from datetime import date

import pytest
from conftest import ADMIN, REGISTERED, acting_as, login, logout, main_part, save_page, wiki_request
from flask import Flask
from moin.converters import default_registry
from moin.utils.mime import Type, type_moin_document
from moin.utils.tree import moin_page
from test_profiles import PROFILE_TEXT, put_profile
from test_toolbox import put_tool
from whoosh.query import Term

from macros._html import E, kept
from moin_gaa.core.catalog import Catalog
from moin_gaa.core.catalog_memo import CatalogMemo
from moin_gaa.core.moin_internals import (
    FinishedHtmlConverter,
    FinishedLinkConverter,
    FinishedMacroConverter,
    is_finished,
    skip_finished_html,
)
from moin_gaa.core.records import Record
from moin_gaa.core.vocabulary import Vocabulary
from moin_gaa.partners.municipalities import profile_from_input

TOOLS = Term("record_type", "werkzeug")
HEAT_MAP = "Tests/Heatmap bundesweit"


def after_moins_converters(tree):
    """``tree`` as a macro's output inside a page, through the converters moin runs after the macros."""
    part = moin_page.part(children=[moin_page.body(children=[tree])])  # as moin's macro converter leaves it
    doc = moin_page.page(children=[moin_page.body(children=[part])])
    for kwargs in ({"macros": "expandall"}, {"links": "extern"}):
        doc = default_registry.get(type_moin_document, type_moin_document, **kwargs)(doc)
    return default_registry.get(type_moin_document, Type("application/x-xhtml-moin-page"))(doc)


def elements(tree):
    yield tree
    for child in tree:
        if not isinstance(child, str):
            yield from elements(child)


def test_finished_html_is_left_alone_by_moins_converters(wiki):
    tree = E("div", E("p", "Text ", E("a", "Link", href="/Matrix"), class_="c"), E("br"), id="x")
    assert is_finished(tree)
    with wiki_request(wiki):
        assert any(e is tree for e in elements(after_moins_converters(tree)))  # taken, not copied
        skip_finished_html(False)
        try:
            copied = after_moins_converters(tree)
        finally:
            skip_finished_html(True)
    assert not any(e is tree for e in elements(copied))


def test_moins_registry_hands_out_our_converters_which_override_moins_methods():
    found = [default_registry.get(type_moin_document, type_moin_document, macros="expandall"),
             default_registry.get(type_moin_document, type_moin_document, links="extern"),
             default_registry.get(type_moin_document, Type("application/x-xhtml-moin-page"))]
    ours = [FinishedMacroConverter, FinishedLinkConverter, FinishedHtmlConverter]
    assert [type(converter) for converter in found] == ours
    for cls, method in zip(ours, ("recurse", "traverse_tree", "visit")):
        assert method in vars(cls) and callable(getattr(cls.__mro__[1], method))  # moin's method still there


def test_style_leaves_an_element_to_moin(wiki):
    styled = E("p", "rot", style="color: red")
    tree = E("div", styled)
    assert not is_finished(styled) and not is_finished(tree) and is_finished(E("p", "ohne"))
    assert not is_finished(E("div", data_href="/x"))
    with wiki_request(wiki):
        out = after_moins_converters(tree)
    assert not any(e is tree or e is styled for e in elements(out))
    assert all("color" not in str(e.attrib) for e in elements(out))  # moin still filters style attributes


PAGES = ("/Partnerverzeichnis", "/Partnerverzeichnis?q=Rendertal&sort=einwohner", "/Matrix",
         "/Matrix?lebensphase=kita&empfehlung=beteiligung&q=Rendertest", "/Kommunen/Rendertal", "/" + HEAT_MAP,
         "/Werkzeugkiste", "/Startseite", "/Netzwerkkalender", "/Werkzeugkiste/Rendertest Werkzeug")


@pytest.fixture(scope="module")
def rendered_pages(wiki):
    put_tool(wiki, "Werkzeugkiste/Rendertest Werkzeug", "Rendertest Werkzeug", "Rendertest", status="hervorgehoben")
    put_profile(wiki, "Rendertal", activities=[{"titel": "Kita-Runde", "lebensphasen": ["kita"],
                                                "empfehlungen": ["beteiligung"]}])
    with acting_as(wiki, REGISTERED):
        save_page(HEAT_MAP, "<<ChainCoverage(bundesweit=ja)>>\n")
    return PAGES


def test_pages_are_the_same_html_with_and_without_skipping_finished_html(wiki, client, rendered_pages):
    for person in (None, ADMIN):
        if person:
            login(client, person)
        skipped = {path: main_part(client.get(path)) for path in rendered_pages}
        skip_finished_html(False)
        try:
            converted = {path: main_part(client.get(path)) for path in rendered_pages}
        finally:
            skip_finished_html(True)
        for path in rendered_pages:
            assert skipped[path] == converted[path], path
    assert "Rendertal" in skipped["/Partnerverzeichnis?q=Rendertal&sort=einwohner"]
    assert "Rendertest Werkzeug" in skipped["/Matrix?lebensphase=kita&empfehlung=beteiligung&q=Rendertest"]


def test_the_kept_pages_show_a_write_at_once(wiki, client, rendered_pages):
    for path in ("/Partnerverzeichnis?q=Nachzüglerstadt", "/Partnerverzeichnis?land=hb", "/" + HEAT_MAP, "/Matrix"):
        client.get(path)  # kept now
    assert "Keine Partnerkommune passt" in main_part(client.get("/Partnerverzeichnis?q=Nachzüglerstadt"))
    heat_before = main_part(client.get("/" + HEAT_MAP))
    activity = {"titel": "Ehrenamtsbörse", "lebensphasen": ["geburt"], "empfehlungen": ["ehrenamt"]}
    put_profile(wiki, "Nachzüglerstadt", land="hb", activities=[activity])
    assert "Nachzüglerstadt" in main_part(client.get("/Partnerverzeichnis?q=Nachzüglerstadt"))
    assert "Nachzüglerstadt" in main_part(client.get("/Partnerverzeichnis?land=hb"))
    assert main_part(client.get("/" + HEAT_MAP)) != heat_before
    put_tool(wiki, "Werkzeugkiste/Nachzügler Werkzeug", "Nachzügler Werkzeug", "Nachzügler", status="hervorgehoben",
             phases=("geburt",), recs=("ehrenamt",))
    assert "Nachzügler Werkzeug" in main_part(client.get("/Matrix"))
    assert "Nachzügler Werkzeug" in main_part(client.get("/Kommunen/Rendertal"))  # suggested for a gap


def test_the_kept_pages_never_show_an_outsider_what_a_member_may_read(wiki, client):
    with acting_as(wiki, ADMIN):
        save_page("Gruppen/Kammer", "privat", acl="Rita Registriert:read All:")  # a member who is no moderator
    put_tool(wiki, "Gruppen/Kammer/Kammerwerkzeug", "Kammerwerkzeug", "Kammerwort", status="hervorgehoben")
    profile = profile_from_input({"name": "Kammerstadt", "art": "landkreis", "land": "hb", "kontakte": [],
                                  "aktivitaeten": [], "strategiephase": "auftauen", "partner_seit": "2020-01-01"},
                                 Vocabulary(), today=date(2026, 1, 5))
    with acting_as(wiki, ADMIN):
        save_page(profile.item_name, PROFILE_TEXT, gaa_type="kommune", gaa_fields=profile.fields(),
                  acl="Rita Registriert:read All:")
    pages = {"/Matrix?q=Kammerwort&lebensphase=kita&empfehlung=beteiligung": "Kammerwerkzeug",
             "/Partnerverzeichnis?q=Kammerstadt": "/Kommunen/Kammerstadt"}
    for path, name in pages.items():
        assert name not in main_part(client.get(path))  # kept for outsiders first
        login(client, REGISTERED)
        assert name in main_part(client.get(path))
        logout(client)
        assert name not in main_part(client.get(path))  # and not from the member's kept output


# --- kept() on a catalog of its own --------------------------------------------------------------------------------


def tool(number: int, title: str, acl: str | None = None) -> Record:
    return Record(itemid=f"id{number:04d}", revid=f"rev{number:04d}", names=(f"Werkzeugkiste/W{number:04d}",),
                  namespace="", record_type="werkzeug", fields={"titel": title, "lebensphasen": ["kita"]}, mtime=number,
                  acl=acl)


@pytest.fixture
def catalog(tmp_path):
    catalog = Catalog(str(tmp_path / "catalog"))
    catalog.replace_all([tool(n, f"Werkzeug {n}") for n in range(5)]
                        + [tool(99, "Geheimes Werkzeug", acl="Geheim:read All:")])
    yield catalog
    catalog.close()


class Listing:
    """A macro's output: the readable tools' titles as a list; counts how often it is built."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.built = 0

    def __call__(self, may_read, path: str = "/Seite", name: str = "Liste", style: str | None = None):
        with Flask(__name__).test_request_context(path), self.catalog.reader(may_read) as reader:
            def build():
                self.built += 1
                titles = sorted(r.title for r in reader.records(reader.docs(TOOLS)))
                return E("ul", [E("li", title) for title in titles], style=style)

            return kept(reader, TOOLS, name, build)


def text(tree) -> str:
    return " | ".join("".join(e.itertext()) for e in elements(tree) if e.tag.name == "li")


def everybody(record: Record) -> bool:
    return True


def outsiders(record: Record) -> bool:
    return record.acl is None


def test_kept_output_is_built_once_per_state_and_address_and_again_after_a_write(catalog):
    listing = Listing(catalog)
    first = listing(outsiders)
    assert listing(outsiders) is first and listing.built == 1
    assert listing(outsiders, path="/Andere Seite") is not first and listing.built == 2
    assert listing(outsiders, name="Andere Liste") is not first and listing.built == 3
    catalog.upsert([tool(7, "Werkzeug neu")], new_itemids=["id0007"])
    after = listing(outsiders)
    assert listing.built == 4 and "Werkzeug neu" in text(after) and "Werkzeug neu" not in text(first)
    catalog.replace_all([tool(n, f"Neu gebaut {n}") for n in range(5)] + [tool(99, "Geheim", acl="Geheim:read All:")])
    rebuilt = listing(outsiders)  # the same readable document numbers as the first time, other records
    assert listing.built == 5 and "Neu gebaut 0" in text(rebuilt)


def test_kept_output_never_crosses_read_rights(catalog):
    listing = Listing(catalog)
    outsider = listing(outsiders)
    member = listing(everybody)
    assert "Geheimes Werkzeug" in text(member) and "Geheimes Werkzeug" not in text(outsider)
    assert listing(outsiders) is outsider and listing(everybody) is member and listing.built == 2


def test_output_that_is_not_finished_is_never_kept(catalog):
    listing = Listing(catalog)
    first = listing(outsiders, style="color: red")
    assert listing(outsiders, style="color: red") is not first and listing.built >= 2


def test_kept_output_has_a_small_table_of_its_own(catalog):
    catalog.memo = CatalogMemo(bulky=2)
    listing = Listing(catalog)
    first = listing(outsiders, name="eins")
    with catalog.reader(outsiders) as reader:
        counted = reader.docs(TOOLS)
        kept_values = [reader.remembered(("Wert", n), counted, lambda: object()) for n in range(3)]
    listing(outsiders, name="zwei")
    assert listing(outsiders, name="eins") is first and listing.built == 2  # other values take no room from outputs
    listing(outsiders, name="drei")
    listing(outsiders, name="vier")
    assert listing(outsiders, name="eins") is not first and listing.built == 5  # the oldest output was dropped
    with catalog.reader(outsiders) as reader:
        assert reader.remembered(("Wert", 0), counted, lambda: None) is kept_values[0]
