"""Creating tenants (API and CLI)."""

from __future__ import annotations

from ..extensions import db
from ..tenancy.context import enter_tenant
from ..tenancy.models import Tenant, TenantKind


def create_tenant(slug: str, name: str, kind: TenantKind | str, *, admin_username: str | None = None,
                  admin_password: str | None = None) -> Tenant:
    """Create a tenant and, if given, its first tenant_admin, in the caller's transaction (the
    request, or the command, commits)."""
    tenant = Tenant(slug=slug, name=name, kind=TenantKind(kind), active=True)
    db.session.add(tenant)
    db.session.flush()
    if admin_username:
        from ..auth.roles import TENANT_ADMIN
        from ..staff.service import create_user

        enter_tenant(tenant.id)
        create_user(admin_username, admin_password, [{"role": TENANT_ADMIN}])
    db.session.flush()
    return tenant
