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

from moin_gaa.calendars.events import EVENT_TYPE, EventError, event_from_fields
from moin_gaa.core.app_state import partnerwiki
from moin_gaa.core.records import RECORD_FIELDS, RECORD_TYPE
from moin_gaa.core.sanitize import render_post
from moin_gaa.core.storage import PageSpec, Progress, StoreResult, store_pages
from moin_gaa.core.vocabulary import Vocabulary
from moin_gaa.discussions.areas import ONLINE_ACL
from moin_gaa.discussions.groups import GROUP_PREFIX, GROUP_TYPE, GroupError, group_from_input, space_acl, space_pages
from moin_gaa.discussions.threads import (
    ONLINE_PREFIX,
    ONLINE_TYPE,
    POST_CONTENTTYPE,
    POST_TYPE,
    THREAD_TYPE,
    DiscussionError,
    area_pages,
    check_body,
    check_title,
    online_discussion_from_input,
    post_from_fields,
    thread_from_fields,
)
from moin_gaa.partners.municipalities import PROFILE_TYPE, ProfileError, profile_from_fields
from moin_gaa.toolbox.tools import TOOL_TYPE, ToolError, tool_from_fields

SEED_META_KEYS = {"summary", "tags", RECORD_TYPE, RECORD_FIELDS}
SEED_COMMENT = "Startinhalt des PartnerWiki"
ENFORCED_META = ("acl", "usergroup")  # what a generated page imposes on a seed file of the same name


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


def discussion_pages(page: PageSpec) -> list[PageSpec]:
    """Group spaces, Online-Diskussionen, threads and posts from seed files – with what the app would add.

    A group seed (``gruppe``; its ``mitglieder`` become the member list) brings its whole space
    with the same ACLs as ``/+gaa/gruppe/neu`` (:func:`~moin_gaa.discussions.groups.space_pages`); an
    Online-Diskussion its ACL and Ergebnissicherung; threads and posts get their HTML from the one
    sanitiser, and a post's text is its ``.data`` file (stored as plain text, like a real post).
    """
    record_type = page.meta.get(RECORD_TYPE)
    fields = dict(page.meta.get(RECORD_FIELDS) or {})
    where = f"{page.name}.meta"
    try:
        if record_type == GROUP_TYPE:
            members = [str(m) for m in fields.pop("mitglieder", [])]
            group = group_from_input(fields)
            if group.page != page.name:
                raise SeedError(where, f"der Name „{group.name}“ passt nicht zum Seitennamen „{page.name}“")
            group_page = replace(page, meta={**page.meta, RECORD_FIELDS: group.fields(), "acl": space_acl(group)})
            return [group_page] + [PageSpec(name, text, meta) for name, text, meta in space_pages(group, members)]
        if record_type == ONLINE_TYPE:
            online = online_discussion_from_input(fields)
            if ONLINE_PREFIX + online.titel != page.name:
                raise SeedError(where, f"der Titel „{online.titel}“ passt nicht zum Seitennamen „{page.name}“")
            extra = [PageSpec(name, text, {}) for name, text in area_pages(page.name, online.titel)]
            return [replace(page, meta={**page.meta, RECORD_FIELDS: online.fields(), "acl": ONLINE_ACL}), *extra]
        if record_type == THREAD_TYPE:
            thread = thread_from_fields({**fields, "html": ""})
            title, text = check_title(thread.titel), check_body(thread.text)
            if page.name.rsplit("/", 1)[-1] != title.replace("/", "-"):
                raise SeedError(where, f"der Titel „{title}“ passt nicht zum Seitennamen „{page.name}“")
            checked = replace(thread, titel=title, text=text, html=render_post(text))
            return [replace(page, meta={**page.meta, RECORD_FIELDS: checked.fields()})]
        if record_type == POST_TYPE:
            text = check_body(page.text)
            post = post_from_fields({**fields, "text": text, "html": render_post(text)})
            if page.name.rsplit("/", 1)[-1] != post.id:
                raise SeedError(where, f"die id „{post.id}“ passt nicht zum Seitennamen „{page.name}“")
            return [replace(page, text=text, meta={**page.meta, RECORD_FIELDS: post.fields()}, contenttype=POST_CONTENTTYPE)]
    except (GroupError, DiscussionError) as e:
        raise SeedError(where, " ".join(e.errors.values())) from e
    except (KeyError, TypeError, ValueError) as e:
        raise SeedError(where, f"unvollständige oder falsche Felder ({e})") from e
    return [page]


def with_generated(seeds: list[PageSpec]) -> list[PageSpec]:
    """Each seed page expanded (:func:`discussion_pages`); a generated page gives way to a seed file of
    the same name (e.g. a written Ergebnissicherung), but its metadata (ACLs, members) is kept."""
    pages = {p.name: p for p in seeds}
    generated: dict[str, dict] = {}
    for seed in seeds:
        own, *extra = discussion_pages(seed)
        pages[own.name] = own
        for page in extra:
            generated[page.name] = dict(page.meta)
            if page.name not in pages:
                pages[page.name] = page
    for name, meta in generated.items():
        enforced = {k: v for k, v in meta.items() if k in ENFORCED_META}
        pages[name] = replace(pages[name], meta={**pages[name].meta, **enforced})
    return sorted(pages.values(), key=lambda p: p.name)


def check_parents(pages: list[PageSpec]) -> None:
    """Below ``Gruppen/`` every page needs its parent: moin's hierarchic ACLs skip a missing one,
    and the default ACL would make the page public."""
    names = {p.name for p in pages}
    for page in pages:
        parent = page.name.rsplit("/", 1)[0]
        if page.name.startswith(GROUP_PREFIX) and "/" in page.name[len(GROUP_PREFIX):] and parent not in names:
            raise SeedError(f"{page.name}.data", f"die Elternseite „{parent}“ fehlt – ohne sie wäre die Seite öffentlich")


def load_seed_pages(directory: str, progress: Progress | None = None) -> StoreResult:
    """Read, check and store the seed pages (app context required)."""
    pages = read_seed_pages(directory)
    vocabulary = partnerwiki().vocabulary
    pages = [check_record(page, vocabulary) for page in pages]
    pages = with_generated(pages)
    check_parents(pages)
    return store_pages(pages, comment=SEED_COMMENT, progress=progress)
