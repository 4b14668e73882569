"""Roles and what they allow.

A grant is a role, either tenant-wide (community_id NULL) or for one community.
- tenant_admin: everything in the tenant, including users, communities and their config;
- community_staff: read and write the housing register of their communities;
- readonly: read only, in their communities;
- worker (维修工, a repair worker): nothing of the housing register; in their communities, the
  tickets dispatched to them or to their team (StaffUser.team), to read and to work on in the
  field (arrive, resolve, attach photos). The rule lives in one place: tickets/access.py;
- residents' phone numbers and sensitive tags (低保户, 残疾…; households/personal_data.py) are seen
  in full by tenant_admin and community_staff, and by plugin roles that declare
  `Role.sees_personal_data`; everyone else sees them masked;
- platform_admin: a platform operator; manages tenants and never reads tenant data.
Plugins will add roles of their own through the hook API.
"""

from __future__ import annotations

from dataclasses import dataclass, field

TENANT_ADMIN = "tenant_admin"
COMMUNITY_STAFF = "community_staff"
READONLY = "readonly"
WORKER = "worker"
PLATFORM_ADMIN = "platform_admin"

# role -> (can read, can write, administers the tenant)
TENANT_ROLES: dict[str, tuple[bool, bool, bool]] = {
    TENANT_ADMIN: (True, True, True),
    COMMUNITY_STAFF: (True, True, False),
    READONLY: (True, False, False),
    # the register: nothing (its tickets: tickets/access.py); so plugins' routes, which check
    # can_read/can_write of the community (host/gate.py), are closed to a worker too
    WORKER: (False, False, False),
}

# Core roles that work on the tickets dispatched to them (or their team), not on the register.
FIELD_ROLES = frozenset({WORKER})

# Core roles that see residents' phone numbers and sensitive tags unmasked (the one-stop window
# takes calls and calls back; the administrator keeps the register). Plugin roles: Role.sees_personal_data.
PERSONAL_DATA_ROLES = frozenset({TENANT_ADMIN, COMMUNITY_STAFF})

ALL = None  # "every community" in the sets below


def role_permissions(role: str) -> tuple[bool, bool, bool] | None:
    """(read, write, administer) of a core role or of a role an installed plugin adds."""
    if role in TENANT_ROLES:
        return TENANT_ROLES[role]
    from flask import current_app, has_app_context

    if has_app_context():
        for plugin in current_app.extensions["wuye_plugins"].plugins.values():
            for added in plugin.roles:
                if added.name == role:
                    return (added.can_read, added.can_write, False)
    return None


def grantable_roles() -> list[str]:
    """Every role a user may be granted in this app: the core's, then those of the installed
    plugins (in the order the plugins were loaded)."""
    names = list(TENANT_ROLES)
    from flask import current_app, has_app_context

    if has_app_context():
        for plugin in current_app.extensions["wuye_plugins"].plugins.values():
            names += [added.name for added in plugin.roles if added.name not in names]
    return names


def role_sees_personal_data(role: str) -> bool:
    """Whether holders of `role` see residents' phone numbers and sensitive tags unmasked."""
    if role in TENANT_ROLES:
        return role in PERSONAL_DATA_ROLES
    from flask import current_app, has_app_context

    if has_app_context():
        for plugin in current_app.extensions["wuye_plugins"].plugins.values():
            for added in plugin.roles:
                if added.name == role:
                    return bool(getattr(added, "sees_personal_data", False))
    return False


@dataclass(frozen=True)
class Identity:
    kind: str  # "staff" | "operator"
    user_id: int
    username: str
    tenant_id: int | None = None
    grants: tuple[tuple[str, int | None], ...] = field(default_factory=tuple)
    password_change: bool = False  # the token may only change the password (auth/identity.py)
    team: str | None = None  # the staff user's team (班组): tickets dispatched to it are theirs too

    @property
    def is_operator(self) -> bool:
        return self.kind == "operator"

    @property
    def is_tenant_admin(self) -> bool:
        return any(role == TENANT_ADMIN and cid is None for role, cid in self.grants)

    def _communities(self, index: int) -> set[int] | None:
        found: set[int] = set()
        for role, community_id in self.grants:
            allowed = role_permissions(role)
            if not allowed or not allowed[index]:
                continue
            if community_id is None:
                return ALL
            found.add(community_id)
        return found

    def has_role(self, role: str, community_id: int | None = None) -> bool:
        """Holds `role` tenant-wide, or for `community_id`."""
        return any(r == role and (cid is None or cid == community_id) for r, cid in self.grants)

    def readable_communities(self) -> set[int] | None:
        """The communities this identity may read; None means all of the tenant's."""
        return set() if self.is_operator else self._communities(0)

    def writable_communities(self) -> set[int] | None:
        return set() if self.is_operator else self._communities(1)

    def field_communities(self) -> set[int] | None:
        """The communities where this identity holds a field role (worker): it works on the
        tickets dispatched to it or its team there (tickets/access.py); None means all."""
        if self.is_operator:
            return set()
        found: set[int] = set()
        for role, community_id in self.grants:
            if role not in FIELD_ROLES:
                continue
            if community_id is None:
                return ALL
            found.add(community_id)
        return found

    def works_in_field(self, community_id: int) -> bool:
        allowed = self.field_communities()
        return allowed is ALL or community_id in allowed

    def personal_data_communities(self) -> set[int] | None:
        """The readable communities where this identity sees residents' phone numbers and sensitive
        tags unmasked; None means all of the tenant's. Elsewhere they are masked."""
        if self.is_operator:
            return set()
        readable = self.readable_communities()
        found: set[int] = set()
        for role, community_id in self.grants:
            if not role_sees_personal_data(role):
                continue
            if community_id is None:
                return readable
            found.add(community_id)
        return found if readable is ALL else found & readable

    def can_read(self, community_id: int) -> bool:
        allowed = self.readable_communities()
        return allowed is ALL or community_id in allowed

    def can_write(self, community_id: int) -> bool:
        allowed = self.writable_communities()
        return allowed is ALL or community_id in allowed
