"""NetworkCalendar – the dates of a network calendar as a list and a month view, with feeds.

Shows the coming dates (list view, by month; a series once, with its rule in German and its next
dates) or one month (``?ansicht=monat&monat=2026-12``: a grid with the times, and on small
screens a list by day instead – both are in the page, CSS shows one), chosen in the page's query
string (works without JavaScript), and the calendar's ICS feed with subscribe links for Outlook,
Apple/Thunderbird (webcal) and Google Calendar.  A bad query parameter
(a month outside FIRST_YEAR–LAST_YEAR, an unknown view, calendar, Land or kind) shows the
default with a German message, and the page answers 400 (see moin_gaa.calendars.occurrences.mark_bad_query).

Parameters:
    kalender: the calendar (default: alle); also ``?kalender=`` in the page address
    (the page's filter form also offers ``?land=`` and ``?art=``, the kind of event)
    monate: how many months the list view covers (default 12)

Usage:
    <<NetworkCalendar>>
    <<NetworkCalendar(kalender=nw)>>
"""

from __future__ import annotations

import calendar as month_grid
import re
from datetime import date, datetime, timedelta
from urllib.parse import urlencode

from flask import g as flaskg
from flask import request, url_for
from moin.macros._base import MacroBlockBase, fail_message

from moin_gaa.calendars.events import FIRST_YEAR, KIND_LABELS, LAST_YEAR, STATUS_LABELS
from moin_gaa.calendars.occurrences import (
    calendar_occurrences,
    hours,
    mark_bad_query,
    once_each,
    weekday_day,
    when,
)
from moin_gaa.calendars.rule_text import rule_text
from moin_gaa.core.access import ReadRights, is_moderator
from moin_gaa.core.app_state import partnerwiki
from moin_gaa.core.german_dates import day_month, month_year, time_of, weekday_abbreviations
from moin_gaa.core.text_input import ascii_digits
from moin_gaa.discussions.groups import CALENDAR_PREFIX

from ._args import MacroArgumentError, Param, log_bad_arguments, parse_args
from ._html import E, filter_select, get_filter_form
from ._tools_html import item_url

PARAMS = (Param("kalender", default="alle"), Param("monate", default="12"))
NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,60}$")
MONTH = re.compile(r"^(\d{4})-(\d{2})$")
VIEWS = ("liste", "monat")


def parse_month(raw: str) -> date:
    """The first day of ``JJJJ-MM`` (FIRST_YEAR to LAST_YEAR); ValueError with the German reason otherwise."""
    m = MONTH.match(raw)
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise ValueError("„monat“ muss die Form JJJJ-MM haben (z. B. 2026-12); gezeigt wird der aktuelle Monat.")
    if not FIRST_YEAR <= int(m.group(1)) <= LAST_YEAR:
        raise ValueError(f"„monat“: bitte einen Monat zwischen {FIRST_YEAR} und {LAST_YEAR} wählen; "
                         "gezeigt wird der aktuelle Monat.")
    return date(int(m.group(1)), int(m.group(2)), 1)


def _day_of(value) -> date:
    return value.date() if isinstance(value, datetime) else value


def series_line(event, following):
    """„jeden 2. Donnerstag im Monat – danach: 14.01., 11.02. (verschoben), 11.03.“"""
    later = ", ".join(day_month(o.start) + (" (verschoben)" if o.moved else "") for o in following)
    return rule_text(event.rrule, event.start_value(), event.tz) + (f" – danach: {later}" if later else "")


def entry(o, name, following=()):
    status = o.event.status
    return E(
        "li",
        E("a", o.event.titel, href=item_url(name)),
        E("br"),
        E("span", when(o), class_="gaa-when"),
        f" · {o.event.ort}" if o.event.ort else None,
        E("strong", f" – {STATUS_LABELS[status]}", class_=f"gaa-status-{status}") if status != "bestaetigt" else None,
        E("em", " (verschoben)") if o.moved else None,
        [E("br"), E("span", series_line(o.event, following), class_="gaa-series")] if o.event.rrule else None,
        class_="gaa-event" + (" gaa-cancelled" if status == "abgesagt" else ""),
    )


def subscribe(name: str):
    feed = url_for("gaa.calendar_feed", name=name, _external=True)
    webcal = "webcal://" + feed.split("://", 1)[1]
    google = "https://calendar.google.com/calendar/render?" + urlencode({"cid": webcal})
    outlook = "https://outlook.live.com/calendar/0/addfromweb?" + urlencode({"url": feed, "name": f"PartnerWiki {name}"})
    return E(
        "section",
        E("h2", "Kalender abonnieren"),
        E("label", "Adresse des Kalender-Feeds (ICS)", for_=f"feed-{name}"),
        E("input", id=f"feed-{name}", value=feed, readonly=True, class_="gaa-feed-url", size="60"),
        E("button", "Adresse kopieren", type="button", class_="gaa-button gaa-copy", data_copy=f"feed-{name}"),
        E("p", E("a", "Apple Kalender / Thunderbird (webcal)", href=webcal), " · ", E("a", "Google Kalender", href=google),
          " · ", E("a", "Outlook", href=outlook)),
        E("p", "Für den Kalender einer privaten Gruppe braucht Ihr Kalenderprogramm Ihren ",
          E("a", "persönlichen Kalender-Schlüssel", href=url_for("gaa.calendar_key")), ".", class_="gaa-hint")
        if name.startswith(CALENDAR_PREFIX) else None,
        class_="gaa-subscribe",
    )


def list_view(found):
    """The coming dates by month; a series once, at its next date, with its rule and the dates after it."""
    if not found:
        return E("p", "In diesem Zeitraum stehen keine Termine im Kalender.", class_="gaa-empty")
    months: dict[str, list] = {}
    for item in once_each(found):
        months.setdefault(month_year(_day_of(item.occurrence.start)), []).append(item)
    return E("div", [
        E("section", E("h3", label), E("ul", [entry(i.occurrence, i.name, i.following) for i in items], class_="gaa-events"))
        for label, items in months.items()
    ], class_="gaa-event-list")


def _by_day(found) -> dict:
    by_day: dict[date, list] = {}
    for o, name in found:
        by_day.setdefault(_day_of(o.start), []).append((o, name))
    return by_day


def _cell_item(o, name):
    """One date in a cell of the month: its start time and title."""
    start = E("span", time_of(o.start), class_="gaa-time") if isinstance(o.start, datetime) else None
    return E("li", start, " " if start else None, E("a", o.event.titel, href=item_url(name)),
             class_="gaa-cancelled" if o.event.status == "abgesagt" else None)


def month_view(found, year: int, month: int):
    """The month as a grid (wide screens) and as a list by day (small screens; calendar.css shows one)."""
    by_day = _by_day(found)
    weeks = []
    for week in month_grid.Calendar().monthdatescalendar(year, month):
        cells = []
        for day in week:
            items = by_day.get(day, [])
            cells.append(E("td", E("span", str(day.day), class_="gaa-day"),
                           E("ul", [_cell_item(o, n) for o, n in items]) if items else None,
                           class_="gaa-other-month" if day.month != month else None))
        weeks.append(E("tr", cells))
    heads = [E("th", d, scope="col") for d in weekday_abbreviations()]
    caption = month_year(date(year, month, 1))
    grid = E("table", E("caption", caption), E("thead", E("tr", heads)), E("tbody", weeks), class_="gaa-month")
    return [grid, agenda_view(by_day, caption, month)]


def agenda_view(by_day, caption: str, month: int):
    """The month's dates as a list by day: what small screens show instead of the grid."""
    days = [(d, items) for d, items in sorted(by_day.items()) if d.month == month]
    entries = [E("li", E("h3", weekday_day(d)), E("ul", [
        E("li", E("span", hours(o) or "ganztägig", class_="gaa-time"), " ", E("a", o.event.titel, href=item_url(n)),
          E("em", " (verschoben)") if o.moved else None,
          E("strong", f" – {STATUS_LABELS[o.event.status]}") if o.event.status != "bestaetigt" else None)
        for o, n in items
    ])) for d, items in days]
    body = E("ol", entries, class_="gaa-agenda-days") if entries else E(
        "p", "In diesem Monat stehen keine Termine im Kalender.", class_="gaa-empty")
    return E("section", E("h2", caption), body, class_="gaa-agenda", aria_label=f"Termine im {caption}")


def filter_form(name: str, land: str, kind: str, view: str, month: str):
    laender = partnerwiki().vocabulary.laender
    calendars = [("alle", "Netzwerkkalender (alle)")] + [(t.key, f"Koordinierungsstelle {t.label}") for t in laender]
    if name not in dict(calendars):
        calendars.append((name, name))
    return get_filter_form(
        "Termine filtern",
        filter_select("termine", "kalender", "Kalender", calendars, name),
        filter_select("termine", "land", "Land", [("", "alle Länder")] + [(t.key, t.label) for t in laender], land),
        filter_select("termine", "art", "Art", [("", "alle Arten")] + list(KIND_LABELS.items()), kind),
        E("input", type="hidden", name="ansicht", value=view) if view == "monat" else None,
        E("input", type="hidden", name="monat", value=month) if view == "monat" and month else None,
    )


def actions():
    """What the visitor may do here: enter an event (registered), import a file (moderators)."""
    if not flaskg.user.valid:
        return E("p", "Termine eintragen können angemeldete Mitglieder.", class_="gaa-hint")
    links = [E("a", "Termin eintragen", href=url_for("gaa.new_event"), class_="gaa-button")]
    if is_moderator():
        links += [" ", E("a", "Termine importieren (.ics)", href=url_for("gaa.import_events"), class_="gaa-button")]
    return E("p", links, class_="gaa-actions")


def page_link(text: str, **params: str):
    return E("a", text, href=request.path + "?" + urlencode({k: v for k, v in params.items() if v}))


class Macro(MacroBlockBase):
    def macro(self, content, arguments, page_url, alternative):
        try:
            args = parse_args("NetworkCalendar", arguments, PARAMS)
        except MacroArgumentError as e:
            log_bad_arguments("NetworkCalendar", arguments, e)
            return fail_message(str(e), alternative)
        name = args["kalender"]
        months = args["monate"]
        if not NAME.match(name or "") or not ascii_digits(months or "") or len(months) > 2 or not 1 <= int(months) <= 36:
            return fail_message("NetworkCalendar: „kalender“ besteht aus a–z, 0–9 und -, „monate“ ist 1 bis 36.", alternative)
        problems: list[str] = []
        asked = request.args.get("kalender")
        if asked and NAME.match(asked):
            name = asked
        elif asked is not None:
            problems.append(f"„kalender“ besteht aus a–z, 0–9 und -; gezeigt wird der Kalender „{name}“.")
        land = partnerwiki().vocabulary.key_from_query(request.args, "land", "laender", problems)
        kind = request.args.get("art", "")
        if kind and kind not in KIND_LABELS:
            problems.append(f"„{kind[:60]}“ ist keine Veranstaltungsart; gezeigt werden alle Arten.")
            kind = ""
        today = date.today()
        view = request.args.get("ansicht", "liste")
        if view not in VIEWS:
            problems.append("„ansicht“ ist „liste“ oder „monat“; gezeigt wird die Liste.")
            view = "liste"
        if view == "monat":
            try:
                first = parse_month(request.args.get("monat", today.strftime("%Y-%m")))
            except ValueError as e:
                problems.append(str(e))
                first = today.replace(day=1)
            year, month = first.year, first.month
            last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        else:
            first, last = today, today + timedelta(days=31 * int(months))
        with partnerwiki().catalog.reader(ReadRights()) as reader:
            found = calendar_occurrences(reader, name, first, last, {"land": land, "art": kind})
        keep = {"kalender": name, "land": land, "art": kind}
        if view == "monat":
            before, after = first - timedelta(days=1), last + timedelta(days=1)
            prev_link = next_link = None  # no links out of the range the month parameter accepts
            if before.year >= FIRST_YEAR:
                prev_link = page_link("« Vormonat", ansicht="monat", monat=f"{before:%Y-%m}", **keep)
            if after.year <= LAST_YEAR:
                next_link = page_link("Folgemonat »", ansicht="monat", monat=f"{after:%Y-%m}", **keep)
            nav = E("p", prev_link, " · " if prev_link else None, page_link("Liste", **keep),
                    " · " if next_link else None, next_link)
            body = [nav, *month_view(found, year, month)]
        else:
            nav = E("p", page_link("Monatsansicht", ansicht="monat", **keep))
            body = [E("h2", f"Die nächsten Termine ({'alle Kalender' if name == 'alle' else name})"), nav, list_view(found)]
        if problems:
            mark_bad_query()
        message = E("div", [E("p", p) for p in problems], role="alert", class_="gaa-messages") if problems else None
        form = filter_form(name, land, kind, view, f"{first:%Y-%m}")
        return E("div", message, actions(), form, body, subscribe(name), class_="gaa-calendar", id="gaa-kalender")
