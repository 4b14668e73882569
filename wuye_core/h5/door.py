"""Who is at the residents' pages: the session cookie (the console's: signed, HttpOnly, SameSite=
Lax, Secure over TLS — console/door.py) holds the resident's token under its own key, the token
the API's sign-in gives (resident_access/codes.sign_in); every request is let in by the same
checks as an API request (auth/identity.enter_with_token: signature, expiry, token version — a
sign-out anywhere ends it — active account and tenant). Every POST carries a CSRF token (the
console's Flask-WTF protection), checked here before the view.

Until the resident has agreed to the privacy notice in force, every page but the notice itself
leads there (like the API's consent gate, resident_access/caller.consented_account).

A page asked for before signing in (or before agreeing) is kept in the session (NEXT) and opened
after it; so is the page a link names (`…?next=/h5/…`, links.resident_link): only a path of the
residents' pages on this site (local_page), never another site's address."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

from flask import Flask, flash, g, redirect, request, session, url_for

from ..auth.identity import enter_with_token, is_public
from ..console.door import SAFE_METHODS, csrf
from ..i18n import LOCALES, N_, _
from .blueprint import bp

PREFIX = "/h5"
SIGNED_OUT = N_("You are signed out. To go on, sign in again.")
TOKEN = "resident_token"  # the session key of the resident's token (the console's is "token")
ENTRY = "resident_entry"  # the session key of the community link the resident came in by: (slug, key)
NEXT = "resident_next"  # the session key of the page to open after signing in (and agreeing)
# the rights (a copy, deletion) are the resident's whether or not they agree (resident_rights/routes.py)
ALLOWED_BEFORE_CONSENT = frozenset({"h5.consent", "h5.sign_out", "h5.static", "h5.me", "h5.my_data",
                                    "h5.ask_deletion"})


def is_h5_request() -> bool:
    return request.path == PREFIX or request.path.startswith(PREFIX + "/")


def entry_url() -> str:
    """Where a resident signs in again: the community link they came in by, else the page that asks
    for that link."""
    entry = session.get(ENTRY)
    if entry and len(entry) == 2:
        return url_for("h5.entry", slug=entry[0], key=entry[1])
    return url_for("h5.no_link")


def local_page(target: str | None) -> str | None:
    """A page to open after signing in: a path of the residents' pages (/h5/…) on this site, with
    its query; None for anything else (another site, another part of this one, a path that climbs
    out with "..", a backslash or a control character a browser would read otherwise)."""
    if not target or len(target) > 2000 or any(ord(c) <= 32 or ord(c) == 127 or c == "\\" for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith(PREFIX + "/"):
        return None
    if any(segment in (".", "..") for segment in unquote(parts.path).split("/")):
        return None
    return target


def remember_page() -> None:
    """Keep the page asked for (a GET of a residents' page other than home; not a photo the page
    loads, where the browser says so) to open it after signing in or agreeing to the notice."""
    if (request.method in SAFE_METHODS and request.path != PREFIX + "/"
            and request.headers.get("Sec-Fetch-Dest", "document") == "document"):
        target = local_page(request.full_path.rstrip("?"))
        if target:
            session[NEXT] = target


def signed_in(token: str, entry: tuple[str, str]) -> None:
    session.clear()  # a fresh session (and CSRF secret): no fixation; a console session here ends too
    session[TOKEN] = token
    session[ENTRY] = list(entry)
    session.permanent = True


@bp.before_request  # the blueprint's own hook: an API request does not pay for it (bench/README.md, #19)
def let_in():
    """Before every residents' page: the resident from the session, or back to the entry page."""
    if request.args.get("lang") in LOCALES:
        session["lang"] = request.args["lang"]  # kept for the session (i18n.select_locale reads it)
    if request.method not in SAFE_METHODS:
        csrf.protect()
    endpoint = request.endpoint
    if endpoint is None or endpoint == "h5.static" or is_public(endpoint):
        return None
    if enter_with_token(session.get(TOKEN)) != "resident":
        if session.pop(TOKEN, None):  # signed out elsewhere, expired, or the account ended (erased)
            flash(_(SIGNED_OUT), "ok")
        remember_page()
        return redirect(entry_url())
    if endpoint not in ALLOWED_BEFORE_CONSENT:
        from ..resident_access.consent import needs_consent
        from .pages import account

        if needs_consent(account()):
            remember_page()
            return redirect(url_for("h5.consent"))
    return None


def install(app: Flask) -> None:
    @app.context_processor
    def _context():
        if not is_h5_request():
            return {}
        from flask_babel import get_locale

        from .blueprint import asset
        from .nav import NAV, badge
        from .plugin_pages import navigation

        me = g.get("identity") if g.get("identity") and g.identity.kind == "resident" else None
        return {"me": me, "nav": navigation() if me else NAV, "badge": badge, "asset": asset,
                "locale": str(get_locale()), "lang_url": _lang_url}


def _lang_url(locale: str) -> str:
    args = request.args.to_dict()
    args["lang"] = locale
    return url_for(request.endpoint or "h5.home", **(request.view_args or {}), **args)
