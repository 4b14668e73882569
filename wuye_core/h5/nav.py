"""The residents' pages' navigation (a bar at the bottom of every page of a signed-in resident).

A feature with a page for residents (公告 notices, 公示 disclosures, 我的信息 my data…) adds
its entry here — (key, endpoint, label) — and its page extends "h5/base.html" with `current`
set to its key. The entries show in this order; the plugins' (API 1.12, plugin_pages.navigation)
come before the last, "My data", for the residents of communities where they are enabled."""

from __future__ import annotations

from ..i18n import lazy_gettext as _l

NAV: list[tuple[str, str, object]] = [
    ("home", "h5.home", _l("Home")),
    ("report", "h5.report", _l("Report")),
    ("notices", "h5.notices", _l("Notices")),  # 公告 (notices.py); its badge: the unread ones
    ("disclosures", "h5.disclosures", _l("Disclosures")),  # 公示 (disclosures.py)
    ("me", "h5.me", _l("My data")),  # 我的信息 (rights.py): what is held, a copy, deletion; signing out
]


def badge(key: str) -> int:
    """A number shown on an entry: the notices I have not opened (after consent only; 0: none)."""
    if key != "notices":
        return 0
    from sqlalchemy.exc import SQLAlchemyError

    from ..resident_access.consent import needs_consent
    from .notices import unread_count
    from .pages import account

    try:
        return 0 if needs_consent(account()) else unread_count()
    except SQLAlchemyError:  # the error page of a failed transaction: no badge rather than a 500
        return 0
