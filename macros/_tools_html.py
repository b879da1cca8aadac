"""HTML pieces shared by the Werkzeugkiste macros (ToolCard, ToolBox, LifePhaseMatrix)."""

from __future__ import annotations

from flask import url_for

from moin_gaa.core.records import Record
from moin_gaa.core.vocabulary import Vocabulary, VocabularyError
from moin_gaa.toolbox.tools import STATUS_LABELS, shows_example_note

from ._html import E, join

EXAMPLE_NOTE = (
    "Dieses Werkzeug ist ein Beispiel für das PartnerWiki und in dieser Form nicht veröffentlicht; "
    "es gibt dazu keinen Link und keine Datei."
)
EXAMPLE_MARK = "Beispiel im PartnerWiki"


def count_tools(n: int) -> str:
    return "1 Werkzeug" if n == 1 else f"{n} Werkzeuge"


def item_url(name: str) -> str:
    return url_for("frontend.show_item", item_name=name)


def status_badge(status: str):
    label = STATUS_LABELS.get(status, status)
    return E("span", f"Status: {label}", class_=f"gaa-status gaa-status-{status}")


def labels(vocabulary: Vocabulary, list_name: str, keys) -> list[str]:
    out = []
    for key in keys if isinstance(keys, (list, tuple)) else [keys]:
        try:
            out.append(vocabulary.label(list_name, key))
        except VocabularyError:
            out.append(str(key))
    return out


def tool_item(record: Record, vocabulary: Vocabulary, *, show_status: bool = True):
    """One tool in a list: title link, highlight mark, short description, kind, year, source, example mark."""
    fields = record.fields
    status = str(fields.get("status", ""))
    meta = [", ".join(labels(vocabulary, "material_kinds", fields.get("art", "")))]
    if fields.get("jahr"):
        meta.append(str(fields["jahr"]))
    if fields.get("quelle"):
        meta.append(str(fields["quelle"]))
    if shows_example_note(fields):
        meta.append(EXAMPLE_MARK)
    return E(
        "li",
        E(
            "article",
            E(
                "h3",
                E("a", record.title, href=item_url(record.name)),
                " ",
                E("span", "★ hervorgehoben", class_="gaa-highlight") if status == "hervorgehoben" else None,
            ),
            E("p", str(fields.get("kurzbeschreibung", ""))),
            E("p", " · ".join(m for m in meta if m), class_="gaa-tool-meta"),
            status_badge(status) if show_status and status not in ("geprueft", "hervorgehoben") else None,
        ),
        class_="gaa-tool" + (" gaa-tool-highlighted" if status == "hervorgehoben" else ""),
    )


def tool_list(records: list[Record], vocabulary: Vocabulary, **attrs):
    return E("ul", [tool_item(r, vocabulary) for r in records], class_="gaa-tool-list", **attrs)


def propose_link(text: str = "Werkzeug vorschlagen", **prefill: str):
    args = {k: v for k, v in prefill.items() if v}
    return E("a", text, href=url_for("gaa.propose_tool", **args), class_="gaa-propose")


def term_links(vocabulary: Vocabulary, list_name: str, keys) -> list:
    terms = []
    for key in keys if isinstance(keys, (list, tuple)) else [keys]:
        try:
            term = vocabulary.term(list_name, key)
        except VocabularyError:
            terms.append(str(key))
            continue
        terms.append(E("a", term.label, href=item_url(term.page)) if term.page else term.label)
    return join(terms)
