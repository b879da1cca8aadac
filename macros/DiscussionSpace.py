"""DiscussionSpace – a Gesprächsraum or an Online-Diskussion on its page.

* on ``Gruppen/<Gruppe>``: description, membership (join, request, leave), the moderation's
  member management, the latest threads, documents, the group's next dates and its members;
* on ``Gruppen/<Gruppe>/Diskussion``: all threads and the form for a new one;
* on ``Online-Diskussionen/<Thema>``: introduction, phase (announced / open / closed) with its
  dates and the linked event, the threads and the form for a new one.

Usage:
    <<DiscussionSpace>>
"""

from __future__ import annotations

from datetime import date, timedelta

from flask import g as flaskg
from flask import request, url_for
from moin.constants.keys import CONTENTTYPE, MTIME, NAME
from moin.macros._base import MacroBlockBase, fail_message
from whoosh.query import Prefix

from moin_gaa.calendars.occurrences import calendar_occurrences, when
from moin_gaa.core.access import ReadRights
from moin_gaa.core.accounts import active_accounts
from moin_gaa.core.app_state import partnerwiki
from moin_gaa.core.german_dates import day
from moin_gaa.core.items import AccessDenied, current
from moin_gaa.core.sanitize import render_post
from moin_gaa.discussions.areas import Area, area_for, may_moderate, posting_refusal
from moin_gaa.discussions.groups import GROUP_TYPE, JOIN_LABELS, VISIBILITY_LABELS, Group, group_from_fields
from moin_gaa.discussions.thread_index import readable_posts, thread_page
from moin_gaa.discussions.threads import GROUP_AREA, ONLINE_TYPE, PHASE_LABELS, SUMMARY_PAGE
from moin_gaa.notifications.unread import list_marks, unread_only

from ._args import current_item_name
from ._discussion_html import csrf_field, post_form, subscription_form, thread_list, unread_filter
from ._html import E, from_clean_html, pager, requested_page
from ._tools_html import item_url

LATEST = 10
THREADS_PER_PAGE = 50


def threads_section(area: Area, *, overview: bool = False):
    """The area's threads, most recently active first, THREADS_PER_PAGE a page (``?seite=``); what is new to the
    viewer is marked, and ``?ungelesen=1`` („nur ungelesene“) lists only those threads."""
    size = LATEST if overview else THREADS_PER_PAGE
    only_unread = not overview and flaskg.user.valid and request.args.get("ungelesen") == "1"
    with partnerwiki().catalog.reader(ReadRights()) as reader:
        shown, page, total = thread_page(reader, area.name, 1 if overview else requested_page(), size,
                                         keep=unread_only(reader) if only_unread else None)
        posts = readable_posts(reader, shown)
        marks = list_marks(reader, shown, posts)
    counts = {itemid: len(docs) for itemid, docs in posts.items()}
    pages = max(1, -(-total // size))
    if overview:
        more = E("p", E("a", f"Alle {total} Themen", href=item_url(area.name))) if total > size else None
    else:
        query = "&ungelesen=1" if only_unread else ""
        more = pager(page, pages, lambda n: f"{request.path}?seite={n}{query}", "Seiten der Themen", "« neuere Themen",
                     "ältere Themen »")
    listing = (thread_list(shown, counts, f"Ungelesene Themen ({total})", marks,
                           empty="Keine ungelesenen Themen – Sie haben hier alles gelesen.") if only_unread else
               thread_list(shown, counts, f"Themen ({total})", marks))
    return E("section", E("h2", "Diskussionen"), None if overview else unread_filter(only_unread), listing, more,
             new_thread_block(area), aria_label="Diskussionen")


def new_thread_block(area: Area):
    refusal = posting_refusal(area)
    if refusal:
        return E("p", refusal, class_="gaa-hint")
    return E("details", E("summary", "Neues Thema eröffnen"),
             post_form(url_for("gaa.new_thread_view", area_name=area.name), "Eröffnungsbeitrag", "Thema eröffnen",
                       field_id="neues-thema", with_title=True),
             class_="gaa-new-thread")


def tools_line(area: Area, what: str):
    return E("p", subscription_form(area.space, what), " ", E("a", "Druckansicht", href=url_for("gaa.print_view", name=area.name)),
             " · ", E("a", "Auswertung und Ergebnissicherung", href=item_url(f"{area.name}/{SUMMARY_PAGE}")), class_="gaa-actions")


def membership_block(group: Group, members: list[str]):
    user = flaskg.user
    if not user.valid:
        return E("p", "Melden Sie sich an, um mitzumachen.", class_="gaa-hint")

    def button(route: str, label: str, **hidden):
        return E("form", csrf_field(), [E("input", type="hidden", name=k, value=v) for k, v in hidden.items()],
                 E("button", label, type="submit", class_="gaa-button"), method="post",
                 action=url_for(route, name=group.name), class_="gaa-inline-form")

    if user.name0 in members:
        return E("p", "Sie sind Mitglied dieser Gruppe. ", button("gaa.leave_group", "Austreten"), class_="gaa-membership")
    if user.name0 in group.anfragen:
        return E("p", "Ihre Beitrittsanfrage liegt der Moderation vor.", class_="gaa-membership")
    if group.beitritt == "offen":
        return E("p", button("gaa.join_group", "Der Gruppe beitreten"), class_="gaa-membership")
    if group.beitritt == "anfrage":
        return E("p", button("gaa.join_group", "Beitritt anfragen"), class_="gaa-membership")
    return E("p", "Dieser Gruppe tritt man auf Einladung der Moderation bei.", class_="gaa-membership")


def members_section(group: Group, members: list[str], manage: bool):
    def member_form(action: str, label: str, person: str):
        return E("form", csrf_field(), E("input", type="hidden", name="aktion", value=action),
                 E("input", type="hidden", name="benutzer", value=person),
                 E("button", label, type="submit", class_="gaa-button gaa-button-secondary"),
                 method="post", action=url_for("gaa.manage_members", name=group.name), class_="gaa-inline-form")

    items = [E("li", m, " (Moderation)" if m in group.moderatoren else None, " ", member_form("entfernen", f"{m} entfernen", m) if manage else None)
             for m in members]
    requests = None
    if manage and group.anfragen:
        requests = E("div", E("h3", "Beitrittsanfragen"),
                     E("ul", [E("li", r, " ", member_form("aufnehmen", f"{r} aufnehmen", r), " ", member_form("ablehnen", "ablehnen", r))
                              for r in group.anfragen]))
    add = None
    if manage:
        add = E("form", csrf_field(), E("input", type="hidden", name="aktion", value="aufnehmen"),
                E("label", "Mitglied aufnehmen (Benutzername)", for_="mitglied-neu"),
                E("input", id="mitglied-neu", name="benutzer", required=True, list="mitglied-konten", autocomplete="off"),
                E("datalist", [E("option", value=a.name) for a in active_accounts() if a.name not in members], id="mitglied-konten"),
                E("button", "Aufnehmen", type="submit", class_="gaa-button"),
                method="post", action=url_for("gaa.manage_members", name=group.name), class_="gaa-inline-form")
    return E("section", E("h2", f"Mitglieder ({len(members)})"), requests, E("ul", items, class_="gaa-members") if items else
             E("p", "Noch keine Mitglieder.", class_="gaa-empty"), add, aria_label="Mitglieder")


def documents_section(group: Group):
    prefix = f"{group.page}/Dokumente/"
    revs = list(flaskg.storage.search(Prefix("name_exact", prefix), limit=LATEST, sortedby=MTIME, reverse=True))
    items = [E("li", E("a", rev.meta[NAME][0][len(prefix):], href=item_url(rev.meta[NAME][0])), " – ",
               str(rev.meta.get(CONTENTTYPE, "")).split(";")[0]) for rev in revs if rev.meta.get(NAME)]
    return E("section", E("h2", "Dokumente"),
             E("ul", items) if items else E("p", "Noch keine Dokumente.", class_="gaa-empty"),
             E("p", E("a", "Alle Dokumente und neue anlegen", href=item_url(f"{group.page}/Dokumente"))), aria_label="Dokumente")


def calendar_section(group: Group):
    today = date.today()
    with partnerwiki().catalog.reader(ReadRights()) as reader:
        found = calendar_occurrences(reader, group.calendar, today, today + timedelta(days=180))[:5]
    items = [E("li", E("a", o.event.titel, href=item_url(n)), " – ", when(o)) for o, n in found]
    return E("section", E("h2", "Termine"),
             E("ul", items) if items else E("p", "Keine anstehenden Termine.", class_="gaa-empty"),
             E("p", E("a", "Kalender der Gruppe und Abonnement", href=item_url(f"{group.page}/Termine"))), aria_label="Termine")


def group_overview(group: Group):
    area = Area(f"{group.page}/{GROUP_AREA}", f"Gesprächsraum {group.name}", group=group)
    try:
        stored = current(group.members_item)
    except AccessDenied:
        stored = None
    members = list(stored[0].get("usergroup", [])) if stored else []
    manage = may_moderate(area)
    return E(
        "div",
        E("div", from_clean_html(render_post(group.beschreibung)), class_="gaa-post-body") if group.beschreibung else None,
        E("p", f"Sichtbarkeit: {VISIBILITY_LABELS.get(group.sichtbarkeit, group.sichtbarkeit)} · Beitritt: "
               f"{JOIN_LABELS.get(group.beitritt, group.beitritt)}", class_="gaa-hint"),
        membership_block(group, members),
        E("p", subscription_form(group.page, "den ganzen Gesprächsraum"), " ",
          E("a", "Aktivität in diesem Gesprächsraum", href=url_for("gaa.activity_space", space=group.name)),
          class_="gaa-actions"),
        threads_section(area, overview=True),
        documents_section(group),
        calendar_section(group),
        members_section(group, members, manage),
        class_="gaa-space",
    )


def online_view(area: Area):
    online = area.online
    phase = area.phase()
    event = None
    if online.termin:
        event = E("p", "Zum Termin im Netzwerkkalender: ", E("a", online.termin.rsplit("/", 1)[-1], href=item_url(online.termin)))
    return E(
        "div",
        E("p", E("strong", PHASE_LABELS[phase], class_=f"gaa-phase gaa-phase-{phase}"),
          f" · {day(date.fromisoformat(online.beginn))} bis {day(date.fromisoformat(online.ende))}", class_="gaa-post-meta"),
        E("div", from_clean_html(render_post(online.einleitung)), class_="gaa-post-body gaa-intro"),
        event,
        tools_line(area, "diese Diskussion"),
        threads_section(area),
        class_="gaa-space",
    )


class Macro(MacroBlockBase):
    def macro(self, content, arguments, page_url, alternative):
        name = current_item_name(page_url)
        stored = current(name)
        kind = stored[0].get("gaa_type") if stored else None
        if kind == GROUP_TYPE:
            return group_overview(group_from_fields(stored[0]["gaa_fields"]))
        area = area_for(name, stored)
        if area is None:
            return fail_message("DiscussionSpace gehört auf einen Gesprächsraum (Gruppen/…) oder eine Online-Diskussion.", alternative)
        if kind == ONLINE_TYPE:
            return online_view(area)
        return E("div", E("p", "Zurück zum ", E("a", f"Gesprächsraum {area.group.name}", href=item_url(area.space))),
                 tools_line(area, "alle Themen dieser Gruppe"), threads_section(area), class_="gaa-space")
