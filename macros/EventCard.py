"""EventCard – the details of a Termin on its page (``Termine/<…>``): when, where, series, status.

No arguments: it shows the page it stands on.  A broken event shows a German message here and
is left out of feeds.

Usage:
    <<EventCard>>
"""

from __future__ import annotations

from datetime import date, timedelta

from flask import g as flaskg
from flask import url_for
from moin.macros._base import MacroBlockBase, fail_message

from moin_gaa.calendars.events import (
    EVENT_TYPE,
    RECURRENCE_LABELS,
    STATUS_LABELS,
    EventError,
    event_from_fields,
    parse_value,
)
from moin_gaa.calendars.occurrences import Occurrence, occurrences, when
from moin_gaa.core.german_dates import day
from moin_gaa.core.items import current

from ._args import current_item_name
from ._html import E
from ._tools_html import item_url


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
        upcoming = occurrences(event, today, today + timedelta(days=400))[:1] if event.rrule else []
        rows = [_row("Wann", when(Occurrence(event, event.start_value(), event.end_value())))]
        if upcoming:
            rows.append(_row("Nächster Termin", when(upcoming[0])))
        if event.wiederholung:
            rows.append(_row("Wiederholung", RECURRENCE_LABELS[event.wiederholung], E("br"), E("code", event.rrule)))
        if event.ausfaelle:
            rows.append(_row("Fällt aus am", ", ".join(day(date.fromisoformat(d)) for d in event.ausfaelle)))
        for moved in event.verschiebungen:
            new = Occurrence(event, *(parse_value(v, event.ganztaegig, event.tz) for v in (moved.start, moved.ende)))
            rows.append(_row("Verschoben", f"{day(date.fromisoformat(moved.datum))} → {when(new)}"))
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
        edit = None
        if flaskg.user.valid and flaskg.storage.may(name, "write"):
            edit = E("p", E("a", "Termin bearbeiten", href=url_for("gaa.edit_event", name=name), class_="gaa-button"))
        return E("section", E("dl", rows, class_="gaa-fields"), edit, class_="gaa-card", aria_label="Termin")
