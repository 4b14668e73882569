"""`wuye audit`: read the trail from the server (operators, incidents) and purge what the
retention no longer keeps."""

from __future__ import annotations

import json

import click
from flask.cli import with_appcontext


@click.group("audit")
def audit_group():
    """审计日志 / The audit trail."""


@audit_group.command("list")
@click.option("--tenant", "tenant_slug", help="租户标识；不给则列平台日志 / a tenant's trail (else the platform's)")
@click.option("--action", help="操作代码前缀 / an action code or its prefix")
@click.option("--limit", type=click.IntRange(1, 10_000), default=50, show_default=True)
@with_appcontext
def audit_list(tenant_slug, action, limit):
    """最近的审计记录，新的在前，以制表符分隔 / The latest audit rows, newest first, tab-separated."""
    from contextlib import nullcontext

    from sqlalchemy import select

    from ..audit import AuditEvent, PlatformAuditEvent
    from ..audit.actions import title
    from ..extensions import db
    from ..tenancy import tenant_context
    from ..tenants.service import tenant_by_slug

    model, context = PlatformAuditEvent, nullcontext()
    if tenant_slug:
        model, context = AuditEvent, tenant_context(tenant_by_slug(tenant_slug).id)
    with context:
        stmt = select(model).order_by(model.id.desc()).limit(limit)
        if action:
            stmt = stmt.where(model.action.startswith(action, autoescape=True))
        for row in db.session.scalars(stmt):
            target = f"{row.target_type}:{row.target_id}" if row.target_type else "-"
            details = json.dumps(row.details, ensure_ascii=False) if row.details else ""
            click.echo("\t".join([f"{row.at:%Y-%m-%d %H:%M:%S}Z", f"{row.actor_kind}:{row.actor_name or '-'}",
                                  row.action, title(row.action), target, row.address or "-", details]).rstrip())
        db.session.rollback()


@audit_group.command("purge")
@click.option("--years", type=click.IntRange(min=3), default=3, show_default=True,
              help="保留年限（至少 3 年）/ retention in years (at least 3)")
@with_appcontext
def audit_purge(years):
    """删除超过保留期的审计记录 / Delete audit rows older than the retention."""
    from ..audit.retention import purge

    click.echo(f"deleted {purge(years)} audit rows older than {years} years")
