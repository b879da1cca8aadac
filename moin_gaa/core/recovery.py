"""Storage and moin's indexes after a crash: find what is missing or half-written, repair it.

moin writes a revision in steps – the data file, then the metadata file (``open(…, "wb")`` and a
write, not atomic), then the three whoosh indexes one after the other (``all_revs``, then
``latest_revs`` and ``latest_meta``; from a request through whoosh's ``AsyncWriter``, which may
finish after the answer was sent).  A ``kill -9`` between the steps leaves

* revisions in storage that no index knows (moin then does not see them: a seed load would
  store the same pages again, as new items with the same names),
* an item whose ``latest_*`` documents name an older revision than its newest,
* rarely, a metadata file that was cut off while it was written.

:func:`check` compares storage with the indexes, :func:`repair` moves cut-off revisions into
``<instance>/quarantine/`` and brings the indexes in line with storage.  Which revision of an
item is its current one is decided by revision number, then time: moin's own ``index-build`` and
``index-update`` pick by modification time alone, which has one-second resolution and so may
pick the older of two revisions saved within the same second.

whoosh's ``*_WRITELOCK`` files stay behind after every run; the locks on them are ``flock``
locks, which the kernel releases when a process dies, so a killed process leaves no lock held.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable

from moin.constants.keys import (
    ALL_REVS,
    DATAID,
    ITEMID,
    LATEST_META,
    LATEST_REVS,
    MTIME,
    REV_NUMBER,
    REVID,
    SIZE,
)

from moin_gaa.core.moin_internals import index_searcher, index_writer, store_file_path, stored_document

INDEX_LOCK_TIMEOUT = 60.0  # seconds to wait for another process's whoosh write lock
QUARANTINE_DIR = "quarantine"
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class StoredRevision:
    backend: str
    revid: str
    itemid: str
    rev_number: int
    mtime: int

    @property
    def order(self) -> tuple[int, int]:
        """Newer revisions sort higher: revision number first, time for equal numbers."""
        return (self.rev_number, self.mtime)


@dataclass(frozen=True)
class BrokenRevision:
    backend: str
    revid: str
    reason: str
    path: str


@dataclass
class StorageScan:
    """Every revision storage holds, and the ones that cannot be read."""

    revisions: dict[str, StoredRevision] = field(default_factory=dict)  # revid → revision
    broken: list[BrokenRevision] = field(default_factory=list)

    def by_item(self) -> dict[str, list[StoredRevision]]:
        items: dict[str, list[StoredRevision]] = {}
        for rev in self.revisions.values():
            items.setdefault(rev.itemid, []).append(rev)
        return items


@dataclass
class IndexReport:
    """Differences between storage and moin's indexes."""

    scan: StorageScan
    unindexed: list[StoredRevision] = field(default_factory=list)  # in storage, not in all_revs
    vanished: list[str] = field(default_factory=list)  # revids in all_revs that storage no longer has
    stale_latest: list[str] = field(default_factory=list)  # itemids whose latest_* documents are wrong

    @property
    def broken(self) -> list[BrokenRevision]:
        return self.scan.broken

    @property
    def ok(self) -> bool:
        return not (self.unindexed or self.vanished or self.stale_latest or self.broken)

    def summary(self) -> str:
        """One German line for the operator."""
        parts = []
        if self.broken:
            parts.append(f"{len(self.broken)} unvollständig geschriebene Revision(en)")
        if self.unindexed:
            parts.append(f"{len(self.unindexed)} Revision(en) fehlen im Suchindex")
        if self.vanished:
            parts.append(f"{len(self.vanished)} Revision(en) nur noch im Suchindex")
        if self.stale_latest:
            parts.append(f"bei {len(self.stale_latest)} Seite(n) nennt der Index nicht die aktuelle Revision")
        return ", ".join(parts) if parts else "Speicher und Suchindexe stimmen überein"


def _mtime(value: Any) -> int:
    if isinstance(value, datetime):
        return int(value.replace(tzinfo=value.tzinfo or timezone.utc).timestamp())
    return int(value or 0)


def read_meta(backend, revid: str) -> dict[str, Any]:
    """The metadata of one revision; ``ValueError`` if the file is cut off, ``KeyError`` if it is gone."""
    raw = backend.meta_store[revid]
    meta = json.loads(raw.decode("utf-8"))
    if not isinstance(meta, dict) or REVID not in meta or ITEMID not in meta or DATAID not in meta:
        raise ValueError("unvollständige Metadaten")
    return meta


def data_size(backend, dataid: str) -> int:
    """Size of a revision's data file (``KeyError`` if it is missing)."""
    with backend.data_store[dataid] as f:
        return f.seek(0, os.SEEK_END)


def check_revision(backend, revid: str) -> tuple[dict[str, Any] | None, str | None]:
    """``(meta, None)`` for a complete revision, ``(None, reason)`` for a half-written one."""
    try:
        meta = read_meta(backend, revid)
    except KeyError:
        return None, None  # removed since it was listed
    except (ValueError, UnicodeDecodeError):
        return None, "Metadaten unlesbar oder abgeschnitten"
    try:
        size = data_size(backend, meta[DATAID])
    except KeyError:
        return None, "Datendatei fehlt"
    if meta.get(SIZE) is not None and size != meta[SIZE]:
        return None, f"Datendatei hat {size} statt {meta[SIZE]} Bytes"
    return meta, None


def scan_storage(router, progress: Progress | None = None) -> StorageScan:
    """Read every revision's metadata (and its data file's size) from every backend."""
    scan = StorageScan()
    listing = [(name, backend, revid) for name, backend in router.backends.items() for revid in backend.meta_store]
    for done, (name, backend, revid) in enumerate(listing, 1):
        meta, reason = check_revision(backend, revid)
        if reason:
            scan.broken.append(BrokenRevision(name, revid, reason, store_file_path(backend.meta_store, revid)))
        elif meta is not None:
            scan.revisions[revid] = StoredRevision(
                name, revid, meta[ITEMID], int(meta.get(REV_NUMBER) or 0), _mtime(meta.get(MTIME))
            )
        if progress:
            progress(done, len(listing))
    return scan


def current_revision(revisions: list[StoredRevision]) -> StoredRevision:
    return max(revisions, key=lambda rev: (rev.order, rev.revid))


def _indexed(indexer, idx_name: str, key: str) -> dict[str, dict[str, Any]]:
    with index_searcher(indexer, idx_name) as searcher:
        return {doc[key]: doc for doc in searcher.all_stored_fields()}


def check(indexer, scan: StorageScan | None = None) -> IndexReport:
    """Compare moin's three indexes with what storage holds (``indexer``: ``app.storage``)."""
    scan = scan or scan_storage(indexer.backend)
    report = IndexReport(scan)
    all_revs = _indexed(indexer, ALL_REVS, REVID)
    report.unindexed = [rev for revid, rev in scan.revisions.items() if revid not in all_revs]
    report.vanished = sorted(set(all_revs) - set(scan.revisions))
    items = scan.by_item()
    stale: set[str] = set()
    for idx_name in (LATEST_REVS, LATEST_META):
        latest = _indexed(indexer, idx_name, ITEMID)
        for itemid, revisions in items.items():
            doc = latest.get(itemid)
            shown = scan.revisions.get(doc[REVID]) if doc else None
            if shown is None or shown.itemid != itemid or shown.order < current_revision(revisions).order:
                stale.add(itemid)
        stale |= set(latest) - set(items)
    report.stale_latest = sorted(stale)
    return report


def quarantine(broken: list[BrokenRevision], instance_dir: str) -> str | None:
    """Move half-written metadata files out of storage (kept for inspection); returns the folder."""
    if not broken:
        return None
    target = os.path.join(instance_dir, QUARANTINE_DIR, time.strftime("%Y%m%d-%H%M%S"))
    for rev in broken:
        folder = os.path.join(target, rev.backend)
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, "GRUND.txt"), "a", encoding="utf-8") as f:
            f.write(f"{rev.revid}: {rev.reason}\n")
        if os.path.exists(rev.path):
            shutil.move(rev.path, os.path.join(folder, rev.revid))
    return target


def repair(indexer, report: IndexReport, instance_dir: str, progress: Progress | None = None) -> str | None:
    """Quarantine half-written revisions and make the indexes match storage (app context required).

    Returns the quarantine folder, if revisions were moved there.
    """
    moved = quarantine(report.broken, instance_dir)
    if moved:  # the broken revisions may have been indexed before they were overwritten
        report = check(indexer, scan_storage(indexer.backend))
    items = report.scan.by_item()
    stale = set(report.stale_latest) | {rev.itemid for rev in report.unindexed}
    for revid in report.vanished:
        with index_searcher(indexer, ALL_REVS) as searcher:
            doc = searcher.document(revid=revid)
        if doc:
            stale.add(doc[ITEMID])
    total = len(report.unindexed) + 2 * len(stale)
    done = 0
    with index_writer(indexer, ALL_REVS, INDEX_LOCK_TIMEOUT) as writer:
        for revid in report.vanished:
            writer.delete_by_term(REVID, revid)
        for rev in report.unindexed:
            writer.add_document(**stored_document(indexer, ALL_REVS, rev.backend, rev.revid))
            done += 1
            if progress:
                progress(done, total)
    for idx_name in (LATEST_REVS, LATEST_META):
        with index_writer(indexer, idx_name, INDEX_LOCK_TIMEOUT) as writer:
            for itemid in sorted(stale):
                revisions = items.get(itemid)
                if revisions:
                    latest = current_revision(revisions)
                    writer.update_document(**stored_document(indexer, idx_name, latest.backend, latest.revid))
                else:
                    writer.delete_by_term(ITEMID, itemid)
                done += 1
                if progress:
                    progress(done, total)
    return moved
