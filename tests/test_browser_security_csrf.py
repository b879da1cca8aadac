"""Hostile-user tests, CSRF in Chromium: a page on another port of the same host attacks a logged-in user.

Same host, other port = same *site*: Chromium sends the SameSite=Lax session cookie along. The
attacker's pages say ``<meta name="referrer" content="no-referrer">`` (so Chromium sends
``Origin: null``) and submit copies of moin's and our forms – without the token, which they cannot
read – or fire the state-changing GET links as images. Afterwards nothing may have changed:
e-mail address, pages created/renamed/deleted, subscriptions, quicklinks, login, events. The same
forms used on our own pages still work (the token is injected into moin's forms).
"""

from __future__ import annotations

import functools
import http.server
import json
import re
import threading
import urllib.request

import pytest
from browser_support import browser, free_port, live_wiki, register_and_login  # noqa: F401 – fixture

NAME, EMAIL, PASSWORD = "Carla Csrf", "carla@example.org", "Geheim-Passwort-2026"
VICTIM_PAGE = "Handlungsempfehlungen/Ehrenamt"


@pytest.fixture(scope="module")
def wiki_url(tmp_path_factory):
    with live_wiki(str(tmp_path_factory.mktemp("csrf-wiki"))) as base:
        yield base


@pytest.fixture(scope="module")
def attacker(tmp_path_factory):
    """A second web server on another port of 127.0.0.1 serving the attack pages written into its folder."""
    folder = tmp_path_factory.mktemp("attacker")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    http.server.SimpleHTTPRequestHandler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield folder, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture(scope="module")
def victim(browser, wiki_url):  # noqa: F811
    context = browser.new_context()
    page = context.new_page()
    register_and_login(page, wiki_url, NAME, EMAIL, PASSWORD)
    assert NAME in page.content()
    yield page
    context.close()


def attack_form(action: str, fields: dict, *, enctype: str = "application/x-www-form-urlencoded") -> str:
    inputs = "".join(f'<input type="hidden" name="{k}" value="{v}">' for k, v in fields.items())
    return (f'<form method="post" action="{action}" enctype="{enctype}">{inputs}</form>'
            "<script>HTMLFormElement.prototype.submit.call(document.forms[0])</script>")


def run_attack(page, folder, attacker_url: str, name: str, body: str) -> int | None:
    """Open the attacker's page in the victim's browser; the status of the wiki's answer (None: no navigation)."""
    (folder / f"{name}.html").write_text(
        f'<!doctype html><html><head><meta name="referrer" content="no-referrer"></head><body>{body}</body></html>'
    )
    with page.expect_response(lambda r: r.request.method == "POST", timeout=15000) as answer:
        page.goto(f"{attacker_url}/{name}.html")
    page.wait_for_load_state()
    return answer.value.status


def fire_images(page, folder, attacker_url: str, name: str, body: str) -> None:
    """Open an attacker's page whose images point at the wiki; wait until they have been requested."""
    (folder / f"{name}.html").write_text(f"<!doctype html><html><body>{body}</body></html>")
    page.goto(f"{attacker_url}/{name}.html", wait_until="load")


def item_actions(page, wiki_url: str) -> list[str]:
    """The subscribe and quicklink entries offered on the victim page (their labels say the current state)."""
    page.goto(f"{wiki_url}/{VICTIM_PAGE}")
    return page.locator('a[href*="/+subscribe/"], a[href*="/+quicklink/"]').all_inner_texts()


def test_cross_site_forms_change_nothing(victim, wiki_url, attacker):
    folder, attacker_url = attacker
    w = wiki_url
    actions_before = item_actions(victim, w)
    attacks = {
        "email": attack_form(f"{w}/+usersettings", {"part": "notification", "email": "boese@example.org"}),
        "anzeigename": attack_form(f"{w}/+usersettings", {"part": "personal", "name": NAME, "display_name": "Gehackt",
                                                           "timezone": "Europe/Berlin", "locale": "de"}),
        "passwort": attack_form(f"{w}/+usersettings", {"part": "password", "password_current": PASSWORD,
                                                       "password1": "Neu-Passwort-99", "password2": "Neu-Passwort-99"}),
        "darstellung": attack_form(f"{w}/+usersettings", {"part": "ui", "css_file": "https://boese.example/x.css",
                                                           "edit_rows": "3", "results_per_page": "1"}),
        "schnelllinks": attack_form(f"{w}/+usersettings", {"part": "quicklinks", "quicklinks": "https://boese.example/"}),
        "optionen": attack_form(f"{w}/+usersettings", {"part": "options", "disabled": "1", "mailto_author": "1"}),
        "abos": attack_form(f"{w}/+usersettings", {"part": "subscriptions", "subscriptions": "nameprefix:"}),
        "anlegen": attack_form(f"{w}/+modify/Gefaelschte-Seite",
                               {"itemtype": "default", "contenttype": "text/x.moin.wiki;charset=utf-8",
                                "content_form_data_text": "eingeschleust", "comment": "", "submit": "1",
                                "meta_form_summary": "", "meta_form_tags": ""}, enctype="multipart/form-data"),
        "umbenennen": attack_form(f"{w}/+rename/{VICTIM_PAGE}", {"target": "Umbenannt durch Angriff", "comment": "x",
                                                                  "submit": "1"}),
        "loeschen": attack_form(f"{w}/+delete/{VICTIM_PAGE}", {"comment": "weg", "submit": "1"}),
        "ajaxloeschen": attack_form(f"{w}/+ajaxdelete", {"itemnames": json.dumps([VICTIM_PAGE])}),
        "hochladen": attack_form(f"{w}/+jfu-server/Hochgeladen", {"data_file": "x"}, enctype="multipart/form-data"),
        "abonnieren": attack_form(f"{w}/+subscribe/{VICTIM_PAGE}", {}),
        "schnelllink": attack_form(f"{w}/+quicklink/{VICTIM_PAGE}", {}),
        "termin": attack_form(f"{w}/+gaa/termin/neu", {"titel": "Angriffstermin", "datum": "01.03.2027",
                                                      "kalender": "alle", "zeitzone": "Europe/Berlin"}),
        "abmelden": attack_form(f"{w}/+logout", {}),
        # the GET links that changed state in moin 2.0.0b5, fired as images
        "bilder": "".join(f'<img src="{w}{path}">' for path in
                          (f"/+subscribe/{VICTIM_PAGE}", f"/+quicklink/{VICTIM_PAGE}", "/+bookmark?time=del",
                           "/+logout", "/Startseite?logout_submit=1")),
    }
    for name, body in attacks.items():
        if name == "bilder":
            fire_images(victim, folder, attacker_url, name, body)
        else:
            assert run_attack(victim, folder, attacker_url, name, body) in (400, 403), name

    page = victim
    page.goto(w + "/+usersettings")
    html = page.content()
    assert NAME in html, "still logged in"
    assert 'value="carla@example.org"' in html and "boese@example.org" not in html and "Gehackt" not in html
    for field in ("input[name=css_file]", "textarea[name=quicklinks]", "textarea[name=subscriptions]"):
        assert "boese.example" not in page.input_value(field) and "nameprefix:" not in page.input_value(field), field
    assert not page.is_checked("input[name=disabled]")
    assert "Umbenannt durch Angriff" not in page.goto(w + "/+index/").text()
    assert page.goto(w + "/" + VICTIM_PAGE).status == 200
    assert page.goto(w + "/Gefaelschte-Seite").status == 404
    assert page.goto(w + "/Hochgeladen").status == 404
    with urllib.request.urlopen(w + "/+gaa/calendar/alle.ics") as feed:
        assert b"Angriffstermin" not in feed.read()
    assert item_actions(page, w) == actions_before  # no subscription, no quicklink


def test_the_same_forms_work_on_our_own_pages(victim, wiki_url):
    page = victim
    page.goto(wiki_url + "/+usersettings")
    # moin's script shows the settings as tabs and saves each form by ajax (csrf.js adds the token header)
    page.locator(".moin-tabs a").filter(has_text=re.compile("Benachrichtigung|E-Mail")).first.click()
    form = page.locator("form:has(input[name=email])")
    form.locator("input[name=email]").fill("carla.neu@example.org")
    with page.expect_response(lambda r: r.request.method == "POST" and "/+usersettings" in r.url) as saved:
        form.locator("input[type=submit]").click()
    assert saved.value.status == 200
    page.goto(wiki_url + "/+usersettings")
    assert 'value="carla.neu@example.org"' in page.content()
    # a state-changing link clicked: csrf.js posts it with the token
    before = item_actions(page, wiki_url)
    page.locator('a[href*="/+subscribe/"]').first.click()
    page.wait_for_load_state()
    after_click = item_actions(page, wiki_url)
    assert after_click != before
    # without the script's help: the confirmation page, whose button posts
    page.goto(wiki_url + "/+subscribe/" + VICTIM_PAGE)
    page.locator("form.gaa-confirm button[type=submit]").click()
    page.wait_for_load_state()
    assert item_actions(page, wiki_url) == before
