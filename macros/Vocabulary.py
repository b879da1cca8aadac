"""Vocabulary – shows one list of the PartnerWiki vocabulary.

Lists the life phases, the 7 Handlungsempfehlungen, the strategy phases (Lewin), the Länder
with their Koordinierungsstellen, or the kinds of municipality, each term linked to its page.

Parameters:
    liste: life_phases | recommendations | lewin_phases | laender | municipality_kinds | material_kinds
           (also the first positional argument; required)
    format: list (default) | table

Usage:
    <<Vocabulary(recommendations)>>
    <<Vocabulary(laender, format=table)>>

Bad arguments show a German message in place of the macro; the rest of the page renders.
"""

from __future__ import annotations

from moin.macros._base import MacroBlockBase, fail_message
from moin.utils.tree import moin_page

from moin_gaa.core.app_state import partnerwiki
from moin_gaa.core.vocabulary import LIST_NAMES, Term, Vocabulary

from ._args import MacroArgumentError, Param, log_bad_arguments, parse_args, wiki_link

PARAMS = (Param("liste", choices=tuple(LIST_NAMES), required=True), Param("format", ("list", "table"), "list"))


def _label(term: Term):
    return wiki_link(term.page, term.label) if term.page else term.label


def _as_list(terms: tuple[Term, ...], ordered: bool):
    items = []
    for term in terms:
        children = [_label(term)]
        if term.description:
            children.append(f" – {term.description}")
        items.append(moin_page.list_item(children=[moin_page.list_item_body(children=children)]))
    return moin_page.list(
        attrib={moin_page.item_label_generate: "ordered" if ordered else "unordered"}, children=items
    )


def _cell(*children):
    return moin_page.table_cell(children=list(children))


def _as_table(list_name: str, terms: tuple[Term, ...]):
    with_office = list_name == "laender"
    headings = ["Land", "Koordinierungsstelle", "Träger"] if with_office else [LIST_NAMES[list_name], "Beschreibung"]
    header = moin_page.table_header(
        children=[moin_page.table_row(children=[_cell(moin_page.strong(children=[h])) for h in headings])]
    )
    rows = []
    for term in terms:
        if with_office:
            cells = [_cell(_label(term)), _cell(term.extra.get("koordinierungsstelle", "")), _cell(term.extra.get("traeger", ""))]
        else:
            cells = [_cell(_label(term)), _cell(term.description)]
        rows.append(moin_page.table_row(children=cells))
    return moin_page.table(
        attrib={moin_page.class_: "gaa-vocabulary"}, children=[header, moin_page.table_body(children=rows)]
    )


def render(vocabulary: Vocabulary, list_name: str, fmt: str):
    terms = vocabulary.terms(list_name)
    if fmt == "table":
        return _as_table(list_name, terms)
    return _as_list(terms, ordered=list_name == "recommendations")


class Macro(MacroBlockBase):
    def macro(self, content, arguments, page_url, alternative):
        try:
            args = parse_args("Vocabulary", arguments, PARAMS)
        except MacroArgumentError as e:
            log_bad_arguments("Vocabulary", arguments, e)
            return fail_message(str(e), alternative)
        return render(partnerwiki().vocabulary, args["liste"], args["format"])
