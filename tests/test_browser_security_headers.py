"""The Content-Security-Policy (no inline script) leaves every page working, in Chromium (issue 10.11).

Scripts come only from our own files; moin's and our pages must not depend on inline script.
The only inline handlers moin writes that matter are on the editor's cancel/preview buttons;
``partnerwiki.js`` does their work on submit, so previewing and saving ask no „Seite verlassen?“.
"""

from __future__ import annotations

import pytest
from browser_support import browser, live_wiki, register_and_login  # noqa: F401 – fixture

PAGES = ["/Startseite", "/Matrix", "/Werkzeugkiste", "/Partnerverzeichnis", "/Netzwerkkalender", "/Gesprächsräume",
         "/Online-Diskussionen", "/+usersettings", "/+index/", "/+search?q=Kita", "/+history/Startseite", "/+history",
         "/+gaa/termin/neu", "/+gaa/kalender-schluessel", "/+subscribe/Startseite"]


@pytest.fixture(scope="module")
def page(browser, tmp_path_factory):  # noqa: F811
    with live_wiki(str(tmp_path_factory.mktemp("csp-wiki"))) as base:
        context = browser.new_context()
        page = context.new_page()
        page.base = base
        register_and_login(page, base, "Petra Pruefer", "petra@example.org", "Geheim-Passwort-2026")
        yield page
        context.close()


def csp_violations(page, path: str) -> list[str]:
    messages: list[str] = []

    def remember(message):
        if message.type == "error" and "Content Security Policy" in message.text:
            messages.append(message.text)

    page.on("console", remember)
    response = page.goto(page.base + path)
    page.wait_for_load_state("networkidle")
    page.remove_listener("console", remember)
    assert response.status == 200, path
    assert "content-security-policy" in response.headers
    return messages


@pytest.mark.parametrize("path", PAGES)
def test_pages_run_without_inline_script(page, path):
    assert csp_violations(page, path) == []


def test_moins_editor_previews_and_saves_without_asking_to_leave(page):
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(page.base + "/+modify/Petras Notizen?itemtype=default&contenttype=text/x.moin.wiki;charset=utf-8")
    page.fill("textarea#f_content_form_data_text", "Erste Notiz aus dem Editor.")
    page.click("#moin-preview-text-button")
    page.wait_for_load_state()
    assert "Erste Notiz aus dem Editor." in page.content()
    page.click("#moin-save-text-button")
    page.wait_for_load_state()
    assert dialogs == []
    page.goto(page.base + "/Petras Notizen")
    assert "Erste Notiz aus dem Editor." in page.locator("#moin-content").inner_text()
