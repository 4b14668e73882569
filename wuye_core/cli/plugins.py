"""`wuye plugins list` (what is installed, and who enabled it) and `wuye plugin` (development:
scaffold a plugin, regenerate the hook reference)."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from ..events.edge import unit_of_work


@click.group("plugins")
def plugins_group():
    """插件 / Plugins."""


@plugins_group.command("list")
@with_appcontext
def plugins_list():
    """已安装的插件及启用情况 / Installed plugins, and the tenants that enabled them."""
    from sqlalchemy.exc import OperationalError, ProgrammingError

    from ..host.enablement import enabled_in_every_tenant
    from ..host.hookspecs import HOOK_API_VERSION

    host = current_app.extensions["wuye_plugins"]
    try:
        with unit_of_work():
            enabled = enabled_in_every_tenant()
    except (OperationalError, ProgrammingError):  # the installed plugins are listed all the same
        click.echo("（数据库尚未迁移 / the database is not migrated yet: run `wuye db upgrade`）", err=True)
        enabled = {}
    click.echo(f"wuye 插件接口 / hook API {HOOK_API_VERSION}")
    if not host.plugins:
        click.echo("（未安装插件 / no plugins installed）")
    for name, plugin in sorted(host.plugins.items()):
        info = plugin.info
        tenants = [f"{slug} ({count} 个社区 communities)" for slug, count in enabled.get(name, [])]
        click.echo(f"{name}  {info.version}  API {info.api_version}  {info.title_zh} / {info.title_en}"
                   f"  [{plugin.distribution or '-'}]")
        click.echo(f"    启用 / enabled: {', '.join(tenants) or '-'}")
    for failure in host.failures:
        click.echo(f"{failure.entry_point}  加载失败 / FAILED  [{failure.distribution or '-'}]: {failure.error}")


@click.group("plugin")
def plugin_group():
    """插件开发 / Plugin development."""


@plugin_group.command("new")
@click.argument("name")
@click.option("--dir", "directory", default=".", type=click.Path(file_okay=False), help="放在哪里 / where")
def plugin_new(name, directory):
    """生成一个可安装的插件包 / Scaffold an installable plugin package."""
    from ..plugins.scaffold import render

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
    from ..host import docs

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
