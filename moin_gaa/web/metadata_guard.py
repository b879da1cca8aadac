"""Hostile metadata (issue 10, point 1): shown as text everywhere, refused when saved in moin's forms.

Any registered user can give a page tags, a summary, a comment, names, or themselves a display
name.  moin 2.0.0b5 printed some of these unescaped (its search printed tags with ``|safe``, its
``+meta``/``+delete``/``+rename``/``+revert`` table the item names), so a tag ``<svg onload=…>``
ran as script for every visitor.  Two walls:

1. **Display** (the one that matters, it also covers items stored before): ``wiki_local/`` holds
   our override of the moin template that did this – ``utils.html`` (moin's macros re-exported, ``meta_info``
   replaced); moin's search page is not rendered at all (ours: :mod:`moin_gaa.web.search_page`).  ``cfg.template_dirs``
   puts ``wiki_local/`` ahead of moin's templates; :func:`install_moin_templates` makes moin's
   originals reachable as ``moin/<name>`` so an override can import the parts it keeps.
   moin's index page deletes and destroys selected items by ajax and inserts the answer's messages
   (which name the items) as HTML; :func:`escape_ajax_messages` escapes them on the way out.
2. **Save**: :func:`refuse_markup_in_moin_forms` refuses, with a German message (400), a POST to
   moin's own views whose names or tags contain ``<`` or ``>``, whose summary, comment or display
   name contain something that reads as an HTML tag, or whose content type is not a plain MIME
   type – before moin stores anything.  Our own ``/+gaa`` forms check their fields themselves.
"""

from __future__ import annotations

import json
import os
import re

import moin
from flask import Flask, Response, abort, request
from jinja2 import ChoiceLoader, FileSystemLoader, PrefixLoader
from markupsafe import escape

MOIN_TEMPLATES = os.path.join(os.path.dirname(moin.__file__), "templates")
MOIN_PREFIX = "moin"

# Name fields of moin's forms (editor, rename, create, index dialog, settings, registration).
NAME_FIELDS = ("meta_form_name", "target", "newitem", "name", "register_username")
TAG_FIELDS = ("meta_form_tags",)
TEXT_FIELDS = ("meta_form_summary", "comment", "display_name")
# The moin views that save what the fields above carry.
GUARDED_ENDPOINTS = {
    "frontend.modify_item",
    "frontend.rename_item",
    "frontend.create_item",
    "frontend.ajaxmodify",
    "frontend.delete_item",
    "frontend.destroy_item",
    "frontend.revert_item",
    "frontend.convert_item",
    "frontend.usersettings",
    "frontend.register",
}

NAME_CHARS = re.compile(r"[<>]")
MARKUP = re.compile(r"<[A-Za-z/!?]")  # what starts an HTML element, end tag, comment or declaration
MIME_TYPE = re.compile(r"^[\w.+-]+/[\w.+-]+(?:\s*;\s*[\w.+-]+=[\w.+-]+)*$")

NAME_MESSAGE = "Namen dürfen die Zeichen „<“ und „>“ nicht enthalten."
TAG_MESSAGE = "Schlagworte dürfen die Zeichen „<“ und „>“ nicht enthalten."
TEXT_MESSAGE = (
    "Zusammenfassung, Kommentar und Anzeigename dürfen keine HTML-Auszeichnung enthalten "
    "(etwa „<svg …>“ oder „<script>“). Bitte schreiben Sie „<“ nur mit Leerzeichen dahinter "
    "oder lassen Sie es weg."
)
CONTENTTYPE_MESSAGE = "Der Inhaltstyp ist ungültig (erwartet wird etwa „text/plain;charset=utf-8“)."


def install_moin_templates(app: Flask) -> None:
    """Make moin's own templates reachable as ``moin/<name>``, after every other loader."""
    app.jinja_env.loader = ChoiceLoader(
        [app.jinja_env.loader, PrefixLoader({MOIN_PREFIX: FileSystemLoader(MOIN_TEMPLATES)})]
    )


def metadata_problem(form, values, endpoint: str, view_args: dict) -> str | None:
    """The German reason why this request to moin's ``endpoint`` may not save, or None."""
    names = [v for key in NAME_FIELDS for v in form.getlist(key)]
    if endpoint == "frontend.modify_item":
        names.append(view_args.get("item_name") or "")  # a new item is named by its address
    if any(NAME_CHARS.search(name) for name in names):
        return NAME_MESSAGE
    if any(NAME_CHARS.search(tags) for key in TAG_FIELDS for tags in form.getlist(key)):
        return TAG_MESSAGE
    if any(MARKUP.search(text) for key in TEXT_FIELDS for text in form.getlist(key)):
        return TEXT_MESSAGE
    contenttype = values.get("contenttype")
    if endpoint == "frontend.modify_item" and contenttype and not MIME_TYPE.match(contenttype):
        return CONTENTTYPE_MESSAGE
    return None


def refuse_markup_in_moin_forms():
    """``before_request``: the save-time wall in front of moin's editor, rename, settings and registration."""
    if request.method != "POST" or request.endpoint not in GUARDED_ENDPOINTS:
        return None
    problem = metadata_problem(request.form, request.values, request.endpoint, request.view_args or {})
    if problem:
        abort(400, description=f"Nicht gespeichert: {problem}")
    return None


# moin's +index ajax actions: index_action.js puts each message into the page with jQuery as HTML.
AJAX_MESSAGE_ENDPOINTS = {"frontend.ajaxdelete", "frontend.ajaxdestroy"}


def escape_ajax_messages(response: Response) -> Response:
    """``after_request``: the messages of moin's ajax delete/destroy (plain text naming items) as HTML text."""
    if request.endpoint not in AJAX_MESSAGE_ENDPOINTS or response.mimetype != "application/json":
        return response
    data = response.get_json(silent=True)
    if isinstance(data, dict) and isinstance(data.get("messages"), list):
        data["messages"] = [str(escape(message)) for message in data["messages"]]
        response.set_data(json.dumps(data))
    return response


def install(app: Flask) -> None:
    install_moin_templates(app)
    app.before_request(refuse_markup_in_moin_forms)
    app.after_request(escape_ajax_messages)
