"""Gesprächsräume: create a group space, join or request to join, manage members (``/+gaa/gruppe/…``).

Moderators (the wiki's ``Moderatoren``) create groups; a group's own moderators and the wiki's
manage its members and approve requests.  Members are the moin group
``Gruppen/<Name>/Mitglieder``, so every ACL in the space follows a change at once.
"""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask import g as flaskg
from whoosh.query import Term

from moin_gaa.core.access import is_moderator
from moin_gaa.core.accounts import account_exists, account_problem
from moin_gaa.core.app_state import partnerwiki
from moin_gaa.core.items import (
    AccessDenied,
    AlreadyExists,
    EditConflict,
    current,
    save_item,
    save_record,
    workflow_rights,
)
from moin_gaa.core.text_input import normalise_name, text_problem, too_long
from moin_gaa.discussions.areas import is_member
from moin_gaa.discussions.groups import (
    GROUP_PREFIX,
    GROUP_TYPE,
    JOIN_LABELS,
    VISIBILITY_LABELS,
    Group,
    GroupError,
    group_from_fields,
    group_from_input,
    same_group,
    space_acl,
    space_pages,
)
from moin_gaa.web import csrf, request_groups
from moin_gaa.web.blueprint import gaa, login_first, message_page, render_form, stored_record_or_abort

GROUP_TEXT = "<<DiscussionSpace>>\n"


def user_exists(name: str) -> bool:
    return account_exists(name)


def existing_twin(name: str) -> str | None:
    """The name of an existing group that ``name`` cannot be told apart from (case, spelling, calendar key).

    All groups count, also private ones the creator cannot read: two spaces with one calendar key
    would mix their calendars.
    """
    with partnerwiki().catalog.reader(lambda record: True) as reader:
        groups = reader.records(reader.docs(Term("record_type", GROUP_TYPE)))
    return next((g.title for g in groups if same_group(g.title, name)), None)


def create_space(group: Group, members: list[str]) -> None:
    """The group page with its ACL, then every part below it (see :func:`~moin_gaa.discussions.groups.space_pages`).

    :class:`AlreadyExists` before anything is written if one of these pages exists already: a space
    made of new and old pages would be half ours (an old member list would even decide who is in).
    """
    pages = space_pages(group, members)
    with workflow_rights():
        for name in (group.page, *(name for name, _text, _meta in pages)):
            if _exists(name):
                raise AlreadyExists(name)
        save_record(group.page, GROUP_TEXT, record_type=GROUP_TYPE, fields=group.fields(), summary=group.beschreibung[:200],
                    comment="Gruppe angelegt", acl=space_acl(group), new=True)
        for name, text, meta in pages:
            save_item(name, text, meta_updates=meta, comment="Gesprächsraum angelegt", new=True)


def _exists(name: str) -> bool:
    try:
        return current(name) is not None
    except AccessDenied:  # there, but not readable for the creator
        return True


def _group_or_404(name: str) -> tuple[Group, dict]:
    meta, _text = stored_record_or_abort(GROUP_PREFIX + name, GROUP_TYPE)
    return group_from_fields(meta["gaa_fields"]), meta


def _may_manage(group: Group) -> bool:
    return is_moderator() or (flaskg.user.valid and flaskg.user.name0 in group.moderatoren)


def change_members(group: Group, add: tuple[str, ...] = (), remove: tuple[str, ...] = ()) -> None:
    """Add/remove members on the member list (retried once if two changes meet)."""
    for attempt in range(2):
        meta, text = current(group.members_item) or ({}, "")
        members = [m for m in meta.get("usergroup", []) if m not in remove]
        members += [m for m in add if m not in members]
        try:
            with workflow_rights():
                save_item(group.members_item, text, meta_updates={"usergroup": members}, comment="Mitglieder geändert",
                          base_revid=meta.get("revid"))
            request_groups.forget()
            return
        except EditConflict:
            if attempt:
                raise


def _change_requests(group: Group, add: tuple[str, ...] = (), remove: tuple[str, ...] = ()) -> None:
    """Add/remove join requests on the stored group (read and written under the item's lock, so two
    requests at once are both kept); the page's text, summary and other fields stay as they are."""

    def requests(stored: dict) -> dict:
        waiting = [r for r in stored.get("anfragen") or () if r not in remove]
        return {"anfragen": waiting + [r for r in add if r not in waiting]}

    with workflow_rights():
        save_record(group.page, None, record_type=GROUP_TYPE, fields=requests, summary=None,
                    comment="Beitrittsanfragen geändert")


@gaa.route("/gruppe/neu", methods=["GET", "POST"])
def new_group():
    if (login := login_first()) is not None:
        return login
    if not is_moderator():
        abort(403)
    values = {"sichtbarkeit": "privat", "beitritt": "anfrage", "moderatoren": flaskg.user.name0}
    errors: dict[str, str] = {}
    if request.method == "POST":
        csrf.require_csrf()
        values = {k: request.form.get(k, "") for k in ("name", "beschreibung", "sichtbarkeit", "beitritt")}
        values["moderatoren"] = ", ".join(request.form.getlist("moderatoren"))  # one name per field (or a comma list)
        try:
            group = group_from_input(values, known_users=user_exists)
            if twin := existing_twin(group.name):
                raise GroupError({"name": f"Es gibt schon die Gruppe „{twin}“; Namen, die sich nur in Groß- und Klein"
                                          "schreibung, Leer- oder Bindestrichen unterscheiden, sind nicht möglich."})
            create_space(group, list(dict.fromkeys([*group.moderatoren, flaskg.user.name0])))
        except GroupError as e:
            errors = e.errors
        except AlreadyExists:
            errors = {"name": "Eine Gruppe (oder Seite) mit diesem Namen gibt es schon."}
        else:
            flash("Der Gesprächsraum ist angelegt.", "info")
            return redirect(url_for("frontend.show_item", item_name=group.page))
    return render_form("gaa/group_form.html", values, errors, title="Gesprächsraum anlegen", action=url_for("gaa.new_group"),
                       status=400 if errors else 200, visibilities=VISIBILITY_LABELS, policies=JOIN_LABELS)


@gaa.route("/gruppe/<path:name>/beitreten", methods=["POST"])
def join_group(name: str):
    """Join an open group, or ask to join one „auf Anfrage“; groups „nur auf Einladung“ refuse."""
    if (login := login_first()) is not None:
        return login
    csrf.require_csrf()
    group, _meta = _group_or_404(name)
    back = url_for("frontend.show_item", item_name=group.page)
    user = flaskg.user.name0
    if is_member(group):
        return redirect(back)
    if group.beitritt == "offen":
        change_members(group, add=(user,))
        flash("Willkommen! Sie sind jetzt Mitglied der Gruppe.", "info")
    elif group.beitritt == "anfrage":
        if user not in group.anfragen:
            _change_requests(group, add=(user,))
        flash("Ihre Anfrage ist gestellt; die Moderation der Gruppe entscheidet darüber.", "info")
    else:
        return message_page("Beitreten", "Dieser Gruppe tritt man nur auf Einladung der Moderation bei.", 403, back)
    return redirect(back)


@gaa.route("/gruppe/<path:name>/austreten", methods=["POST"])
def leave_group(name: str):
    if (login := login_first()) is not None:
        return login
    csrf.require_csrf()
    group, _meta = _group_or_404(name)
    change_members(group, remove=(flaskg.user.name0,))
    flash("Sie sind aus der Gruppe ausgetreten.", "info")
    return redirect(url_for("frontend.show_item", item_name="Gesprächsräume"))


@gaa.route("/gruppe/<path:name>/mitglieder", methods=["POST"])
def manage_members(name: str):
    """The group's moderation: aufnehmen (also: approve a request), entfernen, ablehnen (a request)."""
    if (login := login_first()) is not None:
        return login
    csrf.require_csrf()
    group, _meta = _group_or_404(name)
    if not _may_manage(group):
        abort(403)
    back = url_for("frontend.show_item", item_name=group.page)
    action = request.form.get("aktion", "")
    if problem := text_problem(request.form.get("benutzer", "")) or too_long(request.form.get("benutzer", ""), 200):
        return message_page("Mitglieder", problem, 400, back)
    person = normalise_name(request.form.get("benutzer", ""))
    if action == "aufnehmen":
        if problem := account_problem(person):
            return message_page("Mitglied aufnehmen", problem, 400, back)
        change_members(group, add=(person,))
        message = f"{person} ist jetzt Mitglied."
    elif action == "entfernen":
        change_members(group, remove=(person,))
        message = f"{person} ist kein Mitglied mehr."
    elif action == "ablehnen":
        message = f"Die Anfrage von {person} ist abgelehnt."
    else:
        abort(400)
    if person in group.anfragen:
        _change_requests(group, remove=(person,))
    flash(message, "info")
    return redirect(back)
