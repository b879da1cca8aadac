"""Stored XSS through metadata: hostile tags, summaries, comments, names, display names, languages
and content types are shown as text on every page moin or we render (issue 10, point 1).

A registered user can put anything into the metadata of a page (moin's editor, the Item API);
anonymous visitors must never get a script out of it.  The hostile items are saved through moin's
Item API (the save-time guard of ``moin_gaa.web.metadata_guard`` refuses such metadata in moin's
editor, so the templates are the wall tested here), then every surface that shows metadata is
fetched and its HTML parsed: no element or attribute may come from a payload.
"""

from __future__ import annotations

import html
import json
import os
import re
from html.parser import HTMLParser
from urllib.parse import quote

import pytest
from conftest import PASSWORD, REGISTERED, Person, acting_as, login, make_app, page_token, wiki_request
from moin import user as moin_user

from moin_gaa.core.accounts import ensure_role_groups
from moin_gaa.web import metadata_guard

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MARK = "xss-"  # every payload carries it, followed by the field it came from
WORD = "Zaunkoenigsuche"  # a word every hostile item carries, so moin's search finds them all


def vector(field: str) -> str:
    return f"<svg onload=alert('{MARK}{field}')>"


def breakout(field: str) -> str:
    """A payload for attribute values: leave the attribute (and the tag), then inject."""
    return f"\"'><img src=x onerror=alert('{MARK}{field}')>"


TAGS = [vector("tag"), breakout("tag2"), f"{WORD}<script>alert('{MARK}tag3')</script>"]
SUMMARY = f"{WORD} {vector('summary')}"
COMMENT = f"{WORD} {breakout('comment')}"
DISPLAY_NAME = breakout("display")
TEXT_NAME = f"Zaunkoenig Klartext {vector('name')}"
LINK_NAME = f"Zaunkoenig Verweise {breakout('name2')}"
TYPE_NAME = "Zaunkoenig Inhaltstyp"
# moin's index splits a content type at ";" and each parameter at "=": one "=" a parameter
CONTENTTYPE = f"text/plain;\"'><svg onload=alert('{MARK}contenttype')>;charset=utf-8"
HOSTILE = Person("Xaver Feindlich", "xaver@example.org")
TEXT = f"{WORD} im Inhalt {vector('content')} und {breakout('content2')}\n"
LINKS = (
    f"{WORD} mit Verweisen: [[https://example.org/\"><svg onload=alert('{MARK}link')>]] "
    f"[[javascript:alert('{MARK}js')|Klick]] [[{vector('itemlink')}]]\n"
)
MARKDOWN_NAME = "Zaunkoenig Markdown"
MARKDOWN = f"{WORD} [Klick](javascript:alert('{MARK}md')) <https://example.org/?q=\"'><svg>{MARK}>\n"


class Findings(HTMLParser):
    """Every element or attribute a payload managed to create."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self._in_script = tag in ("script", "style")
        for name, value in attrs:
            value = value or ""
            if MARK in name:
                self.found.append(f"<{tag}> attribute {name!r}")
            elif MARK in value and (name.startswith("on") or value.strip().lower().startswith(("javascript", "data"))):
                self.found.append(f"<{tag} {name}={value!r}>")
            elif MARK in value and tag in ("svg", "img", "script", "iframe") and name != "alt":
                self.found.append(f"<{tag} {name}={value!r}>")
        if tag in ("svg", "img", "iframe") and any(MARK in (v or "") for _n, v in attrs):
            self.found.append(f"injected <{tag}>")

    handle_startendtag = handle_starttag

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._in_script = False

    def handle_data(self, data):
        if self._in_script and MARK in data:
            self.found.append(f"script text {data.strip()[:80]!r}")


RAW_VECTORS = re.compile(r"<(svg|img|script)\b[^<>]*" + MARK, re.I)


def injected(body: str) -> list[str]:
    """Elements and attributes created by a payload, and payloads standing unescaped in the markup."""
    parser = Findings()
    parser.feed(body)
    parser.close()
    raw = [m.group(0) for m in RAW_VECTORS.finditer(body)]
    return parser.found + [f"unescaped {r!r}" for r in raw]


class Text(HTMLParser):
    """The text a reader sees (outside scripts and styles)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = False

    def handle_starttag(self, tag, attrs):
        self._skip = tag in ("script", "style")

    def handle_endtag(self, tag):
        self._skip = False

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def shown_text(body: str) -> str:
    parser = Text()
    parser.feed(body)
    parser.close()
    return "".join(parser.parts)


def report(problems: dict[str, list[str]]) -> str:
    return "\n".join(f"{path}: {sorted(set(found))}" for path, found in problems.items())


def feed_html(body: str) -> str:
    """The HTML an atom reader renders: the (escaped) content and summary elements, unescaped once."""
    parts = re.findall(r"<(?:content|summary)[^>]*>(.*?)</(?:content|summary)>", body, re.S)
    return "\n".join(html.unescape(p) for p in parts)


def save(name: str, text: str, comment: str = COMMENT, **meta) -> str:
    from moin.items import Item

    meta = {"contenttype": "text/plain;charset=utf-8", "itemtype": "default", **meta}
    item = Item.create(name, contenttype=meta["contenttype"], itemtype="default")
    item._save(meta, text, comment=comment)
    return Item.create(name).meta["revid"]


def populate(app) -> dict[str, tuple[str, str]]:
    """Give ``app`` a hostile user and four hostile items (two revisions each); their revision ids by name."""
    with wiki_request(app):
        ensure_role_groups()
        for person in (REGISTERED, HOSTILE):
            assert not moin_user.create_user(username=person.name, password=PASSWORD, email=person.email)
        u = moin_user.User(auth_username=HOSTILE.name, auth_method="moin")
        u.profile["display_name"] = DISPLAY_NAME
        u.save(force=True)
    revids = {}
    wiki_text = "text/x.moin.wiki;charset=utf-8"
    with acting_as(app, HOSTILE):
        for name, text, contenttype in [
            (TEXT_NAME, TEXT, "text/plain;charset=utf-8"),
            (LINK_NAME, LINKS, wiki_text),
            (TYPE_NAME, TEXT, CONTENTTYPE),
            (MARKDOWN_NAME, MARKDOWN, "text/x-markdown;charset=utf-8"),
        ]:
            # (moin sets "language" itself, from the editor's locale – not free text)
            meta = dict(tags=TAGS, summary=SUMMARY, contenttype=contenttype)
            first = save(name, text, **meta)
            revids[name] = (first, save(name, text + f"Zweite Fassung {vector('content3')}\n", **meta))
    return revids


@pytest.fixture(scope="module")
def hostile_wiki(tmp_path_factory):
    """A wiki of its own (the shared one stays clean) with hostile metadata everywhere."""
    app = make_app(str(tmp_path_factory.mktemp("xss")))
    app.gaa_xss_revids = populate(app)
    yield app
    app.deinit_backends()


def q(name: str) -> str:
    return quote(name, safe="")


AJAX = f"/+search?q={WORD}&boolajax=true&history=false"


def public_paths(revids) -> list[str]:
    """Every surface that shows item metadata to anonymous visitors."""
    paths = [
        f"/+search?q={WORD}",
        f"/+search?q={WORD}&history=on",
        f"/+search?q={q(vector('tag'))}",
        AJAX,
        f"/+search?q={WORD}&boolajax=true&history=true",
        f"/+search?q={WORD}&boolajax=true&is_ticket=true",
        "/+history",
        "/+index/",
        "/+index/?startswith=Z",
        "/+tags",
        "/+wanteds",
        "/+orphans",
        f"/+lookup?name_exact={q(TEXT_NAME)}",
        "/+tickets",
        "/all",
    ]
    paths += [f"/+tags/{q(tag)}" for tag in TAGS]
    for name, (first, second) in revids.items():
        n = q(name)
        paths += [
            f"/{n}",
            f"/+show/+{first}/{n}",
            f"/+history/{n}",
            f"/+diff/{n}?rev1={first}&rev2={second}",
            f"/+meta/{n}",
            f"/+meta/+{first}/{n}",
            f"/+info/{n}",  # no such view in moin 2 (a new-item page), kept since the issue names it
            f"/+highlight/{n}",
            f"/+content/{n}",
            f"/+indexable/{n}",
            f"/+slideshow/{n}",
            f"/+sitemap/{n}",
            f"/+similar_names/{n}",
            f"/+backrefs/{n}",
            f"/+forwardrefs/{n}",
            f"/+index/{n}",
        ]
    return paths


def test_anonymous_surfaces_show_hostile_metadata_as_text(hostile_wiki):
    problems = {}
    with hostile_wiki.test_client() as client:
        for path in public_paths(hostile_wiki.gaa_xss_revids):
            response = client.get(path)
            assert response.status_code < 500, (path, response.status_code)
            if response.mimetype != "text/html":  # +indexable: the text moin indexes, as text/plain
                assert response.mimetype == "text/plain", (path, response.mimetype)
                assert response.headers.get("X-Content-Type-Options") == "nosniff", path
                continue
            found = injected(response.get_data(as_text=True))
            if found:
                problems[path] = found
    assert not problems, report(problems)


# Where each hostile value must be visible – as text – so the test above cannot pass by showing nothing.
SHOWN = {
    # the search (moin_gaa.web.search_page, also for moin's ajax address): names and snippets of summary and text
    AJAX: [TEXT_NAME, SUMMARY],
    f"/+search?q={WORD}": [TEXT_NAME, SUMMARY],
    f"/+meta/{q(TEXT_NAME)}": [TEXT_NAME, *TAGS, SUMMARY, COMMENT],
    f"/+meta/{q(LINK_NAME)}": [LINK_NAME],
    f"/+meta/{q(TYPE_NAME)}": [CONTENTTYPE],
    f"/+history/{q(TEXT_NAME)}": [COMMENT, DISPLAY_NAME],
    "/+history": [TEXT_NAME, LINK_NAME, COMMENT, DISPLAY_NAME],
    "/+index/": [TEXT_NAME, LINK_NAME],
    "/+tags": TAGS,
}


def test_the_hostile_values_are_shown_as_text(hostile_wiki):
    missing = {}
    with hostile_wiki.test_client() as client:
        for path, values in SHOWN.items():
            text = shown_text(client.get(path).get_data(as_text=True))
            if absent := [v for v in values if v not in text]:
                missing[path] = absent
    assert not missing, report(missing)


def test_atom_feed_carries_hostile_metadata_as_text(hostile_wiki):
    with hostile_wiki.test_client() as client:
        for path in ["/+feed/atom", "/+feed/atom/" + q(TEXT_NAME), "/+feed/atom/" + q(LINK_NAME)]:
            response = client.get(path)
            assert response.status_code == 200, path
            body = response.get_data(as_text=True)
            assert MARK in body, path  # the hostile entries are in the feed
            assert not injected(body), (path, injected(body))
            assert not injected(feed_html(body)), (path, injected(feed_html(body)))


def test_editors_and_the_hostile_user_see_metadata_as_text(hostile_wiki):
    """Pages for logged-in users: editing, renaming, deleting, reverting, own changes, settings."""
    revids = hostile_wiki.gaa_xss_revids
    problems = {}
    with hostile_wiki.test_client() as client:
        for person in (REGISTERED, HOSTILE):
            login(client, person)
            paths = ["/+mychanges", "/+history", f"/+search?q={WORD}", "/+usersettings"]
            for name, (first, _second) in revids.items():
                n = q(name)
                paths += [f"/+modify/{n}", f"/+rename/{n}", f"/+delete/{n}", f"/+revert/+{first}/{n}", f"/+convert/{n}"]
            for path in paths:
                response = client.get(path)
                assert response.status_code < 500, (person.name, path, response.status_code)
                found = injected(response.get_data(as_text=True))
                if found:
                    problems[f"{person.name} {path}"] = found
        assert COMMENT in shown_text(client.get("/+mychanges").get_data(as_text=True))
        assert TEXT_NAME in shown_text(client.get(f"/+delete/{q(TEXT_NAME)}").get_data(as_text=True))
    assert not problems, report(problems)


def test_external_links_in_meta_are_web_links_only(hostile_wiki):
    """+meta lists a page's external links: escaped, and javascript: is text, never a link."""
    with hostile_wiki.test_client() as client:
        body = client.get(f"/+meta/{q(MARKDOWN_NAME)}").get_data(as_text=True)
    links = re.findall(r'<a [^>]*href="([^"]*)"', body)
    assert not [href for href in links if href.lower().startswith(("javascript", "data"))], links
    assert any(href.startswith("https://example.org/") for href in links), links  # the web link is still a link


def test_the_detector_finds_what_it_looks_for():
    """The checks above can fail: the payloads, unescaped, are found; escaped, they are not."""
    for payload in TAGS + [SUMMARY, COMMENT, DISPLAY_NAME, TEXT_NAME, LINK_NAME, CONTENTTYPE]:
        assert injected(f"<p>{payload}</p>"), payload
        assert not injected(f"<p>{html.escape(payload)}</p>"), payload
        assert payload in shown_text(f"<p>{html.escape(payload)}</p>")
    assert injected(f'<a title="{breakout("x")}">')
    attribute = f"de\" onmouseover=\"alert('{MARK}x')"
    assert injected(f'<p lang="{attribute}">')
    assert not injected(f'<p lang="{html.escape(attribute)}">')
    assert injected(f"<a href=\"javascript:alert('{MARK}x')\">")


# --- the overrides are the templates in use ----------------------------------------------------


def test_our_overrides_are_the_templates_moin_uses(hostile_wiki):
    """moin's views and its templates' imports both find wiki_local/ first (not moin's originals)."""
    env = hostile_wiki.jinja_env
    for name in ("utils.html",):  # moin's search templates are no longer rendered (moin_gaa.web.search_page)
        assert env.get_template(name).filename == os.path.join(REPO, "wiki_local", name)
        # flask_theme asks the theme first: no theme template may shadow the fix
        assert not os.path.exists(os.path.join(REPO, "themes", "partnerwiki", "templates", name))
    assert env.get_template("moin/utils.html").filename == os.path.join(metadata_guard.MOIN_TEMPLATES, "utils.html")


def macro_names(source: str) -> list[str]:
    return re.findall(r"{%-?\s*macro\s+(\w+)", source)


def test_our_utils_exports_every_macro_of_moins(hostile_wiki):
    """A moin upgrade that adds a macro to utils.html must not break pages (add its line to wiki_local/utils.html)."""
    env = hostile_wiki.jinja_env
    with hostile_wiki.test_request_context("/"):
        ours = env.get_template("utils.html").module
        for name in macro_names(env.loader.get_source(env, "moin/utils.html")[0]):
            assert callable(getattr(ours, name, None)), f"wiki_local/utils.html does not export {name}"


def test_our_meta_info_has_every_row_of_moins(hostile_wiki):
    """Our meta_info replaces moin's: after an upgrade it must still show every key moin's shows."""
    env = hostile_wiki.jinja_env

    def rows(template: str) -> list[str]:
        source = env.loader.get_source(env, template)[0]
        body = source[source.index("macro meta_info") :]
        body = body[: body.index("endmacro")]
        return re.findall(r"<td>([A-Z][\w ]+)</td>", body)

    with hostile_wiki.test_request_context("/"):
        assert rows("utils.html") == rows("moin/utils.html")
        assert "Name" in rows("utils.html") and "Tags" in rows("utils.html")


# --- the second wall: moin's forms refuse markup in metadata -----------------------------------


def modify_form(client, name: str, **fields) -> dict:
    data = {
        "csrf_token": page_token(client),
        "content_form_data_text": f"{WORD} Text",
        "meta_form_name": name,
        "meta_form_tags": "",
        "meta_form_summary": "",
        "meta_form_acl": "None",
        "comment": "",
        "submit": "OK",
    }
    data.update(fields)
    return data


def modify_url(name: str, contenttype: str = "text/x.moin.wiki;charset=utf-8") -> str:
    return f"/+modify/{q(name)}?contenttype={q(contenttype)}&itemtype=default&template="


def exists(app, name: str) -> bool:
    from moin.items import Item, NonExistent

    with acting_as(app, REGISTERED):
        return not isinstance(Item.create(name), NonExistent)


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("meta_form_tags", f"harmlos, {vector('guard-tag')}", "Schlagworte"),
        ("meta_form_summary", vector("guard-summary"), "HTML-Auszeichnung"),
        ("comment", breakout("guard-comment"), "HTML-Auszeichnung"),
        ("meta_form_name", f"Zaunkoenig Wache {vector('guard-name')}", "Namen"),
    ],
)
def test_moins_editor_refuses_markup_in_metadata(hostile_wiki, field, value, message):
    name = f"Zaunkoenig Wache {field}"
    with hostile_wiki.test_client() as client:
        login(client, REGISTERED)
        response = client.post(modify_url(name), data=modify_form(client, name, **{field: value}))
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "Nicht gespeichert" in body and message in body
    assert not injected(body)
    assert not exists(hostile_wiki, name)


def test_moins_editor_refuses_a_hostile_address_and_content_type(hostile_wiki):
    with hostile_wiki.test_client() as client:
        login(client, REGISTERED)
        name = f"Zaunkoenig Adresse {vector('guard-url')}"
        response = client.post(modify_url(name), data=modify_form(client, ""))
        assert response.status_code == 400 and "Namen" in response.get_data(as_text=True)
        assert not exists(hostile_wiki, name)
        name = "Zaunkoenig Typ"
        response = client.post(modify_url(name, CONTENTTYPE), data=modify_form(client, name))
        assert response.status_code == 400 and "Inhaltstyp" in response.get_data(as_text=True)
        assert not exists(hostile_wiki, name)


def test_rename_settings_and_registration_refuse_markup(hostile_wiki):
    with hostile_wiki.test_client() as client:
        login(client, REGISTERED)
        token = page_token(client)
        response = client.post(
            f"/+rename/{q(TYPE_NAME)}", data={"csrf_token": token, "target": vector("guard-rename"), "comment": ""}
        )
        assert response.status_code == 400 and "Namen" in response.get_data(as_text=True)
        assert exists(hostile_wiki, TYPE_NAME)
        response = client.post(
            "/+usersettings",
            data={"csrf_token": token, "part": "personal", "name": REGISTERED.name,
                  "display_name": vector("guard-display"), "email": REGISTERED.email, "submit": "Speichern"},
        )
        assert response.status_code == 400 and "Anzeigename" in response.get_data(as_text=True)
    with hostile_wiki.test_client() as client:
        response = client.post(
            "/+register",
            data={"csrf_token": page_token(client, "/+register"), "register_username": vector("guard-user"),
                  "register_password1": PASSWORD, "register_password2": PASSWORD, "register_email": "x@example.org"},
        )
        assert response.status_code == 400 and "Namen" in response.get_data(as_text=True)


def test_ordinary_metadata_is_still_saved(hostile_wiki):
    """The wall is narrow: quotes, arrows and comparisons in names, tags, summary and comment are fine."""
    name = 'Zaunkoenig "Projekt" Wache'
    with hostile_wiki.test_client() as client:
        login(client, REGISTERED)
        response = client.post(
            modify_url(name),
            data=modify_form(
                client, name, meta_form_tags="Kinder, 3-6 Jahre", meta_form_summary="Kinder <6 Jahre & Eltern",
                comment="Tippfehler -> korrigiert, a < b",
            ),
        )
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    assert exists(hostile_wiki, name)


def test_index_delete_messages_name_items_as_text(hostile_wiki):
    """moin's index deletes selected items by ajax; its script shows the answer's messages as HTML."""
    name = f"Zaunkoenig Loeschen {vector('ajax-delete')}"
    with acting_as(hostile_wiki, HOSTILE):
        save(name, f"{WORD} zum Loeschen\n")
    with hostile_wiki.test_client() as client:
        login(client, REGISTERED)
        response = client.post(
            "/+ajaxdelete",
            data={"csrf_token": page_token(client), "itemnames": json.dumps([quote(name)]), "comment": "",
                  "do_subitems": "false"},
        )
    assert response.status_code == 200
    messages = response.get_json()["messages"]
    assert messages and any(name in html.unescape(m) for m in messages), messages  # it was deleted, named
    assert not [m for m in messages if "<" in m], messages
    assert not exists(hostile_wiki, name)


@pytest.mark.parametrize("contenttype, data", [
    ("image/svg+xml", '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
    ("text/xml;charset=utf-8", '<x:script xmlns:x="http://www.w3.org/1999/xhtml">alert(1)</x:script>'),
    ("text/html;charset=utf-8", "<script>alert(1)</script>"),
])
def test_uploads_that_can_carry_script_are_served_as_downloads(wiki, contenttype, data):
    """An SVG or XML file with script, opened directly, would run on our origin: moin must not serve it inline."""
    from moin.items import Item

    name = "Hochgeladen-" + contenttype.split(";")[0].replace("/", "-")
    with acting_as(wiki, REGISTERED):
        Item.create(name, contenttype=contenttype, itemtype="default")._save(
            {"contenttype": contenttype, "itemtype": "default"}, data.encode(), comment=""
        )
    response = wiki.test_client().get(f"/+get/{name}")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment"), response.headers["Content-Disposition"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
