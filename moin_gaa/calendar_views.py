"""ICS feeds under ``/+gaa/calendar/<name>.ics`` (``alle`` = every public event).

The ETag comes from the catalog generation and the readable matches, so a client asking again
with If-None-Match (or If-Modified-Since) gets 304 before any event is read or any ICS built.
A broken event is left out of the feed and logged; it never breaks the feed.
"""

from __future__ import annotations

import hashlib
import logging
import re
from datetime import datetime, timezone

from flask import Response, abort, request
from werkzeug.http import http_date, parse_date
from whoosh.query import And, Term

from .access import ReadRights
from .app import partnerwiki
from .blueprint import gaa
from .catalog import FACET_PREFIX
from .events import EVENT_TYPE, EventError, event_from_fields
from .export import page_url_prefix
from .ics import FeedEvent, build_calendar

log = logging.getLogger(__name__)
CALENDAR_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,60}$")


@gaa.route("/calendar/<name>.ics")
def calendar_feed(name: str):
    if not CALENDAR_NAME.match(name):
        abort(404)
    with partnerwiki().catalog.reader(ReadRights()) as reader:
        docs = reader.docs(And([Term("record_type", EVENT_TYPE), Term(FACET_PREFIX + "kalender", name)]))
        etag = hashlib.sha256(f"{reader.generation()}:{name}:{sorted(docs)}".encode()).hexdigest()[:32]
        modified = datetime.fromtimestamp(reader.newest_mtime(docs), timezone.utc) if docs else None
        if request.if_none_match.contains(etag) or _not_modified_since(modified):
            return Response(status=304, headers={"ETag": f'"{etag}"'})
        records = reader.records(docs)
    page_url = page_url_prefix()
    items = []
    for record in sorted(records, key=lambda r: r.name):
        try:
            event = event_from_fields(record.fields)
        except EventError as e:
            log.warning("calendar %s: %s left out: %s", name, record.name, e)
            continue
        items.append(
            FeedEvent(event, record.itemid, record.rev_number, datetime.fromtimestamp(record.mtime, timezone.utc), page_url(record.name))
        )
    title = "PartnerWiki – Netzwerkkalender" + ("" if name == "alle" else f" ({name})")
    body = build_calendar(name, title, items)
    headers = {"ETag": f'"{etag}"', "Cache-Control": "public, max-age=900"}
    if modified:
        headers["Last-Modified"] = http_date(modified)
    return Response(body, mimetype="text/calendar", headers=headers, content_type="text/calendar; charset=utf-8")


def _not_modified_since(modified: datetime | None) -> bool:
    since = parse_date(request.headers.get("If-Modified-Since"))
    return bool(since and modified and not request.if_none_match and modified.replace(microsecond=0) <= since)
