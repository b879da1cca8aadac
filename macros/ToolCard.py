"""ToolCard – the card at the top of a Werkzeug page (``Werkzeugkiste/<Titel>``).

Shows the tool's structured fields, its status (with the reason of a rejection), the
moderation's open Rückfrage (to the proposer and the moderators), a link to the form for
editing them and, for moderators, the curation buttons.  The tool box form puts
this macro on top of every Werkzeug page; it takes no arguments.

Usage:
    <<ToolCard>>
"""

from __future__ import annotations

from datetime import date

from flask import g as flaskg
from flask import url_for
from moin.macros._base import MacroBlockBase, fail_message

from moin_gaa.core.access import is_moderator
from moin_gaa.core.app_state import partnerwiki
from moin_gaa.core.german_dates import day
from moin_gaa.core.items import current
from moin_gaa.toolbox.tools import (
    ACTION_LABELS,
    ACTIONS,
    STATUS_LABELS,
    TOOL_PREFIX,
    TOOL_TYPE,
    ToolError,
    shows_example_note,
    tool_from_fields,
)
from moin_gaa.web.csrf import csrf_token

from ._args import current_item_name
from ._html import E
from ._tools_html import EXAMPLE_NOTE, item_url, labels, status_badge, term_links


def _row(label: str, *value):
    return [E("dt", label), E("dd", *value)]


BUTTON_KINDS = {"veroeffentlichen": "gaa-button", "ablehnen": "gaa-button gaa-button-danger"}
REASONS = {  # action -> (field, label, element)
    "ablehnen": ("begruendung", "Begründung der Ablehnung", "input"),
    "rueckfrage": ("rueckfrage", "Rückfrage an die vorschlagende Person", "textarea"),
}


def _decision_form(tool, revid: str, action: str, label: str):
    reason = None
    if action in REASONS:
        field, text, element = REASONS[action]
        attrs = {"type": "text"} if element == "input" else {"rows": "2"}
        reason = [
            E("label", text, for_=f"gaa-{field}"),
            E(element, "" if element == "textarea" else None, id=f"gaa-{field}", name=field, required=True,
              maxlength="1000", **attrs),
        ]
    return E(
        "form",
        E("input", type="hidden", name="csrf_token", value=csrf_token()),
        E("input", type="hidden", name="aktion", value=action),
        E("input", type="hidden", name="revid", value=revid),
        reason,
        E("button", label, type="submit", class_=BUTTON_KINDS.get(action, "gaa-button gaa-button-secondary")),
        method="post",
        action=url_for("gaa.decide_tool", titel=tool.titel),
        class_="gaa-inline-form" + (" gaa-reason-form" if reason else ""),
    )


def _moderation(tool, revid: str):
    forms = [
        _decision_form(tool, revid, action, ACTION_LABELS[action])
        for action, (_new, allowed_from) in ACTIONS.items()
        if tool.status in allowed_from
    ]
    if tool.status == "vorgeschlagen":
        forms.insert(-1, _decision_form(tool, revid, "rueckfrage", "Rückfrage senden"))
    return E("div", E("h2", "Moderation"), forms, class_="gaa-moderation", role="group", aria_label="Moderation")


def _question(tool):
    """The open Rückfrage, for the proposer and the moderators."""
    proposer = flaskg.user.valid and flaskg.user.name0 == tool.vorgeschlagen_von
    if not tool.rueckfrage or not (proposer or is_moderator()):
        return None
    when = day(date.fromisoformat(tool.rueckfrage_am)) if tool.rueckfrage_am else ""
    return E(
        "div",
        E("h2", "Rückfrage der Moderation"),
        E("p", tool.rueckfrage),
        E("p", f"Gestellt von {tool.rueckfrage_von} am {when}. Bitte ergänzen Sie Ihre Angaben mit "
          "„Angaben bearbeiten“; der Vorschlag bleibt so lange in der Prüfung.", class_="gaa-hint"),
        class_="gaa-question",
        role="note",
    )


class Macro(MacroBlockBase):
    def macro(self, content, arguments, page_url, alternative):
        name = current_item_name(page_url)
        stored = current(name) if name.startswith(TOOL_PREFIX) else None
        if stored is None or stored[0].get("gaa_type") != TOOL_TYPE:
            return fail_message("ToolCard gehört auf eine Werkzeug-Seite (Werkzeugkiste/<Titel>).", alternative)
        meta, _text = stored
        vocabulary = partnerwiki().vocabulary
        try:
            tool = tool_from_fields(meta.get("gaa_fields") or {}, vocabulary)
        except ToolError as e:
            return fail_message("Die Angaben dieses Werkzeugs sind fehlerhaft: " + " ".join(e.errors.values()), alternative)
        rows = [
            _row("Lebensphasen", term_links(vocabulary, "life_phases", list(tool.lebensphasen))),
            _row("Handlungsempfehlungen", term_links(vocabulary, "recommendations", list(tool.empfehlungen))),
            _row("Art", ", ".join(labels(vocabulary, "material_kinds", tool.art))),
        ]
        if tool.quelle:
            rows.append(_row("Quelle", tool.quelle))
        if tool.link:
            rows.append(_row("Link", E("a", tool.link, href=tool.link, rel="nofollow noopener", class_="gaa-external")))
        if tool.datei:
            rows.append(
                _row(
                    "Datei",
                    E("a", tool.datei.rsplit("/", 1)[-1], href=item_url(tool.datei)),
                    " (",
                    E("a", "herunterladen", href=url_for("frontend.download_item", item_name=tool.datei)),
                    ")",
                )
            )
        if shows_example_note(tool.fields()):
            rows.append(_row("Hinweis", E("strong", "Beispiel: "), EXAMPLE_NOTE))
        if tool.jahr:
            rows.append(_row("Jahr", str(tool.jahr)))
        if tool.kommune:
            profile = f"Kommunen/{tool.kommune}"
            kommune = E("a", tool.kommune, href=item_url(profile)) if flaskg.storage.has_item(profile) else tool.kommune
            rows.append(_row("Kommune", kommune))
        if tool.land:
            rows.append(_row("Land", term_links(vocabulary, "laender", tool.land)))
        decision = None
        if tool.status == "abgelehnt":
            decision = E("p", E("strong", "Abgelehnt: "), tool.begruendung, class_="gaa-decision", role="note")
        elif tool.entschieden_von:
            decision = E(
                "p", f"{STATUS_LABELS[tool.status].capitalize()} von {tool.entschieden_von} am {tool.entschieden_am}.",
                class_="gaa-decision",
            )
        actions = []
        if flaskg.user.valid and flaskg.storage.may(name, "write"):
            actions.append(E("a", "Angaben bearbeiten", href=url_for("gaa.edit_tool", titel=tool.titel), class_="gaa-button"))
        return E(
            "section",
            E("p", status_badge(tool.status), " ", E("span", "★ hervorgehoben", class_="gaa-highlight") if tool.status == "hervorgehoben" else None),
            E("p", tool.kurzbeschreibung, class_="gaa-lead"),
            E("dl", rows, class_="gaa-fields"),
            decision,
            _question(tool),
            E("p", actions) if actions else None,
            _moderation(tool, meta["revid"]) if is_moderator() else None,
            class_="gaa-card",
            aria_label="Steckbrief des Werkzeugs",
        )
