"""Who a token's user is, remembered per process for a few seconds.

Reading the user, its tenant and its grants was a statement on every request — on a list page
a quarter of the Python time. Entries live `auth_cache_seconds` (WUYE_AUTH_CACHE_SECONDS,
default 5; 0 turns the cache off). A change to users, grants or tenants committed in this
process empties the cache at once; other worker processes see it within those seconds
(deactivating a user, revoking a role, enabling a plugin, a password change or a logout, which
bump the user's token_version).
"""

from __future__ import annotations

from typing import NamedTuple

from ..common.caches import TtlCache, cache, declare


class CachedStaff(NamedTuple):
    username: str
    grants: tuple[tuple[str, int | None], ...]
    plugins_version: int
    token_version: int  # a token issued with another version is ended (auth/identity.py)
    team: str | None = None  # StaffUser.team: whose tickets a worker works on (tickets/access.py)


def identity_cache() -> TtlCache:
    return cache("identity")


def install(app) -> None:
    from ..tenancy import Tenant
    from .models import RoleGrant, StaffUser

    declare(app, "identity", seconds=app.config["WUYE"].auth_cache_seconds,
            forget_on_commit_of=(StaffUser, RoleGrant, Tenant),
            why="a token's user, grants, team and plugins_version, on every request")
