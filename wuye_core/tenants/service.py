"""Creating tenants and finding one by its slug (API and CLI)."""

from __future__ import annotations

from sqlalchemy import Select, select

from ..audit import record
from ..errors import Conflict, NotFound
from ..extensions import db
from ..i18n import N_
from ..tenancy.context import enter_tenant
from ..tenancy.models import Tenant, TenantKind


def create_tenant(slug: str, name: str, kind: TenantKind | str, *, admin_username: str | None = None,
                  admin_password: str | None = None, admin_password_temporary: bool = False) -> Tenant:
    """Create a tenant and, if given, its first tenant_admin, in the caller's transaction (the
    request, or the command, commits). A slug that is taken is a Conflict. `admin_password_temporary`:
    the platform operator chose it (the API), so the tenant's admin must change it at first login."""
    if db.session.scalar(select(Tenant.id).where(Tenant.slug == slug)):
        raise Conflict(N_("This slug is taken."), {"json": {"slug": [N_("Already exists.")]}})
    tenant = Tenant(slug=slug, name=name, kind=TenantKind(kind), active=True)
    db.session.add(tenant)
    db.session.flush()
    record("tenant.created", target_type="tenant", target_id=tenant.id, platform=True, system_name="tenants create",
           details={"slug": slug, "name": name, "kind": tenant.kind.value})
    if admin_username:
        from ..auth.roles import TENANT_ADMIN
        from ..staff.service import create_user

        enter_tenant(tenant.id)
        create_user(admin_username, admin_password, [{"role": TENANT_ADMIN}], temporary=admin_password_temporary,
                    field="admin.password")
    db.session.flush()
    return tenant


def every_tenant() -> Select:
    """Every tenant of the platform (an operator's list; nothing of their data): a statement to page."""
    return select(Tenant)


def tenant_by_slug(slug: str) -> Tenant:
    """The tenant named by an operator (commands take slugs); NotFound if there is none."""
    tenant = db.session.scalar(select(Tenant).where(Tenant.slug == slug))
    if tenant is None:
        raise NotFound(N_("No such tenant: %(slug)s", slug=slug))
    return tenant


def update_tenant(tenant: Tenant, changes: dict) -> Tenant:
    """Rename, deactivate or activate a tenant (an operator's action: the platform's trail)."""
    if "name" in changes and changes["name"] != tenant.name:
        record("tenant.renamed", target_type="tenant", target_id=tenant.id, platform=True,
               details={"from": tenant.name, "to": changes["name"]})
    if "active" in changes and changes["active"] != tenant.active:
        record("tenant.activated" if changes["active"] else "tenant.deactivated", target_type="tenant",
               target_id=tenant.id, platform=True, details={"slug": tenant.slug})
    for key, value in changes.items():
        setattr(tenant, key, value)
    db.session.flush()
    return tenant
