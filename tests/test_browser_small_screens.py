"""Small screens: every page type at 320 CSS px (WCAG 1.4.10 Reflow) never scrolls sideways, and the charts
keep their labels inside at 1280 and 360 px.

Data tables may scroll inside their own box (1.4.10 exempts two-dimensional content); the page may not.
"""

import json
from urllib.parse import quote

import pytest
from browser_support import browser, live_wiki, login  # noqa: F401 – browser is a fixture

from macros._charts import BAR_AREA, MAX_COLUMN_WIDTH

pytestmark = pytest.mark.browser

PASSWORD = "Browser-Passwort-2026"
MODERATION = ("Mona Moderation", "mona@example.org", PASSWORD)  # administrator and moderator
WIDTH = 320
DISCUSSION = "Online-Diskussionen/Wie gelingt Beteiligung von Familien?"
HEAT_MAP = "Heatmap Nordrhein-Westfalen"
ONE_DAY = "Online-Diskussionen/Eintagsfrage"  # every post on one day

# (what, address, anonymous?) – one page of every type; the moderation sees the most (buttons, queues, forms)
PAGES = [
    ("Startseite", "/Startseite", False),
    ("Wiki-Seite", "/" + quote("Über den Partnerprozess"), False),
    ("Werkzeugkiste", "/Werkzeugkiste", False),
    ("Matrix", "/Matrix", False),
    ("Matrix mit gewählter Zelle", "/Matrix?lebensphase=kita&empfehlung=beteiligung", False),
    ("Werkzeug", "/" + quote("Werkzeugkiste/Checkliste Netzwerkaufbau"), False),
    ("Prüfliste der Moderation", "/+gaa/werkzeugkiste/pruefen", False),
    ("Partnerverzeichnis", "/Partnerverzeichnis", False),
    ("Profil", "/" + quote("Kommunen/Stadt Dormagen"), False),
    ("Heatmap", "/" + quote(HEAT_MAP), False),
    ("Netzwerkkalender", "/Netzwerkkalender", False),
    ("Netzwerkkalender, Monat", "/Netzwerkkalender?ansicht=monat", False),
    ("Termin", "/" + quote("Termine/Netzwerktreffen der Partnerkommunen (monatlich)"), False),
    ("Terminformular", "/+gaa/termin/neu", False),
    ("Gesprächsräume", "/" + quote("Gesprächsräume"), False),
    ("Gruppenraum", "/" + quote("Gruppen/Netzwerk Kooperative Planung"), False),
    ("Thema", "/" + quote("Gruppen/Netzwerk Kooperative Planung/Diskussion/Gemeinsame Datengrundlage für die Sozialraumplanung"), False),
    ("Online-Diskussionen", "/Online-Diskussionen", False),
    ("Auswertung", "/" + quote(DISCUSSION + "/Auswertung"), False),
    ("Profilformular", "/+gaa/kommune/bearbeiten/" + quote("Stadt Dormagen"), False),
    ("Werkzeugformular", "/+gaa/werkzeug/neu", False),
    ("Anmeldung", "/+login", True),
    ("Startseite anonym", "/Startseite", True),
    ("Suche", "/+search?q=Kita", False),
    ("Historie", "/+history/Startseite", False),
    ("Editor", "/+modify/" + quote("Über den Partnerprozess"), False),
    ("Personen", "/Personen", False),
    ("Personenseite", "/users/" + quote(MODERATION[0]), False),
    ("Einstellungen", "/+usersettings", False),
    ("Registrierung", "/+register", True),
]

# The elements that stick out on the right (for the failure message): tag, id/class and right edge.
OVERFLOWING = """width => {
    const out = [];
    for (const el of document.querySelectorAll('body *')) {
        const r = el.getBoundingClientRect();
        if (r.right > width + 0.5 && r.width > 0) {
            const parentOut = el.parentElement && el.parentElement.getBoundingClientRect().right > width + 0.5;
            if (!parentOut) out.push(`${el.tagName.toLowerCase()}#${el.id}.${el.className} right=${Math.round(r.right)}`);
        }
    }
    return out.slice(0, 8);
}"""

# Boxes that scroll sideways inside the page: #moin-content has overflow-x: auto, so a page whose content is
# too wide would pass the document check while its text is cut off at the edge.  Only a data table may scroll
# in its own box (1.4.10 exempts tables) – moin's tables (history …) or ours in a labelled, focusable region –
# but never the grid of Handlungsempfehlungen × Lebensphasen, which has its own layout for small screens.
SCROLLING_BOXES = """() => {
    const out = [];
    for (const el of document.querySelectorAll('body, body *')) {
        const style = getComputedStyle(el);
        if (!['auto', 'scroll'].includes(style.overflowX) || el.scrollWidth <= el.clientWidth + 1) continue;
        const table = el.matches('table') ? el
            : el.matches('[role=region][aria-label][tabindex="0"]') && el.querySelector(':scope > table');
        if (!table || table.matches('.gaa-grid')) {
            out.push(`${el.tagName.toLowerCase()}#${el.id}.${el.className} ${el.scrollWidth}>${el.clientWidth}`);
        }
    }
    return out;
}"""


def write_page(directory, name: str, text: str, meta: dict | None = None) -> None:
    path = directory / (name + ".data")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    (directory / (name + ".meta")).write_text(json.dumps({"summary": name, **(meta or {})}))


@pytest.fixture(scope="module")
def base_url(tmp_path_factory):
    extra = tmp_path_factory.mktemp("extra-seeds")
    write_page(extra, HEAT_MAP, "= Heatmap =\n\n<<ChainCoverage(land=nw)>>\n")
    write_page(extra, ONE_DAY, "<<DiscussionSpace>>\n", {"gaa_type": "onlinediskussion", "gaa_fields": {
        "titel": "Eintagsfrage", "einleitung": "Nur heute.", "beginn": "2026-09-12", "ende": "2026-09-12", "termin": ""}})
    for hour in (8, 9):
        write_page(extra, f"{ONE_DAY}/Frage um {hour}", "<<Discussion>>\n", {"gaa_type": "thema", "gaa_fields": {
            "titel": f"Frage um {hour}", "autor": "Test", "erstellt": f"2026-09-12T0{hour}:00:00+00:00", "text": "?",
            "gesperrt": False}})
    with live_wiki(str(tmp_path_factory.mktemp("live-small")), str(extra), admin=MODERATION) as url:
        yield url


@pytest.fixture(scope="module")
def pages(browser, base_url):  # noqa: F811
    """A 320 px wide page for the moderation (logged in) and one for an anonymous visitor."""
    moderation = browser.new_context(locale="de-DE", viewport={"width": WIDTH, "height": 640})
    anonymous = browser.new_context(locale="de-DE", viewport={"width": WIDTH, "height": 640})
    page = moderation.new_page()
    login(page, base_url, MODERATION[0], PASSWORD)
    yield {False: page, True: anonymous.new_page()}
    moderation.close()
    anonymous.close()


@pytest.mark.parametrize("what, path, anonymous", PAGES, ids=[p[0] for p in PAGES])
def test_no_page_level_horizontal_scroll_at_320_px(pages, base_url, what, path, anonymous):
    page = pages[anonymous]
    response = page.goto(base_url + path)
    assert response.status == 200, what
    assert page.evaluate("document.documentElement.clientWidth") == WIDTH
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= WIDTH, f"{what}: {width} px wide; sticking out: {page.evaluate(OVERFLOWING, WIDTH)}"
    assert page.evaluate(SCROLLING_BOXES) == [], what


# Every chart's size and, measured by the browser, the box of each of its texts (in viewBox units).
CHARTS = """() => [...document.querySelectorAll('svg.gaa-chart')].map(svg => ({
    id: svg.getAttribute('aria-labelledby'),
    width: svg.viewBox.baseVal.width,
    height: svg.viewBox.baseVal.height,
    shown: svg.getBoundingClientRect().width,
    texts: [...svg.querySelectorAll('text')].map(t => {
        const b = t.getBBox();
        return [t.textContent, b.x, b.y, b.x + b.width, b.y + b.height];
    }),
    bars: [...svg.querySelectorAll('rect')].map(r => r.width.baseVal.value),
}))"""


@pytest.mark.parametrize("width", [1280, 360])
def test_charts_keep_their_labels_inside_and_one_day_is_one_narrow_column(browser, base_url, width):  # noqa: F811
    """Regressions: the Auswertung's first day label was cut at the left edge („2.09.“), and a discussion
    of one day drew one block across the whole chart."""
    context = browser.new_context(locale="de-DE", viewport={"width": width, "height": 800})
    page = context.new_page()
    for address in (DISCUSSION + "/Auswertung", ONE_DAY + "/Auswertung", "Partnerverzeichnis"):
        page.goto(base_url + "/" + quote(address))
        charts = page.evaluate(CHARTS)
        assert charts, address
        for chart in charts:
            for text, left, top, right, bottom in chart["texts"]:
                inside = 0 <= left and right <= chart["width"] and 0 <= top and bottom <= chart["height"]
                assert inside, f"{address}: „{text}“ at {left:.0f}…{right:.0f} × {top:.0f}…{bottom:.0f} in {chart}"
            assert chart["shown"] <= min(chart["width"], width), address  # natural size at most, narrower if need be
            limit = MAX_COLUMN_WIDTH if chart["id"] == "auswertung-verlauf-titel" else BAR_AREA
            assert 0 < max(chart["bars"]) <= limit, address
        assert page.evaluate("document.documentElement.scrollWidth") <= width, address
    page.goto(base_url + "/" + quote(ONE_DAY + "/Auswertung"))
    (day,) = [chart for chart in page.evaluate(CHARTS) if chart["id"] == "auswertung-verlauf-titel"]
    assert len(day["bars"]) == 1 and [t[0] for t in day["texts"]] == ["2", "12.09."]
    assert day["width"] <= 2 * MAX_COLUMN_WIDTH
    context.close()
