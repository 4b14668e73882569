"""Alembic environment: runs as the table owner, then grants the app's role what it needs.

The app connects with WUYE_DATABASE_URL as a role that owns nothing (so PostgreSQL row-level
security applies to it); migrations connect with WUYE_MIGRATE_DATABASE_URL, the owner.
"""

import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app
from sqlalchemy import String, TypeDecorator, create_engine, make_url, text

config = context.config
if config.config_file_name and not logging.getLogger().handlers:
    fileConfig(config.config_file_name)
log = logging.getLogger("alembic.env")

settings = current_app.config["WUYE"]
db = current_app.extensions["migrate"].db
target_metadata = db.metadata


# `wuye db revision` compares only the tables of the branch it writes on (migration_branches.py).
_include_table = config.attributes.get("wuye_include_table")


def _include_object(obj, name, type_, reflected, compare_to):
    if _include_table is None:
        return True
    table = name if type_ == "table" else getattr(getattr(obj, "table", None), "name", None)
    return table is None or _include_table(table)


def _compare_type(_context, _inspected_column, _metadata_column, inspected_type, metadata_type):
    """An unbounded VARCHAR is TEXT on PostgreSQL and on SQLite: an `EncryptedString()` (a String
    without length) over a column a migration made `sa.Text()` is no change. Otherwise Alembic's
    own comparison (None)."""
    declared = getattr(metadata_type, "impl_instance", metadata_type)  # a TypeDecorator's storage type
    if isinstance(declared, String) and isinstance(inspected_type, String) \
            and declared.length is None and inspected_type.length is None:
        return False
    return None


def _render_item(kind, obj, autogen_context):
    """Write the core's column types (EncryptedString, UTCDateTime: TypeDecorators) as the plain
    types they store, `sa.String(length=255)`, `sa.DateTime(timezone=True)`: a revision must not
    import the core's private modules, and the database holds just that (ciphertext, a time)."""
    if kind == "type" and isinstance(obj, TypeDecorator) and type(obj).__module__.startswith("wuye_core."):
        autogen_context.imports.add("import sqlalchemy as sa")
        return f"sa.{obj.impl_instance!r}"
    return False


def _owner_engine():
    if settings.migrate_database_url:
        from wuye_core.app import make_sqlite_folder_on_connect

        engine = create_engine(settings.sqlalchemy_url(settings.migrate_database_url))
        make_sqlite_folder_on_connect(engine)
        return engine
    return db.engine


def run_migrations_offline():
    context.configure(url=settings.sqlalchemy_url(settings.migrate_database_url or settings.database_url),
                      target_metadata=target_metadata, literal_binds=True, render_as_batch=True,
                      include_object=_include_object)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    engine = _owner_engine()
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copying
            compare_type=_compare_type,
            include_object=_include_object,
            render_item=_render_item,
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
