"""Writing the audit trail. The actor and the address come from the request when there is one."""

from __future__ import annotations

from typing import Any

from flask import g, has_request_context, request
from sqlalchemy import insert

from ..extensions import db
from ..tenancy import current_tenant_id
from .models import AuditEvent, PlatformAuditEvent

_MAX_NAME = 100


def _actor() -> tuple[str, int | None, str | None]:
    identity = getattr(g, "identity", None) if has_request_context() else None
    if identity is None:
        return ("anonymous", None, None) if has_request_context() else ("system", None, None)
    return identity.kind, identity.user_id, identity.username[:_MAX_NAME]


def _values(action: str, target_type: str | None, target_id: Any, details: dict | None,
            actor: tuple[str, int | None, str | None] | None, system_name: str | None = None) -> dict:
    kind, actor_id, actor_name = actor or _actor()
    if kind == "system" and actor_name is None and system_name:
        actor_name = system_name[:_MAX_NAME]
    return dict(
        actor_kind=kind, actor_id=actor_id, actor_name=actor_name, action=action, target_type=target_type,
        target_id=None if target_id is None else str(target_id)[:64],
        address=(request.remote_addr or None) if has_request_context() else None,
        details=details or None,
    )


def _row(action: str, target_type: str | None, target_id: Any, details: dict | None,
         tenant_id: int | None, actor: tuple[str, int | None, str | None] | None, platform: bool = False,
         system_name: str | None = None):
    values = _values(action, target_type, target_id, details, actor, system_name)
    if tenant_id is None and not platform:
        tenant_id = current_tenant_id()
    if tenant_id is None:
        return PlatformAuditEvent(**values)
    return AuditEvent(tenant_id=tenant_id, **values)


def record(action: str, *, target_type: str | None = None, target_id: Any = None, details: dict | None = None,
           tenant_id: int | None = None, actor: tuple[str, int | None, str | None] | None = None,
           platform: bool = False, system_name: str | None = None) -> None:
    """Add an audit row to the current transaction: kept if and when the unit of work commits.

    In the current tenant's trail (or `tenant_id`'s), else — or with `platform=True`, for an
    operator's action on a tenant — the platform's. `action`: a code of actions.py. `actor`
    (kind, id, name) overrides the caller, e.g. the user a login names before any token exists;
    `system_name` names a command or job that acts outside any request (e.g. "tenants apply")."""
    db.session.add(_row(action, target_type, target_id, details, tenant_id, actor, platform, system_name))


def record_now(action: str, **kwargs) -> None:
    """`record`, committed at once: for what must be kept although the request is then refused.
    Commits whatever else the session holds: call it before changing anything else."""
    record(action, **kwargs)
    db.session.commit()


def record_in_partner_trail(tenant_id: int, action: str, *, target_type: str | None = None, target_id: Any = None,
                            details: dict | None = None) -> None:
    """Add an audit row to ANOTHER tenant's trail, in the current transaction: a change to a
    service link is recorded in both tenants' trails, a supervised read in the trail of the tenant
    whose data was read. Only links/ and supervision/ call it, for a tenant they have just found
    linked to the current one; on PostgreSQL the audit trail's policy `partner_audit` admits such a
    row only where a service link between the two tenants exists.

    A plain INSERT without RETURNING: the current tenant may add the row but never read it back.
    Core, on the session's connection (a supervised page writes one; bench/README.md, "Issue
    #18: supervision"); the columns left empty are not named (NULL, not a JSON null)."""
    values = _values(action, target_type, target_id, details, None)
    db.session.connection().execute(
        _PARTNER_ROW, {"tenant_id": tenant_id, **{key: value for key, value in values.items() if value is not None}})


# inline: no RETURNING (the row is the partner's: the current tenant may not read it)
_PARTNER_ROW = insert(AuditEvent.__table__).inline()
