"""Role groups and the first administrator.

The role groups are moin wiki groups (items whose ``usergroup`` metadata lists the members):
``Administratoren`` (superusers, every right) and ``Moderatoren`` (curate Werkzeugkiste, groups
and discussions).  Their items may be read by all and changed only by administrators.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from flask import current_app
from moin import user as moin_user
from moin.constants.contenttypes import CONTENTTYPE_USER
from moin.constants.keys import CONTENTTYPE, CURRENT, DISABLED, ITEMID, LATEST_REVS, NAME, NAME_EXACT, NAMESPACE
from moin.constants.namespaces import NAMESPACE_USERPROFILES
from moin.utils.names import split_fqname

from moin_gaa.core.moin_internals import index_searcher, stored_profile
from moin_gaa.core.storage import PageSpec, store_pages

ADMINISTRATORS = "Administratoren"
MODERATORS = "Moderatoren"
ROLE_GROUP_ACL = "All:read"
ROLE_GROUPS = {
    ADMINISTRATORS: "Administratorinnen und Administratoren des PartnerWiki: alle Rechte, auch Benutzerverwaltung.",
    MODERATORS: (
        "Moderatorinnen und Moderatoren (Geschäftsstelle und Koordinierungsstellen Gesundheitliche "
        "Chancengleichheit): kuratieren die Werkzeugkiste, betreuen Gesprächsräume und Online-Diskussionen."
    ),
}


# moin's ACLs read these as special groups, whatever account might carry the name
ACL_SPECIAL_NAMES = ("All", "Known", "Trusted", "Anonymous")


class AccountError(ValueError):
    """A user-facing German message about an account operation."""


def account_exists(name: str) -> bool:
    """Whether a moin account has exactly this (login) name."""
    return bool(name) and bool(moin_user.search_users(**{NAME_EXACT: name}))


def account_problem(name: str) -> str | None:
    """None when ``name`` names an existing account that an ACL can name alone, else the German reason."""
    if name.casefold() in (special.casefold() for special in ACL_SPECIAL_NAMES):
        return f"„{name}“ ist eine Gruppe aller Nutzenden, kein einzelnes Konto."
    if not account_exists(name):
        return f"Es gibt kein Konto „{name}“."
    return None


def accounts_problem(names) -> str | None:
    """One German message for every name in ``names`` that is no usable account (None if all are)."""
    problems = [p for p in (account_problem(n) for n in dict.fromkeys(names)) if p]
    return " ".join(problems) or None


def group_members(group: str) -> list[str]:
    item = current_app.storage.get_item(**split_fqname(group).query)
    if not item:
        return []
    return list(item[CURRENT].meta.get("usergroup", []))


def _group_page(group: str, members: list[str]) -> PageSpec:
    text = f"= {group} =\n\n{ROLE_GROUPS[group]}\n\nDie Mitglieder stehen in den Metadaten dieser Seite (usergroup).\n"
    return PageSpec(group, text, {"acl": ROLE_GROUP_ACL, "usergroup": members, "summary": ROLE_GROUPS[group]})


def ensure_role_groups() -> list[str]:
    """Create the role group items that are missing; returns the names created."""
    missing = [g for g in ROLE_GROUPS if not current_app.storage.get_item(**split_fqname(g).query)]
    store_pages([_group_page(g, []) for g in missing], comment="Rollengruppe angelegt")
    return missing


def add_to_group(group: str, username: str) -> None:
    members = group_members(group)
    if username not in members:
        store_pages([_group_page(group, members + [username])], comment=f"{username} aufgenommen")


def create_admin(name: str, email: str, password: str) -> None:
    """Create a user (or take an existing one) and make it administrator and moderator."""
    ensure_role_groups()
    existing = moin_user.User(auth_username=name)
    if not existing.exists():
        message = moin_user.create_user(username=name, password=password, email=email)
        if message:
            raise AccountError(str(message))
    for group in ROLE_GROUPS:
        add_to_group(group, name)


# --- what a person tells about themselves: Kommune or organisation, consent to the privacy notice ------------------
# Kept in the person's moin profile (moin stores every profile key it is given, see ``moin_internals.stored_profile``).

KOMMUNE_KEY = "gaa_kommune"  # the name of a Partnerverzeichnis profile, checked when it was chosen
ORGANISATION_KEY = "gaa_organisation"  # free text: an organisation that is no municipality
PRIVACY_CONSENT_KEY = "gaa_privacy_consent"  # when the Datenschutzerklärung was accepted (UTC, ISO 8601)


@dataclass(frozen=True)
class Affiliation:
    """Where a person works: a Kommune of the Partnerverzeichnis, another organisation, or nothing said."""

    kommune: str = ""
    organisation: str = ""

    @property
    def label(self) -> str:
        return self.kommune or self.organisation


def affiliation(user) -> Affiliation:
    """What ``user``'s profile says (an empty Affiliation for a profile from before the field existed)."""
    stored = stored_profile(user)
    return Affiliation(str(stored.get(KOMMUNE_KEY) or ""), str(stored.get(ORGANISATION_KEY) or ""))


def affiliation_profile(chosen: Affiliation) -> dict[str, str]:
    """The profile keys that store ``chosen`` (both, so that a change replaces the other)."""
    return {KOMMUNE_KEY: chosen.kommune, ORGANISATION_KEY: chosen.organisation}


def consent_profile(now: datetime | None = None) -> dict[str, str]:
    """The profile key that records the consent given ``now``."""
    now = now or datetime.now(timezone.utc)
    return {PRIVACY_CONSENT_KEY: now.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")}


def save_affiliation(user, chosen: Affiliation) -> None:
    """Store ``chosen`` in ``user``'s profile."""
    for key, value in affiliation_profile(chosen).items():
        user.profile[key] = value
    user.save(force=True)


# --- who has an account: the people directory, person pages, name fields that suggest accounts -------------------
# Read from moin's index of user profiles (name, id, disabled are stored there); nothing else of a profile is shown.


@dataclass(frozen=True)
class Account:
    name: str
    userid: str


def _account_documents(**terms):
    query = {NAMESPACE: NAMESPACE_USERPROFILES, CONTENTTYPE: CONTENTTYPE_USER, **terms}
    with index_searcher(current_app.storage, LATEST_REVS) as searcher:
        return [fields for fields in searcher.documents(**query) if fields.get(NAME)]


def account(name: str) -> Account | None:
    """The account of exactly this login name (also a disabled one), or None."""
    found = _account_documents(**{NAME_EXACT: name}) if name else []
    return Account(found[0][NAME][0], found[0][ITEMID]) if found else None


def active_accounts() -> list[Account]:
    """Every account that is not disabled, by name (case-insensitive)."""
    accounts = [Account(fields[NAME][0], fields[ITEMID]) for fields in _account_documents() if not fields.get(DISABLED)]
    return sorted(accounts, key=lambda a: (a.name.casefold(), a.name))


def matching_accounts(query: str) -> list[Account]:
    """Active accounts whose name contains every word of ``query`` (case-insensitive; all for an empty query)."""
    words = query.casefold().split()
    return [a for a in active_accounts() if all(word in a.name.casefold() for word in words)]


def account_affiliation(person: Account) -> Affiliation:
    """What the profile of ``person`` says about Kommune/Organisation."""
    return affiliation(moin_user.User(person.userid))
