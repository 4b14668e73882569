"""Security headers on every response, set by one after_request hook (installed in app.py).

- every response: `X-Content-Type-Options: nosniff` (a browser never guesses a type, e.g. runs
  an uploaded file as HTML);
- an authenticated answer (the request sent an Authorization header: the only place a token
  is read from) and the answer to any POST/PUT/PATCH/DELETE (the login's token among them):
  `Cache-Control: no-store`, unless the view set its own Cache-Control (exports, attachments);
- an HTML page (only the interactive docs, /api/v1/docs): `X-Frame-Options: DENY`,
  `Referrer-Policy: no-referrer` (only a page has links to follow) and a
  Content-Security-Policy with `frame-ancestors 'none'`. Swagger UI's files come from the app
  itself (api/docs_assets.py); the page's one inline script (flask-smorest's template) is
  allowed by its SHA-256, computed from the page the app rendered, so nothing else inline runs;
- a page of the web console (/console/…) or of the residents' pages (/h5/…): the same, with its own policy (CONSOLE_CSP: scripts,
  styles, images and fetches from the app only, no inline script or style, forms posting only to
  the app) and `Cache-Control: no-store` (its pages hold the tenant's data) — but its static files
  (console/static, versioned by the app's version in their URL) are cached;
- `Strict-Transport-Security` on answers to HTTPS requests when `WUYE_HSTS_SECONDS` > 0 (behind a
  TLS-terminating proxy `WUYE_PROXY_HOPS` makes X-Forwarded-Proto count, app.py's ProxyFix).

The values are built once, at install; the hook itself only looks up and adds headers (it runs
on every request). Each header added to every answer costs ~10-20 k instructions per request
end to end (callgrind, `GET /auth/me` through the test client: nosniff + no-store +23 k, +1.5 %;
a Referrer-Policy on JSON too was another +23 k), so headers that mean nothing to a JSON answer
are sent with pages only.
"""

from __future__ import annotations

import base64
import hashlib
import re
from functools import lru_cache

from flask import Flask, Response, request

NO_STORE = "no-store"
# Any HTML page but the docs: nothing may run, load or frame it.
HTML_CSP = "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
# The docs page: its scripts, styles and images from the app, the spec and "Try it out" fetched
# from the app (connect-src), images of the stylesheet as data: URIs; nothing from elsewhere.
DOCS_CSP = ("default-src 'none'; script-src {scripts}; style-src 'self'; img-src 'self' data:; "
            "font-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
# The console's pages: everything from the app, nothing inline (charts read their options from a
# data attribute), photos previewed from blob: URLs, forms posting back to the app only.
CONSOLE_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
               "font-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
CONSOLE_PREFIX = "/console/"
CONSOLE_STATIC = "console.static"
# the residents' pages (h5/) are pages like the console's: the same policy, no-store, static cached
PAGE_PREFIXES = (CONSOLE_PREFIX, "/h5/")
PAGE_STATIC = frozenset({CONSOLE_STATIC, "h5.static"})
DOCS_ENDPOINT = "api-docs.openapi_swagger_ui"
_INLINE_SCRIPT = re.compile(rb"<script>(.*?)</script>", re.DOTALL)  # a <script> without attributes
_CHANGING_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@lru_cache(maxsize=8)
def docs_csp(page: bytes) -> str:
    """The docs page's policy: its inline scripts by hash. The page is the app's own template
    filled with the app's settings (no request data), so there is one per deployment."""
    scripts = ["'self'"] + [f"'sha256-{base64.b64encode(hashlib.sha256(script).digest()).decode()}'"
                            for script in _INLINE_SCRIPT.findall(page)]
    return DOCS_CSP.format(scripts=" ".join(scripts))


def page_headers(headers, csp: str = CONSOLE_CSP) -> None:
    """The headers of an HTML page (also for a page made after this hook ran: console/errors.py).
    The console's pages send their address to the app itself only ("same-origin"): over HTTPS its
    CSRF check compares the Referer of a form's POST with the site (Flask-WTF, SSL strict)."""
    headers["Content-Security-Policy"] = csp
    headers["X-Frame-Options"] = "DENY"
    headers["Referrer-Policy"] = "same-origin" if csp is CONSOLE_CSP else "no-referrer"


def install(app: Flask) -> None:
    hsts_seconds = app.config["WUYE"].hsts_seconds
    hsts = f"max-age={hsts_seconds}; includeSubDomains" if hsts_seconds else None

    @app.after_request
    def _security_headers(response: Response) -> Response:
        headers = response.headers
        present = {name.lower(): value for name, value in headers}  # one pass over a handful
        environ = request.environ
        if "x-content-type-options" not in present:
            headers.add("X-Content-Type-Options", "nosniff")
        # A token is only ever read from the Authorization header (auth/identity.py).
        if "cache-control" not in present and ("HTTP_AUTHORIZATION" in environ
                                               or environ["REQUEST_METHOD"] in _CHANGING_METHODS):
            headers.add("Cache-Control", NO_STORE)
        console = environ.get("PATH_INFO", "").startswith(PAGE_PREFIXES) and request.endpoint not in PAGE_STATIC
        if console and "cache-control" not in present:
            headers.add("Cache-Control", NO_STORE)
        if present.get("content-type", "").startswith("text/html"):
            if console:
                csp = CONSOLE_CSP
            elif request.endpoint == DOCS_ENDPOINT:
                csp = docs_csp(response.get_data())
            else:
                csp = HTML_CSP
            page_headers(headers, csp)
        if hsts is not None and request.is_secure:
            headers.add("Strict-Transport-Security", hsts)
        return response
