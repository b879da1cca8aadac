"""Read rights for catalog hits, decided by moin's own ACL machinery.

moin decides per revision with ``ProtectingMiddleware.may_read_rev(meta)``, whose answer depends
only on the user, the item's own ACL, its parent names and its namespace (that is moin's own
cache key, :func:`~moin_gaa.core.moin_internals.read_rights_key`).  We ask once per distinct key, so
a list of 10,000 tools under one parent costs one ACL evaluation, and the answer is always moin's,
including parent ACLs changed since indexing.
"""

from __future__ import annotations

from flask import g as flaskg

from moin_gaa.core.accounts import MODERATORS
from moin_gaa.core.moin_internals import may_read, read_rights_key
from moin_gaa.core.records import Record


def acl_key(record: Record) -> str:
    """Records with the same key have the same read rights for every user (moin's cache key)."""
    return read_rights_key(record.acl, record.names, record.namespace)


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
            self.decided[key] = may_read(self.storage, record.itemid, record.names, record.namespace, record.acl)
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
