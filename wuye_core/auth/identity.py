"""Authentication of every API request, before any view runs (default deny).

The token names the user and, for staff, the tenant. The tenant is entered here, once, before
the first query, so every later query of the request is scoped to it. Users and tenants are
re-read on every request: deactivating either takes effect at once.
"""

from __future__ import annotations

from flask import current_app, g, request
from flask_smorest import abort
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..tenancy import Tenant, enter_tenant
from ..tenancy.context import reset_tenant
from .models import PlatformOperator, StaffUser
from .roles import Identity
from .tokens import read_token


def _is_public(endpoint: str | None) -> bool:
    if endpoint is None or endpoint.startswith("api-docs."):
        return True
    view = current_app.view_functions.get(endpoint)
    return bool(getattr(view, "_wuye_public", False) or getattr(getattr(view, "view_class", None),
                                                                 "_wuye_public", False))


def staff_identity(user: StaffUser) -> Identity:
    return Identity(kind="staff", user_id=user.id, username=user.username, tenant_id=user.tenant_id,
                    grants=tuple((gr.role, gr.community_id) for gr in user.grants))


def authenticate() -> None:
    if not request.path.startswith("/api/") or _is_public(request.endpoint):
        return
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    claims = read_token(current_app.config["SECRET_KEY"], token) if scheme.lower() == "bearer" else None
    if claims is None:
        abort(401, headers={"WWW-Authenticate": "Bearer"})
    if claims["kind"] == "operator":
        operator = db.session.get(PlatformOperator, int(claims["sub"]))
        if operator is None or not operator.active:
            abort(401)
        g.identity = Identity(kind="operator", user_id=operator.id, username=operator.username)
        return
    enter_tenant(claims["tid"])
    # One round trip on the hot path: the user, their grants and whether the tenant is active.
    row = db.session.execute(
        select(StaffUser, Tenant.active, Tenant.plugins_version).join(Tenant, Tenant.id == StaffUser.tenant_id)
        .where(StaffUser.id == int(claims["sub"])).options(joinedload(StaffUser.grants))
    ).unique().first()
    if row is None or not row[1] or not row[0].active:
        abort(401)
    g.identity = staff_identity(row[0])
    g.plugins_version = row[2]  # keys the per-process cache of enabled plugins


def forget_tenant(exc=None) -> None:
    reset_tenant()


def init_app(app) -> None:
    app.before_request(authenticate)
    app.teardown_appcontext(forget_tenant)
