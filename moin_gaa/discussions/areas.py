"""Where threads live – a group's ``Gruppen/<Gruppe>/Diskussion`` or an Online-Diskussion – and who
may do what there.  Reads with the current user's rights: an area the user cannot read is none.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import g as flaskg
from moin.datastructures.backends import GroupDoesNotExistError

from moin_gaa.core.access import is_moderator
from moin_gaa.core.items import AccessDenied, current
from moin_gaa.discussions.groups import GROUP_PREFIX, GROUP_TYPE, Group, group_from_fields
from moin_gaa.discussions.threads import (
    GROUP_AREA,
    ONLINE_PREFIX,
    ONLINE_TYPE,
    OnlineDiscussion,
    online_discussion_from_fields,
)

ONLINE_ACL = "Moderatoren:read,write,create,destroy,admin All:read"


@dataclass(frozen=True)
class Area:
    name: str  # the item under which the threads are
    title: str
    group: Group | None = None
    online: OnlineDiscussion | None = None

    @property
    def space(self) -> str:
        """The page people know: the group page or the Online-Diskussion itself."""
        return self.group.page if self.group else self.name

    @property
    def curators(self) -> tuple[str, ...]:
        return self.group.moderatoren if self.group else ()

    def phase(self) -> str:
        return self.online.phase() if self.online else "offen"


def area_for(name: str, stored_here: tuple[dict, str] | None = None) -> Area | None:
    """The area ``name`` (None if it is none, or the user may not read it).

    ``stored_here`` is ``current(name)`` if the caller has read it already (one lookup less).
    """
    try:
        if name.startswith(GROUP_PREFIX) and name.endswith("/" + GROUP_AREA) and name.count("/") == 2:
            stored = current(name.rsplit("/", 1)[0])
            if stored and stored[0].get("gaa_type") == GROUP_TYPE:
                group = group_from_fields(stored[0]["gaa_fields"])
                return Area(name, f"Gesprächsraum {group.name}", group=group)
        elif name.startswith(ONLINE_PREFIX) and name.count("/") == 1:
            stored = stored_here or current(name)
            if stored and stored[0].get("gaa_type") == ONLINE_TYPE:
                online = online_discussion_from_fields(stored[0]["gaa_fields"])
                return Area(name, online.titel, online=online)
    except AccessDenied:
        return None
    return None


def is_member(group: Group) -> bool:
    user = flaskg.user
    if not user.valid:
        return False
    try:
        return user.name0 in flaskg.groups[group.members_item]
    except GroupDoesNotExistError:
        return False


def may_moderate(area: Area) -> bool:
    return is_moderator() or (flaskg.user.valid and flaskg.user.name0 in area.curators)


def posting_refusal(area: Area, *, locked: bool = False) -> str | None:
    """Why the current user may not post here (German), or None if they may."""
    if not flaskg.user.valid:
        return "Bitte melden Sie sich an, um mitzudiskutieren."
    refusal = _member_refusal(area, locked)
    return None if refusal is None or may_moderate(area) else refusal  # the moderation may always post


def _member_refusal(area: Area, locked: bool) -> str | None:
    if locked:
        return "Dieses Thema ist gesperrt: hier kann nicht mehr geantwortet werden."
    if area.group is not None and not is_member(area.group):
        return "Nur Mitglieder der Gruppe können hier schreiben."
    phase = area.phase()
    if phase == "angekuendigt":
        return f"Die Diskussion beginnt am {area.online.beginn[8:10]}.{area.online.beginn[5:7]}.{area.online.beginn[:4]}."
    if phase == "abgeschlossen":
        return "Die Diskussion ist abgeschlossen; sie bleibt zum Nachlesen erhalten."
    return None
