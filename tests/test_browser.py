"""A person in a real browser (Playwright driving Debian's chromium) against a live PartnerWiki."""

import re

import pytest
from browser_support import browser, live_wiki, register_and_login  # noqa: F401 – browser is a fixture

playwright_api = pytest.importorskip("playwright.sync_api")

pytestmark = pytest.mark.browser

PASSWORD = "Browser-Passwort-2026"


@pytest.fixture(scope="module")
def base_url(tmp_path_factory):
    with live_wiki(str(tmp_path_factory.mktemp("live"))) as url:
        yield url


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="de-DE")
    page = context.new_page()
    yield page
    context.close()


def test_start_page_register_login_and_edit(page, base_url):
    expect = playwright_api.expect
    page.goto(base_url + "/")
    expect(page).to_have_title(re.compile("Startseite"))
    expect(page.get_by_role("navigation", name="Hauptnavigation")).to_be_visible()
    # the skip link is the first thing the keyboard reaches
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent.trim()")
    assert focused == "Zum Inhalt springen"

    register_and_login(page, base_url, "Bea Browser", "bea@example.org", PASSWORD)
    expect(page.locator("body")).to_contain_text("Bea Browser")

    page.goto(base_url + "/+modify/Hilfe/Mitmachen")
    editor = page.locator("textarea[name=content_form_data_text]")
    expect(editor).to_be_visible()
    editor.fill(editor.input_value() + "\n\nBea war hier und hat die Seite im Browser bearbeitet.\n")
    page.click("#moin-save-text-button")
    page.wait_for_load_state()
    page.goto(base_url + "/Hilfe/Mitmachen")
    expect(page.locator("#moin-content")).to_contain_text("Bea war hier und hat die Seite im Browser bearbeitet.")
