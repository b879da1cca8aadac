"""Backup and restore: one file with everything storage holds, read while the wiki runs.

A backup is a ZIP file with two members:

* ``moin-serialization.bin`` – every revision of every backend (wiki items with all their
  revisions and attachments, ``users`` and ``userprofiles``: accounts with password hashes,
  settings, subscriptions and the hashes of personal calendar keys) in moin's own ``save``
  format (:mod:`moin.storage.middleware.serialization`), so ``partnerwiki load`` can read it too;
* ``sqlite/<name>`` – each SQLite database the caller names (the notification store with its mail log,
  ``gaa-notifications.sqlite3``), copied with SQLite's online backup API: one consistent state, taken while
  other connections go on writing (WAL), never half a transaction.  ``core`` does not know whose files these
  are: the command line passes them (``databases``: file name → path, :func:`create_backup`,
  :func:`restore_databases`);
* ``manifest.json`` – format, time, counts per backend and the SHA-256 of the first member (and of each
  database).

Indexes and our catalog are not saved: they are caches of storage and are rebuilt on restore.
The secret key (``instance/secret_key`` or ``PARTNERWIKI_SECRET_KEY``) is not saved either –
operators keep it apart from the data; see :func:`restore`.

*Consistency while the wiki runs.*  moin's file store writes a revision as a data file and then
a metadata file, neither atomically.  The backup lists the metadata files of every backend once
(that moment is the snapshot: later revisions are not in it), then reads each revision and checks
its data against the size and SHA-1 recorded in its metadata; a revision that is still being
written (metadata cut off, data not matching) is read again until it is complete.  One that
stays incomplete (a crash leftover, see :mod:`moin_gaa.core.recovery`) is left out and reported.
Files are only read, never locked: the running wiki is not slowed down or blocked.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import struct
import tempfile
import time
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, BinaryIO, Callable, Mapping

from moin import version as moin_version
from moin.constants.keys import DATAID, HASH_ALGORITHM, ITEMID, SIZE
from moin.storage.middleware.serialization import deserialize, serialize_rev

from moin_gaa.core import recovery
from moin_gaa.core.moin_internals import store_file_path

FORMAT = "partnerwiki-backup"
FORMAT_VERSION = 1
STREAM = "moin-serialization.bin"
MANIFEST = "manifest.json"
DATABASES = "sqlite/"  # prefix of the database members
SUFFIX = ".zip"
READ_ATTEMPTS = 30  # a revision being written is read again up to this often …
READ_PAUSE = 0.1  # … this many seconds apart
SPOOL_BYTES = 8 * 1024 * 1024
REPLACED_PREFIX = "ersetzt-"

Progress = Callable[[int, int], None]


class BackupError(Exception):
    """A backup or restore that cannot go on; the message is for the operator (German)."""


@dataclass
class BackupSummary:
    path: str
    revisions: int = 0
    items: int = 0
    per_backend: dict[str, int] = field(default_factory=dict)
    size: int = 0
    skipped: list[recovery.BrokenRevision] = field(default_factory=list)
    databases: dict[str, int] = field(default_factory=dict)  # file name → bytes saved


def default_name(now: datetime | None = None) -> str:
    return f"partnerwiki-{(now or datetime.now()).strftime('%Y-%m-%d-%H%M%S')}{SUFFIX}"


def _read_complete(backend, revid: str) -> tuple[dict[str, Any] | None, BinaryIO | None, str | None]:
    """``(meta, data, None)`` once the revision is complete; ``(None, None, reason)`` if it stays broken;
    ``(None, None, None)`` if it was removed meanwhile."""
    reason = None
    for attempt in range(READ_ATTEMPTS):
        if attempt:
            time.sleep(READ_PAUSE)
        try:
            meta = recovery.read_meta(backend, revid)
        except KeyError:
            return None, None, None
        except (ValueError, UnicodeDecodeError):
            reason = "Metadaten unlesbar oder abgeschnitten"
            continue
        copy = tempfile.SpooledTemporaryFile(SPOOL_BYTES)
        digest = hashlib.new(HASH_ALGORITHM)
        try:
            with backend.data_store[meta[DATAID]] as f:
                while block := f.read(64 * 1024):
                    digest.update(block)
                    copy.write(block)
        except KeyError:
            copy.close()
            reason = "Datendatei fehlt"
            continue
        size, checksum = copy.tell(), digest.hexdigest()
        if size != meta.get(SIZE, size) or checksum != meta.get(HASH_ALGORITHM, checksum):
            copy.close()
            reason = "Daten passen nicht zu den Metadaten"
            continue
        copy.seek(0)
        return meta, copy, None
    return None, None, reason


def _sqlite_copy(source: str, target: str) -> None:
    """``source`` as one consistent SQLite file ``target`` (the online backup API: a snapshot while others write)."""
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)  # all pages in one step: one read transaction, one state
        dst.execute("PRAGMA journal_mode=DELETE")  # the copy is one file, whatever the source's journal
    finally:
        dst.close()
        src.close()


def _save_databases(zf: zipfile.ZipFile, databases: Mapping[str, str], folder: str) -> dict[str, dict[str, Any]]:
    """Each existing database of ``databases`` (file name → path) into ``zf``; their manifest entries."""
    saved = {}
    for name, source in sorted(databases.items()):
        if not os.path.exists(source):
            continue  # never opened yet: nothing to save, a restore starts it empty
        copy = os.path.join(folder, name)
        _sqlite_copy(source, copy)
        with open(copy, "rb") as f:
            digest = hashlib.file_digest(f, "sha256").hexdigest()
        zf.write(copy, DATABASES + name)
        saved[name] = {"member": DATABASES + name, "sha256": digest, "bytes": os.path.getsize(copy)}
    return saved


def create_backup(router, path: str, progress: Progress | None = None,
                  databases: Mapping[str, str] | None = None) -> BackupSummary:
    """Write every revision of every backend of ``router`` (``app.storage.backend``) to ``path``, and a
    consistent copy of each SQLite database in ``databases`` (file name → path; a missing file is left out).

    The file appears under its name only when it is complete (written beside it, then renamed),
    readable by its owner only: it holds password hashes and e-mail addresses.
    """
    summary = BackupSummary(path=os.path.abspath(path))
    listing = [(name, backend, revid) for name, backend in router.backends.items() for revid in backend.meta_store]
    partial = summary.path + ".unvollstaendig"
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    stream_hash = hashlib.sha256()
    itemids: set[str] = set()
    try:
        with os.fdopen(fd, "wb") as raw, zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as zf:
            with zf.open(STREAM, "w", force_zip64=True) as out:
                for done, (name, backend, revid) in enumerate(listing, 1):
                    meta, data, reason = _read_complete(backend, revid)
                    if reason:
                        path_ = store_file_path(backend.meta_store, revid)
                        summary.skipped.append(recovery.BrokenRevision(name, revid, reason, path_))
                    elif meta is not None:
                        with data:
                            for chunk in serialize_rev(meta, data):
                                stream_hash.update(chunk)
                                out.write(chunk)
                                summary.size += len(chunk)
                        summary.revisions += 1
                        summary.per_backend[name] = summary.per_backend.get(name, 0) + 1
                        itemids.add(meta[ITEMID])
                    if progress:
                        progress(done, len(listing))
                for chunk in serialize_rev(None, None):
                    stream_hash.update(chunk)
                    out.write(chunk)
                    summary.size += len(chunk)
            summary.items = len(itemids)
            with tempfile.TemporaryDirectory(prefix="partnerwiki-sicherung-") as folder:
                saved = _save_databases(zf, databases or {}, folder)
            summary.databases = {name: entry["bytes"] for name, entry in saved.items()}
            manifest = {
                "format": FORMAT,
                "version": FORMAT_VERSION,
                "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                "moin": str(moin_version),
                "stream": STREAM,
                "sha256": stream_hash.hexdigest(),
                "bytes": summary.size,
                "revisions": summary.revisions,
                "items": summary.items,
                "per_backend": summary.per_backend,
                "skipped": [{"backend": b.backend, "revid": b.revid, "reason": b.reason} for b in summary.skipped],
                "databases": saved,
                "secret_key": "nicht enthalten",
            }
            zf.writestr(MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1))
        os.replace(partial, summary.path)
    except BaseException:
        if os.path.exists(partial):
            os.remove(partial)
        raise
    return summary


def read_manifest(path: str) -> dict[str, Any]:
    """The manifest of a backup, after checking that the file is one and is complete."""
    try:
        with zipfile.ZipFile(path) as zf:
            manifest = json.loads(zf.read(MANIFEST).decode("utf-8"))
            names = set(zf.namelist())
    except FileNotFoundError as e:
        raise BackupError(f"Die Datei {path} gibt es nicht.") from e
    except (zipfile.BadZipFile, KeyError, ValueError) as e:
        raise BackupError(f"{path} ist keine vollständige PartnerWiki-Sicherung ({e}).") from e
    if manifest.get("format") != FORMAT or manifest.get("stream") not in names:
        raise BackupError(f"{path} ist keine PartnerWiki-Sicherung.")
    if manifest.get("version") != FORMAT_VERSION:
        raise BackupError(f"{path} hat das Sicherungsformat {manifest.get('version')}, erwartet wird {FORMAT_VERSION}.")
    return manifest


def verify_backup(path: str, progress: Progress | None = None) -> dict[str, Any]:
    """Check checksum and structure of the whole file before anything is written."""
    manifest = read_manifest(path)
    digest = hashlib.sha256()
    count = 0
    with zipfile.ZipFile(path) as zf, zf.open(manifest["stream"]) as src:
        reader = _HashingReader(src, digest, manifest["bytes"], progress)
        try:
            while True:
                header = reader.read(4)
                if len(header) < 4:
                    raise BackupError("die Daten enden mitten in einer Revision")
                (meta_size,) = struct.unpack("!i", header)
                if meta_size == 0:
                    break
                meta = json.loads(reader.read(meta_size).decode("utf-8"))
                remaining = meta[SIZE]
                while remaining:
                    block = reader.read(min(remaining, 1024 * 1024))
                    if not block:
                        raise BackupError("die Daten enden mitten in einer Revision")
                    remaining -= len(block)
                count += 1
            if reader.read(1):
                raise BackupError("nach dem Ende der Daten folgt noch etwas")
        except (zipfile.BadZipFile, ValueError, KeyError, struct.error) as e:
            raise BackupError(f"{path} ist beschädigt ({e}).") from e
        except BackupError as e:
            raise BackupError(f"{path} ist beschädigt: {e}.") from e
    if digest.hexdigest() != manifest["sha256"] or count != manifest["revisions"]:
        raise BackupError(f"{path} ist beschädigt: Prüfsumme oder Anzahl der Revisionen stimmt nicht.")
    with zipfile.ZipFile(path) as zf:
        for name, entry in manifest.get("databases", {}).items():
            try:
                with zf.open(entry["member"]) as f:
                    intact = hashlib.file_digest(f, "sha256").hexdigest() == entry["sha256"]
            except (KeyError, zipfile.BadZipFile) as e:
                raise BackupError(f"{path} ist beschädigt: die Datenbank {name} fehlt oder ist unlesbar ({e}).") from e
            if not intact:
                raise BackupError(f"{path} ist beschädigt: Prüfsumme der Datenbank {name} stimmt nicht.")
    return manifest


class _HashingReader:
    """A read-only stream over ``src`` that hashes what is read and reports progress."""

    def __init__(self, src: BinaryIO, digest, total: int, progress: Progress | None) -> None:
        self.src, self.digest, self.total, self.progress = src, digest, max(total, 1), progress
        self.pos = 0
        self.reported = -1

    def read(self, size: int = -1) -> bytes:
        block = self.src.read(size)
        if self.digest is not None:
            self.digest.update(block)
        self.pos += len(block)
        percent = 100 * self.pos // self.total
        if self.progress and percent != self.reported:
            self.reported = percent
            self.progress(min(self.pos, self.total), self.total)
        return block

    def tell(self) -> int:
        return self.pos

    def seek(self, offset: int, whence: int = 0) -> int:
        if whence != 0 or offset < self.pos:
            raise OSError("nur Vorwärts-Suche")
        self.read(offset - self.pos)
        return self.pos


def stored_revisions(data_dirs: list[str]) -> int:
    """How many revisions the metadata stores below ``data_dirs`` hold (0 for an empty instance)."""
    count = 0
    for data_dir in data_dirs:
        for root, _dirs, files in os.walk(data_dir):
            if os.path.basename(root) == "meta":
                count += len(files)
    return count


def move_aside(instance_dir: str, paths: list[str]) -> str:
    """Move an instance's storage, indexes and catalog into ``<instance>/ersetzt-<time>/`` (not deleted)."""
    target = os.path.join(instance_dir, REPLACED_PREFIX + time.strftime("%Y%m%d-%H%M%S"))
    os.makedirs(target, exist_ok=True)
    for path in paths:
        if os.path.exists(path):
            shutil.move(path, os.path.join(target, os.path.basename(path.rstrip(os.sep))))
    return target


def load_into(router, path: str, manifest: dict[str, Any], progress: Progress | None = None) -> None:
    """Store every revision of the backup into ``router`` with moin's own ``deserialize``."""
    with zipfile.ZipFile(path) as zf, zf.open(manifest["stream"]) as src:
        deserialize(_HashingReader(src, None, manifest["bytes"], progress), router)


def database_files(path: str) -> list[str]:
    """A SQLite database and the files it may have beside it (write-ahead log, shared memory)."""
    return [path, path + "-wal", path + "-shm"]


def restore_databases(path: str, manifest: dict[str, Any], databases: Mapping[str, str]) -> list[str]:
    """Write each database the backup holds to its place in ``databases`` (file name → path), checked by SQLite;
    the names restored.  A database the backup does not hold is left alone (a new instance starts it empty).
    Run it on an empty place: :func:`move_aside` first on an instance being replaced."""
    restored = []
    with zipfile.ZipFile(path) as zf:
        for name, entry in sorted(manifest.get("databases", {}).items()):
            if name not in databases:
                continue
            target = databases[name]
            if any(os.path.exists(f) for f in database_files(target)):
                raise BackupError(f"Die Datenbank {target} gibt es schon; sie wird nicht überschrieben.")
            os.makedirs(os.path.dirname(os.path.abspath(target)), exist_ok=True)
            partial = target + ".unvollstaendig"
            with zf.open(entry["member"]) as src, open(partial, "wb") as out:
                shutil.copyfileobj(src, out)
            check = sqlite3.connect(partial)
            try:
                verdict = check.execute("PRAGMA integrity_check").fetchone()[0]
            finally:
                check.close()
            if verdict != "ok":
                os.remove(partial)
                raise BackupError(f"Die Datenbank {name} der Sicherung ist beschädigt ({verdict}).")
            os.replace(partial, target)
            restored.append(name)
    return restored
