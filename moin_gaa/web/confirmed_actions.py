"""moin's state-changing GET links become POSTs with the CSRF token.

moin 2.0.0b5 subscribes, quicklinks, sets the history bookmark and logs out on a plain GET, so an
``<img src=…/+subscribe/X>`` on any page would act in a visitor's name. Here a GET to one of those
addresses only shows a German confirmation page whose button POSTs (with the token) to the same
address; the POST runs moin's own view. ``static/js/csrf.js`` turns clicks on such links into that
POST directly, so people with JavaScript see no extra step.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, request
from moin.themes import render_template

from moin_gaa.web.csrf import csrf_token


@dataclass(frozen=True)
class ConfirmedAction:
    heading: str
    question: str
    button: str


ACTIONS: dict[str, ConfirmedAction] = {
    "frontend.subscribe_item": ConfirmedAction(
        "Abonnement ändern", "Möchten Sie Ihr Abonnement dieser Seite ändern (abonnieren bzw. abbestellen)?", "Abonnement ändern"
    ),
    "frontend.quicklink_item": ConfirmedAction(
        "Schnelllink ändern", "Möchten Sie diese Seite zu Ihren Schnelllinks hinzufügen bzw. daraus entfernen?", "Schnelllink ändern"
    ),
    "frontend.bookmark": ConfirmedAction(
        "Lesezeichen setzen", "Möchten Sie das Lesezeichen der letzten Änderungen setzen bzw. löschen?", "Lesezeichen setzen"
    ),
    "frontend.logout": ConfirmedAction("Abmelden", "Möchten Sie sich abmelden?", "Abmelden"),
}

POST_SUFFIX = "_confirmed"


def confirm_page():
    """before_request: a GET to a state-changing moin address shows the confirmation instead."""
    if request.method not in ("GET", "HEAD") or request.endpoint not in ACTIONS:
        return None
    action = ACTIONS[request.endpoint]
    page = render_template(
        "gaa/confirm_action.html",
        title_name=action.heading,
        heading=action.heading,
        question=action.question,
        button=action.button,
        action=request.full_path.rstrip("?"),
        token=csrf_token(),
        back=request.referrer if (request.referrer or "").startswith(request.host_url) else None,
    )
    return page, 200, {"Cache-Control": "no-store"}


def install(app: Flask) -> None:
    """Give each action a POST route (same address, moin's view) and put the confirmation in front of the GET."""
    for rule in list(app.url_map.iter_rules()):
        if rule.endpoint in ACTIONS:
            app.add_url_rule(
                rule.rule,
                endpoint=rule.endpoint + POST_SUFFIX,  # stays in moin's blueprint: its relative url_for('.x') works
                view_func=app.view_functions[rule.endpoint],
                methods=["POST"],
                defaults=rule.defaults,
            )
    app.before_request(confirm_page)
