"""moin's file stores rewrote a value's file in place: a profile read while it was being saved came back empty or
half (500, JSONDecodeError).  Ours write beside the store and rename into place (moin_internals)."""

from __future__ import annotations

import os
import threading
import time

from conftest import PASSWORD, acting_as, wiki_request
from moin import user as moin_user
from moin.storage.stores.fs import BytesStore

from moin_gaa.core.moin_internals import ATOMIC_PREFIX, AtomicBytesStore, write_stores_atomically

VALUE_SIZE = 2_000_000
SAVER = "Anna Atomar"


def torn_reads(store, seconds: float) -> tuple[int, int]:
    """One thread rewrites a key with full values, three read it: (reads, reads that were not one whole value)."""
    values = [bytes([n]) * VALUE_SIZE for n in (1, 2)]
    store["profile"] = values[0]
    stop = threading.Event()
    counts = {"reads": 0, "torn": 0}
    lock = threading.Lock()

    def write() -> None:
        n = 0
        while not stop.is_set():
            n += 1
            store["profile"] = values[n % 2]

    def read() -> None:
        while not stop.is_set():
            value = store["profile"]
            whole = value in values
            with lock:
                counts["reads"] += 1
                counts["torn"] += not whole
                if counts["torn"] and store.__class__ is BytesStore:
                    stop.set()  # moin's own store: one torn read is proof enough

    threads = [threading.Thread(target=write)] + [threading.Thread(target=read) for _ in range(3)]
    for thread in threads:
        thread.start()
    stop.wait(seconds)
    stop.set()
    for thread in threads:
        thread.join()
    return counts["reads"], counts["torn"]


def test_moins_own_store_is_read_half_written_and_ours_never(tmp_path):
    plain = BytesStore(str(tmp_path / "plain" / "meta"))
    plain.create()
    reads, torn = torn_reads(plain, seconds=10)
    assert torn > 0, f"the scenario never caught moin's store mid-write ({reads} reads): it proves nothing"

    atomic = AtomicBytesStore(str(tmp_path / "atomic" / "meta"))
    atomic.create()
    reads, torn = torn_reads(atomic, seconds=2)
    assert reads > 50 and torn == 0
    assert list(atomic) == ["profile"]  # no temporary file is ever listed as a key
    assert not [f for f in os.listdir(tmp_path / "atomic") if f.startswith(ATOMIC_PREFIX)]  # none left behind


def test_the_wiki_uses_atomic_stores_for_every_backend(wiki):
    for name, backend in wiki.router.backends.items():
        assert isinstance(backend.meta_store, AtomicBytesStore), name
        assert type(backend.data_store).__name__ == "AtomicFileStore", name
    before = [(b.meta_store, b.data_store) for b in wiki.router.backends.values()]
    write_stores_atomically(wiki.router.backends.values())  # a second call changes nothing
    assert before == [(b.meta_store, b.data_store) for b in wiki.router.backends.values()]


def test_a_profile_saved_again_and_again_is_always_read_whole(wiki):
    """The case that answered 500: a user's profile saved by one request while others load it.  An account of its
    own: the display names it writes would otherwise replace a shared person's name in every later page."""
    with acting_as(wiki, None):
        assert not moin_user.create_user(username=SAVER, password=PASSWORD, email="anna.atomar@example.org")
    errors: list[BaseException] = []
    stop = threading.Event()
    loads = [0]

    def save() -> None:
        with wiki_request(wiki):
            user = moin_user.User(name=SAVER)
            n = 0
            while not stop.is_set():
                n += 1
                user.profile["display_name"] = f"Anzeigename {n}"
                user.save(force=True)

    def load() -> None:
        try:
            with wiki_request(wiki):
                while not stop.is_set():
                    assert moin_user.User(name=SAVER).valid
                    loads[0] += 1
        except BaseException as e:  # noqa: BLE001 – reported by the test thread
            errors.append(e)
            stop.set()

    threads = [threading.Thread(target=save)] + [threading.Thread(target=load) for _ in range(3)]
    for thread in threads:
        thread.start()
    time.sleep(3)
    stop.set()
    for thread in threads:
        thread.join()
    assert not errors, errors[:3]
    assert loads[0] > 20
