"""Notifications at scale (issue 16.6): ``python bench/run.py notifications``.

On the run's seed wiki (its plain page, measured first, is the ``seed plain`` basis):

1. ``NOTIFY_USERS`` real moin accounts (the metadata moin's ``create_user`` stores, checked by moin's own
   validators, one index commit per index for all of them) and ``NOTIFY_NOTES`` notifications put into the store
   in bulk (its ``add``, in chunks with creation times spread over ``SPREAD_DAYS`` days, all older than a digest
   looks back) about the threads and posts of an Online-Diskussion and the seed tools; one person (``HEAVY``) has
   ``HEAVY_NOTES`` of them unread.
   Logged in as that person: ``/+gaa/benachrichtigungen`` and the plain page with the header badge, each
   ≤ 1.5× the seed-only plain page.
2. ``DIGEST_PEOPLE`` more accounts with the daily choice and ``DIGEST_NOTES_EACH`` fresh notifications each;
   one ``send_due_digests`` run (in a request context, as ``partnerwiki gaa-digest`` does) mailing to an aiosmtpd
   server the bench starts on 127.0.0.1 in a process of its own: ≤ 60 s.  The server counts what arrives (one mail
   per person); a second run must send nothing.

Everything generated is deterministic (names, recipients, kinds, times); only the accounts' item ids are moin's.
"""

from __future__ import annotations

import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from itertools import cycle
from typing import Callable, Iterator

from conftest import PASSWORD, REGISTERED, Person, acting_as, login, logout, wiki_request
from mail_support import free_port, mailing_to
from moin import user as moin_user
from moin.constants.contenttypes import CONTENTTYPE_USER
from moin.constants.keys import EMAIL, ENC_PASSWORD, ITEMID, NAME, NAMESPACE
from moin.constants.namespaces import NAMESPACE_USERPROFILES
from run import PLAIN_PAGE, Figures, get, median_seconds, online_area_specs, scaled
from whoosh.query import Term

from moin_gaa.core.access import ReadRights
from moin_gaa.core.app_state import partnerwiki
from moin_gaa.core.moin_internals import current_items, index_stored, store_unindexed
from moin_gaa.core.recovery import INDEX_LOCK_TIMEOUT
from moin_gaa.core.storage import store_pages
from moin_gaa.notifications import events
from moin_gaa.notifications.digest import LOOKBACK, send_due_digests
from moin_gaa.notifications.mail_choice import MAIL_CHOICE_KEY
from moin_gaa.notifications.store import NewNotification, notification_store
from moin_gaa.toolbox.tools import TOOL_TYPE
from moin_gaa.web.request_groups import remember_groups

NOTIFY_USERS = scaled(1_000)
NOTIFY_NOTES = scaled(100_000)
HEAVY_NOTES = scaled(5_000)  # of them the heavy person's, all unread
DIGEST_PEOPLE = scaled(5_000)
DIGEST_NOTES_EACH = 3
SPREAD_DAYS = 60
CHUNK = 5_000
THREADS, POSTS = 100, 400  # of the Online-Diskussion the notifications are about
HEAVY = Person("Hanna Vielbenachrichtigt", "hanna.viel@example.org")
POST_KINDS = (events.REPLY_TO_POST, events.REPLY_IN_THREAD, events.MENTION)
TOOL_KINDS = (events.TOOL_PUBLISHED, events.TOOL_HIGHLIGHTED, events.TOOL_REJECTED, events.TOOL_QUESTION)


@dataclass(frozen=True)
class About:
    """An item notifications are about, and the kinds that fit it."""

    itemid: str
    name: str
    kinds: tuple[str, ...]


def bulk_accounts(app, people: list[tuple[str, str]], **profile) -> list[str]:
    """Real moin accounts for ``(name, e-mail)`` pairs, as ``create_user`` stores them (same metadata, moin's
    validators), indexed with one commit per index instead of three per account; their user ids, in order.

    One password hash for all (``PASSWORD``), so any of them can log in."""
    with wiki_request(app):
        hashed = moin_user.User(auth_method="new-user")
        hashed.set_password(PASSWORD)
        metas = []
        for name, email in people:
            user = moin_user.User(auth_method="new-user")
            user.profile[NAME] = [name]
            user.set_password(hashed.profile[ENC_PASSWORD], is_encrypted=True)
            user.profile[EMAIL] = email
            user.profile["disabled"] = False
            for key, value in profile.items():
                user.profile[key] = value
            metas.append(dict(user.profile._meta, **{NAMESPACE: NAMESPACE_USERPROFILES, "contenttype": CONTENTTYPE_USER,
                                                     "rev_number": 1}))
        items = current_items(app.storage, [moin_user.update_user_query(**{ITEMID: m[ITEMID]}) for m in metas])
        stored = []
        for item, meta in zip(items, metas):
            meta, content, backend = store_unindexed(item, meta, b"", contenttype_current=None,
                                                     contenttype_guessed=CONTENTTYPE_USER)
            stored.append((meta, content, backend, True))
        index_stored(app.storage, stored, INDEX_LOCK_TIMEOUT)
    return [meta[ITEMID] for meta, *_ in stored]


def discussion_items(app) -> list[About]:
    """An Online-Diskussion of ``THREADS`` threads (the first with ``POSTS`` posts) and the seed tools."""
    _area, specs = online_area_specs("Benachrichtigungsmessung", THREADS, POSTS)
    with acting_as(app, None):
        store_pages(specs)
        found = [(spec, app.storage.get_item(name_exact=spec.name, namespace="")) for spec in specs[1:]]
        with partnerwiki(app).catalog.reader(ReadRights()) as reader:
            tools = reader.records(reader.docs(Term("record_type", TOOL_TYPE)))
    about = [About(item.itemid, spec.name, POST_KINDS if spec.meta["gaa_type"] == "beitrag" else (events.NEW_THREAD,))
             for spec, item in found]
    return about + [About(r.itemid, r.name, TOOL_KINDS) for r in tools]


def notes_for(recipients: list[str], about: list[About], amount: int, offset: int = 0) -> list[NewNotification]:
    """``amount`` notifications, round-robin over ``recipients`` and ``about`` (deterministic)."""
    items = cycle(about[offset % len(about):] + about[:offset % len(about)])
    notes = []
    for i in range(amount):
        target = next(items)
        kind = target.kinds[i % len(target.kinds)]
        notes.append(NewNotification(recipients[i % len(recipients)], kind, target.itemid, target.name,
                                     actor=f"Person {i % 97}", detail="Bitte die Quelle ergänzen." if
                                     kind in (events.TOOL_REJECTED, events.TOOL_QUESTION) else ""))
    return notes


def add_spread(app, notes: list[NewNotification], now: datetime) -> None:
    """Store ``notes`` in chunks, the oldest ``SPREAD_DAYS`` days before the newest, which is a day older than the
    longest digest lookback (so the digest run below is for its own people only)."""
    store = notification_store(app)
    newest = now - max(LOOKBACK.values()) - timedelta(days=1)
    chunks = [notes[i:i + CHUNK] for i in range(0, len(notes), CHUNK)]
    for number, chunk in enumerate(chunks, 1):
        store.add(chunk, now=newest - timedelta(days=SPREAD_DAYS) * (1 - number / len(chunks)))


SINK = """
import sys

from aiosmtpd.controller import Controller


class Count:
    received = 0

    async def handle_DATA(self, server, session, envelope):
        Count.received += 1
        return "250 Message accepted for delivery"

server = Controller(Count(), hostname="127.0.0.1", port=int(sys.argv[1]))
server.start()
print("bereit", flush=True)
sys.stdin.read()  # until the bench closes it
server.stop()
print(Count.received, flush=True)
"""


@contextmanager
def smtp_sink(app) -> Iterator[Callable[[], int]]:
    """An aiosmtpd server in a process of its own (as a mail server is; in this process it would take the
    interpreter from the run being measured), and ``app`` mailing to it; yields: how many mails it got
    (callable once, after the run)."""
    port = free_port()
    sink = subprocess.Popen([sys.executable, "-c", SINK, str(port)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            text=True)
    assert sink.stdout.readline().strip() == "bereit"

    def received() -> int:
        return int(sink.communicate("", timeout=60)[0])

    try:
        with mailing_to(app.cfg, port):
            yield received
    finally:
        if sink.poll() is None:
            sink.kill()


def page_figures(app, figures: Figures, about: list[About], now: datetime) -> None:
    people = [(HEAVY.name, HEAVY.email)] + [(f"Bench Leserin {i:04d}", f"leserin{i:04d}@example.org")
                                             for i in range(NOTIFY_USERS - 1)]
    start = time.perf_counter()
    userids = bulk_accounts(app, people)
    figures.value("notify_accounts_created", time.perf_counter() - start, "s", note=f"{len(userids)} accounts")
    heavy, others = userids[0], userids[1:]
    start = time.perf_counter()
    add_spread(app, notes_for(others, about, NOTIFY_NOTES - HEAVY_NOTES), now)
    add_spread(app, notes_for([heavy], about, HEAVY_NOTES, offset=7), now)
    figures.value("notify_notifications_stored", time.perf_counter() - start, "s",
                  note=f"{NOTIFY_NOTES} notifications, {HEAVY_NOTES} unread of one person")
    with app.test_client() as client:
        figures.plain(client, "with_notifications")
        login(client, REGISTERED)
        logged_in = median_seconds(get(client, "/" + PLAIN_PAGE))
        figures.page("plain_page_logged_in_no_notifications", logged_in)
        login(client, HEAVY)
        page = client.get("/+gaa/benachrichtigungen").get_data(as_text=True)
        assert page.count("Kein Zugriff mehr") + page.count("hat ") >= 20, "the page shows no notifications"
        figures.page("notifications_page", median_seconds(get(client, "/+gaa/benachrichtigungen")), seed=1.5)
        assert "50+" in client.get("/" + PLAIN_PAGE).get_data(as_text=True), "no badge on the plain page"
        badge = median_seconds(get(client, "/" + PLAIN_PAGE))
        figures.page("plain_page_with_badge", badge, seed=1.5)
        figures.value("badge_cost", (badge - logged_in) * 1000, "ms",
                      note=f"{badge / logged_in:.2f}× the logged-in plain page without notifications")
        logout(client)


def digest_figures(app, figures: Figures, about: list[About], now: datetime) -> None:
    people = [(f"Bench Tagesleser {i:04d}", f"tagesleser{i:04d}@example.org") for i in range(DIGEST_PEOPLE)]
    userids = bulk_accounts(app, people, **{MAIL_CHOICE_KEY: "taeglich"})
    notification_store(app).add(notes_for(userids, about, DIGEST_PEOPLE * DIGEST_NOTES_EACH, offset=3),
                                now=now - timedelta(hours=2))
    with smtp_sink(app) as received, wiki_request(app):
        remember_groups()  # as partnerwiki gaa-digest does
        start = time.perf_counter()
        run = send_due_digests(now=now)
        seconds = time.perf_counter() - start
        again = send_due_digests(now=now)
        mails = received()
    assert run.personal == DIGEST_PEOPLE and mails == run.personal, (run, mails)
    assert again.personal == 0, again
    figures.value("digest_run", seconds, "s", at_most=60,
                  note=f"{run.personal} digests mailed, {run.people} people looked at")


def notification_figures(app, figures: Figures) -> None:
    """The section: pages and badge at 1,000 users / 100,000 notifications, then the digest for 5,000 people."""
    now = datetime.now(timezone.utc).replace(microsecond=0)
    about = discussion_items(app)
    page_figures(app, figures, about, now)
    digest_figures(app, figures, about, now)
