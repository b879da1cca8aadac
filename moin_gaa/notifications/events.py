"""What becomes a notification for whom: one ``item_modified`` receiver, so every write path counts.

moin sends ``item_modified`` after a revision is stored (``Item._save``), never for a save that failed, and
hands over the new and the previous revision's metadata.  Comparing the record fields of the two tells what
happened – whoever and whatever wrote it (our forms, moin's Item API, a script):

========================  ========================================================  =================================
kind                      when                                                      who is told
========================  ========================================================  =================================
``antwort_beitrag``       a new post answers a post                                 that post's author
``antwort_thema``         a new post in a thread                                    the thread's author
``erwaehnung``            ``@Vorname Nachname`` of an existing account, new in a    that person
                          thread's or post's text
``neues_thema``           a new thread                                              who subscribed to its area, space
                                                                                    or Online-Diskussion (moin's
                                                                                    subscriptions, read right checked)
``werkzeug_geprueft``,    a tool's status becomes published, highlighted,           its proposer
``…_hervorgehoben``,      rejected (with the reason)
``…_abgelehnt``
``werkzeug_rueckfrage``   a new question of the moderation on a proposal            its proposer
``beitrittsanfrage``      a join request for a group                                the group's moderators
``beitritt_angenommen``,  the request is settled: the person is a member now, or    the person who asked
``beitritt_abgelehnt``    not
``redaktion``             a person is named editor of a municipality profile        that person
========================  ========================================================  =================================

Nobody is told about their own doing; each person gets at most one notification per save (the first
kind in the table that applies).  The store keeps the item's id, never its title or text: what is shown is
decided at display time (:mod:`moin_gaa.notifications.inbox`).  Once stored, the mail at once goes out
(:mod:`moin_gaa.notifications.mails`, through :data:`moin_gaa.notifications.mail_log.stored`).  An error here
is logged and never fails the save (like the catalog's receiver, :mod:`moin_gaa.core.signals`).
"""

from __future__ import annotations

import logging
from typing import Any, Mapping

from flask import current_app
from flask import g as flaskg
from moin.constants.keys import ACTION_SAVE, ITEMID, NAME, NAMESPACE, REVID
from moin.signalling import item_modified
from moin.user import User
from moin.utils.names import CompositeName, split_fqname
from moin.utils.subscriptions import get_subscribers

from moin_gaa.core.accounts import account
from moin_gaa.core.records import RECORD_FIELDS, RECORD_TYPE
from moin_gaa.discussions.groups import GROUP_TYPE, members_item
from moin_gaa.discussions.threads import POST_TYPE, THREAD_TYPE
from moin_gaa.notifications.mail_log import stored
from moin_gaa.notifications.mentions import mentioned
from moin_gaa.notifications.store import NewNotification, notification_store
from moin_gaa.partners.municipalities import PROFILE_TYPE
from moin_gaa.toolbox.tools import TOOL_TYPE

log = logging.getLogger(__name__)

REPLY_TO_POST, REPLY_IN_THREAD, MENTION, NEW_THREAD = "antwort_beitrag", "antwort_thema", "erwaehnung", "neues_thema"
TOOL_PUBLISHED, TOOL_HIGHLIGHTED = "werkzeug_geprueft", "werkzeug_hervorgehoben"
TOOL_REJECTED, TOOL_QUESTION = "werkzeug_abgelehnt", "werkzeug_rueckfrage"
JOIN_REQUEST, JOIN_ACCEPTED, JOIN_REJECTED = "beitrittsanfrage", "beitritt_angenommen", "beitritt_abgelehnt"
PROFILE_EDITOR = "redaktion"
KINDS = (REPLY_TO_POST, REPLY_IN_THREAD, MENTION, NEW_THREAD, TOOL_PUBLISHED, TOOL_HIGHLIGHTED, TOOL_REJECTED,
         TOOL_QUESTION, JOIN_REQUEST, JOIN_ACCEPTED, JOIN_REJECTED, PROFILE_EDITOR)
TOOL_DECISIONS = {"geprueft": TOOL_PUBLISHED, "hervorgehoben": TOOL_HIGHLIGHTED, "abgelehnt": TOOL_REJECTED}

MAX_DETAIL = 1000

Event = tuple[str, str, str]  # (kind, recipient's account name, detail)


def _stored_meta(name: str) -> Mapping[str, Any]:
    """The metadata of the current revision of ``name`` (the receiver decides for others: no read check)."""
    item = current_app.storage.get_item(**split_fqname(name).query)
    if not item.itemid:
        return {}
    rev = item.get_revision(item.meta[REVID])
    try:
        return dict(rev.meta)
    finally:
        rev.data.close()


def _stored_fields(name: str) -> Mapping[str, Any]:
    return _stored_meta(name).get(RECORD_FIELDS) or {}


def _new_mentions(new: Mapping[str, Any], old: Mapping[str, Any]) -> list[Event]:
    before = set(mentioned(str(old.get("text") or ""))) if old.get("text") != new.get("text") else None
    if before is None:  # the text did not change (a lock, a hidden post): nothing new
        return []
    return [(MENTION, person, "") for person in mentioned(str(new.get("text") or "")) if person not in before]


def post_events(name: str, new: Mapping[str, Any], old: Mapping[str, Any], is_new: bool) -> list[Event]:
    thread = name.rsplit("/", 1)[0]
    events: list[Event] = []
    if is_new:
        if answered := str(new.get("antwort_auf") or ""):
            events.append((REPLY_TO_POST, str(_stored_fields(f"{thread}/{answered}").get("autor") or ""), ""))
        events.append((REPLY_IN_THREAD, str(_stored_fields(thread).get("autor") or ""), ""))
    return events + _new_mentions(new, old)


def thread_events(meta: Mapping[str, Any], new: Mapping[str, Any], old: Mapping[str, Any], is_new: bool) -> list[Event]:
    events = _new_mentions(new, old)
    if is_new:  # subscribers of the area, the space or the Online-Diskussion; moin checks their read right
        events += [(NEW_THREAD, subscriber.name, "") for subscriber in sorted(get_subscribers(**meta))]
    return events


def tool_events(new: Mapping[str, Any], old: Mapping[str, Any]) -> list[Event]:
    proposer = str(new.get("vorgeschlagen_von") or "")
    status = str(new.get("status") or "")
    events: list[Event] = []
    if status != old.get("status") and status in TOOL_DECISIONS:
        events.append((TOOL_DECISIONS[status], proposer, str(new.get("begruendung") or "")[:MAX_DETAIL]))
    question = str(new.get("rueckfrage") or "")
    if question and question != old.get("rueckfrage"):
        events.append((TOOL_QUESTION, proposer, question[:MAX_DETAIL]))
    return events


def group_events(new: Mapping[str, Any], old: Mapping[str, Any]) -> list[Event]:
    waiting, waited = list(new.get("anfragen") or ()), list(old.get("anfragen") or ())
    events = [(JOIN_REQUEST, moderator, "") for person in waiting if person not in waited
              for moderator in new.get("moderatoren") or ()]
    settled = [person for person in waited if person not in waiting]
    if settled:
        members = _members(str(new.get("name") or ""))
        events += [(JOIN_ACCEPTED if person in members else JOIN_REJECTED, person, "") for person in settled]
    return events


def _members(group_name: str) -> list[str]:
    return list(_stored_meta(members_item(group_name)).get("usergroup") or ())


def profile_events(new: Mapping[str, Any], old: Mapping[str, Any]) -> list[Event]:
    before = set(old.get("redakteure") or ())
    return [(PROFILE_EDITOR, person, "") for person in new.get("redakteure") or () if person not in before]


def events_of(meta: Mapping[str, Any], old_meta: Mapping[str, Any] | None) -> list[Event]:
    """What the revision ``meta`` (after ``old_meta``, None for a new item) means for other people."""
    record_type = meta.get(RECORD_TYPE)
    new = meta.get(RECORD_FIELDS) or {}
    same_type = old_meta is not None and old_meta.get(RECORD_TYPE) == record_type
    old = (old_meta.get(RECORD_FIELDS) or {}) if same_type else {}
    is_new = not same_type
    if record_type == POST_TYPE:
        return post_events(meta[NAME][0], new, old, is_new)
    if record_type == THREAD_TYPE:
        return thread_events(meta, new, old, is_new)
    if record_type == TOOL_TYPE:
        return tool_events(new, old)
    if record_type == GROUP_TYPE:
        return group_events(new, old)
    if record_type == PROFILE_TYPE:
        return profile_events(new, old)
    return []


def notifications_for(meta: Mapping[str, Any], old_meta: Mapping[str, Any] | None, actor: str) -> list[NewNotification]:
    """One notification per person (the first event that concerns them), never for the actor themself, and
    only for those who may read the item now (someone mentioned in a group they are not in hears nothing)."""
    told: dict[str, NewNotification] = {}
    item = CompositeName(meta.get(NAMESPACE, ""), ITEMID, meta[ITEMID])
    for kind, person, detail in events_of(meta, old_meta):
        if not person or person == actor or person in told:
            continue
        found = account(person)
        if found is not None and User(uid=found.userid).may.read(item):
            told[person] = NewNotification(found.userid, kind, meta[ITEMID], meta[NAME][0], actor, detail)
    return list(told.values())


def _actor() -> str:
    user = getattr(flaskg, "user", None)
    return user.name0 if user is not None and user.valid else ""


@item_modified.connect
def notify(sender, fqname=None, action=None, new_meta=None, meta=None, **_kw) -> None:
    """``item_modified`` receiver: the notifications a stored revision of a record causes."""
    app = current_app
    if "gaa" not in app.extensions or new_meta is None or str(action) != ACTION_SAVE or not new_meta.get(NAME):
        return
    if new_meta.get(RECORD_TYPE) not in (POST_TYPE, THREAD_TYPE, TOOL_TYPE, GROUP_TYPE, PROFILE_TYPE):
        return
    try:
        if notes := notifications_for(new_meta, meta, _actor()):
            ids = notification_store(app).add(notes)
            stored.send(app, notes=list(zip(ids, notes)), meta=new_meta)  # the mail at once (mails.py)
    except Exception:  # noqa: BLE001 – a notification never fails the save (see module docstring)
        log.exception("PartnerWiki notifications for %s failed", fqname)

