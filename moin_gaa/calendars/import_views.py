"""``/+gaa/termine/import``: moderators bring events from an .ics file, with a preview first.

Step 1 uploads the file and shows what would happen (new, update, unchanged, refused with the
reason) without storing anything; the preview carries the file's text, and step 2 („Importieren“)
checks it all again and stores it, then reports what was created, updated or refused.
"""

from __future__ import annotations

import logging

from flask import abort, request
from flask import g as flaskg
from moin.themes import render_template
from whoosh.query import Term

from moin_gaa.calendars.event_input import EVENT_TEXT, event_checker, event_title, known_calendars
from moin_gaa.calendars.events import EVENT_TYPE
from moin_gaa.calendars.ics_import import (
    MAX_IMPORT_BYTES,
    MAX_IMPORT_EVENTS,
    PlannedEvent,
    UploadError,
    merge_for_update,
    new_fields,
    plan_import,
    read_upload,
)
from moin_gaa.core.access import ReadRights, is_moderator
from moin_gaa.core.app_state import partnerwiki
from moin_gaa.core.items import AccessDenied, AlreadyExists, EditConflict, current, save_record
from moin_gaa.web import csrf
from moin_gaa.web.blueprint import gaa, login_first

log = logging.getLogger(__name__)
ACTION_LABELS = {"neu": "wird neu angelegt", "aktualisieren": "wird aktualisiert", "unverändert": "unverändert",
                 "abgelehnt": "abgelehnt"}
DONE_LABELS = {"neu": "neu angelegt", "aktualisieren": "aktualisiert", "unverändert": "unverändert",
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
    return _page(plan=_store(plan, _previewed(request.form.getlist("stand"))), calendars=calendars, done=True)


def _existing_events() -> dict[str, tuple[str, dict, str]]:
    """Readable events (name, fields, revid) by our UID (item id) and by the foreign UID they were imported with."""
    found: dict[str, tuple[str, dict, str]] = {}
    with partnerwiki().catalog.reader(ReadRights()) as reader:
        for record in reader.records(reader.docs(Term("record_type", EVENT_TYPE))):
            found[record.itemid] = (record.name, dict(record.fields), record.revid)
            if record.fields.get("uid"):
                found[str(record.fields["uid"])] = (record.name, dict(record.fields), record.revid)
    return found


def _previewed(entries: list[str]) -> dict[str, str]:
    """The revisions the preview showed (``stand`` fields: „revid name“) by item name."""
    found = {}
    for entry in entries:
        revid, _space, name = entry.partition(" ")
        if revid and name:
            found[name] = revid
    return found


CHANGED_SINCE_PREVIEW = ("Der Termin wurde seit der Vorschau geändert (von jemand anderem oder von einem "
                         "anderen Import) und ist so geblieben. Bitte laden Sie die Datei erneut hoch, "
                         "um die neue Fassung zu vergleichen.")
REFUSALS = {
    EditConflict: CHANGED_SINCE_PREVIEW,
    AlreadyExists: "Inzwischen gibt es einen Termin mit gleichem Tag und Titel; nichts gespeichert.",
    AccessDenied: "Sie dürfen diesen Termin nicht ändern; nichts gespeichert.",
}


def _store(plan: list[PlannedEvent], previewed: dict[str, str]) -> list[PlannedEvent]:
    """Store the planned events one by one; one that cannot be stored is reported as refused, with the reason.

    Each event is one new revision, written completely or not at all; an update is saved only over
    the revision the preview showed (else the one just compared with): an event someone changed in
    the meantime is refused, never overwritten.  An unexpected error with one event is logged and
    reported for it; the others are still stored.
    """
    for step in plan:
        c = step.candidate
        try:
            if step.action == "neu":
                save_record(step.name, EVENT_TEXT, record_type=EVENT_TYPE, fields=new_fields(c.event, c.uid),
                            summary=c.event.titel, comment="Termin aus .ics-Datei importiert", new=True)
            elif step.action == "aktualisieren":
                base = previewed.get(step.name) or step.revid or None
                stored = current(step.name)
                if stored is None or base is None or stored[0]["revid"] != base:
                    raise EditConflict(step.name)
                fields = merge_for_update(c.event, stored[0].get("gaa_fields") or {}, c.uid)
                save_record(step.name, None, record_type=EVENT_TYPE, fields=fields, summary=c.event.titel,
                            summary_of=event_title, comment="Termin aus .ics-Datei aktualisiert", base_revid=base)
            elif step.action == "unverändert" and step.name in previewed and previewed[step.name] != step.revid:
                step.reason = "Der Termin wurde seit der Vorschau geändert; die Datei bringt nichts Neues dazu."
        except tuple(REFUSALS) as e:
            step.action = "abgelehnt"
            step.reason = next(reason for kind, reason in REFUSALS.items() if isinstance(e, kind))
        except Exception as e:  # one event's failure must not cost the report of all the others
            log.exception("ics import: %s could not be stored", step.name)
            step.action = "abgelehnt"
            step.reason = (f"Fehler beim Speichern ({type(e).__name__}); bitte prüfen Sie den Termin im Kalender "
                           "und importieren Sie die Datei gegebenenfalls erneut.")
    return plan


def _page(*, calendars, plan=None, ics="", error="", done=False, status=200):
    labels = DONE_LABELS if done else ACTION_LABELS
    counts = {label: sum(1 for p in plan or () if p.action == action) for action, label in labels.items()}
    page = render_template(
        "gaa/ics_import.html", title_name="Termine importieren", plan=plan, ics=ics, error=error, done=done,
        calendars=calendars, laender=partnerwiki().vocabulary.laender, labels=ACTION_LABELS, counts=counts,
        max_mb=MAX_IMPORT_BYTES // (1024 * 1024), max_events=MAX_IMPORT_EVENTS, user=flaskg.user,
    )
    return page, status
