"""The search's pages (moin's index, not records): 20 hits a page of one kind, read rights applied, the
administrator finds the private page too.  (Kinds, snippets, word forms: tests/test_search.py.)"""

import re
from urllib.parse import quote

import pytest
from conftest import ADMIN, acting_as, login, logout, save_page

WORD = "Seitenblaetterwort"
PUBLIC = 27
PRIVATE_ACL = f"{ADMIN.name}:read,write,admin All:"


@pytest.fixture(scope="module")
def many_hits(wiki):
    with acting_as(wiki, ADMIN):
        for n in range(PUBLIC):
            save_page(f"Suchseiten/Treffer {n:02d}", f"Ein Absatz über das {WORD} Nummer {n}.\n")
        save_page("Suchseiten/Geheim", f"Nur für die Verwaltung: {WORD}.\n", acl=PRIVATE_ACL)


def hits(body: str) -> list[str]:
    """The links of the hits on a result page."""
    return re.findall(r'class="gaa-search-title" href="([^"?]+)"', body)


def count_of_pages(body: str) -> int:
    return int(re.search(r'>Seiten <span class="gaa-count">(\d+)</span>', body).group(1))


def all_hits(client) -> tuple[int, list[str]]:
    first = client.get(f"/+search?q={WORD}&art=seiten").get_data(as_text=True)
    shown, body = hits(first), first
    while 'rel="next"' in body:
        body = client.get(re.search(r'href="([^"]+)" rel="next"', body).group(1).replace("&amp;", "&")).get_data(
            as_text=True)
        shown += hits(body)
    return count_of_pages(first), shown


def test_hits_come_twenty_a_page_with_links_between_the_pages(client, many_hits):
    first = client.get(f"/+search?q={WORD}&art=seiten").get_data(as_text=True)
    assert len(hits(first)) == 20 and "Seite 1 von 2" in first and "Vorherige Treffer" not in first
    total, shown = all_hits(client)
    assert total == PUBLIC == len(shown) == len(set(shown))  # every hit once, the private one not counted
    assert set(shown) == {f"/Suchseiten/Treffer%20{n:02d}" for n in range(PUBLIC)}


@pytest.mark.parametrize("page", ["0", "-3", "99", "zwei", "1e9"])
def test_any_page_number_answers_with_a_page_of_hits(client, many_hits, page):
    response = client.get(f"/+search?q={WORD}&art=seiten&seite={quote(page)}")
    assert response.status_code == 200
    assert len(hits(response.get_data(as_text=True))) >= 1


def test_the_administrator_finds_the_private_hit_too(client, many_hits):
    login(client, ADMIN)
    total, shown = all_hits(client)
    assert total == PUBLIC + 1 and "/Suchseiten/Geheim" in shown
    logout(client)
