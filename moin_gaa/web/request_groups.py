"""Group lookups remembered for one request.

moin answers ``entry in flaskg.groups`` and ``flaskg.groups[entry]`` with a storage lookup every
time – an ACL check asks several times, a page view dozens of times.  Within one request the
groups do not change (except through our own member changes, which call :func:`forget`), so
we wrap moin's groups object with a memo (:func:`~moin_gaa.core.moin_internals.wrap_request_groups`);
moin itself is not changed.
"""

from __future__ import annotations

from typing import Any

from flask import g as flaskg

from moin_gaa.core.moin_internals import wrap_request_groups


class RememberedGroups:
    def __init__(self, groups: Any) -> None:
        self._groups = groups
        self._exists: dict[str, bool] = {}
        self._loaded: dict[str, Any] = {}

    def __contains__(self, name: str) -> bool:
        if name not in self._exists:
            self._exists[name] = name in self._groups
        return self._exists[name]

    def __getitem__(self, name: str) -> Any:
        if name not in self._loaded:
            self._loaded[name] = self._groups[name]  # GroupDoesNotExistError is not remembered
        return self._loaded[name]

    def __iter__(self):
        return iter(self._groups)

    def __getattr__(self, attr: str) -> Any:
        return getattr(self._groups, attr)

    def forget(self) -> None:
        self._exists.clear()
        self._loaded.clear()


def remember_groups() -> None:
    """before_request (after moin's own setup): wrap ``flaskg.groups``."""
    wrap_request_groups(lambda groups: groups if isinstance(groups, RememberedGroups) else RememberedGroups(groups))


def forget() -> None:
    """After changing a member list: later checks in this request see the change."""
    groups = getattr(flaskg, "groups", None)
    if isinstance(groups, RememberedGroups):
        groups.forget()
