"""GroupDirectory – the Gesprächsräume the visitor may see, with visibility and how to join.

A private group appears only for its members and the moderation (its page is not readable for
anybody else).  Moderators get the link to create a group.

Usage:
    <<GroupDirectory>>
"""

from __future__ import annotations

from flask import g as flaskg
from flask import request, url_for
from moin.macros._base import MacroBlockBase
from whoosh.query import Term

from moin_gaa.core.access import ReadRights, is_moderator
from moin_gaa.core.app_state import partnerwiki
from moin_gaa.discussions.groups import GROUP_TYPE, JOIN_LABELS

from ._html import E
from ._tools_html import item_url


class Macro(MacroBlockBase):
    def macro(self, content, arguments, page_url, alternative):
        with partnerwiki().catalog.reader(ReadRights()) as reader:
            groups = sorted(reader.records(reader.docs(Term("record_type", GROUP_TYPE))), key=lambda r: r.title.lower())
        items = [
            E("li", E("a", g.title, href=item_url(g.name)),
              E("span", " (privat)" if g.fields.get("sichtbarkeit") == "privat" else " (offen)", class_="gaa-badge"),
              E("br"), str(g.fields.get("beschreibung", ""))[:200], E("br"),
              E("span", f"Beitritt: {JOIN_LABELS.get(str(g.fields.get('beitritt')), '')}", class_="gaa-hint"))
            for g in groups
        ]
        create = E("p", E("a", "Gesprächsraum anlegen", href=url_for("gaa.new_group"), class_="gaa-button")) if is_moderator() else None
        if items:
            listing = E("ul", items, class_="gaa-groups")
        elif not flaskg.user.valid:
            listing = E("p", "Gesprächsräume sehen angemeldete Mitglieder: ",
                        E("a", "Anmelden", href=url_for("frontend.login", nexturl=request.full_path)), " oder ",
                        E("a", "registrieren", href=url_for("frontend.register")), ".", class_="gaa-empty")
        else:
            listing = E("p", "Noch keine Gesprächsräume, die Sie sehen können.", class_="gaa-empty")
        return E("div", create, listing, class_="gaa-group-directory")
