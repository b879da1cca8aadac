"""ChainCoverage – which cells of the Präventionskette are covered, and where the gaps are.

On a profile page (or with ``kommune=``) it shows that municipality's grid of Handlungs-
empfehlungen × Lebensphasen: covered cells name the activities, gaps suggest published tools
from the Werkzeugkiste.  With ``bundesweit=ja`` or ``land=`` it shows a heat map: how many
partner municipalities are active in each cell (number and shading; a table like any other).

Parameters:
    kommune: name of a municipality (default: the profile page the macro stands on)
    land: a Land (key) – heat map of that Land
    bundesweit: ja – heat map of all partner municipalities

Usage:
    <<ChainCoverage>>
    <<ChainCoverage(bundesweit=ja)>>
    <<ChainCoverage(land=nw)>>
"""

from __future__ import annotations

from moin.macros._base import MacroBlockBase, fail_message

from moin_gaa.core.access import ReadRights
from moin_gaa.core.app_state import partnerwiki
from moin_gaa.core.items import AccessDenied, current
from moin_gaa.partners.coverage import gap_suggestions, heat_map
from moin_gaa.partners.directory import PROFILES
from moin_gaa.partners.municipalities import PROFILE_PREFIX, PROFILE_TYPE, ProfileError, profile_from_fields
from moin_gaa.toolbox.matrix import TOOLS

from ._args import MacroArgumentError, Param, current_item_name, log_bad_arguments, parse_args
from ._grid import grid
from ._html import E, kept
from ._tools_html import item_url, propose_link


def params():
    v = partnerwiki().vocabulary
    return (Param("kommune"), Param("land", tuple(t.key for t in v.laender)), Param("bundesweit", ("ja", "nein"), "nein"))


def municipality_grid(profile, vocabulary, reader):
    covered = {}
    for activity in profile.aktivitaeten:
        for p in activity.lebensphasen:
            for r in activity.empfehlungen:
                covered.setdefault((p, r), []).append(activity.titel)
    name = ("ChainCoverage", profile.name, tuple(sorted((cell, tuple(titles)) for cell, titles in covered.items())))
    return kept(reader, TOOLS, name, lambda: _municipality_grid(profile.name, covered, vocabulary, reader))


def _municipality_grid(name: str, covered: dict, vocabulary, reader):
    gaps = {(p.key, r.key) for p in vocabulary.life_phases for r in vocabulary.recommendations} - set(covered)
    suggestions = gap_suggestions(reader, vocabulary, gaps)

    def cell(rec, phase):
        key = (phase.key, rec.key)
        if key in covered:
            return [E("span", "✓ abgedeckt", class_="gaa-covered-label"), E("ul", [E("li", t) for t in covered[key]], class_="gaa-cell-highlights")], "gaa-cell gaa-covered"
        tips = suggestions.get(key) or []
        if not tips:
            return E("span", "Lücke", class_="gaa-gap-label"), "gaa-cell gaa-gap"
        return [
            E("span", "Lücke – passende Werkzeuge:", class_="gaa-gap-label"),
            E("ul", [E("li", E("a", t.title, href=item_url(t.name))) for t in tips], class_="gaa-cell-highlights"),
        ], "gaa-cell gaa-gap"

    n = len(covered)
    total = len(vocabulary.life_phases) * len(vocabulary.recommendations)
    caption = f"Präventionskette {name}: {n} von {total} Feldern abgedeckt, {total - n} Lücken"
    return grid(caption, vocabulary.recommendations, vocabulary.life_phases, cell, css="gaa-coverage")


def heat_grid(vocabulary, reader, land: str):
    heat = heat_map(reader, vocabulary, land)
    where = vocabulary.label("laender", land) if land else "bundesweit"

    def cell(rec, phase):
        count = heat.counts[(rec.key, phase.key)]
        level = min(4, int(heat.share(rec.key, phase.key) * 5)) if count else 0
        if not count:
            content = [E("span", "0 – Lücke", class_="gaa-gap-label"), E("br"), propose_link("Werkzeug vorschlagen", lebensphase=phase.key, empfehlung=rec.key)]
        else:
            content = E("span", str(count), E("span", " Kommunen aktiv", class_="pw-visually-hidden"), class_="gaa-count")
        return content, f"gaa-cell gaa-heat-{level}"

    caption = f"Aktive Partnerkommunen je Feld ({where}, {heat.municipalities} Kommunen)"
    return grid(caption, vocabulary.recommendations, vocabulary.life_phases, cell, css="gaa-heatmap")


class Macro(MacroBlockBase):
    def macro(self, content, arguments, page_url, alternative):
        try:
            args = parse_args("ChainCoverage", arguments, params())
        except MacroArgumentError as e:
            log_bad_arguments("ChainCoverage", arguments, e)
            return fail_message(str(e), alternative)
        vocabulary = partnerwiki().vocabulary
        with partnerwiki().catalog.reader(ReadRights()) as reader:
            if args["bundesweit"] == "ja" or args["land"]:
                land = args["land"] or ""
                return kept(reader, PROFILES, ("ChainCoverage heat map", land),
                            lambda: heat_grid(vocabulary, reader, land))
            name = PROFILE_PREFIX + args["kommune"] if args["kommune"] else current_item_name(page_url)
            try:
                stored = current(name) if name.startswith(PROFILE_PREFIX) else None
            except AccessDenied:
                stored = None
            if stored is None or stored[0].get("gaa_type") != PROFILE_TYPE:
                return fail_message(f"ChainCoverage: kein Profil „{name}“ gefunden.", alternative)
            try:
                profile = profile_from_fields(stored[0].get("gaa_fields") or {}, vocabulary)
            except ProfileError as e:
                return fail_message("Die Angaben dieses Profils sind fehlerhaft: " + " ".join(e.errors.values()), alternative)
            return municipality_grid(profile, vocabulary, reader)
