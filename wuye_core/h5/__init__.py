"""The residents' pages (#19 item 2): server-rendered, small, 375 px first, zh_CN first, working
without JavaScript on an old phone over a weak network. An HTTP edge like the console, beside it:
it calls the residents' services (resident_access/: sign-in by code, consent, my households, my
tickets) with the signed-in resident as the request's identity.

    links.py       the per-community link of the gate's QR code: /h5/c/<tenant>/<community>-<signature>
    door.py        session cookie → the resident's identity (the API's token checks), CSRF, consent gate
    blueprint.py   the blueprint (/h5), its templates and its one stylesheet
    nav.py         the pages' bottom navigation: a page of another feature adds its entry there
    auth.py        the entry page (sign-in by phone and code), the privacy notice, sign-out
    pages.py       home, report, a ticket, rating, photos
    plugin_pages.py  plugins' pages (API 1.12): mounted under /h5/plugins/<name>, the door and a gate,
                   their navigation entries, the resident signed in
"""

from __future__ import annotations

from flask import Flask


def install(app: Flask) -> None:
    """After the console (whose session cookie and CSRF this shares)."""
    from ..console.errors import add_error_pages
    from . import auth, disclosures, door, notices, pages, plugin_pages, rights  # noqa: F401 (views join bp)
    from .blueprint import bp

    door.install(app)
    add_error_pages(app, door.is_h5_request, "h5/error.html")
    app.register_blueprint(bp)
    plugin_pages.mount(app)
