"""Telling a staff user what was done to their account (an administrator set their password).

The notice is an in-app notification (GET /api/v1/notifications, kind "account.*"). The
notifications feature (tickets/notifications) sits beside staff in the layers, so staff cannot
import it: the app registers its writer here (app.py), and staff calls `notify_account`.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app

_KEY = "wuye_account_notice_writer"

# (user_id, kind, text), in the current tenant's transaction. `text` is an i18n.Message (N_(msgid,
# **values)): stored as its msgid and values and shown in the reader's language, never both languages.
Writer = Callable[[int, str, str], None]


def register_writer(app, writer: Writer) -> None:
    app.extensions[_KEY] = writer


def notify_account(user_id: int, kind: str, text: str) -> None:
    """A notification for staff user `user_id` of the current tenant, in the current transaction;
    `text` a `Message` (read in the user's language when they list their notifications)."""
    writer = current_app.extensions.get(_KEY)
    if writer is not None:
        writer(user_id, kind, text)
