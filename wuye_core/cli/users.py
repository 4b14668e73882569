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
@click.option("--role", required=True,
              help="tenant_admin、community_staff、readonly、worker（维修工）或已安装插件的角色 / tenant_admin, "
                   "community_staff, readonly, worker (repair worker) or a role of an installed plugin")
@click.option("--community", "communities", multiple=True, help="社区编码，可重复 / community code, repeatable")
@click.option("--team", default=None, help="班组，如 水电班（维修工看到派给本班组的工单）/ team, e.g. 水电班 "
                                          "(a worker sees the tickets dispatched to it)")
@with_appcontext
def users_create(tenant_slug, username, password, role, communities, team):
    """新建工作人员 / Create a staff user."""
    from ..staff.service import create_user, grants_by_code
    from ..tenancy import tenant_context
    from ..tenants.service import tenant_by_slug

    tenant = tenant_by_slug(tenant_slug)
    with tenant_context(tenant.id), unit_of_work():  # the tenant's own session: commit inside it
        create_user(username, password, grants_by_code(role, list(communities)),
                    team=(team or "").strip() or None)
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


@users_group.command("reset-password")
@click.option("--tenant", "tenant_slug", required=True)
@click.option("--username", required=True)
@click.option("--password", required=True, help="临时密码，用户登录后须修改 / temporary: to be changed at next login")
@with_appcontext
def users_reset_password(tenant_slug, username, password):
    """重置工作人员密码（临时密码）/ Reset a staff user's password (temporary, audited, the user is notified)."""
    from sqlalchemy import select

    from ..auth.models import StaffUser
    from ..errors import NotFound
    from ..extensions import db
    from ..i18n import N_
    from ..staff.service import reset_password
    from ..tenancy import tenant_context
    from ..tenants.service import tenant_by_slug

    tenant = tenant_by_slug(tenant_slug)
    with tenant_context(tenant.id), unit_of_work():
        user = db.session.scalar(select(StaffUser).where(StaffUser.username == username))
        if user is None:
            raise NotFound(N_("No such user: %(username)s", username=username))
        reset_password(user, password, None)
    click.echo(f"已重置密码，用户下次登录须修改 / password reset for {username} in {tenant_slug}: "
               "to be changed at next login")


@operators_group.command("set-password")
@click.option("--username", required=True)
@click.option("--password", required=True)
@with_appcontext
def operators_set_password(username, password):
    """设置平台管理员密码（如忘记密码）/ Set a platform operator's password (e.g. forgotten); ends their tokens."""
    from sqlalchemy import select

    from ..audit import record
    from ..auth.models import PlatformOperator
    from ..errors import NotFound
    from ..extensions import db
    from ..i18n import N_
    from ..staff.service import check_password, set_password

    with unit_of_work():
        operator = db.session.scalar(select(PlatformOperator).where(PlatformOperator.username == username))
        if operator is None:
            raise NotFound(N_("No such user: %(username)s", username=username))
        check_password(password, operator.username)
        set_password(operator, password)
        record("user.password_reset", target_type="operator", target_id=operator.id,
               details={"username": operator.username})
    click.echo(f"已设置平台管理员密码 / password set for operator {username}")
