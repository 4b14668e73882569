"""`wuye tenants`: create one, and plan / apply / show / export declarative tenant files."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from ..errors import DomainError
from ..events.edge import unit_of_work
from .errors import domain_message


@click.group("tenants")
def tenants_group():
    """租户 / Tenants."""


@tenants_group.command("create")
@click.option("--slug", required=True)
@click.option("--name", required=True)
@click.option("--kind", type=click.Choice(["company", "subdistrict"]), required=True)
@with_appcontext
def tenants_create(slug, name, kind):
    """新建租户 / Create a tenant."""
    from ..tenants.service import create_tenant

    with unit_of_work():
        tenant = create_tenant(slug, name, kind)
    click.echo(f"已创建租户 / created tenant {tenant.slug} (id {tenant.id})")


def _rollout(file):
    from ..rollout.document import DocumentError, load
    from ..rollout.plan import Rollout

    try:
        desired = load(file, current_app.extensions["wuye_plugins"])
    except DocumentError as exc:
        for path, reason in exc.problems:
            click.echo(f"{exc.file}: {path}: {reason}", err=True)
        raise click.ClickException(f"{len(exc.problems)} 处错误，未做任何修改 / {len(exc.problems)} problem(s); "
                                   "nothing was changed") from exc
    return Rollout(desired)


def _print_plan(changes, prune=False, verbose=False):
    from ..rollout.plan import UNCHANGED

    counts = {}
    for change in changes:
        counts[change.action] = counts.get(change.action, 0) + 1
        if verbose or change.action != UNCHANGED:
            click.echo(change.line(prune))
    summary = ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
    click.echo(f"合计 / total: {summary or 'nothing'}")


@tenants_group.command("plan")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--verbose", "-v", is_flag=True, help="也列出不变的项 / list unchanged items too")
@with_appcontext
def tenants_plan(file, verbose):
    """显示应用配置文件会做哪些修改 / Show what applying a tenant file would change."""
    from ..extensions import db
    from ..tenancy.context import reset_tenant

    rollout = _rollout(file)
    try:
        _print_plan(rollout.plan(), verbose=verbose)
    finally:  # a plan only reads: whatever it touched is dropped
        db.session.rollback()
        reset_tenant()


@tenants_group.command("apply")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--prune", is_flag=True, help="删除文件中没有的社区、小区，停用没有的插件 / remove what the file no longer lists")
@with_appcontext
def tenants_apply(files, prune):
    """应用租户配置文件（每个文件一个事务，全部成功或全部不改）/ Apply tenant files (one transaction each)."""
    for file in files:
        rollout = _rollout(file)
        try:
            with unit_of_work():
                changes = rollout.apply(prune=prune)
        except Exception as exc:  # any failure, not only a refusal: say which file, and that nothing changed
            reason = domain_message(exc) if isinstance(exc, DomainError) else exc
            raise click.ClickException(f"{file}: 应用失败，数据库未改动 / apply failed, nothing was changed: {reason}") from exc
        click.echo(f"{file}:")
        _print_plan(changes, prune=prune)


@tenants_group.command("show")
@click.argument("slug")
@click.option("--community", "code", required=True, help="社区编码 / community code")
@with_appcontext
def tenants_show(slug, code):
    """显示社区的有效配置（含默认值）/ Show a community's effective config."""
    import yaml

    from ..rollout.export import community_document

    with unit_of_work():
        doc = community_document(slug, code, current_app.extensions["wuye_plugins"])
    click.echo(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False))


@tenants_group.command("export")
@click.argument("slug")
@with_appcontext
def tenants_export(slug):
    """把租户当前状态写成配置文件 / Write a tenant's current state as a tenant file."""
    from ..rollout.export import export_document, to_yaml

    with unit_of_work():
        doc = export_document(slug)
    click.echo(to_yaml(doc), nl=False)


@tenants_group.command("schema")
@click.option("--check", is_flag=True, help="只检查 tenants/tenant-file.schema.json 是否最新")
@with_appcontext
def tenants_schema(check):
    """生成租户配置文件的 JSON Schema / Write the JSON Schema of tenant files."""
    from ..rollout.jsonschema import render

    target = Path(__file__).resolve().parents[2] / "tenants" / "tenant-file.schema.json"
    text = render()
    if check:
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            raise click.ClickException(f"{target} is out of date: run `wuye tenants schema`")
        click.echo("ok")
        return
    target.write_text(text, encoding="utf-8")
    click.echo(f"written {target}")
