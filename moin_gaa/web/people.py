"""Person pages: ``/users/<Name>`` shows who has the account, not moin's offer to create an item; the
account names that name fields suggest.

moin links every author to ``/users/<Name>`` (its users namespace), where a missing item offers the
choice of content types.  We wrap ``frontend.show_item`` (never patch it) for that one address form:

- an **account** of exactly that name gets ``gaa/person.html``: the name, Kommune/Organisation from the
  profile (for registered viewers; the people directory is theirs too), the group spaces in which the
  person is a member *and* whose page and member list the viewer may read, and the pages the person
  changed last (moin's latest-revisions index by the person's user id) that the viewer may read – read
  rights decided like every listing of moin's (:class:`~moin_gaa.web.moin_view_guards.ReadableSearcher`).
  Never the e-mail address.
- a page someone wrote at ``users/<Name>`` stays moin's item (history, editor, ACLs): the person page links
  to its current revision at ``/+show/+<revid>/users/<Name>`` (moin's show view, not wrapped here) and
  offers the person to write it.  Rendering it inside the person page would need moin's private content
  renderer.
- **no account** of that name: moin's view as before – its page if an item exists there, otherwise the
  German 404 of :mod:`moin_gaa.web.error_pages` (install this wrapper after that one, so it runs first).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import Flask, request, url_for
from flask import g as flaskg
from moin.constants.keys import CURRENT, ITEMID, LATEST_REVS, MTIME, NAME, NAME_EXACT, NAMESPACE, SUMMARY, TRASH, USERID
from moin.constants.namespaces import NAMESPACE_USERS
from moin.themes import render_template
from moin.utils.names import CompositeName, split_fqname
from whoosh.query import AndNot, Term

from moin_gaa.core.access import ReadRights
from moin_gaa.core.accounts import Account, account, account_affiliation, active_accounts
from moin_gaa.core.app_state import partnerwiki
from moin_gaa.core.moin_internals import index_searcher
from moin_gaa.core.records import Record
from moin_gaa.discussions.groups import GROUP_TYPE, group_of, members_item
from moin_gaa.web.moin_view_guards import ReadableSearcher, guard

CONTRIBUTIONS_SHOWN = 15
PLAIN_ITEM_RULE = "/<itemname:item_name>"  # moin's show_item without a revision: the author links' address


def install(app: Flask) -> None:
    """Person pages at ``/users/<Name>`` (call after ``error_pages.install``: this wrapper must run first);
    ``gaa_account_names()`` for the name fields' suggestions (``gaa/_people.html``)."""
    guard(app, "frontend.show_item", person_page_for_accounts)
    app.jinja_env.globals["gaa_account_names"] = account_names


def account_names() -> list[str]:
    """The names a name field suggests: every active account, for logged-in people only."""
    return [person.name for person in active_accounts()] if flaskg.user.valid else []


def person_page_for_accounts(view, **kwargs):
    person = addressed_person(kwargs.get("item_name") or "") if kwargs.get("rev") == CURRENT else None
    if person is None or request.method not in ("GET", "HEAD") or request.url_rule.rule != PLAIN_ITEM_RULE:
        return view(**kwargs)
    return person_page(person)


def addressed_person(item_name: str) -> Account | None:
    """The account that ``/users/<Name>`` names, or None (another namespace, a subpage, no such account)."""
    fqname = split_fqname(item_name)
    if fqname.namespace != NAMESPACE_USERS or fqname.field != NAME_EXACT or not fqname.value or "/" in fqname.value:
        return None
    return account(fqname.value)


@dataclass(frozen=True)
class Contribution:
    fqname: CompositeName
    summary: str
    mtime: datetime


def person_page(person: Account) -> str:
    registered = bool(flaskg.user.valid)
    own_page = CompositeName(NAMESPACE_USERS, NAME_EXACT, person.name)
    return render_template(
        "gaa/person.html",
        title_name=person.name,
        person=person,
        registered=registered,
        affiliation=account_affiliation(person).label if registered else "",
        groups=visible_groups(person.name) if registered else [],
        contributions=contributions(person.userid),
        own_page_url=own_page_url(own_page),
        write_url=url_for("frontend.modify_item", item_name=own_page.fullname) if writes_own_page(person, own_page) else None,
        login_url=url_for("frontend.login", nexturl=request.full_path.rstrip("?")),
        directory_url=url_for("frontend.show_item", item_name="Personen"),
    )


def writes_own_page(person: Account, own_page: CompositeName) -> bool:
    """The person themself, where moin lets them write ``users/<Name>`` (others edit it through moin, if at all)."""
    return bool(flaskg.user.valid and flaskg.user.name0 == person.name and flaskg.user.may.write(own_page))


def own_page_url(own_page: CompositeName) -> str | None:
    """moin's view of the current revision of ``users/<Name>`` if it exists and the viewer may read it (the plain
    address is the person page; moin redirects ``/+show/+current/…`` to it, so the revision is named)."""
    if not flaskg.user.may.read(own_page):
        return None
    item = flaskg.storage.get_item(**own_page.query)
    return url_for("frontend.show_item", item_name=own_page.fullname, rev=item[CURRENT].revid) if item.itemid else None


def visible_groups(person_name: str) -> list[Record]:
    """The group spaces with ``person_name`` as member whose page and member list the viewer may read."""
    with partnerwiki().catalog.reader(ReadRights()) as reader:
        groups = reader.records(reader.docs(Term("record_type", GROUP_TYPE)))
    shown = []
    for group in sorted(groups, key=lambda record: record.title.casefold()):
        members = members_item(group_of(group.name) or group.title)
        if flaskg.user.may.read(members) and members in flaskg.groups and person_name in flaskg.groups[members]:
            shown.append(group)
    return shown


def contributions(userid: str, limit: int = CONTRIBUTIONS_SHOWN) -> list[Contribution]:
    """The pages whose current revision ``userid`` wrote, newest first, as far as the viewer may read them."""
    storage = flaskg.storage
    query = AndNot(Term(USERID, userid), Term(TRASH, True))
    with ReadableSearcher(index_searcher(storage.indexer, LATEST_REVS), LATEST_REVS, storage) as searcher:
        hits = searcher.search(query, limit=limit, sortedby=MTIME, reverse=True)
        found = [hit.fields() for hit in hits]
    return [Contribution(CompositeName(fields.get(NAMESPACE, ""), NAME_EXACT, fields[NAME][0]),
                         str(fields.get(SUMMARY) or ""), fields[MTIME])
            for fields in found if fields.get(NAME) and fields.get(ITEMID)]
