"""``/+gaa/aktivitaet`` (the whole network) and ``/+gaa/aktivitaet/<Gruppe>`` (one group space): what changed,
newest first, paged (``?seite=``), each entry readable by the viewer (:mod:`moin_gaa.notifications.activity`).

A space the viewer may not read answers 403 (moin already tells that much at the space's page), one that does not
exist 404.  Open to visitors: they see what is public.
"""

from __future__ import annotations

from flask import abort, request
from flask import g as flaskg
from moin.themes import render_template

from moin_gaa.core.access import ReadRights
from moin_gaa.core.app_state import partnerwiki
from moin_gaa.core.items import AccessDenied, current
from moin_gaa.discussions.groups import GROUP_TYPE, group_from_fields
from moin_gaa.notifications.activity import GROUP_PREFIX, network_queries, space_queries, stream
from moin_gaa.web.blueprint import gaa


def _page_number() -> int:
    raw = request.args.get("seite", "1")
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 7 else 1


def _render(title: str, queries, space: str = ""):
    with partnerwiki().catalog.reader(ReadRights()) as reader:
        page = stream(reader, flaskg.storage, queries, _page_number())
    return render_template("gaa/activity.html", title_name=title, heading=title, page=page, space=space)


@gaa.route("/aktivitaet")
def activity_network():
    return _render("Aktivität im Netzwerk", network_queries())


@gaa.route("/aktivitaet/<path:space>")
def activity_space(space: str):
    try:
        stored = current(GROUP_PREFIX + space)
    except AccessDenied:
        abort(403)
    if stored is None or stored[0].get("gaa_type") != GROUP_TYPE:
        abort(404)
    group = group_from_fields(stored[0]["gaa_fields"])
    return _render(f"Aktivität im Gesprächsraum {group.name}", space_queries(group.name, group.calendar), space)
