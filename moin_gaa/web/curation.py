"""Curation against moin's own actions: who may delete, rename, convert, destroy, revert or write what.

moin knows one right for editing, renaming, deleting, converting and reverting – ``write`` – and
registered users need it: they edit wiki pages, and our forms save tools and events with their
rights.  So moin's ACLs cannot say „edit through the form, but do not delete“.  This module says it
for moin's endpoints (a ``before_request`` guard) and for what moin offers (the theme's item views
ask :func:`offer`; the history page gets a narrowed ``may``):

- **records** (tools, profiles, events, groups, threads, posts, Online-Diskussionen) change only
  through our forms; moin's editor on a record leads to the record's form.  Deleting, renaming,
  converting, destroying and reverting them is the moderation's – the proposer may withdraw
  (delete) a tool while it is still proposed;
- the **instrument and background pages** (Startseite, Werkzeugkiste, Matrix, …,
  Handlungsempfehlungen/…, Lebensphasen/…) stay editable, but only the moderation deletes,
  renames, converts, destroys or reverts them;
- **news** (``Aktuelles`` and the pages below it) are published by the moderation: nobody else creates,
  changes, deletes or renames them;
- **where records live** (``Werkzeugkiste/…``, ``Kommunen/…``, ``Termine/…``, ``Online-Diskussionen/…``,
  ``Gruppen/<Gruppe>`` and the calendar and discussion of a group) nobody but the moderation
  creates pages with moin's editor, uploads or renames pages into;
- a page may not be deleted, renamed or destroyed together with protected pages below it.

„The moderation“ is ``Moderatoren`` and the administrators; inside a group space also the
group's own moderators (except for the space's skeleton: group page, member list, discussion,
documents and calendar pages).  moin's own ACL check still follows ours: ACL changes need moin's
``admin`` right, destroying its ``destroy`` right, as configured in ``wikiconfig.py``.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from typing import Any, Iterable, Mapping
from urllib.parse import unquote

from flask import Flask, before_render_template, flash, jsonify, redirect, request, url_for
from flask import g as flaskg
from moin.constants.keys import ACL, CURRENT, NAME, NAME_EXACT, NAME_OLD, NAMESPACE
from moin.items import acl_validate
from moin.storage.middleware.exceptions import AccessDenied
from moin.themes import render_template
from moin.utils.names import split_fqname
from werkzeug.utils import secure_filename
from whoosh.query import And, Or, Prefix, Term

from moin_gaa.calendars.events import EVENT_PREFIX, EVENT_TYPE
from moin_gaa.core.access import is_moderator
from moin_gaa.core.records import RECORD_FIELDS, RECORD_TYPE
from moin_gaa.discussions.groups import GROUP_PREFIX, GROUP_TYPE, SPACE_PARTS
from moin_gaa.discussions.threads import (
    GROUP_AREA,
    ONLINE_PREFIX,
    ONLINE_TYPE,
    POST_TYPE,
    RESULTS_PAGE,
    SUMMARY_PAGE,
    THREAD_TYPE,
)
from moin_gaa.partners.municipalities import PROFILE_PREFIX, PROFILE_TYPE
from moin_gaa.portal.news import NEWS_AREA
from moin_gaa.toolbox.tools import TOOL_PREFIX, TOOL_TYPE

# records that our forms and workflows write
FORM_RECORD_TYPES = frozenset({TOOL_TYPE, PROFILE_TYPE, EVENT_TYPE, GROUP_TYPE, THREAD_TYPE, POST_TYPE, ONLINE_TYPE})
# the instruments, the containers of records and other pages the wiki is built on
INSTRUMENT_PAGES = frozenset({
    "Startseite", "Werkzeugkiste", "Matrix", "Partnerverzeichnis", "Netzwerkkalender", "Gesprächsräume",
    "Online-Diskussionen", "Kommunen", "Termine", "Gruppen", "Personen", "Über den Partnerprozess",
})
# background pages: the page itself and everything below it
BACKGROUND_PAGES = (
    "Handlungsempfehlungen", "Lebensphasen", "Strategiephasen", "Koordinierungsstellen",
    "Politische Papiere und Rechtsgrundlagen", "Hilfe",
)
# texts the operator answers for (legal information, what BITV 2.0 asks of public bodies): only the moderation edits
OPERATOR_PAGES = frozenset({"Datenschutzerklärung", "Erklärung zur Barrierefreiheit", "Leichte Sprache"})
# below these, pages are records or parts of records (attachments, a discussion's pages)
RECORD_AREAS = (TOOL_PREFIX, PROFILE_PREFIX, EVENT_PREFIX, ONLINE_PREFIX)
# the skeleton of a group space, created with the group (see groups.space_pages)
SPACE_SKELETON = frozenset({"Mitglieder", *SPACE_PARTS, f"{GROUP_AREA}/{RESULTS_PAGE}", f"{GROUP_AREA}/{SUMMARY_PAGE}"})

FREE, PAGE, SKELETON, RECORD, RESERVED, OPERATOR, NEWS = (
    "frei", "Seite", "Gerüst", "Eintrag", "reserviert", "Betreiber", "Meldung")

ACTION_LABELS = {
    "delete": "löschen",
    "rename": "umbenennen",
    "convert": "in ein anderes Format umwandeln",
    "destroy": "endgültig vernichten",
    "revert": "auf eine frühere Fassung zurücksetzen",
    "modify": "mit dem Wiki-Editor ändern",
    "create": "hier mit dem Wiki-Editor oder per Hochladen anlegen",
    "upload": "durch eine hochgeladene Datei ersetzen",
    "acl": "mit neuen Zugriffsrechten versehen",
}
# what may happen to an item of each kind without being its curator
OPEN_ACTIONS = {FREE: frozenset(ACTION_LABELS), PAGE: frozenset({"modify", "create"}), SKELETON: frozenset({"modify"}),
                RECORD: frozenset(), RESERVED: frozenset(), OPERATOR: frozenset(), NEWS: frozenset()}


@dataclass(frozen=True)
class Place:
    """Where an item is, as far as curation goes."""

    name: str
    kind: str
    space: str | None = None  # „Gruppen/<Gruppe>“ if the group's moderation curates it
    owner: str | None = None  # the tool this item is (part of), for the proposer's withdrawal


def place(name: str, meta: Mapping[str, Any] | None = None) -> Place:
    """Classify the item ``name`` (``meta``: its current metadata, None for a free name)."""
    record_type = (meta or {}).get(RECORD_TYPE)
    owner = name.split("/", 2)[:2] if name.startswith(TOOL_PREFIX) else None
    tool = "/".join(owner) if owner and len(owner) == 2 else None
    if name.startswith(GROUP_PREFIX):
        group, _, rest = name[len(GROUP_PREFIX):].partition("/")
        space = GROUP_PREFIX + group
        if not rest:
            return Place(name, RECORD if record_type == GROUP_TYPE else RESERVED)
        if rest in SPACE_SKELETON:
            return Place(name, SKELETON)
        if record_type in FORM_RECORD_TYPES:
            return Place(name, RECORD, space=space)
        if rest.startswith((GROUP_AREA + "/", "Termine/")):
            return Place(name, RESERVED, space=space)
        return Place(name, FREE)
    if record_type in FORM_RECORD_TYPES:
        return Place(name, RECORD, owner=tool)
    if name.startswith(RECORD_AREAS):
        return Place(name, RESERVED, owner=tool)
    if name.split("/", 1)[0] in OPERATOR_PAGES:
        return Place(name, OPERATOR)
    if name.split("/", 1)[0] == NEWS_AREA:
        return Place(name, NEWS)
    if record_type or name in INSTRUMENT_PAGES or name.split("/", 1)[0] in BACKGROUND_PAGES:
        return Place(name, PAGE)
    return Place(name, FREE)


def _read_meta(name: str) -> dict[str, Any] | None:
    """The current metadata of ``name`` with the user's rights (None: no such item or not readable)."""
    try:
        item = flaskg.storage.get_item(**split_fqname(name).query)
        return dict(item[CURRENT].meta) if item else None
    except (AccessDenied, KeyError):
        return None


def _names(item_name: str, meta: Mapping[str, Any] | None) -> list[str]:
    if meta:
        return list(meta.get(NAME) or meta.get(NAME_OLD) or ()) or [split_fqname(item_name).value]
    return [split_fqname(item_name).value]


def _group_moderators(space: str) -> tuple[str, ...]:
    cache = flaskg.__dict__.setdefault("gaa_group_moderators", {})
    if space not in cache:
        meta = _read_meta(space) or {}
        fields = meta.get(RECORD_FIELDS) or {}
        cache[space] = tuple(fields.get("moderatoren") or ()) if meta.get(RECORD_TYPE) == GROUP_TYPE else ()
    return cache[space]


def _curates(where: Place) -> bool:
    if is_moderator():
        return True
    user = flaskg.user
    return bool(where.space and user.valid and user.name0 in _group_moderators(where.space))


def _own_proposal(where: Place) -> bool:
    """Is ``where`` (part of) a tool that the current user proposed and that is still proposed?"""
    if not where.owner or not flaskg.user.valid:
        return False
    meta = _read_meta(where.owner) or {}
    fields = meta.get(RECORD_FIELDS) or {}
    return (meta.get(RECORD_TYPE) == TOOL_TYPE and fields.get("status") == "vorgeschlagen"
            and fields.get("vorgeschlagen_von") == flaskg.user.name0)


def refusal(action: str, where: Place) -> str | None:
    """Why the current user may not ``action`` the item at ``where`` (German), or None if they may."""
    if action in OPEN_ACTIONS[where.kind] or _curates(where):
        return None
    if action == "delete" and _own_proposal(where):
        return None
    what = {
        RECORD: "wird über die Formulare des PartnerWiki gepflegt",
        RESERVED: "liegt in einem Bereich, den die Formulare des PartnerWiki pflegen",
        PAGE: "gehört zum Grundgerüst des PartnerWiki",
        SKELETON: "gehört zum Grundgerüst des Gesprächsraums",
        OPERATOR: "ist eine Erklärung des Betreibers",
        NEWS: "gehört zu „Aktuelles“, den Meldungen der Moderation",
        FREE: "ist geschützt",
    }[where.kind]
    return f"„{where.name}“ {what}: {ACTION_LABELS[action]} darf nur die Moderation."


# --- the guard on moin's endpoints ------------------------------------------------------------------------------


class Refused(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _check(action: str, item_name: str, *, with_subitems: bool = False) -> Mapping[str, Any] | None:
    """Raise :class:`Refused` unless the user may ``action`` the item (and its subitems); return its meta."""
    meta = _read_meta(item_name)
    for name in _names(item_name, meta):
        if (message := refusal(action, place(name, meta))) is not None:
            raise Refused(message)
    if with_subitems and meta:
        _check_subitems(action, item_name, meta)
    return meta


def _check_subitems(action: str, item_name: str, meta: Mapping[str, Any]) -> None:
    """Pages below the item go with it (moin renames them always, deletes and destroys them on request)."""
    names = _names(item_name, meta)
    query = And([Term(NAMESPACE, meta.get(NAMESPACE, "")), Or([Prefix(NAME_EXACT, n + "/") for n in names])])
    for sub in flaskg.unprotected_storage.search_meta(query, limit=None):
        for name in sub.get(NAME) or ():
            # a subitem's kind follows from its name: records only live where records live
            if (message := refusal(action, place(name))) is not None:
                raise Refused(message + " (Die Seite hat geschützte Unterseiten.)")


def _check_targets(names: Iterable[str]) -> None:
    """New names (rename, moin's editor, uploads) must not land where only forms and the moderation write."""
    for name in names:
        if name and (message := refusal("create", place(name, _read_meta(name)))) is not None:
            raise Refused(message)


def _form_names(value: str) -> list[str]:
    return [n for n in re.split(r"\s*,\s*", value.strip()) if n]


def _check_modify(item_name: str) -> Any:
    meta = _read_meta(item_name)
    names = _names(item_name, meta)
    if request.method == "POST" and meta and "meta_form_name" in request.form:
        new_names = _form_names(request.form["meta_form_name"])
        if new_names and set(new_names) != set(names):  # moin's editor renames through its name field
            _check("rename", item_name, with_subitems=True)
            _check_targets(n for n in new_names if n not in names)
    if request.method == "POST" and "meta_form_acl" in request.form:
        sent = request.form["meta_form_acl"].strip()
        new_acl = None if sent == "None" else ("" if sent == "Empty" else sent)
        if new_acl != (meta or {}).get(ACL) and not flaskg.user.may.admin(split_fqname(item_name)):
            raise Refused(f"„{names[0]}“: Zugriffsrechte ändert nur, wer dafür berechtigt ist (die Moderation).")
    action = "modify" if meta else "create"
    for name in names:
        where = place(name, meta)
        message = refusal(action, where)
        if message is None:
            continue
        if request.method in ("GET", "HEAD") and (target := _form_url(where, meta)):
            flash("Dieser Eintrag wird über sein Formular bearbeitet.", "info")
            return redirect(target)
        raise Refused(message)
    return None


def _form_url(where: Place, meta: Mapping[str, Any] | None) -> str | None:
    """Our form for the record at ``where`` (or for a new record there), if there is one."""
    fields = (meta or {}).get(RECORD_FIELDS) or {}
    record_type = (meta or {}).get(RECORD_TYPE)
    name = where.name
    if record_type == TOOL_TYPE and fields.get("titel"):
        return url_for("gaa.edit_tool", titel=fields["titel"])
    if record_type == PROFILE_TYPE and name.startswith(PROFILE_PREFIX):
        return url_for("gaa.edit_profile", name=name[len(PROFILE_PREFIX):])
    if record_type == EVENT_TYPE:
        return url_for("gaa.edit_event", name=name)
    if record_type == POST_TYPE:
        return url_for("gaa.edit_post_view", post_name=name)
    if meta is None and name.startswith(TOOL_PREFIX) and name.count("/") == 1:
        return url_for("gaa.propose_tool")
    if meta is None and name.startswith(EVENT_PREFIX) and name.count("/") == 1:
        return url_for("gaa.new_event")
    return None


def _ajax_names() -> list[str]:
    try:
        names = json.loads(request.values.get("itemnames") or "[]")
    except ValueError:
        return []
    return [unquote(str(n)) for n in names] if isinstance(names, list) else []


def _upload_target(item_name: str) -> str | None:
    upload = request.files.get("file_storage")
    if upload is None or not upload.filename:
        return None
    file_name = secure_filename(os.path.basename(upload.filename))
    return f"{item_name}/{file_name}" if item_name else file_name


def _guarded(endpoint: str, args: Mapping[str, Any]) -> Any:
    """Raise :class:`Refused` (or return a redirect) for a moin action the user may not take."""
    item_name = str(args.get("item_name") or "")
    if endpoint == "frontend.delete_item":
        _check("delete", item_name, with_subitems=True)
    elif endpoint == "frontend.rename_item":
        meta = _check("rename", item_name, with_subitems=True)
        if request.method == "POST":
            _check_targets(n for n in _form_names(request.form.get("target", "")) if n not in _names(item_name, meta))
    elif endpoint == "frontend.convert_item":
        _check("convert", item_name)
    elif endpoint == "frontend.destroy_item":
        _check("destroy", item_name, with_subitems=True)
    elif endpoint == "frontend.revert_item":
        _check("revert", item_name)
        try:  # the revision to go back to may have been a record, or have had other names
            old = dict(flaskg.storage.get_item(**split_fqname(item_name).query)[args["rev"]].meta)
        except (AccessDenied, KeyError):
            old = None
        if old:
            for name in _names(item_name, old):
                if (message := refusal("revert", place(name, old))) is not None:
                    raise Refused(message)
    elif endpoint == "frontend.modify_item" or (endpoint == "frontend.show_item" and request.method == "POST"):
        return _check_modify(item_name)
    elif endpoint in ("frontend.ajaxdelete", "frontend.ajaxdestroy"):
        action = "delete" if endpoint == "frontend.ajaxdelete" else "destroy"
        for name in _ajax_names():
            _check(action, name, with_subitems=True)
    elif endpoint == "frontend.jfu_server":
        target = _upload_target(item_name)
        if target is not None and _read_meta(target) is not None:
            _check("upload", target)
        elif target is not None:
            _check_targets([target])
    elif endpoint == "frontend.comment":
        _check_targets([f"{request.form.get('refers_to', '')}/comment"])
    return None


GUARDED = frozenset({
    "frontend.delete_item", "frontend.rename_item", "frontend.convert_item", "frontend.destroy_item",
    "frontend.revert_item", "frontend.modify_item", "frontend.show_item", "frontend.ajaxdelete",
    "frontend.ajaxdestroy", "frontend.jfu_server", "frontend.comment",
})


def guard_moin_actions():
    """``before_request``: refuse moin's actions that curation does not allow the current user."""
    if request.endpoint not in GUARDED or (request.endpoint == "frontend.show_item" and request.method != "POST"):
        return None
    if request.endpoint == "frontend.convert_item" and not _may_write():
        # moin's convert checks no right before it writes (AccessDenied inside: a 500)
        return _refused_response("Umwandeln darf nur, wer die Seite bearbeiten darf.")
    if not is_moderator():  # the moderation may do everything; moin's ACLs decide the rest
        try:
            answer = _guarded(request.endpoint, request.view_args or {})
        except Refused as refused:
            return _refused_response(refused.message)
        if answer is not None:
            return answer
    if request.endpoint == "frontend.modify_item":
        return _acl_moin_cannot_save()
    return None


def _may_write() -> bool:
    item_name = str((request.view_args or {}).get("item_name") or "")
    return bool(flaskg.user.may.write(split_fqname(item_name)))


def _acl_moin_cannot_save():
    """moin's editor fails with a 500 on ACLs that name users with a space (its validator splits at blanks).

    Our profile ACLs name editors as „Vorname Nachname“, which moin's ACL code itself reads correctly:
    such a record is edited in its form (GET leads there), and a POST gets a German 400 instead of the 500.
    """
    item_name = str((request.view_args or {}).get("item_name") or "")
    if request.method == "POST":
        sent = request.form.get("meta_form_acl")
        if sent is not None and not acl_validate(sent):
            page = render_template("gaa/message.html", title_name="Zugriffsrechte nicht gespeichert",
                                   heading="Zugriffsrechte nicht gespeichert", message=(
                                       "Der Wiki-Editor kann Zugriffsrechte nur für Namen ohne Leerzeichen speichern "
                                       "(Form: Name:read,write Name2:read). Nichts wurde gespeichert. Die Redaktion "
                                       "eines Profils pflegt die Moderation im Profil-Formular."))
            return page, 400
        return None
    meta = _read_meta(item_name)
    if meta and meta.get(ACL) and not acl_validate(meta[ACL]):
        target = _form_url(place(_names(item_name, meta)[0], meta), meta)
        if target:
            flash("Dieser Eintrag wird über sein Formular bearbeitet (der Wiki-Editor kann seine Zugriffsrechte "
                  "nicht speichern).", "info")
            return redirect(target)
    return None


def _refused_response(message: str):
    if request.endpoint in ("frontend.ajaxdelete", "frontend.ajaxdestroy"):
        return jsonify({"itemnames": [], "messages": [message]}), 403
    if request.endpoint == "frontend.jfu_server":
        return jsonify({"message": message, "css_class": "jfu-failed"}), 403
    page = render_template("gaa/message.html", title_name="Nicht erlaubt", heading="Nicht erlaubt", message=message)
    return page, 403


# --- what moin offers -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Offer:
    """The moin actions the current user may take on one item (for the theme's item views)."""

    delete: bool
    rename: bool
    destroy: bool
    revert: bool
    modify: bool
    form_url: str | None  # our form instead of moin's editor


def offer(fqname: Any) -> Offer:
    """What :func:`guard_moin_actions` would let the current user do with the item (cached per request)."""
    key = str(fqname)
    cache = flaskg.__dict__.setdefault("gaa_offers", {})
    if key not in cache:
        cache[key] = _offer(key)
    return cache[key]


def _offer(item_name: str) -> Offer:
    meta = _read_meta(item_name)
    places = [place(name, meta) for name in _names(item_name, meta)]

    def may(action: str) -> bool:
        return all(refusal(action, where) is None for where in places)

    modify = may("modify" if meta else "create")
    form_url = None
    if not modify and meta and flaskg.user.valid and flaskg.user.may.write(split_fqname(item_name)):
        form_url = _form_url(places[0], meta)
    return Offer(delete=may("delete"), rename=may("rename"), destroy=may("destroy"), revert=may("revert"),
                 modify=modify, form_url=form_url)


def _narrow_history(sender, template, context, **extra) -> None:
    """moin's history offers delete and revert links to everyone with ``write``: narrow ``may`` to our rules."""
    if not (template.name or "").endswith("history.html") or not isinstance(context.get("may"), Mapping):
        return
    fqname = context.get("fqname")
    if fqname is None or not getattr(flaskg, "user", None):
        return
    rights = offer(fqname)
    may = dict(context["may"])
    may["write"] = bool(may.get("write")) and rights.delete and rights.revert
    may["destroy"] = bool(may.get("destroy")) and rights.destroy
    context["may"] = may


def install(app: Flask) -> None:
    """Guard moin's actions and tell the theme what to offer."""
    app.before_request(guard_moin_actions)
    app.jinja_env.globals["gaa_offer"] = offer
    before_render_template.connect(_narrow_history, app, weak=False)
