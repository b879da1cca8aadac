"""CSRF protection for every state-changing request – ours and moin's (moin 2.0.0b5 has none of its own).

Two walls, both in front of every unsafe request (POST, PUT, PATCH, DELETE) of the whole app:

1. **Same-origin proof from the browser.** ``Origin`` must be exactly ours; without ``Origin``,
   ``Sec-Fetch-Site`` must say ``same-origin`` or the ``Referer`` must be one of our pages.
   ``Origin: null`` (sent by sandboxed frames and by pages with ``referrer=no-referrer``) and
   requests carrying none of these headers never pass.
2. **A per-session token.** A random token lives in the signed session cookie, bound to the user it
   was issued for (a login gets a fresh one); every form carries it in the hidden field
   ``csrf_token`` and scripts send it as ``X-CSRF-Token`` (``static/js/csrf.js`` reads it from
   ``<meta name="csrf-token">``). moin's templates write about thirty POST forms of their own; rather
   than copying each template, :func:`inject_into_forms` adds the hidden field to every POST form
   of every HTML page we send, so moin's forms, ours and any future template carry it alike.
"""

from __future__ import annotations

import hmac
import re
import secrets
from urllib.parse import urlsplit

from flask import Flask, Response, abort, request, session
from markupsafe import escape

SESSION_KEY = "gaa_csrf"
SESSION_USER_KEY = "gaa_csrf_user"
FIELD = "csrf_token"
HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
# Browsers post CSP violation reports without our token; moin's endpoint only logs them (rate-limited).
EXEMPT_PATHS = frozenset({"/+cspreport/log"})

FOREIGN_ORIGIN = "Anfrage von einer fremden Seite abgelehnt: Formulare dieses Wikis können nur auf seinen eigenen Seiten abgeschickt werden."
BAD_TOKEN = "Das Formular ist abgelaufen oder ungültig (CSRF-Schutz). Bitte laden Sie die Seite neu und senden Sie es noch einmal."


def _user_key() -> str:
    """Whom the session belongs to: moin keeps the logged-in user's item id in the session."""
    return str(session.get("user.itemid") or "")


def csrf_token() -> str:
    """The current session's token for the current user, created on first use (and anew after a login)."""
    token = session.get(SESSION_KEY)
    if not token or session.get(SESSION_USER_KEY, "") != _user_key():
        token = session[SESSION_KEY] = secrets.token_urlsafe(32)
        session[SESSION_USER_KEY] = _user_key()
    return token


def is_valid(sent: str | None) -> bool:
    expected = session.get(SESSION_KEY)
    if session.get(SESSION_USER_KEY, "") != _user_key():
        return False
    return bool(sent and expected) and hmac.compare_digest(str(sent).encode(), str(expected).encode())


def require_csrf() -> None:
    """Abort with 400 unless the request carries this session's token."""
    sent = request.form.get(FIELD) or request.headers.get(HEADER)
    if not is_valid(sent):
        abort(400, description=BAD_TOKEN)


def our_origin() -> str:
    """``scheme://host[:port]`` as the browser sees us (behind a proxy: see ``gaa_behind_proxy``)."""
    return request.host_url.rstrip("/")


def is_same_origin() -> bool:
    """Does the browser say this request comes from one of our own pages?"""
    ours = our_origin()
    origin = request.headers.get("Origin")
    if origin is not None:
        return origin == ours
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site is not None:  # the browser says where the request comes from: that decides
        return fetch_site == "same-origin"
    referer = request.headers.get("Referer")
    if not referer:
        return False
    parts = urlsplit(referer)
    return f"{parts.scheme}://{parts.netloc}" == ours


LOGIN_IN_QUERY = "An- und Abmeldungen werden nur über das Anmeldeformular angenommen."


def guard_unsafe_requests():
    """before_request for the whole app, ahead of moin's own: both walls in front of every unsafe method.

    It must run before moin's ``before_wiki``, which logs a user in or out from any request
    carrying ``login_submit``/``logout_submit`` – in a POST body or even in a GET query string.
    """
    if "login_submit" in request.args or "logout_submit" in request.args:
        return refusal(LOGIN_IN_QUERY, 400)
    if request.method in SAFE_METHODS or request.path in EXEMPT_PATHS:
        return None
    if not is_same_origin():
        return refusal(FOREIGN_ORIGIN, 403)
    if not is_valid(request.form.get(FIELD) or request.headers.get(HEADER)):
        return refusal(BAD_TOKEN, 400)
    return None


def refusal(message: str, status: int) -> Response:
    """A plain German page: moin's themed error pages need the request setup that has not run yet."""
    html = (
        '<!doctype html><html lang="de"><head><meta charset="utf-8"><title>Anfrage abgelehnt</title></head>'
        f"<body><h1>Anfrage abgelehnt</h1><p>{escape(message)}</p>"
        f'<p><a href="{escape(request.script_root or "")}/">Zur Startseite</a></p></body></html>'
    )
    return Response(html, status=status, mimetype="text/html")


_FORM_TAG = re.compile(r"<form\b[^>]*>", re.IGNORECASE)
_POST_METHOD = re.compile(r"""\smethod\s*=\s*["']?post\b""", re.IGNORECASE)
_FORM_END = re.compile(r"</form\s*>", re.IGNORECASE)


def inject_into_forms(html: str, token: str) -> str:
    """``html`` with the hidden token field as first child of every POST form that lacks one."""
    field = f'<input type="hidden" name="{FIELD}" value="{escape(token)}">'
    out: list[str] = []
    pos = 0
    for match in _FORM_TAG.finditer(html):
        if not _POST_METHOD.search(match.group(0)):
            continue
        end = _FORM_END.search(html, match.end())
        body = html[match.end() : end.start() if end else len(html)]
        if f'name="{FIELD}"' in body:
            continue
        out.append(html[pos : match.end()])
        out.append(field)
        pos = match.end()
    out.append(html[pos:])
    return "".join(out)


def add_token_to_html(response: Response) -> Response:
    """after_request: the token goes into every POST form of an HTML page."""
    if response.mimetype != "text/html" or response.direct_passthrough or response.is_streamed:
        return response
    html = response.get_data(as_text=True)
    if "<form" not in html and "<FORM" not in html:
        return response
    response.set_data(inject_into_forms(html, csrf_token()))
    return response


def install(app: Flask) -> None:
    app.jinja_env.globals["gaa_csrf_token"] = csrf_token
    app.before_request_funcs.setdefault(None, []).insert(0, guard_unsafe_requests)
    app.after_request(add_token_to_html)
