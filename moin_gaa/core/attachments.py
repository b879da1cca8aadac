"""Files attached to records (e.g. a Werkzeug's PDF), stored as moin items below the record.

An upload is checked completely (type by extension, size, name, and the content's own signature:
a „.pdf“ must begin with ``%PDF-``, an office file must be the right zip container …) before
anything is written.

Every file the wiki hands out through moin's ``+get``/``+download`` (ours and those uploaded with
moin's own forms) is served by :func:`serve_files_safely`: bitmap images inline, everything else
as a download (``Content-Disposition: attachment``), always with ``X-Content-Type-Options: nosniff``
– so an HTML or SVG file can never run as a page of this wiki.
"""

from __future__ import annotations

import io
import os
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from urllib.parse import quote

from flask import Flask, Response, request
from moin.items import Item

from moin_gaa.core.moin_internals import save_revision
from moin_gaa.core.text_input import text_problem

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
# what the content of a file with this ending must begin with
SIGNATURES = {
    ".pdf": (b"%PDF-",), ".png": (b"\x89PNG\r\n\x1a\n",), ".jpg": (b"\xff\xd8\xff",), ".jpeg": (b"\xff\xd8\xff",),
}
# Office Open XML files are zip containers with ``[Content_Types].xml`` and the document's parts in this folder
OOXML = {".docx": "word/", ".xlsx": "xl/", ".pptx": "ppt/"}
KIND_NAMES = {
    ".pdf": "keine PDF-Datei", ".png": "kein PNG-Bild", ".jpg": "kein JPEG-Bild", ".jpeg": "kein JPEG-Bild",
    ".docx": "keine Word-Datei (.docx)", ".xlsx": "keine Excel-Datei (.xlsx)",
    ".pptx": "keine PowerPoint-Datei (.pptx)",
    ".odt": "kein OpenDocument-Text (.odt)", ".ods": "keine OpenDocument-Tabelle (.ods)",
}
# served inline by moin's +get; everything else is a download (an SVG can carry scripts)
INLINE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})
FILE_ENDPOINTS = frozenset({"frontend.get_item", "frontend.download_item"})


class AttachmentError(ValueError):
    """A German message about an upload that cannot be stored."""


@dataclass(frozen=True)
class Upload:
    filename: str
    contenttype: str
    data: bytes


def safe_filename(filename: str) -> str:
    """A file name that is a harmless last part of an item name."""
    base = os.path.basename(unicodedata.normalize("NFC", filename).replace("\\", "/"))
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
            text = data.decode("utf-8")
        except UnicodeDecodeError as e:
            raise AttachmentError("Textdateien müssen UTF-8-kodiert sein.") from e
        if text_problem(text.replace("\f", "")):  # page breaks are fine in text files
            raise AttachmentError(
                "Die Textdatei enthält Steuerzeichen (z. B. Nullbytes) – ist sie wirklich eine Textdatei?"
            )
    elif not content_matches(ext, data):
        raise AttachmentError(f"Der Inhalt passt nicht zur Endung „{ext}“: die Datei ist {KIND_NAMES[ext]}.")
    return Upload(name, ALLOWED_TYPES[ext], data)


def content_matches(ext: str, data: bytes) -> bool:
    """Whether the content carries the signature of the type its ending claims (magic bytes, zip layout)."""
    if ext in SIGNATURES:
        return data.startswith(SIGNATURES[ext])
    if ext in OOXML or ext in (".odt", ".ods"):
        return _zip_matches(ext, data)
    return False


def _zip_matches(ext: str, data: bytes) -> bool:
    if not data.startswith(b"PK\x03\x04"):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())  # the central directory only: nothing is unpacked
            if ext in OOXML:
                return "[Content_Types].xml" in names and any(n.startswith(OOXML[ext]) for n in names)
            info = archive.getinfo("mimetype")
            if info.file_size > 100:
                return False
            return archive.read(info).decode("ascii", "replace").strip() == ALLOWED_TYPES[ext]
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, NotImplementedError):
        return False


def save_attachment(item_name: str, upload: Upload, comment: str) -> None:
    """Store (or replace) the file as the item ``item_name`` with the current user's rights."""
    meta = {"contenttype": upload.contenttype, "itemtype": "default", "summary": upload.filename}
    item = Item.create(item_name, contenttype=upload.contenttype, itemtype="default")
    save_revision(item, meta, upload.data, comment)


def serve_files_safely(response: Response) -> Response:
    """``after_request``: moin's ``+get``/``+download`` answers are downloads unless they are bitmap images.

    (``X-Content-Type-Options: nosniff`` is on every response, see security_headers.py.)
    """
    if request.endpoint not in FILE_ENDPOINTS:
        return response
    disposition = response.headers.get("Content-Disposition", "")
    if response.mimetype not in INLINE_TYPES or disposition.startswith("attachment"):
        # named after the file (the item name's last part), not after moin's whole item path
        name = str((request.view_args or {}).get("item_name") or "datei").rsplit("/", 1)[-1] or "datei"
        response.headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name, safe='')}"
    return response


def install(app: Flask) -> None:
    app.after_request(serve_files_safely)
