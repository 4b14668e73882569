"""Who a token's user is, remembered per process for a few seconds.

Reading the user, its tenant and its grants was a statement on every request — on a list page
a quarter of the Python time. Entries live `auth_cache_seconds` (WUYE_AUTH_CACHE_SECONDS,
default 5; 0 turns the cache off). A change to users, grants or tenants committed in this
process empties the cache at once; other worker processes see it within those seconds
(deactivating a user, revoking a role, enabling a plugin).
"""

from __future__ import annotations

from typing import NamedTuple

from flask import current_app, has_app_context

from ..common.ttl_cache import TtlCache


class CachedStaff(NamedTuple):
    username: str
    grants: tuple[tuple[str, int | None], ...]
    plugins_version: int


def identity_cache() -> TtlCache:
    return current_app.extensions["wuye_identity_cache"]


def _forget_identities() -> None:
    if has_app_context():
        identity_cache().clear()


def install(app) -> None:
    from ..db_changes import forget_on_commit
    from ..tenancy import Tenant
    from .models import RoleGrant, StaffUser

    app.extensions["wuye_identity_cache"] = TtlCache(app.config["WUYE"].auth_cache_seconds)
    forget_on_commit((StaffUser, RoleGrant, Tenant), _forget_identities)
