"""PeopleDirectory – the people who have an account, for registered users: search by name, paged.

Each entry: the name (a link to the person page ``/users/<Name>``) and the Kommune/Organisation from the
profile – never an e-mail address.  Anonymous visitors get a hint to log in instead of the list.  The
search comes from the query string (``q``: every word must occur in the name; ``seite``: the page), so
it works without JavaScript and can be shared.

Usage:
    <<PeopleDirectory>>
"""

from __future__ import annotations

from urllib.parse import urlencode

from flask import g as flaskg
from flask import request, url_for
from moin.macros._base import MacroBlockBase

from moin_gaa.core.accounts import account_affiliation, matching_accounts
from moin_gaa.core.text_input import form_value

from ._html import E, pager, requested_page

PAGE_SIZE = 50
QUERY_LIMIT = 100


def person_url(name: str) -> str:
    return url_for("frontend.show_item", item_name=f"users/{name}")


def page_link(query: str, page: int) -> str:
    args = {"q": query} if query else {}
    return request.path + "?" + urlencode({**args, "seite": str(page)})


def count_people(n: int) -> str:
    return "1 Person" if n == 1 else f"{n} Personen"


def search_form(query: str):
    return E(
        "form",
        E("div", E("label", "Name", for_="personen-q"),
          E("input", id="personen-q", name="q", type="search", value=query, maxlength=str(QUERY_LIMIT)), class_="gaa-field"),
        E("button", "Suchen", type="submit", class_="gaa-button"),
        " ",
        E("a", "Alle zeigen", href=request.path) if query else None,
        method="get", action=request.path, role="search", aria_label="Personen suchen", class_="gaa-people-search",
    )


def login_hint():
    return E("p", "Das Personenverzeichnis sehen angemeldete Mitglieder: ",
             E("a", "Anmelden", href=url_for("frontend.login", nexturl=request.full_path.rstrip("?"))), " oder ",
             E("a", "registrieren", href=url_for("frontend.register")), ".", class_="gaa-empty")


class Macro(MacroBlockBase):
    def macro(self, content, arguments, page_url, alternative):
        if not flaskg.user.valid:
            return E("div", login_hint(), class_="gaa-people")
        query = form_value(request.args.get("q", ""), QUERY_LIMIT)
        found = matching_accounts(query)
        pages = max(1, -(-len(found) // PAGE_SIZE))
        page = min(requested_page(), pages)
        shown = found[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
        if shown:
            listing = [
                E("p", count_people(len(found)) + (f" mit „{query}“ im Namen" if query else ""), role="status"),
                E("ul", [E("li", E("a", person.name, href=person_url(person.name)),
                           E("span", f" – {label}", class_="gaa-hint") if (label := account_affiliation(person).label) else None)
                         for person in shown], class_="gaa-people-list"),
                pager(page, pages, lambda n: page_link(query, n), "Seiten des Personenverzeichnisses"),
            ]
        elif query:
            listing = E("p", f"Keine Person mit „{query}“ im Namen. Versuchen Sie einen Teil des Namens.", class_="gaa-empty",
                        role="status")
        else:
            listing = E("p", "Noch keine Personen registriert.", class_="gaa-empty")
        return E("div", search_form(query), listing, class_="gaa-people")
