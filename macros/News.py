"""News – „Aktuelles“: the moderation's news items (pages ``Aktuelles/<Titel>``), newest first, each with
its date and lead.  The moderation sees a form to start a new one (moin's editor, after moin's name check).

Parameters:
    anzahl: how many to show (default: all); with a number, a link to all news follows

Usage:
    <<News>>
    <<News(anzahl=3)>>
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import g as flaskg
from flask import url_for
from moin.macros._base import MacroBlockBase, fail_message

from moin_gaa.core.access import is_moderator
from moin_gaa.core.german_dates import day
from moin_gaa.core.text_input import ascii_digits
from moin_gaa.portal.news import NEWS_AREA, NEWS_PREFIX, news_items

from ._args import MacroArgumentError, Param, log_bad_arguments, parse_args
from ._html import E
from ._tools_html import item_url

PARAMS = (Param("anzahl"),)
BERLIN = ZoneInfo("Europe/Berlin")


def news_entry(item):
    published = item.published.astimezone(BERLIN)
    return E("li", E("p", E("a", item.title, href=item_url(item.name)), class_="gaa-news-title"),
             E("p", E("time", day(published), datetime=published.date().isoformat()), class_="gaa-news-date"),
             E("p", item.lead, class_="gaa-news-lead") if item.lead else None, class_="gaa-news-item")


def new_item_form():
    """moin's „create item“ form: the name is checked by moin, then its editor opens (the moderation only)."""
    return E("form", E("label", "Neue Meldung – Seitenname (Titel nach „Aktuelles/“)", for_="gaa-news-new"),
             E("input", type="text", name="target", id="gaa-news-new", value=NEWS_PREFIX, required=True,
               maxlength="200"),
             E("button", "Meldung anlegen", type="submit", class_="gaa-button"),
             method="post", action=url_for("frontend.create_item"), class_="gaa-news-new")


class Macro(MacroBlockBase):
    def macro(self, content, arguments, page_url, alternative):
        try:
            args = parse_args("News", arguments, PARAMS)
        except MacroArgumentError as e:
            log_bad_arguments("News", arguments, e)
            return fail_message(str(e), alternative)
        count = args["anzahl"]
        if count is not None and not (ascii_digits(count) and 0 < len(count) <= 3 and int(count) > 0):
            return fail_message("News: „anzahl“ ist eine Zahl ab 1.", alternative)
        limit = int(count) if count else None
        items = news_items(flaskg.storage, limit)
        body = E("ol", [news_entry(i) for i in items], class_="gaa-news-list") if items else E(
            "p", "Zurzeit gibt es keine Meldungen.", class_="gaa-empty")
        more = E("p", E("a", "Alle Meldungen", href=item_url(NEWS_AREA)), class_="gaa-more") if limit else None
        create = new_item_form() if is_moderator() and not limit else None
        return E("div", body, more, create, class_="gaa-news")
