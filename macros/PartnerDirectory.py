"""PartnerDirectory – the filterable list of all partner municipalities.

Filters come from the page's query string (shareable, no JavaScript needed): ``land``, ``art``,
``phase`` (strategy phase), ``seit`` (partner since year), ``lebensphase`` / ``empfehlung``
(covered by activities), ``q`` (full text) and ``sort`` (name, land, phase, seit, einwohner).
Above the table a server-rendered bar chart shows the municipalities per Land, with the same
numbers as a table for screen readers.

Parameters:
    filter: ja (default) | nein – show the filter form and export links
    diagramm: ja (default) | nein – show the chart per Land

Usage:
    <<PartnerDirectory>>
"""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

from flask import request, url_for
from moin.macros._base import MacroBlockBase, fail_message

from moin_gaa.core.access import ReadRights
from moin_gaa.core.app_state import partnerwiki
from moin_gaa.core.german_dates import day
from moin_gaa.partners.directory import (
    PROFILES,
    SORTS,
    counts_per_land,
    directory_profiles,
    parse_directory_filter,
)

from ._args import MacroArgumentError, Param, log_bad_arguments, parse_args
from ._charts import bar_chart
from ._html import E, filter_select, get_filter_form, kept, pager, requested_page
from ._tools_html import item_url, labels

PARAMS = (Param("filter", ("ja", "nein"), "ja"), Param("diagramm", ("ja", "nein"), "ja"))
PAGE_SIZE = 50


def _link(args: dict) -> str:
    return request.path + ("?" + urlencode(args) if args else "")


def _select(name, label, options, selected):
    return filter_select("verzeichnis", name, label, options, selected)


def filter_form(f, vocabulary):
    def options(list_name, empty):
        return [("", empty)] + [(t.key, t.label) for t in vocabulary.terms(list_name)]

    years = [("", "alle Jahre")] + [(str(y), str(y)) for y in range(2011, date.today().year + 1)]
    return get_filter_form(
        "Partnerkommunen filtern",
        _select("land", "Land", options("laender", "alle Länder"), f.land),
        _select("art", "Art", options("municipality_kinds", "alle Arten"), f.art),
        _select("phase", "Strategiephase", options("lewin_phases", "alle Phasen"), f.phase),
        _select("seit", "Partner seit", years, str(f.seit or "")),
        _select("lebensphase", "aktiv in Lebensphase", options("life_phases", "alle Lebensphasen"), f.lebensphase),
        _select("empfehlung", "aktiv zu Handlungsempfehlung", options("recommendations", "alle Handlungsempfehlungen"), f.empfehlung),
        E("div", E("label", "Volltext", for_="verzeichnis-q"), E("input", id="verzeichnis-q", name="q", type="search", value=f.q), class_="gaa-filter"),
        E("input", type="hidden", name="sort", value=f.sort) if f.sort != "name" else None,
    )


def land_chart(counts: dict[str, int], vocabulary):
    """Partnerkommunen je Land: SVG bars plus the same numbers as a table."""
    rows = [(term.label, counts[term.key]) for term in vocabulary.laender]
    return bar_chart("verzeichnis-diagramm", "Partnerkommunen je Land", "Partnerkommunen je Land (aktuelle Filter ohne Land)",
                     ("Land", "Kommunen"), rows)


def page_number(total: int) -> tuple[int, int]:
    """(current page, number of pages) from ``?seite=``; out-of-range values are clamped."""
    pages = max(1, -(-total // PAGE_SIZE))
    return min(requested_page(), pages), pages


def profile_table(records, f, vocabulary, total: int):
    def header(key, label):
        current = f.sort == key
        return E("th", E("a", label, href=_link(f.args(sort=key)), aria_current="true" if current else None),
                 " ▲" if current else None, scope="col", aria_sort="ascending" if current else None)

    rows = []
    for r in records:
        fields = r.fields
        since = fields.get("partner_seit") or ""
        rows.append(
            E(
                "tr",
                E("th", E("a", r.title, href=item_url(r.name)), scope="row"),
                E("td", ", ".join(labels(vocabulary, "municipality_kinds", fields.get("art", "")))),
                E("td", ", ".join(labels(vocabulary, "laender", fields.get("land", "")))),
                E("td", ", ".join(labels(vocabulary, "lewin_phases", fields.get("strategiephase", "")))),
                E("td", day(date.fromisoformat(since)) if since else ""),
                E("td", f"{fields['einwohner']:,}".replace(",", ".") if fields.get("einwohner") else ""),
                E("td", str(len(fields.get("abgedeckte_zellen") or ()))),
            )
        )
    head = E(
        "tr",
        header("name", SORTS["name"]),
        E("th", "Art", scope="col"),
        [header(key, SORTS[key]) for key in ("land", "phase", "seit", "einwohner")],
        E("th", "Felder abgedeckt", scope="col"),
    )
    return E(
        "div",
        E("table", E("caption", "1 Partnerkommune" if total == 1 else f"{total} Partnerkommunen"), E("thead", head), E("tbody", rows), class_="gaa-directory"),
        class_="gaa-matrix-scroll",
        tabindex="0",
        role="region",
        aria_label="Partnerkommunen",
    )


def directory_widget(reader, args: dict, f, errors: list[str], vocabulary):
    """The whole widget: messages, filter form, chart per Land, one page of the table, export links."""
    listed = directory_profiles(reader, f, vocabulary)
    page, pages = page_number(len(listed))
    shown = reader.page_of_records(listed[(page - 1) * PAGE_SIZE : page * PAGE_SIZE])
    counts = counts_per_land(reader, f, vocabulary) if args["diagramm"] == "ja" else None
    query = urlencode(f.args())
    suffix = "?" + query if query else ""
    if listed:
        body = [profile_table(shown, f, vocabulary, len(listed)),
                pager(page, pages, lambda n: _link({**f.args(), "seite": str(n)}), "Seiten des Verzeichnisses")]
    else:
        body = E("p", "Keine Partnerkommune passt zu diesen Filtern.", class_="gaa-empty")
    export = E("p", "Diese Auswahl exportieren: ", E("a", "CSV", href=url_for("gaa.export_municipalities_csv") + suffix),
               " · ", E("a", "JSON", href=url_for("gaa.export_municipalities_json") + suffix), class_="gaa-export")
    return E(
        "div",
        E("div", [E("p", m) for m in errors], class_="gaa-messages", role="alert") if errors else None,
        filter_form(f, vocabulary) if args["filter"] == "ja" else None,
        land_chart(counts, vocabulary) if counts is not None else None,
        body,
        export if args["filter"] == "ja" else None,
        class_="gaa-directory-widget",
        id="gaa-verzeichnis",
    )


class Macro(MacroBlockBase):
    def macro(self, content, arguments, page_url, alternative):
        try:
            args = parse_args("PartnerDirectory", arguments, PARAMS)
        except MacroArgumentError as e:
            log_bad_arguments("PartnerDirectory", arguments, e)
            return fail_message(str(e), alternative)
        vocabulary = partnerwiki().vocabulary
        f, errors = parse_directory_filter(request.args, vocabulary)
        name = ("PartnerDirectory", tuple(sorted(args.items())), f, tuple(errors), requested_page())
        with partnerwiki().catalog.reader(ReadRights()) as reader:
            return kept(reader, PROFILES, name, lambda: directory_widget(reader, args, f, errors, vocabulary))
