"""The base of both kinds of tenant rows (models.TenantScoped, shared.SharedBetweenTenants): one
loader criterion (scoping.py) covers both, each class saying what "the current tenant's" means."""

from __future__ import annotations

from sqlalchemy import literal_column


class TenantBound:
    @classmethod
    def tenant_criterion(cls, tenant):
        # the base itself: SQLAlchemy's lambda analysis calls it so (no table, no bound parameter)
        return literal_column("0") == tenant
