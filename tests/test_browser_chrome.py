"""The page chrome in Chromium (issue 14, points 1 and 7): the moderation's „Weitere Aktionen“ by keyboard at
1280 px, and at 360 px the breadcrumbs with full names and a practitioner's few actions, without sideways scroll.
"""

from urllib.parse import quote

import pytest
from browser_support import browser, live_wiki, login, register_and_login  # noqa: F401 – browser is a fixture

pytestmark = pytest.mark.browser

PASSWORD = "Browser-Passwort-2026"
MODERATION = ("Mona Moderation", "mona@example.org", PASSWORD)  # administrator and moderator
THREAD = "Gruppen/Netzwerk Kooperative Planung/Diskussion/Gemeinsame Datengrundlage für die Sozialraumplanung"
FOCUSED_IN_MENU = "() => !!document.activeElement.closest('details.pw-more .pw-more-list')"
OVERFLOW = "() => document.documentElement.scrollWidth - window.innerWidth"


@pytest.fixture(scope="module")
def base_url(tmp_path_factory):
    with live_wiki(str(tmp_path_factory.mktemp("live-chrome")), admin=MODERATION) as url:
        yield url


def test_the_moderation_opens_further_actions_by_keyboard(browser, base_url):  # noqa: F811
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="de-DE")
    page = context.new_page()
    name, _email, password = MODERATION
    login(page, base_url, name, password)
    page.goto(base_url + "/Matrix")
    menu = page.locator("details.pw-more")
    summary = menu.locator("summary")
    assert summary.inner_text().strip() == "Weitere Aktionen"
    assert not menu.locator(".pw-more-list").is_visible()
    # Tab from „Abonnieren“ (the last action in the bar) reaches the menu's button
    page.locator("nav.pw-itemviews ul.moin-itemviews a").last.focus()
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.tagName") == "SUMMARY"
    page.keyboard.press("Enter")
    assert menu.locator(".pw-more-list").is_visible()
    labels = [text.strip() for text in menu.locator(".pw-more-list a").all_inner_texts()]
    assert {"Umbenennen", "Löschen", "Metadaten", "Quelltext"} <= set(labels), labels
    assert "Konvertieren" not in labels and "Diskussion" not in labels and "Hervorheben" not in labels
    for _ in labels:  # every entry is reached with Tab and lies inside the window
        page.keyboard.press("Tab")
        assert page.evaluate(FOCUSED_IN_MENU)
        box = page.evaluate("() => document.activeElement.getBoundingClientRect().toJSON()")
        assert 0 <= box["left"] and box["right"] <= 1280, box
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Escape")  # closes the menu, back on its button
    assert not menu.locator(".pw-more-list").is_visible()
    assert page.evaluate("() => document.activeElement.tagName") == "SUMMARY"
    page.keyboard.press("Space")
    assert menu.locator(".pw-more-list").is_visible()
    page.keyboard.press("Tab")
    with page.expect_navigation():
        page.keyboard.press("Enter")  # the first entry: Umbenennen
    assert "/+rename/Matrix" in page.url
    context.close()


def test_small_screens_show_the_hierarchy_and_a_practitioners_few_actions(browser, base_url):  # noqa: F811
    context = browser.new_context(viewport={"width": 360, "height": 800}, locale="de-DE")
    page = context.new_page()
    register_and_login(page, base_url, "Paula Praxis", "paula@example.org", PASSWORD)
    page.goto(base_url + "/" + quote(THREAD))
    crumbs = [text.strip() for text in page.locator("nav.pw-trail li").all_inner_texts()]
    assert [c.lstrip("» ").strip() for c in crumbs] == [
        "Startseite", "Gesprächsräume", "Netzwerk Kooperative Planung", "Diskussion",
        "Gemeinsame Datengrundlage für die Sozialraumplanung"]  # whole names, wrapped, not cut
    assert page.evaluate(OVERFLOW) <= 0
    assert page.locator("h1").count() == 1
    page.goto(base_url + "/Startseite")
    actions = [text.strip() for text in page.locator("nav.pw-itemviews a").all_inner_texts()]
    assert actions == ["Bearbeiten", "Historie", "Abonnieren"], actions
    assert page.locator("details.pw-more").count() == 0
    for link in page.locator("nav.pw-itemviews a").all():
        assert link.is_visible()
    assert page.evaluate(OVERFLOW) <= 0
    footer = page.locator("#moin-pageinfo").inner_text()
    assert footer.startswith("Zuletzt geändert am ") and "127.0.0.1" not in footer and "rev" not in footer
    context.close()
