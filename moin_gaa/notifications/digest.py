"""``partnerwiki gaa-digest``: the digests that are due, by e-mail (run it from cron or a systemd timer).

*Personal digests* – for people who chose „täglich“ or „wöchentlich“ (:mod:`~moin_gaa.notifications.mail_choice`):
their notifications that are still unread and that no mail has dealt with (not mailed at once, not covered by a
subscription mail, not in an earlier digest), newest ``MAX_ENTRIES`` at most, each written with the person's
read rights *now* – what they can no longer read is left out entirely.  Daily: once per calendar day (UTC),
weekly: once per calendar week; a run finds the people with waiting notifications in one query.
*„Neues im PartnerWiki“* – once per calendar week to everybody who subscribed
(:mod:`~moin_gaa.notifications.network`); one content for all, an unsubscribe link per person.

Idempotent: each digest that went out is recorded per person and kind (``digests``) together with the
notifications it covered, in the same transaction, after every batch of ``BATCH`` mails; a second run on the
same day (week) finds nothing due, a run that broke off goes on where it stopped.  Notifications older than
``LOOKBACK`` are not mailed any more (a person who switches from „nie“ back to „täglich“ gets no old pile).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from typing import Callable

from flask import current_app
from flask_theme import render_theme_template
from moin import user as moin_user
from moin.constants.keys import ITEMID

from moin_gaa.core.german_dates import day
from moin_gaa.core.notification_mail import THEME, clean_line, deliver
from moin_gaa.notifications.mail_choice import NETWORK_KEY, mail_choice, network_digest
from moin_gaa.notifications.mail_log import NETWORK, PERSONAL, LastDigest, mail_log
from moin_gaa.notifications.mails import (
    NETWORK as NETWORK_PURPOSE,
)
from moin_gaa.notifications.mails import (
    footer,
    html_fragment,
    message,
    notification_mail,
    person,
    readable_entries,
    visibility_for,
    wiki_name,
)
from moin_gaa.notifications.network import NetworkDigest, sections
from moin_gaa.notifications.network import network_digest as build_network_digest

LOOKBACK = {"taeglich": timedelta(days=2), "woechentlich": timedelta(days=14)}
MAX_ENTRIES = 100
BATCH = 200  # mails per SMTP session and per recorded step
NETWORK_CONTENT = "mail/partnerwiki_netzwerk_inhalt.html"
NETWORK_TEXT, NETWORK_HTML = "mail/partnerwiki_netzwerk.txt", "mail/partnerwiki_netzwerk.html"
NETWORK_REASON = "Sie erhalten diese E-Mail, weil Sie „Neues im PartnerWiki“ in Ihren Einstellungen bestellt haben."

Progress = Callable[[int, int], None]


@dataclass
class DigestRun:
    personal: int = 0  # personal digests sent
    network: int = 0  # „Neues im PartnerWiki“ sent
    people: int = 0  # people looked at


def is_due(choice: str, last: LastDigest | None, now: datetime) -> bool:
    """Daily: not yet today; weekly (and the network digest): not yet this calendar week."""
    if last is None:
        return True
    if choice == "taeglich":
        return last.sent.date() < now.date()
    return last.sent.isocalendar()[:2] != now.isocalendar()[:2]


class _Outbox:
    """Mails with what to record once they went out, sent and recorded per batch."""

    def __init__(self, now: datetime) -> None:
        self.now, self.mails, self.records = now, [], []

    def add(self, mail: EmailMessage | None, record: tuple[str, str, int, list[int]]) -> None:
        if mail is not None:
            self.mails.append(mail)
        self.records.append(record)
        if len(self.records) >= BATCH:
            self.flush()

    def flush(self) -> None:
        deliver(self.mails)
        mail_log().digests_sent(self.records, now=self.now)
        self.mails, self.records = [], []


def personal_digest(userid: str, now: datetime) -> tuple[EmailMessage | None, tuple[str, str, int, list[int]]] | None:
    """The digest due for ``userid`` and what to record; None if none is due (or the person wants none)."""
    user = person(userid)
    choice = mail_choice(user) if user is not None else ""
    if choice not in LOOKBACK:
        return None
    log = mail_log()
    last = log.last_digest(userid, PERSONAL)
    if not is_due(choice, last, now):
        return None
    notes = log.waiting(userid, now - LOOKBACK[choice], last.last_id if last else 0, MAX_ENTRIES)
    if not notes:
        return None
    shown = readable_entries(notes, visibility_for(user))
    mail = notification_mail(user, shown, digest=True) if shown else None
    return mail, (userid, PERSONAL, max(n.id for n in notes), [n.id for n in notes])


def network_subscribers() -> list[str]:
    """The user ids of the profiles that ask for „Neues im PartnerWiki“ (each profile's stored metadata read once;
    the account itself is loaded only for them, when they are due)."""
    return sorted(str(rev.meta[ITEMID]) for rev in moin_user.search_users() if rev.meta.get(NETWORK_KEY) is True)


def network_context(digest: NetworkDigest) -> dict:
    """What the mail's parts and the moderators' preview show; ``content``: the HTML both carry."""
    context = dict(wiki_name=wiki_name(), since=day(digest.since), until=day(digest.until), sections=sections(digest))
    return dict(context, content=html_fragment(NETWORK_CONTENT, **context))


def network_mail(user, context: dict) -> EmailMessage:
    mail_footer = footer(user, NETWORK_REASON, NETWORK_PURPOSE)
    whole = dict(context, greeting=clean_line(user.display_name or user.name0), footer=mail_footer)
    wiki = clean_line(current_app.cfg.interwikiname or current_app.cfg.sitename, 60)
    return message(user.email, f"[{wiki}] Neues im PartnerWiki – Woche bis {context['until']}",
                   render_theme_template(THEME, NETWORK_TEXT, **whole),
                   render_theme_template(THEME, NETWORK_HTML, **whole), mail_footer.unsubscribe_url)


def send_due_digests(now: datetime | None = None, progress: Progress | None = None) -> DigestRun:
    """Send every digest that is due now (in a request context: links need the wiki's address)."""
    now = now or datetime.now(timezone.utc)
    log = mail_log()
    waiting = log.waiting_recipients(now - max(LOOKBACK.values()))
    subscribers = network_subscribers()
    total, run, outbox = len(waiting) + len(subscribers), DigestRun(), _Outbox(now)
    for done, userid in enumerate(waiting, 1):
        if (found := personal_digest(userid, now)) is not None:
            run.personal += found[0] is not None
            outbox.add(*found)
        if progress:
            progress(done, total)
    content: NetworkDigest | None = None
    for done, userid in enumerate(subscribers, len(waiting) + 1):
        user = person(userid)
        if user is not None and network_digest(user) and is_due("woechentlich", log.last_digest(userid, NETWORK), now):
            if content is None:
                content = build_network_digest(now)
                context = network_context(content)
            if content.empty:
                break
            outbox.add(network_mail(user, context), (userid, NETWORK, 0, []))
            run.network += 1
        if progress:
            progress(done, total)
    outbox.flush()
    run.people = total
    if progress:
        progress(total, total)
    return run
