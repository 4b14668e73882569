"""Telling a staff user what was done to their account (an administrator set their password).

The notice is an in-app notification (GET /api/v1/notifications, kind "account.*"). The
notifications feature (tickets/notifications) sits beside staff in the layers, so staff cannot
import it: the app registers its writer here (app.py), and staff calls `notify_account`.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app

_KEY = "wuye_account_notice_writer"

Writer = Callable[[int, str, str], None]  # (user_id, kind, text), in the current tenant's transaction


def register_writer(app, writer: Writer) -> None:
    app.extensions[_KEY] = writer


def notify_account(user_id: int, kind: str, text: str) -> None:
    """A notification for staff user `user_id` of the current tenant, in the current transaction."""
    writer = current_app.extensions.get(_KEY)
    if writer is not None:
        writer(user_id, kind, text)
