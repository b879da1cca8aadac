"""Structured records: wiki items that carry PartnerWiki fields in their metadata.

A record is an ordinary moin item (history, diff, ACLs, search all come from moin) whose
metadata has two keys of ours: ``gaa_type`` (what it is: ``werkzeug``, ``kommune``,
``handlungsempfehlung`` …) and ``gaa_fields`` (a JSON object of its structured fields).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from moin.constants.keys import ACL, ITEMID, MTIME, NAME, NAMESPACE, REV_NUMBER, REVID, SUMMARY, TRASH

RECORD_TYPE = "gaa_type"
RECORD_FIELDS = "gaa_fields"


@dataclass(frozen=True)
class Record:
    """The catalog's view of the current revision of one record item."""

    itemid: str
    revid: str
    names: tuple[str, ...]
    namespace: str
    record_type: str
    fields: Mapping[str, Any] = field(default_factory=dict)
    acl: str | None = None
    summary: str = ""
    text: str = ""
    mtime: int = 0
    rev_number: int = 0  # moin's revision number: rises with every edit (ICS SEQUENCE)

    @property
    def name(self) -> str:
        return self.names[0]

    @property
    def title(self) -> str:
        """What a list shows: the ``titel`` (or ``name``) field, else the last part of the item name."""
        return str(self.fields.get("titel") or self.fields.get("name") or self.name.rsplit("/", 1)[-1])


def is_record_meta(meta: Mapping[str, Any]) -> bool:
    """True for the current revision of a live (named, not trashed) record item."""
    return bool(meta.get(RECORD_TYPE)) and bool(meta.get(NAME)) and not meta.get(TRASH)


def record_from_meta(meta: Mapping[str, Any], text: str = "") -> Record | None:
    """Build a :class:`Record` from a revision's metadata, or None if it is no live record."""
    if not is_record_meta(meta):
        return None
    fields = meta.get(RECORD_FIELDS) or {}
    if not isinstance(fields, Mapping):
        fields = {}
    return Record(
        itemid=meta[ITEMID],
        revid=meta[REVID],
        names=tuple(meta[NAME]),
        namespace=meta.get(NAMESPACE, ""),
        record_type=str(meta[RECORD_TYPE]),
        fields=dict(fields),
        acl=meta.get(ACL),
        summary=meta.get(SUMMARY, "") or "",
        text=text,
        mtime=int(meta.get(MTIME, 0)),
        rev_number=int(meta.get(REV_NUMBER, 0) or 0),
    )
