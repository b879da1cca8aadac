"""Partner municipalities: profile fields, their checks, contact visibility and coverage cells.

A profile is a record (``gaa_type = "kommune"``) under ``Kommunen/<Name>``.  This module is the
domain part of the Partnerverzeichnis (issue 4): forms, views and macros build on it.
Contact data is shown per field either publicly or to registered users only; it defaults to
registered users only, and :func:`visible_fields` is the one place that applies that rule.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any, Callable, Iterable, Mapping

from whoosh.query import And, Term

from moin_gaa.core.catalog import FACET_PREFIX, CatalogReader
from moin_gaa.core.field_errors import FieldErrors
from moin_gaa.core.german_dates import parse_day
from moin_gaa.core.text_input import ascii_digits, count_problem, form_value, input_problems
from moin_gaa.core.vocabulary import Vocabulary, VocabularyError
from moin_gaa.toolbox.tools import check_link, check_title

PROFILE_TYPE = "kommune"
PROFILE_PREFIX = "Kommunen/"
PUBLIC = "oeffentlich"
REGISTERED = "angemeldet"
VISIBILITY_LABELS = {PUBLIC: "öffentlich", REGISTERED: "nur für Angemeldete"}
CONTACT_FIELDS = ("name", "rolle", "email", "telefon")
DEPARTMENTS = ("Gesundheit", "Jugend", "Bildung", "Soziales", "Stadtplanung", "Sport", "Integration", "Kultur")
EMAIL = re.compile(r"^[^@\s<>\"',;]+@[^@\s<>\"',;]+\.[^@\s<>\"',;]{2,}$")
PHONE = re.compile(r"^\+?[0-9 ()/\-]{5,30}$")
MAX_POPULATION = 4_000_000
MAX_ROWS = 50  # contacts, activities
# length limits of the raw input (control characters are refused in every field, see text_input)
LIMITS = {
    "name": 200, "art": 60, "land": 60, "strategiephase": 60, "partner_seit": 20, "einwohner": 20, "strategie": 5000,
    "website": 500, "logo": 300, "ressorts.*": 80, "redakteure.*": 100,
    **{f"kontakte.*.{k}": 200 for k in ("name", "rolle", "email", "telefon")}, "kontakte.*.sichtbarkeit.*": 20,
    "aktivitaeten.*.titel": 200, "aktivitaeten.*.beschreibung": 2000, "aktivitaeten.*.partner": 500,
    "aktivitaeten.*.seit": 20, "aktivitaeten.*.bis": 20, "aktivitaeten.*.link": 500,
    "aktivitaeten.*.lebensphasen.*": 60, "aktivitaeten.*.empfehlungen.*": 60,
}


class ProfileError(FieldErrors):
    """A municipality profile that cannot be stored; nested fields are named like ``kontakte.0.email``."""


@dataclass(frozen=True)
class Contact:
    name: str
    rolle: str = ""
    email: str = ""
    telefon: str = ""
    sichtbarkeit: Mapping[str, str] = field(default_factory=dict)  # field -> PUBLIC | REGISTERED

    def visibility(self, name: str) -> str:
        return self.sichtbarkeit.get(name, REGISTERED)


@dataclass(frozen=True)
class Activity:
    titel: str
    beschreibung: str = ""
    lebensphasen: tuple[str, ...] = ()
    empfehlungen: tuple[str, ...] = ()
    partner: str = ""
    seit: str = ""  # ISO date or ""
    bis: str = ""
    link: str = ""


@dataclass(frozen=True)
class PhaseChange:
    phase: str
    seit: str  # ISO date


@dataclass(frozen=True)
class Profile:
    name: str
    art: str
    land: str
    partner_seit: str
    strategiephase: str
    phasen_verlauf: tuple[PhaseChange, ...] = ()
    einwohner: int | None = None
    strategie: str = ""
    ressorts: tuple[str, ...] = ()
    website: str = ""
    logo: str = ""
    kontakte: tuple[Contact, ...] = ()
    aktivitaeten: tuple[Activity, ...] = ()
    redakteure: tuple[str, ...] = ()

    @property
    def item_name(self) -> str:
        return PROFILE_PREFIX + self.name

    def cells(self) -> set[tuple[str, str]]:
        """(life phase, recommendation) pairs covered by at least one activity."""
        return {(p, r) for a in self.aktivitaeten for p in a.lebensphasen for r in a.empfehlungen}

    def fields(self) -> dict[str, Any]:
        """``gaa_fields``, with the covered phases, recommendations and cells as flat lists for the catalog.

        Lists, not tuples, as moin's metadata gives them back – else every seed load saw a change.
        """
        data = asdict(self, dict_factory=lambda pairs: {k: _as_lists(v) for k, v in pairs})
        cells = sorted(self.cells())
        data["abgedeckte_lebensphasen"] = sorted({p for p, _r in cells})
        data["abgedeckte_empfehlungen"] = sorted({r for _p, r in cells})
        data["abgedeckte_zellen"] = [f"{p}|{r}" for p, r in cells]
        data["partner_seit_jahr"] = int(self.partner_seit[:4]) if self.partner_seit else None
        return data


def _as_lists(value: Any) -> Any:
    return [_as_lists(v) for v in value] if isinstance(value, (list, tuple)) else value


def _date(value: Any, name: str, errors: dict, *, today: date, required: bool = False, future_ok: bool = True) -> str:
    raw = form_value(value, 20)
    if not raw:
        if required:
            errors[name] = "Bitte ein Datum angeben (TT.MM.JJJJ oder JJJJ-MM-TT)."
        return ""
    try:
        parsed = parse_day(raw)
    except ValueError:
        errors[name] = f"„{raw}“ ist kein gültiges Datum (TT.MM.JJJJ oder JJJJ-MM-TT)."
        return ""
    if not future_ok and parsed > today:
        errors[name] = "Das Datum darf nicht in der Zukunft liegen."
        return ""
    return parsed.isoformat()


def _term(vocabulary: Vocabulary, list_name: str, value: Any, name: str, errors: dict, what: str) -> str:
    key = form_value(value, 60)
    if not key:
        errors[name] = f"Bitte {what} wählen."
        return ""
    try:
        return vocabulary.term(list_name, key).key
    except VocabularyError as e:
        errors[name] = str(e)
        return ""


def _keys(vocabulary: Vocabulary, list_name: str, values: Iterable[Any], name: str, errors: dict) -> tuple[str, ...]:
    try:
        keys = [form_value(v, 60) for v in values or () if form_value(v, 60)]
        return tuple(vocabulary.validate_keys(list_name, keys))
    except VocabularyError as e:
        errors[name] = str(e)
        return ()


def _contact(data: Mapping[str, Any], prefix: str, errors: dict) -> Contact | None:
    values = {k: form_value(data.get(k), 200) for k in CONTACT_FIELDS}
    if not any(values.values()):
        return None  # an empty row of the form
    if not values["name"]:
        errors[f"{prefix}.name"] = "Bitte den Namen der Kontaktperson angeben."
    if values["email"] and not EMAIL.match(values["email"]):
        errors[f"{prefix}.email"] = f"„{values['email']}“ ist keine gültige E-Mail-Adresse."
    if values["telefon"] and not PHONE.match(values["telefon"]):
        errors[f"{prefix}.telefon"] = "Bitte eine Telefonnummer aus Ziffern, Leerzeichen, +, /, - und Klammern angeben."
    visibility = {}
    for name, value in (data.get("sichtbarkeit") or {}).items():
        if name not in CONTACT_FIELDS or value not in VISIBILITY_LABELS:
            errors[f"{prefix}.sichtbarkeit"] = "Sichtbarkeit ist „oeffentlich“ oder „angemeldet“."
            continue
        visibility[name] = value
    return Contact(sichtbarkeit=visibility, **values)


def _activity(data: Mapping[str, Any], prefix: str, vocabulary: Vocabulary, errors: dict, today: date) -> Activity | None:
    titel = form_value(data.get("titel"), 200)
    if not titel and not form_value(data.get("beschreibung")):
        return None
    if not titel:
        errors[f"{prefix}.titel"] = "Bitte einen Titel für die Aktivität angeben."
    phases = _keys(vocabulary, "life_phases", data.get("lebensphasen") or (), f"{prefix}.lebensphasen", errors)
    recs = _keys(vocabulary, "recommendations", data.get("empfehlungen") or (), f"{prefix}.empfehlungen", errors)
    if not phases and f"{prefix}.lebensphasen" not in errors:
        errors[f"{prefix}.lebensphasen"] = "Bitte mindestens eine Lebensphase wählen."
    if not recs and f"{prefix}.empfehlungen" not in errors:
        errors[f"{prefix}.empfehlungen"] = "Bitte mindestens eine Handlungsempfehlung wählen."
    seit = _date(data.get("seit"), f"{prefix}.seit", errors, today=today)
    bis = _date(data.get("bis"), f"{prefix}.bis", errors, today=today)
    if seit and bis and bis < seit:
        errors[f"{prefix}.bis"] = "„bis“ liegt vor „seit“."
    link = form_value(data.get("link"), 500)
    if message := check_link(link):
        errors[f"{prefix}.link"] = message
    description, partner = form_value(data.get("beschreibung"), 2000), form_value(data.get("partner"), 500)
    return Activity(titel, description, phases, recs, partner, seit, bis, link)


def profile_from_input(
    data: Mapping[str, Any],
    vocabulary: Vocabulary,
    *,
    today: date | None = None,
    base: Profile | None = None,
    editors: Iterable[str] | None = None,
    editor_problem: Callable[[str], str | None] | None = None,
) -> Profile:
    """A checked :class:`Profile`; :class:`ProfileError` lists every problem at once.

    The strategy-phase history is kept from ``base`` and extended when the phase changes.
    ``editors`` replaces the editors (default: those of ``base``, for a new profile ``data["redakteure"]``);
    ``editor_problem(name)`` says why a name entered there is no usable account (the views pass moin's lookup).
    """
    today = today or date.today()
    errors: dict[str, str] = {}
    name = form_value(data.get("name"), 200)
    if message := check_title(name):
        errors["name"] = "Bitte den Namen der Kommune angeben." if not name else message.replace("Der Titel", "Der Name")
    art = _term(vocabulary, "municipality_kinds", data.get("art"), "art", errors, "die Art der Kommune")
    land = _term(vocabulary, "laender", data.get("land"), "land", errors, "ein Land")
    phase = _term(vocabulary, "lewin_phases", data.get("strategiephase"), "strategiephase", errors, "eine Strategiephase")
    partner_seit = _date(data.get("partner_seit"), "partner_seit", errors, today=today, required=True, future_ok=False)
    einwohner = None
    raw_population = form_value(data.get("einwohner"), 20).replace(".", "").replace(" ", "")
    if raw_population:
        if not ascii_digits(raw_population) or not 0 < int(raw_population) <= MAX_POPULATION:
            errors["einwohner"] = (
                "Die Einwohnerzahl muss eine ganze Zahl sein, geschrieben mit den Ziffern 0–9 (z. B. 315000)."
            )
        else:
            einwohner = int(raw_population)
    website = form_value(data.get("website"), 500)
    if message := check_link(website):
        errors["website"] = message
    contacts = [_contact(c, f"kontakte.{i}", errors) for i, c in enumerate(data.get("kontakte") or ())]
    activities = [_activity(a, f"aktivitaeten.{i}", vocabulary, errors, today) for i, a in enumerate(data.get("aktivitaeten") or ())]
    ressorts = tuple(dict.fromkeys(form_value(r, 80) for r in data.get("ressorts") or () if form_value(r, 80)))
    if editors is None and base is None:
        editors = data.get("redakteure") or ()
    if base is not None and editors is None:
        redakteure = base.redakteure
    else:
        redakteure = tuple(dict.fromkeys(form_value(r, 100) for r in editors or () if form_value(r, 100)))
    if editor_problem is not None and editors is not None:
        if message := " ".join(p for p in map(editor_problem, redakteure) if p):
            errors["redakteure"] = message
    for rows, what in (("kontakte", "Kontakte"), ("aktivitaeten", "Aktivitäten")):
        if message := count_problem(data.get(rows), MAX_ROWS, what):
            errors[rows] = message
    errors.update(input_problems(data, LIMITS))  # control characters and lengths win over the other messages
    if errors:
        raise ProfileError(errors)
    history = tuple(base.phasen_verlauf) if base else ()
    if not history or history[-1].phase != phase:
        history += (PhaseChange(phase, today.isoformat()),)
    return Profile(
        name=name,
        art=art,
        land=land,
        partner_seit=partner_seit,
        strategiephase=phase,
        phasen_verlauf=history,
        einwohner=einwohner,
        strategie=form_value(data.get("strategie"), 5000),
        ressorts=ressorts,
        website=website,
        logo=form_value(data.get("logo"), 300),
        kontakte=tuple(c for c in contacts if c is not None),
        aktivitaeten=tuple(a for a in activities if a is not None),
        redakteure=redakteure,
    )


def profile_from_fields(fields: Mapping[str, Any], vocabulary: Vocabulary) -> Profile:
    """A stored profile (``gaa_fields``), checked like a form, keeping its phase history."""
    history = tuple(
        PhaseChange(str(h.get("phase", "")), str(h.get("seit", "")))
        for h in fields.get("phasen_verlauf") or ()
        if isinstance(h, Mapping)
    )
    base = Profile("", "", "", "", "", phasen_verlauf=history, redakteure=tuple(fields.get("redakteure") or ()))
    data = dict(fields)
    if data.get("einwohner") is not None:
        data["einwohner"] = str(data["einwohner"])
    return profile_from_input(data, vocabulary, base=base)


def visible_fields(fields: Mapping[str, Any], *, registered: bool) -> dict[str, Any]:
    """``gaa_fields`` of a profile with every contact field the reader may not see removed.

    Every surface that shows or exports profiles (page, directory, JSON, CSV) goes through here.
    """
    shown = dict(fields)
    contacts = []
    for contact in fields.get("kontakte") or ():
        if not isinstance(contact, Mapping):
            continue
        visibility = contact.get("sichtbarkeit") or {}
        visible = {
            k: contact.get(k, "")
            for k in CONTACT_FIELDS
            if contact.get(k) and (registered or visibility.get(k, REGISTERED) == PUBLIC)
        }
        if visible:
            contacts.append(visible)
    shown["kontakte"] = contacts
    return shown


def profile_names(reader: CatalogReader, *, limit: int) -> list[str]:
    """The names of the profiles ``reader`` may read, sorted (a form's list to choose from); none beyond ``limit``."""
    docs = reader.docs(Term("record_type", PROFILE_TYPE))
    if len(docs) > limit:
        return []
    return sorted((record.title for record in reader.records(docs)), key=str.casefold)


def is_profile(reader: CatalogReader, name: str) -> bool:
    """Whether ``name`` is (exactly) the name of a profile ``reader`` may read."""
    return bool(reader.docs(And([Term("record_type", PROFILE_TYPE), Term(FACET_PREFIX + "name", name)])))


def _editor_entries(profile: Profile) -> list[str]:
    return [f"{name}:read,write" for name in profile.redakteure if "," not in name and ":" not in name]


def profile_acl(profile: Profile) -> str:
    """The profile item's ACL: its editors and the moderators change it, everybody reads it."""
    return " ".join(["Moderatoren:read,write,create,destroy,admin", *_editor_entries(profile), "All:read"])


def acl_entries(acl: str) -> list[str]:
    """The entries of a moin ACL string as written (``Name Mit Leerzeichen:read,write`` is one entry)."""
    entries, rest = [], acl.strip()
    while rest:
        if rest == "Default" or rest.startswith("Default "):
            entries.append("Default")
            rest = rest[len("Default"):].lstrip()
            continue
        head, colon, tail = rest.partition(":")
        if not colon:  # moin stops parsing here, so do we – keep the rest as it is
            entries.append(rest)
            break
        rights, _space, rest = tail.partition(" ")
        entries.append(f"{head}:{rights}")
        rest = rest.lstrip()
    return entries


def profile_acl_after_edit(stored_acl: str | None, before: Profile, after: Profile) -> str | None:
    """The profile's ACL after an edit that changed ``before`` into ``after``; None keeps the stored one.

    The form manages only the editors' entries: an ACL as the form writes it follows the editors;
    in an ACL someone wrote by hand only the entries of removed editors go and those of new editors
    come in (where the old ones were, else after the moderators' entry) – everything else stays.
    """
    if not stored_acl or stored_acl == profile_acl(before):
        return profile_acl(after)
    if before.redakteure == after.redakteure:
        return None
    old, new = set(_editor_entries(before)), _editor_entries(after)
    entries = acl_entries(stored_acl)
    kept = [e for e in entries if e not in old]
    first_old = next((i for i, e in enumerate(entries) if e in old), None)
    if first_old is not None:
        at = sum(1 for e in entries[:first_old] if e not in old)
    else:
        at = next((i + 1 for i, e in enumerate(kept) if "Moderatoren" in e.lstrip("+-").split(":", 1)[0].split(",")), 0)
    kept[at:at] = [e for e in new if e not in kept]
    return " ".join(kept)


def form_to_nested(form: Mapping[str, Any], getlist) -> dict[str, Any]:
    """Turn flat form fields (``kontakte-0-email``, ``aktivitaeten-1-lebensphasen`` …) into nested data."""
    data: dict[str, Any] = {
        key: form.get(key, "")
        for key in ("name", "art", "land", "einwohner", "partner_seit", "strategiephase", "strategie", "website")
    }
    data["ressorts"] = [r for r in getlist("ressorts")] + [
        r.strip() for r in str(form.get("ressorts_weitere", "")).split(",") if r.strip()
    ]
    data["redakteure"] = [line.strip() for value in getlist("redakteure") for line in str(value).splitlines() if line.strip()]
    contacts, activities = {}, {}
    for key in form:
        parts = key.split("-")
        if len(parts) >= 3 and parts[0] == "kontakte" and ascii_digits(parts[1]):
            contact = contacts.setdefault(int(parts[1]), {"sichtbarkeit": {}})
            if parts[2] == "sichtbarkeit" and len(parts) == 4:
                contact["sichtbarkeit"][parts[3]] = form.get(key)
            else:
                contact[parts[2]] = form.get(key)
        elif len(parts) == 3 and parts[0] == "aktivitaeten" and ascii_digits(parts[1]):
            activity = activities.setdefault(int(parts[1]), {})
            activity[parts[2]] = getlist(key) if parts[2] in ("lebensphasen", "empfehlungen") else form.get(key)
    data["kontakte"] = [contacts[i] for i in sorted(contacts)]
    data["aktivitaeten"] = [activities[i] for i in sorted(activities)]
    return data
