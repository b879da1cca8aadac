"""Building HTML output for our macros as moin DOM elements (never as HTML strings).

Elements in the XHTML namespace pass moin's output converter unchanged; text children are
escaped on output, so user data placed here can never become markup.
"""

from __future__ import annotations

from datetime import date
from html.parser import HTMLParser
from typing import Any, Callable, Hashable, Iterable
from xml.etree import ElementTree

from emeraldtree.tree import Element
from flask import request
from moin.utils.tree import html

from moin_gaa.core.moin_internals import finished, is_finished, skip_finished_html
from moin_gaa.core.sanitize import ALLOWED_ATTRIBUTES, ALLOWED_TAGS
from moin_gaa.core.text_input import ascii_digits

skip_finished_html()  # process-wide, like moin's converter registry (without it: moin's converters)


def E(tag: str, *children: Any, **attrs: Any):
    """``E("a", "Text", href="/x", class_="c", aria_label="…")``: an element with escaped children.

    A trailing ``_`` is dropped from attribute names and other ``_`` become ``-``; ``None`` and
    ``False`` attributes are left out, ``True`` ones are written as ``name="name"``.  An element
    without ``style`` or ``data-href`` whose element children are all finished is finished itself
    (:func:`~moin_gaa.core.moin_internals.finished`): moin's converters leave it as it is.
    """
    attrib = {}
    for key, value in attrs.items():
        if value is None or value is False:
            continue
        name, plain = _attribute_names.get(key) or _attribute_name(key)
        attrib[name] = plain if value is True else str(value)
    kids = list(_flatten(children))
    tag_name = _tag_names.get(tag) or _tag_names.setdefault(tag, html(tag))  # html(tag): "title" is also a str method
    if _NOT_FINISHED.isdisjoint(attrib) and all(is_finished(c) for c in kids if isinstance(c, Element)):
        return finished(tag_name, attrib, kids)
    return Element(tag_name, attrib=attrib, children=kids)


_NOT_FINISHED = frozenset((html("style"), html("data-href")))  # moin's converters change these
_tag_names: dict[str, Any] = {}  # tag → its html QName, made once
_attribute_names: dict[str, tuple[Any, str]] = {}  # keyword → (html QName, attribute name)


def _attribute_name(key: str) -> tuple[Any, str]:
    plain = key.rstrip("_").replace("_", "-")
    return _attribute_names.setdefault(key, (html(plain), plain))


def _flatten(children) -> Iterable[Any]:
    for child in children:
        if child is None:
            continue
        if isinstance(child, (list, tuple)):
            yield from _flatten(child)
        elif isinstance(child, (int, float)):
            yield str(child)
        else:
            yield child


def join(items: Iterable[Any], separator: str = ", ") -> list[Any]:
    out: list[Any] = []
    for item in items:
        if out:
            out.append(separator)
        out.append(item)
    return out


def filter_select(prefix: str, name: str, label: str, options, selected):
    """A labelled <select> of a GET filter form; ``options`` are (value, text) pairs."""
    return E(
        "div",
        E("label", label, for_=f"{prefix}-{name}"),
        E("select", [E("option", text, value=value, selected=value == selected) for value, text in options], id=f"{prefix}-{name}", name=name),
        class_="gaa-filter",
    )


def get_filter_form(aria_label: str, *controls):
    """The GET filter form of a list page: a fieldset of controls, apply and reset (works without JS)."""
    path = request.path
    return E(
        "form",
        E("fieldset", E("legend", "Filter"), controls),
        E("button", "Filter anwenden", type="submit", class_="gaa-button"),
        " ",
        E("a", "Filter zurücksetzen", href=path),
        method="get",
        action=path,
        class_="gaa-matrix-filters",
        role="search",
        aria_label=aria_label,
    )


class _CleanHtmlBuilder(HTMLParser):
    """Builds E() elements from sanitiser output; only the sanitiser's tags and attributes pass."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root: list[Any] = []
        self.stack: list[tuple[str, dict, list]] = []

    def _children(self) -> list[Any]:
        return self.stack[-1][2] if self.stack else self.root

    def handle_starttag(self, tag, attrs):
        if tag not in ALLOWED_TAGS:
            return
        allowed = ALLOWED_ATTRIBUTES.get(tag, ())
        kept = {name: value for name, value in attrs if name in allowed and value is not None}
        if tag == "br":
            self._children().append(E("br"))
        else:
            self.stack.append((tag, kept, []))

    def handle_endtag(self, tag):
        if tag == "br" or tag not in ALLOWED_TAGS:
            return
        while self.stack:
            name, attrs, children = self.stack.pop()
            self._children().append(E(name, *children, **attrs))
            if name == tag:
                break

    def handle_data(self, data):
        self._children().append(data)


def from_clean_html(markup: str) -> list[Any]:
    """HTML from :func:`moin_gaa.core.sanitize.clean_html` as moin DOM elements (text escaped on output).

    The sanitiser's output is nearly XML; the C parser of ElementTree reads it several times
    faster than :class:`html.parser.HTMLParser`, which remains the fallback (e.g. for ``&nbsp;``).
    Either way only the allow-listed tags and attributes are built.
    """
    try:
        root = ElementTree.fromstring("<div>" + markup.replace("<br>", "<br/>") + "</div>")
    except ElementTree.ParseError:
        builder = _CleanHtmlBuilder()
        builder.feed(markup)
        builder.close()
        while builder.stack:
            builder.handle_endtag(builder.stack[-1][0])
        return builder.root
    return _from_tree(root)


def _from_tree(node) -> list[Any]:
    out: list[Any] = [node.text] if node.text else []
    for child in node:
        if child.tag in ALLOWED_TAGS:
            allowed = ALLOWED_ATTRIBUTES.get(child.tag, ())
            out.append(E(child.tag, *_from_tree(child), **{k: v for k, v in child.attrib.items() if k in allowed}))
        else:
            out.extend(_from_tree(child))
        if child.tail:
            out.append(child.tail)
    return out


def kept(reader, universe, name: Hashable, build: Callable[[], Any]):
    """A macro's finished output ``build()``, kept per catalog state instead of built on every request.

    ``build()`` may show only what ``name`` (arguments, filters, the viewer's role where it matters), the
    request's address, the day and the readable records of the catalog query ``universe`` decide.  It is kept
    under the exact set of readable documents in ``universe``, like
    :meth:`~moin_gaa.core.catalog.CatalogReader.remembered`: two people who may read different records never
    share one, and every write starts a new catalog state.  Output that is not finished (moin's converters may
    change it) is never shared; it is built every time.  Kept output is shared between requests and threads:
    nothing may change it after ``build()``.
    """
    readable = frozenset(reader.docs(universe))

    def build_finished():
        output = build()
        return output if is_finished(output) else None

    key = ("output", name, request.script_root, request.path, date.today(), readable)
    output = reader.catalog.memo.remembered(reader.searcher.reader(), key, build_finished, bulky=True)
    return build() if output is None else output


def requested_page() -> int:
    """``?seite=`` as a number (1 for anything else); the caller clamps it to its pages."""
    raw = request.args.get("seite", "1")
    return int(raw) if ascii_digits(raw) and len(raw) <= 9 else 1


def pager(page: int, pages: int, href, aria_label: str, back: str = "« vorherige Seite", forward: str = "nächste Seite »"):
    """„Seite 2 von 10“ with links to the neighbours (``href(n)`` is page n's address); None for one page."""
    if pages <= 1:
        return None
    return E(
        "nav",
        E("a", back, href=href(page - 1), rel="prev") if page > 1 else None,
        f" Seite {page} von {pages} ",
        E("a", forward, href=href(page + 1), rel="next") if page < pages else None,
        class_="gaa-pager",
        aria_label=aria_label,
    )
