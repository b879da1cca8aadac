"""The 404 page as a person meets it in Chromium: at 360 and 1280 px, searched from by keyboard alone."""

import os
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from browser_support import browser, live_wiki, no_horizontal_scroll, tab_to  # noqa: F401 – browser is a fixture

pytestmark = pytest.mark.browser

MISSING = "Netzwerkkarte Familienzentrum Nordstadt"
SHOTS = "/tmp/shots/errors"  # for looking at, not part of the repository


@pytest.fixture(scope="module")
def base_url(tmp_path_factory):
    with live_wiki(str(tmp_path_factory.mktemp("live-errors"))) as url:
        yield url


@pytest.mark.parametrize("width", [360, 1280])
def test_the_404_page_fits_and_its_search_box_works_by_keyboard(browser, base_url, width):  # noqa: F811
    context = browser.new_context(locale="de-DE", viewport={"width": width, "height": 800})
    page = context.new_page()
    try:
        response = page.goto(base_url + "/" + quote(MISSING))
        assert response.status == 404
        assert page.locator("h1").inner_text().strip() == "Seite nicht gefunden"
        os.makedirs(SHOTS, exist_ok=True)
        page.screenshot(path=f"{SHOTS}/not-found-{width}.png", full_page=True)
        no_horizontal_scroll(page, width)
        tab_to(page, "gaa-not-found-q")
        page.keyboard.press("Control+A")
        page.keyboard.type("Familienzentrum")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        address = urlsplit(page.url)
        assert address.path == "/+search" and parse_qs(address.query)["q"] == ["Familienzentrum"]
    finally:
        context.close()
