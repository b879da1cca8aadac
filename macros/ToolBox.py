"""ToolBox – a list of Werkzeuge, e.g. for „Werkzeug des Monats“ or a life phase's page.

Shows published tools (highlighted first, then by title) matching the arguments.

Parameters:
    lebensphase: a Lebensphase (key)
    empfehlung: a Handlungsempfehlung (key)
    art: a kind of material (key)
    land: a Land (key)
    hervorgehoben: ja | nein (default) – only highlighted tools
    limit: how many tools at most (default 10, at most 100)

Usage:
    <<ToolBox(lebensphase=kita)>>
    <<ToolBox(hervorgehoben=ja, limit=3)>>
"""

from __future__ import annotations

from moin.macros._base import MacroBlockBase, fail_message

from moin_gaa.core.access import ReadRights
from moin_gaa.core.app_state import partnerwiki
from moin_gaa.core.text_input import ascii_digits
from moin_gaa.toolbox.matrix import matching_tools
from moin_gaa.toolbox.toolfilter import ToolFilter

from ._args import MacroArgumentError, Param, log_bad_arguments, parse_args
from ._html import E
from ._tools_html import propose_link, tool_list


def params():
    v = partnerwiki().vocabulary
    return (
        Param("lebensphase", tuple(t.key for t in v.life_phases)),
        Param("empfehlung", tuple(t.key for t in v.recommendations)),
        Param("art", tuple(t.key for t in v.material_kinds)),
        Param("land", tuple(t.key for t in v.laender)),
        Param("hervorgehoben", ("ja", "nein"), "nein"),
        Param("limit", default="10"),
    )


class Macro(MacroBlockBase):
    def macro(self, content, arguments, page_url, alternative):
        try:
            args = parse_args("ToolBox", arguments, params())
        except MacroArgumentError as e:
            log_bad_arguments("ToolBox", arguments, e)
            return fail_message(str(e), alternative)
        if not ascii_digits(args["limit"] or "") or len(args["limit"]) > 3 or not 1 <= int(args["limit"]) <= 100:
            return fail_message("ToolBox: „limit“ muss eine Zahl zwischen 1 und 100 sein.", alternative)
        f = ToolFilter(
            lebensphase=args["lebensphase"] or "",
            empfehlung=args["empfehlung"] or "",
            art=args["art"] or "",
            land=args["land"] or "",
            status="hervorgehoben" if args["hervorgehoben"] == "ja" else "",
        )
        vocabulary = partnerwiki().vocabulary
        with partnerwiki().catalog.reader(ReadRights()) as reader:
            tools = matching_tools(reader, f, int(args["limit"]))
        if not tools:
            return E(
                "p",
                "Hier gibt es noch keine passenden Werkzeuge. ",
                propose_link(lebensphase=f.lebensphase, empfehlung=f.empfehlung),
                class_="gaa-empty",
            )
        return E("div", tool_list(tools, vocabulary), class_="gaa-toolbox")
