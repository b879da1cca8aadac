"""People as a person meets them in Chromium: /Personen searched by keyboard alone, then the person page,
at 360 and 1280 px without horizontal scrolling."""

import os
from urllib.parse import parse_qs, quote, unquote, urlsplit

import pytest
from browser_support import (  # noqa: F401 – browser is a fixture
    browser,
    live_wiki,
    no_horizontal_scroll,
    register_and_login,
    tab_to,
)

pytestmark = pytest.mark.browser

SHOTS = "/tmp/shots/people"  # for looking at, not part of the repository
PASSWORD = "Geheim-Passwort-2026"
SOUGHT = "Petra Personensuche"
VIEWER = "Viktor Betrachter"


@pytest.fixture(scope="module")
def base_url(tmp_path_factory, browser):  # noqa: F811
    with live_wiki(str(tmp_path_factory.mktemp("live-people"))) as url:
        context = browser.new_context(locale="de-DE")
        page = context.new_page()
        register_and_login(page, url, SOUGHT, "petra@example.org", PASSWORD)
        context.close()
        yield url


@pytest.mark.parametrize("width", [360, 1280])
def test_the_directory_is_searched_by_keyboard_and_leads_to_the_person_page(browser, base_url, width):  # noqa: F811
    context = browser.new_context(locale="de-DE", viewport={"width": width, "height": 800})
    page = context.new_page()
    try:
        register_and_login(page, base_url, f"{VIEWER} {width}", f"viktor{width}@example.org", PASSWORD)
        page.goto(base_url + "/Personen")
        no_horizontal_scroll(page, width)
        tab_to(page, "personen-q")
        page.keyboard.type("personensuche")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert parse_qs(urlsplit(page.url).query)["q"] == ["personensuche"]
        os.makedirs(SHOTS, exist_ok=True)
        page.screenshot(path=f"{SHOTS}/directory-{width}.png", full_page=True)
        no_horizontal_scroll(page, width)
        link = page.locator(".gaa-people-list a")
        assert link.all_inner_texts() == [SOUGHT]
        link.focus()
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert unquote(urlsplit(page.url).path) == "/users/" + SOUGHT
        assert page.locator("h1").all_inner_texts() == [SOUGHT]
        assert "petra@example.org" not in page.content()
        page.screenshot(path=f"{SHOTS}/person-{width}.png", full_page=True)
        no_horizontal_scroll(page, width)
        assert page.goto(base_url + "/users/" + quote("Niemand Hier")).status == 404
    finally:
        context.close()
