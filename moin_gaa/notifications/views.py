"""``/+gaa/benachrichtigungen``: a person's notifications, newest first, paged; mark one or all read (POST).

Only the recipient sees and marks their notifications: the page is the logged-in person's own, and marking
read names a notification by id *and* recipient, so another person's id answers 404.  The header badge
(``gaa_notification_badge()`` in layout.html) is :func:`moin_gaa.notifications.inbox.unread_badge`.
"""

from __future__ import annotations

from flask import abort, redirect, request, url_for
from flask import g as flaskg
from moin.themes import render_template

from moin_gaa.notifications import events  # noqa: F401 – registers the item_modified receiver
from moin_gaa.notifications.inbox import page_of, unread_badge
from moin_gaa.notifications.store import notification_store
from moin_gaa.web import csrf
from moin_gaa.web.blueprint import gaa, login_first


@gaa.app_template_global("gaa_notification_badge")
def notification_badge():
    return unread_badge()


def _page_number() -> int:
    raw = request.values.get("seite", "1")
    return int(raw) if raw.isdigit() and len(raw) < 7 else 1


@gaa.route("/benachrichtigungen")
def notifications_page():
    if (login := login_first()) is not None:
        return login
    page = page_of(flaskg.user.itemid, _page_number())
    return render_template("gaa/notifications.html", title_name="Benachrichtigungen", page=page)


@gaa.route("/benachrichtigungen/gelesen", methods=["POST"])
def mark_read():
    """``id``: one notification read; ``alle``: all of them."""
    if (login := login_first()) is not None:
        return login
    csrf.require_csrf()
    store = notification_store()
    if request.form.get("alle"):
        store.mark_all_read(flaskg.user.itemid)
    else:
        raw = request.form.get("id", "")
        if not raw.isdigit() or len(raw) > 18 or not store.mark_read(flaskg.user.itemid, int(raw)):
            abort(404)
    return redirect(url_for("gaa.notifications_page", seite=_page_number()))
