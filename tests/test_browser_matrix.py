"""The matrix and the tool form in a real browser: click, filter, share, keyboard only, XSS."""

import json
import re

import pytest
from browser_support import browser, expect, injected, live_wiki, login, register_and_login  # noqa: F401 – fixture

pytestmark = pytest.mark.browser

PASSWORD = "Browser-Passwort-2026"
MODERATION = ("Mona Moderation", "mona@example.org", PASSWORD)  # administrator and moderator
WORD = "Quokka"  # every test tool carries it, so filters with q=Quokka see only them


def write_tool(directory, titel, phases, recs, art, status="geprueft", jahr=2020):
    fields = {
        "titel": titel,
        "kurzbeschreibung": f"{WORD}: {titel}",
        "lebensphasen": phases,
        "empfehlungen": recs,
        "art": art,
        "quelle": "Test",
        "link": "",
        "datei": "",
        "jahr": jahr,
        "kommune": "",
        "land": "",
        "status": status,
        "vorgeschlagen_von": "Test",
        "begruendung": "",
    }
    folder = directory / "Werkzeugkiste"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{titel}.data").write_text(f"<<ToolCard>>\n\n{WORD} im Einsatz.\n")
    (folder / f"{titel}.meta").write_text(
        json.dumps({"summary": fields["kurzbeschreibung"], "gaa_type": "werkzeug", "gaa_fields": fields})
    )


@pytest.fixture(scope="module")
def base_url(tmp_path_factory):
    extra = tmp_path_factory.mktemp("extra-seeds")
    write_tool(extra, "Quokka Leitfaden Kita", ["kita"], ["beteiligung"], "leitfaden", status="hervorgehoben")
    write_tool(extra, "Quokka Checkliste Kita", ["kita"], ["beteiligung", "zusammenarbeit"], "checkliste")
    write_tool(extra, "Quokka Video Schule", ["grundschule"], ["zusammenarbeit"], "video", jahr=2012)
    with live_wiki(str(tmp_path_factory.mktemp("live-matrix")), str(extra), admin=MODERATION) as url:
        yield url


@pytest.fixture
def context(browser):  # noqa: F811
    context = browser.new_context(locale="de-DE")
    yield context
    context.close()


def caption(page):
    return page.locator("#gaa-matrix caption").inner_text()


def test_click_a_cell_filter_and_share_the_url(context, base_url):
    page = context.new_page()
    page.goto(base_url + f"/Matrix?q={WORD}")
    expect(page.locator("#gaa-matrix caption")).to_contain_text("3 Werkzeuge")
    page.evaluate("window.__noReload = 42")

    page.get_by_role("link", name=re.compile("2 Werkzeuge für Beteiligung .* Kita")).click()
    expect(page.locator("#werkzeugliste")).to_contain_text("2 Werkzeuge: Beteiligung")
    items = page.locator(".gaa-cell-list .gaa-tool h3 a")
    expect(items).to_have_text(["Quokka Leitfaden Kita", "Quokka Checkliste Kita"])  # highlighted first
    assert "lebensphase=kita" in page.url and "empfehlung=beteiligung" in page.url
    assert page.evaluate("window.__noReload") == 42  # updated in place

    page.select_option("#matrix-art", "checkliste")
    expect(page.locator("#gaa-matrix caption")).to_contain_text("1 Werkzeug")
    expect(page.locator("#werkzeugliste")).to_contain_text("1 Werkzeug")
    assert "art=checkliste" in page.url and page.evaluate("window.__noReload") == 42

    shared = context.new_page()  # someone opens the shared link
    shared.goto(page.url)
    assert caption(shared) == caption(page)
    expect(shared.locator(".gaa-cell-list .gaa-tool h3 a")).to_have_text(["Quokka Checkliste Kita"])
    # the export link carries exactly the same filter
    href = shared.get_by_role("link", name="CSV").get_attribute("href")
    assert "art=checkliste" in href and f"q={WORD}" in href and "lebensphase=kita" in href


def tab_to_cell(page, name: str) -> None:
    """Press Tab until the matrix cell link whose text matches ``name`` has the focus."""
    target = re.compile(name)
    for _ in range(200):
        page.keyboard.press("Tab")
        label = page.evaluate("document.activeElement.matches('a.gaa-cell-link') ? document.activeElement.innerText : ''")
        if target.search(label.replace("\n", " ")):
            break
    else:
        pytest.fail("the cell link was never reached with Tab")


def test_keyboard_only(context, base_url):
    page = context.new_page()
    page.goto(base_url + f"/Matrix?q={WORD}")
    tab_to_cell(page, "1 Werkzeug für Interdisziplinäre .* Grundschule")
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"
    page.keyboard.press("Enter")
    expect(page.locator("#werkzeugliste")).to_be_focused()
    expect(page.locator("#werkzeugliste")).to_contain_text("1 Werkzeug")


def test_works_without_javascript(browser, base_url):  # noqa: F811
    context = browser.new_context(locale="de-DE", java_script_enabled=False)
    page = context.new_page()
    page.goto(base_url + f"/Matrix?q={WORD}")
    page.select_option("#matrix-art", "video")
    page.get_by_role("button", name="Filter anwenden").click()
    page.wait_for_load_state()
    assert "art=video" in page.url
    expect(page.locator("#gaa-matrix caption")).to_contain_text("1 Werkzeug")
    page.get_by_role("link", name=re.compile("1 Werkzeug für Interdisziplinäre")).click()
    expect(page.locator(".gaa-cell-list .gaa-tool h3 a")).to_have_text(["Quokka Video Schule"])
    context.close()


MARK = "__xss"  # every payload carries it: found in the DOM as an element or attribute, it was injected
XSS = [
    "<script>window.__xss=1</script>",
    '<img src=x onerror="window.__xss=1">',
    '"><svg onload="window.__xss=1">',
    "' onmouseover='window.__xss=1' x='",
    "<a href=\"javascript:window.__xss=1\">klick</a>",
]
TITLE = "Quokka Sicherheitstest"


def check_page(page, url: str, shown: list[str]) -> None:
    """``url`` shows each text in ``shown`` (a payload, as text) and holds no element or attribute made of one."""
    page.goto(url)
    page.wait_for_load_state()
    page.mouse.move(10, 10)
    page.mouse.move(400, 400)
    assert injected(page, MARK) == [], url
    assert page.evaluate("window.__xss") is None, url
    body = page.locator("body").inner_text()
    missing = [text for text in shown if text not in body]
    assert missing == [], f"{url}: the payload is not on the page as text (so the check above saw nothing): {missing}"


def test_xss_vectors_in_a_proposal_stay_text_for_the_proposer_and_the_moderation(browser, base_url):  # noqa: F811
    """A registered user proposes a tool full of payloads; the proposer and the moderation (who sees
    proposals in the matrix with status=alle) open the pages that render it: each payload is there as
    text, none became an element or an attribute (the CSP would stop inline script anyway, so a dialog
    or ``window.__xss`` alone proves nothing)."""
    proposer = browser.new_context(locale="de-DE")
    page = proposer.new_page()
    fired = []
    page.on("dialog", lambda dialog: (fired.append(dialog.message), dialog.dismiss()))
    register_and_login(page, base_url, "Xaver Xss", "xaver@example.org", PASSWORD)

    page.goto(base_url + "/+gaa/werkzeug/neu")
    page.fill("#feld-titel", TITLE)
    page.fill("#feld-kurzbeschreibung", " ".join(XSS[:3]))
    page.check("input[name=lebensphasen][value=kita]")
    page.check("input[name=empfehlungen][value=beteiligung]")
    page.select_option("#feld-art", "leitfaden")
    page.fill("#feld-quelle", f"{XSS[3]} {XSS[4]}")
    page.fill("#feld-kommune", XSS[4])  # refused (no such profile): the payload comes back in the message
    page.fill("#feld-link", "javascript:window.__xss=1")
    page.fill("#feld-langtext", "\n".join(XSS) + "\n{{{#!html\n<img src=x onerror=\"window.__xss=1\">\n}}}\n")
    page.get_by_role("button", name="Speichern").click()
    # the javascript: link is refused with a German message; everything typed is kept
    expect(page.locator(".gaa-error-summary")).to_contain_text("http:// oder https://")
    expect(page.locator(".gaa-error-summary")).to_contain_text(f"„{XSS[4]}“ steht nicht im Partnerverzeichnis")
    assert page.input_value("#feld-quelle") == f"{XSS[3]} {XSS[4]}"
    page.fill("#feld-link", "")
    page.fill("#feld-kommune", "")
    page.get_by_role("button", name="Speichern").click()
    page.wait_for_load_state()
    expect(page.locator(".gaa-card")).to_contain_text(XSS[0])  # shown as text
    tool_page = base_url + "/Werkzeugkiste/" + TITLE
    check_page(page, tool_page, XSS)
    proposer.close()

    moderation = browser.new_context(locale="de-DE")
    page = moderation.new_page()
    page.on("dialog", lambda dialog: (fired.append(dialog.message), dialog.dismiss()))
    login(page, base_url, MODERATION[0], PASSWORD)
    check_page(page, tool_page, XSS)
    # the proposal in the matrix's list of a cell: title, short description and source are rendered there
    cell = f"/Matrix?q={WORD}&status=alle&lebensphase=kita&empfehlung=beteiligung"
    check_page(page, base_url + cell, [TITLE, *XSS[:3], XSS[3]])
    expect(page.locator(".gaa-cell-list")).to_contain_text(TITLE)
    check_page(page, base_url + "/+gaa/werkzeugkiste/pruefen", [TITLE])  # the moderation's queue
    moderation.close()
    assert fired == []


# The grid of Handlungsempfehlungen × Lebensphasen in its layout (table / blocks) and whether anything of it sticks
# out of its region or makes the region scroll.
GRID_LAYOUT = """selector => {
    const table = document.querySelector(selector);
    const region = table.closest('[role=region]');
    const limit = region.getBoundingClientRect().right + 0.5;
    const out = [...table.querySelectorAll('caption, tbody *, thead th')]
        .filter(el => el.getBoundingClientRect().right > limit && getComputedStyle(el).position !== 'absolute')
        .filter(el => !el.closest('thead') || getComputedStyle(table).display === 'table')
        .map(el => `${el.tagName}: ${el.innerText.slice(0, 40)}`);
    return {
        display: getComputedStyle(table).display,
        scrolls: region.scrollWidth > region.clientWidth + 1 || document.documentElement.scrollWidth > innerWidth,
        out,
        headers: [...table.querySelectorAll('thead th')].map(th => th.getBoundingClientRect().right <= limit),
        phaseLabels: [...table.querySelectorAll('tbody tr:first-child .gaa-cell-phase')]
            .filter(el => el.getBoundingClientRect().width > 0).map(el => el.innerText),
    };
}"""
GRIDS = [("/Matrix", "#gaa-matrix table.gaa-matrix"), ("/Kommunen/Stadt Dormagen", "table.gaa-coverage"),
         ("/Partnerverzeichnis", "table.gaa-heatmap")]
PHASES = ["Rund um die Geburt", "Familie / frühe Kindheit", "Kita", "Grundschule", "weiterführende Schule",
          "Übergang Ausbildung & Beruf"]


@pytest.mark.parametrize("path, selector", GRIDS, ids=["Matrix", "Abdeckung", "Heatmap"])
def test_the_grids_fit_at_1280_px_with_all_six_life_phases(browser, base_url, path, selector):  # noqa: F811
    """Regression: the 6th life phase and the profile's coverage were cut off in a sideways-scrolling box."""
    context = browser.new_context(locale="de-DE", viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.goto(base_url + path)
    layout = page.evaluate(GRID_LAYOUT, selector)
    assert layout["display"] == "table" and layout["headers"] == [True] * 7, layout
    assert layout["out"] == [] and not layout["scrolls"], layout
    assert layout["phaseLabels"] == []  # the column headers name the phases
    context.close()


@pytest.mark.parametrize("path, selector", GRIDS, ids=["Matrix", "Abdeckung", "Heatmap"])
def test_on_a_phone_each_recommendation_is_a_block_listing_the_life_phases(browser, base_url, path, selector):  # noqa: F811
    context = browser.new_context(locale="de-DE", viewport={"width": 360, "height": 740}, java_script_enabled=False)
    page = context.new_page()
    page.goto(base_url + path)
    layout = page.evaluate(GRID_LAYOUT, selector)
    assert layout["display"] == "block" and layout["phaseLabels"] == PHASES, layout
    assert layout["out"] == [] and not layout["scrolls"], layout
    # the column headers are still there for screen readers
    assert page.locator(selector).get_by_role("columnheader", name="Kita").count() == 1
    context.close()


def test_on_a_phone_a_cell_is_opened_by_keyboard_without_javascript(browser, base_url):  # noqa: F811
    context = browser.new_context(locale="de-DE", viewport={"width": 360, "height": 740}, java_script_enabled=False)
    page = context.new_page()
    page.goto(base_url + f"/Matrix?q={WORD}")
    tab_to_cell(page, "2 Werkzeuge für Beteiligung .* Kita")
    block = page.evaluate("document.activeElement.closest('tr').querySelector('th').innerText")
    assert block.startswith("Beteiligung")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "lebensphase=kita" in page.url and "empfehlung=beteiligung" in page.url
    expect(page.locator(".gaa-cell-list .gaa-tool h3 a")).to_have_text(["Quokka Leitfaden Kita", "Quokka Checkliste Kita"])
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    context.close()
