"""Response headers that make the next bug harmless, and the settings for running behind https.

- ``Content-Security-Policy``: scripts only from our own files (moin's and the theme's scripts are
  files; no inline script runs, so injected markup cannot run either), no plugins, no foreign
  frames around our pages, forms only to ourselves.
- ``X-Content-Type-Options: nosniff``, ``Referrer-Policy``, ``X-Frame-Options`` for older browsers.
- Behind a reverse proxy (``gaa_behind_proxy``) the proxy's ``X-Forwarded-Proto/Host/For`` are
  trusted (one hop), so the CSRF origin check and absolute links see the public https address.
"""

from __future__ import annotations

from flask import Flask, Response
from werkzeug.middleware.proxy_fix import ProxyFix

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",  # moin's templates and our SVG charts use style attributes
        "img-src 'self' data: https:",  # wiki pages may show pictures from other sites
        "font-src 'self' data:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'self'",
    ]
)

HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "SAMEORIGIN",
}


def add_security_headers(response: Response) -> Response:
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def trust_one_proxy(app: Flask) -> None:
    """Take scheme, host and client address from the one reverse proxy in front of us."""
    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)


def install(app: Flask) -> None:
    app.after_request(add_security_headers)
    if getattr(app.cfg, "gaa_behind_proxy", False):
        trust_one_proxy(app)
