"""Partnerverzeichnis exports under ``/+gaa/export``: exactly the filtered set of the directory.

Contact data appears only as far as the reader may see it (:func:`visible_fields`).
"""

from __future__ import annotations

from dataclasses import replace

from flask import abort, flash, jsonify, redirect, request, url_for
from flask import g as flaskg
from whoosh.query import Term

from moin_gaa.core.access import ReadRights, is_moderator
from moin_gaa.core.accounts import account_problem
from moin_gaa.core.app_state import partnerwiki
from moin_gaa.core.attachments import IMAGE_TYPES, AttachmentError, Upload, check_upload, save_attachment
from moin_gaa.core.export import csv_response, page_url_prefix
from moin_gaa.core.items import AccessDenied, AlreadyExists, EditConflict, item_lock, save_record
from moin_gaa.partners.directory import directory_query, parse_directory_filter, sort_profiles
from moin_gaa.partners.municipalities import (
    DEPARTMENTS,
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
        records = sort_profiles(reader.records(reader.docs(directory_query(f, reader.catalog))), f.sort, vocabulary)
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
EMPTY_ROWS = 2


def _may_edit(profile: Profile | None) -> bool:
    if is_moderator():
        return True
    return profile is not None and flaskg.user.valid and flaskg.user.name0 in profile.redakteure


def _values(profile: Profile | None) -> dict:
    if profile is None:
        return {"kontakte": [{}] * EMPTY_ROWS, "aktivitaeten": [{}] * EMPTY_ROWS, "ressorts": [], "redakteure": []}
    values = profile.fields()
    values["einwohner"] = "" if profile.einwohner is None else str(profile.einwohner)
    values["kontakte"] = list(values["kontakte"]) + [{}] * EMPTY_ROWS
    values["aktivitaeten"] = list(values["aktivitaeten"]) + [{}] * EMPTY_ROWS
    return values


def _render(values: dict, errors: dict, *, title: str, action: str, revid: str = "", new: bool, status: int = 200):
    values = dict(values)
    values["kontakte"] = list(values.get("kontakte") or []) or [{}] * EMPTY_ROWS
    values["aktivitaeten"] = list(values.get("aktivitaeten") or []) or [{}] * EMPTY_ROWS
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
    )


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


def _with_logo(profile: Profile, errors: dict) -> tuple[Profile, Upload | None]:
    file = request.files.get("logo_upload")
    try:
        upload = check_upload(file.filename if file else None, file.stream if file else None, IMAGE_TYPES)
    except AttachmentError as e:
        errors["logo_upload"] = str(e)
        return profile, None
    if upload is None:
        return profile, None
    ext = upload.filename.rsplit(".", 1)[-1]
    return replace(profile, logo=f"{profile.item_name}/Logo.{ext}"), upload


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
    try:
        profile = profile_from_input(data, partnerwiki().vocabulary, editor_problem=account_problem)
        if _name_taken(profile.name):
            raise AlreadyExists(profile.name)
        errors: dict[str, str] = {}
        profile, logo = _with_logo(profile, errors)
        if errors:
            raise ProfileError(errors)
        _save_profile(profile, "Profil angelegt", new=True)
        if logo is not None:
            save_attachment(profile.logo, logo, comment="Logo")
    except ProfileError as e:
        return _render(data, e.errors, title=title, action=action, new=True, status=400)
    except AlreadyExists:
        errors = {"name": "Ein Profil mit diesem Namen gibt es schon."}
        return _render(data, errors, title=title, action=action, new=True, status=400)
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
    try:
        editors = data["redakteure"] if is_moderator() else None  # only the moderation names the editors
        edited = profile_from_input(
            data, partnerwiki().vocabulary, base=profile, editors=editors, editor_problem=account_problem
        )
        edited = replace(edited, logo=profile.logo)  # only an upload changes the logo
        errors: dict[str, str] = {}
        edited, logo = _with_logo(edited, errors)
        if errors:
            raise ProfileError(errors)
        with item_lock(edited.item_name):  # the revision check, the logo and the profile: one step
            _save_profile(edited, "Profil bearbeitet", before=profile, base_revid=request.form.get("revid") or None)
            if logo is not None:
                save_attachment(edited.logo, logo, comment="Logo")
    except ProfileError as e:
        return _render(data, e.errors, title=title, action=action, revid=request.form.get("revid", ""), new=False, status=400)
    except EditConflict:
        errors = {"_": CONFLICT}
        return _render(data, errors, title=title, action=action, revid=request.form.get("revid", ""), new=False, status=400)
    except AccessDenied:
        abort(403)
    flash("Das Profil ist gespeichert.", "info")
    return redirect(url_for("frontend.show_item", item_name=profile.item_name))
