"""The Netzwerkkalender in a real browser, as practitioners use it at 1280 and 360 px: a series chosen in words
(every error at once), a date of it cancelled from its list, the list and the month (an agenda on small screens,
by keyboard), filters, the feed address and a personal key; the month view without JavaScript."""

import re
from datetime import date, timedelta

import pytest
from browser_support import browser, live_wiki, register_and_login  # noqa: F401 – browser is a fixture
from test_browser_small_screens import OVERFLOWING, SCROLLING_BOXES

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

pytestmark = pytest.mark.browser

PASSWORD = "Browser-Passwort-2026"
_month = (date.today() + timedelta(days=40)).replace(day=1)
SECOND_THURSDAY = _month + timedelta(days=(3 - _month.weekday()) % 7 + 7)
WEEKDAY_NAMES = ("Mo", "Di", "Mi", "Do", "Fr", "Sa", "So")


def with_weekday(day: date) -> str:
    return f"{WEEKDAY_NAMES[day.weekday()]}, {day:%d.%m.%Y}"


def next_month(day: date, n: int = 1) -> date:
    """The 2nd Thursday n months after the 2nd Thursday ``day``."""
    first = date(day.year + (day.month - 1 + n) // 12, (day.month - 1 + n) % 12 + 1, 1)
    return first + timedelta(days=(3 - first.weekday()) % 7 + 7)


def no_sideways_scroll(page, what: str) -> None:
    """Neither the page nor a box in it scrolls sideways (WCAG 1.4.10; see test_browser_small_screens)."""
    width = page.evaluate("document.documentElement.clientWidth")
    assert page.evaluate("document.documentElement.scrollWidth") <= width, (what, page.evaluate(OVERFLOWING, width))
    assert page.evaluate(SCROLLING_BOXES) == [], what


@pytest.fixture(scope="module")
def base_url(tmp_path_factory):
    with live_wiki(str(tmp_path_factory.mktemp("live-calendar"))) as url:
        yield url


@pytest.mark.parametrize("width", [1280, 360])
def test_a_series_chosen_in_words_all_errors_at_once_then_a_date_cancelled(browser, base_url, width):  # noqa: F811
    context = browser.new_context(locale="de-DE", viewport={"width": width, "height": 900})
    page = context.new_page()
    register_and_login(page, base_url, f"Kai Kalender {width}", f"kai{width}@example.org", PASSWORD)
    page.goto(base_url + "/Netzwerkkalender")
    page.get_by_role("link", name="Termin eintragen").click()
    page.wait_for_load_state()
    no_sideways_scroll(page, "Terminformular")
    assert page.get_by_label("Eigene Regel (RRULE)").count() == 0 and page.get_by_label("Zeitzone").count() == 0

    title = f"Browser-Netzwerktreffen {width}"
    page.get_by_label("Datum (Beginn)").fill(SECOND_THURSDAY.isoformat())  # type=date: the browser's picker
    page.get_by_label("Uhrzeit von").fill("14:00")
    page.get_by_label("bis", exact=True).fill("16:00")
    page.get_by_label("Datum (Ende)").fill((SECOND_THURSDAY - timedelta(days=1)).isoformat())  # before the start
    repetition = page.get_by_label("Wie oft findet der Termin statt?")
    repetition.select_option(label="monatlich am 2. Donnerstag")  # named after the chosen date (calendar-form.js)
    page.get_by_label("oder nach Anzahl der Termine").fill("5")
    page.get_by_role("button", name="Speichern").click()
    page.wait_for_load_state()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Bitte einen Titel angeben.")  # the title was left empty …
    expect(summary).to_contain_text("Das Ende liegt vor dem Beginn.")  # … and the end is reported in the same go
    expect(repetition.locator("option:checked")).to_have_text("monatlich am 2. Donnerstag")
    expect(page.get_by_label("oder nach Anzahl der Termine")).to_have_value("5")

    page.get_by_label("Titel").fill(title)
    page.get_by_label("Datum (Ende)").fill("")
    page.get_by_role("button", name="Speichern").click()
    page.wait_for_load_state()
    card = page.get_by_role("region", name="Termin")
    expect(card).to_contain_text("jeden 2. Donnerstag im Monat, 5 Termine")
    expect(card).to_contain_text(f"{with_weekday(SECOND_THURSDAY)}, 14:00–16:00 Uhr")
    expect(card.get_by_role("link", name="In meinen Kalender (.ics)")).to_be_visible()
    no_sideways_scroll(page, "Termin")

    # cancel the second date: chosen from the series' list, by keyboard
    second = next_month(SECOND_THURSDAY)
    card.get_by_role("link", name="Termin bearbeiten").click()
    page.wait_for_load_state()
    no_sideways_scroll(page, "Formular mit den Terminen der Reihe")
    if width < 1280:  # the form with the list of a series' dates also at 320 px
        page.set_viewport_size({"width": 320, "height": 900})
        no_sideways_scroll(page, "Formular mit den Terminen der Reihe, 320 px")
        page.locator(".gaa-date-rows summary").first.click()  # a date's fields to move it, opened
        no_sideways_scroll(page, "Formular mit geöffnetem Verschieben, 320 px")
        page.locator(".gaa-date-rows summary").first.click()
    cancel = page.get_by_label(f"fällt aus am {with_weekday(second)}")
    cancel.focus()
    page.keyboard.press("Space")
    expect(cancel).to_be_checked()
    page.get_by_role("button", name="Speichern").click()
    page.wait_for_load_state()
    card = page.get_by_role("region", name="Termin")
    expect(card).to_contain_text(f"Fällt aus am{with_weekday(second)}")
    expect(card).not_to_contain_text(f"{with_weekday(second)}, 14:00")  # not among the next dates
    ics_link = card.get_by_role("link", name="In meinen Kalender (.ics)").get_attribute("href")
    download = page.request.get(base_url + ics_link)
    assert download.status == 200 and download.text().count("BEGIN:VEVENT") == 1 and title in download.text()
    context.close()


@pytest.mark.parametrize("width", [1280, 360])
def test_the_month_is_a_grid_on_wide_screens_and_an_agenda_on_small_ones(browser, base_url, width):  # noqa: F811
    context = browser.new_context(locale="de-DE", viewport={"width": width, "height": 900})
    page = context.new_page()
    page.goto(base_url + "/Netzwerkkalender")
    listing = page.locator(".gaa-event-list")
    expect(listing.get_by_role("heading", level=3).first).to_have_text(re.compile(r"^\w+ \d{4}$"))  # „Dezember 2026“
    expect(listing.locator(".gaa-when").first).to_have_text(re.compile(r"^(Mo|Di|Mi|Do|Fr|Sa|So), \d\d\.\d\d\.\d{4}"))
    no_sideways_scroll(page, "Liste")
    page.goto(f"{base_url}/Netzwerkkalender?ansicht=monat&monat={SECOND_THURSDAY:%Y-%m}")
    no_sideways_scroll(page, "Monat")
    grid, agenda = page.locator("table.gaa-month"), page.locator(".gaa-agenda")
    if width >= 1280:
        expect(grid).to_be_visible()
        expect(agenda).to_be_hidden()
        expect(grid.locator("th").first).to_have_text("Mo")
        assert grid.locator("th").first.evaluate("th => th.getBoundingClientRect().height") < 40  # „Mo“ on one line
        expect(grid.locator(".gaa-time").first).to_have_text(re.compile(r"^\d\d:\d\d$"))
    else:
        expect(grid).to_be_hidden()
        expect(agenda).to_be_visible()
        expect(agenda.get_by_role("heading", level=3).first).to_have_text(re.compile(r"^(Mo|Di|Mi|Do|Fr|Sa|So), "))
        page.get_by_role("link", name="Folgemonat »").focus()
        page.keyboard.press("Tab")  # the hidden grid is skipped: the next stop is the agenda's first event
        focused = page.evaluate("document.activeElement.closest('.gaa-agenda') !== null")
        assert focused, page.evaluate("document.activeElement.outerHTML")
        page.keyboard.press("Enter")
        page.wait_for_load_state()
        expect(page.get_by_role("region", name="Termin")).to_be_visible()
    context.close()


def test_filter_by_keyboard_copy_the_feed_and_make_a_key(browser, base_url):  # noqa: F811
    context = browser.new_context(locale="de-DE", permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    register_and_login(page, base_url, "Fritz Filter", "fritz@example.org", PASSWORD)
    page.goto(base_url + "/Netzwerkkalender")
    page.get_by_label("Art").focus()
    page.get_by_label("Art").select_option("netzwerktreffen")
    page.get_by_role("button", name="Filter anwenden").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "art=netzwerktreffen" in page.url
    listing = page.locator(".gaa-event-list")
    expect(listing).to_contain_text("Netzwerktreffen der Partnerkommunen")
    expect(listing).to_contain_text("jeden 2. Mittwoch im Monat – danach:")
    expect(listing).not_to_contain_text("Werkstatt Beteiligung von Familien")

    page.get_by_role("button", name="Adresse kopieren").click()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == base_url + "/+gaa/calendar/alle.ics"
    ics = page.request.get(copied)
    assert ics.status == 200 and "Netzwerktreffen der Partnerkommunen" in ics.text()

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
