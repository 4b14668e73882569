"""Who a token's user is, remembered per process for a few seconds.

Reading the user, its tenant and its grants was a statement on every request — on a list page
a quarter of the Python time. Entries live `auth_cache_seconds` (WUYE_AUTH_CACHE_SECONDS,
default 5; 0 turns the cache off). A change to users, grants or tenants committed in this
process empties the cache at once; other worker processes see it within those seconds
(deactivating a user, revoking a role, enabling a plugin).
"""

from __future__ import annotations

import time
from typing import NamedTuple

from flask import current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session

MAX_ENTRIES = 10_000


class CachedStaff(NamedTuple):
    username: str
    grants: tuple[tuple[str, int | None], ...]
    plugins_version: int


class IdentityCache:
    def __init__(self, seconds: float):
        self.seconds = seconds
        self._entries: dict[tuple[int, int], tuple[float, CachedStaff]] = {}

    def get(self, tenant_id: int, user_id: int) -> CachedStaff | None:
        entry = self._entries.get((tenant_id, user_id))
        if entry is None or entry[0] < time.monotonic():
            return None
        return entry[1]

    def put(self, tenant_id: int, user_id: int, staff: CachedStaff) -> None:
        if not self.seconds:
            return
        if len(self._entries) >= MAX_ENTRIES:
            self._entries.clear()
        self._entries[(tenant_id, user_id)] = (time.monotonic() + self.seconds, staff)

    def clear(self) -> None:
        self._entries.clear()


def identity_cache() -> IdentityCache:
    return current_app.extensions["wuye_identity_cache"]


# --- forgetting on change: any commit that wrote users, grants or tenants empties the cache ----

_CHANGED = "wuye_identities_changed"


def _auth_classes():
    from ..tenancy import Tenant
    from .models import RoleGrant, StaffUser

    return (StaffUser, RoleGrant, Tenant)


def _note_flush(session: Session, _flush_context, _instances) -> None:
    classes = _auth_classes()
    if any(isinstance(obj, classes) for objs in (session.new, session.dirty, session.deleted) for obj in objs):
        session.info[_CHANGED] = True


def _note_statement(state: ORMExecuteState) -> None:
    if (state.is_update or state.is_delete) and any(m.class_ in _auth_classes() for m in state.all_mappers):
        state.session.info[_CHANGED] = True


def _forget_after_commit(session: Session) -> None:
    if session.info.pop(_CHANGED, False) and has_app_context():
        identity_cache().clear()


def _drop_note(session: Session, _previous_transaction=None) -> None:
    session.info.pop(_CHANGED, None)


_installed = False


def install(app) -> None:
    global _installed
    app.extensions["wuye_identity_cache"] = IdentityCache(app.config["WUYE"].auth_cache_seconds)
    if _installed:
        return
    event.listen(Session, "before_flush", _note_flush)
    event.listen(Session, "do_orm_execute", _note_statement)
    event.listen(Session, "after_commit", _forget_after_commit)
    event.listen(Session, "after_soft_rollback", _drop_note)
    _installed = True
