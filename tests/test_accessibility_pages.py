"""What BITV 2.0 asks of a public body's website beside the markup (issue 14, point 10): an „Erklärung zur
Barrierefreiheit“ with a feedback contact and the Schlichtungsstelle, and a text in Leichte Sprache – both seed
pages, linked from every page's footer, the Leichte Sprache also prominently from the start page. That only the
moderation changes them is tested with the Datenschutzerklärung in test_security_curation.py.
"""

import re
from urllib.parse import quote

import pytest
from conftest import MODERATOR, REGISTERED, body, login, logout

STATEMENT = "Erklärung zur Barrierefreiheit"
EASY = "Leichte Sprache"


def footer(html: str) -> str:
    return html[html.index('class="pw-footer-links"'):]


@pytest.mark.parametrize("person", [None, REGISTERED, MODERATOR])
@pytest.mark.parametrize("path", ["/Startseite", "/Matrix", "/+login", "/+history/Matrix", "/Gibt%20es%20nicht"])
def test_every_page_links_both_texts_in_its_footer(client, person, path):
    if person is None:
        logout(client)
    else:
        login(client, person)
    links = footer(body(client.get(path)))
    assert f'href="/{quote(STATEMENT)}">{STATEMENT}</a>' in links
    assert f'href="/{quote(EASY)}">{EASY}</a>' in links


def test_the_start_page_offers_leichte_sprache_before_its_text(client):
    html = body(client.get("/Startseite"))
    content = html[html.index("<h1"):]
    link = content.index(f'href="/{quote(EASY)}"')
    assert 'class="pw-easy-language"' in content[:link]
    assert link < content.index("Das PartnerWiki ist die gemeinsame Arbeitsplattform")  # first thing below the H1


def test_the_statement_says_how_accessible_the_wiki_is_and_whom_to_tell(client):
    response = client.get("/" + quote(STATEMENT))
    html = body(response)
    assert response.status_code == 200
    for heading in ("Stand der Vereinbarkeit mit den Anforderungen", "Nicht barrierefreie Inhalte",
                    "Erstellung dieser Erklärung", "Feedback und Kontakt", "Durchsetzungsverfahren"):
        assert re.search(f"<h[23][^>]*>{heading}<", html), heading
    assert "<strong>teilweise</strong>" in html and "axe-core" in html and "3. Dezember 2026" in html
    assert "Vom Betreiber zu ergänzen" in html.split(">Feedback und Kontakt<", 1)[1].split("Durchsetzungsverfahren")[0]
    assert "§ 16 BGG" in html and 'href="https://www.schlichtungsstelle-bgg.de"' in html
    assert f'href="/{quote(EASY)}"' in html


def test_the_leichte_sprache_page_explains_the_wiki_and_leads_to_the_statement(client):
    response = client.get("/" + quote(EASY))
    html = body(response)
    assert response.status_code == 200
    assert "<h1" in html and "Das PartnerWiki in Leichter Sprache" in html
    for page in ("Werkzeugkiste", "Partnerverzeichnis", "Netzwerkkalender", "Gesprächsräume", STATEMENT):
        assert f'href="/{quote(page)}"' in html, page
    assert "Netzwerk-Treffen" in html and "z. B." not in html
