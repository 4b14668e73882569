"""The `wuye` command (also reachable as `flask --app wsgi …`).

Each module holds one feature's commands; a command parses its arguments, calls the feature's
services in one unit of work (events/edge.py) and prints. This module builds `main` from the
groups and commands the modules expose, explicitly (nothing is added to `main` on import), and
makes every one of them answer a service's DomainError the same way (errors.py).

    db.py       db upgrade / current / revision
    audit.py    audit list / purge
    tenants.py  tenants create / plan / apply / show / export / schema
    users.py    users create, operators create
    residents.py residents code (the support desk's sign-in code)
    plugins.py  plugins list, plugin new / docs
    jobs.py     worker, jobs failed / retry
    keys.py     keys rotate
    demo.py     demo
    serve.py    serve
    (imports/cli.py: import households — the imports feature's own group)
"""

from __future__ import annotations

import click
from flask.cli import FlaskGroup

from ..imports.cli import import_group
from .audit import audit_group
from .db import db_group
from .demo import demo
from .errors import speak_domain_errors
from .jobs import jobs_group, worker
from .keys import keys_group
from .plugins import plugin_group, plugins_group
from .residents import residents_group
from .serve import serve
from .tenants import tenants_group
from .users import operators_group, users_group


def _create_app():
    from ..app import create_app
    from ..config import ConfigError

    try:
        return create_app()
    except ConfigError as exc:  # the settings' own message, 中文 / English, without a traceback
        raise click.ClickException(str(exc)) from exc


class WuyeGroup(FlaskGroup):
    """Flask's CLI, with our `db` group in place of Flask-Migrate's plain one."""

    def _load_plugin_commands(self):
        super()._load_plugin_commands()
        self.add_command(db_group, "db")


@click.group(cls=WuyeGroup, create_app=_create_app, add_version_option=False)
def main():
    """wuye 物业服务平台 — 命令行 / command line."""


for _command in (tenants_group, import_group, users_group, operators_group, plugins_group, plugin_group,
                 worker, jobs_group, keys_group, demo, serve, audit_group, residents_group):
    main.add_command(speak_domain_errors(_command))
speak_domain_errors(db_group)


def register_commands(app) -> None:
    """`flask --app wsgi …` gets the same commands as `wuye`."""
    for name, command in main.commands.items():
        if name not in app.cli.commands:
            app.cli.add_command(command, name)
    app.cli.add_command(db_group, "db")
    for plugin in app.extensions["wuye_plugins"].plugins.values():  # `wuye <plugin> <command>`
        if plugin.cli_commands:
            group = click.Group(plugin.name, commands=plugin.cli_commands,
                                help=f"{plugin.info.title_zh} / {plugin.info.title_en}")
            app.cli.add_command(speak_domain_errors(group))
