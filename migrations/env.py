"""Alembic environment: runs as the table owner, then grants the app's role what it needs.

The app connects with WUYE_DATABASE_URL as a role that owns nothing (so PostgreSQL row-level
security applies to it); migrations connect with WUYE_MIGRATE_DATABASE_URL, the owner.
"""

import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app
from sqlalchemy import create_engine, make_url, text

config = context.config
if config.config_file_name and not logging.getLogger().handlers:
    fileConfig(config.config_file_name)
log = logging.getLogger("alembic.env")

settings = current_app.config["WUYE"]
db = current_app.extensions["migrate"].db
target_metadata = db.metadata


def _owner_engine():
    if settings.migrate_database_url:
        return create_engine(settings.sqlalchemy_url(settings.migrate_database_url))
    return db.engine


def run_migrations_offline():
    context.configure(url=settings.sqlalchemy_url(settings.migrate_database_url or settings.database_url),
                      target_metadata=target_metadata, literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    engine = _owner_engine()
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copying
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
            if connection.dialect.name == "postgresql":
                _grant_app_role(connection)


def _grant_app_role(connection):
    from wuye_core.tenancy.rls import grant_app_role

    app_user = make_url(settings.sqlalchemy_url()).username
    owner = connection.execute(text("select current_user")).scalar()
    if app_user and app_user != owner:
        grant_app_role(connection, app_user)
        log.info("granted table privileges to the app role %s", app_user)


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
