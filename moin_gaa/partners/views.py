"""Partnerverzeichnis exports under ``/+gaa/export``: exactly the filtered set of the directory.

Contact data appears only as far as the reader may see it (:func:`visible_fields`).
"""

from __future__ import annotations

import re
from dataclasses import replace

from flask import abort, flash, jsonify, redirect, request, url_for
from flask import g as flaskg
from whoosh.query import Term

from moin_gaa.core import pending_uploads
from moin_gaa.core.access import ReadRights, is_moderator
from moin_gaa.core.accounts import account_problem
from moin_gaa.core.app_state import partnerwiki
from moin_gaa.core.attachments import IMAGE_TYPES, Upload, save_attachment
from moin_gaa.core.export import csv_response, page_url_prefix
from moin_gaa.core.items import AccessDenied, AlreadyExists, EditConflict, item_lock, save_record
from moin_gaa.partners.directory import directory_profiles, parse_directory_filter
from moin_gaa.partners.municipalities import (
    DEPARTMENTS,
    MAX_ROWS,
    PROFILE_PREFIX,
    PROFILE_TYPE,
    VISIBILITY_LABELS,
    Profile,
    ProfileError,
    form_to_nested,
    profile_acl,
    profile_acl_after_edit,
    profile_from_fields,
    profile_from_input,
    visible_fields,
)
from moin_gaa.web import csrf
from moin_gaa.web.blueprint import gaa, login_first, render_form, stored_record_or_abort

COLUMNS = (
    ("name", "Name"),
    ("art", "Art"),
    ("land", "Land"),
    ("strategiephase", "Strategiephase"),
    ("partner_seit", "Partner seit"),
    ("einwohner", "Einwohner"),
    ("ressorts", "Ressorts"),
    ("website", "Website"),
    ("kontakte", "Kontakte"),
    ("felder", "Abgedeckte Felder"),
)
LIST_OF = {"art": "municipality_kinds", "land": "laender", "strategiephase": "lewin_phases"}


def _rows():
    vocabulary = partnerwiki().vocabulary
    f, errors = parse_directory_filter(request.args, vocabulary)
    if errors:
        abort(400, description=" ".join(errors))
    with partnerwiki().catalog.reader(ReadRights()) as reader:
        records = reader.records(directory_profiles(reader, f, vocabulary))
    labels = {key: {t.key: t.label for t in vocabulary.terms(list_name)} for key, list_name in LIST_OF.items()}
    prefix = page_url_prefix()
    registered = bool(flaskg.user.valid)
    for record in records:
        fields = visible_fields(record.fields, registered=registered)
        row = {key: fields.get(key) for key, _label in COLUMNS}
        for key, by_key in labels.items():
            row[key] = by_key.get(row[key], row[key] or "")
        row["einwohner"] = "" if row["einwohner"] is None else str(row["einwohner"])
        row["ressorts"] = "; ".join(fields.get("ressorts") or ())
        row["kontakte"] = "; ".join(" ".join(str(v) for v in c.values()) for c in fields["kontakte"])
        row["felder"] = str(len(fields.get("abgedeckte_zellen") or ()))
        row["seite"] = prefix(record.name)
        yield {k: "" if v is None else v for k, v in row.items()}


@gaa.route("/export/kommunen.csv")
def export_municipalities_csv():
    return csv_response("kommunen.csv", COLUMNS, _rows())


@gaa.route("/export/kommunen.json")
def export_municipalities_json():
    return jsonify(list(_rows()))


CONFLICT = (
    "Jemand anderes hat dieses Profil inzwischen geändert – Ihre Änderungen sind noch "
    "nicht gespeichert. Ihre Eingaben sind unten erhalten: öffnen Sie das Profil in einem neuen Tab, tragen Sie "
    "Ihre Änderungen dort in die neue Fassung ein und speichern Sie sie dort."
)
PROFILE_TEXT = "<<MunicipalityProfile>>\n\n<<ChainCoverage>>\n"
ROWS = ("kontakte", "aktivitaeten")  # the repeatable rows of the form
# a row button: „weitere …“ adds an empty row, „… entfernen“ removes one; the form comes back with all input
ROW_BUTTON = re.compile(r"^(kontakte|aktivitaeten)-(neu|\d{1,3}-entfernen)$")
# which folding section of the form shows which field (errors open their section)
SECTIONS = {
    "name": "grunddaten", "art": "grunddaten", "land": "grunddaten", "einwohner": "grunddaten",
    "partner_seit": "grunddaten", "strategiephase": "grunddaten", "strategie": "strategie", "ressorts": "strategie",
    "website": "auftritt", "logo_upload": "auftritt", "redakteure": "auftritt", "kontakte": "kontakte",
    "aktivitaeten": "aktivitaeten",
}


def _may_edit(profile: Profile | None) -> bool:
    if is_moderator():
        return True
    return profile is not None and flaskg.user.valid and flaskg.user.name0 in profile.redakteure


def _values(profile: Profile | None) -> dict:
    if profile is None:
        return {"kontakte": [], "aktivitaeten": [], "ressorts": [], "redakteure": []}
    values = profile.fields()
    values["einwohner"] = "" if profile.einwohner is None else str(profile.einwohner)
    return values


def _open_sections(errors: dict, row: tuple[str, int] | None) -> set[str]:
    """The form's sections shown unfolded: the basic data, every section with an error, the one whose rows changed."""
    sections = {"grunddaten"} | {SECTIONS.get(name.split(".", 1)[0], "grunddaten") for name in errors if name != "_"}
    return sections | {row[0]} if row else sections


def _render(values: dict, errors: dict, *, title: str, action: str, revid: str = "", new: bool, status: int = 200,
            row: tuple[str, int] | None = None, logo: Upload | None = None, kept: str = ""):
    """The profile form; ``row`` is the (rows, index) a row button changed (its field gets the focus),
    ``logo`` a chosen logo that stays chosen (kept on the server, see pending_uploads)."""
    values = dict(values)
    for rows in ROWS:  # an empty row to fill in where there is none
        values[rows] = list(values.get(rows) or []) or [{}]
    if logo is not None:
        values["logo_vorgemerkt"] = kept or pending_uploads.keep(logo, "logo_upload")
    return render_form(
        "gaa/profile_form.html",
        values,
        errors,
        title=title,
        action=action,
        revid=revid,
        status=status,
        new=new,
        moderator=is_moderator(),
        departments=DEPARTMENTS,
        visibility=VISIBILITY_LABELS,
        vocabulary=partnerwiki().vocabulary,
        open_sections=_open_sections(errors, row),
        focus_row=row,
        kept_logo=logo.filename if logo else "",
        max_rows=MAX_ROWS,
    )


def _row_button(data: dict) -> tuple[str, int] | None:
    """Apply a pressed row button to ``data``: (rows, index of the row to focus, -1 for the „weitere“ button)."""
    match = ROW_BUTTON.match(request.form.get("zeile", ""))
    if match is None:
        return None
    rows_name, what = match.groups()
    rows = list(data.get(rows_name) or [])
    if what == "neu":
        if len(rows) < MAX_ROWS:
            rows.append({})
        data[rows_name] = rows
        return rows_name, len(rows) - 1
    index = int(what.split("-", 1)[0])
    data[rows_name] = rows[:index] + rows[index + 1:]
    return rows_name, -1


def _stored_profile(name: str) -> tuple[Profile, dict, str]:
    stored = stored_record_or_abort(PROFILE_PREFIX + name, PROFILE_TYPE)
    try:
        return profile_from_fields(stored[0].get("gaa_fields") or {}, partnerwiki().vocabulary), stored[0], stored[1]
    except ProfileError:
        abort(409, description="Die gespeicherten Angaben dieses Profils sind unvollständig.")


def _name_taken(name: str) -> bool:
    """A profile of that name exists already, compared without case („stadt münster“ = „Stadt Münster“)."""
    with partnerwiki().catalog.reader(ReadRights()) as reader:
        profiles = reader.records(reader.docs(Term("record_type", PROFILE_TYPE)))
    return any(r.title.casefold() == name.casefold() for r in profiles)


def _chosen_logo(errors: dict) -> tuple[Upload | None, str]:
    """The logo of this submit (newly chosen, or kept from the last submit) and its kept reference."""
    return pending_uploads.chosen("logo_upload", request.form.get("logo_vorgemerkt", ""), errors, IMAGE_TYPES)


def _with_logo(profile: Profile, upload: Upload | None) -> Profile:
    if upload is None:
        return profile
    ext = upload.filename.rsplit(".", 1)[-1]
    return replace(profile, logo=f"{profile.item_name}/Logo.{ext}")


def _default_summary(fields) -> str:
    return f"Profil der Partnerkommune {fields.get('name', '')}"


def _save_profile(profile: Profile, comment: str, *, before: Profile | None = None, **kwargs) -> None:
    """Save the profile; an edit (``before``: the stored profile) keeps the wiki text, a summary written
    by hand and the parts of the ACL that are not the editors' (see :func:`profile_acl_after_edit`)."""
    save_record(
        profile.item_name,
        PROFILE_TEXT if before is None else None,
        record_type=PROFILE_TYPE,
        fields=profile.fields(),
        summary=_default_summary({"name": profile.name}),
        summary_of=_default_summary,
        comment=comment,
        acl=profile_acl(profile) if before is None else lambda stored: profile_acl_after_edit(stored, before, profile),
        **kwargs,
    )


@gaa.route("/kommune/neu", methods=["GET", "POST"])
def new_profile():
    if (login := login_first()) is not None:
        return login
    if not is_moderator():
        abort(403)
    title = "Partnerkommune anlegen"
    action = url_for("gaa.new_profile")
    if request.method == "GET":
        return _render(_values(None), {}, title=title, action=action, new=True)
    csrf.require_csrf()
    data = form_to_nested(request.form, request.form.getlist)
    errors: dict[str, str] = {}
    logo, kept = _chosen_logo(errors)
    if (row := _row_button(data)) is not None:
        return _render(data, errors, title=title, action=action, new=True, row=row, logo=logo, kept=kept)
    try:
        profile = profile_from_input(data, partnerwiki().vocabulary, editor_problem=account_problem)
        if _name_taken(profile.name):
            raise AlreadyExists(profile.name)
        if errors:
            raise ProfileError(errors)
        profile = _with_logo(profile, logo)
        _save_profile(profile, "Profil angelegt", new=True)
        if logo is not None:
            save_attachment(profile.logo, logo, comment="Logo")
    except ProfileError as e:
        errors.update(e.errors)
        return _render(data, errors, title=title, action=action, new=True, status=400, logo=logo, kept=kept)
    except AlreadyExists:
        errors["name"] = "Ein Profil mit diesem Namen gibt es schon."
        return _render(data, errors, title=title, action=action, new=True, status=400, logo=logo, kept=kept)
    pending_uploads.discard(kept)
    flash("Das Profil ist angelegt.", "info")
    return redirect(url_for("frontend.show_item", item_name=profile.item_name))


@gaa.route("/kommune/bearbeiten/<path:name>", methods=["GET", "POST"])
def edit_profile(name: str):
    if (login := login_first()) is not None:
        return login
    profile, meta, text = _stored_profile(name)
    if not _may_edit(profile):
        abort(403)
    title = f"Profil bearbeiten: {profile.name}"
    action = url_for("gaa.edit_profile", name=name)
    if request.method == "GET":
        return _render(_values(profile), {}, title=title, action=action, revid=meta["revid"], new=False)
    csrf.require_csrf()
    data = form_to_nested(request.form, request.form.getlist)
    data["name"] = profile.name  # renaming is moin's job
    errors: dict[str, str] = {}
    logo, kept = _chosen_logo(errors)
    revid = request.form.get("revid", "")
    if (row := _row_button(data)) is not None:
        return _render(data, errors, title=title, action=action, revid=revid, new=False, row=row, logo=logo, kept=kept)
    try:
        editors = data["redakteure"] if is_moderator() else None  # only the moderation names the editors
        edited = profile_from_input(
            data, partnerwiki().vocabulary, base=profile, editors=editors, editor_problem=account_problem
        )
        if errors:
            raise ProfileError(errors)
        edited = _with_logo(replace(edited, logo=profile.logo), logo)  # only an upload changes the logo
        with item_lock(edited.item_name):  # the revision check, the logo and the profile: one step
            _save_profile(edited, "Profil bearbeitet", before=profile, base_revid=revid or None)
            if logo is not None:
                save_attachment(edited.logo, logo, comment="Logo")
    except (ProfileError, EditConflict) as e:
        errors.update(e.errors if isinstance(e, ProfileError) else {"_": CONFLICT})
        return _render(data, errors, title=title, action=action, revid=revid, new=False, status=400, logo=logo,
                       kept=kept)
    except AccessDenied:
        abort(403)
    pending_uploads.discard(kept)
    flash("Das Profil ist gespeichert.", "info")
    return redirect(url_for("frontend.show_item", item_name=profile.item_name))
