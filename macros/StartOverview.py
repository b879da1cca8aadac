"""StartOverview – what is going on in the PartnerWiki, for the start page.

For everybody: the next dates of every calendar the visitor may read, the newest published tools, open and
announced Online-Diskussionen and the threads with the latest posts the visitor may read.  Logged in: their
group spaces, subscriptions and tool proposals with their state.  The moderation (also a group's): what
waits for them – the review queue, join requests and hidden posts (the header's badge links here).

Usage:
    <<StartOverview>>
"""

from __future__ import annotations

from datetime import date

from flask import g as flaskg
from flask import url_for
from moin.macros._base import MacroBlockBase

from moin_gaa.calendars.occurrences import when
from moin_gaa.core.access import ReadRights, is_moderator
from moin_gaa.core.app_state import partnerwiki
from moin_gaa.discussions.areas import is_member
from moin_gaa.discussions.threads import PHASE_LABELS
from moin_gaa.portal.news import shortened
from moin_gaa.portal.start import (
    active_threads,
    my_groups,
    my_proposals,
    my_subscriptions,
    new_tools,
    next_dates,
    online_discussions,
    waiting_now,
)
from moin_gaa.toolbox.tools import STATUS_LABELS

from ._html import E
from ._tools_html import item_url

CALENDAR, TOOLBOX, ONLINE, SPACES = "Netzwerkkalender", "Werkzeugkiste", "Online-Diskussionen", "Gesprächsräume"
TOOL_TEXT = 110  # characters of a tool's short description in the card


def _day(iso: str) -> str:
    return f"{iso[8:10]}.{iso[5:7]}.{iso[:4]}"


def card(key: str, title: str, body, more=None, **attrs):
    return E("section", E("h2", title, id=f"start-{key}"), body, more, aria_labelledby=f"start-{key}",
             class_=f"gaa-start-card gaa-start-{key}", **attrs)


def listing(items, empty: str):
    return E("ul", items, class_="gaa-start-list") if items else E("p", empty, class_="gaa-empty")


def more_link(text: str, href: str):
    return E("p", E("a", text, href=href), class_="gaa-more")


def dates_card(reader, today: date):
    items = [E("li", E("a", e.occurrence.event.titel, href=item_url(e.name)), E("br"),
               E("span", when(e.occurrence), class_="gaa-when")) for e in next_dates(reader, today)]
    return card("termine", "Nächste Termine", listing(items, "In den nächsten Wochen stehen keine Termine an."),
                more_link("Alle Termine im Netzwerkkalender", item_url(CALENDAR)))


def tools_card(reader):
    items = [E("li", E("a", r.title, href=item_url(r.name)),
               E("strong", " – hervorgehoben") if r.fields.get("status") == "hervorgehoben" else None,
               E("br") if r.fields.get("kurzbeschreibung") else None,
               shortened(str(r.fields.get("kurzbeschreibung") or ""), TOOL_TEXT) or None)
             for r in new_tools(reader)]
    return card("werkzeuge", "Neu in der Werkzeugkiste", listing(items, "Noch keine veröffentlichten Werkzeuge."),
                more_link("Zur Werkzeugkiste", item_url(TOOLBOX)))


def online_card(reader, today: date):
    items = []
    for d, name in online_discussions(reader, today):
        phase = d.phase(today)
        dates = f"bis {_day(d.ende)}" if phase == "offen" else f"ab {_day(d.beginn)}"
        items.append(E("li", E("a", d.titel, href=item_url(name)), " ",
                       E("strong", PHASE_LABELS[phase], class_=f"gaa-phase gaa-phase-{phase}"), f" · {dates}"))
    return card("online", "Online-Diskussionen", listing(items, "Zurzeit ist keine Online-Diskussion offen oder "
                                                                 "angekündigt."),
                more_link("Alle Online-Diskussionen", item_url(ONLINE)))


def threads_card(reader):
    items = [E("li", E("a", t.title, href=item_url(t.name)), E("br"), "in ", E("a", t.area_title, href=item_url(t.area)))
             for t in active_threads(reader)]
    empty = "Noch keine Themen, die Sie lesen können." if flaskg.user.valid else \
        "Noch keine öffentlichen Themen. Angemeldete sehen auch die offenen Gesprächsräume."
    return card("themen", "Aktive Themen", listing(items, empty), more_link("Zu den Gesprächsräumen", item_url(SPACES)))


def personal_card(reader):
    groups = [E("li", E("a", g.name, href=item_url(g.page))) for g in my_groups(reader, is_member)]
    subscribed = [E("li", E("a", s.label, href=item_url(s.name)), " (mit allem darunter)" if s.below else None)
                  for s in my_subscriptions()]
    proposals = [E("li", E("a", r.title, href=item_url(r.name)), " – ",
                   E("span", f"Status: {STATUS_LABELS.get(r.fields.get('status'), r.fields.get('status'))}",
                     class_=f"gaa-status gaa-status-{r.fields.get('status')}"),
                   E("strong", " – Rückfrage der Moderation") if r.fields.get("rueckfrage") else None)
                 for r in my_proposals(reader, flaskg.user.name0)]
    return card("fuer-sie", "Für Sie", E("div", [
        E("div", E("h3", "Ihre Gruppen"), listing(groups, "Sie sind noch in keiner Gruppe."),
          more_link("Gesprächsräume finden", item_url(SPACES))),
        E("div", E("h3", "Ihre Abonnements"), listing(
            subscribed, "Sie haben nichts abonniert. Mit „Abonnieren“ auf einer Seite, einem Thema oder in einem "
                        "Gesprächsraum bekommen Sie bei Neuem eine E-Mail.")),
        E("div", E("h3", "Ihre Werkzeug-Vorschläge"), listing(proposals, "Sie haben noch kein Werkzeug vorgeschlagen."),
          more_link("Werkzeug vorschlagen", url_for("gaa.propose_tool"))),
    ], class_="gaa-start-parts"))


def moderation_card(waiting):
    queue = E("li", E("a", "Werkzeug-Vorschläge prüfen", href=url_for("gaa.review_queue")), f": {waiting.proposals}") \
        if is_moderator() else None  # the review queue is the wiki's moderation's, not a group's
    requests = E("li", f"Beitrittsanfragen: {waiting.requests}", E("ul", [
        E("li", E("a", page.split("/", 1)[1], href=item_url(page)), f": {n}") for page, n in waiting.join_requests
    ]) if waiting.join_requests else None)
    hidden = E("li", f"Ausgeblendete Beiträge: {waiting.hidden}", E("ul", [
        E("li", E("a", thread.rsplit("/", 1)[1], href=item_url(thread)), f": {n}")
        for thread, n in waiting.hidden_threads
    ]) if waiting.hidden_threads else None)
    summary = "Nichts wartet auf Sie." if not waiting.total else f"Es warten {waiting.total} Aufgaben auf Sie." \
        if waiting.total > 1 else "Es wartet 1 Aufgabe auf Sie."
    return card("moderation", "Für die Moderation", [E("p", summary), E("ul", queue, requests, hidden,
                                                                          class_="gaa-start-list")], id="moderation")


class Macro(MacroBlockBase):
    def macro(self, content, arguments, page_url, alternative):
        today = date.today()
        waiting = waiting_now()
        with partnerwiki().catalog.reader(ReadRights()) as reader:
            cards = [
                moderation_card(waiting) if waiting is not None else None,
                personal_card(reader) if flaskg.user.valid else None,
                dates_card(reader, today), tools_card(reader), online_card(reader, today), threads_card(reader),
            ]
        return E("div", cards, class_="gaa-start")
