"""Hostile metadata in Chromium (issue 10, point 1): anonymous visitors open every page that shows
tags, summaries, comments, names, display names and content types of hostile items – no payload
may become an element, an attribute or a script, whether or not a Content-Security-Policy would
stop it from running. Then a registered user tries the original attack in moin's editor.

The hostile items are written through moin's Item API into the instance before the server starts
(``test_security_xss.populate``), as moin's editor now refuses them (``moin_gaa.web.metadata_guard``).
"""

from __future__ import annotations

from urllib.parse import quote

import pytest
from browser_support import FIND_INJECTED, browser, live_wiki, register_and_login  # noqa: F401 – browser is a fixture
from conftest import acting_as, make_app
from test_security_xss import (
    HOSTILE,
    LINK_NAME,
    MARK,
    MARKDOWN_NAME,
    TAGS,
    TEXT_NAME,
    TYPE_NAME,
    WORD,
    populate,
    save,
    vector,
)

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

pytestmark = pytest.mark.browser

DELETE_NAME = f"Zaunkoenig Loeschen {vector('browser-delete')}"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    instance = str(tmp_path_factory.mktemp("live-xss"))
    app = make_app(instance)
    revids = populate(app)
    with acting_as(app, HOSTILE):
        save(DELETE_NAME, f"{WORD} zum Loeschen\n")  # for the index's delete action, only
    app.deinit_backends()
    with live_wiki(instance) as url:
        yield url, revids


def anonymous_pages(revids) -> list[str]:
    pages = [
        f"/+search?q={WORD}",
        f"/+search?q={WORD}&history=on",
        f"/+search?q={WORD}&boolajax=true&history=false",
        "/+history",
        "/+index/",
        "/+tags",
        f"/+tags/{quote(TAGS[0], safe='')}",
        f"/+tags/{quote(TAGS[1], safe='')}",
        "/+feed/atom",
        f"/+sitemap/{quote(TEXT_NAME, safe='')}",
        f"/+similar_names/{quote(TEXT_NAME, safe='')}",
    ]
    for name in (TEXT_NAME, LINK_NAME, TYPE_NAME, MARKDOWN_NAME):
        first, second = revids[name]
        n = quote(name, safe="")
        pages += [f"/{n}", f"/+meta/{n}", f"/+history/{n}", f"/+highlight/{n}"]
        pages.append(f"/+diff/{n}?rev1={first}&rev2={second}")
    return pages


def watch(page) -> list[str]:
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    return dialogs


def test_anonymous_visitors_get_no_script_from_metadata(browser, site):  # noqa: F811
    base, revids = site
    context = browser.new_context(locale="de-DE")
    page = context.new_page()
    dialogs = watch(page)
    problems = {}
    for path in anonymous_pages(revids):
        page.goto(base + path)
        page.wait_for_load_state()
        if found := page.evaluate(FIND_INJECTED, MARK):
            problems[path] = found
    assert not problems, problems
    assert dialogs == []

    # the search as people use it: typed into the header box, answered by our search page (moin's ajax search,
    # whose answer jQuery inserted with .html(), is no longer served)
    page.goto(base + "/Startseite")
    page.locator(".pw-search input[name=q]").fill(WORD)
    with page.expect_navigation():
        page.locator(".pw-search input[name=q]").press("Enter")
    results = page.locator("#moin-content")
    expect(results.locator(".gaa-search-hit").first).to_be_visible()
    expect(results).to_contain_text(TEXT_NAME)  # the hostile name and summary are there – as text
    expect(results).to_contain_text(vector("summary"))
    assert page.evaluate(FIND_INJECTED, MARK) == []
    assert results.locator("svg, img, script").count() == 0

    page.goto(base + f"/+meta/{quote(TEXT_NAME, safe='')}")
    expect(page.locator("table.moin-item-metadata")).to_contain_text(TEXT_NAME)
    assert page.locator("table.moin-item-metadata svg").count() == 0
    assert dialogs == []
    context.close()


def test_moins_editor_refuses_the_attack_in_the_browser(browser, site):  # noqa: F811
    """The original report: a registered user saves a page with the tag <svg onload=…> in moin's editor."""
    base, _revids = site
    context = browser.new_context(locale="de-DE")
    page = context.new_page()
    dialogs = watch(page)
    register_and_login(page, base, "Bruno Browser", "bruno@example.org", "Browser-Passwort-2026")
    name = "Zaunkoenig Angriff"
    wiki_text = quote("text/x.moin.wiki;charset=utf-8", safe="")
    page.goto(base + f"/+modify/{quote(name)}?contenttype={wiki_text}&itemtype=default&template=")
    page.fill("[name=content_form_data_text]", f"{WORD} Angriff")
    page.fill("[name=meta_form_tags]", vector("browser-tag"))
    page.locator("#moin-save-text-button").click()
    page.wait_for_load_state()
    expect(page.locator("body")).to_contain_text("Nicht gespeichert")
    expect(page.locator("body")).to_contain_text("Schlagworte dürfen die Zeichen")
    assert page.evaluate(FIND_INJECTED, MARK) == []
    page.goto(base + "/+index/")
    expect(page.locator("#moin-content")).to_contain_text("Zaunkoenig Klartext")
    expect(page.locator("#moin-content")).not_to_contain_text(name)  # nothing was saved

    # what an editor opens on a hostile item: its delete and rename pages list the names
    for view in ("+delete", "+rename"):
        page.goto(base + f"/{view}/{quote(TEXT_NAME, safe='')}")
        assert page.evaluate(FIND_INJECTED, MARK) == [], view

    # moin's index deletes selected items by ajax and shows the answer's messages (naming the items) as HTML
    page.goto(base + "/+index/")
    page.locator(f'input.moin-item[value="{DELETE_NAME}"]').check()
    page.locator("#moin-delete-trigger").click()
    with page.expect_response(lambda r: "/+ajaxdelete" in r.url):
        page.locator("#popup .popup-submit").click()
    expect(page.locator("#moin-flash")).to_contain_text(DELETE_NAME)
    assert page.evaluate(FIND_INJECTED, MARK) == []
    assert page.locator("#moin-flash svg").count() == 0
    assert dialogs == []
    context.close()
