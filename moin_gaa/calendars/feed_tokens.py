"""Personal calendar keys: ``?token=…`` lets a calendar program fetch a member's private feeds.

Calendar programs cannot log in, so a member gets one personal key for all the group calendars
they belong to.  The key is ``<user item id>.<secret>``; only the SHA-256 of the secret is kept,
in the user's profile, so neither a leaked profile nor a backup reveals a working key.  A new
key replaces the old one, revoking it; the key only says *who* asks – what the feed contains is
decided by that user's rights at every fetch, so leaving a group ends its feed at once.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import datetime, timezone

from moin import user as moin_user
from moin.constants.keys import ITEMID

from moin_gaa.core.german_dates import day, time_of
from moin_gaa.core.moin_internals import stored_profile

TOKEN_HASH = "gaa_feed_token_sha256"
TOKEN_CREATED = "gaa_feed_token_created"
TOKEN_FORMAT = re.compile(r"^([0-9a-f]{32})\.([A-Za-z0-9_-]{20,100})$")


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(user: moin_user.User) -> str:
    """A new key for ``user`` (the old one stops working); shown once, stored only as a hash."""
    secret = secrets.token_urlsafe(24)
    user.profile[TOKEN_HASH] = _digest(secret)
    user.profile[TOKEN_CREATED] = f"{day(now := datetime.now(timezone.utc))} {time_of(now)} UTC"
    user.save(force=True)
    return f"{user.profile[ITEMID]}.{secret}"


def revoke_token(user: moin_user.User) -> None:
    for key in (TOKEN_HASH, TOKEN_CREATED):
        if key in stored_profile(user):
            del user.profile[key]
    user.save(force=True)


def token_created(user: moin_user.User) -> str | None:
    """When the current key was made (for the settings page), or None without a key."""
    stored = stored_profile(user)
    return stored.get(TOKEN_CREATED) if stored.get(TOKEN_HASH) else None


def user_for_token(token: str) -> moin_user.User | None:
    """The (enabled) user a key belongs to, or None for a malformed, unknown or revoked key."""
    match = TOKEN_FORMAT.match(token or "")
    if not match:
        return None
    if not moin_user.search_users(**{ITEMID: match.group(1)}):
        return None  # moin's User(uid=…) fails on an unknown id instead of returning an empty user
    user = moin_user.User(uid=match.group(1))
    stored = stored_profile(user).get(TOKEN_HASH) if user.exists() else None
    if not stored or user.disabled or not hmac.compare_digest(stored, _digest(match.group(2))):
        return None
    user.valid = True
    return user
