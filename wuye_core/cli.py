"""The `wuye` command (also reachable as `flask --app wsgi …`)."""

from __future__ import annotations

import json
import sys

import click
from flask.cli import FlaskGroup, with_appcontext
from sqlalchemy import select

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
@click.option("--autogenerate/--empty", default=True)
@with_appcontext
def db_revision(message, autogenerate):
    """（开发者）新建迁移 / (developers) Create a migration."""
    from flask_migrate import migrate as make_migration
    from flask_migrate import revision

    (make_migration if autogenerate else revision)(message=message)


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
    from .tenancy.service import create_tenant

    if db.session.scalar(select(Tenant.id).where(Tenant.slug == slug)):
        raise click.ClickException(f"租户已存在 / tenant exists: {slug}")
    tenant = create_tenant(slug, name, kind)
    click.echo(f"已创建租户 / created tenant {tenant.slug} (id {tenant.id})")


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
    from .auth.service import GrantError, communities_by_code, create_user
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
    from .common.key_rotation import rotate_all_keys

    count = rotate_all_keys()
    click.echo(f"已重新加密 {count} 个值 / re-encrypted {count} values")


# --- demo and serve ----------------------------------------------------------------------------


@main.command("demo")
@click.option("--json", "as_json", is_flag=True, help="只输出 JSON 格式的登录信息 / print logins as JSON only")
@with_appcontext
def demo(as_json):
    """载入演示数据（可重复执行）/ Load demo data (idempotent)."""
    from .demo import load_demo

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
    click.echo(f"wuye: http://{host}:{port}/api/v1/docs", err=True)
    app.run(host=host, port=port, debug=False, use_reloader=False)


def register_commands(app) -> None:
    """`flask --app wsgi …` gets the same commands as `wuye`."""
    for name, command in main.commands.items():
        if name not in app.cli.commands:
            app.cli.add_command(command, name)
    app.cli.add_command(db_group, "db")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
