"""Uploads kept for a form that came back with errors, so nobody has to choose the file again.

A browser never sends a chosen file twice: when a form with a file returns with errors (or only
adds a row), the file would be gone.  :func:`keep` writes the checked upload to
``<instance>/uploads-pending/`` under a random name; the form carries a signed reference to it
(bound to the user, valid for a day) in a hidden field.  :func:`chosen` gives a view the file of a
submit – newly chosen, else the kept one – and :func:`discard` removes it once it is saved.  Files
older than a day go whenever a file is kept, and each user keeps at most :data:`MAX_PER_USER` files.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import time

from flask import current_app, request
from flask import g as flaskg
from itsdangerous import BadSignature, URLSafeTimedSerializer

from moin_gaa.core.attachments import ALLOWED_TYPES, AttachmentError, Upload, check_upload

FOLDER = "uploads-pending"
MAX_AGE = 24 * 3600
MAX_PER_USER = 5
SALT = "partnerwiki-pending-upload"
KEY = re.compile(r"^[0-9a-f]{32}$")
GONE = "Die zuvor gewählte Datei ist nicht mehr vorgemerkt. Bitte wählen Sie die Datei erneut aus."


def _folder() -> str:
    path = os.path.join(current_app.cfg.instance_dir, FOLDER)
    os.makedirs(path, exist_ok=True)
    return path


def _signer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=SALT)


def _user() -> str:
    return str(getattr(flaskg.user, "itemid", "") or "")


def _remove(folder: str, key: str) -> None:
    for ending in (".json", ".bin"):
        try:
            os.remove(os.path.join(folder, key + ending))
        except FileNotFoundError:
            pass


def _tidy(folder: str, user: str) -> None:
    """Remove files older than a day, and the oldest of ``user`` beyond :data:`MAX_PER_USER`."""
    now, own = time.time(), []
    for entry in os.scandir(folder):
        key, ending = os.path.splitext(entry.name)
        if ending != ".json":
            continue
        try:
            with open(entry.path, encoding="utf-8") as f:
                meta = json.load(f)
        except (OSError, ValueError):
            meta = {}
        if now - float(meta.get("time", 0)) > MAX_AGE:
            _remove(folder, key)
        elif meta.get("user") == user:
            own.append((meta["time"], key))
    for _time, key in sorted(own)[: max(0, len(own) - MAX_PER_USER + 1)]:
        _remove(folder, key)


def keep(upload: Upload, field: str) -> str:
    """Keep a checked upload of the form field ``field`` for the current user; the signed reference for the
    form's hidden field (it serves only that field: a kept PDF never becomes a logo)."""
    folder, user, key = _folder(), _user(), secrets.token_hex(16)
    _tidy(folder, user)
    with open(os.path.join(folder, key + ".bin"), "wb") as f:
        f.write(upload.data)
    meta = {"filename": upload.filename, "contenttype": upload.contenttype, "user": user, "time": time.time()}
    with open(os.path.join(folder, key + ".json"), "w", encoding="utf-8") as f:
        json.dump(meta, f)
    return _signer().dumps({"k": key, "u": user, "f": field})


def _key(reference: str, field: str | None = None) -> str:
    """The file key of a reference made for the current user (and ``field``) within a day; else
    :class:`AttachmentError`."""
    try:
        data = _signer().loads(reference, max_age=MAX_AGE)
    except BadSignature as e:  # also an expired one
        raise AttachmentError(GONE) from e
    if not isinstance(data, dict) or data.get("u") != _user() or not KEY.match(str(data.get("k", ""))):
        raise AttachmentError(GONE)
    if field is not None and data.get("f") != field:
        raise AttachmentError(GONE)
    return data["k"]


def take(reference: str, field: str) -> Upload:
    """The upload of ``field`` kept under ``reference``; :class:`AttachmentError` („Bitte wählen Sie die Datei
    erneut aus.“)."""
    folder, key = _folder(), _key(reference, field)
    try:
        with open(os.path.join(folder, key + ".json"), encoding="utf-8") as f:
            meta = json.load(f)
        with open(os.path.join(folder, key + ".bin"), "rb") as f:
            data = f.read()
    except (OSError, ValueError) as e:
        raise AttachmentError(GONE) from e
    return Upload(str(meta["filename"]), str(meta["contenttype"]), data)


def discard(reference: str) -> None:
    """Remove the file kept under ``reference`` (a saved form needs it no longer); an empty one is nothing."""
    if not reference:
        return
    try:
        _remove(_folder(), _key(reference))
    except AttachmentError:
        pass


def chosen(
    field: str, kept: str, errors: dict, allowed_types: tuple[str, ...] = tuple(ALLOWED_TYPES)
) -> tuple[Upload | None, str]:
    """The file of this submit and, if it was kept from the last one, its reference ``kept``.

    A file newly chosen in the form's ``field`` is checked (its problem goes to ``errors[field]``) and
    replaces a kept one; a reference that expired or is someone else's asks for the file again.
    """
    file = request.files.get(field)
    try:
        upload = check_upload(file.filename if file else None, file.stream if file else None, allowed_types)
    except AttachmentError as e:
        errors[field] = str(e)
        upload = None
    if upload is not None or field in errors or not kept:
        discard(kept)
        return upload, ""
    try:
        return take(kept, field), kept
    except AttachmentError as e:
        errors[field] = str(e)
        return None, ""
