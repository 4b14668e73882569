"""The `wuye` command (also reachable as `flask --app wsgi …`)."""

from __future__ import annotations

import json
import sys

import click
from flask.cli import FlaskGroup, with_appcontext
from sqlalchemy import select

from .events.edge import unit_of_work
from .extensions import db


def _create_app():
    from .app import create_app

    return create_app()


class WuyeGroup(FlaskGroup):
    """Flask's CLI, with our `db` group in place of Flask-Migrate's plain one."""

    def _load_plugin_commands(self):
        super()._load_plugin_commands()
        self.add_command(db_group, "db")


@click.group(cls=WuyeGroup, create_app=_create_app, add_version_option=False)
def main():
    """wuye 物业服务平台 — 命令行 / command line."""


# --- database ----------------------------------------------------------------------------------


@click.group("db")
def db_group():
    """数据库迁移 / Database migrations."""


@db_group.command("upgrade")
@click.argument("revision", default="heads")
@with_appcontext
def db_upgrade(revision):
    """迁移到最新版本 / Apply migrations (as the table owner; grants the app role)."""
    from flask_migrate import upgrade

    upgrade(revision=revision)
    click.echo("数据库已是最新 / database is up to date")


@db_group.command("current")
@with_appcontext
def db_current():
    """当前版本 / Show the current revision."""
    from flask_migrate import current

    current()


@db_group.command("revision")
@click.option("-m", "--message", required=True)
@click.option("--plugin", "plugin_name", metavar="NAME",
              help="写在这个插件的分支和迁移目录 / on this plugin's branch, in its migrations folder")
@click.option("--autogenerate/--empty", default=True,
              help="与数据库比较生成（默认；数据库须已是最新）/ compare with the (upgraded) database")
@with_appcontext
def db_revision(message, plugin_name, autogenerate):
    """（开发者）新建迁移 / (developers) Create a migration.

    Without --plugin: on the core's branch, in migrations/versions, comparing the core's tables
    only. With --plugin NAME: on that plugin's branch, in its `wuye_migrations()` folder,
    comparing only its tables (`NAME_…`).
    """
    from alembic import command
    from alembic.util import CommandError
    from flask import current_app

    from .migration_branches import branch_for

    config = current_app.extensions["migrate"].migrate.get_config(opts=["autogenerate"] if autogenerate else None)
    try:
        branch = branch_for(config, current_app.extensions["wuye_plugins"], plugin_name, message)
    except LookupError as exc:
        raise click.ClickException(str(exc)) from exc
    config.attributes["wuye_include_table"] = branch.includes
    config.attributes["wuye_rls_module"] = branch.rls_module
    config.set_main_option("file_template", branch.file_template)
    try:
        script = command.revision(config, message=message, autogenerate=autogenerate, head=branch.head,
                                  branch_label=branch.label, version_path=str(branch.folder),
                                  rev_id=branch.rev_id, depends_on=branch.depends_on)
    except CommandError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"已生成 / created {script.path}")


# --- tenants, users, operators -----------------------------------------------------------------


@main.group("tenants")
def tenants_group():
    """租户 / Tenants."""


@tenants_group.command("create")
@click.option("--slug", required=True)
@click.option("--name", required=True)
@click.option("--kind", type=click.Choice(["company", "subdistrict"]), required=True)
@with_appcontext
def tenants_create(slug, name, kind):
    """新建租户 / Create a tenant."""
    from .tenancy import Tenant
    from .tenants.service import create_tenant

    if db.session.scalar(select(Tenant.id).where(Tenant.slug == slug)):
        raise click.ClickException(f"租户已存在 / tenant exists: {slug}")
    with unit_of_work():
        tenant = create_tenant(slug, name, kind)
    click.echo(f"已创建租户 / created tenant {tenant.slug} (id {tenant.id})")


def _rollout(file):
    from flask import current_app

    from .rollout.document import DocumentError, load
    from .rollout.plan import Rollout

    try:
        desired = load(file, current_app.extensions["wuye_plugins"])
    except DocumentError as exc:
        for path, reason in exc.problems:
            click.echo(f"{exc.file}: {path}: {reason}", err=True)
        raise click.ClickException(f"{len(exc.problems)} 处错误，未做任何修改 / {len(exc.problems)} problem(s); "
                                   "nothing was changed") from exc
    return Rollout(desired)


def describe(exc) -> str:
    """A DomainError for the command line: its message and each field's reason (English msgids,
    as the API's `message_en` would say them)."""
    from .rollout.document import flatten

    parts = [exc.message] if exc.message else []
    parts += [f"{path}: {reason}" for path, reason in flatten(exc.errors or {})]
    return "; ".join(parts) or str(exc)


def _print_plan(changes, prune=False, verbose=False):
    from .rollout.plan import UNCHANGED

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
    from .tenancy.context import reset_tenant

    rollout = _rollout(file)
    try:
        _print_plan(rollout.plan(), verbose=verbose)
    finally:
        db.session.rollback()
        reset_tenant()


@tenants_group.command("apply")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--prune", is_flag=True, help="删除文件中没有的社区、小区，停用没有的插件 / remove what the file no longer lists")
@with_appcontext
def tenants_apply(files, prune):
    """应用租户配置文件（每个文件一个事务，全部成功或全部不改）/ Apply tenant files (one transaction each)."""
    from .errors import DomainError

    for file in files:
        rollout = _rollout(file)
        try:
            with unit_of_work():
                changes = rollout.apply(prune=prune)
        except Exception as exc:
            reason = describe(exc) if isinstance(exc, DomainError) else exc
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

    from .host.enablement import community_plugin_state
    from .households.community_config import effective_config
    from .households.models import Community
    from .tenancy import Tenant, tenant_context

    tenant = db.session.scalar(select(Tenant).where(Tenant.slug == slug))
    if tenant is None:
        raise click.ClickException(f"没有这个租户 / no such tenant: {slug}")
    from flask import current_app

    with tenant_context(tenant.id):
        community = db.session.scalar(select(Community).where(Community.code == code))
        if community is None:
            raise click.ClickException(f"没有这个社区 / no such community: {code}")
        host = current_app.extensions["wuye_plugins"]
        plugins = {name: community_plugin_state(p, community.id) for name, p in sorted(host.plugins.items())}
        doc = {"tenant": slug, "community": code, "name": community.name, "config": effective_config(community),
               "plugins": {n: {"enabled": s["enabled"], "config": s["config"]} for n, s in plugins.items()}}
    click.echo(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False))


@tenants_group.command("export")
@click.argument("slug")
@with_appcontext
def tenants_export(slug):
    """把租户当前状态写成配置文件 / Write a tenant's current state as a tenant file."""
    from .rollout.export import export_document, to_yaml

    doc = export_document(slug)
    if doc is None:
        raise click.ClickException(f"没有这个租户 / no such tenant: {slug}")
    click.echo(to_yaml(doc), nl=False)


@tenants_group.command("schema")
@click.option("--check", is_flag=True, help="只检查 tenants/tenant-file.schema.json 是否最新")
@with_appcontext
def tenants_schema(check):
    """生成租户配置文件的 JSON Schema / Write the JSON Schema of tenant files."""
    from pathlib import Path

    from .rollout.jsonschema import render

    target = Path(__file__).resolve().parent.parent / "tenants" / "tenant-file.schema.json"
    text = render()
    if check:
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            raise click.ClickException(f"{target} is out of date: run `wuye tenants schema`")
        click.echo("ok")
        return
    target.write_text(text, encoding="utf-8")
    click.echo(f"written {target}")


from .imports.cli import import_group  # noqa: E402 - `wuye import households`

main.add_command(import_group)


@main.group("users")
def users_group():
    """工作人员 / Staff users."""


@users_group.command("create")
@click.option("--tenant", "tenant_slug", required=True)
@click.option("--username", required=True)
@click.option("--password", required=True)
@click.option("--role", required=True, type=click.Choice(["tenant_admin", "community_staff", "readonly"]))
@click.option("--community", "communities", multiple=True, help="社区编码，可重复 / community code, repeatable")
@with_appcontext
def users_create(tenant_slug, username, password, role, communities):
    """新建工作人员 / Create a staff user."""
    from .auth.models import StaffUser
    from .staff.service import GrantError, communities_by_code, create_user
    from .tenancy import Tenant, tenant_context

    tenant = db.session.scalar(select(Tenant).where(Tenant.slug == tenant_slug))
    if tenant is None:
        raise click.ClickException(f"没有这个租户 / no such tenant: {tenant_slug}")
    with tenant_context(tenant.id):
        if db.session.scalar(select(StaffUser.id).where(StaffUser.username == username)):
            raise click.ClickException(f"用户名已存在 / username taken: {username}")
        ids = communities_by_code(list(communities))
        missing = [c for c in communities if c not in ids]
        if missing:
            raise click.ClickException(f"没有这些社区 / no such communities: {', '.join(missing)}")
        grants = [{"role": role, "community_id": ids[c]} for c in communities] or [{"role": role}]
        try:
            create_user(username, password, grants)
        except GrantError as exc:
            raise click.ClickException(f"{exc.field}: {exc.message}") from exc
        db.session.commit()
    click.echo(f"已创建用户 / created user {username} in {tenant_slug}")


@main.group("operators")
def operators_group():
    """平台管理员 / Platform operators."""


@operators_group.command("create")
@click.option("--username", required=True)
@click.option("--password", required=True)
@with_appcontext
def operators_create(username, password):
    """新建平台管理员 / Create a platform operator (platform_admin)."""
    from .auth.models import PlatformOperator
    from .auth.passwords import hash_password

    if db.session.scalar(select(PlatformOperator.id).where(PlatformOperator.username == username)):
        raise click.ClickException(f"用户名已存在 / username taken: {username}")
    db.session.add(PlatformOperator(username=username, password_hash=hash_password(password)))
    db.session.commit()
    click.echo(f"已创建平台管理员 / created operator {username}")


# --- plugins ---------------------------------------------------------------------------------------


@main.group("plugins")
def plugins_group():
    """插件 / Plugins."""


@plugins_group.command("list")
@with_appcontext
def plugins_list():
    """已安装的插件及启用情况 / Installed plugins, and the tenants that enabled them."""
    from flask import current_app
    from sqlalchemy.exc import OperationalError, ProgrammingError

    from .host.enablement import CommunityPlugin, TenantPlugin
    from .host.hookspecs import HOOK_API_VERSION
    from .tenancy import Tenant, tenant_context

    host = current_app.extensions["wuye_plugins"]
    try:
        tenants = db.session.execute(select(Tenant.id, Tenant.slug).order_by(Tenant.slug)).all()
    except (OperationalError, ProgrammingError):
        db.session.rollback()
        click.echo("（数据库尚未迁移 / the database is not migrated yet: run `wuye db upgrade`）", err=True)
        tenants = []
    enabled: dict[str, list[str]] = {}
    for tenant_id, slug in tenants:
        with tenant_context(tenant_id):
            on = set(db.session.scalars(select(TenantPlugin.plugin).where(TenantPlugin.enabled.is_(True))))
            communities = db.session.execute(select(CommunityPlugin.plugin, db.func.count()).where(
                CommunityPlugin.enabled.is_(True)).group_by(CommunityPlugin.plugin)).all()
            per_plugin = dict(communities)
            for name in on:
                enabled.setdefault(name, []).append(f"{slug} ({per_plugin.get(name, 0)} 个社区 communities)")
    click.echo(f"wuye 插件接口 / hook API {HOOK_API_VERSION}")
    if not host.plugins:
        click.echo("（未安装插件 / no plugins installed）")
    for name, plugin in sorted(host.plugins.items()):
        info = plugin.info
        click.echo(f"{name}  {info.version}  API {info.api_version}  {info.title_zh} / {info.title_en}"
                   f"  [{plugin.distribution or '-'}]")
        click.echo(f"    启用 / enabled: {', '.join(enabled.get(name, [])) or '-'}")
    for failure in host.failures:
        click.echo(f"{failure.entry_point}  加载失败 / FAILED  [{failure.distribution or '-'}]: {failure.error}")


@main.group("plugin")
def plugin_group():
    """插件开发 / Plugin development."""


@plugin_group.command("new")
@click.argument("name")
@click.option("--dir", "directory", default=".", type=click.Path(file_okay=False), help="放在哪里 / where")
def plugin_new(name, directory):
    """生成一个可安装的插件包 / Scaffold an installable plugin package."""
    from pathlib import Path

    from .plugins.scaffold import render

    try:
        root = render(name, Path(directory))
    except (ValueError, FileExistsError) as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"已生成 / created {root}")
    click.echo(f"  cd {root} && pip install -e '.[test]' && wuye db upgrade && pytest")


@plugin_group.command("docs")
@click.option("--check", is_flag=True, help="只检查是否过期 / only check that docs/plugins.md is current")
def plugin_docs(check):
    """由 hookspecs.py 生成钩子参考 / Regenerate the hook reference in docs/plugins.md."""
    from .host import docs

    if check:
        missing = docs.undocumented_arguments()
        if missing:
            raise click.ClickException("hookspecs.py: arguments not named in their hook's docstring: "
                                       + ", ".join(f"{hook}({arg})" for hook, arg in missing))
        if docs.current_reference() != docs.render_reference():
            raise click.ClickException("docs/plugins.md is out of date: run `wuye plugin docs`")
        click.echo("ok")
        return
    click.echo("updated" if docs.update() else "unchanged")


# --- background jobs -------------------------------------------------------------------------------


@main.command("worker")
@click.option("--with-scheduler", is_flag=True, help="同时运行定时任务 / also run the periodic work and rq's scheduler")
@click.option("--burst", is_flag=True, help="做完队列里的任务就退出 / exit when the queue is empty")
@with_appcontext
def worker(with_scheduler, burst):
    """后台任务进程（rq）/ Run a background worker (rq) with the app's config."""
    from flask import current_app

    from .jobs import QUEUE, redis_connection
    from .jobs import worker as rq_worker
    from .jobs.schedule import start_cron_thread

    connection = redis_connection()
    if connection is None:
        raise click.ClickException("未设置 WUYE_REDIS_URL：任务在进程内运行，无需 worker / "
                                   "WUYE_REDIS_URL is not set: jobs run in-process, no worker needed")
    db.engine.dispose()  # work-horses are forked: never share pooled connections with them
    app = current_app._get_current_object()
    if with_scheduler:
        start_cron_thread(app, connection)
    rq_worker.run(app, connection, [QUEUE], with_scheduler=with_scheduler, burst=burst)


@main.group("jobs")
def jobs_group():
    """后台任务 / Background jobs."""


def _parked_deliveries(delivery_id: int | None = None) -> list[tuple]:
    """(tenant, delivery, event) of every parked delivery, tenant by tenant (each in its own
    context: the operator's command reads them the way the tenant's own jobs would)."""
    from .events.deliveries import PluginDelivery, parked_query
    from .tenancy import Tenant, tenant_context

    tenants = db.session.execute(select(Tenant.id, Tenant.slug).order_by(Tenant.id)).all()
    found = []
    for tenant_id, slug in tenants:
        with tenant_context(tenant_id):
            query = parked_query()
            if delivery_id is not None:
                query = query.where(PluginDelivery.id == delivery_id)
            found += [(tenant_id, slug, d, e) for d, e in db.session.execute(query)]
    return found


@jobs_group.command("failed")
@with_appcontext
def jobs_failed():
    """失败的任务与搁置的插件投递 / List failed jobs and parked plugin deliveries."""
    from rq.registry import FailedJobRegistry

    from .jobs import get_queue

    queue = get_queue()
    if queue is None:
        click.echo("（进程内模式，没有队列 / in-process mode: no queue）")
    else:
        registry = FailedJobRegistry(queue=queue)
        ids = registry.get_job_ids()
        click.echo(f"失败任务 / failed jobs: {len(ids)}")
        for job in queue.job_class.fetch_many(ids, connection=queue.connection):
            if job is None:
                continue
            last = (job.latest_result().exc_string or "").strip().splitlines()[-1:] if job.latest_result() else []
            click.echo(f"{job.id}  {job.func_name}  tenant={job.meta.get('tenant_id')}  "
                       f"{job.ended_at or ''}  {last[0] if last else ''}")
    parked = _parked_deliveries()
    click.echo(f"搁置的插件投递 / parked plugin deliveries: {len(parked)}")
    for tenant_id, slug, delivery, event in parked:
        error = (delivery.last_error or "").splitlines()[0] if delivery.last_error else ""
        click.echo(f"delivery={delivery.id}  tenant={slug} ({tenant_id})  event={event.name}#{event.id}  "
                   f"plugin={delivery.plugin}  attempts={delivery.attempts}  {error}")


@jobs_group.command("retry")
@click.argument("job_ids", nargs=-1)
@click.option("--delivery", "delivery_ids", type=int, multiple=True,
              help="重试搁置的插件投递（编号见 `wuye jobs failed`）/ retry a parked plugin delivery")
@click.option("--all", "retry_all", is_flag=True, help="重试全部失败任务和搁置的投递 / retry every failed job "
                                                      "and parked delivery")
@with_appcontext
def jobs_retry(job_ids, delivery_ids, retry_all):
    """重试失败的任务 / Put failed jobs (and parked plugin deliveries) back on the queue."""
    from rq.registry import FailedJobRegistry

    from .events.relay import retry_parked
    from .jobs import get_queue
    from .tenancy import tenant_context

    queue = get_queue()
    if job_ids and queue is None:
        raise click.ClickException("in-process mode: no queue")
    if queue is not None and (job_ids or retry_all):
        registry = FailedJobRegistry(queue=queue)
        ids = registry.get_job_ids() if retry_all else list(job_ids)
        for job_id in ids:
            registry.requeue(job_id)
        click.echo(f"已重试 / requeued {len(ids)}")
    if retry_all:
        parked = _parked_deliveries()
    else:
        parked = [found for delivery_id in delivery_ids for found in _parked_deliveries(delivery_id)]
        missing = set(delivery_ids) - {delivery.id for _, _, delivery, _ in parked}
        if missing:
            raise click.ClickException(f"没有这个搁置的投递 / no parked delivery {', '.join(map(str, sorted(missing)))}")
    for tenant_id, _slug, delivery, _event in parked:
        with tenant_context(tenant_id):
            retry_parked(delivery.id)
    if delivery_ids or retry_all:
        click.echo(f"已重试投递 / deliveries retried: {len(parked)}")


# --- encryption keys ---------------------------------------------------------------------------


@main.group("keys")
def keys_group():
    """加密密钥 / Encryption keys."""


@keys_group.command("rotate")
@with_appcontext
def keys_rotate():
    """用最新密钥重新加密全部加密字段 / Re-encrypt every encrypted field with the newest key.

    Put the new key first in WUYE_ENCRYPTION_KEYS (keep the old ones after it), run this,
    then remove the old keys.
    """
    from .tenancy.key_rotation import rotate_all_keys

    count = rotate_all_keys()
    click.echo(f"已重新加密 {count} 个值 / re-encrypted {count} values")


# --- demo and serve ----------------------------------------------------------------------------


@main.command("demo")
@click.option("--json", "as_json", is_flag=True, help="只输出 JSON 格式的登录信息 / print logins as JSON only")
@with_appcontext
def demo(as_json):
    """载入演示数据（可重复执行）/ Load demo data (idempotent)."""
    from .demo import load_demo

    with unit_of_work():  # load_demo commits each tenant's part; this, whatever is left
        logins = load_demo()
    if as_json:
        click.echo(json.dumps(logins, ensure_ascii=False))
        return
    click.echo("演示数据已就绪 / demo data ready. 登录 / logins:")
    for tenant in logins["tenants"]:
        click.echo(f"  {tenant['name']} (tenant: {tenant['slug']})")
        for user in tenant["users"]:
            click.echo(f"    {user['username']:<12} {user['password']:<20} {user['role']}")
    op = logins["operator"]
    click.echo(f"  平台管理员 / platform operator: {op['username']} / {op['password']} (no tenant)")


@main.command("serve")
@click.option("--host", default="127.0.0.1")
@click.option("--port", default=8000, type=int)
def serve(host, port):
    """开发服务器 / Development server (use gunicorn in production)."""
    app = _create_app()
    if not app.config["WUYE"].redis_url:  # the embedded default: periodic work in this process
        from .jobs.schedule import start_embedded_thread

        start_embedded_thread(app)
    click.echo(f"wuye: http://{host}:{port}/api/v1/docs", err=True)
    from werkzeug.serving import run_simple  # app.run() refuses to run under the flask CLI

    run_simple(host, port, app, threaded=True, use_reloader=False, use_debugger=False)


def register_commands(app) -> None:
    """`flask --app wsgi …` gets the same commands as `wuye`."""
    for name, command in main.commands.items():
        if name not in app.cli.commands:
            app.cli.add_command(command, name)
    app.cli.add_command(db_group, "db")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
