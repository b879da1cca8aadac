"""ICS feeds under ``/+gaa/calendar/<name>.ics`` (``alle`` = every public event), one event as
``/+gaa/termin/<name>.ics`` („In meinen Kalender“), and the event form.

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
from werkzeug.http import http_date
from werkzeug.http import parse_date as parse_http_date
from whoosh.query import And, Term

from moin_gaa.calendars.event_input import (
    EVENT_TEXT,
    MOVE_FIELD,
    checked_event,
    event_space,
    event_title,
    moves_from_rows,
    readable_group_calendars,
)
from moin_gaa.calendars.events import (
    DEFAULT_TZ,
    EVENT_TEXT_LIMITS,
    EVENT_TYPE,
    FIRST_YEAR,
    KIND_LABELS,
    LAST_YEAR,
    MAX_COUNT,
    MAX_INTERVAL,
    STATUS_LABELS,
    Event,
    EventError,
    event_from_fields,
    event_name,
    form_dates,
    parse_date,
)
from moin_gaa.calendars.feed_tokens import user_for_token
from moin_gaa.calendars.ics import FeedEvent, build_calendar
from moin_gaa.calendars.occurrences import bad_query_marked, weekday_day
from moin_gaa.calendars.recurrence import (
    LABEL_TEMPLATES,
    REPETITION_LABELS,
    repetition_labels,
    repetition_of,
    weekly_days,
)
from moin_gaa.calendars.rule_text import WEEKDAYS, month_name, rule_text, weekday_name
from moin_gaa.core.access import ReadRights, is_moderator
from moin_gaa.core.app_state import partnerwiki
from moin_gaa.core.catalog import FACET_PREFIX
from moin_gaa.core.export import page_url_prefix
from moin_gaa.core.german_dates import time_of, weekday_abbreviations
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
        items.append(_feed_event(event, record, page_url))
    title = "PartnerWiki – Netzwerkkalender" + ("" if name == "alle" else f" ({name})")
    return build_calendar(name, title, items)


def _feed_event(event: Event, record, page_url) -> FeedEvent:
    modified = datetime.fromtimestamp(record.mtime, timezone.utc)
    return FeedEvent(event, record.itemid, record.rev_number, modified, page_url(record.name))


@gaa.route("/termin/<path:name>.ics")
def event_ics(name: str):
    """One event (with its series, cancelled and moved dates) as an .ics file to add to one's own calendar.

    The same VEVENTs as in the feeds; 404 for an event the visitor may not read (or that is broken).
    """
    with partnerwiki().catalog.reader(ReadRights()) as reader:
        records = reader.records(reader.docs(And([Term("record_type", EVENT_TYPE), Term("name", name)])))
    if not records:
        abort(404)
    try:
        event = event_from_fields(records[0].fields)
    except EventError:
        abort(404)
    body = build_calendar("termin", event.titel, [_feed_event(event, records[0], page_url_prefix())])
    filename = re.sub(r"[^A-Za-z0-9._-]+", "-", name.rsplit("/", 1)[-1]).strip("-") or "termin"
    headers = {"Content-Disposition": f'attachment; filename="{filename}.ics"', "Cache-Control": "private, no-cache"}
    return Response(body, headers=headers, content_type="text/calendar; charset=utf-8")


def _not_modified_since(modified: datetime | None) -> bool:
    since = parse_http_date(request.headers.get("If-Modified-Since"))
    return bool(since and modified and not request.if_none_match and modified.replace(microsecond=0) <= since)


FORM_FIELDS = ("titel", "startdatum", "startzeit", "enddatum", "endzeit", "wiederholung", "rrule", "intervall",
               "ende_datum", "anzahl", "ort", "beschreibung", "veranstalter", "kontakt", "status", "agenda", "protokoll",
               "art", "land", "verschiebungen")


def _form_day(raw) -> date | None:
    """A date as typed (TT.MM.JJJJ) or sent by ``type=date`` (JJJJ-MM-TT); None if it is none."""
    try:
        return parse_date(str(raw or "")) if raw else None
    except ValueError:
        return None


def _event_form_values(event: Event | None = None) -> dict:
    """The form's values: for a new event the defaults, else the stored event – its rule read back into
    the form's words (recurrence.repetition_of), its moved dates into the rows of its dates."""
    if event is None:
        return {"kalender": ["alle"], "zeitzone": DEFAULT_TZ, "status": "bestaetigt"}
    start, end = event.start_value(), event.end_value()
    first_day = start.date() if isinstance(start, datetime) else start
    repetition = repetition_of(event.rrule, first_day, all_day=event.ganztaegig, zone=event.zeitzone)
    values = event.fields()
    values.update(
        startdatum=first_day.isoformat(),
        enddatum=(end.date() if isinstance(end, datetime) else end).isoformat(),
        startzeit="" if event.ganztaegig else time_of(start),
        endzeit="" if event.ganztaegig else time_of(end),
        ganztaegig="ja" if event.ganztaegig else "",
        wiederholung=repetition.kind,
        wochentage=list(weekly_days(repetition, first_day)) if repetition.kind == "woechentlich" else [],
        intervall=str(repetition.interval),
        ende_datum=repetition.until.isoformat() if repetition.until else "",
        anzahl=str(repetition.count or ""),
        rrule=event.rrule if repetition.kind == "eigene" else "",
        ausfaelle=list(event.ausfaelle),
        verschiebungen="",
    )
    for moved in event.verschiebungen:
        values[f"neu-{moved.datum}-datum"] = moved.start[:10]
        if not event.ganztaegig:
            values[f"neu-{moved.datum}-start"], values[f"neu-{moved.datum}-ende"] = moved.start[11:16], moved.ende[11:16]
    return values


def _submitted_event() -> dict:
    """The form as sent (the rows of a series' dates as ``neu-…`` keys), for the check and for showing it again."""
    form = request.form
    data = {k: form.get(k, "") for k in FORM_FIELDS}
    if "zeitzone" in form:  # the moderators' form always sends it (empty is an error); without it: see _fixed_fields
        data["zeitzone"] = form["zeitzone"]
    data["ganztaegig"] = form.get("ganztaegig", "")
    data["wochentage"] = form.getlist("wochentage")
    data["ausfaelle"] = [d.strip() for v in form.getlist("ausfaelle") for d in v.replace(";", ",").split(",") if d.strip()]
    data["kalender"] = form.getlist("kalender") or ["alle"]
    data.update({key: form[key] for key in form if MOVE_FIELD.match(key)})
    return data


def _fixed_fields(stored: Event | None) -> dict:
    """What only moderators choose (event_from_input's ``fixed_zone``/``fixed_rule``): for everybody else the
    stored time zone and custom rule (a new event: Europe/Berlin, no custom rule) stay; other values are refused."""
    if is_moderator():
        return {}
    return {"fixed_zone": stored.zeitzone if stored else DEFAULT_TZ, "fixed_rule": stored.rrule if stored else ""}


def _checked(data: dict, stored: Event | None):
    """The submitted event checked: the moves of the rows and the moderators' text lines together."""
    moves = moves_from_rows(data, data.get("startzeit", "")) + str(data.get("verschiebungen") or "").splitlines()
    return checked_event({**data, "verschiebungen": moves}, **_fixed_fields(stored))


def _series_rows(values: dict, stored: Event | None) -> list[dict]:
    """The rows of the form's list of a series' dates: the coming and the changed dates of the stored series,
    plus the dates the submitted form cancelled or moved; each with its label and whether it is cancelled."""
    cancelled = {d for d in map(_form_day, values.get("ausfaelle") or ()) if d}
    moved = {d for d in (_form_day(m.group(1)) for m in map(MOVE_FIELD.match, values) if m) if d}
    dates = set(form_dates(stored, date.today())) if stored else set()
    return [{"iso": d.isoformat(), "label": weekday_day(d), "cancelled": d in cancelled}
            for d in sorted(dates | cancelled | moved)]


def _render_event_form(values, errors, *, title, action, stored: Event | None = None, revid="", status=200):
    moderator = is_moderator()
    first_day = _form_day(values.get("startdatum"))
    form_values = dict(values)
    for key in ("startdatum", "enddatum", "ende_datum"):  # type=date shows only JJJJ-MM-TT
        typed = _form_day(values.get(key))
        form_values[key] = typed.isoformat() if typed else str(values.get(key) or "")
    kind = values.get("wiederholung", "")
    repetitions = repetition_labels(first_day, custom=moderator or kind == "eigene")
    if kind in REPETITION_LABELS and kind not in repetitions:  # chosen, though the start does not fit: keep it
        repetitions[kind] = REPETITION_LABELS[kind]
    return render_form(
        "gaa/event_form.html", form_values, errors, title=title, action=action, revid=revid, status=status,
        repetitions=repetitions, statuses=STATUS_LABELS, kinds=KIND_LABELS,
        laender=partnerwiki().vocabulary.laender, groups=readable_group_calendars(), limits=EVENT_TEXT_LIMITS,
        first_year=FIRST_YEAR, last_year=LAST_YEAR, max_count=MAX_COUNT, max_interval=MAX_INTERVAL,
        moderator=moderator, rows=_series_rows(values, stored),
        current_rule=rule_text(stored.rrule, stored.start_value(), stored.tz) if stored and stored.rrule else "",
        weekdays=[(code, weekday_abbreviations()[i], weekday_name(i)) for i, code in enumerate(WEEKDAYS)],
        label_templates=LABEL_TEMPLATES, weekday_names=[weekday_name(i) for i in range(7)],
        month_names=[month_name(m) for m in range(1, 13)],
    )


def _save_event(event, name: str, comment: str, **kwargs) -> None:
    """Save the event; the summary follows the title unless someone wrote their own (``text=None``: keep it)."""
    save_record(name, kwargs.pop("text", EVENT_TEXT), record_type=EVENT_TYPE, fields=event.fields(),
                summary=event.titel, summary_of=event_title, comment=comment, **kwargs)


@gaa.route("/termin/neu", methods=["GET", "POST"])
def new_event():
    if (login := login_first()) is not None:
        return login
    form = {"title": "Termin eintragen", "action": url_for("gaa.new_event")}
    if request.method == "GET":
        return _render_event_form(_event_form_values(), {}, **form)
    csrf.require_csrf()
    data = _submitted_event()
    try:
        event = _checked(data, None)
        name = event_name(event, event_space(event))
        _save_event(event, name, "Termin eingetragen", new=True)
    except EventError as e:
        return _render_event_form(data, e.errors, **form, status=400)
    except AlreadyExists:
        return _render_event_form(data, {"titel": "Diesen Termin gibt es schon (gleicher Tag und Titel)."}, **form,
                                  status=400)
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
    title = f"Termin bearbeiten: {meta['gaa_fields'].get('titel', name)}"
    form = {"title": title, "action": url_for("gaa.edit_event", name=name)}
    try:
        stored, broken = event_from_fields(meta["gaa_fields"]), {}
    except EventError as e:
        stored, broken = None, e.errors
    if request.method == "GET":
        values = _event_form_values(stored) if stored else dict(meta["gaa_fields"])
        return _render_event_form(values, broken, **form, stored=stored, revid=meta["revid"])
    csrf.require_csrf()
    data = _submitted_event()
    form.update(stored=stored, revid=request.form.get("revid", ""))
    try:
        event = _checked(data, stored)
        _save_event(event, item_name, "Termin bearbeitet", base_revid=request.form.get("revid") or None, text=None)
    except EventError as e:
        return _render_event_form(data, e.errors, **form, status=400)
    except EditConflict:
        errors = {"_": ("Jemand anderes hat diesen Termin inzwischen geändert – Ihre "
                        "Änderungen sind noch nicht gespeichert. Ihre Eingaben sind unten erhalten: öffnen Sie den "
                        "Termin in einem neuen Tab, tragen Sie Ihre Änderungen dort in die neue Fassung ein und "
                        "speichern Sie sie dort.")}
        return _render_event_form(data, errors, **form, status=400)
    except AccessDenied:
        abort(403)
    flash("Der Termin ist gespeichert.", "info")
    return redirect(url_for("frontend.show_item", item_name=item_name))
