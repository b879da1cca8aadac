"""Argument tables for our macros: parse, check, and explain mistakes in German.

moin's plugin loader skips ``_``-prefixed modules, so shared macro helpers live here.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Sequence

from flask import request
from moin.utils import iri
from moin.utils.tree import moin_page, xlink

from moin_gaa.core.moin_internals import parse_macro_arguments

log = logging.getLogger(__name__)


class MacroArgumentError(ValueError):
    """Bad macro arguments; the message is shown to the reader, in German."""


@dataclass(frozen=True)
class Param:
    """One macro parameter: positional by its place in the table, or ``name=value``."""

    name: str
    choices: tuple[str, ...] = ()
    default: str | None = None
    required: bool = False


def parse_args(macro: str, arguments: Sequence[str] | None, params: Sequence[Param]) -> dict[str, str | None]:
    """Map the macro's argument text onto ``params``; raise :class:`MacroArgumentError` on any mistake."""
    text = arguments[0] if arguments else ""
    parsed = parse_macro_arguments(text or "")
    known = {p.name: p for p in params}
    values: dict[str, str | None] = {p.name: p.default for p in params}
    if len(parsed.positional) > len(params):
        raise MacroArgumentError(f"{macro}: zu viele Angaben ({len(parsed.positional)}, höchstens {len(params)}).")
    for param, value in zip(params, parsed.positional):
        values[param.name] = value
    for key, value in parsed.keyword.items():
        if key not in known:
            allowed = ", ".join(known) or "keine"
            raise MacroArgumentError(f"{macro}: unbekannter Parameter „{key}“ (erlaubt: {allowed}).")
        values[key] = value
    for param in params:
        value = values[param.name]
        if value is None and param.required:
            raise MacroArgumentError(f"{macro}: „{param.name}“ fehlt (möglich: {', '.join(param.choices)}).")
        if value is not None and param.choices and value not in param.choices:
            raise MacroArgumentError(
                f"{macro}: „{value}“ ist kein gültiger Wert für „{param.name}“ (möglich: {', '.join(param.choices)})."
            )
    return values


def log_bad_arguments(macro: str, arguments: Sequence[str] | None, error: Exception) -> None:
    log.warning("macro %s with bad arguments %r: %s", macro, arguments, error)


def wiki_link(item_name: str, label: str):
    """A link to a wiki item, as moin's own macros build it."""
    url = str(iri.Iri(scheme="wiki", authority="", path="/" + item_name))
    return moin_page.a(attrib={xlink.href: url}, children=[label])


def current_item_name(page_url) -> str:
    """The item being shown.

    Not ``page_url`` alone: moin caches the page DOM by content hash, page_url included, so two
    pages with the same text would otherwise see each other's name.
    """
    name = (request.view_args or {}).get("item_name")
    if name:
        return name
    return str(getattr(page_url, "path", "") or "").lstrip("/")
