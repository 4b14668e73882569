"""Plugins' residents' pages (API 1.12, hook `wuye_resident_pages`, host/types.ResidentPart): each
plugin's blueprint is mounted under /h5/plugins/<name>, behind the residents' door (door.let_in:
the session's resident, CSRF, the privacy notice first, the sign-in page) and then a gate — 404
unless the plugin is enabled for the tenant and for a community where the resident has a
household; its navigation entries show to the residents it is enabled for.

The door and the gate are the mounted blueprint's own before_request functions (on a blueprint
made per app around the plugin's), like the core's residents' pages: an API request pays nothing.

For the plugin's views: current_resident() (who is signed in, their register rows where the
plugin is on), render_resident_page() (its template, its catalog as `t`)."""

from __future__ import annotations

from flask import Blueprint, Flask, abort, current_app, g, has_request_context, render_template, request
from flask_babel import get_locale
from sqlalchemy import select

from ..extensions import db
from ..host.dispatch import enabled_names, forget_enablement
from ..host.types import ResidentInfo
from ..households.models import Household, Resident
from ..i18n import domain_gettext
from ..resident_access.phones import phone_digits_sql
from . import door

PREFIX = "/h5/plugins"
OWNERS = "wuye_resident_blueprints"  # app.extensions: the mounted blueprint's name → its plugin's
INNER = "pages"  # the plugin's blueprint's name inside it: endpoints "h5_<plugin>.pages.<view>"


def mount(app: Flask) -> None:
    owners = app.extensions.setdefault(OWNERS, {})
    for plugin in app.extensions["wuye_plugins"].plugins.values():
        part = plugin.resident_pages
        if part is None or part.blueprint is None:
            continue
        outer = Blueprint(f"h5_{plugin.name}", __name__, url_prefix=f"{PREFIX}/{plugin.name}")
        outer.before_request(door.let_in)
        outer.before_request(gate)  # after the door: the resident is known
        outer.register_blueprint(part.blueprint, name=INNER)
        app.register_blueprint(outer)
        owners[outer.name] = plugin.name


def plugin_of_request() -> str | None:
    """The plugin whose residents' page serves the request, or None."""
    if not has_request_context():
        return None
    outer = (request.blueprint or "").split(".")[0]
    return current_app.extensions.get(OWNERS, {}).get(outer)


def gate():
    """404 unless the plugin is enabled for the tenant and one of the resident's communities."""
    name = plugin_of_request()
    identity = g.get("identity")
    if name is None or identity is None or identity.kind != "resident" or not _enabled_for(name, _communities()):
        abort(404)


def _enabled_for(name: str, community_ids) -> bool:
    def found() -> bool:
        return name in enabled_names() and any(name in enabled_names(c) for c in community_ids)

    if found():
        return True
    forget_enablement()  # enabled a moment ago through another worker: ask the database (host/gate.py)
    return found()


# --- who is signed in ----------------------------------------------------------------------------


def _rows() -> list[tuple[int, int, int]]:
    """(resident id, household id, community id) of the register's rows with the signed-in
    resident's phone (moved-out households and duplicates left out, as resident_access/
    households.py): one query per request."""
    found = g.get("wuye_resident_rows")
    if found is None:
        from .pages import account

        found = g.wuye_resident_rows = db.session.execute(
            select(Resident.id, Resident.household_id, Household.community_id)
            .join(Household, Household.id == Resident.household_id)
            .where(phone_digits_sql(Resident.phone) == account().phone, Resident.duplicate_of.is_(None),
                   Household.moved_out_on.is_(None))
            .order_by(Resident.id)).all()
    return found


def _communities() -> set[int]:
    return {community_id for _, _, community_id in _rows()}


def current_resident() -> ResidentInfo | None:
    """The resident signed in at a residents' page, or None outside one (another caller, no
    request). On a plugin's residents' page, only their rows in communities where that plugin is
    enabled; on another page (a core one), all of them."""
    if not has_request_context():
        return None
    identity = g.get("identity")
    if identity is None or identity.kind != "resident" or not door.is_h5_request():
        return None
    from .pages import account

    rows = _rows()
    name = plugin_of_request()
    if name is not None:  # the gate checked the tenant's enablement
        rows = [row for row in rows if name in enabled_names(row[2])]
    return ResidentInfo(account_id=identity.user_id, phone=account().phone,
                        resident_ids=tuple(sorted({r for r, _, _ in rows})),
                        household_ids=tuple(sorted({h for _, h, _ in rows})),
                        community_ids=tuple(sorted({c for _, _, c in rows})))


# --- pages and navigation ------------------------------------------------------------------------


def render_resident_page(template: str, **context) -> str:
    """Render a plugin's residents' template (which extends "h5/base.html"). Its own words go
    through `t(...)`, the plugin's catalog (`_` stays the core's, for the page around it). The
    navigation entry of the page's view is marked current, or the one whose key `current` names."""
    name = plugin_of_request()
    context.setdefault("t", domain_gettext(name or ""))
    part = current_app.extensions["wuye_plugins"].plugins[name].resident_pages if name else None
    entries = part.nav if part is not None else ()
    view = (request.endpoint or "").rsplit(".", 1)[-1]
    wanted = context.get("current")
    for entry in entries:
        if entry.key == wanted or (wanted is None and entry.endpoint == view):
            context["current"] = _key(name, entry.key)
    return render_template(template, **context)


def _key(plugin: str, key: str) -> str:
    return f"{plugin}.{key}"


def nav_entries() -> list[tuple[str, str, str]]:
    """The plugins' navigation entries (key, endpoint, label) for the signed-in resident: those of
    plugins enabled for one of the communities of their households, by order. Once per request."""
    found = g.get("wuye_resident_nav")
    if found is not None:
        return found
    plugins = current_app.extensions["wuye_plugins"].plugins
    parts = [(name, p.resident_pages) for name, p in plugins.items()
             if p.resident_pages is not None and p.resident_pages.blueprint is not None and p.resident_pages.nav]
    found = []
    if parts:
        from .pages import resident_households  # the navigation's badge reads them on every page anyway

        communities = {h["community_id"] for h in resident_households()}
        english = str(get_locale()) == "en"
        entries = sorted(((name, entry) for name, part in parts for entry in part.nav
                          if name in enabled_names() and any(name in enabled_names(c) for c in communities)),
                         key=lambda item: (item[1].order, item[0]))
        found = [(_key(name, entry.key), f"h5_{name}.{INNER}.{entry.endpoint}",
                  entry.label_en if english else entry.label_zh) for name, entry in entries]
    g.wuye_resident_nav = found
    return found


def navigation() -> list[tuple[str, str, object]]:
    """The bottom navigation of a signed-in resident: the core's entries, the plugins' before
    "My data" (the last)."""
    from sqlalchemy.exc import SQLAlchemyError

    from .nav import NAV

    try:
        extra = nav_entries()
    except SQLAlchemyError:  # the error page of a failed transaction: the core's entries rather than a 500
        extra = []
    return [*NAV[:-1], *extra, NAV[-1]] if extra else NAV
