"""Tenancy: who owns a row, and the framework that keeps every query inside one tenant.

Public surface:
- `Tenant`, `TenantScoped` (models)
- `tenant_context`, `current_tenant_id`, `require_tenant_id`, `unscoped` (context)
"""

from .context import (  # noqa: F401
    TenantContextError,
    current_tenant_id,
    enter_tenant,
    require_tenant_id,
    tenant_context,
    unscoped,
)
from .models import Tenant, TenantKind, TenantScoped, tenant_fk  # noqa: F401
