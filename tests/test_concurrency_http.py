"""Many people at once, end to end through HTTP against the running threaded server (``partnerwiki run``).

A workshop where everybody signs up at the same moment, then 20 people who each post 10 replies to one thread
at once: every request must be answered (no 5xx), every account must log in, and exactly 200 posts must be
stored – each holding only its own text, and found on the thread's pages, in moin's search and in our catalog.

Before the index writers waited for each other, 18 of 20 registrations and about half of the replies answered
500 (whoosh ``LockError``: moin opens its index writers without waiting for a held lock).
"""

from __future__ import annotations

import json
import os
import re
import secrets
import string
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import date, timedelta
from html import unescape
from http.cookiejar import CookieJar
from urllib.error import HTTPError
from urllib.parse import quote, urlencode
from urllib.request import HTTPCookieProcessor, HTTPRedirectHandler, Request, build_opener

import pytest
from browser_support import BIN, REPO, free_port, live_wiki, wait_until_up
from conftest import PASSWORD, page_token
from moin.constants.keys import ALL_REVS
from whoosh.fields import ID, Schema
from whoosh.index import LockError, create_in

from moin_gaa.core.index_writers import IndexBusy, Turns, WaitingIndex, waiting_writer
from moin_gaa.web.registration import NAME_TAKEN

USERS = 20
REPLIES = 10
POSTS_PER_PAGE = 50  # moin_gaa.discussions.threads.POSTS_PER_PAGE
RUN = "".join(secrets.choice(string.ascii_lowercase) for _ in range(6))  # this run's texts are unique words
AREA = f"Online-Diskussionen/Lasttest {RUN}"
THREAD = f"{AREA}/Alle antworten gleichzeitig"
THREAD_TWO = f"{AREA}/Zwei Server"  # for the test with two server processes
META_CSRF_RE = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
POST_RE = re.compile(r'<li class="gaa-post[^"]*" id="(B\d{8}T\d{6}-[0-9a-f]{6})"')  # also „gaa-post-unread“
POST_ID_RE = re.compile(r"B\d{8}T\d{6}-[0-9a-f]{6}")
MARKER_RE = re.compile(rf"mk{RUN}u(\d\d)r(\d\d)")


def person(u: int) -> str:
    return f"Lasttest {RUN} Person {u:02d}"


def search_word(u: int) -> str:
    """One word per person (letters only, so no analyzer splits it; ending in „x“, so no German stemmer shortens it
    to a prefix of another person's word)."""
    return f"wort{RUN}{string.ascii_lowercase[u // 26]}{string.ascii_lowercase[u % 26]}x"


def marker(u: int, r: int) -> str:
    return f"mk{RUN}u{u:02d}r{r:02d}"


def reply_text(u: int, r: int) -> str:
    return f"Antwort {marker(u, r)} von {person(u)}: **{search_word(u)}** – mein Beitrag Nummer {r}."


def login_form(name: str) -> dict:
    return {"login_username": name, "login_password": PASSWORD, "login_submit": "1", "login_nexturl": ""}


class NoRedirects(HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a redirect is the answer we want to see


class Browser:
    """One person's HTTP session: cookies, the session's CSRF token, our Origin on every POST."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = build_opener(HTTPCookieProcessor(CookieJar()), NoRedirects)

    def request(self, path: str, data: dict | None = None) -> tuple[int, str]:
        headers = {"Origin": self.base} if data is not None else {}
        body = urlencode(data).encode() if data is not None else None
        try:
            with self.opener.open(Request(self.base + path, data=body, headers=headers), timeout=180) as response:
                return response.status, response.read().decode("utf-8", "replace")
        except HTTPError as error:
            return error.code, error.read().decode("utf-8", "replace")

    def get(self, path: str) -> str:
        status, page = self.request(path)
        assert status == 200, f"GET {path}: {status}"
        return page

    def token(self, path: str = "/Startseite") -> str:
        return META_CSRF_RE.search(self.get(path)).group(1)

    def post(self, path: str, data: dict, token: str) -> tuple[int, str]:
        return self.request(path, dict(data, csrf_token=token))

    def login(self, name: str) -> int:
        return self.post("/+login", login_form(name), self.token("/+login"))[0]

    def logged_in_as(self) -> str:
        return self.get("/+usersettings")


def all_at_once(work, count: int = USERS) -> list:
    """``work(i)`` for i in range(count) in ``count`` threads that start together; their results in order."""
    start = threading.Barrier(count)

    def run(i: int):
        start.wait(timeout=60)
        return work(i)

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run, range(count)))


def write_discussion(seed_dir) -> None:
    """An Online-Diskussion open from yesterday for four weeks (dates relative to today), with one thread."""
    today = date.today()
    fields = {"titel": f"Lasttest {RUN}", "einleitung": "Viele Antworten zur selben Zeit.",
              "beginn": (today - timedelta(days=1)).isoformat(), "ende": (today + timedelta(days=28)).isoformat()}
    pages = {AREA: ("onlinediskussion", fields, "<<DiscussionSpace>>")}
    for name in (THREAD, THREAD_TWO):
        pages[name] = ("thema", {"titel": name.rsplit("/", 1)[1], "autor": "Moderation", "gesperrt": False,
                                 "erstellt": f"{today.isoformat()}T08:00:00+00:00", "text": "Bitte alle auf einmal."},
                       "<<Discussion>>")
    for name, (record_type, values, data) in pages.items():
        path = os.path.join(seed_dir, *name.split("/"))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path + ".meta", "w", encoding="utf-8") as f:
            json.dump({"summary": values["titel"], "gaa_type": record_type, "gaa_fields": values}, f,
                      ensure_ascii=False)
        with open(path + ".data", "w", encoding="utf-8") as f:
            f.write(data)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    seeds = tmp_path_factory.mktemp("concurrency-seeds")
    write_discussion(str(seeds))
    instance = str(tmp_path_factory.mktemp("concurrency-wiki"))
    with live_wiki(instance, str(seeds)) as base:
        yield base, os.path.join(instance, "server.log")


@pytest.fixture(scope="module")
def second_server(server):
    """A second ``partnerwiki run`` process on the same instance (as several workers of one wiki would be)."""
    instance = os.path.dirname(server[1])
    log_path = os.path.join(instance, "server-2.log")
    port = free_port()
    with open(log_path, "w") as log:
        process = subprocess.Popen([BIN, "run", "--host", "127.0.0.1", "--port", str(port)], cwd=REPO, stdout=log,
                                   stderr=log, env=dict(os.environ, PARTNERWIKI_INSTANCE=instance))
        try:
            wait_until_up(f"http://127.0.0.1:{port}/+gaa/vocabulary.json", process)
            yield f"http://127.0.0.1:{port}", log_path
        finally:
            process.terminate()
            process.wait(timeout=20)


def server_errors(log_path: str) -> list[str]:
    with open(log_path, encoding="utf-8", errors="replace") as f:
        log = f.read()
    return [line for line in log.splitlines()
            if "LockError" in line or "Server overload" in line or re.search(r'" 5\d\d ', line)]


def registration(name: str) -> dict:
    return {"register_username": name, "register_password1": PASSWORD, "register_password2": PASSWORD,
            "register_email": f"{name.replace(' ', '-').lower()}@example.org", "register_consent": "ja"}


def newcomer(u: int) -> str:
    return f"Neu {RUN} Person {u:02d}"


def test_twenty_people_register_at_the_same_moment_and_all_can_log_in(server):
    base, log = server
    browsers = [Browser(base) for _ in range(USERS)]
    tokens = [b.token("/+register") for b in browsers]  # before the start: only the POSTs are simultaneous
    answers = all_at_once(lambda u: browsers[u].post("/+register", registration(newcomer(u)), tokens[u])[0])
    assert answers == [302] * USERS, f"answers to 20 simultaneous registrations: {answers}"
    browsers = [Browser(base) for _ in range(USERS)]
    tokens = [b.token("/+login") for b in browsers]
    logins = all_at_once(lambda u: browsers[u].post("/+login", login_form(newcomer(u)), tokens[u])[0])
    assert all(status in (200, 302) for status in logins), f"answers to 20 simultaneous logins: {logins}"
    for u, browser in enumerate(browsers):  # moin saves the profile at each login: all at once, too
        assert newcomer(u) in browser.logged_in_as(), f"{newcomer(u)} is not logged in"
    assert server_errors(log) == []


def test_six_people_choosing_the_same_name_at_the_same_moment_get_one_account(server):
    base, log = server
    name = f"Doppelt {RUN}"
    browsers = [Browser(base) for _ in range(6)]
    tokens = [b.token("/+register") for b in browsers]
    answers = all_at_once(lambda u: browsers[u].post("/+register", dict(
        registration(name), register_email=f"doppelt-{RUN}-{u}@example.org"), tokens[u]), 6)
    assert sorted(status for status, _page in answers) == [302] + [400] * 5  # a refused form answers 400
    taken = ("Dieser Benutzername ist bereits vergeben.", NAME_TAKEN.format(name))  # moin's lock or our check first
    assert all(any(reason in unescape(page) for reason in taken) for status, page in answers if status == 400)
    browser = Browser(base)
    assert browser.login(name) == 302 and name in browser.logged_in_as()  # moin finds one account of that name
    assert server_errors(log) == []


@pytest.fixture(scope="module")
def people(server):
    """A logged-in session for each of the 20 writers, registered one after the other (the test above does
    the simultaneous registration; this one does not depend on it)."""
    base, _log = server
    browsers = [Browser(base) for _ in range(USERS)]
    for u, browser in enumerate(browsers):
        assert browser.post("/+register", registration(person(u)), browser.token("/+register"))[0] == 302
        assert browser.login(person(u)) in (200, 302) and person(u) in browser.logged_in_as()
    return browsers


def thread_pages(browser: Browser, thread: str) -> list[str]:
    """Every page of ``thread`` from the first (without a page named, a thread opens at its first unread post)."""
    pages = [browser.get("/" + quote(thread) + "?seite=1")]
    while f"?seite={len(pages) + 1}" in pages[-1]:
        pages.append(browser.get("/" + quote(thread) + f"?seite={len(pages) + 1}"))
    return pages


def posts_on(page: str) -> dict[str, str]:
    """post id → the HTML of that post (from its ``<li>`` to the next post's)."""
    starts = [(m.start(), m.group(1)) for m in POST_RE.finditer(page)]
    ends = [start for start, _ in starts[1:]] + [page.find("</ol>", starts[-1][0]) if starts else 0]
    return {post_id: page[start:end] for (start, post_id), end in zip(starts, ends)}


def post_all_at_once(browsers: dict[int, Browser], thread: str, replies: int) -> None:
    """Each person (number → logged-in session) posts ``replies`` answers to ``thread``, all at the same time."""
    tokens = {u: b.token("/" + quote(thread)) for u, b in browsers.items()}
    action = f"/+gaa/diskussion/antwort/{quote(thread)}"
    people = sorted(browsers)

    def post_replies(i: int) -> list[int]:
        u = people[i]
        return [browsers[u].post(action, {"text": reply_text(u, r), "antwort_auf": ""}, tokens[u])[0]
                for r in range(replies)]

    answers = all_at_once(post_replies, len(people))
    assert answers == [[302] * replies] * len(people), f"not 302: {[a for a in answers if set(a) != {302}]}"


def check_thread(reader: Browser, thread: str, people: list[int], replies: int) -> None:
    """Exactly ``replies`` posts of each of ``people`` in ``thread``, each with its own text only – on the thread's
    pages, in moin's search and in our catalog."""
    # The thread's pages, 50 posts a page: each post shows its author and its own text and nobody else's.
    pages = thread_pages(reader, thread)
    assert len(pages) == -(-len(people) * replies // POSTS_PER_PAGE)
    shown: dict[str, str] = {}
    for page in pages:
        shown.update(posts_on(page))
    assert len(shown) == len(people) * replies
    seen = set()
    for post_id, html in shown.items():
        markers = MARKER_RE.findall(html)
        assert len(markers) == 1, f"{post_id} shows {len(markers)} reply texts: {markers}"
        u, r = (int(x) for x in markers[0])
        assert f"<strong>{person(u)}</strong>" in html and search_word(u) in html, f"{post_id}: text of another person"
        seen.add((u, r))
    assert seen == {(u, r) for u in people for r in range(replies)}
    assert f"{len(people) * replies} Antworten" in pages[0]

    # The search (posts are „Themen und Beiträge“, 20 a page): each person's word finds exactly that person's posts.
    for u in people:
        results = reader.get(f"/+search?q={search_word(u)}&art=themen")
        found = {post_id for post_id in POST_ID_RE.findall(results) if post_id in shown}
        assert len(found) == replies, f"moin's search finds {len(found)} posts of {person(u)}"
        assert all(MARKER_RE.search(shown[p]).group(1) == f"{u:02d}" for p in found)

    # Our catalog: each author's posts, with their own text only.
    for u in people:
        query = urlencode({"typ": "beitrag", "autor": person(u), "limit": 1000})
        records = json.loads(reader.get(f"/+gaa/records.json?{query}"))
        records = [r for r in records if r["name"].startswith(thread + "/")]
        texts = sorted(tuple(MARKER_RE.findall(r["felder"]["html"])) for r in records)
        assert texts == [((f"{u:02d}", f"{r:02d}"),) for r in range(replies)], f"catalog of {person(u)}: {texts}"


def test_twenty_people_post_ten_replies_each_at_once_and_all_200_arrive_intact(server, people):
    base, log = server
    post_all_at_once(dict(enumerate(people)), THREAD, REPLIES)
    check_thread(people[0], THREAD, list(range(USERS)), REPLIES)
    assert server_errors(log) == []


def test_two_server_processes_on_one_instance_register_and_post_at_once(server, second_server):
    """Ten people, every other one on the second process, register at the same moment, then post five replies
    each at once: whoosh's file lock orders the processes' index writers, our file locks their registrations."""
    bases = [server[0], second_server[0]]
    people = list(range(50, 60))  # other people than in the tests above
    browsers = {u: Browser(bases[u % 2]) for u in people}
    tokens = {u: b.token("/+register") for u, b in browsers.items()}
    answers = all_at_once(lambda i: browsers[people[i]].post("/+register", registration(person(people[i])),
                                                             tokens[people[i]])[0], len(people))
    assert answers == [302] * len(people), f"answers to simultaneous registrations on two processes: {answers}"
    for u, browser in browsers.items():
        assert browser.login(person(u)) == 302 and person(u) in browser.logged_in_as()
    post_all_at_once(browsers, THREAD_TWO, 5)
    for base in bases:  # each process sees all of it
        check_thread(Browser(base), THREAD_TWO, people, 5)
    assert server_errors(server[1]) == [] and server_errors(second_server[1]) == []


# --- The waiting writers themselves: fast, without a server ---------------------------------------------------

HOLD_LOCK = """
import sys, time
from whoosh.util.filelock import FileLock
lock = FileLock(sys.argv[1])
assert lock.acquire(False)
print("held", flush=True)
time.sleep(float(sys.argv[2]))
lock.release()
"""


@contextmanager
def lock_held_by_another_process(index, seconds: float):
    """A second process holds ``index``'s whoosh write lock for ``seconds`` (or until the block ends)."""
    path = os.path.join(index.storage.folder, f"{index.indexname}_WRITELOCK")
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, path, str(seconds)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        yield holder
    finally:
        holder.kill()
        holder.wait()


def small_index(tmp_path):
    return create_in(str(tmp_path), Schema(key=ID(stored=True, unique=True)))


def test_turns_are_handed_on_in_the_order_they_were_asked_for():
    turns = Turns()
    assert turns.acquire(1)
    order: list[int] = []

    def take_turn(no: int) -> None:
        assert turns.acquire(10)
        order.append(no)
        turns.release()

    workers = []
    for no in range(8):
        worker = threading.Thread(target=take_turn, args=(no,))
        worker.start()
        workers.append(worker)
        deadline = time.monotonic() + 10
        while len(turns._waiting) < no + 1 and time.monotonic() < deadline:  # queued before the next one comes
            time.sleep(0.005)
    turns.release()
    for worker in workers:
        worker.join(10)
    assert order == list(range(8))
    assert turns.acquire(0)  # free again: taken at once
    turns.release()


def test_many_threads_writing_at_once_all_get_their_turn(tmp_path):
    index = small_index(tmp_path)

    def write(no: int, writer_for) -> None:
        for n in range(5):
            with writer_for(index) as writer:
                writer.add_document(key=f"{no}-{n}")
                time.sleep(0.005)  # hold the lock a little, as a real commit does

    assert all_at_once(lambda no: write(no, waiting_writer), 12) == [None] * 12
    with index.searcher() as searcher:
        assert sorted(doc["key"] for doc in searcher.all_stored_fields()) == sorted(
            f"{no}-{n}" for no in range(12) for n in range(5))
    # the same with whoosh's own writer fails: the test can tell
    with pytest.raises(LockError):
        all_at_once(lambda no: write(no, lambda ix: ix.writer()), 12)


def test_a_writer_waits_for_another_process_and_gives_up_with_index_busy(tmp_path):
    index = small_index(tmp_path)
    with lock_held_by_another_process(index, 1.0):
        started = time.monotonic()
        with waiting_writer(index, 20) as writer:
            writer.add_document(key="after the other process")
        assert time.monotonic() - started >= 0.5  # it waited for the other process …
    with index.searcher() as searcher:
        assert searcher.document(key="after the other process") is not None  # … and wrote
    with lock_held_by_another_process(index, 60):
        started = time.monotonic()
        with pytest.raises(IndexBusy):
            waiting_writer(index, 0.5)
        assert time.monotonic() - started < 5
        with pytest.raises(IndexBusy):  # the turn was given back: the next writer waits for the file lock, too
            waiting_writer(index, 0.2)
    with waiting_writer(index, 5) as writer:  # nothing left held
        writer.add_document(key="later")


def test_moin_waits_for_its_index_lock_and_answers_a_german_503_when_it_stays_held(empty_wiki):
    indexes = empty_wiki.storage.ix
    client = empty_wiki.test_client()
    with lock_held_by_another_process(indexes[ALL_REVS], 1.0):  # moin's registration writes the profile synchronously
        response = client.post("/+register", data=dict(registration("Geduldige Person"),
                                                        csrf_token=page_token(client, "/+register")))
    assert response.status_code == 302
    assert all(isinstance(ix, WaitingIndex) for ix in indexes.values())
    waits = {name: ix.wait for name, ix in indexes.items()}
    try:
        for ix in indexes.values():
            ix.wait = 0.3
        with lock_held_by_another_process(indexes[ALL_REVS], 60):
            response = client.post("/+register", data=dict(registration("Eilige Person"),
                                                            csrf_token=page_token(client, "/+register")))
    finally:
        for name, ix in indexes.items():
            ix.wait = waits[name]
    assert response.status_code == 503 and response.headers["Retry-After"]
    assert "stark ausgelastet" in response.get_data(as_text=True)
