"""MunicipalityProfile – the profile card of a partner municipality (``Kommunen/<Name>``).

Shows kind, Land with its Koordinierungsstelle, population, partner since, the strategy phase
with its history, departments, web site, contact persons (each field public or for registered
users only), the strategy, the activities (each once, with its life phases, recommendations and
period – „seit 01.08.2015“ while it runs) and the Werkzeugkiste tools linked to the
municipality.  No arguments: it shows the page it stands on.

Usage:
    <<MunicipalityProfile>>
"""

from __future__ import annotations

from datetime import date

from flask import g as flaskg
from flask import url_for
from moin.macros._base import MacroBlockBase, fail_message
from whoosh.query import And, Term

from moin_gaa.core.access import ReadRights, is_moderator
from moin_gaa.core.app_state import partnerwiki
from moin_gaa.core.catalog import FACET_PREFIX
from moin_gaa.core.german_dates import day
from moin_gaa.core.items import current
from moin_gaa.partners.municipalities import (
    PROFILE_PREFIX,
    PROFILE_TYPE,
    ProfileError,
    profile_from_fields,
    visible_fields,
)
from moin_gaa.toolbox.matrix import sort_tools
from moin_gaa.toolbox.toolfilter import ToolFilter, filter_query

from ._args import current_item_name
from ._html import E
from ._tools_html import labels, term_links, tool_list


def german_date(iso: str) -> str:
    return day(date.fromisoformat(iso)) if iso else ""


def _row(label, *value):
    return [E("dt", label), E("dd", *value)]


def _contacts(fields, registered: bool):
    shown = visible_fields(fields, registered=registered)["kontakte"]
    items = []
    for contact in shown:
        parts = [E("strong", contact.get("name", "Kontakt"))]
        if contact.get("rolle"):
            parts.append(f", {contact['rolle']}")
        if contact.get("email"):
            parts += [E("br"), E("a", contact["email"], href=f"mailto:{contact['email']}")]
        if contact.get("telefon"):
            parts += [E("br"), contact["telefon"]]
        items.append(E("li", parts))
    hidden_note = None
    if not registered and any(
        c.get(k) for c in fields.get("kontakte") or () for k in ("email", "telefon")
    ):
        hidden_note = E("p", "Weitere Kontaktdaten sehen angemeldete Nutzerinnen und Nutzer.", class_="gaa-hint")
    if not items and hidden_note is None:
        return None
    return E("section", E("h2", "Ansprechpersonen"), E("ul", items, class_="gaa-contacts") if items else None, hidden_note)


def period(seit: str, bis: str) -> str:
    """„seit 01.08.2015“ while it runs, „bis 31.12.2020“, or „01.08.2015 – 31.12.2020“."""
    if seit and bis:
        return f"{german_date(seit)} – {german_date(bis)}"
    if seit:
        return f"seit {german_date(seit)}"
    return f"bis {german_date(bis)}" if bis else ""


def _activities(profile, vocabulary):
    """Each activity once, with its life phases and recommendations."""
    if not profile.aktivitaeten:
        return E("p", "Noch keine Aktivitäten eingetragen.", class_="gaa-empty")
    entries = []
    for a in profile.aktivitaeten:
        when = period(a.seit, a.bis)
        phases = [t.key for t in vocabulary.life_phases if t.key in a.lebensphasen]  # in the vocabulary's order
        entries.append(
            E(
                "li",
                E("h3", a.titel),
                E("p", a.beschreibung) if a.beschreibung else None,
                E("p", "Lebensphasen: ", term_links(vocabulary, "life_phases", phases), class_="gaa-tool-meta"),
                E("p", "Handlungsempfehlungen: ", term_links(vocabulary, "recommendations", list(a.empfehlungen)),
                  class_="gaa-tool-meta"),
                E("p", "Partner: ", a.partner, class_="gaa-tool-meta") if a.partner else None,
                E("p", "Zeitraum: ", when, class_="gaa-tool-meta") if when else None,
                E("p", E("a", "Mehr erfahren", href=a.link, rel="nofollow noopener")) if a.link else None,
            )
        )
    return E("ul", entries, class_="gaa-activities")


class Macro(MacroBlockBase):
    def macro(self, content, arguments, page_url, alternative):
        name = current_item_name(page_url)
        stored = current(name) if name.startswith(PROFILE_PREFIX) else None
        if stored is None or stored[0].get("gaa_type") != PROFILE_TYPE:
            return fail_message("MunicipalityProfile gehört auf eine Profilseite (Kommunen/<Name>).", alternative)
        fields = stored[0].get("gaa_fields") or {}
        vocabulary = partnerwiki().vocabulary
        try:
            profile = profile_from_fields(fields, vocabulary)
        except ProfileError as e:
            return fail_message("Die Angaben dieses Profils sind fehlerhaft: " + " ".join(e.errors.values()), alternative)
        land = vocabulary.term("laender", profile.land)
        rows = [
            _row("Art", ", ".join(labels(vocabulary, "municipality_kinds", profile.art))),
            _row("Land", term_links(vocabulary, "laender", profile.land), E("br"),
                 E("span", land.extra.get("koordinierungsstelle", ""), class_="gaa-tool-meta")),
        ]
        if profile.einwohner:
            rows.append(_row("Einwohnerinnen und Einwohner", f"{profile.einwohner:,}".replace(",", ".")))
        rows.append(_row("Partner seit", german_date(profile.partner_seit)))
        history = E(
            "ol",
            [E("li", ", ".join(labels(vocabulary, "lewin_phases", h.phase)), " seit ", german_date(h.seit)) for h in profile.phasen_verlauf],
            class_="gaa-timeline",
            aria_label="Verlauf der Strategiephasen",
        )
        rows.append(_row("Strategiephase", term_links(vocabulary, "lewin_phases", profile.strategiephase), history))
        if profile.ressorts:
            rows.append(_row("Beteiligte Ressorts", ", ".join(profile.ressorts)))
        if profile.website:
            rows.append(_row("Website", E("a", profile.website, href=profile.website, rel="nofollow noopener")))
        with partnerwiki().catalog.reader(ReadRights()) as reader:
            linked = And([filter_query(ToolFilter(), reader.catalog), Term(FACET_PREFIX + "kommune", profile.name)])
            tools = sort_tools(reader.records(reader.docs(linked)))
        may_edit = bool(flaskg.user.valid) and (is_moderator() or flaskg.user.name0 in profile.redakteure)
        edit = E("p", E("a", "Profil bearbeiten", href=url_for("gaa.edit_profile", name=profile.name), class_="gaa-button")) if may_edit else None
        logo = None
        if profile.logo and flaskg.storage.has_item(profile.logo):
            logo = E("img", src=url_for("frontend.get_item", item_name=profile.logo), alt=f"Logo {profile.name}", class_="gaa-logo")
        return E(
            "section",
            logo,
            E("dl", rows, class_="gaa-fields"),
            edit,
            _contacts(fields, registered=bool(flaskg.user.valid)),
            E("section", E("h2", "Strategie"), E("p", profile.strategie)) if profile.strategie else None,
            E("section", E("h2", "Aktivitäten"), _activities(profile, vocabulary)),
            E("section", E("h2", "Werkzeuge aus dieser Kommune"), tool_list(tools, vocabulary)) if tools else None,
            class_="gaa-card gaa-profile",
            aria_label=f"Profil {profile.name}",
        )
