"""EventCard – the details of a Termin on its page (``Termine/<…>``): when, where, series, status.

No arguments: it shows the page it stands on.  A series says its rule in German („jeden 2.
Donnerstag im Monat, bis 30. Juni 2027“) with its next dates; „In meinen Kalender (.ics)“ gives
the event as a file for one's own calendar.  A broken event shows a German message here and is
left out of feeds.

Usage:
    <<EventCard>>
"""

from __future__ import annotations

from datetime import date, timedelta

from flask import g as flaskg
from flask import url_for
from moin.macros._base import MacroBlockBase, fail_message

from moin_gaa.calendars.events import EVENT_TYPE, STATUS_LABELS, EventError, event_from_fields, parse_value
from moin_gaa.calendars.occurrences import Occurrence, occurrences, weekday_day, when
from moin_gaa.calendars.rule_text import rule_text
from moin_gaa.core.items import current

from ._args import current_item_name
from ._html import E
from ._tools_html import item_url

UPCOMING = 4  # the next dates of a series shown on its card


def _row(label, *value):
    return [E("dt", label), E("dd", *value)]


class Macro(MacroBlockBase):
    def macro(self, content, arguments, page_url, alternative):
        name = current_item_name(page_url)
        stored = current(name)
        if stored is None or stored[0].get("gaa_type") != EVENT_TYPE:
            return fail_message("EventCard gehört auf eine Terminseite (Termine/… oder Gruppen/…/Termine/…).", alternative)
        try:
            event = event_from_fields(stored[0].get("gaa_fields") or {})
        except EventError as e:
            return fail_message(" ".join(e.errors.values()) + " Er erscheint in keinem Kalender-Feed.", alternative)
        today = date.today()
        first = when(Occurrence(event, event.start_value(), event.end_value()))
        rows = [_row("Erster Termin" if event.rrule else "Wann", first)]
        if event.rrule:
            rows.append(_row("Wiederholung", rule_text(event.rrule, event.start_value(), event.tz)))
            upcoming = occurrences(event, today, today + timedelta(days=400))[:UPCOMING]
            if upcoming:
                rows.append(_row("Nächste Termine", E("ul", [
                    E("li", when(o), E("em", " (verschoben)") if o.moved else None) for o in upcoming
                ], class_="gaa-upcoming")))
        if event.ausfaelle:
            rows.append(_row("Fällt aus am", ", ".join(weekday_day(date.fromisoformat(d)) for d in event.ausfaelle)))
        for moved in event.verschiebungen:
            new = Occurrence(event, *(parse_value(v, event.ganztaegig, event.tz) for v in (moved.start, moved.ende)))
            rows.append(_row("Verschoben", f"{weekday_day(date.fromisoformat(moved.datum))} → {when(new)}"))
        if event.ort:
            rows.append(_row("Ort", E("a", event.ort, href=event.ort, rel="nofollow noopener") if event.ort.startswith(("https://", "http://")) else event.ort))
        for label, value in (("Veranstalter", event.veranstalter), ("Kontakt", event.kontakt)):
            if value:
                rows.append(_row(label, value))
        rows.append(_row("Status", STATUS_LABELS[event.status]))
        rows.append(_row("Kalender", [E("a", c, href=url_for("gaa.calendar_feed", name=c)) for c in event.kalender]))
        for label, page in (("Tagesordnung", event.agenda), ("Protokoll", event.protokoll)):
            if page:
                rows.append(_row(label, E("a", page, href=item_url(page))))
        links = [E("a", "In meinen Kalender (.ics)", href=url_for("gaa.event_ics", name=name), class_="gaa-button")]
        if flaskg.user.valid and flaskg.storage.may(name, "write"):
            links += [" ", E("a", "Termin bearbeiten", href=url_for("gaa.edit_event", name=name), class_="gaa-button")]
        return E("section", E("dl", rows, class_="gaa-fields"), E("p", links, class_="gaa-actions"), class_="gaa-card",
                 aria_label="Termin")
