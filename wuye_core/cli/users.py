"""`wuye users` (a tenant's staff) and `wuye operators` (the platform's administrators)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from ..events.edge import unit_of_work


@click.group("users")
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
    from ..staff.service import create_user, grants_by_code
    from ..tenancy import tenant_context
    from ..tenants.service import tenant_by_slug

    tenant = tenant_by_slug(tenant_slug)
    with tenant_context(tenant.id), unit_of_work():  # the tenant's own session: commit inside it
        create_user(username, password, grants_by_code(role, list(communities)))
    click.echo(f"已创建用户 / created user {username} in {tenant_slug}")


@click.group("operators")
def operators_group():
    """平台管理员 / Platform operators."""


@operators_group.command("create")
@click.option("--username", required=True)
@click.option("--password", required=True)
@with_appcontext
def operators_create(username, password):
    """新建平台管理员 / Create a platform operator (platform_admin)."""
    from ..staff.service import create_operator

    with unit_of_work():
        create_operator(username, password)
    click.echo(f"已创建平台管理员 / created operator {username}")
