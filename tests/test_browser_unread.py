"""Unread state in a real browser (issue 16.4): A answers in a thread B has read → B's list marks it, „nur ungelesene“
keeps it, and opening it lands at the new post – at 360 and at 1280 px, by keyboard only; the space's Aktivität
(16.5) fits both widths; axe-core finds nothing on the list, the thread and the stream."""

import re
from urllib.parse import quote

import pytest
from browser_support import browser, live_wiki, no_horizontal_scroll, register_and_login, tab_to  # noqa: F401
from test_browser_accessibility import AXE, findings, report

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

pytestmark = pytest.mark.browser

PASSWORD = "Browser-Passwort-2026"
GROUP = "Netzwerk Kooperative Planung"
AREA = f"/Gruppen/{quote(GROUP)}/Diskussion"
TITLE = "Was ist neu im Netzwerk"
TABS_AT_MOST = 120


@pytest.fixture(scope="module")
def base_url(tmp_path_factory):
    with live_wiki(str(tmp_path_factory.mktemp("live-unread"))) as url:
        yield url


def person(chromium, base_url, name, email, width):
    context = chromium.new_context(locale="de-DE", viewport={"width": width, "height": 800})
    page = context.new_page()
    register_and_login(page, base_url, name, email, PASSWORD)
    page.goto(base_url + f"/Gruppen/{quote(GROUP)}")
    page.get_by_role("button", name="Der Gruppe beitreten").click()
    page.wait_for_load_state()
    return context, page


def answer(page, base_url, text) -> str:
    page.goto(base_url + f"{AREA}/{quote(TITLE)}")
    page.get_by_label("Ihre Antwort").fill(text)
    page.get_by_role("button", name="Antwort senden").click()
    page.wait_for_load_state()
    return page.url.rsplit("#", 1)[1]


def tab_to_link(page, text: str) -> None:
    for _ in range(TABS_AT_MOST):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.tagName") == "A" and text in page.evaluate("document.activeElement.textContent"):
            return
    pytest.fail(f"no link „{text}“ reached by Tab")


def test_a_new_answer_is_marked_filtered_and_opened_at_the_new_post(browser, base_url):  # noqa: F811
    axe = AXE.read_text(encoding="utf-8")
    anna_context, anna = person(browser, base_url, "Anna Anfang", "anna.anfang@example.org", 1280)
    anna.goto(base_url + AREA)
    anna.get_by_text("Neues Thema eröffnen").click()
    anna.get_by_label("Titel des Themas").fill(TITLE)
    anna.get_by_label("Eröffnungsbeitrag").fill("Hier sammeln wir Neuigkeiten.")
    anna.get_by_role("button", name="Thema eröffnen").click()
    anna.wait_for_load_state()
    for number in range(3):
        answer(anna, base_url, f"Ältere Antwort {number}.")

    for width in (360, 1280):
        bert_context, bert = person(browser, base_url, f"Bert Breite{width}", f"bert{width}@example.org", width)
        bert.goto(base_url + f"{AREA}/{quote(TITLE)}")  # Bert reads the thread as it is
        expect(bert.locator("li.gaa-post-unread")).to_have_count(0)  # older than his first visit: nothing new
        new_post = answer(anna, base_url, f"Neu für Bert bei {width} px.")

        bert.goto(base_url + AREA)
        entry = bert.locator("ul.gaa-threads li", has_text=TITLE)
        expect(entry.locator(".gaa-new-mark")).to_have_text("1 neuer Beitrag")
        no_horizontal_scroll(bert, width)
        bert.screenshot(path=f"/tmp/shots/unread/list-{width}.png", full_page=True)
        found = [("Themenliste mit neuen", bert.url, v) for v in findings(bert, axe)]

        tab_to(bert, "nur-ungelesene", TABS_AT_MOST)
        bert.keyboard.press("Space")
        bert.keyboard.press("Tab")
        expect(bert.locator(":focus")).to_have_text("Anzeigen")
        with bert.expect_navigation():
            bert.keyboard.press("Enter")
        assert "ungelesen=1" in bert.url
        expect(bert.locator("section h3")).to_contain_text("Ungelesene Themen")
        expect(bert.locator("ul.gaa-threads li")).to_have_count(1)

        tab_to_link(bert, TITLE)
        with bert.expect_navigation():
            bert.keyboard.press("Enter")
        assert bert.url.endswith(f"#{new_post}")
        post = bert.locator(f"li[id='{new_post}']")
        expect(post).to_have_class(re.compile("gaa-post-unread"))
        expect(post.locator(".gaa-new-mark")).to_have_text("neu")
        expect(post).to_be_in_viewport()
        no_horizontal_scroll(bert, width)
        bert.screenshot(path=f"/tmp/shots/unread/thread-{width}.png")
        found += [("Thema mit neuen Beiträgen", bert.url, v) for v in findings(bert, axe)]

        bert.goto(base_url + AREA + "?ungelesen=1")  # read now
        expect(bert.locator(".gaa-empty")).to_contain_text("Keine ungelesenen Themen")

        bert.goto(base_url + f"/+gaa/aktivitaet/{quote(GROUP)}")  # the space's stream fits the screen too
        expect(bert.locator(".gaa-activity-list li").first).to_contain_text(TITLE)
        no_horizontal_scroll(bert, width)
        bert.screenshot(path=f"/tmp/shots/unread/activity-{width}.png", full_page=True)
        found += [("Aktivität", bert.url, v) for v in findings(bert, axe)]
        assert not found, f"axe-core ({width} px):\n" + report(found)
        bert_context.close()
    anna_context.close()
