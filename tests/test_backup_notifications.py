"""The notification store in the backup (issue 16): ``partnerwiki gaa-backup`` carries the SQLite file with the
notifications, the mail log and the unread state, ``gaa-restore`` brings it back (and moves a replaced instance's
store aside); a backup taken while another thread writes notifications restores to a consistent store."""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from datetime import datetime, timezone

from conftest import create_people, make_app
from test_backup import cli

from moin_gaa.core import backup
from moin_gaa.notifications.mail_log import AT_ONCE, PERSONAL, mail_log
from moin_gaa.notifications.store import NewNotification, notification_store, store_path

DB = "gaa-notifications.sqlite3"
RECIPIENT = "0123456789abcdef0123456789abcdef"
SENT = datetime(2026, 12, 1, 7, 0, tzinfo=timezone.utc)


def notes(count: int, detail: str) -> list[NewNotification]:
    return [NewNotification(RECIPIENT, "erwaehnung", f"item{i:04d}", f"Seite {i}", "Walter", detail)
            for i in range(count)]


def backed_up(instance_dir, folder) -> str:
    result = cli(instance_dir, "gaa-backup", "--output-dir", str(folder))
    assert result.returncode == 0, result.stderr
    assert f"Dazu die Datenbank {DB}" in result.stdout
    return result.stdout.strip().splitlines()[-1]


def test_notifications_and_the_mail_log_survive_backup_and_restore(empty_wiki, tmp_path):
    create_people(empty_wiki)
    store, log = notification_store(empty_wiki), mail_log(empty_wiki)
    ids = store.add(notes(3, "vor der Sicherung"), now=SENT)
    store.mark_read(RECIPIENT, ids[0])
    log.settle([(ids[1], AT_ONCE)], now=SENT)
    log.digests_sent([(RECIPIENT, PERSONAL, ids[2], [ids[2]])], now=SENT)
    saved = store.page(RECIPIENT, offset=0, limit=10)
    path = backed_up(empty_wiki.cfg.instance_dir, tmp_path / "sicherungen")

    restored = cli(tmp_path / "ziel", "gaa-restore", path)
    assert restored.returncode == 0, restored.stderr
    assert f"Datenbank {DB} wiederhergestellt." in restored.stdout
    target = make_app(str(tmp_path / "ziel"), create=False)
    try:
        assert store_path(target.cfg) == str(tmp_path / "ziel" / DB)
        assert notification_store(target).page(RECIPIENT, offset=0, limit=10) == saved
        assert mail_log(target).how(ids[1]) == AT_ONCE and mail_log(target).how(ids[2]) == "zusammenfassung"
        assert mail_log(target).last_digest(RECIPIENT, PERSONAL).last_id == ids[2]
        notification_store(target).add(notes(1, "nur im ersetzten Wiki"))
    finally:
        target.deinit_backends()

    replaced = cli(tmp_path / "ziel", "gaa-restore", "--overwrite", path)
    assert replaced.returncode == 0, replaced.stderr
    aside = [n for n in os.listdir(tmp_path / "ziel") if n.startswith(backup.REPLACED_PREFIX)]
    assert len(aside) == 1
    with sqlite3.connect(tmp_path / "ziel" / aside[0] / DB) as old:  # moved aside, not deleted
        assert old.execute("SELECT count(*) FROM notifications WHERE detail = 'nur im ersetzten Wiki'").fetchone() == (1,)
    with sqlite3.connect(tmp_path / "ziel" / DB) as new:
        assert new.execute("SELECT count(*) FROM notifications").fetchone() == (3,)


def consistent(path: str) -> int:
    """Checks a restored store: whole write transactions only; the number of batches in it."""
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        sizes = db.execute("SELECT detail, count(*) FROM notifications GROUP BY detail").fetchall()
        assert all(size == 10 for _detail, size in sizes), sizes  # one add() = one transaction of 10
        ids = [i for (i,) in db.execute("SELECT id FROM notifications ORDER BY id")]
        assert ids == list(range(1, len(ids) + 1))
        settled = db.execute("SELECT count(*), max(notification_id) FROM notification_mails").fetchone()
        last = db.execute("SELECT last_id FROM digests").fetchone()
        # digests_sent writes the digest row and its notifications' rows in one transaction
        assert settled == (0, None) and last is None or (settled[1],) == last, (settled, last)
        return len(sizes)


def test_a_backup_taken_while_notifications_are_written_restores_a_consistent_store(empty_wiki, tmp_path):
    create_people(empty_wiki)
    store, log = notification_store(empty_wiki), mail_log(empty_wiki)
    assert log.last_digest(RECIPIENT, PERSONAL) is None  # the mail log's tables exist before the writer starts
    written, stop = [0], threading.Event()

    def write():
        while not stop.is_set() and written[0] < 3000:
            ids = store.add(notes(10, f"Stapel {written[0]}"))
            log.digests_sent([(RECIPIENT, PERSONAL, max(ids), ids)], now=datetime.now(timezone.utc))
            written[0] += 1

    writer = threading.Thread(target=write)
    writer.start()
    batches = []
    try:
        for number in range(3):
            while written[0] < 5 * (number + 1) and writer.is_alive():
                time.sleep(0.01)
            path = str(tmp_path / f"s{number}.zip")
            summary = backup.create_backup(empty_wiki.storage.backend, path,
                                           databases={DB: store_path(empty_wiki.cfg)})
            assert summary.databases[DB] > 0
            manifest = backup.verify_backup(path)
            target = str(tmp_path / f"ziel{number}" / DB)
            assert backup.restore_databases(path, manifest, {DB: target}) == [DB]
            batches.append(consistent(target))
    finally:
        stop.set()
        writer.join()
    assert batches == sorted(batches) and batches[0] >= 5 and written[0] > batches[0], (batches, written)
