"""Names people choose end up in wiki markup we generate (a group space's pages, an Ergebnissicherung):
there they are text – no link, macro, transclusion or formatting – and read exactly as typed."""

from html import unescape
from html.parser import HTMLParser
from urllib.parse import quote

import pytest
from conftest import CSRF_RE, MODERATOR, acting_as, login, save_page

SECRET = "Geheimwort-Zyklamen"  # the text of the item a transclusion would pull in
GROUP_NAMES = ["]]<<Include(Geheim)>>", "{{Geheim}}", "<<TableOfContents>>", "Runde || x = '''fett''' ^h^ __u__",
               "A &amp; B &#60;i&#62; `c` ~+groß+~ --(weg)--", "Hallo (!) {OK} B) |) 1. @ME@"]
ONLINE_TITLE = "Siehe [[Gruppen/Andere|x]] und {{Geheim}} <<Include(Geheim)>>"


class Headings(HTMLParser):
    """The text of every heading (h1–h6) of a page, tags inside it dropped."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self._open = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            self._open += 1
            self.texts.append("")

    def handle_endtag(self, tag):
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            self._open -= 1

    def handle_data(self, data):
        if self._open:
            self.texts[-1] += data


def headings(html: str) -> list[str]:
    parser = Headings()
    parser.feed(html)
    return [" ".join(t.split()) for t in parser.texts]


def token(client) -> str:
    return CSRF_RE.search(client.get("/+gaa/kalender-schluessel").get_data(as_text=True)).group(1)


@pytest.fixture(scope="module")
def moderator(wiki):
    with acting_as(wiki, MODERATOR):
        save_page("Geheim", SECRET)
    with wiki.test_client() as client:
        login(client, MODERATOR)
        yield client


def page(client, name: str) -> str:
    response = client.get("/" + quote(name))
    assert response.status_code == 200, name
    return response.get_data(as_text=True)


def assert_plain(html: str, heading: str) -> None:
    assert heading in headings(html)
    assert SECRET not in html  # no Include, no {{transclusion}}
    assert "moin-table-of-contents" not in html
    assert 'href="/Gruppen/Andere"' not in html


@pytest.mark.parametrize("name", GROUP_NAMES)
def test_a_group_name_is_text_on_the_pages_of_its_space(moderator, name):
    response = moderator.post("/+gaa/gruppe/neu", data={"csrf_token": token(moderator), "name": name,
                                                        "sichtbarkeit": "offen", "beitritt": "offen"})
    assert response.status_code == 302, response.get_data(as_text=True)
    space = f"Gruppen/{name}"
    assert_plain(page(moderator, f"{space}/Mitglieder"), f"Mitglieder der Gruppe {name}")
    assert_plain(page(moderator, f"{space}/Dokumente"), f"Dokumente der Gruppe {name}")
    assert_plain(page(moderator, f"{space}/Termine"), f"Termine der Gruppe {name}")
    assert_plain(page(moderator, f"{space}/Diskussion/Ergebnissicherung"), f"Ergebnissicherung: {name}")


def test_an_online_discussion_title_is_text_in_its_ergebnissicherung(moderator):
    response = moderator.post("/+gaa/online-diskussion/neu", data={
        "csrf_token": token(moderator), "titel": ONLINE_TITLE, "einleitung": "Worum es geht.",
        "beginn": "01.03.2027", "ende": "31.03.2027"})
    assert response.status_code == 302, response.get_data(as_text=True)
    area = "Online-Diskussionen/" + ONLINE_TITLE.replace("/", "-")
    assert_plain(page(moderator, f"{area}/Ergebnissicherung"), f"Ergebnissicherung: {ONLINE_TITLE}")


def test_the_escaped_source_stays_readable_for_the_moderation(moderator):
    """Letters, digits, umlauts and ordinary sentence marks stay as typed in the page source."""
    name = "Frühe Hilfen – Runde 2. Wer kommt?"
    assert moderator.post("/+gaa/gruppe/neu", data={"csrf_token": token(moderator), "name": name,
                                                    "sichtbarkeit": "offen", "beitritt": "offen"}).status_code == 302
    source = moderator.get("/+get/" + quote(f"Gruppen/{name}/Dokumente")).get_data(as_text=True)
    assert unescape(source.splitlines()[0]) == f"= Dokumente der Gruppe {name} ="
    assert "Frühe Hilfen – Runde 2. Wer kommt?" in source
