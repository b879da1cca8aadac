"""Files attached to records (e.g. a Werkzeug's PDF), stored as moin items below the record.

An upload is checked completely (type by extension, size, name) before anything is written.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from moin.items import Item

MAX_BYTES = 20 * 1024 * 1024
ALLOWED_TYPES = {
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ".odt": "application/vnd.oasis.opendocument.text",
    ".ods": "application/vnd.oasis.opendocument.spreadsheet",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".txt": "text/plain;charset=utf-8",
}
IMAGE_TYPES = (".png", ".jpg", ".jpeg")
UNSAFE = re.compile(r"[^\w.\- ]+")


class AttachmentError(ValueError):
    """A German message about an upload that cannot be stored."""


@dataclass(frozen=True)
class Upload:
    filename: str
    contenttype: str
    data: bytes


def safe_filename(filename: str) -> str:
    """A file name that is a harmless last part of an item name."""
    base = os.path.basename(filename.replace("\\", "/"))
    base = UNSAFE.sub("_", base).strip(" ._")
    stem, ext = os.path.splitext(base)
    return (stem[:80] or "Datei") + ext.lower()


def check_upload(filename: str | None, stream, allowed_types: tuple[str, ...] = tuple(ALLOWED_TYPES)) -> Upload | None:
    """The checked upload, or None when no file was chosen; :class:`AttachmentError` otherwise."""
    if not filename:
        return None
    name = safe_filename(filename)
    ext = os.path.splitext(name)[1]
    if ext not in allowed_types:
        allowed = ", ".join(sorted(e.lstrip(".").upper() for e in set(allowed_types) - {".jpeg"}))
        raise AttachmentError(f"Dateien vom Typ „{ext or 'ohne Endung'}“ sind nicht erlaubt (erlaubt: {allowed}).")
    data = stream.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise AttachmentError(f"Die Datei ist größer als {MAX_BYTES // (1024 * 1024)} MB.")
    if not data:
        raise AttachmentError("Die Datei ist leer.")
    if ext == ".txt":
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as e:
            raise AttachmentError("Textdateien müssen UTF-8-kodiert sein.") from e
    return Upload(name, ALLOWED_TYPES[ext], data)


def save_attachment(item_name: str, upload: Upload, comment: str) -> None:
    """Store (or replace) the file as the item ``item_name`` with the current user's rights."""
    meta = {"contenttype": upload.contenttype, "itemtype": "default", "summary": upload.filename}
    Item.create(item_name, contenttype=upload.contenttype, itemtype="default")._save(meta, upload.data, comment=comment)
