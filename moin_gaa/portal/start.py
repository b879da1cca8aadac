"""What the start page shows: the next dates, new tools, Online-Diskussionen and active threads, a person's
groups, subscriptions and proposals, and for the moderation what waits for them.

Every list comes from a :class:`~moin_gaa.core.catalog.CatalogReader` bound to the viewer's read rights, so a
private group's threads and dates appear only for those who may read them.  :func:`waiting_now` is also the
header's badge: it runs on every page of a moderator and is remembered for the request.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Callable, Iterable

from flask import g as flaskg
from moin.constants.keys import CURRENT, NAME
from moin.storage.middleware.exceptions import AccessDenied
from moin.utils.names import split_fqname
from whoosh.query import And, AndNot, Or, Term

from moin_gaa.calendars.events import EVENT_TYPE
from moin_gaa.calendars.occurrences import ListEntry, calendar_occurrences, once_each
from moin_gaa.core.access import ReadRights, is_moderator
from moin_gaa.core.app_state import partnerwiki
from moin_gaa.core.catalog import FACET_PREFIX, CatalogReader
from moin_gaa.core.records import Record
from moin_gaa.discussions.groups import GROUP_PREFIX, GROUP_TYPE, Group, group_from_fields
from moin_gaa.discussions.threads import (
    GROUP_AREA,
    ONLINE_PREFIX,
    ONLINE_TYPE,
    POST_TYPE,
    THREAD_TYPE,
    OnlineDiscussion,
    online_discussion_from_fields,
)
from moin_gaa.toolbox.toolfilter import ToolFilter, filter_query

DATES_DAYS = 92  # the next dates: from today on, about three months
POSTS_SCANNED = 300  # active threads: the newest readable threads and posts looked at


def _facet(name: str, value: str) -> Term:
    return Term(FACET_PREFIX + name, value)


def next_dates(reader: CatalogReader, today: date, limit: int = 5, days: int = DATES_DAYS) -> list[ListEntry]:
    """The next ``limit`` events of every calendar the reader may read, each once (a series at its next date).

    Expanding every series is the costly part: kept per catalog state, day and exact set of readable events.
    """
    def compute() -> list[ListEntry]:
        return once_each(calendar_occurrences(reader, None, today, today + timedelta(days=days)), following=0)[:limit]

    return reader.remembered(("next dates", today, limit, days), reader.docs(Term("record_type", EVENT_TYPE)), compute)


def new_tools(reader: CatalogReader, limit: int = 5) -> list[Record]:
    """The most recently published tools (by the day of the moderation's decision, then by last change)."""
    universe = filter_query(ToolFilter(), reader.catalog)
    docs = reader.docs(universe)
    ordered = reader.ordered(docs, universe, "published on",
                             lambda record: (str(record.fields.get("entschieden_am") or ""), record.mtime))
    return reader.records(list(reversed(ordered[-limit:])))


def online_discussions(reader: CatalogReader, today: date) -> list[tuple[OnlineDiscussion, str]]:
    """The open Online-Diskussionen (closing soonest first), then the announced ones (starting soonest first)."""
    found = [(online_discussion_from_fields(r.fields), r.name)
             for r in reader.records(reader.docs(Term("record_type", ONLINE_TYPE)))]
    current = [(d, name) for d, name in found if d.phase(today) in ("offen", "angekuendigt")]
    return sorted(current, key=lambda pair: (pair[0].phase(today) != "offen", pair[0].ende if pair[0].phase(today) ==
                                             "offen" else pair[0].beginn, pair[1]))


@dataclass(frozen=True)
class ActiveThread:
    name: str
    title: str
    area_title: str  # „Gesprächsraum <Gruppe>“ or the Online-Diskussion's topic
    area: str  # the page of the group space or the Online-Diskussion


def area_label(thread_name: str) -> tuple[str, str]:
    """(label, page) of the place a thread belongs to, from its name alone."""
    area = thread_name.rsplit("/", 1)[0]
    if area.startswith(GROUP_PREFIX) and area.endswith("/" + GROUP_AREA):
        space = area[: -len(GROUP_AREA) - 1]
        return f"Gesprächsraum {space[len(GROUP_PREFIX):]}", space
    return area[len(ONLINE_PREFIX):] if area.startswith(ONLINE_PREFIX) else area, area


def active_threads(reader: CatalogReader, limit: int = 5) -> list[ActiveThread]:
    """The readable threads with the latest activity (opened, or a post that is not hidden), newest first.

    A post without an ACL of its own has its thread's read rights (hidden posts, the only ones with an ACL, are
    left out), so only the threads are asked – lazily, newest first, one moin check per area at most.  The order
    of the newest threads and posts is kept per catalog state: a thread or post among thousands is not read.
    """
    activity = AndNot(Or([Term("record_type", THREAD_TYPE), Term("record_type", POST_TYPE)]), _facet("versteckt", "True"))
    newest = reader.catalog.memo.remembered(reader.searcher.reader(), ("newest activity", POSTS_SCANNED),
                                            lambda: _newest(reader, activity))
    found: dict[str, ActiveThread] = {}
    asked: set[str] = set()
    for docnum in newest:
        stored = reader.searcher.stored_fields(docnum)
        thread = stored["name"] if stored["record_type"] == THREAD_TYPE else stored["name"].rsplit("/", 1)[0]
        if thread in asked:
            continue
        asked.add(thread)
        readable = reader.records(reader.docs(And([Term("record_type", THREAD_TYPE), Term("name", thread)])))
        if readable:
            found[thread] = ActiveThread(thread, readable[0].title, *area_label(thread))
            if len(found) >= limit:
                break
    return list(found.values())


def _newest(reader: CatalogReader, query) -> tuple[int, ...]:
    docs = list(reader.searcher.docs_for_query(query))  # numbers only: read rights are asked per thread above
    return tuple(reader.newest_first(docs)[:POSTS_SCANNED]) if docs else ()  # (an empty catalog has no columns)


def readable_groups(reader: CatalogReader) -> list[Group]:
    return sorted((group_from_fields(r.fields) for r in reader.records(reader.docs(Term("record_type", GROUP_TYPE)))),
                  key=lambda g: g.name.casefold())


def my_groups(reader: CatalogReader, member: Callable[[Group], bool]) -> list[Group]:
    """The group spaces the reader may read and is a member of."""
    return [group for group in readable_groups(reader) if member(group)]


def my_proposals(reader: CatalogReader, user_name: str) -> list[Record]:
    """The tools ``user_name`` proposed (every status), most recently changed first."""
    docs = reader.docs(And([Term("record_type", "werkzeug"), _facet("vorgeschlagen_von", user_name)]))
    return reader.records(reader.newest_first(docs)) if docs else []


@dataclass(frozen=True)
class Subscription:
    label: str
    name: str  # the page to link
    below: bool  # everything below the page, not the page alone


NAMERE_BELOW = re.compile(r"^\^((?:\\.|[^\\])+)/$")


def subscriptions(entries: Iterable[str], name_of_itemid: Callable[[str], str | None],
                  readable: Callable[[str], bool]) -> list[Subscription]:
    """moin's subscription strings (``itemid:…``, ``name:<ns>:…``, ``namere:<ns>:^…/``, ``nameprefix:<ns>:…``) as
    pages the person may read; patterns that name no page and pages they can no longer read are left out."""
    found: list[Subscription] = []
    for entry in entries:
        keyword, _, rest = entry.partition(":")
        if keyword == "itemid":
            name = name_of_itemid(rest)
            if name:
                found.append(Subscription(name, name, False))
            continue
        _namespace, _, value = rest.partition(":")
        if keyword == "name":
            candidate = Subscription(value, value, False)
        elif keyword == "nameprefix":
            candidate = Subscription(value.rstrip("/"), value.rstrip("/"), True)
        elif keyword == "namere" and (m := NAMERE_BELOW.match(value)):
            page = re.sub(r"\\(.)", r"\1", m.group(1))
            candidate = Subscription(page, page, True)
        else:
            continue
        if candidate.name and readable(candidate.name):
            found.append(candidate)
    return sorted(found, key=lambda s: s.label.casefold())


@dataclass(frozen=True)
class Waiting:
    """What waits for the moderation of the current person."""

    proposals: int  # tools in the review queue (the wiki's moderation only)
    join_requests: tuple[tuple[str, int], ...]  # (group page, open requests) of groups they moderate
    hidden_threads: tuple[tuple[str, int], ...]  # (thread, hidden posts they may read)

    @property
    def requests(self) -> int:
        return sum(n for _page, n in self.join_requests)

    @property
    def hidden(self) -> int:
        return sum(n for _thread, n in self.hidden_threads)

    @property
    def total(self) -> int:
        return self.proposals + self.requests + self.hidden


def waiting_for(reader: CatalogReader, user_name: str, *, moderator: bool) -> Waiting | None:
    """Counts for a moderator, or for the moderation of a group; None for everybody else.

    Cheap enough for every page: three catalog queries, remembered per catalog state and readable set.
    """
    if moderator:
        groups = reader.docs(Term("record_type", GROUP_TYPE))
    else:  # for most people no group matches, and no read right is decided at all
        groups = reader.docs(And([Term("record_type", GROUP_TYPE), _facet("moderatoren", user_name)]))
        if not groups:
            return None
    proposals = len(reader.docs(filter_query(ToolFilter(status="vorgeschlagen"), reader.catalog))) if moderator else 0
    hidden = reader.docs(And([Term("record_type", POST_TYPE), _facet("versteckt", "True")]))
    return Waiting(
        proposals,
        reader.remembered(("join requests",), groups, lambda: _join_requests(reader, groups)),
        reader.remembered(("hidden posts",), hidden, lambda: _hidden_threads(reader, hidden)),
    )


def _join_requests(reader: CatalogReader, groups: set[int]) -> tuple[tuple[str, int], ...]:
    waiting = ((r.name, len(r.fields.get("anfragen") or ())) for r in reader.records(groups))
    return tuple(sorted((name, n) for name, n in waiting if n))


def _hidden_threads(reader: CatalogReader, hidden: set[int]) -> tuple[tuple[str, int], ...]:
    threads: dict[str, int] = {}
    for record in reader.records(hidden):
        thread = record.name.rsplit("/", 1)[0]
        threads[thread] = threads.get(thread, 0) + 1
    return tuple(sorted(threads.items()))


def waiting_now() -> Waiting | None:
    """:func:`waiting_for` the current user, once per request (the header's badge and the start page).

    Kept per catalog state, person and moderator role in the catalog's memo: deciding the read rights of groups,
    tools and hidden posts on every page of a moderator cost more than the rest of the badge.  Nothing in it
    depends on read rights that change without a catalog commit: group moderators are named in the group record,
    a hidden post's readers in its ACL (written with the post), and the role is asked on every request.
    """
    if "gaa_waiting" not in flaskg.__dict__:
        user = flaskg.user
        flaskg.gaa_waiting = None
        if user.valid:
            moderator = is_moderator()
            with partnerwiki().catalog.reader(ReadRights()) as reader:
                flaskg.gaa_waiting = reader.catalog.memo.remembered(
                    reader.searcher.reader(), ("waiting for", user.name0, moderator),
                    lambda: waiting_for(reader, user.name0, moderator=moderator))
    return flaskg.gaa_waiting


def my_subscriptions() -> list[Subscription]:
    """The current user's moin subscriptions as pages they may read."""
    def name_of_itemid(itemid: str) -> str | None:
        try:
            item = flaskg.storage.get_item(itemid=itemid)
            names = item[CURRENT].meta.get(NAME) if item else None
        except (AccessDenied, KeyError):
            return None
        return names[0] if names else None

    def readable(name: str) -> bool:
        return bool(flaskg.user.may.read(split_fqname(name)))

    return subscriptions(flaskg.user.subscriptions, name_of_itemid, readable)
