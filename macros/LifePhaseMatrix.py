"""LifePhaseMatrix – the Werkzeugkiste as a matrix of Handlungsempfehlungen × Lebensphasen.

Each cell counts the published tools for that pair, names highlighted tools first and links to
its list; an empty cell is marked as a gap with a link to propose a tool for it.  Filters (kind
of material, Land, years, full text; status for moderators) come from the page's query string,
so every filtered view is a shareable URL and works without JavaScript; with JavaScript,
filters and cells update in place.

Parameters:
    zeile: one Handlungsempfehlung (key), shows only that row
    spalte: one Lebensphase (key), shows only that column
    art: only this kind of material (key)
    limit: how many tools a cell's list shows (default 50)
    filter: ja (default) | nein – show the filter form and export links

Usage:
    <<LifePhaseMatrix>>
    <<LifePhaseMatrix(zeile=beteiligung)>>
    <<LifePhaseMatrix(zeile=beteiligung, spalte=kita, filter=nein)>>
"""

from __future__ import annotations

from dataclasses import replace
from urllib.parse import urlencode

from flask import request, url_for
from moin.macros._base import MacroBlockBase, fail_message

from moin_gaa.core.access import ReadRights, is_moderator
from moin_gaa.core.app_state import partnerwiki
from moin_gaa.toolbox.matrix import TOOLS, build_matrix, matching_tools, sort_tools
from moin_gaa.toolbox.toolfilter import ALL_STATUSES, ToolFilter, parse_filter
from moin_gaa.toolbox.tools import STATUS_LABELS

from ._args import MacroArgumentError, Param, log_bad_arguments, parse_args
from ._grid import grid
from ._html import E, filter_select, get_filter_form, kept
from ._tools_html import count_tools, propose_link, tool_list


def params():
    v = partnerwiki().vocabulary
    return (
        Param("zeile", tuple(t.key for t in v.recommendations)),
        Param("spalte", tuple(t.key for t in v.life_phases)),
        Param("art", tuple(t.key for t in v.material_kinds)),
        Param("limit", default="50"),
        Param("filter", ("ja", "nein"), "ja"),
    )


def page_link(args: dict) -> str:
    return request.path + ("?" + urlencode(args) if args else "")


def _select(name, label, options, selected):
    return filter_select("matrix", name, label, options, selected)


def _input(name, label, value, **attrs):
    return E("div", E("label", label, for_=f"matrix-{name}"), E("input", id=f"matrix-{name}", name=name, value=value or "", **attrs), class_="gaa-filter")


def filter_form(f: ToolFilter, vocabulary, moderator: bool, fixed_art: str):
    controls = []
    if not fixed_art:
        controls.append(_select("art", "Art", [("", "alle Arten")] + [(t.key, t.label) for t in vocabulary.material_kinds], f.art))
    controls.append(_select("land", "Land", [("", "alle Länder")] + [(t.key, t.label) for t in vocabulary.laender], f.land))
    controls.append(_input("jahr_von", "Jahr von", f.jahr_von, inputmode="numeric", size="4"))
    controls.append(_input("jahr_bis", "Jahr bis", f.jahr_bis, inputmode="numeric", size="4"))
    controls.append(_input("q", "Volltext", f.q, type="search"))
    if moderator:
        options = [("", "veröffentlicht"), (ALL_STATUSES, "alle Status")] + list(STATUS_LABELS.items())
        controls.append(_select("status", "Status", options, f.status))
    hidden = [E("input", type="hidden", name=k, value=v) for k, v in f.args().items() if k in ("lebensphase", "empfehlung")]
    return get_filter_form("Werkzeuge filtern", controls, hidden)


def matrix_table(matrix, f: ToolFilter):
    def cell(rec, phase):
        tools = matrix.cell(rec.key, phase.key)
        if tools.is_gap:
            gap = [
                E("span", "Lücke: noch keine Werkzeuge", class_="gaa-gap-label"),
                E("br"),
                propose_link("Werkzeug vorschlagen", lebensphase=phase.key, empfehlung=rec.key),
            ]
            return gap, "gaa-cell gaa-gap"
        selected = f.lebensphase == phase.key and f.empfehlung == rec.key
        content = [
            E(
                "a",
                E("span", count_tools(tools.count), class_="gaa-count"),
                E("span", f" für {rec.label} in der Lebensphase {phase.label}", class_="pw-visually-hidden"),
                href=page_link(f.args(lebensphase=phase.key, empfehlung=rec.key)) + "#werkzeugliste",
                class_="gaa-cell-link",
                aria_current="true" if selected else None,
            ),
            E("ul", [E("li", "★ ", r.title) for r in tools.highlighted], class_="gaa-cell-highlights") if tools.highlighted else None,
        ]
        return content, "gaa-cell" + (" gaa-selected" if selected else "")

    gaps = "1 Lücke" if matrix.gaps == 1 else f"{matrix.gaps} Lücken"
    caption = f"Werkzeuge nach Handlungsempfehlung und Lebensphase: {count_tools(matrix.total)}, {gaps}"
    return grid(caption, matrix.recommendations, matrix.phases, cell, region_label="Matrix")


def cell_list(reader, f: ToolFilter, vocabulary, limit: int):
    phase = vocabulary.label("life_phases", f.lebensphase) if f.lebensphase else "alle Lebensphasen"
    rec = vocabulary.label("recommendations", f.empfehlung) if f.empfehlung else "alle Handlungsempfehlungen"
    tools = sort_tools(matching_tools(reader, f))
    heading = E("h2", f"{count_tools(len(tools))}: {rec} · {phase}", id="werkzeugliste", tabindex="-1")
    if not tools:
        body = E("p", "Für diese Auswahl gibt es noch keine Werkzeuge. ", propose_link(lebensphase=f.lebensphase, empfehlung=f.empfehlung), class_="gaa-empty")
    else:
        more = E("p", f"Die ersten {limit} von {len(tools)} – alle im Export.") if len(tools) > limit else None
        body = [tool_list(tools[:limit], vocabulary), more]
    return E("section", heading, body, E("p", E("a", "Auswahl aufheben", href=page_link(f.args(lebensphase="", empfehlung="")))), class_="gaa-cell-list")


def export_links(f: ToolFilter):
    query = urlencode(f.args())
    suffix = "?" + query if query else ""
    return E(
        "p",
        "Diese Auswahl exportieren: ",
        E("a", "CSV", href=url_for("gaa.export_tools_csv") + suffix),
        " · ",
        E("a", "JSON", href=url_for("gaa.export_tools_json") + suffix),
        class_="gaa-export",
    )


def matrix_widget(reader, args: dict, limit: int, f: ToolFilter, errors: list[str], moderator: bool, vocabulary):
    """The whole widget: messages, filter form, the matrix, export links and the chosen cell's list."""
    matrix = build_matrix(
        reader,
        vocabulary,
        f,
        recommendations=(args["zeile"],) if args["zeile"] else (),
        phases=(args["spalte"],) if args["spalte"] else (),
    )
    show_filters = args["filter"] == "ja"
    return E(
        "div",
        E("div", [E("p", message) for message in errors], class_="gaa-messages", role="alert") if errors else None,
        filter_form(f, vocabulary, moderator, args["art"]) if show_filters else None,
        matrix_table(matrix, f),
        export_links(f) if show_filters else None,
        cell_list(reader, f, vocabulary, limit) if f.has_cell else None,
        class_="gaa-matrix-widget",
        id="gaa-matrix",
    )


class Macro(MacroBlockBase):
    def macro(self, content, arguments, page_url, alternative):
        try:
            args = parse_args("LifePhaseMatrix", arguments, params())
            limit = int(args["limit"])
            if not 1 <= limit <= 500:
                raise ValueError
        except MacroArgumentError as e:
            log_bad_arguments("LifePhaseMatrix", arguments, e)
            return fail_message(str(e), alternative)
        except ValueError:
            return fail_message("LifePhaseMatrix: „limit“ muss eine Zahl zwischen 1 und 500 sein.", alternative)
        vocabulary = partnerwiki().vocabulary
        moderator = is_moderator()
        f, errors = parse_filter(request.args, vocabulary, may_see_all=moderator)
        if args["art"]:
            f = replace(f, art=args["art"])
        name = ("LifePhaseMatrix", tuple(sorted(args.items())), moderator, f, tuple(errors))
        with partnerwiki().catalog.reader(ReadRights()) as reader:
            return kept(reader, TOOLS, name,
                        lambda: matrix_widget(reader, args, limit, f, errors, moderator, vocabulary))
