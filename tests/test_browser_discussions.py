"""A Gesprächsraum in a real browser: join, open a thread, reply and reply to a reply, subscribe –
and a list of XSS vectors in titles and posts that must never fire, not even when clicked."""

import re
from urllib.parse import quote

import pytest
from browser_support import browser, live_wiki, register_and_login  # noqa: F401 – browser is a fixture

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

pytestmark = pytest.mark.browser

PASSWORD = "Browser-Passwort-2026"
GROUP = "Netzwerk Kooperative Planung"
XSS_VECTORS = [
    "<script>window.__xss=1</script>",
    "<img src=x onerror=window.__xss=1>",
    "[klick mich](javascript:window.__xss=1)",
    "[Groß](JaVaScRiPt:window.__xss=1)",
    '<a href="javascript:window.__xss=1">Link</a>',
    "<svg onload=window.__xss=1>",
    '<iframe src="javascript:window.__xss=1"></iframe>',
    '<div style="background:url(javascript:window.__xss=1)">Stil</div>',
    '"><script>window.__xss=1</script>',
    "[daten](data:text/html;base64,PHNjcmlwdD53aW5kb3cuX194c3M9MTwvc2NyaXB0Pg==)",
    "<details open ontoggle=window.__xss=1>x</details>",
    "<math><mi xlink:href=\"javascript:window.__xss=1\">m</mi></math>",
    "`<b>Code bleibt Text</b>`",
    "<a href=https://example.org onmouseover=window.__xss=1>hover</a>",
]


@pytest.fixture(scope="module")
def base_url(tmp_path_factory):
    with live_wiki(str(tmp_path_factory.mktemp("live-discussions"))) as url:
        yield url


def test_join_post_reply_subscribe_and_no_vector_fires(browser, base_url):  # noqa: F811
    context = browser.new_context(locale="de-DE")
    page = context.new_page()
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    register_and_login(page, base_url, "Paula Post", "paula@example.org", PASSWORD)

    page.goto(base_url + "/Gesprächsräume")
    page.get_by_role("link", name=GROUP).click()
    page.wait_for_load_state()
    page.get_by_role("button", name="Der Gruppe beitreten").click()
    page.wait_for_load_state()
    expect(page.locator(".gaa-membership")).to_contain_text("Sie sind Mitglied dieser Gruppe.")

    title = '<img src=x onerror=window.__xss=1>Elternabende "anders" planen'
    page.get_by_text("Neues Thema eröffnen").click()
    page.get_by_label("Titel des Themas").fill(title)
    page.get_by_label("Eröffnungsbeitrag").fill("Ideen sammeln:\n\n" + "\n\n".join(XSS_VECTORS))
    page.get_by_role("button", name="Thema eröffnen").click()
    page.wait_for_load_state()
    opening = page.locator(".gaa-opening")
    expect(opening).to_contain_text("<b>Code bleibt Text</b>")
    expect(opening).to_contain_text("<script>window.__xss=1</script>")  # shown as text
    assert opening.locator("script, img, svg, iframe, details, math").count() == 0
    assert all(not (href or "").lower().startswith(("javascript", "data")) for href in
               opening.locator("a").evaluate_all("links => links.map(a => a.getAttribute('href'))"))
    for link in opening.locator("a").all():
        link.click(modifiers=["Control"]) if link.get_attribute("href") else link.click()
        link.hover()
    assert page.evaluate("window.__xss") is None and dialogs == []
    assert "Elternabende" in page.title()

    page.get_by_label("Ihre Antwort").fill("Erste Antwort mit **Betonung**.")
    page.get_by_role("button", name="Antwort senden").click()
    page.wait_for_load_state()
    first = page.locator("li.gaa-post").first
    expect(first.locator("strong", has_text="Betonung")).to_be_visible()
    first.get_by_role("link", name="Antworten").click()
    page.wait_for_load_state()
    form = page.locator("#antworten")
    expect(form).to_contain_text("Ihre Antwort an Paula Post")
    form.get_by_role("textbox").fill("Antwort auf die Antwort.")
    page.get_by_role("button", name="Antwort senden").click()
    page.wait_for_load_state()
    nested = page.locator("li.gaa-post ol.gaa-replies li.gaa-post")
    expect(nested).to_contain_text("Antwort auf die Antwort.")

    # the author is subscribed to their thread; they can cancel and subscribe again
    page.get_by_role("button", name=re.compile("für dieses Thema abbestellen")).click()
    page.wait_for_load_state()
    page.get_by_role("button", name=re.compile("dieses Thema abonnieren")).click()
    page.wait_for_load_state()
    expect(page.get_by_role("button", name=re.compile("für dieses Thema abbestellen"))).to_be_visible()
    assert page.evaluate("window.__xss") is None and dialogs == []

    # the group page lists the thread; the title stays text there too
    page.goto(base_url + "/Gruppen/" + quote(GROUP))
    expect(page.locator("ul.gaa-threads")).to_contain_text('<img src=x onerror=window.__xss=1>Elternabende "anders" planen')
    assert page.evaluate("window.__xss") is None and dialogs == []
    context.close()


def test_reading_works_without_javascript_and_anonymous_visitors_are_asked_to_log_in(browser, base_url):  # noqa: F811
    context = browser.new_context(locale="de-DE", java_script_enabled=False)
    page = context.new_page()
    page.goto(base_url + "/Online-Diskussionen")
    page.get_by_role("link", name="Wie gelingt Beteiligung von Familien?").click()
    page.wait_for_load_state()
    expect(page.locator(".gaa-phase")).to_have_text("abgeschlossen")
    page.get_by_role("link", name="Auswertung und Ergebnissicherung").click()
    page.wait_for_load_state()
    expect(page.locator("#auswertung")).to_contain_text("Ergebnissicherung")
    expect(page.locator("#auswertung svg.gaa-chart").first).to_be_visible()
    page.go_back()
    page.locator("ul.gaa-threads a").first.click()
    page.wait_for_load_state()
    expect(page.locator("#antworten")).to_contain_text("Bitte melden Sie sich an")
    context.close()
