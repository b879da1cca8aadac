"""The notification store on its own: one SQLite file shared by threads and processes, each recipient's
notifications apart, and the queries of the page and the badge served by an index at any size."""

from __future__ import annotations

import multiprocessing
import sqlite3
import threading
from datetime import datetime, timezone

import pytest

from moin_gaa.notifications.store import NewNotification, NotificationStore


def note(recipient: str, number: int) -> NewNotification:
    return NewNotification(recipient, "erwaehnung", f"item{number}", f"Seite {number}", "Anna", f"Nummer {number}")


@pytest.fixture
def store(tmp_path):
    return NotificationStore(str(tmp_path / "instance" / "gaa-notifications.sqlite3"))


def test_newest_first_paged_and_each_recipient_apart(store):
    store.add([note("anna", n) for n in range(5)] + [note("bert", 9)], now=datetime(2026, 12, 3, tzinfo=timezone.utc))
    page = store.page("anna", offset=1, limit=3)
    assert [n.detail for n in page] == ["Nummer 3", "Nummer 2", "Nummer 1"]
    assert page[0].created == datetime(2026, 12, 3, tzinfo=timezone.utc) and not page[0].read
    assert store.count("anna") == 5 and store.count("bert") == 1 and store.count("carla") == 0
    bert = store.page("bert", offset=0, limit=10)[0]
    assert not store.mark_read("anna", bert.id)  # not Anna's
    assert store.mark_read("bert", bert.id) and store.page("bert", offset=0, limit=1)[0].read
    assert [n.detail for n in store.unread("anna", limit=2)] == ["Nummer 4", "Nummer 3"]
    assert store.mark_all_read("anna") == 5 and store.unread("anna", limit=10) == []


def test_the_page_and_the_badge_are_answered_from_an_index(store):
    """At 100,000 notifications a full scan per page view would cost; the plans name the indexes."""
    db = sqlite3.connect(store.path)
    plans = {
        "page": "SELECT * FROM notifications WHERE recipient = 'a' ORDER BY id DESC LIMIT 20 OFFSET 0",
        "count": "SELECT count(*) FROM notifications WHERE recipient = 'a'",
        "badge": "SELECT * FROM notifications WHERE recipient = 'a' AND read = 0 ORDER BY id DESC LIMIT 51",
        "all read": "UPDATE notifications SET read = 1 WHERE recipient = 'a' AND read = 0",
    }
    for what, query in plans.items():
        plan = " ".join(row[-1] for row in db.execute("EXPLAIN QUERY PLAN " + query))
        assert "USING" in plan and "INDEX notifications_" in plan and "TEMP B-TREE" not in plan, (what, plan)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def _write_from_another_process(path: str, recipient: str, go) -> None:
    other = NotificationStore(path)
    go.wait(30)
    for number in range(50):
        other.add([note(recipient, number)])


def test_threads_and_processes_write_at_once_and_nothing_is_lost(store):
    """The processes are forked before the threads start (a fork while another thread holds a lock – SQLite's,
    logging's – leaves the child waiting for ever) and begin writing when the threads do."""
    fork = multiprocessing.get_context("fork")
    go = fork.Event()
    processes = [fork.Process(target=_write_from_another_process, args=(store.path, r, go)) for r in "de"]
    for process in processes:
        process.start()
    threads = [threading.Thread(target=lambda r=r: [store.add([note(r, n)]) for n in range(50)]) for r in "abc"]
    for thread in threads:
        thread.start()
    go.set()
    for worker in (*threads, *processes):
        worker.join(60)
    assert [p.exitcode for p in processes] == [0, 0]
    assert [store.count(r) for r in "abcde"] == [50] * 5
    ids = [n.id for r in "abcde" for n in store.page(r, offset=0, limit=100)]
    assert len(set(ids)) == 250
