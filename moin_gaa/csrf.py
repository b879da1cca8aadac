"""CSRF protection for our forms and POST endpoints (moin 2.0.0b5 has none of its own).

A random token lives in the (signed, SameSite=Lax) session cookie; every form carries it in a
hidden field ``csrf_token`` (or the ``X-CSRF-Token`` header for scripts) and every state-changing
view calls :func:`require_csrf` first.
"""

from __future__ import annotations

import hmac
import secrets

from flask import abort, request, session

SESSION_KEY = "gaa_csrf"
FIELD = "csrf_token"
HEADER = "X-CSRF-Token"


def csrf_token() -> str:
    """The current session's token, created on first use."""
    token = session.get(SESSION_KEY)
    if not token:
        token = session[SESSION_KEY] = secrets.token_urlsafe(32)
    return token


def is_valid(sent: str | None) -> bool:
    expected = session.get(SESSION_KEY)
    return bool(sent and expected) and hmac.compare_digest(str(sent), str(expected))


def require_csrf() -> None:
    """Abort with 400 unless the request carries this session's token."""
    sent = request.form.get(FIELD) or request.headers.get(HEADER)
    if not is_valid(sent):
        abort(400, description="Das Formular ist abgelaufen oder ungültig (CSRF-Schutz). Bitte laden Sie die Seite neu.")
