"""Who is at the console: the session cookie holds the token the sign-in got from the same
login service as the API (staff/service.login), and every console request is let in by the same
checks as an API request (auth/identity.enter_with_token: signature, expiry, token version,
active account and tenant). So signing out, a password change, deactivation or a revoked role end
a console session exactly as they end a token.

The cookie (`wuye_session`): HttpOnly, SameSite=Lax, Secure whenever the request came over TLS
(directly or, with WUYE_PROXY_HOPS, through a proxy's X-Forwarded-Proto); it lasts as long as the
token. Every POST of the console carries a CSRF token (Flask-WTF), checked here before the view.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, g, redirect, request, session, url_for
from flask.sessions import SecureCookieSessionInterface
from flask_wtf.csrf import CSRFProtect

from ..auth.identity import enter_with_token, is_public

PREFIX = "/console"
TOKEN = "token"  # the session key of the token
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# what a user whose password an administrator set may open until they choose their own
ALLOWED_WHILE_PASSWORD_CHANGE = frozenset({"console.password", "console.sign_out", "console.static"})

csrf = CSRFProtect()


class SessionCookie(SecureCookieSessionInterface):
    """Flask's signed cookie, marked Secure when the request itself is secure."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or request.is_secure


def is_console_request() -> bool:
    path = request.path
    return path == PREFIX or path.startswith(PREFIX + "/")


def safe_next(target: str | None) -> str | None:
    """A `next` address to return to after signing in: only a path of the console itself."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith(PREFIX + "/") or "\\" in target:
        return None
    return target


def let_in():
    """Before every console view: the identity from the session, or off to the sign-in page."""
    if not is_console_request():
        return None
    if request.method not in SAFE_METHODS:
        csrf.protect()
    endpoint = request.endpoint
    if endpoint is None or endpoint == "console.static" or is_public(endpoint):
        return None
    # staff and operators only: a resident's token is the residents' pages' (never a console session)
    if not enter_with_token(session.get(TOKEN)) or g.identity.kind == "resident":
        session.pop(TOKEN, None)
        wanted = request.full_path if request.method in SAFE_METHODS else None
        return redirect(url_for("console.sign_in", next=safe_next(wanted.rstrip("?")) if wanted else None))
    if g.identity.password_change and endpoint not in ALLOWED_WHILE_PASSWORD_CHANGE:
        return redirect(url_for("console.password"))
    return None


def install(app: Flask) -> None:
    settings = app.config["WUYE"]
    app.config.update(
        SESSION_COOKIE_NAME="wuye_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=settings.token_ttl_seconds,
        WTF_CSRF_CHECK_DEFAULT=False,  # checked in let_in() for the console only: the API takes no cookie
        WTF_CSRF_TIME_LIMIT=None,  # valid as long as the session (a form left open over lunch still posts)
        WTF_CSRF_SSL_STRICT=True,
    )
    app.session_interface = SessionCookie()
    csrf.init_app(app)
    app.before_request(let_in)
