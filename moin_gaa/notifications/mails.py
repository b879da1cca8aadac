"""Notifications by e-mail, as each person chose (:mod:`~moin_gaa.notifications.mail_choice`).

* **sofort** – :func:`mail_at_once` listens to :data:`~moin_gaa.notifications.mail_log.stored`, which the
  ``item_modified`` receiver sends once a save's notifications are in the store: one German mail per person,
  all in one SMTP session, after moin stored the revision; an error is logged and never fails the save.
* **täglich / wöchentlich** – nothing now; ``partnerwiki gaa-digest`` (:mod:`~moin_gaa.notifications.digest`)
  collects what is still unread and unmailed into one mail.
* **nie** – nothing, ever (the notification is marked so, and a later switch to a digest does not bring it back).

*One event, one mail.*  moin's subscriptions already mail a save to everybody who subscribed to the item, its
thread or its space (:mod:`moin_gaa.core.notification_mail`, inside the same save, with the post's text).  A
notification whose recipient gets that subscription mail for the same save is marked ``abo`` and is mailed
neither at once nor in a digest; it stays on the notifications page.  So an author subscribed to their thread
(authors are, automatically) gets one mail for a reply, not two, and a new thread in a subscribed space is one
mail whatever the choice.  Everything else – mentions outside one's subscriptions, decisions on proposals,
join requests and their outcome, editorships – comes only from here.

*Read rights at send time.*  Every mail is written with the recipient's own read rights of that moment
(:class:`~moin_gaa.notifications.inbox.Visibility` with moin's ACL check for that person): a notification
about an item the person can no longer read is left out completely – no title, no text, not even a line saying
something was left out.

*Unsubscribing without a login.*  Every mail carries ``/+gaa/abbestellen/<token>``: a token signed with the
wiki's secret key (itsdangerous, with a salt of its own) naming the person and the purpose
(``benachrichtigungen``: these mails; ``netzwerk``: „Neues im PartnerWiki“).  See :func:`unsubscribe_token`.
Mails carry no IP address, no item or user id in readable form, no metadata.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timezone
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Iterable
from urllib.parse import urlsplit

from flask import current_app, url_for
from flask_theme import render_theme_template
from itsdangerous import BadSignature, URLSafeSerializer
from markupsafe import Markup
from moin.constants.keys import NAME
from moin.storage.error import NoSuchItemError, NoSuchRevisionError
from moin.storage.middleware.protecting import ProtectingMiddleware
from moin.user import User
from moin.utils.subscriptions import get_subscribers

from moin_gaa.core.access import ReadRights
from moin_gaa.core.notification_mail import MAIL_POLICY, THEME, absolute, base_url, clean_line, deliver
from moin_gaa.notifications.inbox import Entry, Visibility, entry
from moin_gaa.notifications.mail_choice import MAIL_CHOICES, mail_choice, save_mail_choice
from moin_gaa.notifications.mail_log import AT_ONCE, BY_SUBSCRIPTION, NEVER, mail_log, stored
from moin_gaa.notifications.store import NewNotification, Notification

log = logging.getLogger(__name__)

TEXT_TEMPLATE = "mail/partnerwiki_benachrichtigungen.txt"
HTML_TEMPLATE = "mail/partnerwiki_benachrichtigungen.html"
TOKEN_SALT = "partnerwiki-abbestellen"
NOTIFICATIONS, NETWORK = "benachrichtigungen", "netzwerk"  # what an unsubscribe token switches off
PURPOSES = (NOTIFICATIONS, NETWORK)


# -- unsubscribe tokens ------------------------------------------------------------------------------------------


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt=TOKEN_SALT)


def unsubscribe_token(userid: str, purpose: str) -> str:
    """A token that lets its holder switch ``purpose`` off for ``userid`` – and nothing else.

    It is signed (HMAC with the wiki's secret key and a salt used for nothing else), so nobody can make one for
    another person or another purpose without the key; an altered character breaks the signature.  It does
    not expire: a mail from last year must still stop the mails.  It grants no login and reads nothing.
    """
    return _serializer().dumps([userid, purpose])


def unsubscribe_url(userid: str, purpose: str) -> str:
    return absolute(url_for("gaa.unsubscribe", token=unsubscribe_token(userid, purpose)))


def read_token(token: str) -> tuple[str, str] | None:
    """``(userid, purpose)`` of a genuine token; None for a forged, altered or malformed one."""
    try:
        payload = _serializer().loads(token)
    except BadSignature:
        return None
    if (not isinstance(payload, list) or len(payload) != 2 or not all(isinstance(p, str) for p in payload)
            or payload[1] not in PURPOSES):
        return None
    return payload[0], payload[1]


# -- people ------------------------------------------------------------------------------------------------------


def account_of(userid: str) -> User | None:
    """The existing account behind ``userid``, as a known user (ACL entries for „Known“ apply)."""
    try:
        user = User(uid=userid)
    except (NoSuchItemError, NoSuchRevisionError, KeyError):
        return None
    if not user.exists():
        return None
    user.valid = True  # the person is registered, just not logged in here
    return user


def person(userid: str) -> User | None:
    """The account behind ``userid`` if mail may go to it (exists, enabled, has an address)."""
    user = account_of(userid)
    return user if user is not None and not user.disabled and user.email else None


def switch_off(user: User, purpose: str) -> None:
    """What an unsubscribe link does: notifications by mail → „nie“, or no „Neues im PartnerWiki“."""
    if purpose == NOTIFICATIONS:
        save_mail_choice(user, NEVER)
    else:
        save_mail_choice(user, mail_choice(user), network=False)


def visibility_for(user: User) -> Visibility:
    """What ``user`` may read now, decided by moin's ACLs for that person (not for whoever runs the code)."""
    return Visibility(ReadRights(ProtectingMiddleware(current_app.storage, user, current_app.cfg.acl_mapping)))


def readable_entries(notes: Iterable[Notification], seen: Visibility) -> list[Entry]:
    """The notifications as mail lines with absolute links; what the person cannot read is left out entirely."""
    notes, shown = list(notes), []
    seen.prefetch(note.itemid for note in notes)
    for note in notes:
        found = entry(note, seen)
        if found.state == "lesbar":
            shown.append(Entry(found.id, found.created, found.read, found.state, actor=clean_line(found.actor),
                               sentence=found.sentence, title=clean_line(found.title, 150), link=absolute(found.link),
                               detail_label=found.detail_label, detail=clean_line(found.detail, 1000)))
    return shown


# -- messages ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Footer:
    """Why the mail came and how to stop it, for one person."""

    reason: str
    unsubscribe_url: str
    settings_url: str
    page_url: str


def footer(user: User, reason: str, purpose: str) -> Footer:
    return Footer(reason=reason, unsubscribe_url=unsubscribe_url(user.itemid, purpose),
                  settings_url=absolute(url_for("frontend.usersettings") + "#notification"),
                  page_url=absolute(url_for("gaa.notifications_page")))


def wiki_name() -> str:
    cfg = current_app.cfg
    return clean_line(cfg.sitename or cfg.interwikiname, 120)


def message(to: str, subject: str, text: str, html: str, unsubscribe: str) -> EmailMessage:
    """A German mail to one address; the unsubscribe link also in ``List-Unsubscribe`` (RFC 2369)."""
    cfg = current_app.cfg
    mail = EmailMessage(policy=MAIL_POLICY)
    mail.set_content(text)
    mail.add_alternative(html, subtype="html")
    mail["From"] = cfg.mail_from
    mail["To"] = to
    mail["Subject"] = clean_line(subject, 200)
    mail["Date"] = formatdate(localtime=True)
    mail["Message-ID"] = make_msgid(domain=urlsplit(base_url()).hostname or "partnerwiki.invalid")
    mail["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies
    mail["List-Unsubscribe"] = f"<{unsubscribe}>"
    return mail


def notification_mail(user: User, entries: list[Entry], *, digest: bool) -> EmailMessage:
    """The mail at once (one entry) or the digest (several) to ``user``."""
    choice = mail_choice(user)
    label = MAIL_CHOICES[choice].split(" – ", 1)[0]
    wiki = clean_line(current_app.cfg.interwikiname or current_app.cfg.sitename, 60)
    if digest:
        period = "heute" if choice == "taeglich" else "diese Woche"
        subject = f"[{wiki}] Ihre Benachrichtigungen – {len(entries)} neu {period}"
    else:
        first = entries[0]
        subject = f"[{wiki}] {first.actor or 'Jemand'} {first.sentence} „{first.title}“"
    reason = (f"Sie erhalten diese E-Mail, weil Sie in Ihren Einstellungen für Benachrichtigungen per E-Mail "
              f"„{label}“ gewählt haben.")
    context = dict(entries=entries, digest=digest, footer=footer(user, reason, NOTIFICATIONS), wiki_name=wiki_name(),
                   greeting=clean_line(user.display_name or user.name0))
    return message(user.email, subject, render_theme_template(THEME, TEXT_TEMPLATE, **context),
                   render_theme_template(THEME, HTML_TEMPLATE, **context), context["footer"].unsubscribe_url)


def html_fragment(template: str, **context) -> Markup:
    """A rendered theme template (autoescaped) to put into a page or a mail as it is."""
    return Markup(render_theme_template(THEME, template, **context))


# -- at once -----------------------------------------------------------------------------------------------------


def mail_enabled() -> bool:
    cfg = current_app.cfg
    return bool(cfg.mail_enabled and cfg.mail_from)


def subscription_mail_recipients(meta) -> set[str]:
    """Who gets moin's subscription mail for this save (:mod:`moin_gaa.core.notification_mail`): their ids."""
    return {s.itemid for s in get_subscribers(**meta) if s.email}


@stored.connect
def mail_at_once(app, notes: list[tuple[int, NewNotification]] = (), meta=None, **_kw) -> None:
    """After a save's notifications are stored: mail those who chose „sofort“, settle the others (see above)."""
    if not notes or meta is None or not mail_enabled():
        return
    try:
        subscribed = subscription_mail_recipients(meta)
        now = datetime.now(timezone.utc)
        settled: list[tuple[int, str]] = []
        mails: list[EmailMessage] = []
        for id_, new in notes:
            if new.recipient in subscribed:
                settled.append((id_, BY_SUBSCRIPTION))
                continue
            user = person(new.recipient)
            choice = mail_choice(user) if user is not None else NEVER
            if choice == NEVER:
                settled.append((id_, NEVER))
            elif choice == AT_ONCE:
                note = Notification(id_, new.recipient, new.kind, new.itemid, new.item_name, new.actor, new.detail,
                                    now, False)
                if shown := readable_entries([note], visibility_for(user)):
                    mails.append(notification_mail(user, shown, digest=False))
                settled.append((id_, AT_ONCE))
        deliver(mails)
        mail_log(app).settle(settled, now=now)
    except Exception:  # noqa: BLE001 – a mail never fails the save that caused it
        log.exception("PartnerWiki: notification mail for %s failed", meta.get(NAME))
