"""No 500 for anyone: every route of the app, with missing, empty and malformed input, answers below 500.

The crawl enumerates ``app.url_map`` (moin's routes and ours), fills each path variable with an
existing public, a private, a missing and a malformed value, and sends every allowed method –
without parameters, with every parameter our views and moin's read left empty, and with all of
them malformed – as an anonymous visitor and as a registered user. Unsafe requests carry the
session's CSRF token (from ``<meta name="csrf-token">``) so they reach the views.

The crawl changes and deletes items, so it runs on its own freshly seeded wiki, never on the
session-wide ``wiki`` fixture.
"""

from __future__ import annotations

import os
import re
import time
import traceback
from urllib.parse import quote

import pytest
from conftest import PASSWORD, REGISTERED, login, seeded_app

from moin_gaa.cli import SEED_DIR

MOIN_DIR = os.path.dirname(__import__("moin").__file__)
REPO_DIR = os.path.dirname(SEED_DIR)

PRIVATE_GROUP = "Gruppen/Beispielnetzwerk Frühe Hilfen"
PRIVATE_DOC = PRIVATE_GROUP + "/Dokumente/Protokoll Netzwerktreffen Oktober 2026"
PRIVATE_POST = PRIVATE_GROUP + "/Diskussion/Fallwerkstatt Dezember vorbereiten/B20261105T075500-e47c19"
MISSING = "Gibt es nicht/Wirklich nicht"
MALFORMED = "<script>x</script>/%zz/../..//\"'&;\u202e\ufeff" + "ü" * 300

# path variable -> values tried (besides MALFORMED); item names cover public, private and missing items
ITEM_NAMES = ["Startseite", PRIVATE_GROUP, PRIVATE_DOC, MISSING, "@tags/Prävention", "@revid/ffff", "@itemid/ffff"]
VARIABLE_VALUES = {
    "item_name": ITEM_NAMES,
    "name": ["Startseite", PRIVATE_GROUP, "alle", MISSING],
    "post_name": [PRIVATE_POST, MISSING],
    "thread_name": [PRIVATE_GROUP + "/Diskussion/Fallwerkstatt Dezember vorbereiten", MISSING],
    "area_name": [PRIVATE_GROUP + "/Diskussion", "Online-Diskussionen", MISSING],
    "titel": ["Werkzeugkiste/Kiezdetektive", "Kiezdetektive", MISSING],
    "rev": ["current", "1", "ffffffffffffffffffffffffffffffff"],
    "namespace": ["", "users", "all", "userprofiles", "gibtsnicht"],
    "tag": ["Prävention", "gibtsnicht"],
    "uid": ["gibtsnicht"],
    "user_name": [REGISTERED.name, "Niemand Unbekannt"],
    "group_name": ["Moderatoren", "Gibtsnicht"],
    "filename": ["css/partnerwiki.css", "gibtsnicht.js", "../../../../etc/passwd"],
    "themeid": ["partnerwiki", "gibtsnicht"],
}
# parameters read through request.args/.values/.form in views, plus flatland form fields of moin's forms
EXTRA_PARAMETERS = [
    "q", "name", "name_exact", "itemid", "revid", "userid", "language", "itemlinks", "itemtransclusions", "refs",
    "tags", "nexturl", "login_username", "login_password", "login_submit", "login_nexturl", "typ", "limit", "seite",
    "monat", "ansicht", "jahr", "file", "files", "submit", "comment", "summary", "target", "content_form_data_text",
    "meta_form_contenttype", "itemtype", "contenttype", "rev", "token", "username", "email", "password",
]
MALFORMED_VALUE = "<svg onload=alert(1)>'\"%00\x01\u202e-1e999" + "9" * 30
PARAM_RE = re.compile(r"""request\.(?:values|args|form|files)(?:\.get(?:list)?\(\s*|\[\s*)["']([^"']+)["']""")
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
# these may end or change the session (and so its CSRF token): the crawl logs in again afterwards if needed
SESSION_ENDPOINTS = {"frontend.logout", "frontend.logout_confirmed", "frontend.login", "frontend.usersettings",
                     "frontend.register", "frontend.recoverpass", "frontend.lostpass", "admin.userprofile"}
META_TOKEN_RE = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
FORM_TOKEN_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def parameter_names() -> list[str]:
    names = set(EXTRA_PARAMETERS)
    folders = [os.path.join(MOIN_DIR, "apps"), os.path.join(MOIN_DIR, "items"), os.path.join(REPO_DIR, "moin_gaa")]
    for folder in folders:
        for root, _dirs, files in os.walk(folder):
            for file in files:
                if file.endswith(".py") and "_tests" not in root:
                    with open(os.path.join(root, file), encoding="utf-8") as f:
                        names.update(PARAM_RE.findall(f.read()))
    return sorted(names)


PARAMETERS = parameter_names()


def path_for(rule, values: dict[str, str]) -> str:
    def fill(match):
        converter, variable = match.group(1), match.group(2)
        safe = "/" if converter in ("itemname", "path") else ""
        return quote(values[variable], safe=safe)

    return re.sub(r"<(?:([a-z]+):)?([a-zA-Z_]+)>", fill, rule.rule)


def paths(rule) -> list[str]:
    """One path per value of each variable (the others at their first value), plus all malformed."""
    variables = list(rule.arguments)
    if not variables:
        return [rule.rule]
    first = {v: VARIABLE_VALUES.get(v, ["x"])[0] for v in variables}
    result = []
    for variable in variables:
        for value in [*VARIABLE_VALUES.get(variable, ["x"]), MALFORMED]:
            result.append(path_for(rule, {**first, variable: value}))
    return list(dict.fromkeys(result))


def token_of(body: str) -> str | None:
    match = META_TOKEN_RE.search(body) or FORM_TOKEN_RE.search(body)
    return match.group(1) if match else None


class Crawler:
    def __init__(self, app, client, person):
        self.app, self.client, self.person = app, client, person
        self.failures: list[str] = []
        self.refused_tokens: list[str] = []
        self.count = 0
        self.token = ""

    def refresh_token(self) -> None:
        self.token = token_of(self.client.get("/Startseite").get_data(as_text=True)) or ""
        assert self.token, "no CSRF token in /Startseite"

    def request(self, method: str, path: str, params: dict[str, str] | None, endpoint: str) -> None:
        self.count += 1
        kwargs = {}
        if method in SAFE_METHODS:
            kwargs["query_string"] = params or {}
        else:
            kwargs["data"] = {**(params or {}), "csrf_token": self.token}
            kwargs["headers"] = {"X-CSRF-Token": self.token}
        label = f"{self.person or 'anonymous'}: {method} {path} {sorted(params or {})[:3]}{'…' if params else ''}"
        try:
            response = self.client.open(path, method=method, **kwargs)
        except Exception:  # noqa: BLE001 – the test client propagates what would have been a 500
            self.failures.append(f"{label} -> exception\n{traceback.format_exc(limit=-3)}")
            return
        if response.status_code >= 500:
            self.failures.append(f"{label} -> {response.status_code}")
        if response.status_code == 400 and "CSRF" in response.get_data(as_text=True):
            self.refused_tokens.append(label)
        if endpoint in SESSION_ENDPOINTS:
            self.restore_session()

    def restore_session(self) -> None:
        if self.person is not None:
            body = self.client.get("/+usersettings").get_data(as_text=True)
            if self.person.name not in body:
                login(self.client, self.person)
        self.refresh_token()

    def crawl(self) -> None:
        self.refresh_token()
        empty = dict.fromkeys(PARAMETERS, "")
        malformed = dict.fromkeys(PARAMETERS, MALFORMED_VALUE)
        rules = sorted(self.app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint))
        for rule in rules:
            methods = sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})
            for method in methods:
                for number, path in enumerate(paths(rule)):
                    self.request(method, path, None, rule.endpoint)
                    if number < 2:  # parameters on the first two values of each route (public and private names)
                        self.request(method, path, empty, rule.endpoint)
                        self.request(method, path, malformed, rule.endpoint)


@pytest.fixture(scope="module")
def crawl_wiki(tmp_path_factory):
    """A seeded wiki of the crawl's own: the crawl's POSTs may rename or delete anything in it."""
    app = seeded_app(str(tmp_path_factory.mktemp("crawl")))
    yield app
    app.deinit_backends()


def test_the_crawl_covers_every_route_and_reads_parameters(crawl_wiki):
    rules = list(crawl_wiki.url_map.iter_rules())
    assert len(rules) > 100
    assert any(r.rule.startswith("/+gaa/") for r in rules) and any(r.rule.startswith("/+admin/") for r in rules)
    assert {"page_num", "q", "revid", "rev1", "monat"} <= set(PARAMETERS), PARAMETERS
    assert PASSWORD  # the registered persona logs in with the shared test password


@pytest.mark.parametrize("person", [None, REGISTERED], ids=["anonymous", "registered"])
def test_no_route_answers_5xx(crawl_wiki, person):
    started = time.monotonic()
    with crawl_wiki.test_client() as client:
        if person is not None:
            login(client, person)
        crawler = Crawler(crawl_wiki, client, person)
        crawler.crawl()
    assert crawler.count > 500
    assert not crawler.refused_tokens, f"the crawl's token was refused: {crawler.refused_tokens[:5]}"
    assert not crawler.failures, f"{len(crawler.failures)} of {crawler.count} requests failed:\n" + "\n".join(
        crawler.failures[:40]
    )
    assert time.monotonic() - started < 240
