"""Gesprächsräume: group spaces under ``Gruppen/<Name>`` (domain of issue 6, used by the calendar).

A group is a record (``gaa_type = "gruppe"``) on ``Gruppen/<Name>``; its members are a moin wiki
group, the item ``Gruppen/<Name>/Mitglieder`` (``usergroup`` metadata), so moin's ACLs can name
them.  The group page carries the space's ACL, which moin's hierarchic ACLs apply to every page
below it: a private space is readable only by its members, its group moderators and the wiki's
``Moderatoren``; an open one also by every registered user.  The member list has its own ACL,
so members cannot add members themselves.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass
from typing import Any, Mapping

from moin_gaa.core.accounts import ACL_SPECIAL_NAMES, MODERATORS
from moin_gaa.core.field_errors import FieldErrors
from moin_gaa.core.text_input import clean_text, input_problems, normalise_name
from moin_gaa.discussions.threads import AREA_TEXT, GROUP_AREA, area_pages, wiki_text

GROUP_TYPE = "gruppe"
GROUP_PREFIX = "Gruppen/"
CALENDAR_PREFIX = "gruppe-"
VISIBILITY_LABELS = {"offen": "offen – alle Angemeldeten lesen mit", "privat": "privat – nur Mitglieder"}
JOIN_LABELS = {"offen": "offen – Angemeldete treten selbst bei", "anfrage": "auf Anfrage – die Moderation bestätigt",
               "einladung": "nur auf Einladung der Moderation"}
NAME_RULE = re.compile(r"^[^/,:\s][^/,:]{1,78}[^/,:\s]$")
SPACE_PARTS = (GROUP_AREA, "Dokumente", "Termine")  # created with the group, so no page below it lacks a parent
MAX_DESCRIPTION = 3000
LIMITS = {"name": 200, "beschreibung": MAX_DESCRIPTION, "sichtbarkeit": 20, "beitritt": 20, "moderatoren": 2000,
          "moderatoren.*": 100, "anfragen.*": 100}


class GroupError(FieldErrors):
    """A group that cannot be created."""


@dataclass(frozen=True)
class Group:
    name: str
    beschreibung: str = ""
    sichtbarkeit: str = "privat"
    beitritt: str = "anfrage"
    moderatoren: tuple[str, ...] = ()
    anfragen: tuple[str, ...] = ()  # user names waiting for approval

    @property
    def page(self) -> str:
        return GROUP_PREFIX + self.name

    @property
    def members_item(self) -> str:
        return members_item(self.name)

    @property
    def calendar(self) -> str:
        return calendar_key(self.name)

    def fields(self) -> dict[str, Any]:
        data = asdict(self)
        data["moderatoren"] = list(self.moderatoren)
        data["anfragen"] = list(self.anfragen)
        data["kalender"] = self.calendar
        return data


def members_item(group_name: str) -> str:
    return f"{GROUP_PREFIX}{group_name}/Mitglieder"


def same_group(a: str, b: str) -> bool:
    """Two group names that people (and the calendar key) cannot tell apart: „Frühe Hilfen“ = „frühe-hilfen“."""
    return normalise_name(a).casefold() == normalise_name(b).casefold() or calendar_key(a) == calendar_key(b)


def calendar_key(group_name: str) -> str:
    """``gruppe-<slug>``: the group's calendar name (a–z, 0–9, -), e.g. „Frühe Hilfen“ → gruppe-fruehe-hilfen."""
    text = group_name.lower()
    for umlaut, plain in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")):
        text = text.replace(umlaut, plain)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return CALENDAR_PREFIX + (re.sub(r"[^a-z0-9]+", "-", text).strip("-")[:50] or "gruppe")


def group_of(item_name: str) -> str | None:
    """The group a page belongs to (``Gruppen/<Name>/…`` → Name), or None outside group spaces."""
    if not item_name.startswith(GROUP_PREFIX):
        return None
    return item_name[len(GROUP_PREFIX):].split("/", 1)[0] or None


def space_acl(group: Group) -> str:
    """The ACL of ``Gruppen/<Name>`` and (hierarchically) of everything below it."""
    curators = ",".join((MODERATORS, *group.moderatoren))
    acl = f"{curators}:read,write,create,destroy,admin {group.members_item}:read,write,create"
    return acl + (" Known:read" if group.sichtbarkeit == "offen" else "")


def moderated_acl(group: Group) -> str:
    """The member list and the discussion area: the moderation curates them, members only read them
    (they post through our forms), and they are readable like the space."""
    curators = ",".join((MODERATORS, *group.moderatoren))
    acl = f"{curators}:read,write,create,destroy,admin {group.members_item}:read"
    return acl + (" Known:read" if group.sichtbarkeit == "offen" else "")


def curators_acl(group_moderators: tuple[str, ...]) -> str:
    """Only the moderation reads it: a hidden post."""
    return f"{','.join((MODERATORS, *group_moderators))}:read,write,create,destroy,admin"


def group_from_input(data: Mapping[str, Any], *, known_users=lambda name: True) -> Group:
    """A checked :class:`Group` from form-like data; :class:`GroupError` lists every problem.

    ``known_users(name)`` tells whether an account exists (the form passes moin's user lookup).
    """
    errors: dict[str, str] = {}
    name = normalise_name(data.get("name"))
    if not NAME_RULE.match(name):
        errors["name"] = "Der Name hat 3 bis 80 Zeichen, ohne „/“, „,“ und „:“."
    visibility = str(data.get("sichtbarkeit") or "privat")
    if visibility not in VISIBILITY_LABELS:
        errors["sichtbarkeit"] = f"„{visibility}“ ist keine Sichtbarkeit (offen, privat)."
    policy = str(data.get("beitritt") or "anfrage")
    if policy not in JOIN_LABELS:
        errors["beitritt"] = f"„{policy}“ ist keine Beitrittsregel (offen, anfrage, einladung)."
    raw = data.get("moderatoren") or ()
    names = [normalise_name(n) for n in (raw.replace(";", ",").split(",") if isinstance(raw, str) else raw)]
    moderators = tuple(dict.fromkeys(n for n in names if n))
    special = [n for n in moderators if n.casefold() in {s.casefold() for s in ACL_SPECIAL_NAMES}]
    unknown = [n for n in moderators if n not in special and not known_users(n)]
    if unknown:
        errors["moderatoren"] = f"Unbekannte Benutzer: {', '.join(unknown)} – es gibt kein Konto mit diesem Namen."
    if special:
        errors["moderatoren"] = f"„{special[0]}“ ist eine Gruppe aller Nutzenden, kein einzelnes Konto."
    if any(c in n for n in moderators for c in ",:"):
        errors["moderatoren"] = "Benutzernamen dürfen hier kein „,“ oder „:“ enthalten."
    errors.update(input_problems(data, LIMITS))  # control characters and lengths win over the other messages
    if errors:
        raise GroupError(errors)
    return Group(
        name=name,
        beschreibung=clean_text(data.get("beschreibung")).strip(),
        sichtbarkeit=visibility,
        beitritt=policy,
        moderatoren=moderators,
        anfragen=tuple(data.get("anfragen") or ()),
    )


def group_from_fields(fields: Mapping[str, Any]) -> Group:
    return Group(
        name=str(fields["name"]),
        beschreibung=str(fields.get("beschreibung") or ""),
        sichtbarkeit=str(fields.get("sichtbarkeit") or "privat"),
        beitritt=str(fields.get("beitritt") or "anfrage"),
        moderatoren=tuple(fields.get("moderatoren") or ()),
        anfragen=tuple(fields.get("anfragen") or ()),
    )


def space_pages(group: Group, members: list[str]) -> list[tuple[str, str, dict[str, Any]]]:
    """(name, text, metadata) of the pages below a group page, parents before children.

    Creating them with the group means no page of the space lacks its parent – moin's hierarchic
    ACLs only look at an existing parent, so a gap would let the default ACL through.
    """
    group_name = wiki_text(group.name)  # markup: as typed, never a link or macro
    texts = {
        GROUP_AREA: (AREA_TEXT, {"acl": moderated_acl(group)}),
        "Dokumente": (f"= Dokumente der Gruppe {group_name} =\n\nHier legen Mitglieder Seiten und Dateien an, die sie gemeinsam "
                      "bearbeiten: „Neue Unterseite“ bzw. Datei hochladen. Frühere Fassungen bleiben in der Historie.\n\n"
                      "<<ItemList(display=\"ChildName\")>>\n", {}),
        "Termine": (f"= Termine der Gruppe {group_name} =\n\n<<NetworkCalendar(kalender={group.calendar})>>\n", {}),
    }
    pages = [(group.members_item, f"= Mitglieder der Gruppe {group_name} =\n\nDie Mitglieder stehen in den Metadaten "
              "(usergroup); die Moderation pflegt sie im Gesprächsraum.\n", {"acl": moderated_acl(group), "usergroup": list(members)})]
    pages += [(f"{group.page}/{part}", *texts[part]) for part in SPACE_PARTS]
    pages += [(name, text, {}) for name, text in area_pages(f"{group.page}/{GROUP_AREA}", group.name)]
    return pages
