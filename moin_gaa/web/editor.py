"""moin's editor and history for free pages, in German (issue 14, point 8).

Free pages (Ergebnissicherung, group documents, help pages) are written in moin's own editor
(``/+modify/<name>``).  moin 2.0.0b5 shows there an ACL field reading „None“ to everybody with the admin
right, a „Namen“ field that renames the page, „OK“, and a link to help items this wiki does not load
(„Fragen Sie den Wiki Administrator …“).  The templates ``wiki_local/modify.html`` and
``wiki_local/history.html`` show a German editor and history instead; this module gives them what they ask:

- :func:`markup_help` – the help page on the markup of the item's content type (``Hilfe/Wiki-Textformat``
  for moin's wiki markup), if it exists and the person may read it;
- the ACL: only those with moin's ``admin`` right on the item see the field; a changed ACL from anybody
  else is refused before moin runs (:mod:`moin_gaa.web.curation`, ``_check_modify``), and moin's
  ``store_revision`` demands ``admin`` for any ACL change as well.  The name field travels hidden and
  unchanged (renaming is „Umbenennen“; a changed name in a POST is checked like a rename by curation).

On a moin upgrade compare moin's ``modify.html``, ``modify_meta.html``, ``modify_text.html`` and
``history.html`` with our overrides (their header comments say what changed).
"""

from __future__ import annotations

from flask import Flask
from flask import g as flaskg
from moin.storage.middleware.exceptions import AccessDenied
from moin.utils.names import split_fqname

# the help page on each markup, by the content type's MIME type (without parameters)
MARKUP_HELP = {"text/x.moin.wiki": "Hilfe/Wiki-Textformat"}


def markup_help(contenttype: str | None) -> str | None:
    """The name of the help page on the markup of ``contenttype``, if it exists and the person may read it."""
    mime = str(contenttype or "").split(";", 1)[0].strip()
    name = MARKUP_HELP.get(mime)
    if name is None or "format=1.9" in str(contenttype):
        return None
    try:
        return name if flaskg.storage.get_item(**split_fqname(name).query) else None
    except AccessDenied:
        return None


def install(app: Flask) -> None:
    """Template globals of the German editor and history (``wiki_local/modify.html``, ``history.html``)."""
    app.jinja_env.globals["gaa_markup_help"] = markup_help
