"""The current tenant of this unit of work.

A request gets its tenant from the authenticated identity (auth/identity.py); a CLI command
or a job enters it explicitly with `tenant_context(tenant_id)`. Either way it is set once:
a session never switches tenants, because its identity map could hand an object loaded for
tenant A to code running for tenant B.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager
from contextvars import ContextVar

_tenant: ContextVar[int | None] = ContextVar("wuye_tenant", default=None)
_unscoped: ContextVar[bool] = ContextVar("wuye_unscoped", default=False)


class TenantContextError(RuntimeError):
    """Tenant data was touched with no tenant set, or a session tried to switch tenants."""


def current_tenant_id() -> int | None:
    return _tenant.get()


def require_tenant_id() -> int:
    tenant_id = _tenant.get()
    if tenant_id is None:
        raise TenantContextError("no tenant is set for this unit of work (fail closed)")
    return tenant_id


def is_unscoped() -> bool:
    return _unscoped.get()


def enter_tenant(tenant_id: int) -> None:
    """Set the tenant of the current request. Called once, by authentication."""
    from .scoping import apply_tenant_to_open_transaction

    current = _tenant.get()
    if current is not None and current != tenant_id:
        raise TenantContextError(f"session is bound to tenant {current}; refusing to switch to {tenant_id}")
    _tenant.set(tenant_id)
    apply_tenant_to_open_transaction(tenant_id)


def enter_tenant_by_slug(slug: str):
    """The active tenant of that slug, entered (every later query is scoped to it), or None: the
    doors that name their tenant in the request rather than in a token (a resident's sign-in, a
    community's link, a plugin's webhook)."""
    from sqlalchemy import select

    from ..extensions import db
    from .models import Tenant

    tenant = db.session.scalar(select(Tenant).where(Tenant.slug == slug, Tenant.active.is_(True)))
    if tenant is not None:
        enter_tenant(tenant.id)
    return tenant


def reset_tenant() -> None:
    """End of a request: forget the tenant (threads are reused by the server)."""
    _tenant.set(None)


@contextmanager
def tenant_context(tenant_id: int):
    """Run a block of CLI or job code as `tenant_id`, in a fresh database session.

    Already inside that very tenant (an in-process job run by a request), it simply goes on.
    """
    from ..extensions import db

    if _tenant.get() == tenant_id and not _unscoped.get():
        yield
        return
    db.session.remove()
    token = _tenant.set(tenant_id)
    try:
        yield
    finally:
        db.session.remove()
        _tenant.reset(token)


@contextmanager
def unscoped():
    """THE escape hatch for platform-level work: ORM tenant scoping is off inside this block.

    Grep for `unscoped(` to audit every use. On PostgreSQL, row-level security still applies
    unless the connection belongs to the table owner (migrations, benchmarks' baseline).
    """
    from ..extensions import db

    db.session.remove()
    token = _unscoped.set(True)
    try:
        yield
    finally:
        db.session.remove()
        _unscoped.reset(token)


def refuse_without_context(exc: TenantContextError):
    """The app's handler for a request that reached tenant data without a tenant: fail closed
    with a 403 (registered by app.py)."""
    from flask import jsonify

    from ..errors import error_body

    logging.getLogger(__name__).error("tenant context error (fail closed): %s", exc)
    return jsonify(error_body(403)), 403
