"""Werkzeuge: the entries of the Werkzeugkiste and their curation workflow.

A Werkzeug is a record (``gaa_type = "werkzeug"``) under ``Werkzeugkiste/<Titel>``; its long
text is the item's wiki content, everything else is in ``gaa_fields``.  Any registered user may
propose one; moderators publish (geprüft), highlight, reject (with a reason) or archive it, or ask
the proposer a question first (a Rückfrage: the status stays „vorgeschlagen“, the question is
stored on the tool until the next decision).  A seeded example (``beispiel``) is kept like a workflow field;
its pages say it is not published for as long as it has neither link nor file.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field, replace
from datetime import date
from typing import Any, Mapping
from urllib.parse import urlsplit

from moin.utils.diff_datastruct import DELETE, INSERT
from moin.utils.diff_datastruct import diff as diff_data

from moin_gaa.core.field_errors import FieldErrors
from moin_gaa.core.text_input import ascii_digits, form_value, input_problems, normalise_name, text_problem, too_long
from moin_gaa.core.vocabulary import Vocabulary, VocabularyError

TOOL_TYPE = "werkzeug"
TOOL_PREFIX = "Werkzeugkiste/"
CARD_MACRO = "<<ToolCard>>"

STATUS_LABELS: dict[str, str] = {
    "vorgeschlagen": "vorgeschlagen",
    "geprueft": "geprüft",
    "hervorgehoben": "hervorgehoben",
    "abgelehnt": "abgelehnt",
    "archiviert": "archiviert",
}
PUBLISHED = ("geprueft", "hervorgehoben")

# moderator action -> (new status, statuses it may start from)
ACTIONS: dict[str, tuple[str, tuple[str, ...]]] = {
    "veroeffentlichen": ("geprueft", ("vorgeschlagen", "hervorgehoben", "abgelehnt", "archiviert")),
    "hervorheben": ("hervorgehoben", ("vorgeschlagen", "geprueft")),
    "ablehnen": ("abgelehnt", ("vorgeschlagen",)),
    "archivieren": ("archiviert", ("geprueft", "hervorgehoben", "abgelehnt")),
}
ACTION_LABELS = {
    "veroeffentlichen": "Veröffentlichen",
    "hervorheben": "Hervorheben",
    "ablehnen": "Ablehnen",
    "archivieren": "Archivieren",
}

MAX_TITLE = 120
MAX_SHORT = 300
TITLE_FORBIDDEN = re.compile(r"[/,\x00-\x1f<>]")
FIRST_YEAR = 1980
MAX_REASON = 1000
# length limits of the fields without a message of their own (checked on the raw input, see text_input)
LIMITS = {
    "quelle": 200, "link": 500, "datei": 400, "jahr": 40, "kommune": 200, "land": 60, "art": 60,
    "lebensphasen.*": 60, "empfehlungen.*": 60, "begruendung": MAX_REASON,
    "vorgeschlagen_von": 200, "entschieden_von": 200, "entschieden_am": 20, "status": 20,
    "rueckfrage": MAX_REASON, "rueckfrage_von": 200, "rueckfrage_am": 20,
}
# the fields a person fills in, with their German labels (the review queue's diff shows these)
FIELD_LABELS = {
    "titel": "Titel", "kurzbeschreibung": "Kurzbeschreibung", "lebensphasen": "Lebensphasen",
    "empfehlungen": "Handlungsempfehlungen", "art": "Art", "quelle": "Quelle / Herausgeber", "link": "Link",
    "datei": "Datei", "jahr": "Jahr", "kommune": "Kommune", "land": "Land",
}
FIELD_LISTS = {
    "lebensphasen": "life_phases", "empfehlungen": "recommendations", "art": "material_kinds", "land": "laender",
}


class ToolError(FieldErrors):
    """A tool that cannot be stored."""


@dataclass(frozen=True)
class Tool:
    titel: str
    kurzbeschreibung: str
    lebensphasen: tuple[str, ...]
    empfehlungen: tuple[str, ...]
    art: str
    quelle: str = ""
    link: str = ""
    datei: str = ""
    jahr: int | None = None
    kommune: str = ""
    land: str = ""
    status: str = "vorgeschlagen"
    vorgeschlagen_von: str = ""
    begruendung: str = ""
    entschieden_von: str = ""
    entschieden_am: str = ""
    rueckfrage: str = ""  # the moderation's open question to the proposer
    rueckfrage_von: str = ""
    rueckfrage_am: str = ""
    beispiel: bool = False  # written for the PartnerWiki as an example (seed tools); kept like a workflow field
    extra: Mapping[str, Any] = field(default_factory=dict, compare=False)

    @property
    def item_name(self) -> str:
        return TOOL_PREFIX + self.titel

    @property
    def published(self) -> bool:
        return self.status in PUBLISHED

    def fields(self) -> dict[str, Any]:
        """The ``gaa_fields`` metadata of this tool."""
        data = asdict(self)
        data.pop("extra")
        data["lebensphasen"] = list(self.lebensphasen)
        data["empfehlungen"] = list(self.empfehlungen)
        return data


def _keys(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    return [normalise_name(v) for v in value if normalise_name(v)]


def _check_keys(vocabulary: Vocabulary, list_name: str, keys: list[str], errors: dict, name: str, what: str):
    if not keys:
        errors[name] = f"Bitte mindestens eine {what} wählen."
        return ()
    try:
        return tuple(vocabulary.validate_keys(list_name, keys))
    except VocabularyError as e:
        errors[name] = str(e)
        return ()


def check_link(link: str) -> str | None:
    """None for an empty or acceptable http(s) link, else the German reason."""
    if not link:
        return None
    parts = urlsplit(link)
    if parts.scheme not in ("http", "https") or not parts.netloc or " " in link:
        return "Bitte eine vollständige Web-Adresse angeben, die mit http:// oder https:// beginnt."
    return None


def shows_example_note(fields: Mapping[str, Any]) -> bool:
    """An example (``beispiel``) that has no link and no file yet: its pages say it is not published."""
    return fields.get("beispiel") is True and not (fields.get("link") or fields.get("datei"))


def check_title(title: str) -> str | None:
    if not title:
        return "Bitte einen Titel angeben."
    if len(title) > MAX_TITLE:
        return f"Der Titel darf höchstens {MAX_TITLE} Zeichen lang sein."
    if TITLE_FORBIDDEN.search(title) or title.startswith((".", "+", "-")) or title.endswith("."):
        return "Der Titel darf keine Schrägstriche, Kommas oder spitzen Klammern enthalten und nicht mit einem Punkt enden."
    return None


def tool_from_input(
    data: Mapping[str, Any], vocabulary: Vocabulary, *, today: date | None = None, base: Tool | None = None
) -> Tool:
    """A checked :class:`Tool` from form fields or ``gaa_fields``; :class:`ToolError` lists every problem.

    Workflow fields (status, decision) are taken from ``base`` (the stored tool) or, for a new
    proposal, set to „vorgeschlagen“ – a form can never change them.
    """
    errors: dict[str, str] = {}
    titel = form_value(data.get("titel"))
    if message := check_title(titel):
        errors["titel"] = message
    kurz = form_value(data.get("kurzbeschreibung"))
    if not kurz:
        errors["kurzbeschreibung"] = "Bitte eine Kurzbeschreibung angeben."
    elif len(kurz) > MAX_SHORT:
        errors["kurzbeschreibung"] = f"Die Kurzbeschreibung darf höchstens {MAX_SHORT} Zeichen lang sein."
    phases = _check_keys(vocabulary, "life_phases", _keys(data.get("lebensphasen")), errors, "lebensphasen", "Lebensphase")
    recs = _check_keys(
        vocabulary, "recommendations", _keys(data.get("empfehlungen")), errors, "empfehlungen", "Handlungsempfehlung"
    )
    art = form_value(data.get("art"))
    if not art:
        errors["art"] = "Bitte die Art des Materials wählen."
    else:
        try:
            vocabulary.term("material_kinds", art)
        except VocabularyError as e:
            errors["art"] = str(e)
    link = form_value(data.get("link"))
    if message := check_link(link):
        errors["link"] = message
    jahr: int | None = None
    raw_year = form_value(data.get("jahr"))
    if raw_year:
        this_year = (today or date.today()).year
        if not ascii_digits(raw_year) or not FIRST_YEAR <= int(raw_year) <= this_year:
            errors["jahr"] = f"Das Jahr muss eine Zahl zwischen {FIRST_YEAR} und {this_year} sein."
        else:
            jahr = int(raw_year)
    land = form_value(data.get("land"))
    if land:
        try:
            vocabulary.term("laender", land)
        except VocabularyError as e:
            errors["land"] = str(e)
    errors.update(input_problems(data, LIMITS))  # control characters and lengths win over the other messages
    if errors:
        raise ToolError(errors)
    workflow = base or Tool("", "", (), (), "")
    return Tool(
        titel=titel,
        kurzbeschreibung=kurz,
        lebensphasen=phases,
        empfehlungen=recs,
        art=art,
        quelle=form_value(data.get("quelle"), 200),
        link=link,
        datei=form_value(data.get("datei"), 400),
        jahr=jahr,
        kommune=form_value(data.get("kommune"), 200),
        land=land,
        status=workflow.status,
        vorgeschlagen_von=workflow.vorgeschlagen_von,
        begruendung=workflow.begruendung,
        entschieden_von=workflow.entschieden_von,
        entschieden_am=workflow.entschieden_am,
        rueckfrage=workflow.rueckfrage,
        rueckfrage_von=workflow.rueckfrage_von,
        rueckfrage_am=workflow.rueckfrage_am,
        beispiel=workflow.beispiel,
    )


def tool_from_fields(fields: Mapping[str, Any], vocabulary: Vocabulary) -> Tool:
    """A stored tool (``gaa_fields``), checked like a form, keeping its workflow fields."""
    status = str(fields.get("status") or "vorgeschlagen")
    if status not in STATUS_LABELS:
        raise ToolError({"status": f"„{status}“ ist kein gültiger Status (möglich: {', '.join(STATUS_LABELS)})."})
    stored = Tool(
        "",
        "",
        (),
        (),
        "",
        status=status,
        vorgeschlagen_von=form_value(fields.get("vorgeschlagen_von")),
        begruendung=str(fields.get("begruendung") or ""),
        entschieden_von=form_value(fields.get("entschieden_von")),
        entschieden_am=form_value(fields.get("entschieden_am")),
        rueckfrage=str(fields.get("rueckfrage") or ""),
        rueckfrage_von=form_value(fields.get("rueckfrage_von")),
        rueckfrage_am=form_value(fields.get("rueckfrage_am")),
        beispiel=fields.get("beispiel") is True,
    )
    data = dict(fields)
    if data.get("jahr") is not None:
        data["jahr"] = str(data["jahr"])
    return tool_from_input(data, vocabulary, base=stored)


def decide(tool: Tool, action: str, moderator: str, reason: str = "", *, today: date | None = None) -> Tool:
    """Apply a moderator's decision; :class:`ToolError` if it is not possible from the tool's status."""
    if problem := text_problem(reason) or too_long(reason, MAX_REASON):
        raise ToolError({"begruendung": problem})
    if action not in ACTIONS:
        raise ToolError({"aktion": f"Unbekannte Aktion „{action}“."})
    new_status, allowed_from = ACTIONS[action]
    if tool.status not in allowed_from:
        raise ToolError(
            {"aktion": f"„{ACTION_LABELS[action]}“ ist im Status „{STATUS_LABELS[tool.status]}“ nicht möglich."}
        )
    reason = normalise_name(reason)
    if action == "ablehnen" and not reason:
        raise ToolError({"begruendung": "Bitte begründen Sie die Ablehnung – die Begründung sieht die vorschlagende Person."})
    return replace(
        tool,
        status=new_status,
        begruendung=reason[:1000] if action == "ablehnen" else "",
        entschieden_von=moderator,
        entschieden_am=(today or date.today()).isoformat(),
        rueckfrage="",  # a decision answers the open question
        rueckfrage_von="",
        rueckfrage_am="",
    )


def ask(tool: Tool, question: str, moderator: str, *, today: date | None = None) -> Tool:
    """The moderation's Rückfrage: the question is stored on the proposal, whose status stays „vorgeschlagen“."""
    if problem := text_problem(question) or too_long(question, MAX_REASON):
        raise ToolError({"rueckfrage": problem})
    if tool.status != "vorgeschlagen":
        status = STATUS_LABELS[tool.status]
        raise ToolError({"aktion": f"Eine Rückfrage ist nur bei Vorschlägen möglich, nicht im Status „{status}“."})
    question = normalise_name(question)
    if not question:
        raise ToolError({"rueckfrage": "Bitte schreiben Sie Ihre Frage – die vorschlagende Person sieht sie."})
    asked_on = (today or date.today()).isoformat()
    return replace(tool, rueckfrage=question, rueckfrage_von=moderator, rueckfrage_am=asked_on)


def shown_values(key: str, value: Any, vocabulary: Vocabulary) -> list[str]:
    """A field's value as the form shows it: vocabulary labels, a list of texts."""
    values = value if isinstance(value, (list, tuple)) else [value]
    values = [str(v) for v in values if v not in (None, "")]
    if key not in FIELD_LISTS:
        return values
    labels = {t.key: t.label for t in vocabulary.terms(FIELD_LISTS[key])}
    return [labels.get(v, v) for v in values]


def field_changes(
    old: Mapping[str, Any], new: Mapping[str, Any], vocabulary: Vocabulary
) -> list[tuple[str, list, list]]:
    """(German label, removed values, added values) per changed field a person fills in, in the form's order.

    moin's diff of data structures compares them; workflow fields and fields unknown to the form are left out.
    """
    before = {key: shown_values(key, old.get(key), vocabulary) for key in FIELD_LABELS}
    after = {key: shown_values(key, new.get(key), vocabulary) for key in FIELD_LABELS}
    removed: dict[str, list] = {}
    added: dict[str, list] = {}
    for kind, keys, values in diff_data(before, after):
        target = removed if kind == DELETE else added if kind == INSERT else None
        if target is not None:
            target.setdefault(keys[0], []).extend(values if isinstance(values, list) else [values])
    changed = [key for key in FIELD_LABELS if key in removed or key in added]
    return [(FIELD_LABELS[key], removed.get(key, []), added.get(key, [])) for key in changed]


def page_text(long_text: str) -> str:
    """The item content: the card macro on top, then the author's long text."""
    return f"{CARD_MACRO}\n\n{long_text.strip()}\n"


def long_text_of(content: str) -> str:
    """The author's long text from the item content (without the card macro line)."""
    lines = content.splitlines()
    while lines and lines[0].strip() in (CARD_MACRO, ""):
        lines.pop(0)
    return "\n".join(lines)
