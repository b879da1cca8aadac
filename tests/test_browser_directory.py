"""The Partnerverzeichnis in a real browser: filter, open a profile, read the coverage grid by keyboard;
the profile form at 1280 and 360 px (folding sections, a row added without JavaScript)."""

import json
import os
import re

import pytest
from browser_support import browser, live_wiki, login  # noqa: F401 – browser is a fixture

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

pytestmark = pytest.mark.browser

PASSWORD = "Browser-Passwort-2026"
MODERATION = ("Mona Moderation", "mona@example.org", PASSWORD)  # administrator and moderator
SHOTS = "/tmp/shots/forms"


def write_profile(directory, name, land, activities):
    fields = {
        "name": name, "art": "kreisfreie-stadt", "land": land, "einwohner": 90000, "partner_seit": "2013-04-01",
        "strategiephase": "entwickeln", "phasen_verlauf": [{"phase": "entwickeln", "seit": "2013-04-01"}],
        "strategie": "<img src=x onerror=\"window.__xss=1\"> Prävention zuerst", "ressorts": ["Gesundheit"],
        "website": "", "logo": "", "redakteure": [],
        "kontakte": [{"name": "Lena Lotse", "rolle": "Koordination", "email": "lena@example.org", "telefon": "",
                      "sichtbarkeit": {"name": "oeffentlich", "rolle": "oeffentlich"}}],
        "aktivitaeten": activities,
    }
    folder = directory / "Kommunen"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.data").write_text("<<MunicipalityProfile>>\n\n<<ChainCoverage>>\n")
    (folder / f"{name}.meta").write_text(json.dumps({"summary": name, "gaa_type": "kommune", "gaa_fields": fields}))


@pytest.fixture(scope="module")
def base_url(tmp_path_factory):
    extra = tmp_path_factory.mktemp("profiles")
    activity = {"titel": "Kita-Lotsen", "beschreibung": "", "lebensphasen": ["kita"], "empfehlungen": ["zusammenarbeit"],
                "partner": "", "seit": "", "bis": "", "link": ""}
    write_profile(extra, "Seestadt Alpha", "mv", [activity])
    write_profile(extra, "Bergstadt Beta", "by", [])
    with live_wiki(str(tmp_path_factory.mktemp("live-directory")), str(extra), admin=MODERATION) as url:
        yield url


def test_filter_open_profile_and_read_the_grid_by_keyboard(browser, base_url):  # noqa: F811
    context = browser.new_context(locale="de-DE")
    page = context.new_page()
    fired = []
    page.on("dialog", lambda d: (fired.append(d.message), d.dismiss()))
    page.goto(base_url + "/Partnerverzeichnis")
    page.select_option("#verzeichnis-land", "mv")
    page.get_by_role("button", name="Filter anwenden").click()
    page.wait_for_load_state()
    assert "land=mv" in page.url
    table = page.locator("table.gaa-directory")
    expect(table).to_contain_text("Seestadt Alpha")
    expect(table).not_to_contain_text("Bergstadt Beta")
    expect(page.locator("svg.gaa-chart")).to_be_visible()

    page.get_by_role("link", name="Seestadt Alpha").click()
    page.wait_for_load_state()
    expect(page.locator(".gaa-profile")).to_contain_text("Koordinierungsstelle Gesundheitliche Chancengleichheit Mecklenburg-Vorpommern")
    expect(page.locator(".gaa-profile")).to_contain_text("Lena Lotse")
    expect(page.locator(".gaa-profile")).not_to_contain_text("lena@example.org")  # registered users only

    # keyboard: Tab reaches the coverage grid region, its caption is its name, cells read in order
    region = page.get_by_role("region", name=re.compile("Präventionskette Seestadt Alpha: 1 von 42"))
    for _ in range(150):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.getAttribute('aria-label') || ''").startswith("Präventionskette"):
            break
    else:
        pytest.fail("the coverage grid was not reachable by keyboard")
    expect(region).to_be_focused()
    row = region.get_by_role("row", name=re.compile("Interdisziplinäre Zusammenarbeit"))
    expect(row.get_by_role("cell").nth(2)).to_contain_text("✓ abgedeckt")
    expect(row.get_by_role("cell").nth(0)).to_contain_text("Lücke")
    assert page.evaluate("window.__xss") is None and fired == []
    context.close()


@pytest.mark.parametrize("width", [1280, 360])
def test_the_profile_form_is_short_and_adds_a_row_without_javascript(browser, base_url, width):  # noqa: F811
    context = browser.new_context(locale="de-DE", java_script_enabled=False, viewport={"width": width, "height": 900})
    page = context.new_page()
    login(page, base_url, MODERATION[0], PASSWORD)
    page.goto(base_url + "/+gaa/kommune/neu")
    os.makedirs(SHOTS, exist_ok=True)
    page.screenshot(path=f"{SHOTS}/profilformular-leer-{width}.png", full_page=True)
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height < 2500, height  # was about 8,900 px at 1280 with three contact and five activity slots
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")

    page.fill("#feld-name", f"Zeilendorf {width}")
    page.get_by_text("Ansprechpersonen (0)").click()  # the section folds open (no script needed)
    page.fill("#feld-kontakte-0-name", "Erika Erste")
    page.fill("#feld-kontakte-0-email", "erika@example.org")
    page.get_by_role("button", name="+ Weitere Ansprechperson").click()
    page.wait_for_load_state()
    # the form came back with everything typed, one row more, the new row's name field focused
    assert page.input_value("#feld-name") == f"Zeilendorf {width}"
    assert page.input_value("#feld-kontakte-0-name") == "Erika Erste"
    assert page.input_value("#feld-kontakte-0-email") == "erika@example.org"
    expect(page.locator("#feld-kontakte-1-name")).to_be_focused()
    expect(page.locator(".gaa-error-summary")).to_have_count(0)
    page.keyboard.type("Zora Zweite")
    page.screenshot(path=f"{SHOTS}/profilformular-zeile-{width}.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    # and out again
    page.get_by_role("button", name="Ansprechperson 1 entfernen").click()
    page.wait_for_load_state()
    assert page.input_value("#feld-kontakte-0-name") == "Zora Zweite"
    expect(page.locator("#feld-kontakte-1-name")).to_have_count(0)
    page.get_by_text("Aktivitäten (0)").click()
    page.screenshot(path=f"{SHOTS}/profilformular-aktivitaet-{width}.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    context.close()
