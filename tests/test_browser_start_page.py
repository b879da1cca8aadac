"""The start page as people meet it in Chromium at 360 and 1280 px: no sideways scrolling, the overview's
cards, and the moderation's badge in the header – for a moderator only."""

import os
import re

import pytest
from browser_support import (  # noqa: F401 – browser is a fixture
    browser,
    live_wiki,
    login,
    no_horizontal_scroll,
    register_and_login,
)

pytestmark = pytest.mark.browser

SHOTS = "/tmp/shots/start"  # for looking at, not part of the repository
ADMIN = ("Ada Startseite", "ada@example.org", "Start-Passwort-2026")
PERSON = ("Paul Startseite", "paul@example.org", "Start-Passwort-2026")


@pytest.fixture(scope="module")
def base_url(tmp_path_factory):
    with live_wiki(str(tmp_path_factory.mktemp("live-start")), admin=ADMIN) as url:
        yield url


def check_start_page(page, base_url: str, width: int, who: str) -> None:
    page.goto(base_url + "/Startseite")
    assert page.locator("h1").count() == 1
    for heading in ("Aktuelles", "Nächste Termine", "Neu in der Werkzeugkiste", "Online-Diskussionen", "Aktive Themen"):
        # (moin's headings carry a permalink „¶“ after the text)
        assert page.get_by_role("heading", name=re.compile(f"^{heading}")).first.is_visible(), heading
    os.makedirs(SHOTS, exist_ok=True)
    page.screenshot(path=f"{SHOTS}/start-{who}-{width}.png", full_page=True)
    no_horizontal_scroll(page, width)


@pytest.mark.parametrize("width", [360, 1280])
def test_a_moderator_sees_the_badge_and_follows_it(browser, base_url, width):  # noqa: F811
    context = browser.new_context(locale="de-DE", viewport={"width": width, "height": 900})
    page = context.new_page()
    try:
        login(page, base_url, ADMIN[0], ADMIN[2])
        page.goto(base_url + "/Werkzeugkiste")
        badge = page.locator(".pw-usernav-waiting a")
        assert badge.is_visible() and badge.locator(".pw-badge").inner_text().strip().isdigit()
        no_horizontal_scroll(page, width)
        badge.click()
        page.wait_for_load_state()
        assert page.url.endswith("/Startseite#moderation")
        assert page.get_by_role("heading", name="Für die Moderation").is_visible()
        check_start_page(page, base_url, width, "moderator")
    finally:
        context.close()


@pytest.mark.parametrize("width", [360, 1280])
def test_others_see_no_badge(browser, base_url, width):  # noqa: F811
    context = browser.new_context(locale="de-DE", viewport={"width": width, "height": 900})
    page = context.new_page()
    try:
        check_start_page(page, base_url, width, "anonymous")
        assert page.locator(".pw-usernav-waiting").count() == 0
        name, email, password = PERSON
        if width == 360:
            register_and_login(page, base_url, name, email, password)
        else:
            login(page, base_url, name, password)
        check_start_page(page, base_url, width, "registered")
        assert page.locator(".pw-usernav-waiting").count() == 0
        assert page.get_by_role("heading", name="Für Sie").is_visible()
    finally:
        context.close()
