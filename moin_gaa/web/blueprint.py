"""The ``gaa`` blueprint under ``/+gaa``: our views beside moin's.

Views are thin: they check rights and input, ask the domain modules and render.
"""

from __future__ import annotations

import os
from functools import cached_property

from flask import Blueprint, Flask, abort, flash, redirect, request, url_for
from flask import g as flaskg
from jinja2 import BaseLoader, ChoiceLoader, FileSystemLoader
from markupsafe import Markup
from moin.themes import render_template

from moin_gaa.core.items import AccessDenied, current
from moin_gaa.core.sanitize import clean_html, render_post
from moin_gaa.web.request_groups import remember_groups

PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TEMPLATE_PACKAGES = ("web", "toolbox", "partners", "calendars", "discussions", "notifications")


class PartnerWikiBlueprint(Blueprint):
    """One blueprint whose templates live with their instrument: ``<package>/templates/gaa/…``."""

    @cached_property
    def jinja_loader(self) -> BaseLoader:
        return ChoiceLoader(
            [FileSystemLoader(os.path.join(PACKAGE_DIR, package, "templates")) for package in TEMPLATE_PACKAGES]
        )


gaa = PartnerWikiBlueprint("gaa", __name__)


def install_template_globals(app: Flask) -> None:
    """Make the post filters available in every template; remember group lookups per request.

    ``gaa_clean_html`` cleans stored post HTML again on output (it was cleaned when written),
    ``gaa_markdown`` renders Markdown through the same sanitiser.
    """
    app.jinja_env.filters["gaa_clean_html"] = lambda html: Markup(clean_html(str(html or "")))
    app.jinja_env.filters["gaa_markdown"] = lambda text: Markup(render_post(str(text or "")))
    app.before_request(remember_groups)


def login_first():
    """For anonymous visitors: a redirect to the login page (and back here afterwards), else None."""
    if flaskg.user.valid:
        return None
    flash("Bitte melden Sie sich an, um diese Seite zu nutzen.", "info")
    return redirect(url_for("frontend.login", nexturl=request.full_path))


def stored_record_or_abort(name: str, record_type: str) -> tuple[dict, str]:
    """(meta, text) of the record ``name`` for a form view: 403 without read right, 404 if it is none."""
    try:
        stored = current(name)
    except AccessDenied:
        abort(403)
    if stored is None or stored[0].get("gaa_type") != record_type:
        abort(404)
    return stored


def render_form(template: str, values: dict, errors: dict, *, title: str, action: str, revid: str = "", status: int = 200, **extra):
    """A form page of ours: German title, the submitted (or stored) values and the field errors."""
    page = render_template(
        template, title_name=title, heading=title, values=values, errors=errors, action=action, revid=revid, **extra
    )
    return page, status


def message_page(title: str, message: str, status: int, back: str | None = None):
    """A page of ours with one German message (a refusal, a confirmation) and an optional way back."""
    page = render_template("gaa/message.html", title_name=title, heading=title, message=message, back=back)
    return page, status


def require_superuser() -> None:
    if not flaskg.user.valid:
        abort(403)
    if not flaskg.user.may.superuser():
        abort(403)
