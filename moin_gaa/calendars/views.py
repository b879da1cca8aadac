"""ICS feeds under ``/+gaa/calendar/<name>.ics`` (``alle`` = every public event) and the event form.

A feed shows what the asking user may read: the session's user, or – for calendar programs,
which cannot log in – the owner of a personal key (``?token=…``, see :mod:`moin_gaa.calendars.feed_tokens`).
A group's calendar (``gruppe-…``) is 404 for everybody who may not read the group.

The ETag comes from the catalog generation and the readable matches, so a client asking again
with If-None-Match (or If-Modified-Since) gets 304 before any event is read or any ICS built,
and a built feed can be reused from the cache for everybody who gets the same ETag.
A broken event is left out of the feed and logged; it never breaks the feed.
"""

from __future__ import annotations

import logging
import re
from datetime import date, datetime, timedelta, timezone

from flask import Response, abort, current_app, flash, redirect, request, url_for
from flask import g as flaskg
from moin.storage.middleware.protecting import ProtectingMiddleware
from werkzeug.http import http_date, parse_date
from whoosh.query import And, Term

from moin_gaa.calendars.event_input import (
    EVENT_TEXT,
    checked_event,
    event_space,
    event_title,
    readable_group_calendars,
)
from moin_gaa.calendars.events import (
    EVENT_TEXT_LIMITS,
    EVENT_TYPE,
    FIRST_YEAR,
    KIND_LABELS,
    LAST_YEAR,
    MAX_COUNT,
    RECURRENCE_LABELS,
    STATUS_LABELS,
    EventError,
    event_from_fields,
    event_name,
    moved_lines,
)
from moin_gaa.calendars.feed_tokens import user_for_token
from moin_gaa.calendars.ics import FeedEvent, build_calendar
from moin_gaa.calendars.occurrences import bad_query_marked
from moin_gaa.core.access import ReadRights
from moin_gaa.core.app_state import partnerwiki
from moin_gaa.core.catalog import FACET_PREFIX
from moin_gaa.core.export import page_url_prefix
from moin_gaa.core.german_dates import day, time_of
from moin_gaa.core.items import AccessDenied, AlreadyExists, EditConflict, save_record
from moin_gaa.discussions.groups import CALENDAR_PREFIX, GROUP_TYPE
from moin_gaa.web import csrf
from moin_gaa.web.blueprint import gaa, login_first, render_form, stored_record_or_abort

log = logging.getLogger(__name__)
CALENDAR_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,60}$")
# Built feeds are cached under their ETag: it changes with every catalog commit and with the set
# of readable matches, so a cached body is never stale and never shown to someone who may not read it.
CACHE_PREFIX = "gaa-ics:"
CACHE_SECONDS = 3600
GOOGLE_FEED_LIMIT = 1_000_000


@gaa.route("/calendar/<name>.ics")
def calendar_feed(name: str):
    if not CALENDAR_NAME.match(name):
        abort(404)
    reader_rights, personal = ReadRights(), bool(flaskg.user.valid)
    if "token" in request.args:
        owner = user_for_token(request.args["token"])
        if owner is None:
            return Response("Dieser Kalender-Schlüssel ist ungültig oder wurde widerrufen.", status=403, mimetype="text/plain")
        reader_rights = ReadRights(ProtectingMiddleware(current_app.storage, owner, current_app.cfg.acl_mapping))
        personal = True
    with partnerwiki().catalog.reader(reader_rights) as reader:
        if name.startswith(CALENDAR_PREFIX) and not reader.docs(And([Term("record_type", GROUP_TYPE), Term(FACET_PREFIX + "kalender", name)])):
            abort(404)  # a group calendar exists only for those who may read the group: nothing to learn here
        docs = reader.docs(And([Term("record_type", EVENT_TYPE), Term(FACET_PREFIX + "kalender", name)]))
        etag = reader.fingerprint(docs, name, str(date.today()))  # today: the feed's date window moves every day
        not_modified = Response(status=304, headers={"ETag": f'"{etag}"'})
        if request.if_none_match.contains(etag):
            return not_modified
        body, modified = current_app.cache.get(CACHE_PREFIX + etag) or (None, None)
        if body is None:
            modified = datetime.fromtimestamp(reader.newest_mtime(docs), timezone.utc) if docs else None
        if _not_modified_since(modified):
            return not_modified
        if body is None:
            body = _build_feed(name, reader.records(docs))
            if len(body) > GOOGLE_FEED_LIMIT:
                log.warning("calendar %s: feed is %d bytes, more than Google Calendar accepts (~1 MB); narrow "
                            "gaa_calendar_past_days/gaa_calendar_future_days", name, len(body))
            current_app.cache.set(CACHE_PREFIX + etag, (body, modified), timeout=CACHE_SECONDS)
    headers = {"ETag": f'"{etag}"', "Cache-Control": ("private" if personal else "public") + ", max-age=900"}
    if modified:
        headers["Last-Modified"] = http_date(modified)
    return Response(body, mimetype="text/calendar", headers=headers, content_type="text/calendar; charset=utf-8")


@gaa.after_app_request
def bad_calendar_query_is_400(response: Response) -> Response:
    """A page whose calendar macro refused a query parameter (``?monat=9999-99``) answers 400, still with the page."""
    if response.status_code == 200 and bad_query_marked():
        response.status_code = 400
    return response


def in_window(event, today: date, past_days: int, future_days: int) -> bool:
    """Whether the event belongs in a feed: it (or its series) touches [today - past, today + future].

    Cancelled events stay in this window too, as STATUS:CANCELLED, so clients remove their copies.
    """
    start = date.fromisoformat(event.start[:10])
    end = date.fromisoformat(event.ende[:10])
    if start > today + timedelta(days=future_days):
        return False
    return bool(event.rrule) or end >= today - timedelta(days=past_days)


def _build_feed(name: str, records) -> bytes:
    page_url = page_url_prefix()
    cfg = current_app.cfg
    past, future = getattr(cfg, "gaa_calendar_past_days", 365), getattr(cfg, "gaa_calendar_future_days", 730)
    today = date.today()
    items = []
    for record in sorted(records, key=lambda r: r.name):
        try:
            event = event_from_fields(record.fields)
        except EventError as e:
            log.warning("calendar %s: %s left out: %s", name, record.name, e)
            continue
        if not in_window(event, today, past, future):
            continue
        items.append(
            FeedEvent(event, record.itemid, record.rev_number, datetime.fromtimestamp(record.mtime, timezone.utc), page_url(record.name))
        )
    title = "PartnerWiki – Netzwerkkalender" + ("" if name == "alle" else f" ({name})")
    return build_calendar(name, title, items)


def _not_modified_since(modified: datetime | None) -> bool:
    since = parse_date(request.headers.get("If-Modified-Since"))
    return bool(since and modified and not request.if_none_match and modified.replace(microsecond=0) <= since)


def _event_form_values(event=None) -> dict:
    if event is None:
        return {"kalender": ["alle"], "zeitzone": "Europe/Berlin", "status": "bestaetigt"}
    start, end = event.start_value(), event.end_value()
    values = event.fields()
    values.update(
        startdatum=day(start),
        enddatum=day(end),
        startzeit="" if event.ganztaegig else time_of(start),
        endzeit="" if event.ganztaegig else time_of(end),
        ausfaelle=", ".join(day(date.fromisoformat(d)) for d in event.ausfaelle),
        verschiebungen=moved_lines(event),
        ganztaegig="ja" if event.ganztaegig else "",
    )
    return values


def _submitted_event() -> dict:
    form = request.form
    data = {k: form.get(k, "") for k in ("titel", "startdatum", "startzeit", "enddatum", "endzeit", "wiederholung",
                                          "rrule", "ort", "beschreibung", "veranstalter", "kontakt", "status", "agenda", "protokoll",
                                          "art", "land", "verschiebungen")}
    if "zeitzone" in form:  # the form always sends it (empty is an error); without the field: Europe/Berlin
        data["zeitzone"] = form["zeitzone"]
    data["ganztaegig"] = form.get("ganztaegig", "")
    data["ausfaelle"] = [d.strip() for d in form.get("ausfaelle", "").replace(";", ",").split(",") if d.strip()]
    data["kalender"] = form.getlist("kalender") or ["alle"]
    return data


def _render_event_form(values, errors, *, title, action, revid="", status=200):
    form_values = dict(values)
    if isinstance(form_values.get("ausfaelle"), list):
        form_values["ausfaelle"] = ", ".join(form_values["ausfaelle"])
    return render_form(
        "gaa/event_form.html", form_values, errors, title=title, action=action, revid=revid, status=status,
        recurrences=RECURRENCE_LABELS, statuses=STATUS_LABELS, kinds=KIND_LABELS, laender=partnerwiki().vocabulary.laender,
        groups=readable_group_calendars(), limits=EVENT_TEXT_LIMITS, first_year=FIRST_YEAR, last_year=LAST_YEAR,
        max_count=MAX_COUNT,
    )


def _save_event(event, name: str, comment: str, **kwargs) -> None:
    """Save the event; the summary follows the title unless someone wrote their own (``text=None``: keep it)."""
    save_record(name, kwargs.pop("text", EVENT_TEXT), record_type=EVENT_TYPE, fields=event.fields(),
                summary=event.titel, summary_of=event_title, comment=comment, **kwargs)


@gaa.route("/termin/neu", methods=["GET", "POST"])
def new_event():
    if (login := login_first()) is not None:
        return login
    title, action = "Termin eintragen", url_for("gaa.new_event")
    if request.method == "GET":
        return _render_event_form(_event_form_values(), {}, title=title, action=action)
    csrf.require_csrf()
    data = _submitted_event()
    try:
        event = checked_event(data)
        name = event_name(event, event_space(event))
        _save_event(event, name, "Termin eingetragen", new=True)
    except EventError as e:
        return _render_event_form(data, e.errors, title=title, action=action, status=400)
    except AlreadyExists:
        return _render_event_form(data, {"titel": "Diesen Termin gibt es schon (gleicher Tag und Titel)."}, title=title, action=action, status=400)
    except AccessDenied:
        abort(403)
    flash("Der Termin ist eingetragen.", "info")
    return redirect(url_for("frontend.show_item", item_name=name))


@gaa.route("/termin/bearbeiten/<path:name>", methods=["GET", "POST"])
def edit_event(name: str):
    if (login := login_first()) is not None:
        return login
    item_name = name
    meta, text = stored_record_or_abort(item_name, EVENT_TYPE)
    if not flaskg.storage.may(item_name, "write"):
        abort(403)
    title, action = f"Termin bearbeiten: {meta['gaa_fields'].get('titel', name)}", url_for("gaa.edit_event", name=name)
    if request.method == "GET":
        try:
            values = _event_form_values(event_from_fields(meta["gaa_fields"]))
        except EventError as e:
            return _render_event_form(dict(meta["gaa_fields"]), e.errors, title=title, action=action, revid=meta["revid"])
        return _render_event_form(values, {}, title=title, action=action, revid=meta["revid"])
    csrf.require_csrf()
    data = _submitted_event()
    try:
        event = checked_event(data)
        _save_event(event, item_name, "Termin bearbeitet", base_revid=request.form.get("revid") or None, text=None)
    except EventError as e:
        return _render_event_form(data, e.errors, title=title, action=action, revid=request.form.get("revid", ""), status=400)
    except EditConflict:
        errors = {"_": ("Jemand anderes hat diesen Termin inzwischen geändert – Ihre "
                        "Änderungen sind noch nicht gespeichert. Ihre Eingaben sind unten erhalten: öffnen Sie den "
                        "Termin in einem neuen Tab, tragen Sie Ihre Änderungen dort in die neue Fassung ein und "
                        "speichern Sie sie dort.")}
        return _render_event_form(data, errors, title=title, action=action, revid=request.form.get("revid", ""), status=400)
    except AccessDenied:
        abort(403)
    flash("Der Termin ist gespeichert.", "info")
    return redirect(url_for("frontend.show_item", item_name=item_name))
