"""Authentication of every API request, before any view runs (default deny).

The token names the user and, for staff, the tenant. The tenant is entered here, once, before
the first query, so every later query of the request is scoped to it. The user, its grants and
its tenant are re-read when the per-process cache (identity_cache.py) has no fresh entry:
deactivating either takes effect at once in the process that did it, within
`auth_cache_seconds` (5) in the others.

Revocation: a token carries its account's `token_version` ("ver") from when it was issued; a
password change or reset, deactivation, reactivation, revoking a role and logout bump the
version, so every token issued before is refused (401) — in this process at once, in the others
within `auth_cache_seconds`. The version travels with the cached identity: no extra query.

A token issued while the account must change its password ("pwc": an admin set it) opens only
ALLOWED_WHILE_PASSWORD_CHANGE; everything else answers 403 with reason
"password_change_required".
"""

from __future__ import annotations

from flask import current_app, g, request
from flask_smorest import abort
from sqlalchemy import bindparam, select

from ..extensions import db
from ..i18n import N_
from ..tenancy import Tenant, enter_tenant
from ..tenancy.context import reset_tenant
from .identity_cache import CachedStaff, identity_cache
from .models import PlatformOperator, ResidentAccount, RoleGrant, StaffUser
from .phones import mask_phone
from .roles import Identity
from .tokens import read_token


def _view_flag(endpoint: str | None, flag: str) -> bool:
    view = current_app.view_functions.get(endpoint) if endpoint else None
    return bool(getattr(view, flag, False) or getattr(getattr(view, "view_class", None), flag, False))


def for_residents(endpoint: str | None) -> bool:
    """Whether the endpoint opens to a resident's token (api/access.for_residents)."""
    return _view_flag(endpoint, "_wuye_residents")


def is_public_view(view) -> bool:
    """Whether a view function (or its MethodView class) was marked `api.access.public`."""
    return bool(getattr(view, "_wuye_public", False)
                or getattr(getattr(view, "view_class", None), "_wuye_public", False))


def is_public(endpoint: str | None) -> bool:
    if endpoint is None or endpoint.startswith("api-docs."):
        return True
    return is_public_view(current_app.view_functions.get(endpoint))


# The endpoints a token that must first change its password may call (see the module doc).
ALLOWED_WHILE_PASSWORD_CHANGE = frozenset({"auth.me", "auth.change_password", "auth.logout"})
PASSWORD_CHANGE_REQUIRED = N_("Your password was set by an administrator: choose your own password first "
                              "(POST /api/v1/auth/password).")


RESIDENTS_ELSEWHERE = N_("A resident's sign-in opens the residents' pages only.")


def _password_change_gate(claims: dict) -> None:
    if claims.get("pwc") and request.endpoint not in ALLOWED_WHILE_PASSWORD_CHANGE:
        abort(403, message=PASSWORD_CHANGE_REQUIRED, reason="password_change_required")


def staff_identity(user: StaffUser) -> Identity:
    return Identity(kind="staff", user_id=user.id, username=user.username, tenant_id=user.tenant_id,
                    grants=tuple((gr.role, gr.community_id) for gr in user.grants), team=user.team)


# Built once: composing a select costs more Python than executing its cached compiled form.
_STAFF_LOOKUP = (
    select(StaffUser.username, StaffUser.active, Tenant.active, Tenant.plugins_version, StaffUser.token_version,
           StaffUser.team, RoleGrant.role, RoleGrant.community_id)
    .join(Tenant, Tenant.id == StaffUser.tenant_id)
    .outerjoin(RoleGrant, RoleGrant.user_id == StaffUser.id)
    .where(StaffUser.id == bindparam("user_id"))
)


def authenticate() -> None:
    """The API's door: a bearer token in the Authorization header, else 401."""
    if not request.path.startswith("/api/") or is_public(request.endpoint):
        return
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    kind = scheme.lower() == "bearer" and enter_with_token(token)
    if not kind:
        abort(401, headers={"WWW-Authenticate": "Bearer"})
    if kind == "resident" and not for_residents(request.endpoint):
        abort(403, message=RESIDENTS_ELSEWHERE, reason="resident_token")  # default deny: see the module doc
    _password_change_gate(g.token_claims)


def enter_with_token(token: str) -> str | bool:
    """Establish the caller from a token (the API's header, the console's session cookie): set
    g.identity and enter its tenant. False when the token is malformed, forged, expired or
    revoked, or its account or tenant is inactive. The same checks whatever the door."""
    claims = read_token(current_app.config["SECRET_KEY"], token) if token else None
    if claims is None:
        return False
    g.token_claims = claims
    if claims["kind"] == "operator":
        operator = db.session.get(PlatformOperator, int(claims["sub"]))
        if operator is None or not operator.active or operator.token_version != claims["ver"]:
            return False
        g.identity = Identity(kind="operator", user_id=operator.id, username=operator.username,
                              password_change=bool(claims.get("pwc")))
        return "operator"
    tenant_id, user_id = claims["tid"], int(claims["sub"])
    enter_tenant(tenant_id)
    if claims["kind"] == "resident":
        return _enter_as_resident(tenant_id, user_id, claims["ver"]) and "resident"
    cache = identity_cache()
    staff = cache.get((tenant_id, user_id))
    if staff is None:
        # One round trip: the user, whether the tenant is active, and the grants (one row per
        # grant, outer-joined). Plain columns, not entities: no ORM objects to build.
        rows = db.session.execute(_STAFF_LOOKUP, {"user_id": user_id}).all()
        if not rows or not rows[0][1] or not rows[0][2]:
            return False
        grants = tuple((role, community_id) for *_, role, community_id in rows if role is not None)
        staff = CachedStaff(username=rows[0][0], grants=grants, plugins_version=rows[0][3], token_version=rows[0][4],
                            team=rows[0][5])
        cache.put((tenant_id, user_id), staff)
    if staff.token_version != claims["ver"]:  # revoked: password changed, deactivated, logged out…
        return False
    g.identity = Identity(kind="staff", user_id=user_id, username=staff.username, tenant_id=tenant_id,
                          grants=staff.grants, password_change=bool(claims.get("pwc")), team=staff.team)
    g.plugins_version = staff.plugins_version  # keys the per-process cache of enabled plugins
    return "staff"


_RESIDENT_LOOKUP = (
    select(ResidentAccount.phone, ResidentAccount.active, ResidentAccount.token_version, Tenant.active,
           Tenant.plugins_version)
    .join(Tenant, Tenant.id == ResidentAccount.tenant_id)
    .where(ResidentAccount.id == bindparam("account_id"))
)


def _enter_as_resident(tenant_id: int, account_id: int, version: int) -> bool:
    """A resident's token: its account active, not signed out since (token_version), its tenant
    active. The identity holds no grant: every check for a role or a community refuses it."""
    row = db.session.execute(_RESIDENT_LOOKUP, {"account_id": account_id}).first()
    if row is None or not row[1] or not row[3] or row[2] != version:
        return False
    g.identity = Identity(kind="resident", user_id=account_id, username=mask_phone(row[0]),
                          tenant_id=tenant_id)
    g.plugins_version = row[4]  # keys the per-process cache of enabled plugins (the plugins' residents' pages)
    return True


def forget_tenant(exc=None) -> None:
    reset_tenant()


def init_app(app) -> None:
    from . import identity_cache as cache_module

    cache_module.install(app)
    app.before_request(authenticate)
    app.teardown_appcontext(forget_tenant)
