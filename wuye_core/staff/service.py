"""Creating staff users and platform operators, and checking credentials (used by the API and the
CLI alike). Refusals are domain errors; the request or the command commits."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select

from ..auth.models import PlatformOperator, RoleGrant, StaffUser
from ..auth.passwords import hash_password, needs_rehash, verify_password
from ..auth.roles import TENANT_ADMIN, role_permissions
from ..auth.tokens import issue_token
from ..errors import Conflict, Invalid, NotFound
from ..extensions import db
from ..households.models import Community
from ..i18n import N_
from ..tenancy import Tenant, enter_tenant


class GrantError(Invalid):
    """A role grant names an unknown role or a community the tenant does not have (422, on the
    grant's field)."""


def _username_taken() -> Conflict:
    return Conflict(N_("This username is taken."), {"json": {"username": [N_("Already exists.")]}})


def check_grants(grants: list[dict]) -> list[tuple[str, int | None]]:
    """Validate role grants within the current tenant; returns (role, community_id) pairs."""
    checked = []
    for index, grant in enumerate(grants):
        role, community_id = grant["role"], grant.get("community_id")
        if role_permissions(role) is None:
            raise GrantError(f"roles.{index}.role", N_("Unknown role."))
        if role == TENANT_ADMIN and community_id is not None:
            raise GrantError(f"roles.{index}.community_id", N_("tenant_admin is always tenant-wide."))
        if community_id is not None and db.session.get(Community, community_id) is None:
            raise GrantError(f"roles.{index}.community_id", N_("Does not exist."))
        if (role, community_id) not in checked:
            checked.append((role, community_id))
    return checked


def set_grants(user: StaffUser, grants: list[tuple[str, int | None]]) -> None:
    user.grants = [RoleGrant(role=role, community_id=cid) for role, cid in grants]


def create_user(username: str, password: str, grants: list[dict], display_name: str | None = None) -> StaffUser:
    """A staff user of the current tenant with these grants; a taken username is a Conflict."""
    if db.session.scalar(select(StaffUser.id).where(StaffUser.username == username)):
        raise _username_taken()
    user = StaffUser(username=username, password_hash=hash_password(password), display_name=display_name)
    set_grants(user, check_grants(grants))
    db.session.add(user)
    return user


def grants_by_code(role: str, codes: list[str]) -> list[dict]:
    """Grants of `role` in the communities with these codes (commands name communities by code),
    or tenant-wide without codes; NotFound names every code the tenant does not have."""
    ids = dict(db.session.execute(select(Community.code, Community.id).where(Community.code.in_(codes))).all())
    missing = [code for code in codes if code not in ids]
    if missing:
        raise NotFound(N_("No such community: %(code)s", code=", ".join(missing)))
    return [{"role": role, "community_id": ids[code]} for code in codes] or [{"role": role}]


def create_operator(username: str, password: str) -> PlatformOperator:
    """A platform operator (platform_admin, no tenant); a taken username is a Conflict."""
    if db.session.scalar(select(PlatformOperator.id).where(PlatformOperator.username == username)):
        raise _username_taken()
    operator = PlatformOperator(username=username, password_hash=hash_password(password))
    db.session.add(operator)
    return operator


def _token_response(kind: str, user_id: int, tenant_id: int | None) -> dict:
    ttl = current_app.config["WUYE"].token_ttl_seconds
    token = issue_token(current_app.config["SECRET_KEY"], ttl, kind=kind, user_id=user_id, tenant_id=tenant_id)
    return {"access_token": token, "token_type": "Bearer", "expires_in": ttl}


def login(tenant_slug: str | None, username: str, password: str) -> dict | None:
    """A token for valid credentials, else None. Same cost whether or not the user exists."""
    if tenant_slug is None:
        operator = db.session.scalar(select(PlatformOperator).where(PlatformOperator.username == username))
        if not verify_password(operator.password_hash if operator else None, password) or not operator.active:
            return None
        return _token_response("operator", operator.id, None)
    tenant = db.session.scalar(select(Tenant).where(Tenant.slug == tenant_slug))
    user = None
    if tenant is not None and tenant.active:
        enter_tenant(tenant.id)
        user = db.session.scalar(select(StaffUser).where(StaffUser.username == username))
    if not verify_password(user.password_hash if user else None, password) or not user.active:
        return None
    if needs_rehash(user.password_hash):  # cost parameters were raised since the hash was made
        user.password_hash = hash_password(password)  # committed with the request
    return _token_response("staff", user.id, tenant.id)
