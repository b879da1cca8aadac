"""Mail subscriptions for everything below a thread, area or space (moin's own subscriptions)."""

from __future__ import annotations

import re

from flask import g as flaskg
from moin.constants.keys import NAMERE
from moin.user import assemble_subscription


def below(name: str) -> str:
    """moin's subscription pattern for everything below ``name`` (a name prefix cannot end in „/“)."""
    return "^" + re.escape(name + "/")


def subscribe_below(name: str) -> None:
    flaskg.user.subscribe(NAMERE, below(name), "")


def is_subscribed(name: str) -> bool:
    """Whether the current user gets mail for everything below ``name`` (a thread, area or space)."""
    return flaskg.user.valid and assemble_subscription(NAMERE, below(name), "") in flaskg.user.subscriptions


def unsubscribe_below(name: str) -> None:
    flaskg.user.unsubscribe(NAMERE, below(name), "")
