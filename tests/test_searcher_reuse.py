"""Reused whoosh searchers (``moin_internals.reuse_searchers``) answer exactly what moin's own searcher per lookup
answers – on a wiki of many items, right after writes in the same request, after writes of another thread and of
another process, and under mixed load.

Two apps share one instance: ``on`` as wikiconfig.py has it (reuse on), ``off`` with ``gaa_reuse_searchers = False``
(moin's searcher per lookup, whoosh's intersection).  Every comparison runs the same lookups through both.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import threading
from datetime import date, timedelta
from types import SimpleNamespace
from urllib.parse import quote

import pytest
from browser_support import BIN, REPO
from conftest import (
    ADMIN,
    CSRF_RE,
    MODERATOR,
    REGISTERED,
    BrowserLikeClient,
    acting_as,
    instance_settings,
    login,
    save_page,
    seeded_app,
)
from flask import g as flaskg
from moin.constants.keys import ALL_REVS, LATEST_META, LATEST_REVS, NAMESPACE
from moin.utils.names import split_fqname
from test_concurrency import run_in_threads
from whoosh.fields import ID, TEXT, Schema
from whoosh.filedb.filestore import FileStorage
from whoosh.query import Term
from whoosh.reading import ReaderClosed

from moin_gaa.core import moin_internals
from moin_gaa.core.access import ReadRights
from moin_gaa.core.app_state import partnerwiki
from moin_gaa.core.moin_internals import ReusingIndex, SearcherPool, searcher_reuse_wanted
from moin_gaa.core.records import RECORD_FIELDS, RECORD_TYPE
from moin_gaa.core.storage import PageSpec, store_pages
from moin_gaa.discussions.threads import POST_TYPE, new_thread
from moin_gaa.toolbox.tools import TOOL_TYPE
from moin_gaa.web.factory import create_app

TOOLS = 1200
DEEP = "Tiefe/Ebene eins/Ebene zwei"  # a hierarchy with ACLs along the way
CLOSED_PARENT = "Tiefe/Verschlossen"  # moderators only; its children have no ACL of their own
TWIN = REGISTERED.name  # a page in the default namespace, one in users/ and Rita's profile: one name_exact, 3 items
AREA = "Online-Diskussionen/Suchertest"
THREAD = f"{AREA}/Alle schreiben, alle lesen"


def tool(i: int, text: str = "") -> PageSpec:
    fields = {"titel": f"Suchwerkzeug {i:05d}", "kurzbeschreibung": f"Werkzeug {i}", "lebensphasen": ["kita"],
              "empfehlungen": ["beteiligung"], "art": "checkliste", "jahr": 2020, "status": "geprueft"}
    return PageSpec(f"Werkzeugkiste/Suchwerkzeug {i:05d}", text or f"<<ToolCard>>\n\nText {i}.\n",
                    {RECORD_TYPE: "werkzeug", RECORD_FIELDS: fields, "summary": fields["kurzbeschreibung"]})


def other_pages() -> list[PageSpec]:
    today = date.today()
    area = {"titel": "Suchertest", "einleitung": "Schreiben und Lesen zugleich.",
            "beginn": (today - timedelta(days=1)).isoformat(), "ende": (today + timedelta(days=28)).isoformat()}
    thread = new_thread(THREAD.rsplit("/", 1)[1], "Bitte alle auf einmal.", "Moderation").fields()
    return [
        PageSpec("Tiefe", "Oben", {"acl": "All:read"}),
        PageSpec("Tiefe/Ebene eins", "Mitte", {"acl": "Known:read All:"}),
        PageSpec(DEEP, "Unten"),  # no ACL: the parent's counts
        PageSpec(f"{DEEP}/Blatt", "Blatt"),
        PageSpec(CLOSED_PARENT, "Zu", {"acl": "Moderatoren:read,write All:"}),
        *(PageSpec(f"{CLOSED_PARENT}/Kind {n}", f"Kind {n}") for n in range(5)),
        PageSpec(TWIN, "Im Standard-Namensraum"),
        PageSpec(f"users/{TWIN}", "Im Namensraum users"),
        PageSpec(AREA, "<<DiscussionSpace>>", {RECORD_TYPE: "onlinediskussion", RECORD_FIELDS: area, "summary": "x"}),
        PageSpec(THREAD, "<<Discussion>>", {RECORD_TYPE: "thema", RECORD_FIELDS: thread, "summary": "y"}),
    ]


def reuse_off_app(instance: str):
    """A second app on ``instance``: moin's own searcher per lookup."""
    app = create_app(flask_config_dict={"TESTING": True, "SERVER_NAME": "localhost:8080"}, create_backend=False,
                     destroy_backend=False, gaa_reuse_searchers=False, **instance_settings(instance))
    app.test_client_class = BrowserLikeClient
    return app


@pytest.fixture(scope="module")
def wikis(tmp_path_factory):
    """(on, off, instance): the seed wiki plus 1,200 tools, a hierarchy with ACLs, one name in three namespaces; the
    tools loaded in two bulk commits and every tenth updated, so the index has several segments and deletions."""
    instance = str(tmp_path_factory.mktemp("reuse"))
    on = seeded_app(instance)
    with on.app_context():
        store_pages(other_pages())
        store_pages([tool(i) for i in range(TOOLS // 2)])
        store_pages([tool(i) for i in range(TOOLS // 2, TOOLS)])
        store_pages([tool(i, f"Neu {i}.") for i in range(0, TOOLS, 10)])
    with acting_as(on, ADMIN):
        for n in range(3):  # single commits through moin: small segments beside the big ones
            save_page(f"Werkzeugkiste/Suchwerkzeug {n:05d}", f"Gespeichert {n}.")
    off = reuse_off_app(instance)
    yield on, off, instance
    off.deinit_backends()
    on.deinit_backends()


def test_the_two_apps_are_what_they_say(wikis):
    on, off, _instance = wikis
    assert all(isinstance(ix.wrapped_index, ReusingIndex) for ix in on.storage.ix.values())
    assert not any(isinstance(ix.wrapped_index, ReusingIndex) for ix in off.storage.ix.values())
    with on.storage.ix[LATEST_META].searcher() as searcher:
        assert len(list(searcher.leaf_searchers())) > 1, "the index should have several segments"
        assert searcher.reader().has_deletions()


def test_reuse_is_switched_off_by_configuration_or_environment(monkeypatch):
    monkeypatch.delenv(moin_internals.REUSE_SEARCHERS_ENV, raising=False)
    assert searcher_reuse_wanted(SimpleNamespace(gaa_reuse_searchers=True))
    assert searcher_reuse_wanted(SimpleNamespace())  # default on
    assert not searcher_reuse_wanted(SimpleNamespace(gaa_reuse_searchers=False))
    monkeypatch.setenv(moin_internals.REUSE_SEARCHERS_ENV, "0")
    assert not searcher_reuse_wanted(SimpleNamespace(gaa_reuse_searchers=True))


# --- the same lookups both ways ---------------------------------------------------------------------------------

NAMES = [
    *(f"Werkzeugkiste/Suchwerkzeug {i:05d}" for i in (0, 1, 2, 7, 10, 599, 600, 1000, 1199)),
    "Werkzeugkiste/Suchwerkzeug 99999", "Gibt es nicht", "Werkzeugkiste", "Startseite",
    "Tiefe", "Tiefe/Ebene eins", DEEP, f"{DEEP}/Blatt", f"{DEEP}/Fehlt", CLOSED_PARENT, f"{CLOSED_PARENT}/Kind 3",
    TWIN, f"users/{TWIN}", f"users/{MODERATOR.name}", f"userprofiles/{TWIN}", THREAD,
]


def lookups(app, person, names=NAMES) -> dict:
    """What moin's lookups answer for ``names`` (items, existence, parents, revisions, read and write rights, a
    search) in one request of ``person``."""
    seen = {}
    with acting_as(app, person):
        indexer, storage = app.storage, flaskg.storage
        for name in names:
            query = split_fqname(name).query
            item = indexer.get_item(**query)
            short = indexer.get_item(short=True, **query)
            revisions = sorted(rev.revid for rev in indexer.documents(idx_name=ALL_REVS, itemid=item.itemid)) \
                if item else []
            seen[name] = {
                "meta": dict(item.meta), "short": dict(short.meta), "exists": indexer.has_item(name),
                "by_itemid": bool(item) and indexer.has_item(f"@itemid/{item.itemid}"),
                "parents": sorted(item.parentids), "revisions": revisions,
                "read": bool(flaskg.user.may.read(name)), "write": bool(flaskg.user.may.write(name)),
                "protected": bool(storage.get_item(**query)),
            }
        seen["search"] = sorted(rev.name for rev in storage.search(Term(NAMESPACE, ""), limit=None))
        seen["twins"] = sorted((rev.meta[NAMESPACE], rev.name) for rev in indexer.documents(name_exact=TWIN))
    return seen


@pytest.mark.parametrize("person", [None, REGISTERED, MODERATOR, ADMIN], ids=["anonym", "registriert", "mod", "admin"])
def test_lookups_answer_the_same_with_and_without_reuse(wikis, person):
    on, off, _instance = wikis
    reused, moins = lookups(on, person), lookups(off, person)
    assert reused == moins
    # the comparison covers what it should: found and missing items, read and write both ways, three namespaces
    assert {reused[n]["exists"] for n in NAMES} == {True, False}
    assert {reused[n]["read"] for n in NAMES} == {True, False}
    assert reused[TWIN]["meta"]["itemid"] != reused[f"users/{TWIN}"]["meta"]["itemid"]
    assert reused["twins"] == [("", TWIN), ("userprofiles", TWIN), ("users", TWIN)]
    assert len(reused["search"]) > TOOLS
    assert reused[f"{DEEP}/Blatt"]["parents"] == [reused[DEEP]["meta"]["itemid"]]


TOKENS = re.compile(r'(csrf_token"[^>]*?value="|csrf-token" content="|nonce=")[^"]*"')


def pages(app, person, paths) -> dict:
    with app.test_client() as client:
        if person is not None:
            login(client, person)
        return {path: (r.status_code, TOKENS.sub(r"\1…", r.get_data(as_text=True)))
                for path in paths for r in [client.get(path)]}


PAGES = ["/Startseite", "/Werkzeugkiste/Suchwerkzeug 00007", "/Werkzeugkiste/Suchwerkzeug 00002", "/" + quote(THREAD),
         f"/{DEEP}/Blatt", f"/{CLOSED_PARENT}/Kind 3", "/+search?q=Suchwerkzeug+00123", "/+search?q=Kind",
         "/Matrix", "/Matrix?lebensphase=kita&empfehlung=beteiligung", "/Werkzeugkiste", "/Partnerverzeichnis",
         "/+gaa/export/werkzeugkiste.csv", "/+index/Tiefe", "/+history/Werkzeugkiste/Suchwerkzeug 00001"]


@pytest.mark.parametrize("person", [None, MODERATOR], ids=["anonym", "mod"])
def test_pages_are_the_same_with_and_without_reuse(wikis, person):
    on, off, _instance = wikis
    reused, moins = pages(on, person, PAGES), pages(off, person, PAGES)
    for path in PAGES:
        assert reused[path] == moins[path], path
    assert {status for status, _ in reused.values()} == ({200} if person else {200, 403})
    assert "Suchwerkzeug 00123" in reused["/+search?q=Suchwerkzeug+00123"][1]


# --- right after writes ------------------------------------------------------------------------------------------


def write_and_look(app, tag: str) -> list:
    """In one request: save pages, change a parent's ACL, look up each time – what the request sees after each step."""
    base = f"Schreibtest {tag}"
    names = [base, f"{base}/Kind", f"{base}/Fehlt"]
    seen = []

    def look():
        indexer = app.storage
        seen.append([(indexer.has_item(name), sorted(indexer.get_item(**split_fqname(name).query).parentids) != [],
                      bool(flaskg.user.may.read(name)), indexer.get_item(name_exact=name).meta.get("acl"))
                     for name in names])

    with acting_as(app, ADMIN):
        look()
        save_page(base, "Eltern")
        look()
        save_page(f"{base}/Kind", "Kind")
        look()
        save_page(base, "Eltern, jetzt verschlossen", acl="Moderatoren:read All:")
        look()
    with acting_as(app, REGISTERED):  # the new ACL in a new request
        look()
    return seen


def test_a_request_sees_its_own_writes_as_moin_does(wikis):
    on, off, _instance = wikis
    reused, moins = write_and_look(on, "an"), write_and_look(off, "aus")
    assert reused == moins
    assert reused[0][0][0] is False and reused[1][0][0] is True and reused[2][1][:2] == (True, True)
    assert reused[4][1][2] is False  # the child of the closed parent, for a registered user


def test_writes_of_another_thread_are_seen_at_once(wikis):
    """A thread keeps a searcher open (an outer lookup) while another thread writes; the next lookups of the first
    thread – also nested inside the open one – find the new item."""
    on, _off, _instance = wikis
    written = threading.Event()
    found = {}

    def writer():
        with acting_as(on, ADMIN):
            save_page("Fremder Faden", "Von einem anderen Thread")
        written.set()

    with acting_as(on, ADMIN):
        assert not on.storage.has_item("Fremder Faden")
        with on.storage.ix[LATEST_REVS].searcher() as outer:
            thread = threading.Thread(target=writer)
            thread.start()
            assert written.wait(60)
            found["nested"] = bool(on.storage.get_item(name_exact="Fremder Faden", namespace=""))
            found["outer"] = outer.document(name_exact="Fremder Faden", namespace="") is not None
        found["after"] = on.storage.has_item("Fremder Faden")
        thread.join()
    assert found == {"nested": True, "outer": False, "after": True}  # the outer searcher keeps its generation


def test_writes_of_another_process_are_seen_at_once(wikis, tmp_path):
    on, off, instance = wikis
    with acting_as(on, None):
        assert lookups(on, None, ["Aus einem anderen Prozess"])["Aus einem anderen Prozess"]["exists"] is False
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "Aus einem anderen Prozess.meta").write_text(json.dumps({"summary": "Prozess"}), encoding="utf-8")
    (seeds / "Aus einem anderen Prozess.data").write_text("Geschrieben von gaa-load-seeds.", encoding="utf-8")
    subprocess.run([BIN, "gaa-load-seeds", "--seed-dir", str(seeds)], cwd=REPO, check=True, capture_output=True,
                   env=dict(os.environ, PARTNERWIKI_INSTANCE=instance), timeout=300)
    names = ["Aus einem anderen Prozess", "Werkzeugkiste/Suchwerkzeug 00001"]
    reused, moins = lookups(on, None, names), lookups(off, None, names)
    assert reused == moins and reused["Aus einem anderen Prozess"]["exists"] is True


# --- mixed load ------------------------------------------------------------------------------------------------------

REPLIES, PROPOSALS = 6, 6
REPLIERS, PROPOSER = (REGISTERED, MODERATOR), ADMIN
READERS = (REGISTERED, MODERATOR, None)  # not the proposer: see reader() below
POST_ID = re.compile(r'<li class="gaa-post[^"]*" id="(B\d{8}T\d{6}-[0-9a-f]{6})"')


def proposal(title: str) -> dict:
    return {"titel": title, "kurzbeschreibung": "Unter Last vorgeschlagen.", "lebensphasen": ["kita"],
            "empfehlungen": ["beteiligung"], "art": "checkliste", "jahr": "2021", "langtext": "Text."}


def test_mixed_load_without_errors_and_every_acknowledged_write_visible(wikis):
    """Threads post replies and propose tools through the forms while others read pages and the written items;
    every request answers without error, and every acknowledged write is found at once by the other threads, on the
    thread's page, in moin's indexes (both ways) and in the catalog."""
    on, off, _instance = wikis
    acknowledged: dict[str, list[str]] = {"replies": [], "tools": []}
    errors: list[str] = []
    done = threading.Event()
    writers_left = [len(REPLIERS) + 1]
    lock = threading.Lock()

    def writer_finished():
        with lock:
            writers_left[0] -= 1
            if not writers_left[0]:
                done.set()

    def reply_writer(client, no: int):
        token = CSRF_RE.search(client.get("/+gaa/kalender-schluessel").get_data(as_text=True)).group(1)
        for r in range(REPLIES):
            text = f"Lastantwort {no}-{r}"
            response = client.post(f"/+gaa/diskussion/antwort/{quote(THREAD)}", data={"csrf_token": token, "text": text})
            if response.status_code != 302:
                errors.append(f"reply {text}: {response.status_code}")
                continue
            with lock:
                acknowledged["replies"].append(text)

    def tool_writer(client):
        token = CSRF_RE.search(client.get("/+gaa/werkzeug/neu").get_data(as_text=True)).group(1)
        for p in range(PROPOSALS):
            title = f"Lastvorschlag {p}"
            response = client.post("/+gaa/werkzeug/neu", data={**proposal(title), "csrf_token": token})
            if response.status_code != 302:
                errors.append(f"proposal {title}: {response.status_code}")
                continue
            with lock:
                acknowledged["tools"].append(f"Werkzeugkiste/{title}")

    def reader(client):
        """Pages, and the acknowledged proposals in moin's index and in the catalog.  Neither the proposals' pages
        while proposals go on nor the proposer's account: each proposal subscribes the proposer, and moin's FileStore
        rewrites the proposer's profile in place, so a request that reads it then (the page names its editor; every
        request of that account loads it) may read it empty – with or without reuse (moin 2.0.0b5)."""
        while not done.is_set():
            with lock:
                tools, replies = list(acknowledged["tools"]), list(acknowledged["replies"])
            for path in ["/Startseite", "/" + quote(THREAD), "/Matrix"]:
                response = client.get(path)
                if response.status_code != 200:
                    errors.append(f"GET {path}: {response.status_code}")
                elif path == "/" + quote(THREAD) and not all(text in response.get_data(as_text=True) for text in replies):
                    errors.append(f"GET {path}: an acknowledged reply is missing")
            with on.app_context():
                if not all(on.storage.has_item(name) and on.storage.get_item(name_exact=name) for name in tools):
                    errors.append("an acknowledged proposal is missing in moin's index")
            listed = client.get("/+gaa/records.json?typ=werkzeug&q=Lastvorschlag&limit=100").get_json()
            if not set(tools) <= {record["name"] for record in listed}:
                errors.append("an acknowledged proposal is missing in the catalog")

    clients = []
    for person in (*REPLIERS, PROPOSER, *READERS):
        client = on.test_client()
        if person is not None:
            login(client, person)
        clients.append(client)

    def work(no: int):
        try:
            if no < len(REPLIERS):
                reply_writer(clients[no], no)
            elif no == len(REPLIERS):
                tool_writer(clients[no])
            else:
                reader(clients[no])
        finally:
            if no <= len(REPLIERS):
                writer_finished()

    errors += run_in_threads(work, len(clients))
    assert errors == []
    assert len(acknowledged["replies"]) == len(REPLIERS) * REPLIES and len(acknowledged["tools"]) == PROPOSALS

    shown = pages(off, None, ["/" + quote(THREAD), *("/" + quote(name) for name in acknowledged["tools"])])
    assert {status for status, _page in shown.values()} == {200}
    page = shown["/" + quote(THREAD)][1]
    assert all(text in page for text in acknowledged["replies"])
    posts = [f"{THREAD}/{post_id}" for post_id in POST_ID.findall(page)]
    for app in (on, off):
        found = lookups(app, ADMIN, [*acknowledged["tools"], *posts])
        assert all(found[name]["exists"] and found[name]["read"] for name in [*acknowledged["tools"], *posts])
        with acting_as(app, ADMIN):
            catalog = partnerwiki(app).catalog
            names = {r.name for kind in (TOOL_TYPE, POST_TYPE) for r in catalog.search(ReadRights(), record_type=kind)}
        assert set(acknowledged["tools"]) | set(posts) <= names
    assert len(posts) == len(REPLIERS) * REPLIES


# --- the pool -------------------------------------------------------------------------------------------------------


@pytest.fixture
def small_index(tmp_path):
    index = FileStorage(str(tmp_path)).create_index(Schema(key=ID(stored=True), text=TEXT(stored=True)))
    with index.writer() as writer:
        writer.add_document(key="a", text="eins")
    return index


def add(index, key: str) -> None:
    with index.writer() as writer:
        writer.add_document(key=key, text=key)


def keys(searcher) -> list[str]:
    return sorted(fields["key"] for fields in searcher.all_stored_fields())


def test_a_thread_shares_its_searcher_and_gets_it_again_until_the_index_changes(small_index):
    pool = SearcherPool(small_index)
    with pool.lend() as outer, pool.lend() as nested:
        assert outer.reader() is nested.reader()  # lookups inside a lookup share it
        first = outer.reader()
    with pool.lend() as later:
        assert later.reader() is first  # kept for the next lookup
    add(small_index, "b")
    with pool.lend() as fresh:
        assert fresh.reader() is not first and keys(fresh) == ["a", "b"]
    assert first.is_closed  # the old generation's searcher is closed, not refreshed


def test_an_open_searcher_keeps_its_generation_while_lookups_inside_it_see_the_new_one(small_index):
    pool = SearcherPool(small_index)
    with pool.lend() as outer:
        add(small_index, "b")
        with pool.lend() as nested:
            assert keys(nested) == ["a", "b"]
        assert keys(outer) == ["a"]  # still readable: nobody closed it under the outer lookup
        old = outer.reader()
    assert old.is_closed


def test_threads_get_searchers_of_their_own(small_index):
    pool = SearcherPool(small_index)
    inside, release = threading.Barrier(3), threading.Event()
    readers = []

    def hold(_no):
        with pool.lend() as searcher:
            readers.append(searcher.reader())
            inside.wait()
            release.wait(10)

    threads = [threading.Thread(target=hold, args=(no,)) for no in range(3)]
    for t in threads:
        t.start()
    release.set()
    for t in threads:
        t.join()
    assert len({id(r) for r in readers}) == 3
    assert sum(not r.is_closed for r in readers) == moin_internals.IDLE_SEARCHERS  # the rest closed on return


def test_a_given_back_searcher_cannot_be_used_and_a_closed_pool_keeps_none(small_index):
    pool = SearcherPool(small_index)
    with pool.lend() as searcher:
        reader = searcher.reader()
    with pytest.raises(ReaderClosed):
        searcher.document(key="a")
    pool.close()
    assert reader.is_closed
    with pool.lend() as searcher:
        reader = searcher.reader()
    assert reader.is_closed


def test_searchers_read_the_indexes_without_copying_them_into_memory(wiki):
    """With whoosh's memory map each searcher copied every segment file it read into private memory (whoosh's
    ``BufferFile`` wraps the map in a ``BytesIO``): about the index's size per searcher, 720 MB per worker at national
    scale.  moin's three indexes and our catalog are opened without the map."""
    indexes = [wiki.storage.ix[name] for name in (ALL_REVS, LATEST_REVS, LATEST_META)] + [partnerwiki(wiki).catalog.ix]
    for index in indexes:
        with index.searcher() as searcher:
            assert list(searcher.documents())  # every segment really read
            for leaf, _offset in searcher.reader().leaf_readers():
                compound = leaf._storage.a  # whoosh's OverlayStorage(CompoundStorage of the segment, the folder)
                assert compound._source is None, f"{index}: segment {leaf.segment()} is memory-mapped"
