"""What every console page shows and how it writes things: the menu, who is signed in and in
which tenant, the unread notifications, the language switch; times in Beijing time, asset URLs
that change with each release (so browsers may keep the files for a week)."""

from __future__ import annotations

from datetime import date, datetime

from flask import Flask, g, request, session, url_for
from flask_babel import get_locale
from sqlalchemy import func, select

from .. import __version__
from ..common.clock import LOCAL_TZ
from ..extensions import db
from ..i18n import LOCALES
from ..tenancy import Tenant
from .door import is_console_request
from .menu import menu_for


def beijing(value: datetime | date | str | None, seconds: bool = False) -> str:
    """A moment as Beijing time ("2026-12-04 16:05"); a date as itself; nothing as "—"."""
    if value is None or value == "":
        return "—"
    if isinstance(value, str):  # a schema's dump (ISO 8601)
        try:
            value = datetime.fromisoformat(value) if "T" in value or " " in value else date.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(LOCAL_TZ)
        return value.strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")
    return value.isoformat()


def asset(filename: str) -> str:
    return url_for("console.static", filename=filename, v=__version__)


def unread_count() -> int:
    identity = g.get("identity")
    if identity is None or identity.is_operator:
        return 0
    from ..tickets.notifications.models import Notification

    return db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.user_id == identity.user_id, Notification.read_at.is_(None))) or 0


def links_awaiting() -> int:
    """Service-link proposals waiting for our answer (the menu's badge on 服务关系)."""
    from .links import awaiting_count

    return awaiting_count(g.get("identity"))


def tenant_name() -> str | None:
    identity = g.get("identity")
    if identity is None or identity.tenant_id is None:
        return None
    tenant = db.session.get(Tenant, identity.tenant_id)
    return tenant.name if tenant is not None else None


def lang_url(locale: str) -> str:
    args = request.args.to_dict()
    args["lang"] = locale
    return url_for(request.endpoint or "console.home", **(request.view_args or {}), **args)


def _context() -> dict:
    if not is_console_request():
        return {}
    identity = g.get("identity")
    return {
        "me": identity,
        "menu": menu_for(identity) if identity is not None else [],
        "unread_count": unread_count,
        "links_awaiting": links_awaiting,
        "tenant_name": tenant_name,
        "locale": str(get_locale()),
        "locales": LOCALES,
        "lang_url": lang_url,
        "asset": asset,
        "version": __version__,
    }


def _remember_language() -> None:
    """`?lang=en` on a console page keeps English for the session (zh_CN is the default)."""
    if is_console_request() and request.args.get("lang") in LOCALES:
        session["lang"] = request.args["lang"]


def install(app: Flask) -> None:
    app.context_processor(_context)
    app.add_template_filter(beijing, "beijing")
    app.before_request(_remember_language)
