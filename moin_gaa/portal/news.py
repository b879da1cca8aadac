"""Aktuelles: news items the moderation publishes as wiki pages ``Aktuelles/<Titel>``.

A news item is an ordinary moin page (moin's editor, history and diff); only the moderation creates and
changes pages there (``moin_gaa.web.curation``).  Its date is the day it was first saved, its lead moin's
„Zusammenfassung“ (summary) or else the first paragraph of its text.  Read with the viewer's rights:
moin's ``search_meta`` leaves out what they may not read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from moin.constants.keys import ALL_REVS, CONTENTTYPE, ITEMID, MTIME, NAME, NAME_EXACT, NAMESPACE, SUMMARY, TRASH
from whoosh.query import And, Or, Prefix, Term

from moin_gaa.calendars.ics import plain_text

NEWS_AREA = "Aktuelles"
NEWS_PREFIX = NEWS_AREA + "/"
LEAD_CHARS = 240
HEADING = re.compile(r"^\s*=+\s.*\s=+\s*$")


@dataclass(frozen=True)
class NewsItem:
    name: str
    title: str
    published: datetime  # when the page was first saved (UTC)
    lead: str


def news_items(storage: Any, limit: int | None = None) -> list[NewsItem]:
    """The readable news items, newest first (``storage``: moin's protecting middleware of the viewer)."""
    query = And([Term(NAMESPACE, ""), Prefix(NAME_EXACT, NEWS_PREFIX)])
    current = [meta for meta in storage.search_meta(query, limit=None) if not meta.get(TRASH) and meta.get(NAME)]
    if not current:
        return []
    first_saved = _first_saved(storage, [meta[ITEMID] for meta in current])
    current.sort(key=lambda meta: (first_saved.get(meta[ITEMID], meta[MTIME]), meta[NAME][0]), reverse=True)
    shown = current if limit is None else current[:limit]
    return [_news_item(storage, meta, first_saved.get(meta[ITEMID], meta[MTIME])) for meta in shown]


def _first_saved(storage: Any, itemids: list[str]) -> dict[str, datetime]:
    """itemid → the time of its oldest revision (one search over moin's index of all revisions)."""
    found: dict[str, datetime] = {}
    for meta in storage.search_meta(Or([Term(ITEMID, i) for i in itemids]), idx_name=ALL_REVS, limit=None):
        when = meta[MTIME]
        if meta[ITEMID] not in found or when < found[meta[ITEMID]]:
            found[meta[ITEMID]] = when
    return found


def _news_item(storage: Any, meta: dict[str, Any], published: datetime) -> NewsItem:
    name = meta[NAME][0]
    lead = shortened(str(meta.get(SUMMARY) or ""), LEAD_CHARS)
    if not lead and str(meta.get(CONTENTTYPE, "")).startswith("text/x.moin.wiki"):
        lead = lead_of(_text(storage, meta[ITEMID]))
    return NewsItem(name, name[len(NEWS_PREFIX):], _utc(published), lead)


def _text(storage: Any, itemid: str) -> str:
    rev = storage.get_item(itemid=itemid)["current"]
    try:
        return rev.data.read().decode("utf-8", errors="replace")
    finally:
        rev.data.close()


def _utc(value: datetime | int) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    return datetime.fromtimestamp(value, timezone.utc)


def lead_of(markup: str, limit: int = LEAD_CHARS) -> str:
    """The first paragraph of wiki markup as plain text (headings skipped), cut at a word near ``limit``."""
    body = "\n".join(line for line in markup.splitlines() if not HEADING.match(line))
    first = next((p for p in plain_text(body).split("\n\n") if p.strip()), "")
    return shortened(first, limit)


def shortened(text: str, limit: int) -> str:
    """``text`` on one line, cut at a word before ``limit`` characters (with „…“) if it is longer."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(" ,;:–-") + " …"
