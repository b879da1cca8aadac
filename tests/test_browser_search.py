"""The search as a person uses it in Chromium: typed into the header's box at 360 and 1280 px, the hits by kind
fit the screen, a filter link and a hit are reached by keyboard alone."""

import os
from urllib.parse import parse_qs, urlsplit

import pytest
from browser_support import browser, live_wiki, no_horizontal_scroll, tab_to  # noqa: F401 – browser is a fixture

pytestmark = pytest.mark.browser

SHOTS = "/tmp/shots/search"  # for looking at, not part of the repository
TABS_AT_MOST = 60


@pytest.fixture(scope="module")
def base_url(tmp_path_factory):
    with live_wiki(str(tmp_path_factory.mktemp("live-search"))) as url:
        yield url


def tab_until(page, condition: str) -> str:
    """Press Tab until the focused element meets the JavaScript ``condition`` (on ``el``); its text."""
    for _ in range(TABS_AT_MOST):
        page.keyboard.press("Tab")
        if page.evaluate(f"(el => {condition})(document.activeElement)"):
            return page.evaluate("document.activeElement.textContent").strip()
    pytest.fail(f"no element with {condition} is reached with {TABS_AT_MOST} presses of Tab")


@pytest.mark.parametrize("width", [360, 1280])
def test_the_header_box_finds_hits_by_kind_and_a_hit_is_reached_by_keyboard(browser, base_url, width):  # noqa: F811
    context = browser.new_context(locale="de-DE", viewport={"width": width, "height": 800})
    page = context.new_page()
    try:
        page.goto(base_url + "/Startseite")
        tab_to(page, "f_q")  # the header's search box
        page.keyboard.type("Familienzentren")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        address = urlsplit(page.url)
        assert address.path == "/+search" and parse_qs(address.query)["q"] == ["Familienzentren"]
        assert page.locator("h1").inner_text().strip() == "Suche"
        kinds = page.locator(".gaa-search-kinds li")
        assert kinds.count() == 6 and kinds.first.inner_text().startswith("Alle")
        assert page.locator(".gaa-search-hit mark").count() >= 1  # the word forms marked in the snippets
        body = page.locator("#moin-content").inner_text()
        assert "Whoosh" not in body and "namengram" not in body
        os.makedirs(SHOTS, exist_ok=True)
        page.screenshot(path=f"{SHOTS}/search-{width}.png", full_page=True)
        no_horizontal_scroll(page, width)

        # a filter by keyboard: the kinds come before the hits
        page.locator("#gaa-search-q").focus()
        tab_until(page, "el.textContent.trim().startsWith('Werkzeuge')")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert parse_qs(urlsplit(page.url).query)["art"] == ["werkzeuge"]
        assert page.locator(".gaa-search-kind h2").count() == 1  # that kind only
        no_horizontal_scroll(page, width)

        # and on to the first hit
        title = tab_until(page, "el.classList.contains('gaa-search-title')")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert page.locator("h1").first.inner_text().strip() == title
    finally:
        context.close()
