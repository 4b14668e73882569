"""`wuye import households --tenant S --community CODE FILE.xlsx`

Runs the import in this process (no queue), printing progress to stderr, then a summary and
every row error it kept (row, column, reason in Chinese / English). Exit status: 0 when every
row was imported, 1 when some rows failed or the file could not be imported at all.
"""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext
from flask_babel import force_locale
from sqlalchemy import select

from ..extensions import db


@click.group("import")
def import_group():
    """导入台账（Excel）/ Import ledgers (Excel)."""


@import_group.command("households")
@click.option("--tenant", "tenant_slug", required=True, help="租户 / tenant slug")
@click.option("--community", "code", required=True, help="社区编码 / community code")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@with_appcontext
def import_households(tenant_slug, code, file):
    """导入住户台账 / Import a household ledger (.xlsx): buildings, units, households, heads of household."""
    from pathlib import Path

    from ..households.models import Community
    from ..tenancy import Tenant, tenant_context
    from .models import ImportJob, ImportStatus
    from .schemas import render, render_en
    from .tasks import process

    tenant = db.session.scalar(select(Tenant).where(Tenant.slug == tenant_slug))
    if tenant is None:
        raise click.ClickException(f"没有这个租户 / no such tenant: {tenant_slug}")
    with tenant_context(tenant.id):
        community = db.session.scalar(select(Community).where(Community.code == code))
        if community is None:
            raise click.ClickException(f"没有这个社区 / no such community: {code}")
        job = ImportJob(community_id=community.id, kind="households", status=ImportStatus.queued,
                        filename=Path(file).name[:200], created_by="cli", errors=[])
        db.session.add(job)
        db.session.commit()

        def progress(current):
            click.echo(f"  已处理 / processed {current.processed_rows:,} 行 rows", err=True)

        job = process(job.id, file, on_progress=progress)

        def both(msgid, params=None):
            with force_locale("zh_CN"):
                zh = render(msgid, params)
            en = render_en(msgid, params)
            return zh if zh == en else f"{zh} / {en}"

        for error in job.errors:
            column = f"[{error['column']}] " if error.get("column") else ""
            plugin = f" （插件 / plugin: {error['plugin_title']}）" if error.get("plugin") else ""
            click.echo(f"第 {error['row']} 行 / row {error['row']}: {column}{both(error['msgid'], error.get('params'))}"
                       f"{plugin}")
        if job.error_count > len(job.errors):
            click.echo(f"……另有 {job.error_count - len(job.errors)} 条错误未列出 / "
                       f"{job.error_count - len(job.errors)} more errors not listed")
        if job.status == ImportStatus.failed:
            click.echo(f"导入失败 / import failed: {both(job.message)}", err=True)
            sys.exit(1)
        click.echo(f"导入 #{job.id} 完成 / import #{job.id} done: {job.total_rows or 0} 行 rows — "
                   f"新建 created {job.created}, 更新 updated {job.updated}, 未变 unchanged {job.unchanged}, "
                   f"失败 failed {job.failed}")
        if job.failed:
            sys.exit(1)
