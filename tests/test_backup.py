"""Backup and restore as an operator does them: ``partnerwiki gaa-backup`` / ``gaa-restore`` (make backup/restore).

A seeded wiki with users, a private group, a personal calendar key, an attachment and a page with
several revisions is saved, restored into a new instance and compared: items, revision counts,
rendered pages, logins, privacy, calendar keys, catalog.  A backup taken while another thread
writes pages and profiles restores to a consistent wiki; a half-written revision is waited for
or left out and reported; a non-empty instance and a damaged file are refused.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import time
import zipfile
from datetime import date, timedelta
from urllib.parse import quote

import pytest
from conftest import (
    ADMIN,
    MODERATOR,
    PASSWORD,
    REGISTERED,
    acting_as,
    create_people,
    login,
    logout,
    make_app,
    page_token,
    save_page,
    wiki_request,
)
from flask import g as flaskg
from icalendar import Calendar
from moin.constants.keys import ALL_REVS, ITEMID, LATEST_META, NAME, NAMESPACE, REVID
from moin.utils.names import split_fqname

from moin_gaa.calendars.events import event_from_input
from moin_gaa.calendars.feed_tokens import create_token
from moin_gaa.cli import SEED_DIR
from moin_gaa.core import backup, recovery
from moin_gaa.core.accounts import ensure_role_groups
from moin_gaa.core.app_state import partnerwiki
from moin_gaa.core.attachments import Upload, save_attachment
from moin_gaa.core.storage import PageSpec, read_records, store_pages
from moin_gaa.discussions.groups import Group, moderated_acl, space_acl
from moin_gaa.seeding import load_seed_pages

BIN = os.path.join(os.path.dirname(sys.executable), "partnerwiki")
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

GROUP = Group("Tresorgruppe Sicherung", "Private Gruppe für den Sicherungstest", "privat", "einladung",
              (MODERATOR.name,))
SECRET_EVENT = "Vertrauliche Sicherungsprobe"
SECRET_WORD = "Tresorwortsicherung"
VERSIONS = ["Erste Fassung der Seite.", "Zweite Fassung, ergänzt.", "Dritte Fassung – die aktuelle."]
VERSIONED = "Sicherungstest/Mehrere Fassungen"
ATTACHMENT = "Sicherungstest/Mehrere Fassungen/plan.pdf"
PDF = b"%PDF-1.4\n% Sicherungstest\n" + bytes(range(256)) * 40 + b"\n%%EOF\n"


def cli(instance_dir, *args, timeout=300):
    env = dict(os.environ, PARTNERWIKI_INSTANCE=str(instance_dir))
    return subprocess.run([BIN, *args], env=env, cwd=REPO, capture_output=True, text=True, timeout=timeout)


def populate(app) -> str:
    """Seeds, people, a private group with an event and a member, a calendar key, revisions, an attachment."""
    with wiki_request(app):
        ensure_role_groups()
        load_seed_pages(SEED_DIR)
    create_people(app)
    when = date.today() + timedelta(days=10)
    event = event_from_input({"titel": SECRET_EVENT, "startdatum": when.isoformat(), "startzeit": "10:00",
                              "endzeit": "11:00", "kalender": [GROUP.calendar]})
    with acting_as(app, ADMIN):
        save_page(GROUP.page, f"Gruppenraum {SECRET_WORD}", gaa_type="gruppe", gaa_fields=GROUP.fields(),
                  acl=space_acl(GROUP))
        save_page(GROUP.members_item, "Mitglieder", usergroup=[REGISTERED.name], acl=moderated_acl(GROUP))
        save_page(f"{GROUP.page}/Termine", "Termine der Gruppe")
        save_page(f"{GROUP.page}/Termine/{SECRET_EVENT}", "<<EventCard>>\n", gaa_type="termin",
                  gaa_fields=event.fields())
    with acting_as(app, REGISTERED):
        for text in VERSIONS:
            save_page(VERSIONED, text)
            time.sleep(0.05)  # several revisions within one second: the restore must still pick the newest
        save_attachment(ATTACHMENT, Upload("plan.pdf", "application/pdf", PDF), comment="Plan")
        return create_token(flaskg.user)


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    """The wiki that is backed up, and REGISTERED's calendar key."""
    app = make_app(str(tmp_path_factory.mktemp("quelle") / "instance"))
    token = populate(app)
    yield app, token
    app.deinit_backends()


@pytest.fixture(scope="module")
def backup_file(source, tmp_path_factory):
    app, _token = source
    folder = tmp_path_factory.mktemp("sicherungen")
    result = cli(app.cfg.instance_dir, "gaa-backup", "--output-dir", str(folder))
    assert result.returncode == 0, result.stderr
    path = result.stdout.strip().splitlines()[-1]  # the last line is the file's path
    assert os.path.dirname(path) == str(folder) and os.path.isfile(path)
    assert "Gesichert:" in result.stdout and "geheime Schlüssel" in result.stdout
    assert "Sichern [" in result.stderr and "100%" in result.stderr  # progress bar
    return path


@pytest.fixture(scope="module")
def restored(backup_file, tmp_path_factory):
    instance_dir = tmp_path_factory.mktemp("ziel") / "instance"
    result = cli(instance_dir, "gaa-restore", backup_file)
    assert result.returncode == 0, result.stderr + result.stdout
    assert "Wiederhergestellt:" in result.stdout and "Suchindex und Katalog" in result.stdout
    app = make_app(str(instance_dir), create=False)
    yield app, result
    app.deinit_backends()


def inventory(app) -> dict[tuple[str, str, str], int]:
    """(namespace, name, itemid) → number of revisions, from moin's indexes."""
    with app.storage.ix[LATEST_META].searcher() as searcher:
        names = {d[ITEMID]: (d[NAMESPACE], (d.get(NAME) or [""])[0]) for d in searcher.all_stored_fields()}
    counts: dict[str, int] = {}
    with app.storage.ix[ALL_REVS].searcher() as searcher:
        for doc in searcher.all_stored_fields():
            counts[doc[ITEMID]] = counts.get(doc[ITEMID], 0) + 1
    return {(*names[itemid], itemid): n for itemid, n in counts.items()}


def current_revids(app) -> dict[str, str]:
    with app.storage.ix[LATEST_META].searcher() as searcher:
        return {d[ITEMID]: d[REVID] for d in searcher.all_stored_fields()}


def test_the_backup_is_one_zip_in_moins_format_readable_by_its_owner_only(backup_file, source):
    app, _token = source
    assert oct(os.stat(backup_file).st_mode)[-3:] == "600"
    with zipfile.ZipFile(backup_file) as zf:
        manifest = json.loads(zf.read("manifest.json"))
        assert set(zf.namelist()) == {"manifest.json", "moin-serialization.bin"}
    stored = recovery.scan_storage(app.storage.backend)
    assert manifest["revisions"] == len(stored.revisions) and not manifest["skipped"]
    assert manifest["per_backend"]["userprofiles"] == len(PEOPLE_NAMES)  # accounts are in it
    assert manifest["secret_key"] == "nicht enthalten"
    assert backup.verify_backup(backup_file)["sha256"] == manifest["sha256"]


PEOPLE_NAMES = (REGISTERED.name, MODERATOR.name, ADMIN.name)


def test_restore_brings_back_every_item_with_every_revision(source, restored):
    app, _token = source
    target, _result = restored
    assert inventory(target) == inventory(app)
    assert current_revids(target) == current_revids(app)  # the newest of three revisions in one second
    versions = [n for (ns, name, _id), n in inventory(target).items() if name == VERSIONED]
    assert versions == [3]


def test_restored_indexes_and_catalog_agree_with_storage(restored):
    target, _result = restored
    with wiki_request(target):
        assert recovery.check(target.storage).ok
    check = cli(target.cfg.instance_dir, "gaa-catalog-check")
    assert check.returncode == 0 and "Katalog ist aktuell." in check.stdout
    index = cli(target.cfg.instance_dir, "gaa-index-check")
    assert index.returncode == 0 and "stimmen überein" in index.stdout


def pages_of_every_type(app) -> list[str]:
    """One page per record type of the catalog, the overview pages, the versioned page, its history and file."""
    with wiki_request(app):
        names = {}
        with partnerwiki(app).catalog.ix.searcher() as searcher:
            for doc in searcher.all_stored_fields():
                names.setdefault(doc["record_type"], doc["name"])
    paths = ["/" + quote(name) for _type, name in sorted(names.items())]
    assert len(paths) >= 8, names  # tools, profiles, events, groups, threads, posts, discussions, …
    return paths + [
        "/Startseite", "/Werkzeugkiste", "/Matrix", "/Partnerverzeichnis", "/Netzwerkkalender", "/Gesprächsräume",
        "/Online-Diskussionen", "/" + quote(VERSIONED), "/+history/" + quote(VERSIONED),
        "/+get/" + quote(ATTACHMENT), "/+gaa/records.json?typ=werkzeug", "/+gaa/calendar/alle.ics",
        "/" + quote(GROUP.page), "/+gaa/calendar/" + GROUP.calendar + ".ics",
    ]


STAMP_RE = re.compile(r"DTSTAMP:\d{8}T\d{6}Z")
TOKEN_RE = re.compile(r'((?:value|content)=")[A-Za-z0-9_-]{43}"')  # the session's CSRF token


def rendered(app, paths, person) -> dict[str, tuple[int, str]]:
    with app.test_client() as client:
        if person:
            login(client, person)
        else:
            logout(client)
        pages = {}
        for path in paths:
            response = client.get(path)
            body = TOKEN_RE.sub(r'\1…"', response.get_data().decode("utf-8", "replace"))
            pages[path] = (response.status_code, STAMP_RE.sub("DTSTAMP:…", body))  # DTSTAMP: when the feed was made
        return pages


@pytest.fixture(scope="module")
def same_catalog_order(source, restored):
    """Both catalogs rebuilt from storage in one order.

    Lists show records of equal time (the seeds are loaded within a second) in catalog order, and a
    matrix cell shows the first three: an incrementally grown catalog and a rebuilt one may choose
    differently among equals.  That the restored catalog holds exactly what storage holds is
    checked by gaa-catalog-check above; here the same storage must render the same pages.
    """
    for app in (source[0], restored[0]):
        with wiki_request(app):
            records = sorted(read_records(app.storage), key=lambda record: record.itemid)
            partnerwiki(app).catalog.replace_all(records)


@pytest.mark.parametrize("person", [None, REGISTERED, ADMIN], ids=["anonym", "mitglied", "admin"])
def test_the_restored_wiki_renders_every_page_type_as_before(source, restored, same_catalog_order, person):
    app, _token = source
    target, _result = restored
    paths = pages_of_every_type(app)
    before, after = rendered(app, paths, person), rendered(target, paths, person)
    for path in paths:
        assert after[path][0] == before[path][0], path
        assert after[path][1] == before[path][1], path
    assert before["/" + quote(VERSIONED)][0] == 200 and VERSIONS[-1] in after["/" + quote(VERSIONED)][1]


def test_people_log_in_with_their_old_passwords_and_private_spaces_stay_private(restored):
    target, _result = restored
    with target.test_client() as client:
        page = client.get("/" + quote(GROUP.page))
        assert page.status_code in (403, 404) and SECRET_WORD not in page.get_data(as_text=True)
        assert SECRET_EVENT not in client.get("/+gaa/calendar/alle.ics").get_data(as_text=True)
        login(client, REGISTERED)  # asserts that the login worked
        assert SECRET_WORD in client.get("/" + quote(GROUP.page)).get_data(as_text=True)
        logout(client)
        failed = client.post("/+login", data={"login_username": REGISTERED.name, "login_password": PASSWORD + "x",
                                              "login_submit": "1", "login_nexturl": "",
                                              "csrf_token": page_token(client, "/+login")})
        assert failed.status_code == 200  # the form again, with moin's message
        assert REGISTERED.name not in client.get("/+usersettings").get_data(as_text=True)


def test_personal_calendar_keys_keep_working(source, restored):
    _app, token = source
    target, _result = restored
    with target.test_client() as client:
        feed = f"/+gaa/calendar/{GROUP.calendar}.ics"
        response = client.get(f"{feed}?token={token}")
        assert response.status_code == 200
        assert SECRET_EVENT in {str(e["SUMMARY"]) for e in Calendar.from_ical(response.get_data()).walk("VEVENT")}
        assert client.get(f"{feed}?token={token[:-2]}xx").status_code == 403
        assert client.get(feed).status_code == 404


def test_attachment_bytes_come_back(restored):
    target, _result = restored
    with target.test_client() as client:
        response = client.get("/+get/" + quote(ATTACHMENT))
        assert response.status_code == 200 and response.get_data() == PDF


def test_a_non_empty_instance_is_refused_unless_overwrite_is_asked_for(restored, backup_file, tmp_path):
    target, _result = restored
    instance = tmp_path / "instance"
    os.makedirs(tmp_path / "keine-seiten", exist_ok=True)
    assert cli(instance, "gaa-setup", "--seed-dir", str(tmp_path / "keine-seiten")).returncode == 0
    refused = cli(instance, "gaa-restore", backup_file)
    assert refused.returncode != 0
    assert "nicht leer" in refused.stderr and "FORCE=1" in refused.stderr
    replaced = cli(instance, "gaa-restore", "--overwrite", backup_file)
    assert replaced.returncode == 0, replaced.stderr
    assert "beiseitegelegt" in replaced.stdout
    aside = [n for n in os.listdir(instance) if n.startswith(backup.REPLACED_PREFIX)]
    assert len(aside) == 1 and os.path.isdir(instance / aside[0] / "data")
    app = make_app(str(instance), create=False)
    try:
        assert inventory(app) == inventory(target)
    finally:
        app.deinit_backends()


def test_a_damaged_backup_is_refused_before_anything_is_written(backup_file, tmp_path):
    damaged = tmp_path / "beschaedigt.zip"
    with zipfile.ZipFile(backup_file) as zf, zipfile.ZipFile(damaged, "w") as out:
        manifest = json.loads(zf.read("manifest.json"))
        stream = bytearray(zf.read(manifest["stream"]))
        stream[len(stream) // 2] ^= 0xFF
        out.writestr(manifest["stream"], bytes(stream))
        out.writestr("manifest.json", json.dumps(manifest))
    cut = tmp_path / "abgeschnitten.zip"
    cut.write_bytes(open(backup_file, "rb").read()[:-100])
    for path in (damaged, cut):
        result = cli(tmp_path / ("instance-" + path.stem), "gaa-restore", str(path))
        assert result.returncode != 0 and "Nichts wiederhergestellt" in result.stderr, result.stderr
        assert not os.path.exists(tmp_path / ("instance-" + path.stem) / "data" / "default")


# --- consistency while the wiki writes ------------------------------------------------------------------------


def test_a_revision_being_written_is_waited_for_and_a_crash_leftover_is_reported(empty_wiki, tmp_path):
    with wiki_request(empty_wiki):
        store_pages([PageSpec("Halb/Geschrieben", "Wird gerade geschrieben."),
                     PageSpec("Halb/Kaputt", "Bleibt kaputt.")])
    router = empty_wiki.storage.backend
    store = router.backends["default"].meta_store
    revids = {json.loads(store[r])["name"][0]: r for r in store}
    slow, broken = (store._mkpath(revids[n]) for n in ("Halb/Geschrieben", "Halb/Kaputt"))
    complete = open(slow, "rb").read()
    open(slow, "wb").write(complete[:10])  # the writer has only just begun …
    open(broken, "wb").write(b"")  # … and this one was killed in the middle
    finisher = threading.Timer(0.5, lambda: open(slow, "wb").write(complete))
    finisher.start()
    summary = backup.create_backup(router, str(tmp_path / "s.zip"))
    finisher.join()
    assert summary.revisions == 1 and [b.revid for b in summary.skipped] == [revids["Halb/Kaputt"]]
    assert backup.verify_backup(str(tmp_path / "s.zip"))["revisions"] == 1
    assert not os.path.exists(str(tmp_path / "s.zip") + ".unvollstaendig")


def test_a_backup_taken_while_pages_and_profiles_are_written_restores_consistently(empty_wiki, tmp_path):
    """On a wiki of its own, so the shared source keeps the counts the other tests compare."""
    app = empty_wiki
    create_people(app)
    acknowledged: list[tuple[float, str, str]] = []
    stop = threading.Event()

    def write():
        n = 0
        while not stop.is_set() and n < 400:
            n += 1
            with acting_as(app, REGISTERED):
                save_page(f"Sicherungstest/Laufend/{n}", f"Seite {n} vollständig geschrieben.")
                create_token(flaskg.user)  # rewrites the profile in place
            acknowledged.append((time.monotonic(), f"Sicherungstest/Laufend/{n}",
                                 f"Seite {n} vollständig geschrieben."))

    writer = threading.Thread(target=write)
    writer.start()
    deadline = time.monotonic() + 120
    while len(acknowledged) < 10 and writer.is_alive() and time.monotonic() < deadline:
        time.sleep(0.05)  # the backup starts once the writer is well under way, however busy the machine is
    started = time.monotonic()
    result = cli(app.cfg.instance_dir, "gaa-backup", "--output-dir", str(tmp_path))
    stop.set()
    writer.join()
    assert result.returncode == 0, result.stderr
    assert len(acknowledged) > 5, "the writer wrote too little to overlap with the backup"
    restore = cli(tmp_path / "wiederhergestellt", "gaa-restore", result.stdout.strip().splitlines()[-1])
    assert restore.returncode == 0, restore.stderr
    target = make_app(str(tmp_path / "wiederhergestellt"), create=False)
    try:
        with wiki_request(target):
            assert recovery.check(target.storage).ok
            for when, name, text in acknowledged:
                item = target.storage.get_item(**split_fqname(name).query)
                if when < started:
                    assert item, f"{name} was saved before the backup started"
                if item:
                    assert item["current"].data.read().decode() == text  # never half a page
        with target.test_client() as client:
            login(client, REGISTERED)  # the profile rewritten during the backup is whole
    finally:
        target.deinit_backends()
