"""OnlineDiscussions – the Online-Diskussionen: open ones first, then announced, then closed.

Usage:
    <<OnlineDiscussions>>
"""

from __future__ import annotations

from flask import url_for
from moin.macros._base import MacroBlockBase
from whoosh.query import Term

from moin_gaa.core.access import ReadRights, is_moderator
from moin_gaa.core.app_state import partnerwiki
from moin_gaa.discussions.threads import ONLINE_TYPE, PHASE_LABELS, online_discussion_from_fields

from ._html import E
from ._tools_html import item_url

ORDER = {"offen": 0, "angekuendigt": 1, "abgeschlossen": 2}


def _day(iso: str) -> str:
    return f"{iso[8:10]}.{iso[5:7]}.{iso[:4]}"


class Macro(MacroBlockBase):
    def macro(self, content, arguments, page_url, alternative):
        with partnerwiki().catalog.reader(ReadRights()) as reader:
            records = reader.records(reader.docs(Term("record_type", ONLINE_TYPE)))
        found = [(online_discussion_from_fields(r.fields), r.name) for r in records]
        found.sort(key=lambda pair: (ORDER[pair[0].phase()], pair[0].beginn if pair[0].phase() != "abgeschlossen" else "", pair[0].ende),
                   reverse=False)
        items = [
            E("li", E("a", d.titel, href=item_url(name)), " ",
              E("strong", PHASE_LABELS[d.phase()], class_=f"gaa-phase gaa-phase-{d.phase()}"),
              f" · {_day(d.beginn)} bis {_day(d.ende)}")
            for d, name in found
        ]
        create = E("p", E("a", "Online-Diskussion anlegen", href=url_for("gaa.new_online_discussion"), class_="gaa-button")) \
            if is_moderator() else None
        return E("div", create, E("ul", items, class_="gaa-online-list") if items else
                 E("p", "Noch keine Online-Diskussionen.", class_="gaa-empty"), class_="gaa-online-discussions")
