"""Errors at the console are pages, not JSON. Every error of a console request — a view's
abort(), a service's DomainError, the plugin gate's 404, the database away (503), too many
sign-ins (429) — has already been turned into the API's JSON error body by errors.py; here that
body is shown as a page in the reader's language, keeping its status and headers (Retry-After).
So there is one place that decides what an error says, and a console page never shows JSON.
Another edge of pages (the residents', h5/) has its errors shown the same way in its own template:
`add_error_pages(app, is_its_request, "h5/error.html")`."""

from __future__ import annotations

import json
from collections.abc import Callable

from flask import Flask, render_template, request
from flask_wtf.csrf import CSRFError

from ..api.security_headers import NO_STORE, page_headers
from ..i18n import N_, translate_message
from .door import is_console_request

_PAGES = "wuye_error_pages"
FORM_EXPIRED = N_("This form has expired (or was sent from another page). Go back, reload the page and "
                  "send it again.")


def add_error_pages(app: Flask, is_its_request: Callable[[], bool], template: str) -> None:
    """Errors of the requests `is_its_request()` tells apart are shown as pages in `template`."""
    app.extensions.setdefault(_PAGES, []).append((is_its_request, template))


def _error_template(app: Flask) -> str | None:
    for is_its_request, template in app.extensions.get(_PAGES, ()):
        if is_its_request():
            return template
    return None


def install(app: Flask) -> None:
    add_error_pages(app, is_console_request, "console/error.html")

    @app.errorhandler(CSRFError)
    def _csrf(exc):
        return render_template(_error_template(app) or "console/error.html", code=400,
                               message=translate_message(FORM_EXPIRED), errors={}), 400

    @app.after_request
    def _json_errors_as_pages(response):
        if response.status_code < 400 or response.mimetype != "application/json":
            return response
        template = _error_template(app)
        if template is None:
            return response
        try:
            body = json.loads(response.get_data())
        except ValueError:
            return response
        fragment = request.headers.get("HX-Request") == "true"  # a part of a page asked by htmx
        page = app.make_response(render_template(
            "console/_error_fragment.html" if fragment and is_console_request() else template,
            code=response.status_code,
            message=body.get("message"), errors=body.get("errors") or {}))
        page.status_code = response.status_code
        page_headers(page.headers)  # the security hook ran before this one, on the JSON
        page.headers["Cache-Control"] = NO_STORE  # the layout around the error shows the user's menu
        for name in ("Retry-After", "WWW-Authenticate", "Allow"):
            if name in response.headers:
                page.headers[name] = response.headers[name]
        return page
