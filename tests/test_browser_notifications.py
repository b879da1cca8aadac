"""Benachrichtigungen in Chromium at 360 and 1280 px, by keyboard: Anna mentions Bert in a new thread (choosing
him in „Person erwähnen“), Bert sees the badge in the header, opens his notifications and follows the link to
the thread."""

import os
import re
from urllib.parse import unquote

import pytest
from browser_support import browser, live_wiki, login, no_horizontal_scroll, register_and_login  # noqa: F401

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

pytestmark = pytest.mark.browser

SHOTS = "/tmp/shots/notifications"  # for looking at, not part of the repository
PASSWORD = "Melde-Passwort-2026"
ANNA = ("Anna Erwähnt", "anna.erwaehnt@example.org")
BERT = ("Bert Benachrichtigt", "bert.benachrichtigt@example.org")
GROUP = "Netzwerk Kooperative Planung"  # a seeded open group


@pytest.fixture(scope="module")
def base_url(tmp_path_factory, browser):  # noqa: F811
    with live_wiki(str(tmp_path_factory.mktemp("live-notifications"))) as url:
        context = browser.new_context(locale="de-DE")
        page = context.new_page()
        for name, email in (ANNA, BERT):
            register_and_login(page, url, name, email, PASSWORD)
            page.goto(url + "/Gruppen/" + GROUP)
            page.get_by_role("button", name="Der Gruppe beitreten").click()
            page.wait_for_load_state()
            context.clear_cookies()  # logged out
        context.close()
        yield url


def press_tab_until(page, selector: str, presses: int = 60) -> None:
    """Tab until the focus is inside ``selector``, as a keyboard user gets there."""
    for _ in range(presses):
        page.keyboard.press("Tab")
        if page.evaluate("s => !!document.activeElement.closest(s)", selector):
            return
    pytest.fail(f"{selector} is not reached with {presses} presses of Tab")


@pytest.mark.parametrize("width", [360, 1280])
def test_a_mention_reaches_the_person_through_badge_page_and_link(browser, base_url, width):  # noqa: F811
    title = f"Elternabend planen ({width} px)"
    os.makedirs(SHOTS, exist_ok=True)
    context = browser.new_context(locale="de-DE", viewport={"width": width, "height": 900})
    page = context.new_page()
    try:
        login(page, base_url, ANNA[0], PASSWORD)
        page.goto(base_url + "/Gruppen/" + GROUP)
        page.get_by_text("Neues Thema eröffnen").click()
        page.get_by_label("Titel des Themas").fill(title)
        page.get_by_label("Eröffnungsbeitrag").fill("Wer übernimmt die Einladungen?")
        mention = page.get_by_label("Person erwähnen (optional)")
        mention.focus()
        page.keyboard.type(BERT[0])
        with page.expect_navigation():
            page.keyboard.press("Enter")  # Enter in a text field sends the form
        expect(page.locator("h1")).to_contain_text(title)
        expect(page.locator(".gaa-opening a", has_text=f"@{BERT[0]}")).to_have_attribute(
            "href", re.compile("/users/Bert%20Benachrichtigt$"))
        context.clear_cookies()  # Anna is gone; Bert comes

        login(page, base_url, BERT[0], PASSWORD)
        page.goto(base_url + "/Startseite")
        badge = page.locator(".pw-usernav-notifications a")
        expect(badge).to_be_visible()
        assert int(badge.locator(".pw-badge").inner_text()) >= 1
        no_horizontal_scroll(page, width)
        page.screenshot(path=f"{SHOTS}/badge-{width}.png")
        press_tab_until(page, ".pw-usernav-notifications")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert page.url.endswith("/+gaa/benachrichtigungen")
        newest = page.locator("li.gaa-note").first
        expect(newest).to_have_class(re.compile("gaa-note-unread"))
        expect(newest).to_contain_text(f"{ANNA[0]} hat Sie erwähnt im Thema „{title}“")
        no_horizontal_scroll(page, width)
        page.screenshot(path=f"{SHOTS}/page-{width}.png", full_page=True)
        press_tab_until(page, "li.gaa-note:first-child .gaa-note-target")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert unquote(page.url).endswith(f"/Gruppen/{GROUP}/Diskussion/{title}")
        expect(page.locator("h1")).to_contain_text(title)

        page.goto(base_url + "/+gaa/benachrichtigungen")
        press_tab_until(page, "button[name=alle]")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        expect(page.locator(".pw-usernav-notifications .pw-badge")).to_have_text("0")
        assert page.locator("li.gaa-note-unread").count() == 0
    finally:
        context.close()
