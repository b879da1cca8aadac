"""The Netzwerkkalender in a real browser: enter a series with a moved date, filter, copy the feed, get a key."""

import re
from datetime import date, timedelta

import pytest
from browser_support import browser, live_wiki, register_and_login  # noqa: F401 – browser is a fixture

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

pytestmark = pytest.mark.browser

PASSWORD = "Browser-Passwort-2026"
FIRST = date.today() + timedelta(days=30)


@pytest.fixture(scope="module")
def base_url(tmp_path_factory):
    with live_wiki(str(tmp_path_factory.mktemp("live-calendar"))) as url:
        yield url


def test_enter_a_series_with_a_moved_date_then_filter_and_subscribe(browser, base_url):  # noqa: F811
    context = browser.new_context(locale="de-DE", permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    register_and_login(page, base_url, "Kai Kalender", "kai@example.org", PASSWORD)
    page.goto(base_url + "/Netzwerkkalender")
    page.get_by_role("link", name="Termin eintragen").click()
    page.wait_for_load_state()

    page.get_by_label("Titel").fill("Browser-Werkstatt Elternbeteiligung")
    page.get_by_label("Datum (Beginn)").fill(FIRST.strftime("%d.%m.%Y"))
    page.get_by_label("Uhrzeit (Beginn)").fill("15:00")
    page.get_by_label("Uhrzeit (Ende)").fill("16:30")
    page.get_by_label("Wiederholung").select_option("woechentlich")
    page.get_by_label("Verschobene Termine").fill(f"{FIRST + timedelta(days=1):%d.%m.%Y} -> {FIRST + timedelta(days=9):%d.%m.%Y}")
    page.get_by_label("Art der Veranstaltung").select_option("werkstatt")
    page.get_by_role("button", name="Speichern").click()
    page.wait_for_load_state()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("findet die Reihe nicht statt")  # the 2nd day is no date of a weekly series
    moved = f"{FIRST + timedelta(days=7):%d.%m.%Y} -> {FIRST + timedelta(days=9):%d.%m.%Y}"
    page.get_by_label("Verschobene Termine").fill(moved)
    page.get_by_role("button", name="Speichern").click()
    page.wait_for_load_state()
    card = page.get_by_role("region", name="Termin")
    expect(card).to_contain_text(f"{FIRST:%d.%m.%Y}, 15:00–16:30 Uhr")
    expect(card).to_contain_text(f"{FIRST + timedelta(days=7):%d.%m.%Y} → {FIRST + timedelta(days=9):%Y-%m-%d}, 15:00")

    # filter the calendar page by kind with the keyboard only
    page.goto(base_url + "/Netzwerkkalender")
    page.get_by_label("Art").focus()
    page.get_by_label("Art").select_option("werkstatt")
    page.get_by_role("button", name="Filter anwenden").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "art=werkstatt" in page.url
    events = page.locator("ul.gaa-events")
    expect(events).to_contain_text("Browser-Werkstatt Elternbeteiligung")
    expect(events).to_contain_text("(verschoben)")
    expect(events).not_to_contain_text("Netzwerktreffen der Partnerkommunen")

    page.get_by_role("button", name="Adresse kopieren").click()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == base_url + "/+gaa/calendar/alle.ics"
    ics = page.request.get(copied)
    assert ics.status == 200 and "Browser-Werkstatt Elternbeteiligung" in ics.text()

    # the personal key: made once, shown once, it works for the feed
    page.get_by_role("link", name="Kalender-Schlüssel").click()
    page.get_by_role("button", name="Schlüssel erzeugen").click()
    page.wait_for_load_state()
    token = page.get_by_label("Kalender-Schlüssel").input_value()
    assert re.fullmatch(r"[0-9a-f]{32}\.[A-Za-z0-9_-]{20,}", token)
    anonymous = browser.new_context()
    assert anonymous.request.get(f"{base_url}/+gaa/calendar/alle.ics?token={token}").status == 200
    assert anonymous.request.get(f"{base_url}/+gaa/calendar/alle.ics?token={token[:-2]}xx").status == 403
    anonymous.close()
    context.close()


def test_the_month_view_and_filters_work_without_javascript(browser, base_url):  # noqa: F811
    context = browser.new_context(locale="de-DE", java_script_enabled=False)
    page = context.new_page()
    page.goto(base_url + "/Netzwerkkalender")
    page.get_by_role("link", name="Monatsansicht").click()
    page.wait_for_load_state()
    month = page.locator("table.gaa-month")
    expect(month).to_be_visible()
    first_caption = month.locator("caption").inner_text()
    page.get_by_role("link", name="Folgemonat »").click()
    page.wait_for_load_state()
    expect(page.locator("table.gaa-month caption")).not_to_have_text(first_caption)
    page.get_by_label("Land").select_option("be")
    with page.expect_navigation():
        page.get_by_role("button", name="Filter anwenden").click()
    assert "ansicht=monat" in page.url and "land=be" in page.url
    expect(page.locator("table.gaa-month")).to_be_visible()
    context.close()
