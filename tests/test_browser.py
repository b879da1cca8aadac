"""A person in a real browser (Playwright driving Debian's chromium) against a live PartnerWiki."""

import os
import re

import pytest
from browser_support import browser, live_wiki, login, register_and_login  # noqa: F401 – browser is a fixture

playwright_api = pytest.importorskip("playwright.sync_api")

pytestmark = pytest.mark.browser

PASSWORD = "Browser-Passwort-2026"
MODERATION = ("Mona Moderation", "mona@example.org", PASSWORD)  # administrator and moderator
SHOTS = "/tmp/shots/forms"  # screenshots for looking at, not part of the repository


@pytest.fixture(scope="module")
def base_url(tmp_path_factory):
    with live_wiki(str(tmp_path_factory.mktemp("live")), admin=MODERATION) as url:
        yield url


@pytest.fixture
def page(browser):  # noqa: F811 – the fixture imported above
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


def test_a_proposal_keeps_its_file_and_the_rueckfrage_reaches_the_proposer(browser, base_url, tmp_path):  # noqa: F811
    """The proposer on a phone (360 px), the moderation at 1280 px."""
    expect = playwright_api.expect
    os.makedirs(SHOTS, exist_ok=True)
    leaflet = tmp_path / "Elternbrief.pdf"
    leaflet.write_bytes(b"%PDF-1.4 Elternbrief")
    phone = browser.new_context(locale="de-DE", viewport={"width": 360, "height": 800})
    page = phone.new_page()
    register_and_login(page, base_url, "Paula Praxis", "paula@example.org", PASSWORD)
    page.goto(base_url + "/+gaa/werkzeug/neu")
    page.fill("#feld-titel", "Elternbrief in einfacher Sprache")
    page.fill("#feld-kurzbeschreibung", "Ein Brief, den alle Eltern verstehen.")
    page.check("input[name=lebensphasen][value=kita]")
    page.check("input[name=empfehlungen][value=niedrigschwellig]")
    page.select_option("#feld-art", "vorlage")
    page.fill("#feld-kommune", "Musterstadt")  # no profile of that name
    page.set_input_files("#feld-datei_upload", str(leaflet))
    page.get_by_role("button", name="Speichern").click()
    page.wait_for_load_state()
    expect(page.locator(".gaa-error-summary")).to_contain_text("„Musterstadt“ steht nicht im Partnerverzeichnis")
    expect(page.locator(".gaa-kept-file")).to_contain_text("Gewählte Datei: Elternbrief.pdf")
    page.screenshot(path=f"{SHOTS}/werkzeugformular-fehler-360.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    page.fill("#feld-kommune", "")
    page.get_by_role("button", name="Speichern").click()  # the file is not chosen again
    page.wait_for_load_state()
    expect(page.locator(".gaa-card")).to_contain_text("Elternbrief.pdf")
    tool_url = page.url

    desk = browser.new_context(locale="de-DE", viewport={"width": 1280, "height": 900})
    moderation = desk.new_page()
    login(moderation, base_url, MODERATION[0], PASSWORD)
    moderation.goto(base_url + "/+gaa/werkzeugkiste/pruefen")
    entry = moderation.locator(".gaa-queue-item", has_text="Elternbrief in einfacher Sprache")
    expect(entry).to_contain_text("Kita")
    expect(entry.get_by_role("link", name="Elternbrief.pdf herunterladen")).to_be_visible()
    publish = entry.get_by_role("button", name="Veröffentlichen")
    reject = entry.get_by_role("button", name="Ablehnen")
    assert publish.evaluate("b => getComputedStyle(b).backgroundColor") != reject.evaluate(
        "b => getComputedStyle(b).backgroundColor")  # a refusal does not look like the main action
    moderation.screenshot(path=f"{SHOTS}/pruefen-1280.png", full_page=True)
    entry.get_by_label("Rückfrage an Paula Praxis").fill("Für welches Alter ist der Brief gedacht?")
    entry.get_by_role("button", name="Rückfrage senden").click()
    moderation.wait_for_load_state()
    expect(moderation.locator("body")).to_contain_text("Paula Praxis sieht sie auf der Seite des Werkzeugs")
    desk.close()

    page.goto(tool_url)
    expect(page.locator(".gaa-question")).to_contain_text("Für welches Alter ist der Brief gedacht?")
    expect(page.locator(".gaa-card")).to_contain_text("Status: vorgeschlagen")
    page.screenshot(path=f"{SHOTS}/rueckfrage-360.png", full_page=True)
    phone.close()
