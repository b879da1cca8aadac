"""``kill -9`` at chosen points, then the next start (``partnerwiki gaa-setup``, what ``make run`` does first).

Killed: the server while people post, ``gaa-setup`` on a new instance (early, during the seed load,
after it), a bulk load (during and after storing) and a catalog rebuild (during and after).  The
points are chosen by a seeded random generator – by watching the progress output or after a delay.
After the next start moin's indexes and our catalog agree with storage (``gaa-catalog-check``
reports nothing), no item is half-written or doubled, and every write that was answered is there.
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter

import pytest
from browser_support import free_port, wait_until_up
from conftest import make_app, wiki_request
from moin.constants.keys import LATEST_META, NAME, NAMESPACE

from moin_gaa.core import recovery
from moin_gaa.core.storage import read_records

BIN = os.path.join(os.path.dirname(sys.executable), "partnerwiki")
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SEED = 20261202
ADMIN_NAME, ADMIN_PASSWORD = "Clara Crash", "Absturz-Passwort-2026"
BULK = 300  # pages of the bulk load: its index and catalog commits after 100 % take a few tenths of a second
THREAD = "Online-Diskussionen/Wie gelingt Beteiligung von Familien?/Beteiligung in der Kita"
META_TOKEN = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


def env_for(instance) -> dict:
    return dict(os.environ, PARTNERWIKI_INSTANCE=str(instance), PARTNERWIKI_ADMIN_PASSWORD=ADMIN_PASSWORD)


def cli(instance, *args, timeout=300) -> subprocess.CompletedProcess:
    return subprocess.run([BIN, *args], env=env_for(instance), cwd=REPO, capture_output=True, text=True,
                          timeout=timeout)


def kill_when(instance, args, *, line: str | None = None, after: float = 0.0, timeout: float = 240) -> list[str]:
    """Run ``partnerwiki <args>`` and ``kill -9`` it once a stderr line matches ``line`` (then ``after`` s)
    or, without ``line``, ``after`` seconds after the start.  Returns the output seen so far."""
    process = subprocess.Popen([BIN, *args], env=env_for(instance), cwd=REPO, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True)
    seen: list[str] = []
    hit = threading.Event()

    def watch():
        for text in process.stderr:
            seen.append(text)
            if line is not None and re.search(line, text):
                hit.set()
        hit.set()  # ended by itself: the point was not reached

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    if line is not None:
        assert hit.wait(timeout), f"{args}: no line {line!r} within {timeout} s"
    time.sleep(after)
    if process.poll() is None:
        os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    watcher.join(timeout=10)
    assert process.returncode == -signal.SIGKILL, f"{args} ended by itself before {line!r}+{after:.2f}s: {seen[-3:]}"
    return seen


def start_again(instance) -> str:
    """What ``make run`` does before serving; returns its output."""
    result = cli(instance, "gaa-setup")
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def assert_consistent(instance) -> dict[str, str]:
    """Indexes and catalog agree with storage, nothing half-written or doubled; returns post texts → names."""
    check = cli(instance, "gaa-catalog-check")
    assert check.returncode == 0 and "Katalog ist aktuell." in check.stdout, check.stdout + check.stderr[-1000:]
    app = make_app(str(instance), create=False)
    try:
        with wiki_request(app):
            report = recovery.check(app.storage)
            assert report.ok, report.summary()
            with app.storage.ix[LATEST_META].searcher() as searcher:
                names = Counter((d[NAMESPACE], n) for d in searcher.all_stored_fields() for n in d[NAME])
            doubled = [name for name, count in names.items() if count > 1]
            assert not doubled, f"items stored twice under one name: {doubled[:5]}"
            return {r.fields.get("text", ""): r.name for r in read_records(app.storage) if r.record_type == "beitrag"}
    finally:
        app.deinit_backends()


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    """A set-up instance with an administrator (who may post in every discussion)."""
    instance = tmp_path_factory.mktemp("basis") / "instance"
    start_again(instance)
    created = cli(instance, "gaa-create-admin", "--name", ADMIN_NAME, "--email", "clara@example.org")
    assert created.returncode == 0, created.stderr
    return instance


@pytest.fixture
def rng(request):
    """Kill points from a generator seeded per test: the same points whatever runs before."""
    return random.Random(f"{SEED}:{request.node.name}")


def copy_of(base, tmp_path):
    instance = tmp_path / "instance"
    shutil.copytree(base, instance)
    return instance


# --- the server, killed while people post ------------------------------------------------------------------


class Poster:
    """One logged-in browser-like client that posts replies and remembers which were answered."""

    def __init__(self, base_url: str, label: str) -> None:
        self.base, self.label = base_url, label
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        self.answered: list[str] = []
        self.errors: list[str] = []

    def request(self, path: str, data: dict | None = None) -> str:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        req = urllib.request.Request(self.base + path, data=body, headers={"Origin": self.base})
        with self.opener.open(req, timeout=30) as response:
            return response.read().decode("utf-8", "replace")

    def token(self, path: str = "/Startseite") -> str:
        return META_TOKEN.search(self.request(path)).group(1)

    def login(self) -> None:
        self.request("/+login", {"login_username": ADMIN_NAME, "login_password": ADMIN_PASSWORD, "login_submit": "1",
                                 "login_nexturl": "", "csrf_token": self.token("/+login")})
        assert ADMIN_NAME in self.request("/+usersettings")

    def post_until_dead(self, stop: threading.Event) -> None:
        token = self.token()
        n = 0
        while not stop.is_set():
            n += 1
            text = f"Absturzprobe {self.label} Nummer {n}"
            try:
                self.request("/+gaa/diskussion/antwort/" + urllib.parse.quote(THREAD),
                             {"text": text, "antwort_auf": "", "csrf_token": token})
            except urllib.error.HTTPError as e:
                self.errors.append(f"{e.code} {e.read()[:300]!r}")
                return
            except OSError:
                return  # the server is gone: this write was not answered
            self.answered.append(text)


def serve(instance):
    port = free_port()
    process = subprocess.Popen([BIN, "run", "--host", "127.0.0.1", "--port", str(port)], env=env_for(instance),
                               cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base_url = f"http://127.0.0.1:{port}"
    wait_until_up(base_url + "/+gaa/vocabulary.json", process)
    return process, base_url


def test_server_killed_while_people_post(base, tmp_path, rng):
    instance = copy_of(base, tmp_path)
    answered: list[str] = []
    for round_ in range(2):
        process, base_url = serve(instance)
        try:
            posters = [Poster(base_url, f"r{round_}p{i}") for i in range(3)]
            for poster in posters:
                poster.login()
            stop = threading.Event()
            threads = [threading.Thread(target=p.post_until_dead, args=(stop,)) for p in posters]
            for thread in threads:
                thread.start()
            deadline = time.monotonic() + 120
            while not any(p.answered for p in posters) and time.monotonic() < deadline:
                time.sleep(0.05)  # the first replies are slow (indexes opened): kill while writes flow
            time.sleep(rng.uniform(0.2, 2.5))
            os.kill(process.pid, signal.SIGKILL)
            stop.set()
            for thread in threads:
                thread.join(timeout=60)
        finally:
            if process.poll() is None:
                os.kill(process.pid, signal.SIGKILL)
            process.wait(timeout=30)
        round_answered = [text for p in posters for text in p.answered]
        assert not [e for p in posters for e in p.errors]
        assert round_answered, "no reply was answered before the kill: nothing tested"
        answered += round_answered
        start_again(instance)
        posts = assert_consistent(instance)
        lost = [text for text in answered if text not in posts]
        assert not lost, f"answered but lost: {lost}"


# --- gaa-setup, a bulk load and a catalog rebuild, killed at chosen points ---------------------------------


def test_setup_of_a_new_instance_killed_early_during_and_after_the_seed_load(tmp_path, rng):
    points = [
        dict(after=rng.uniform(0.5, 2.0)),  # creating the instance, or early in the seed load
        dict(line=rf"^Startseiten laden .* {rng.choice(range(20, 90, 10))}% \("),  # pages stored, none indexed
        dict(line=r"^Startseiten laden .* 100% \(", after=rng.uniform(0.0, 1.0)),  # indexes, then the catalog
    ]
    for i, point in enumerate(points):
        instance = tmp_path / f"instance-{i}"
        kill_when(instance, ["gaa-setup"], **point)
        output = start_again(instance)
        assert "Startseiten:" in output
        assert_consistent(instance)
        again = start_again(instance)
        assert re.search(r"Startseiten: 0 neu", again), again  # every seed page exactly once


def bulk_seeds(folder, count: int = BULK):
    (folder / "Massenlast").mkdir(parents=True)
    for n in range(count):
        (folder / "Massenlast" / f"Seite {n:03d}.data").write_text(f"= Seite {n} =\nInhalt der Massenlast {n}.\n")
        meta = {"summary": f"Massenlast {n}"}
        if n % 2:
            meta.update({"gaa_type": "lebensphase", "gaa_fields": {"key": f"massenlast-{n}"}})
        (folder / "Massenlast" / f"Seite {n:03d}.meta").write_text(json.dumps(meta))
    return str(folder)


@pytest.mark.parametrize("point", ["beim Speichern", "nach dem Speichern"])
def test_bulk_load_killed(base, tmp_path, rng, point):
    instance = copy_of(base, tmp_path)
    seeds = bulk_seeds(tmp_path / "seeds")
    if point == "beim Speichern":
        percent = rng.choice(range(20, 90, 10))
        kill_when(instance, ["gaa-load-seeds", "--seed-dir", seeds], line=rf"^Startseiten laden .* {percent}% \(")
    else:
        kill_when(instance, ["gaa-load-seeds", "--seed-dir", seeds], line=rf"100% \({BULK}/{BULK}\)",
                  after=rng.uniform(0, 0.25))
    start_again(instance)
    assert_consistent(instance)
    reload = cli(instance, "gaa-load-seeds", "--seed-dir", seeds)
    assert reload.returncode == 0, reload.stderr[-2000:]
    counts = re.search(r"(\d+) neu, (\d+) aktualisiert, (\d+) unverändert", reload.stdout)
    created, updated, unchanged = map(int, counts.groups())
    assert created + unchanged == BULK and updated == 0, reload.stdout
    assert_consistent(instance)


@pytest.mark.parametrize("point", ["beim Aufbau", "nach dem Aufbau"])
def test_catalog_rebuild_killed(base, tmp_path, rng, point):
    instance = copy_of(base, tmp_path)
    if point == "beim Aufbau":
        percent = rng.choice(range(10, 90, 10))
        kill_when(instance, ["gaa-catalog-rebuild"], line=rf"^Katalog aufbauen .* {percent}% \(")
    else:
        kill_when(instance, ["gaa-catalog-rebuild"], line=r"^Katalog aufbauen .* 100% \(", after=rng.uniform(0, 0.06))
    output = start_again(instance)
    assert "Katalog ist aktuell." in output or "Katalog neu aufgebaut" in output
    assert_consistent(instance)


def test_a_killed_writer_leaves_no_whoosh_lock_held(base, tmp_path):
    """whoosh's ``*_WRITELOCK`` files stay; the lock on them dies with the process that held it."""
    instance = copy_of(base, tmp_path)
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from whoosh import index; ix = index.open_dir(sys.argv[1], "
         "indexname='all_revs'); w = ix.writer(); print('held', flush=True); time.sleep(60)", str(instance / "index")],
        stdout=subprocess.PIPE, text=True,
    )
    assert holder.stdout.readline().strip() == "held"
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait(timeout=30)
    assert (instance / "index" / "all_revs_WRITELOCK").exists()
    start_again(instance)  # writes role groups/seeds through the index: would wait and fail on a held lock
    assert_consistent(instance)


def test_a_half_written_revision_is_set_aside_at_start(base, tmp_path):
    """A metadata file cut off by a kill (moin writes it in place) is moved to quarantine/ and reported –
    also when the catalog is missing and has to be built from storage first."""
    instance = copy_of(base, tmp_path)
    shutil.rmtree(instance / "gaa-catalog")
    meta_dir = instance / "data" / "default" / "meta"
    victim = sorted(os.listdir(meta_dir))[0]
    (meta_dir / victim).write_bytes((meta_dir / victim).read_bytes()[:25])
    output = start_again(instance)
    assert "unvollständig geschrieben" in output and "beiseitegelegt" in output and "Suchindex repariert." in output
    assert not (meta_dir / victim).exists()
    assert any(victim in files for _root, _dirs, files in os.walk(instance / "quarantine"))
    assert_consistent(instance)
