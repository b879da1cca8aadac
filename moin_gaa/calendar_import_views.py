"""``/+gaa/termine/import``: moderators bring events from an .ics file, with a preview first.

Step 1 uploads the file and shows what would happen (new, update, unchanged, refused with the
reason) without storing anything; the preview carries the file's text, and step 2 („Importieren“)
checks it all again and stores it, then reports what was created, updated or refused.
"""

from __future__ import annotations

from flask import abort, request
from flask import g as flaskg
from moin.themes import render_template
from whoosh.query import Term

from . import csrf
from .access import ReadRights, is_moderator
from .app import partnerwiki
from .blueprint import gaa, login_first
from .calendar_views import EVENT_TEXT, event_checker, known_calendars
from .events import EVENT_TYPE
from .ics_import import (
    MAX_IMPORT_BYTES,
    MAX_IMPORT_EVENTS,
    PlannedEvent,
    UploadError,
    merge_for_update,
    new_fields,
    plan_import,
    read_upload,
)
from .items import AccessDenied, AlreadyExists, current, save_record

ACTION_LABELS = {"neu": "wird neu angelegt", "aktualisieren": "wird aktualisiert", "unverändert": "unverändert",
                 "abgelehnt": "abgelehnt"}


@gaa.route("/termine/import", methods=["GET", "POST"])
def import_events():
    if (login := login_first()) is not None:
        return login
    if not is_moderator():
        abort(403)
    if request.method == "GET":
        return _page(calendars=("alle",))
    if request.content_length and request.content_length > MAX_IMPORT_BYTES + 65536:
        # refused before the body is parsed: a 50 MB upload is never read into memory
        return _page(error=f"Die Datei ist zu groß (höchstens {MAX_IMPORT_BYTES // (1024 * 1024)} MB).", calendars=("alle",), status=413)
    csrf.require_csrf()
    calendars = tuple(request.form.getlist("kalender")) or ("alle",)
    unknown = [c for c in calendars if c not in known_calendars(groups=False)]  # imports are public events
    if unknown:
        return _page(error=f"Unbekannte Kalender: {', '.join(unknown)}.", calendars=calendars, status=400)
    if "ics" in request.form:
        data = request.form["ics"].encode("utf-8")
    else:
        upload = request.files.get("datei")
        if upload is None or not upload.filename:
            return _page(error="Bitte eine .ics-Datei auswählen.", calendars=calendars, status=400)
        data = upload.read(MAX_IMPORT_BYTES + 1)
    try:
        candidates = read_upload(data, calendars, event_checker())
    except UploadError as e:
        return _page(error=str(e), calendars=calendars, status=400)
    plan = plan_import(candidates, _existing_events(), lambda name: current(name) is not None)
    if request.form.get("schritt") != "importieren":
        return _page(plan=plan, ics=data.decode("utf-8-sig"), calendars=calendars)
    return _page(plan=_store(plan), calendars=calendars, done=True)


def _existing_events() -> dict[str, tuple[str, dict]]:
    """Readable events by our UID (item id) and by the foreign UID they were imported with."""
    found: dict[str, tuple[str, dict]] = {}
    with partnerwiki().catalog.reader(ReadRights()) as reader:
        for record in reader.records(reader.docs(Term("record_type", EVENT_TYPE))):
            found[record.itemid] = (record.name, dict(record.fields))
            if record.fields.get("uid"):
                found[str(record.fields["uid"])] = (record.name, dict(record.fields))
    return found


def _store(plan: list[PlannedEvent]) -> list[PlannedEvent]:
    """Store the planned events one by one; one that cannot be stored is reported as refused."""
    for step in plan:
        c = step.candidate
        try:
            if step.action == "neu":
                save_record(step.name, EVENT_TEXT, record_type=EVENT_TYPE, fields=new_fields(c.event, c.uid),
                            summary=c.event.titel, comment="Termin aus .ics-Datei importiert", new=True)
            elif step.action == "aktualisieren":
                meta, text = current(step.name)
                save_record(step.name, text, record_type=EVENT_TYPE, fields=merge_for_update(c.event, meta.get("gaa_fields") or {}, c.uid),
                            summary=c.event.titel, comment="Termin aus .ics-Datei aktualisiert", base_revid=meta["revid"])
        except (AccessDenied, AlreadyExists, TypeError) as e:
            step.action, step.reason = "abgelehnt", f"Konnte nicht gespeichert werden ({type(e).__name__})."
    return plan


def _page(*, calendars, plan=None, ics="", error="", done=False, status=200):
    counts = {label: sum(1 for p in plan or () if p.action == action) for action, label in ACTION_LABELS.items()}
    page = render_template(
        "gaa/ics_import.html", title_name="Termine importieren", plan=plan, ics=ics, error=error, done=done,
        calendars=calendars, laender=partnerwiki().vocabulary.laender, labels=ACTION_LABELS, counts=counts,
        max_mb=MAX_IMPORT_BYTES // (1024 * 1024), max_events=MAX_IMPORT_EVENTS, user=flaskg.user,
    )
    return page, status
