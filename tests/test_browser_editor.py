"""A practitioner writes a free page on a phone (360 px) by keyboard: type, „Vorschau“, „Speichern“ (issue 14, 8)."""

import os
from urllib.parse import quote

import pytest
from browser_support import browser, live_wiki, register_and_login  # noqa: F401 – browser is a fixture

playwright_api = pytest.importorskip("playwright.sync_api")

pytestmark = pytest.mark.browser

PASSWORD = "Browser-Passwort-2026"
SHOTS = "/tmp/shots/editor"  # screenshots for looking at, not part of the repository
PAGE = "Ergebnissicherung Netzwerktreffen"
WIKI_TEXT = quote("text/x.moin.wiki;charset=utf-8", safe="")


@pytest.fixture(scope="module")
def base_url(tmp_path_factory):
    with live_wiki(str(tmp_path_factory.mktemp("live"))) as url:
        yield url


def tab_to(page, selector: str, limit: int = 25) -> None:
    """Press Tab until the element ``selector`` has the focus (as a keyboard user gets there)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("sel => document.activeElement === document.querySelector(sel)", selector):
            return
    raise AssertionError(f"{selector} not reached by keyboard")


def test_a_free_page_written_by_keyboard_on_a_phone(browser, base_url):  # noqa: F811
    expect = playwright_api.expect
    os.makedirs(SHOTS, exist_ok=True)
    context = browser.new_context(locale="de-DE", viewport={"width": 360, "height": 800})
    page = context.new_page()
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    register_and_login(page, base_url, "Tara Tastatur", "tara@example.org", PASSWORD)

    page.goto(f"{base_url}/+modify/{quote(PAGE)}?contenttype={WIKI_TEXT}&itemtype=default&template=")
    expect(page.get_by_role("heading", level=1)).to_contain_text(PAGE)
    expect(page.get_by_role("link", name="So gestalten Sie den Text")).to_be_visible()
    expect(page.get_by_label("Zugriffsrechte (ACL)")).to_have_count(0)
    tab_to(page, "#f_content_form_data_text")
    page.keyboard.type("= Ergebnisse =\n * Elterncafé ab März\n")
    page.screenshot(path=f"{SHOTS}/editor-360.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")

    tab_to(page, "#moin-preview-text-button")
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    preview = page.locator(".pw-editor-preview")
    expect(preview.get_by_role("heading", name="Vorschau")).to_be_visible()
    expect(preview.locator("li")).to_contain_text("Elterncafé ab März")
    page.screenshot(path=f"{SHOTS}/vorschau-360.png", full_page=True)

    page.focus("#f_content_form_data_text")
    page.keyboard.press("Control+End")
    page.keyboard.type(" * Sprachförderung\n")
    tab_to(page, "#moin-save-text-button")
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    assert dialogs == []  # saving and previewing never ask whether to leave the page
    expect(page).to_have_url(f"{base_url}/{quote(PAGE)}")
    content = page.locator("#moin-content")
    expect(content.locator("li")).to_have_text(["Elterncafé ab März", "Sprachförderung"])

    page.goto(f"{base_url}/+history/{quote(PAGE)}")
    expect(page.get_by_role("columnheader", name="Datum")).to_be_visible()
    expect(page.locator("#moin-page-history")).to_contain_text("Tara Tastatur")
    page.screenshot(path=f"{SHOTS}/historie-360.png", full_page=True)
    context.close()
