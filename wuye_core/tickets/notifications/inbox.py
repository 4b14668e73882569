"""A staff user's own notifications, read and marked read: the one query and the one update that
the API (notifications/routes.py) and the console (console/notifications.py) both use."""

from __future__ import annotations

from sqlalchemy import Select, func, select, update

from ...extensions import db
from .models import Notification


def mine(user_id: int, unread_only: bool = False) -> Select:
    """The user's notifications (newest first unless the caller orders them), unread only if asked."""
    stmt = select(Notification).where(Notification.user_id == user_id)
    if unread_only:
        stmt = stmt.where(Notification.read_at.is_(None))
    return stmt


def unread_count(user_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.user_id == user_id, Notification.read_at.is_(None))) or 0


def mark_read(user_id: int, notification_id: int) -> bool:
    """Mark one of the user's notifications read (again: no change). False when it is not theirs
    or does not exist; the caller answers 404 then. Committed at the request's edge."""
    note = db.session.get(Notification, notification_id)
    if note is None or note.user_id != user_id:
        return False
    db.session.execute(update(Notification).where(Notification.id == note.id, Notification.read_at.is_(None))
                       .values(read_at=func.now()))
    return True


def mark_all_read(user_id: int) -> int:
    """Mark every unread notification of the user read; how many were."""
    result = db.session.execute(update(Notification).where(
        Notification.user_id == user_id, Notification.read_at.is_(None)).values(read_at=func.now()))
    return result.rowcount or 0
