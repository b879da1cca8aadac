"""What surrounds every page: the page's place in the hierarchy, its actions by role, German dates, no IP addresses.

moin's theme shows a trail of recently visited pages, 16 actions to everybody who may write, dates as
„2026-12-03 05:28:23z“ to visitors and the editor's IP address to everybody.  The PartnerWiki theme
(``themes/partnerwiki/templates/layout.html``, ``itemviews.html``) asks this module instead:

- :func:`breadcrumbs` – the page hierarchy („Startseite » Werkzeugkiste » Checkliste …“), full names;
  records below a container that is no page of its own (``Kommunen/``, ``Termine/``, ``Gruppen/``)
  hang below their instrument;
- :func:`curates` / :func:`administers` – who gets the menu of further actions (the moderation) and who
  sees IP addresses (administrators only: :func:`public_editor_info`, :func:`hide_addresses`);
- :func:`german_datetime` replaces moin's ``time_datetime`` filter: „03.12.2026, 05:28“ in the viewer's
  time zone (else the wiki's), for every template that uses it (footer, history, index …);
- :func:`missing_heading` – the page title as the H1 where the page's own text has none;
- moin's converter (``+convert``) is off: only administrators reach it (everybody else gets a German 404).
  moin's talk pages („Diskussion“, ``supplementation_item_names``) are simply not offered by the theme.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from typing import Any, Mapping
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import Flask, before_render_template, current_app, request
from flask import g as flaskg
from moin.constants.keys import ADDRESS, NAME_EXACT
from moin.i18n import get_timezone
from moin.utils.interwiki import url_for_item
from moin.utils.names import CompositeName, split_fqname

from moin_gaa.calendars.events import EVENT_PREFIX
from moin_gaa.core.access import is_moderator
from moin_gaa.core.german_dates import day_time
from moin_gaa.discussions.groups import GROUP_PREFIX
from moin_gaa.partners.municipalities import PROFILE_PREFIX
from moin_gaa.portal.start import waiting_now
from moin_gaa.web.moin_view_guards import refuse

# containers of records that are no pages of their own: their records hang below the instrument
INSTRUMENT_OF = {
    PROFILE_PREFIX.rstrip("/"): "Partnerverzeichnis",
    EVENT_PREFIX.rstrip("/"): "Netzwerkkalender",
    GROUP_PREFIX.rstrip("/"): "Gesprächsräume",
}
# moin's views of an item, in German: the theme's action labels and the last breadcrumb on these views
VIEW_LABELS = {
    "frontend.show_item": "Anzeigen",
    "frontend.modify_item": "Bearbeiten",
    "frontend.history": "Historie",
    "frontend.download_item": "Herunterladen",
    "frontend.rename_item": "Umbenennen",
    "frontend.delete_item": "Löschen",
    "frontend.destroy_item": "Endgültig löschen",
    "frontend.revert_item": "Zurücksetzen",
    "frontend.diff": "Vergleich",
    "frontend.index": "Unterseiten",
    "frontend.highlight_item": "Quelltext",
    "frontend.show_item_meta": "Metadaten",
    "frontend.sitemap": "Seitenübersicht",
    "frontend.similar_names": "Ähnliche Namen",
    "frontend.quicklink_item": "Schnellzugriff",
    "frontend.subscribe_item": "Abonnieren",
}
HEADING_ONE = re.compile(r"<h1[\s>]", re.IGNORECASE)
ANONYMOUS = "anonym"


@dataclass(frozen=True)
class Crumb:
    label: str
    url: str | None = None  # None: the current page, or a level that is no page
    current: bool = False


def breadcrumbs(fqname: Any = "", title_name: Any = "") -> list[Crumb]:
    """Startseite, the page's ancestors and the page (plus the view, e.g. „Historie“); the last one is current.

    ``title_name`` (moin's and our views' page title) ends the trail of pages that are no item (forms, search).
    """
    root = current_app.cfg.default_root
    name = split_fqname(str(fqname or ""))
    crumbs = [Crumb(root, url_for_item(root))]
    if name.value and name.value != root:
        crumbs += _ancestry(name) if name.field == NAME_EXACT else [Crumb(str(title_name or name.value))]
    if name.value and request.endpoint != "frontend.show_item" and request.endpoint in VIEW_LABELS:
        crumbs.append(Crumb(VIEW_LABELS[request.endpoint]))
    elif not name.value and title_name:
        crumbs.append(Crumb(str(title_name)))
    return crumbs[:-1] + [replace(crumbs[-1], url=None, current=True)]


def _ancestry(name: CompositeName) -> list[Crumb]:
    segments = name.value.split("/")
    levels = [(segment, "/".join(segments[: depth + 1])) for depth, segment in enumerate(segments)]
    if len(levels) > 1 and levels[0][0] in INSTRUMENT_OF:
        levels[0] = (INSTRUMENT_OF[levels[0][0]],) * 2
    crumbs = []
    for label, path in levels:
        full = CompositeName(name.namespace, NAME_EXACT, path).fullname
        crumbs.append(Crumb(label, url_for_item(path, namespace=name.namespace) if _exists(full) else None))
    return crumbs


def _exists(fullname: str) -> bool:
    return bool(flaskg.storage.has_item(fullname))


# --- roles ----------------------------------------------------------------------------------------------


def curates() -> bool:
    """The moderation (``Moderatoren`` and administrators): they get the menu of further actions."""
    return is_moderator()


def administers() -> bool:
    """Administrators (moin's superusers): the only ones who see IP addresses."""
    user = getattr(flaskg, "user", None)
    return bool(user is not None and user.valid and user.may.superuser())


def public_editor_info(info: Mapping[str, Any]) -> Mapping[str, Any]:
    """moin's editor info (``get_editor_info``) without IP address or host name unless an administrator asks."""
    if administers():
        return info
    if "ip" in str(info.get("css", "")).split() or "host" in str(info.get("css", "")).split():
        return {"name": None, "text": ANONYMOUS, "css": "editor", "title": ""}
    title, at, _address = str(info.get("title") or "").rpartition(" @ ")
    return {**info, "title": title} if at else info


def hide_addresses(sender, template, context, **extra) -> None:
    """moin's index lists each page's last editor address (as text or link title): only for administrators."""
    if template.name != "index.html" or administers():
        return
    for key in ("files", "dirs"):
        entries = context.get(key)
        if entries:
            context[key] = [e._replace(meta={k: v for k, v in e.meta.items() if k != ADDRESS}) for e in entries]


# --- dates and headings --------------------------------------------------------------------------------


def german_datetime(value: Any = None) -> str:
    """moin's ``time_datetime`` in German („03.12.2026, 05:28“), in the viewer's time zone or the wiki's."""
    if value is None:
        moment = datetime.now(timezone.utc)
    elif isinstance(value, (int, float)):
        moment = datetime.fromtimestamp(value, timezone.utc)
    else:  # moin's datetimes are naive UTC
        moment = value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    try:
        zone = ZoneInfo(get_timezone() or current_app.cfg.timezone_default)
    except (ZoneInfoNotFoundError, ValueError):
        zone = timezone.utc
    return day_time(moment.astimezone(zone))


def missing_heading(rendered: Any, fqname: Any) -> str | None:
    """The page's own name as its H1 if its rendered text has none (one H1 per page), else None."""
    if not isinstance(rendered, str) or HEADING_ONE.search(rendered):
        return None
    name = split_fqname(str(fqname or ""))
    return name.value.rsplit("/", 1)[-1] if name.field == NAME_EXACT and name.value else None


# --- moin's converter is off ---------------------------------------------------------------------------


def converter_off():
    """``before_request``: moin's ``+convert`` exists for administrators only (before curation's own refusal)."""
    if request.endpoint == "frontend.convert_item" and not administers():
        refuse(404, "Diese Funktion gibt es in diesem Wiki nicht.")


def install(app: Flask) -> None:
    """Template globals and filters of the page chrome; moin's converter off (call before curation.install)."""
    app.jinja_env.globals.update(
        gaa_breadcrumbs=breadcrumbs,
        gaa_curates=curates,
        gaa_administers=administers,
        gaa_public_editor_info=public_editor_info,
        gaa_missing_heading=missing_heading,
        gaa_view_label=VIEW_LABELS.get,
        gaa_waiting=waiting_now,  # the moderation's badge: what waits for them (portal/start.py)
    )
    app.jinja_env.filters["time_datetime"] = german_datetime
    app.before_request(converter_off)
    before_render_template.connect(hide_addresses, app, weak=False)
