"""Accessibility beyond AA (issue 14, point 10): axe-core in Chromium finds nothing – no rule of any impact, best
practice included – on every page type, as a visitor, a practitioner and the moderation see it.

axe-core comes from npm (tests/js, installed by `make test` with npm ci) and is evaluated through the DevTools
protocol, which the site's Content-Security-Policy (no inline scripts) does not govern. One live wiki, one browser
context per role; the practitioner's pages are checked at 360 px, the others at 1280 px.
"""

from pathlib import Path
from urllib.parse import quote

import pytest
from browser_support import browser, live_wiki, login, register_and_login  # noqa: F401 – browser is a fixture

pytestmark = pytest.mark.browser

AXE = Path(__file__).parent / "js" / "node_modules" / "axe-core" / "axe.min.js"
PASSWORD = "Browser-Passwort-2026"
MODERATION = ("Mona Moderation", "mona@example.org", PASSWORD)  # administrator and moderator
PRACTITIONER = ("Paula Praxis", "paula@example.org", PASSWORD)
DISCUSSION = "Online-Diskussionen/Wie gelingt Beteiligung von Familien?"
THREAD = "Gruppen/Netzwerk Kooperative Planung/Diskussion/Gemeinsame Datengrundlage für die Sozialraumplanung"
PRIVATE_GROUP = "Gruppen/Beispielnetzwerk Frühe Hilfen"
FREE_PAGE = "Notizen aus dem Netzwerktreffen"  # written in moin's editor by the practitioner (fixture below)
WIDTHS = {"anonymous": 1280, "registered": 360, "moderator": 1280}


def click(selector: str):
    """A step after the page has loaded: submit a form with the button ``selector``."""
    return lambda page: page.click(selector)


def editor(name: str) -> list:
    """moin's editor on ``name``, then its preview (the editor's lock keeps others out for a while: one page each)."""
    return [("Editor", "/+modify/" + quote(name), None),
            ("Editor mit Vorschau", "/+modify/" + quote(name), click("#moin-preview-text-button"))]


# (what the page is, its path, a step that leads on from it or None) – the pages every role sees, then each role's
EVERY_ROLE = [
    ("Startseite", "/Startseite", None),
    ("freie Seite", "/" + quote(FREE_PAGE), None),
    ("Werkzeugkiste", "/Werkzeugkiste", None),
    ("Matrix", "/Matrix", None),
    ("Matrix gefiltert", "/Matrix?lebensphase=kita&empfehlung=beteiligung", None),
    ("Werkzeug", "/" + quote("Werkzeugkiste/Leitfaden Sozialraumanalyse"), None),
    ("Partnerverzeichnis", "/Partnerverzeichnis", None),
    ("Profil", "/" + quote("Kommunen/Stadt Nürnberg"), None),
    ("Netzwerkkalender, Liste", "/Netzwerkkalender", None),
    ("Netzwerkkalender, Monat", "/Netzwerkkalender?ansicht=monat&monat=2026-12", None),
    ("Termin", "/" + quote("Termine/Regionaltreffen Sachsen"), None),
    ("Gesprächsräume", "/" + quote("Gesprächsräume"), None),
    ("Online-Diskussionen", "/Online-Diskussionen", None),
    ("Online-Diskussion", "/" + quote(DISCUSSION), None),
    ("Auswertung", "/" + quote(DISCUSSION + "/Auswertung"), None),
    ("Personenseite", "/users/" + quote(MODERATION[0]), None),
    ("Suche", "/+search?q=Familienzentrum", None),
    ("404", "/" + quote("Diese Seite gibt es nicht"), None),
    ("Historie", "/+history/" + quote(FREE_PAGE), None),
    ("Vergleich", "/+history/" + quote(FREE_PAGE), click("form[action*='/+diff/'] [type=submit]")),
    ("Erklärung zur Barrierefreiheit", "/" + quote("Erklärung zur Barrierefreiheit"), None),
    ("Leichte Sprache", "/" + quote("Leichte Sprache"), None),
]
MEMBERS = [  # what registered people see beyond the public pages
    ("Gruppenraum", "/" + quote("Gruppen/Netzwerk Kooperative Planung"), None),
    ("Thema", "/" + quote(THREAD), None),
    ("Personen", "/Personen", None),
    ("Einstellungen", "/+usersettings", None),
    ("Terminformular", "/+gaa/termin/neu", None),
    ("Werkzeug vorschlagen", "/+gaa/werkzeug/neu", None),
]
PAGES = {
    "anonymous": EVERY_ROLE + [
        ("Anmeldung", "/+login", None),
        ("Registrierung", "/+register", None),
        ("Gruppenraum, 403", "/" + quote("Gruppen/Netzwerk Kooperative Planung"), None),
    ],
    "registered": EVERY_ROLE + MEMBERS + editor(FREE_PAGE) + [
        ("privater Gruppenraum, 403", "/" + quote(PRIVATE_GROUP), None),
        ("Formular mit Fehlern", "/+gaa/werkzeug/neu", click(".gaa-tool-form button:text-is('Speichern')")),
    ],
    "moderator": EVERY_ROLE + MEMBERS + editor("Hilfe/Mitmachen") + [
        ("Prüfliste", "/+gaa/werkzeugkiste/pruefen", None),
        ("Profil anlegen", "/+gaa/kommune/neu", None),
        ("Profil bearbeiten", "/+gaa/kommune/bearbeiten/" + quote("Stadt Nürnberg"), None),
        ("Termin bearbeiten", "/+gaa/termin/bearbeiten/" + quote("Termine/Regionaltreffen Sachsen"), None),
        ("Gruppe anlegen", "/+gaa/gruppe/neu", None),
        ("Online-Diskussion anlegen", "/+gaa/online-diskussion/neu", None),
        ("privater Gruppenraum", "/" + quote(PRIVATE_GROUP), None),
    ],
}
# the answers that are not 200: who may not read a page gets 403, a form with errors 400
STATUS = {"404": 404, "Gruppenraum, 403": 403, "privater Gruppenraum, 403": 403, "Formular mit Fehlern": 400}
RUN_AXE = """async () => {
    const result = await axe.run(document, {resultTypes: ['violations']});
    return result.violations.map(v => ({rule: v.id, impact: v.impact, help: v.help,
                                        targets: v.nodes.map(n => n.target.join(' '))}));
}"""


@pytest.fixture(scope="module")
def base_url(tmp_path_factory):
    with live_wiki(str(tmp_path_factory.mktemp("live-a11y")), admin=MODERATION) as url:
        yield url


@pytest.fixture(scope="module")
def axe_source():
    if not AXE.is_file():
        pytest.fail(f"axe-core is missing ({AXE}): `make test` installs it (npm ci in tests/js).")
    return AXE.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def free_page(browser, base_url):  # noqa: F811
    """The practitioner registers and writes a free page in moin's editor, then changes it: two revisions."""
    context = browser.new_context(locale="de-DE")
    page = context.new_page()
    register_and_login(page, base_url, *PRACTITIONER)
    for text in ("= Notizen =\nErste Fassung.\n", "= Notizen =\nZweite Fassung.\n"):
        page.goto(f"{base_url}/+modify/{quote(FREE_PAGE)}")
        page.fill("#f_content_form_data_text", text)
        with page.expect_navigation():
            page.click("#moin-save-text-button")
    assert page.url == f"{base_url}/{quote(FREE_PAGE)}"
    context.close()
    return FREE_PAGE


def findings(page, axe_source: str) -> list[dict]:
    """axe-core's violations on the page as it is now, every rule that is not experimental."""
    page.evaluate(axe_source)
    return page.evaluate(RUN_AXE)


def visit(page, url: str, step) -> int:
    """Open ``url`` (and take ``step`` from there); the status of the page now shown."""
    response = page.goto(url)
    if step is None:
        assert page.url.split("#")[0] == url, f"{url} led to {page.url}"
        return response.status
    with page.expect_navigation() as navigation:
        step(page)
    return navigation.value.status


def report(found: list[tuple[str, str, dict]]) -> str:
    return "\n".join(f"{url} ({label}): {v['rule']} [{v['impact']}] {v['help']} – {', '.join(v['targets'])}"
                     for label, url, v in found)


@pytest.mark.parametrize("role", ["anonymous", "registered", "moderator"])
def test_axe_finds_nothing_on_any_page(browser, base_url, axe_source, free_page, role):  # noqa: F811
    context = browser.new_context(viewport={"width": WIDTHS[role], "height": 900}, locale="de-DE")
    page = context.new_page()
    if role == "registered":
        login(page, base_url, PRACTITIONER[0], PRACTITIONER[2])
    elif role == "moderator":
        login(page, base_url, MODERATION[0], MODERATION[2])
    found = []
    for label, path, step in PAGES[role]:
        assert visit(page, base_url + path, step) == STATUS.get(label, 200), (label, page.url)
        found += [(label, page.url, v) for v in findings(page, axe_source)]
    context.close()
    assert not found, f"axe-core ({role}, {WIDTHS[role]} px):\n" + report(found)
