"""Read rights for catalog hits, decided by moin's own ACL machinery.

moin decides per revision with ``ProtectingMiddleware.may_read_rev(meta)``, whose answer depends
only on the user, the item's own ACL, its parent names and its namespace (that is moin's own
cache key).  We ask once per distinct key, so a list of 10,000 tools under one parent costs one
ACL evaluation, and the answer is always moin's, including parent ACLs changed since indexing.
"""

from __future__ import annotations

from flask import g as flaskg
from moin.constants.keys import ACL, ITEMID, NAME, NAMESPACE
from moin.utils.names import parent_names

from moin_gaa.core.accounts import MODERATORS
from moin_gaa.core.records import Record


def acl_key(record: Record) -> str:
    """Records with the same key have the same read rights for every user (moin's cache key)."""
    return "\x1f".join([record.acl or "\x00", "/".join(parent_names(list(record.names))), record.namespace])


class ReadRights:
    """``rights(record)``: may the current request's user read it?  One moin check per key.

    ``storage`` is moin's protecting middleware of another user (a calendar key's owner).
    """

    def __init__(self, storage=None) -> None:
        self.storage = storage if storage is not None else flaskg.storage
        self.decided: dict[str, bool] = {}

    def __call__(self, record: Record) -> bool:
        key = acl_key(record)
        if key not in self.decided:
            meta = {ITEMID: record.itemid, NAME: list(record.names), NAMESPACE: record.namespace}
            if record.acl is not None:
                # only a real ACL: moin treats a present-but-None ACL as "no parents to consult"
                meta[ACL] = record.acl
            self.decided[key] = bool(self.storage.may_read_rev(meta))
        return self.decided[key]


def is_moderator() -> bool:
    """Whether the current user curates: a member of „Moderatoren“ or a superuser."""
    user = flaskg.user
    if not user.valid:
        return False
    if user.may.superuser():
        return True
    groups = flaskg.groups
    return MODERATORS in groups and user.name0 in groups[MODERATORS]
