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

from .records import Record


def _acl_key(record: Record) -> tuple:
    return (record.acl, tuple(parent_names(list(record.names))), record.namespace)


def readable_records(records: list[Record]) -> list[Record]:
    """The records the current request's user may read, in the given order."""
    storage = flaskg.storage
    decided: dict[tuple, bool] = {}
    visible = []
    for record in records:
        key = _acl_key(record)
        if key not in decided:
            meta = {ITEMID: record.itemid, NAME: list(record.names), NAMESPACE: record.namespace}
            if record.acl is not None:
                # only a real ACL: moin treats a present-but-None ACL as "no parents to consult"
                meta[ACL] = record.acl
            decided[key] = bool(storage.may_read_rev(meta))
        if decided[key]:
            visible.append(record)
    return visible
