"""moin's search page shows its hits 20 a page (it highlighted all 100 on one page), read rights applied."""

import re
from urllib.parse import quote

import pytest
from conftest import ADMIN, acting_as, login, save_page

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
    return re.findall(r'class="moin-search-name">\s*<a href="([^"?]+)', body)


def ours(links: list[str]) -> set[str]:
    return {link for link in links if "Suchseiten" in link}


def test_hits_come_twenty_a_page_with_links_between_the_pages(client, many_hits):
    first = client.get(f"/+search?q={WORD}").get_data(as_text=True)
    total = int(re.search(r"(\d+) Items gefunden", first).group(1))  # ours and seed pages sharing its n-grams
    pages = -(-total // 20)
    assert total >= PUBLIC and len(hits(first)) == 20
    assert f"Seite 1 von {pages}" in first and "Weitere Treffer" in first and "Vorherige Treffer" not in first
    shown, body = list(hits(first)), first
    for page in range(2, pages + 1):
        next_page = re.search(r'href="([^"]+)" rel="next"', body).group(1).replace("&amp;", "&")
        body = client.get(next_page).get_data(as_text=True)
        assert f"Seite {page} von {pages}" in body and "Vorherige Treffer" in body
        shown += hits(body)
    assert "Weitere Treffer" not in body
    assert len(shown) == len(set(shown)) == total  # every hit once
    assert ours(shown) == {f"/Suchseiten/Treffer%20{n:02d}" for n in range(PUBLIC)}  # nothing private


@pytest.mark.parametrize("page", ["0", "-3", "99", "zwei", "1e9"])
def test_any_page_number_answers_with_a_page_of_hits(client, many_hits, page):
    response = client.get(f"/+search?q={WORD}&seite={quote(page)}")
    assert response.status_code == 200
    assert len(hits(response.get_data(as_text=True))) >= 1


def test_the_administrator_finds_the_private_hit_too(client, many_hits):
    login(client, ADMIN)
    pages = [client.get(f"/+search?q={WORD}&seite={n}").get_data(as_text=True) for n in range(1, 4)]
    assert "/Suchseiten/Geheim" in {link for body in pages for link in hits(body)}
    client.get("/+logout")
