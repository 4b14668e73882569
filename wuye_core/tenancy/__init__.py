"""Tenancy: who owns a row, and the framework that keeps every query inside one tenant.

Public surface:
- `Tenant`, `TenantScoped` (models)
- `tenant_context`, `current_tenant_id`, `require_tenant_id`, `unscoped` (context)
- `SharedBetweenTenants` (rows two tenants share), `ReadGrant`, `reading_under` (reads of
  another tenant's data through a grant)
"""

from .context import (  # noqa: F401
    TenantContextError,
    current_tenant_id,
    enter_tenant,
    enter_tenant_by_slug,
    require_tenant_id,
    tenant_context,
    unscoped,
)
from .grants import ReadGrant, current_grant, reading_under  # noqa: F401
from .models import Tenant, TenantKind, TenantScoped, tenant_fk  # noqa: F401
from .shared import SharedBetweenTenants  # noqa: F401
