"""Seed pages: the content a new PartnerWiki starts with.

``seed_pages/<Item/Name>.data`` holds a page's wiki markup, ``<Item/Name>.meta`` beside it a JSON
object with its metadata (``summary`` required; ``tags``, ``gaa_type``, ``gaa_fields``
optional).  Every file is read and checked before the first page is written, so a broken file
stops the load with its name and the reason and nothing is half loaded; loading the same
pages again changes nothing.
"""

from __future__ import annotations

import json
import os
from dataclasses import replace
from typing import Any

from .app import partnerwiki
from .records import RECORD_FIELDS, RECORD_TYPE
from .storage import PageSpec, Progress, StoreResult, store_pages
from .events import EVENT_TYPE, EventError, event_from_fields
from .municipalities import PROFILE_TYPE, ProfileError, profile_from_fields
from .tools import TOOL_TYPE, ToolError, tool_from_fields
from .vocabulary import Vocabulary

SEED_META_KEYS = {"summary", "tags", RECORD_TYPE, RECORD_FIELDS}
SEED_COMMENT = "Startinhalt des PartnerWiki"


class SeedError(ValueError):
    """A seed file that cannot be loaded; the message names the file and the reason."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


def _check_meta(path: str, meta: Any) -> dict[str, Any]:
    if not isinstance(meta, dict):
        raise SeedError(path, "die Metadaten müssen ein JSON-Objekt sein")
    unknown = set(meta) - SEED_META_KEYS
    if unknown:
        raise SeedError(path, f"unbekannte Schlüssel {sorted(unknown)} (erlaubt: {sorted(SEED_META_KEYS)})")
    if not isinstance(meta.get("summary"), str) or not meta["summary"].strip():
        raise SeedError(path, "„summary“ fehlt oder ist leer")
    tags = meta.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise SeedError(path, "„tags“ muss eine Liste von Texten sein")
    if RECORD_FIELDS in meta and not isinstance(meta.get(RECORD_TYPE), str):
        raise SeedError(path, f"„{RECORD_FIELDS}“ braucht „{RECORD_TYPE}“")
    if RECORD_FIELDS in meta and not isinstance(meta[RECORD_FIELDS], dict):
        raise SeedError(path, f"„{RECORD_FIELDS}“ muss ein JSON-Objekt sein")
    return meta


def read_page(directory: str, data_path: str) -> PageSpec:
    """One seed page, fully checked."""
    name = os.path.relpath(data_path, directory)[: -len(".data")].replace(os.sep, "/")
    meta_path = data_path[: -len(".data")] + ".meta"
    try:
        with open(data_path, encoding="utf-8") as f:
            text = f.read()
    except UnicodeDecodeError as e:
        raise SeedError(data_path, f"kein gültiges UTF-8 ({e.reason})") from e
    if not os.path.exists(meta_path):
        raise SeedError(meta_path, "die Metadatendatei fehlt")
    try:
        with open(meta_path, encoding="utf-8") as f:
            meta = json.load(f)
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise SeedError(meta_path, f"kein gültiges JSON ({e})") from e
    return PageSpec(name=name, text=text, meta=_check_meta(meta_path, meta))


def read_seed_pages(directory: str) -> list[PageSpec]:
    """All seed pages below ``directory``, sorted by name; raises :class:`SeedError` on the first bad one."""
    pages = []
    for root, _dirs, files in os.walk(directory):
        for filename in files:
            path = os.path.join(root, filename)
            if filename.endswith(".data"):
                pages.append(read_page(directory, path))
            elif filename.endswith(".meta") and not os.path.exists(path[: -len(".meta")] + ".data"):
                raise SeedError(path, "zu dieser Metadatendatei fehlt die .data-Datei")
    return sorted(pages, key=lambda page: page.name)


def check_record(page: PageSpec, vocabulary: Vocabulary) -> PageSpec:
    """Structured fields of a seed record are checked like a form would check them.

    Profiles come back normalized (with the derived coverage lists the catalog indexes).
    """
    record_type = page.meta.get(RECORD_TYPE)
    fields = page.meta.get(RECORD_FIELDS) or {}
    where = f"{page.name}.meta"
    if record_type == TOOL_TYPE:
        try:
            tool = tool_from_fields(fields, vocabulary)
        except ToolError as e:
            raise SeedError(where, " ".join(e.errors.values())) from e
        if tool.item_name != page.name:
            raise SeedError(where, f"der Titel „{tool.titel}“ passt nicht zum Seitennamen „{page.name}“")
    elif record_type == PROFILE_TYPE:
        try:
            profile = profile_from_fields(fields, vocabulary)
        except ProfileError as e:
            raise SeedError(where, " ".join(f"{k}: {v}" for k, v in e.errors.items())) from e
        if profile.item_name != page.name:
            raise SeedError(where, f"der Name „{profile.name}“ passt nicht zum Seitennamen „{page.name}“")
        if len(profile.phasen_verlauf) != len(fields.get("phasen_verlauf") or ()):
            raise SeedError(where, "„phasen_verlauf“ muss mit der aktuellen „strategiephase“ enden")
        return replace(page, meta={**page.meta, RECORD_FIELDS: profile.fields()})
    elif record_type == EVENT_TYPE:
        try:
            event_from_fields(fields)
        except EventError as e:
            raise SeedError(where, " ".join(e.errors.values())) from e
    return page


def load_seed_pages(directory: str, progress: Progress | None = None) -> StoreResult:
    """Read, check and store the seed pages (app context required)."""
    pages = read_seed_pages(directory)
    vocabulary = partnerwiki().vocabulary
    pages = [check_record(page, vocabulary) for page in pages]
    return store_pages(pages, comment=SEED_COMMENT, progress=progress)
