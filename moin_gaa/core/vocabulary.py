"""The controlled vocabulary of the Partnerprozess.

Life phases, the 7 Handlungsempfehlungen, the Lewin strategy phases, the 16 Länder with their
Koordinierungsstellen Gesundheitliche Chancengleichheit and the kinds of municipality.  Every
structured record (tool, profile, event, …) refers to these terms by their stable ``key``; the
``label`` is what people read.  A wiki can extend or replace any list from ``wikiconfig.py``
through ``gaa_vocabulary`` (see :func:`vocabulary_from_config`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Iterable, Mapping


@dataclass(frozen=True)
class Term:
    """One entry of a vocabulary list."""

    key: str
    label: str
    description: str = ""
    page: str = ""  # wiki page that explains the term, if any
    extra: Mapping[str, str] = field(default_factory=dict)


class VocabularyError(ValueError):
    """A value that is not part of a vocabulary list, or a malformed vocabulary."""


KEY_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]*$")

LIST_NAMES: dict[str, str] = {
    "life_phases": "Lebensphasen",
    "recommendations": "Handlungsempfehlungen",
    "lewin_phases": "Strategiephasen",
    "laender": "Länder",
    "municipality_kinds": "Gebietskörperschaften",
    "material_kinds": "Materialarten",
}

LIFE_PHASES: tuple[Term, ...] = (
    Term("geburt", "Rund um die Geburt", "Schwangerschaft, Geburt und erste Lebenswochen", "Lebensphasen/Rund um die Geburt"),
    Term("fruehe-kindheit", "Familie / frühe Kindheit", "Die ersten Lebensjahre in der Familie", "Lebensphasen/Familie und frühe Kindheit"),
    Term("kita", "Kita", "Kindertagesbetreuung bis zum Schuleintritt", "Lebensphasen/Kita"),
    Term("grundschule", "Grundschule", "Übergang in die Schule und Grundschulzeit", "Lebensphasen/Grundschule"),
    Term("weiterfuehrende-schule", "weiterführende Schule", "Sekundarstufe I und II", "Lebensphasen/Weiterführende Schule"),
    Term("ausbildung-beruf", "Übergang Ausbildung & Beruf", "Übergang von der Schule in Ausbildung und Beruf", "Lebensphasen/Übergang Ausbildung und Beruf"),
)

RECOMMENDATIONS: tuple[Term, ...] = (
    Term("beteiligung", "Beteiligung von Kindern, Jugendlichen und ihren Familien sicherstellen", "Kinder, Jugendliche und Eltern an Bedarfsermittlung, Planung, Umsetzung und Bewertung beteiligen", page="Handlungsempfehlungen/Beteiligung"),
    Term("zusammenarbeit", "Interdisziplinäre Zusammenarbeit ermöglichen", "Zusammenarbeit über Ressortgrenzen hinweg ermöglichen und verbindlich steuern", page="Handlungsempfehlungen/Interdisziplinäre Zusammenarbeit"),
    Term("niedrigschwellig", "Niedrigschwellige Unterstützungsangebote schaffen", "Hürden abbauen: wohnortnahe, leicht zugängliche Unterstützungsangebote schaffen", page="Handlungsempfehlungen/Niedrigschwellige Angebote"),
    Term("wertschaetzend", "Wertschätzend und befähigend handeln", "Familien respektvoll begegnen, an Stärken ansetzen und Selbstbestimmung fördern", page="Handlungsempfehlungen/Wertschätzend und befähigend handeln"),
    Term("lebenswelten", "Blick auf die Lebenswelten richten (Setting-Ansatz)", "Gesundheit in Kita, Schule, Familie und Stadtteil fördern: Verhalten und Verhältnisse", page="Handlungsempfehlungen/Lebenswelten"),
    Term("multiplikatoren", "Multiplikator/innen einbinden", "Vertrauenspersonen und Fachkräfte als Multiplikator/innen gewinnen, qualifizieren und einbinden", page="Handlungsempfehlungen/Multiplikatoren"),
    Term("ehrenamt", "Ehrenamtsstrukturen fördern", "Ehrenamtliches Engagement für Familien stärken, koordinieren und anerkennen", page="Handlungsempfehlungen/Ehrenamt"),
)

LEWIN_PHASES: tuple[Term, ...] = (
    Term("auftauen", "auftauen", "Vorbereitung: Problembewusstsein schaffen, Verbündete gewinnen", "Strategiephasen/Auftauen"),
    Term("entwickeln", "entwickeln", "Ziele vereinbaren, Strukturen und Angebote aufbauen", "Strategiephasen/Entwickeln"),
    Term("stabilisieren", "stabilisieren", "Verstetigen, Qualität sichern, verankern", "Strategiephasen/Stabilisieren"),
)


def _land(key: str, label: str, office: str) -> Term:
    return Term(
        key,
        label,
        page=f"Koordinierungsstellen/{label}",
        extra={"koordinierungsstelle": f"Koordinierungsstelle Gesundheitliche Chancengleichheit {label}", "traeger": office},
    )


LAENDER: tuple[Term, ...] = (
    _land("bw", "Baden-Württemberg", "Landesgesundheitsamt Baden-Württemberg im Regierungspräsidium Stuttgart"),
    _land("by", "Bayern", "Landeszentrale für Gesundheit in Bayern e.V."),
    _land("be", "Berlin", "Gesundheit Berlin-Brandenburg e.V."),
    _land("bb", "Brandenburg", "Gesundheit Berlin-Brandenburg e.V."),
    _land("hb", "Bremen", "Landesvereinigung für Gesundheit Bremen e.V."),
    _land("hh", "Hamburg", "Hamburgische Arbeitsgemeinschaft für Gesundheitsförderung e.V. (HAG)"),
    _land("he", "Hessen", "Hessische Arbeitsgemeinschaft für Gesundheitsförderung e.V. (HAGE)"),
    _land("mv", "Mecklenburg-Vorpommern", "Landesvereinigung für Gesundheitsförderung Mecklenburg-Vorpommern e.V."),
    _land("ni", "Niedersachsen", "Landesvereinigung für Gesundheit und Akademie für Sozialmedizin Niedersachsen e.V."),
    _land("nw", "Nordrhein-Westfalen", "Landeszentrum Gesundheit Nordrhein-Westfalen (LZG.NRW)"),
    _land("rp", "Rheinland-Pfalz", "Landeszentrale für Gesundheitsförderung in Rheinland-Pfalz e.V."),
    _land("sl", "Saarland", "Landesarbeitsgemeinschaft für Gesundheitsförderung Saarland e.V."),
    _land("sn", "Sachsen", "Sächsische Landesvereinigung für Gesundheitsförderung e.V."),
    _land("st", "Sachsen-Anhalt", "Landesvereinigung für Gesundheit Sachsen-Anhalt e.V."),
    _land("sh", "Schleswig-Holstein", "Landesvereinigung für Gesundheitsförderung in Schleswig-Holstein e.V."),
    _land("th", "Thüringen", "Landesvereinigung für Gesundheitsförderung Thüringen e.V. (AGETHUR)"),
)

MUNICIPALITY_KINDS: tuple[Term, ...] = (
    Term("kreisfreie-stadt", "kreisfreie Stadt"),
    Term("landkreis", "Landkreis"),
    Term("kreisangehoerig", "kreisangehörige Stadt/Gemeinde"),
    Term("stadtbezirk", "Stadtbezirk"),
)


MATERIAL_KINDS: tuple[Term, ...] = (
    Term("leitfaden", "Leitfaden"),
    Term("arbeitshilfe", "Arbeitshilfe"),
    Term("checkliste", "Checkliste"),
    Term("praxisbeispiel", "Praxisbeispiel"),
    Term("studie", "Studie/Bericht"),
    Term("vorlage", "Vorlage"),
    Term("video", "Video"),
    Term("website", "Website"),
)


@dataclass(frozen=True)
class Vocabulary:
    """All vocabulary lists of one wiki."""

    life_phases: tuple[Term, ...] = LIFE_PHASES
    recommendations: tuple[Term, ...] = RECOMMENDATIONS
    lewin_phases: tuple[Term, ...] = LEWIN_PHASES
    laender: tuple[Term, ...] = LAENDER
    municipality_kinds: tuple[Term, ...] = MUNICIPALITY_KINDS
    material_kinds: tuple[Term, ...] = MATERIAL_KINDS

    def terms(self, list_name: str) -> tuple[Term, ...]:
        if list_name not in LIST_NAMES:
            raise VocabularyError(f"Unbekannte Liste „{list_name}“.")
        return getattr(self, list_name)

    def term(self, list_name: str, key: str) -> Term:
        """The term with ``key`` in ``list_name``; a German :class:`VocabularyError` otherwise."""
        for term in self.terms(list_name):
            if term.key == key:
                return term
        allowed = ", ".join(t.key for t in self.terms(list_name))
        raise VocabularyError(f"„{key}“ ist kein gültiger Wert für {LIST_NAMES[list_name]} (erlaubt: {allowed}).")

    def validate_keys(self, list_name: str, keys: Iterable[str]) -> list[str]:
        """Check every key, keep their order and drop repeats."""
        checked: list[str] = []
        for key in keys:
            self.term(list_name, key)
            if key not in checked:
                checked.append(key)
        return checked

    def key_from_query(self, args: Mapping[str, str], name: str, list_name: str, errors: list[str]) -> str:
        """The key given as ``args[name]``, or "" – a value not in the list adds its German message to ``errors``."""
        value = (args.get(name) or "").strip()
        if not value:
            return ""
        try:
            return self.term(list_name, value).key
        except VocabularyError as e:
            errors.append(str(e))
            return ""

    def label(self, list_name: str, key: str) -> str:
        return self.term(list_name, key).label


def _term_from_config(value: object, list_name: str) -> Term:
    if isinstance(value, Term):
        term = value
    elif isinstance(value, Mapping) and "key" in value and "label" in value:
        extra = {k: str(v) for k, v in value.items() if k not in ("key", "label", "description", "page")}
        term = Term(
            str(value["key"]),
            str(value["label"]),
            str(value.get("description", "")),
            str(value.get("page", "")),
            extra,
        )
    elif isinstance(value, (tuple, list)) and len(value) == 2:
        term = Term(str(value[0]), str(value[1]))
    else:
        raise VocabularyError(f"{LIST_NAMES[list_name]}: Eintrag {value!r} braucht „key“ und „label“.")
    if not KEY_PATTERN.match(term.key):
        raise VocabularyError(f"{LIST_NAMES[list_name]}: Schlüssel „{term.key}“ darf nur a-z, 0-9 und - enthalten.")
    return term


def vocabulary_from_config(overrides: Mapping[str, object] | None) -> Vocabulary:
    """Build the wiki's vocabulary from ``wikiconfig.Config.gaa_vocabulary``.

    Each key names a list (``life_phases``, ``recommendations``, ``lewin_phases``, ``laender``,
    ``municipality_kinds``, ``material_kinds``).  A value replaces the seeded list; ``{"extend": [...]}`` appends to it
    (e.g. the life phases „Erwachsene“ and „Ältere“ for „Gesundheit für alle“).  Entries are
    ``Term`` objects, ``{"key": ..., "label": ...}`` dicts or ``(key, label)`` pairs.
    """
    vocabulary = Vocabulary()
    for list_name, value in (overrides or {}).items():
        if list_name not in LIST_NAMES:
            raise VocabularyError(f"gaa_vocabulary: unbekannte Liste „{list_name}“.")
        seeded = vocabulary.terms(list_name)
        if isinstance(value, Mapping) and set(value) == {"extend"}:
            terms = seeded + tuple(_term_from_config(v, list_name) for v in value["extend"])
        else:
            terms = tuple(_term_from_config(v, list_name) for v in value)  # type: ignore[union-attr]
        keys = [t.key for t in terms]
        if len(set(keys)) != len(keys) or not keys:
            raise VocabularyError(f"gaa_vocabulary: {LIST_NAMES[list_name]} braucht eindeutige, nicht leere Schlüssel.")
        vocabulary = replace(vocabulary, **{list_name: terms})
    return vocabulary
