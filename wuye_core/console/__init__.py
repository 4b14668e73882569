"""The web console: the server-rendered, zh_CN-first pages the people who run the communities
work in (street clerks, the one-stop window, dispatchers, repair workers, liaisons, care workers,
tenant admins). An HTTP edge like the API's routes: it calls the same services, access rules and
schemas (no second copy of any rule), with the signed-in user as the request's identity.

    blueprint.py   the one blueprint (/console) and its static files (vendored ECharts, htmx)
    door.py        session cookie → identity (the API's token checks), CSRF, password-change gate
    auth.py        sign-in, sign-out, change password
    layout.py      what every page shows: menu, user, unread notifications, language, time
    menu.py        the menu: the core's entries and the plugins' (shown where they are enabled)
    forms.py       a form through a marshmallow schema; errors next to the fields
    errors.py      error answers as pages (the API's JSON error bodies, rendered)
    plugins.py     plugins' console blueprints, menu entries and dashboard panels
    pages …        home.py, tickets.py, register.py, users.py, settings.py, notifications.py …
"""

from __future__ import annotations

from flask import Flask


def install(app: Flask) -> None:
    """Wire the console into the app: before the plugin gate (which needs the identity the door
    sets) and before the plugins' blueprints are mounted."""
    from . import door, errors, layout, plugins, routes
    from .blueprint import bp

    door.install(app)
    errors.install(app)
    layout.install(app)
    routes.load()  # every page module adds its views to the one blueprint
    app.register_blueprint(bp)
    from .auth import favicon, root

    app.add_url_rule("/", "root", root)
    app.add_url_rule("/favicon.ico", "favicon", favicon)
    plugins.mount(app)
