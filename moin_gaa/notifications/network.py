"""„Neues im PartnerWiki“: the weekly network digest – public content only, read as an anonymous visitor.

One digest for everybody who subscribed (``gaa_network_digest`` in the profile): new tools published in the
last week, the next dates, open Online-Diskussionen, new partner municipalities and the news items of the
week.  Every list comes from the start page's queries (:mod:`moin_gaa.portal.start`, :mod:`moin_gaa.portal.news`)
with the read rights of an anonymous visitor, so a private group's dates or threads never reach it, whoever
reads the mail.  Moderators see the very same content at ``/+gaa/benachrichtigungen/netzwerk-vorschau``
before it goes out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from flask import current_app, url_for
from moin.constants.keys import ALL_REVS, ITEMID, MTIME
from moin.constants.misc import ANON
from moin.storage.middleware.protecting import ProtectingMiddleware
from moin.user import User
from whoosh.query import Or, Term

from moin_gaa.calendars.occurrences import ListEntry
from moin_gaa.core.access import ReadRights
from moin_gaa.core.app_state import partnerwiki
from moin_gaa.core.german_dates import day, day_time
from moin_gaa.core.notification_mail import absolute, clean_line
from moin_gaa.discussions.threads import OnlineDiscussion
from moin_gaa.partners.municipalities import PROFILE_TYPE
from moin_gaa.portal.news import NewsItem, news_items
from moin_gaa.portal.start import new_tools, next_dates, online_discussions

WEEK = timedelta(days=7)
DATES_DAYS = 28  # the next dates: four weeks ahead
MAX_ENTRIES = 10  # per list
MAX_NEW_PROFILES = 200  # profiles changed this week that are looked at for „new“


@dataclass(frozen=True)
class Line:
    """One line of the digest: what, where (absolute link), and a short note (a date, a Land)."""

    title: str
    link: str
    note: str = ""


@dataclass(frozen=True)
class NetworkDigest:
    since: date
    until: date
    tools: list[Line]
    dates: list[Line]
    discussions: list[Line]
    municipalities: list[Line]
    news: list[Line]

    @property
    def empty(self) -> bool:
        return not (self.tools or self.dates or self.discussions or self.municipalities or self.news)


def anonymous_storage() -> ProtectingMiddleware:
    """moin's storage as an anonymous visitor sees it (the user moin itself sets up outside a request)."""
    return ProtectingMiddleware(current_app.storage, User(name=ANON, auth_method="invalid"), current_app.cfg.acl_mapping)


def _page(name: str) -> str:
    return absolute(url_for("frontend.show_item", item_name=name))


def _date_line(item: ListEntry) -> Line:
    start = item.occurrence.start
    when = day_time(start) if isinstance(start, datetime) else day(start)
    return Line(clean_line(item.occurrence.event.titel, 150), _page(item.name), when)


def _discussion_line(discussion: OnlineDiscussion, name: str) -> Line:
    return Line(clean_line(discussion.titel, 150), _page(name), f"offen bis {day(date.fromisoformat(discussion.ende))}")


def _news_line(item: NewsItem) -> Line:
    return Line(clean_line(item.title, 150), _page(item.name), clean_line(item.lead, 240))


def network_digest(now: datetime | None = None) -> NetworkDigest:
    """The digest of the week up to ``now`` (default: now)."""
    now = now or datetime.now(timezone.utc)
    since, today = now - WEEK, now.date()
    storage = anonymous_storage()
    with partnerwiki().catalog.reader(ReadRights(storage)) as reader:
        tools = [Line(clean_line(r.title, 150), _page(r.name), "")
                 for r in new_tools(reader, limit=MAX_ENTRIES)
                 if str(r.fields.get("entschieden_am") or "") >= since.date().isoformat()]
        dates = [_date_line(e) for e in next_dates(reader, today, limit=MAX_ENTRIES, days=DATES_DAYS)]
        discussions = [_discussion_line(d, name) for d, name in online_discussions(reader, today)
                       if d.phase(today) == "offen"][:MAX_ENTRIES]
        changed = [r for r in reader.records(reader.docs(Term("record_type", PROFILE_TYPE)))
                   if r.mtime >= since.timestamp()][:MAX_NEW_PROFILES]
        created = _first_saved(storage, [r.itemid for r in changed])
        municipalities = [Line(clean_line(r.title, 150), _page(r.name), "") for r in changed
                          if created.get(r.itemid, 0) >= since.timestamp()][:MAX_ENTRIES]
    news = [_news_line(n) for n in news_items(storage, limit=MAX_ENTRIES) if n.published >= since]
    return NetworkDigest(since.date(), today, tools, dates, discussions, municipalities, news)


def _first_saved(storage: ProtectingMiddleware, itemids: list[str]) -> dict[str, float]:
    """itemid → the timestamp of its first revision (moin's index of all revisions)."""
    if not itemids:
        return {}
    found: dict[str, float] = {}
    for meta in storage.search_meta(Or([Term(ITEMID, i) for i in itemids]), idx_name=ALL_REVS, limit=None):
        when = meta[MTIME].timestamp() if isinstance(meta[MTIME], datetime) else float(meta[MTIME])
        found[meta[ITEMID]] = min(when, found.get(meta[ITEMID], when))
    return found


def sections(digest: NetworkDigest) -> list[tuple[str, list[Line]]]:
    """The digest's non-empty parts under their German headings, in the order mail and preview show them."""
    parts = [("Aktuelles", digest.news), ("Neu in der Werkzeugkiste", digest.tools),
             ("Die nächsten Termine", digest.dates), ("Offene Online-Diskussionen", digest.discussions),
             ("Neue Partnerkommunen", digest.municipalities)]
    return [(heading, lines) for heading, lines in parts if lines]
