"""``/+gaa/kalender-schluessel``: a member's personal calendar key – create, replace, revoke.

The key is shown once, right after it is made (only its hash is stored); the page lists the
feed addresses of the group calendars the member can read, for Outlook, Thunderbird, Apple and
Google.  Linked from the account menu and from every calendar page.
"""

from __future__ import annotations

from flask import g as flaskg
from flask import request, url_for
from moin.themes import render_template

from moin_gaa.calendars.event_input import readable_group_calendars
from moin_gaa.calendars.feed_tokens import create_token, revoke_token, token_created
from moin_gaa.web import csrf
from moin_gaa.web.blueprint import gaa, login_first


@gaa.route("/kalender-schluessel", methods=["GET", "POST"])
def calendar_key():
    if (login := login_first()) is not None:
        return login
    token, message = None, ""
    if request.method == "POST":
        csrf.require_csrf()
        if request.form.get("aktion") == "widerrufen":
            revoke_token(flaskg.user)
            message = "Ihr Kalender-Schlüssel ist widerrufen: Abonnements mit dem alten Schlüssel erhalten keine Termine mehr."
        else:
            token = create_token(flaskg.user)
            message = "Ihr neuer Kalender-Schlüssel ist erzeugt. Ein älterer Schlüssel gilt ab sofort nicht mehr."
    calendars = [
        (key, name, visibility, url_for("gaa.calendar_feed", name=key, _external=True, **({"token": token} if token else {})))
        for key, name, visibility in readable_group_calendars()
    ]
    page = render_template(
        "gaa/calendar_key.html", title_name="Kalender-Schlüssel", token=token, message=message,
        created=token_created(flaskg.user), calendars=calendars,
    )
    return page, 200, {"Cache-Control": "no-store"}
