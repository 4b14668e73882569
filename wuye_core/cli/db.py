"""`wuye db`: migrations (in place of Flask-Migrate's plain `db` group)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext


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

    from ..migration_branches import branch_for

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
