"""The search page at moin's address ``/+search?q=…`` (the header's search box sends there): our German search.

moin's search view printed its whoosh query („Whoosh Abfrage: …“), the terms matched per hit („namengram:…“),
English options and up to 100 mixed hits on one page.  We wrap ``frontend.search`` (never patch it) and answer
every request to it with ``gaa/search.html``: the hits of :func:`moin_gaa.portal.search.search` by kind with
counts, links that filter by kind (``?art=werkzeuge``) and page (``?seite=2``) – plain links, no script.
moin's ``\\Wort`` (jump to the best hit) still redirects, to the best *readable* hit.
"""

from __future__ import annotations

from flask import Flask, redirect, request, url_for
from moin.themes import render_template

from moin_gaa.portal.search import MAX_CHARS, PER_KIND, PER_PAGE, QueryProblem, search
from moin_gaa.web.moin_view_guards import guard

BEST_HIT = "\\"  # moin's prefix: go to the best hit


def install(app: Flask) -> None:
    """Our search page on moin's endpoint (call after ``moin_view_guards.install``: this wrapper runs first)."""
    guard(app, "frontend.search", search_page)


def search_page(_view, **_kwargs):
    text = (request.values.get("q") or "").strip()
    jump = text.startswith(BEST_HIT)
    text = text.lstrip(BEST_HIT).strip()
    if not text:
        return page(text)
    try:
        results = search(text, request.values.get("art"), page_number(request.values.get("seite")))
    except QueryProblem as problem:
        return page(text[:MAX_CHARS], problem=str(problem)), 400
    best = results.best() if jump else None
    if best is not None:
        return redirect(url_for("frontend.show_item", item_name=best.item_name))
    return page(text, results=results)


def page_number(value: str | None) -> int:
    try:
        return int(value or 1)
    except ValueError:
        return 1


def page(text: str, **context) -> str:
    return render_template("gaa/search.html", title_name=f"Suche: {text}" if text else "Suche", query=text,
                           per_kind=PER_KIND, per_page=PER_PAGE, **context)
