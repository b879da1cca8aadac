"""Registering and the settings in Chromium at 360 px, by keyboard (issue 14, point 4).

A person fills the form with the keyboard only, meets German messages with a summary, corrects, ticks the
consent with the space bar, lands at the login form with a message, logs in and sets the Kommune in the
settings (moin's tabs and its script's save).
"""

import os
import re

import pytest
from browser_support import browser, expect, live_wiki  # noqa: F401 – browser is a fixture

pytestmark = pytest.mark.browser

PASSWORD = "Browser-Passwort-2026"
NAME = "Karla Tastatur"
MUNICIPALITY = "Bezirk Neukölln"
SHOTS = "/tmp/shots/registration"
ENGLISH = re.compile(r"may not be blank|is not a valid|do not match|Username|Password|Theme")


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    with live_wiki(str(tmp_path_factory.mktemp("registration"))) as url:
        yield url


@pytest.fixture
def page(browser):  # noqa: F811
    context = browser.new_context(viewport={"width": 360, "height": 780}, locale="de-DE")
    yield context.new_page()
    context.close()


def shot(page, name: str) -> None:
    os.makedirs(SHOTS, exist_ok=True)
    page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= 360


def test_register_by_keyboard_at_360_px_then_log_in_and_set_the_kommune(base, page):
    page.goto(base + "/+register")
    assert fits(page)
    page.focus("#feld-register_username")
    page.keyboard.type(NAME)
    for text in (PASSWORD, PASSWORD, "karla-ohne-at.example.org"):
        page.keyboard.press("Tab")
        page.keyboard.type(text)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "feld-register_kommune"
    page.keyboard.type(MUNICIPALITY)
    for _ in range(4):  # organisation, consent (left unticked), the link to the Datenschutzerklärung, the button
        page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Konto anlegen"
    with page.expect_navigation():
        page.keyboard.press("Enter")

    summary = page.locator(".gaa-error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("gültige E-Mail-Adresse")
    expect(summary).to_contain_text("Datenschutzerklärung gelesen")
    assert not ENGLISH.search(page.locator("main, #moin-content").first.inner_text())
    assert fits(page)
    shot(page, "register-errors-360")

    page.focus("#feld-register_email")
    page.keyboard.press("Control+A")
    page.keyboard.type("karla@example.org")
    for field in ("#feld-register_password1", "#feld-register_password2"):  # passwords are never sent back
        page.focus(field)
        page.keyboard.type(PASSWORD)
    page.focus("#feld-register_consent")
    page.keyboard.press("Space")
    expect(page.locator("#feld-register_consent")).to_be_checked()
    page.keyboard.press("Tab")  # the link to the Datenschutzerklärung
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Konto anlegen"
    with page.expect_navigation():
        page.keyboard.press("Enter")

    assert page.url.endswith("/+login")
    expect(page.get_by_text(f"Ihr Konto „{NAME}“ ist angelegt. Bitte melden Sie sich jetzt an.")).to_be_visible()
    shot(page, "login-after-registering-360")
    page.fill("input[name=login_username]", NAME)
    page.fill("input[name=login_password]", PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")

    page.goto(base + "/+usersettings#organisation")
    expect(page.locator("#feld-kommune")).to_have_value(MUNICIPALITY)
    assert page.locator("input[name=theme_name]").count() == 0
    page.fill("#feld-kommune", "")
    page.fill("#feld-organisation", "Koordinierungsstelle Sachsen")
    page.locator("#usersettings_organisation input[type=submit]").click()
    expect(page.get_by_text("Ihre Angaben zu Kommune und Organisation sind gespeichert.")).to_be_visible()
    assert fits(page)
    shot(page, "settings-organisation-360")
    page.reload()
    expect(page.locator("#feld-organisation")).to_have_value("Koordinierungsstelle Sachsen")
