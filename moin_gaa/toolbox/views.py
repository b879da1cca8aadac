"""Werkzeugkiste views under ``/+gaa``: propose, edit, curate (with the Rückfrage), review queue, exports."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import date, datetime
from email.message import EmailMessage
from zoneinfo import ZoneInfo

from flask import abort, current_app, flash, jsonify, redirect, request, url_for
from flask import g as flaskg
from moin import user as moin_user
from moin.constants.keys import EMAIL, MTIME, NAME_EXACT, REV_NUMBER
from moin.themes import render_template
from moin.utils.diff_text import diff as diff_text
from moin.utils.interwiki import split_fqname

from moin_gaa.core import notification_mail, pending_uploads
from moin_gaa.core.access import ReadRights, is_moderator
from moin_gaa.core.app_state import partnerwiki
from moin_gaa.core.attachments import IMAGE_TYPES, Upload, save_attachment
from moin_gaa.core.export import csv_response, page_url_prefix
from moin_gaa.core.german_dates import day, day_time
from moin_gaa.core.items import (
    AccessDenied,
    AlreadyExists,
    EditConflict,
    current,
    item_lock,
    save_record,
    subscribe_current_user,
)
from moin_gaa.core.records import RECORD_FIELDS, Record
from moin_gaa.core.text_input import clean_text, form_value, input_problems, text_problem
from moin_gaa.partners.municipalities import is_profile, profile_names
from moin_gaa.toolbox.matrix import matching_tools
from moin_gaa.toolbox.toolfilter import ToolFilter, parse_filter
from moin_gaa.toolbox.tools import (
    ACTION_LABELS,
    PUBLISHED,
    STATUS_LABELS,
    TOOL_PREFIX,
    TOOL_TYPE,
    Tool,
    ToolError,
    ask,
    check_link,
    decide,
    field_changes,
    long_text_of,
    page_text,
    shown_values,
    tool_from_fields,
    tool_from_input,
)
from moin_gaa.web import csrf
from moin_gaa.web.blueprint import gaa, login_first, render_form, stored_record_or_abort

MAX_LONG_TEXT = 50_000
MAX_MUNICIPALITY_CHOICES = 1000  # beyond this many profiles the page carries no list; the name is still checked
MAX_DIFF_LINES = 60
LOCAL_TIME = ZoneInfo("Europe/Berlin")
UNKNOWN_MUNICIPALITY = (
    "„{}“ steht nicht im Partnerverzeichnis. Bitte wählen Sie eine Kommune aus der Liste (so geschrieben wie im "
    "Partnerverzeichnis) oder lassen Sie das Feld leer."
)
log = logging.getLogger(__name__)


def _form_values(tool: Tool | None, long_text: str = "") -> dict:
    if tool is None:
        return {"lebensphasen": request.args.getlist("lebensphase"), "empfehlungen": request.args.getlist("empfehlung")}
    values = tool.fields()
    values["jahr"] = "" if tool.jahr is None else str(tool.jahr)
    values["langtext"] = long_text
    return values


def _submitted() -> dict:
    form = request.form
    values = {
        key: form.get(key, "")
        for key in ("titel", "kurzbeschreibung", "art", "quelle", "link", "jahr", "kommune", "land", "datei")
    }
    values["lebensphasen"] = form.getlist("lebensphasen")
    values["empfehlungen"] = form.getlist("empfehlungen")
    values["langtext"] = form.get("langtext", "")
    return values


def _render_form(values: dict, errors: dict, *, title: str, action: str, revid: str = "", status: int = 200,
                 upload: Upload | None = None, kept: str = ""):
    """The tool form; a file chosen in this submit stays chosen (kept on the server, see pending_uploads)."""
    if upload is not None:
        values = {**values, "datei_vorgemerkt": kept or pending_uploads.keep(upload, "datei_upload")}
    with partnerwiki().catalog.reader(ReadRights()) as reader:
        municipalities = profile_names(reader, limit=MAX_MUNICIPALITY_CHOICES)
    return render_form(
        "gaa/tool_form.html", values, errors, title=title, action=action, revid=revid, status=status,
        vocabulary=partnerwiki().vocabulary, municipalities=municipalities, kept_file=upload.filename if upload else "",
    )


def _check_long_text(values: dict, errors: dict) -> None:
    if problem := text_problem(values["langtext"]):
        errors["langtext"] = problem
    elif len(values["langtext"]) > MAX_LONG_TEXT:
        errors["langtext"] = f"Der ausführliche Text darf höchstens {MAX_LONG_TEXT:,} Zeichen lang sein.".replace(",", ".")


def _check_municipality(values: dict, errors: dict, stored: str = "") -> None:
    """The Kommune comes from the Partnerverzeichnis (or stays empty); a stored one no longer there may stay."""
    name = form_value(values.get("kommune"), 200)
    if not name or name == stored or "kommune" in errors:
        return
    with partnerwiki().catalog.reader(ReadRights()) as reader:
        if not is_profile(reader, name):
            errors["kommune"] = UNKNOWN_MUNICIPALITY.format(name)


@gaa.route("/werkzeug/neu", methods=["GET", "POST"])
def propose_tool():
    if (login := login_first()) is not None:
        return login
    title = "Werkzeug vorschlagen"
    if request.method == "GET":
        return _render_form(_form_values(None), {}, title=title, action=url_for("gaa.propose_tool"))
    csrf.require_csrf()
    values = _submitted()
    errors: dict[str, str] = input_problems(values)  # also the fields replaced below: nothing with control characters
    values["datei"] = ""  # only an upload sets the attached file
    try:
        tool = tool_from_input(values, partnerwiki().vocabulary)
    except ToolError as e:
        errors.update(e.errors)
        tool = None
    _check_long_text(values, errors)
    _check_municipality(values, errors)
    upload, kept = _upload(errors)
    if tool is not None and not errors and current(tool.item_name) is not None:
        errors["titel"] = DUPLICATE
    if tool is not None and not errors:
        tool = replace(tool, vorgeschlagen_von=flaskg.user.name0)
        try:
            tool = _store_upload(tool, upload)
            _save_tool(tool, page_text(clean_text(values["langtext"])), "Werkzeug vorgeschlagen", new=True)
        except AlreadyExists:
            errors["titel"] = DUPLICATE
        except AccessDenied:
            abort(403)
        else:
            pending_uploads.discard(kept)
            subscribe_current_user(tool.item_name)
            flash("Danke! Ihr Vorschlag ist gespeichert und wird von der Moderation geprüft.", "info")
            return redirect(url_for("frontend.show_item", item_name=tool.item_name))
    return _render_form(values, errors, title=title, action=url_for("gaa.propose_tool"), status=400, upload=upload,
                        kept=kept)


def _form_revid() -> str | None:
    return request.form.get("revid") or None


def _short_description(fields) -> str:
    return str(fields.get("kurzbeschreibung") or "")


def _save_tool(tool: Tool, text: str | None, comment: str, **kwargs) -> None:
    """Save the tool; the summary follows the short description unless someone wrote their own."""
    save_record(
        tool.item_name, text, record_type=TOOL_TYPE, fields=tool.fields(), summary=tool.kurzbeschreibung,
        summary_of=_short_description, comment=comment, **kwargs
    )


CONFLICT = (
    "Jemand anderes hat dieses Werkzeug inzwischen geändert – Ihre Änderungen sind "
    "noch nicht gespeichert. Ihre Eingaben sind unten erhalten: öffnen Sie das Werkzeug in einem neuen Tab, "
    "tragen Sie Ihre Änderungen dort in die neue Fassung ein und speichern Sie sie dort."
)
DUPLICATE = "Ein Werkzeug mit diesem Titel gibt es schon. Bitte wählen Sie einen anderen Titel."


def _upload(errors: dict) -> tuple[Upload | None, str]:
    """The file of this submit (newly chosen, or kept from the last submit) and its kept reference."""
    return pending_uploads.chosen("datei_upload", request.form.get("datei_vorgemerkt", ""), errors)


def _check_base(name: str) -> None:
    """Refuse before writing the attachment if the tool changed since the form was loaded."""
    stored = current(name)
    base = _form_revid()
    if stored is not None and base is not None and stored[0]["revid"] != base:
        raise EditConflict(name)


def _store_upload(tool: Tool, upload: Upload | None) -> Tool:
    """Save an uploaded file below the tool and point the tool at it."""
    if upload is None:
        return tool
    name = f"{tool.item_name}/{upload.filename}"
    save_attachment(name, upload, comment=f"Datei zu „{tool.titel}“")
    return replace(tool, datei=name)


def _stored_tool(titel: str) -> tuple[Tool, dict, str]:
    meta, text = stored_record_or_abort(TOOL_PREFIX + titel, TOOL_TYPE)
    try:
        tool = tool_from_fields(meta.get(RECORD_FIELDS) or {}, partnerwiki().vocabulary)
    except ToolError:
        abort(409, description="Die gespeicherten Angaben dieses Werkzeugs sind unvollständig; bitte im Wiki-Editor prüfen.")
    return tool, meta, text


@gaa.route("/werkzeug/bearbeiten/<path:titel>", methods=["GET", "POST"])
def edit_tool(titel: str):
    if (login := login_first()) is not None:
        return login
    tool, meta, text = _stored_tool(titel)
    if not flaskg.storage.may(tool.item_name, "write"):
        abort(403)
    page_title = f"Werkzeug bearbeiten: {tool.titel}"
    action = url_for("gaa.edit_tool", titel=titel)
    if request.method == "GET":
        return _render_form(_form_values(tool, long_text_of(text)), {}, title=page_title, action=action, revid=meta["revid"])
    csrf.require_csrf()
    values = _submitted()
    errors: dict[str, str] = input_problems(values)  # also the fields replaced below: nothing with control characters
    values["titel"] = tool.titel  # renaming is moin's job (its rename keeps history)
    values["datei"] = tool.datei  # only an upload changes the attached file
    try:
        edited = tool_from_input(values, partnerwiki().vocabulary, base=tool)
    except ToolError as e:
        errors.update(e.errors)
        edited = None
    _check_long_text(values, errors)
    _check_municipality(values, errors, stored=tool.kommune)
    upload, kept = _upload(errors)
    if edited is not None and not errors:
        try:
            with item_lock(edited.item_name):  # the revision check, the file and the tool: one step
                if upload is not None:
                    _check_base(edited.item_name)
                edited = _store_upload(edited, upload)
                content = page_text(clean_text(values["langtext"]))
                _save_tool(edited, content, "Werkzeug bearbeitet", base_revid=_form_revid())
        except EditConflict:
            errors["_"] = CONFLICT
        except AccessDenied:
            abort(403)
        else:
            pending_uploads.discard(kept)
            flash("Die Änderungen sind gespeichert.", "info")
            return redirect(url_for("frontend.show_item", item_name=edited.item_name))
    revid = request.form.get("revid", "")
    return _render_form(values, errors, title=page_title, action=action, revid=revid, status=400, upload=upload,
                        kept=kept)


QUESTION = "rueckfrage"


@gaa.route("/werkzeug/status/<path:titel>", methods=["POST"])
def decide_tool(titel: str):
    """A moderator's decision (aktion = veroeffentlichen, hervorheben, ablehnen, archivieren) or Rückfrage."""
    if not is_moderator():
        abort(403)
    csrf.require_csrf()
    tool, meta, text = _stored_tool(titel)
    action = request.form.get("aktion", "")
    try:
        if action == QUESTION:
            decided = ask(tool, request.form.get("rueckfrage", ""), flaskg.user.name0)
            comment = "Rückfrage an die vorschlagende Person"
        else:
            decided = decide(tool, action, flaskg.user.name0, request.form.get("begruendung", ""))
            comment = f"Status: {STATUS_LABELS[decided.status]}"
        _save_tool(decided, None, comment, base_revid=_form_revid())
    except ToolError as e:
        flash(" ".join(e.errors.values()), "error")
    except EditConflict:
        flash("Das Werkzeug wurde inzwischen geändert – bitte prüfen Sie es erneut.", "error")
    except AccessDenied:
        abort(403)
    else:
        if action == QUESTION:
            told = " und bekommt sie per E-Mail." if _mail_question(decided) else "."
            who = decided.vorgeschlagen_von or "Die vorschlagende Person"
            flash(f"Die Rückfrage ist gespeichert. {who} sieht sie auf der Seite des Werkzeugs{told}", "info")
        else:
            flash(f"„{tool.titel}“ ist jetzt {STATUS_LABELS[decided.status]}.", "info")
    back = request.form.get("zurueck", "")
    if back != "warteschlange":
        return redirect(url_for("frontend.show_item", item_name=tool.item_name))
    return redirect(url_for("gaa.review_queue"))


def _mail_question(tool: Tool) -> bool:
    """Mail the Rückfrage to the proposer over moin's mail settings, as the subscribers' mails go; True if sent.

    A failing mail is logged and never fails the saved question (it is on the tool's page anyway).
    """
    cfg = current_app.cfg
    users = moin_user.search_users(**{NAME_EXACT: tool.vorgeschlagen_von}) if tool.vorgeschlagen_von else []
    address = users[0].meta.get(EMAIL) if users else None
    if not (cfg.mail_enabled and cfg.mail_from and address):
        return False
    wiki = notification_mail.clean_line(cfg.sitename or cfg.interwikiname, 60)
    title = notification_mail.clean_line(tool.titel, 150)
    message = EmailMessage(policy=notification_mail.MAIL_POLICY)
    message.set_content(
        f"Guten Tag,\n\nzu Ihrem Vorschlag „{title}“ hat die Moderation ({notification_mail.editor_name()}) "
        f"eine Rückfrage:\n\n{tool.rueckfrage}\n\nBitte ergänzen Sie Ihre Angaben mit „Angaben bearbeiten“ "
        f"auf der Seite des Werkzeugs:\n"
        f"{notification_mail.absolute(url_for('frontend.show_item', item_name=tool.item_name))}"
        "\n\nBis dahin bleibt Ihr Vorschlag in der Prüfung.\n"
    )
    message["From"] = cfg.mail_from
    message["To"] = address
    message["Subject"] = f"[{wiki}] Rückfrage zu Ihrem Vorschlag „{title}“"
    message["Auto-Submitted"] = "auto-generated"
    try:
        notification_mail.deliver([message])
    except Exception:  # noqa: BLE001 – the question is stored; the mail is a courtesy
        log.exception("PartnerWiki: the Rückfrage mail for %s failed", tool.item_name)
        return False
    return True


def _when(mtime: int) -> str:
    return day_time(datetime.fromtimestamp(mtime, LOCAL_TIME))


def _revisions(record: Record) -> list:
    """The record's revisions, oldest first (read with the moderator's rights)."""
    item = flaskg.storage.get_item(**split_fqname(record.name).query)
    return sorted(item.iter_revs(), key=lambda rev: int(rev.meta.get(REV_NUMBER) or 0))


def _text_of(rev) -> str:
    try:
        return long_text_of(rev.data.read().decode("utf-8", errors="replace"))
    finally:
        rev.data.close()


def _changes(record: Record, vocabulary) -> dict:
    """When the proposal came in, and what changed since it was last published (else since it was proposed)."""
    revisions = _revisions(record)
    if len(revisions) < 2:
        return {}
    first, last = revisions[0], revisions[-1]
    published = [rev for rev in revisions[:-1] if (rev.meta.get(RECORD_FIELDS) or {}).get("status") in PUBLISHED]
    base = published[-1] if published else first
    since = "seit der Veröffentlichung" if published else "seit dem Vorschlag"
    lines = [line for line in diff_text(_text_of(base).splitlines(), _text_of(last).splitlines()) if line[:1] != "?"]
    if len(lines) > MAX_DIFF_LINES:
        more = len(lines) - MAX_DIFF_LINES
        lines = lines[:MAX_DIFF_LINES] + [f"… ({more} weitere Zeilen in der Versionsgeschichte)"]
    return {
        "vorgeschlagen_am": _when(int(first.meta.get(MTIME) or 0)),
        "seit": f"{since} am {_when(int(base.meta.get(MTIME) or 0))}",
        "felder": field_changes(base.meta.get(RECORD_FIELDS) or {}, record.fields, vocabulary),
        "text": lines,
    }


def _queue_entry(record: Record, vocabulary) -> dict:
    """What the moderation decides on: dates, life phases, recommendations, link or file, the changes."""
    fields = record.fields
    datei = str(fields.get("datei") or "")
    entry = {
        "record": record,
        "vorgeschlagen_am": _when(record.mtime),
        "geaendert_am": _when(record.mtime),
        "lebensphasen": shown_values("lebensphasen", fields.get("lebensphasen"), vocabulary),
        "empfehlungen": shown_values("empfehlungen", fields.get("empfehlungen"), vocabulary),
        "art": shown_values("art", fields.get("art"), vocabulary),
        "link": str(fields.get("link") or "") if not check_link(str(fields.get("link") or "")) else "",
        "datei": datei,
        "bild": datei.lower().endswith(IMAGE_TYPES),
        "rueckfrage_am": day(date.fromisoformat(fields["rueckfrage_am"])) if fields.get("rueckfrage_am") else "",
        "seit": "",
        "felder": [],
        "text": [],
    }
    if record.rev_number > 1:
        entry.update(_changes(record, vocabulary))
    return entry


@gaa.route("/werkzeugkiste/pruefen")
def review_queue():
    if not is_moderator():
        abort(403)
    with partnerwiki().catalog.reader(ReadRights()) as reader:
        proposals = matching_tools(reader, ToolFilter(status="vorgeschlagen"))
    proposals.sort(key=lambda r: r.mtime)  # oldest first
    vocabulary = partnerwiki().vocabulary
    return render_template(
        "gaa/review_queue.html",
        title_name="Vorschläge prüfen",
        entries=[_queue_entry(record, vocabulary) for record in proposals],
        action_labels=ACTION_LABELS,
    )


EXPORT_COLUMNS = (
    ("titel", "Titel"),
    ("kurzbeschreibung", "Kurzbeschreibung"),
    ("lebensphasen", "Lebensphasen"),
    ("empfehlungen", "Handlungsempfehlungen"),
    ("art", "Art"),
    ("quelle", "Quelle"),
    ("link", "Link"),
    ("jahr", "Jahr"),
    ("kommune", "Kommune"),
    ("land", "Land"),
    ("status", "Status"),
)
LIST_OF = {"lebensphasen": "life_phases", "empfehlungen": "recommendations", "art": "material_kinds", "land": "laender"}


def _export_rows(records):
    """Rows of readable values; labels and the page URL prefix are looked up once, not per row."""
    vocabulary = partnerwiki().vocabulary
    labels = {key: {t.key: t.label for t in vocabulary.terms(list_name)} for key, list_name in LIST_OF.items()}
    page_url = page_url_prefix()
    for record in records:
        row = {}
        for key, _label in EXPORT_COLUMNS:
            value = record.fields.get(key, "")
            if key in labels and value:
                keys = value if isinstance(value, list) else [value]
                value = "; ".join(labels[key].get(k, k) for k in keys)
            elif key == "status":
                value = STATUS_LABELS.get(str(value), str(value))
            row[key] = "" if value is None else str(value)
        row["seite"] = page_url(record.name)
        yield row


def _filtered_tools():
    tool_filter, errors = parse_filter(request.args, partnerwiki().vocabulary, may_see_all=is_moderator())
    if errors:
        abort(400, description=" ".join(errors))
    with partnerwiki().catalog.reader(ReadRights()) as reader:
        return matching_tools(reader, tool_filter)


@gaa.route("/export/werkzeugkiste.csv")
def export_tools_csv():
    return csv_response("werkzeugkiste.csv", EXPORT_COLUMNS, _export_rows(_filtered_tools()))


@gaa.route("/export/werkzeugkiste.json")
def export_tools_json():
    return jsonify(list(_export_rows(_filtered_tools())))
