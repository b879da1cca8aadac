"""DiscussionSummary – the Auswertung of a discussion area, with its „Ergebnissicherung“ on top.

Participants, threads, posts and replies, posts per day as an SVG chart (and a table), the most
active threads, and the municipalities and Länder of participants where known (editors named on
municipality profiles).  The Ergebnissicherung (``<area>/Ergebnissicherung``) is an ordinary,
versioned wiki page that the moderation writes; it is shown first.

Parameters:
    bereich: the area (default: the area it stands on or below – ``<area>/Auswertung`` – or a group page's area)

Usage:
    <<DiscussionSummary>>
"""

from __future__ import annotations

from datetime import datetime, timezone

from flask import url_for
from moin.constants.keys import MTIME, REV_NUMBER
from moin.items import Item
from moin.macros._base import MacroBlockBase, fail_message
from whoosh.query import Term

from moin_gaa.core.access import ReadRights
from moin_gaa.core.app_state import partnerwiki
from moin_gaa.core.items import AccessDenied, current
from moin_gaa.discussions.areas import Area, area_for, may_moderate
from moin_gaa.discussions.groups import GROUP_TYPE
from moin_gaa.discussions.summary import affiliations_from_profiles, discussion_stats
from moin_gaa.discussions.thread_index import area_posts, threads_of
from moin_gaa.discussions.threads import GROUP_AREA, RESULTS_PAGE, SUMMARY_PAGE
from moin_gaa.partners.municipalities import PROFILE_TYPE

from ._args import MacroArgumentError, Param, current_item_name, log_bad_arguments, parse_args
from ._charts import bar_chart, column_chart
from ._discussion_html import local_time
from ._html import E
from ._tools_html import item_url, labels

PARAMS = (Param("bereich"),)


def results_block(area: Area):
    """The Ergebnissicherung page's content (moin renders it), its version, and an edit link for the moderation."""
    name = f"{area.name}/{RESULTS_PAGE}"
    try:
        stored = current(name)
    except AccessDenied:
        return None
    if stored is None:
        return E("p", "Noch keine Ergebnissicherung.", class_="gaa-empty")
    meta = stored[0]
    content = Item.create(name).content.internal_representation()
    version = E("p", f"Version {meta.get(REV_NUMBER, 1)}, zuletzt geändert am ", local_time_from_epoch(meta.get(MTIME, 0)), " · ",
                E("a", "frühere Versionen", href=url_for("frontend.history", item_name=name)),
                [" · ", E("a", "Ergebnissicherung bearbeiten", href=url_for("frontend.modify_item", item_name=name))]
                if may_moderate(area) else None, class_="gaa-hint")
    return E("section", E("h3", "Ergebnissicherung"), content, version, class_="gaa-results", aria_label="Ergebnissicherung")


def local_time_from_epoch(seconds: int) -> str:
    return local_time(datetime.fromtimestamp(int(seconds), timezone.utc).isoformat())


class Macro(MacroBlockBase):
    def macro(self, content, arguments, page_url, alternative):
        try:
            args = parse_args("DiscussionSummary", arguments, PARAMS)
        except MacroArgumentError as e:
            log_bad_arguments("DiscussionSummary", arguments, e)
            return fail_message(str(e), alternative)
        name = args["bereich"] or current_item_name(page_url)
        if not args["bereich"] and name.endswith("/" + SUMMARY_PAGE):
            name = name.rsplit("/", 1)[0]  # the Auswertung page below its area
        stored = current(name) if not args["bereich"] else None
        if stored and stored[0].get("gaa_type") == GROUP_TYPE:
            name, stored = f"{name}/{GROUP_AREA}", None
        area = area_for(name, stored)  # the page read just now is not read again
        if area is None:
            return fail_message("DiscussionSummary: kein Diskussionsbereich (Gruppen/…/Diskussion oder Online-Diskussionen/…).", alternative)
        vocabulary = partnerwiki().vocabulary
        with partnerwiki().catalog.reader(ReadRights()) as reader:
            threads = threads_of(reader, area.name)
            posts = area_posts(reader, area.name)
            profiles = reader.records(reader.docs(Term("record_type", PROFILE_TYPE)))
        stats = discussion_stats(threads, posts, affiliations_from_profiles(profiles))
        figures = E("dl", [[E("dt", label), E("dd", str(value))] for label, value in (
            ("Teilnehmende", len(stats.participants)), ("Themen", stats.threads), ("Beiträge", stats.posts),
            ("davon Antworten auf Beiträge", stats.replies))], class_="gaa-fields gaa-figures")
        activity = None
        if stats.activity:
            unit = "Woche" if stats.per_week else "Tag"
            activity = column_chart("auswertung-verlauf", f"Beiträge je {unit}", f"Beiträge je {unit} (Eröffnungen und Antworten)",
                                    (unit, "Beiträge"), stats.activity)
        top = E("ol", [E("li", E("a", title, href=item_url(n)), f" – {count} Beiträge") for n, title, count in stats.top_threads]) \
            if stats.top_threads else E("p", "Noch keine Themen.", class_="gaa-empty")
        places = None
        if stats.laender:
            rows = [(labels(vocabulary, "laender", key)[0], count) for key, count in stats.laender]
            places = bar_chart("auswertung-laender", "Teilnehmende je Land", "Teilnehmende je Land (soweit bekannt)",
                               ("Land", "Teilnehmende"), rows)
        kommunen = E("p", "Kommunen der Teilnehmenden: ", ", ".join(f"{k} ({n})" for k, n in stats.kommunen)) if stats.kommunen else None
        return E(
            "section",
            E("h2", f"Auswertung: {area.title}"),
            results_block(area),
            figures,
            activity,
            E("h3", "Die aktivsten Themen"), top,
            places, kommunen,
            E("p", "Teilnehmende: ", ", ".join(stats.participants)) if stats.participants else None,
            class_="gaa-summary", id="auswertung",
        )
