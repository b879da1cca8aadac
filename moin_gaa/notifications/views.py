"""``/+gaa/benachrichtigungen``: a person's notifications, newest first, paged; mark one or all read (POST);
``/+gaa/abbestellen/<token>``: the unsubscribe link of every notification mail (no login);
``/+gaa/benachrichtigungen/netzwerk-vorschau``: „Neues im PartnerWiki“ as it would go out now (moderators).

Only the recipient sees and marks their notifications: the page is the logged-in person's own, and marking
read names a notification by id *and* recipient, so another person's id answers 404.  The header badge
(``gaa_notification_badge()`` in layout.html) is :func:`moin_gaa.notifications.inbox.unread_badge`.
"""

from __future__ import annotations

from flask import abort, redirect, request, url_for
from flask import g as flaskg
from moin.themes import render_template

from moin_gaa.core.access import is_moderator
from moin_gaa.notifications import events  # noqa: F401 – registers the item_modified receiver
from moin_gaa.notifications.digest import network_context
from moin_gaa.notifications.inbox import page_of, unread_badge
from moin_gaa.notifications.mails import NOTIFICATIONS, account_of, read_token, switch_off
from moin_gaa.notifications.network import network_digest
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


INVALID_LINK = ("Dieser Abbestell-Link ist ungültig – vielleicht wurde er beim Kopieren abgeschnitten oder verändert. "
                "Bitte öffnen Sie den ganzen Link aus der E-Mail, oder melden Sie sich an und ändern Sie Ihre "
                "Einstellungen unter „E-Mail“.")


@gaa.route("/abbestellen/<token>", methods=["GET", "POST"])
def unsubscribe(token: str):
    """Stop notification mails (or „Neues im PartnerWiki“) from the link in a mail, without logging in.

    GET only shows what the link would do and a button: mail programs and virus scanners open links on their
    own, and that must change nothing.  POST switches it off.  Why this is safe without a login:

    * *Who*: the token names the person and the purpose and is signed with the wiki's secret key
      (:func:`moin_gaa.notifications.mails.unsubscribe_token`); it cannot be made or changed without the key,
      so it is the proof that the mail's recipient (or whoever they forwarded it to) asks.  It grants nothing
      else: no login, no reading, only this one switch, and only towards fewer mails.
    * *Cross-site requests*: the POST passes the app's CSRF walls like every other form
      (:mod:`moin_gaa.web.csrf`: same origin, the session's token written into the form on GET).  A foreign
      page would in any case need the secret token of the person it wanted to unsubscribe.
    """
    found = read_token(token)
    user = account_of(found[0]) if found is not None else None
    if user is None:
        return render_template("gaa/unsubscribe.html", title_name="Abbestellen", problem=INVALID_LINK), 400
    purpose = found[1]
    done = request.method == "POST"
    if done:
        switch_off(user, purpose)
    return render_template("gaa/unsubscribe.html", title_name="Abbestellen", problem="", done=done,
                           notifications=purpose == NOTIFICATIONS, token=token)


@gaa.route("/benachrichtigungen/netzwerk-vorschau")
def network_preview():
    """„Neues im PartnerWiki“ with this moment's content, as the next ``gaa-digest`` run would send it."""
    if (login := login_first()) is not None:
        return login
    if not is_moderator():
        abort(403)
    digest = network_digest()
    return render_template("gaa/network_preview.html", title_name="Vorschau: Neues im PartnerWiki", digest=digest,
                           **network_context(digest))
