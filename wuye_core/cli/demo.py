"""`wuye demo`: load the demo tenants, their data and their logins (idempotent)."""

from __future__ import annotations

import json

import click
from flask import current_app
from flask.cli import with_appcontext

from ..events.edge import unit_of_work


@click.command("demo")
@click.option("--json", "as_json", is_flag=True, help="只输出 JSON 格式的登录信息 / print logins as JSON only")
@with_appcontext
def demo(as_json):
    """载入演示数据（可重复执行）/ Load demo data (idempotent)."""
    from ..demo import load_demo

    if current_app.config["WUYE"].env == "production":  # its logins and passwords are in the README
        raise click.ClickException(
            "生产环境（WUYE_ENV=production）不能载入演示数据：演示账号的密码是公开的 / "
            "demo data cannot be loaded in production (WUYE_ENV=production): its passwords are public"
        )
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
        for resident in tenant.get("residents", []):
            click.echo(f"    居民 / resident {resident['name']} {resident['phone']} "
                       f"(wuye residents code --tenant {tenant['slug']} --phone {resident['phone']}) "
                       f"{resident['h5_path']}")
    for link in logins.get("service_links", []):
        click.echo(f"  服务关系 / service link {link['id']}: {link['provider']} (小区 / site {link['provider_site_id']}) "
                   f"→ {link['client']} (小区 / site {link['client_site_id']})")
    for handoff in logins.get("handoffs", []):
        click.echo(f"  转办 / hand-off {handoff['id']}: {handoff['from']} #{handoff['from_ticket_id']} → {handoff['to']} "
                   f"#{handoff['to_ticket_id'] or '-'} ({handoff['state']})")
    op = logins["operator"]
    click.echo(f"  平台管理员 / platform operator: {op['username']} / {op['password']} (no tenant)")
