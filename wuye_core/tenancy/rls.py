"""PostgreSQL row-level security for tenant tables: the second wall behind ORM scoping.

Migrations call `enable_tenant_rls("table")` for every table with a `tenant_id` column
(plugins too). The policy compares with `app.tenant_id`, which the session sets per
transaction; unset, `nullif(…, '')` yields NULL and the policy matches no row (fail closed).
FORCE makes the policy apply to the table owner as well.
"""

from __future__ import annotations

POLICY = "tenant_isolation"
# The transaction's tenant, as SQL; the ORM scoping (scoping.py) compares with the very same text.
CURRENT_TENANT_SQL = "nullif(current_setting('app.tenant_id', true), '')::integer"
TENANT_PREDICATE = f"tenant_id = {CURRENT_TENANT_SQL}"


def rls_statements(table: str) -> list[str]:
    return [
        f'ALTER TABLE "{table}" ENABLE ROW LEVEL SECURITY',
        f'ALTER TABLE "{table}" FORCE ROW LEVEL SECURITY',
        f'DROP POLICY IF EXISTS {POLICY} ON "{table}"',
        f'CREATE POLICY {POLICY} ON "{table}" USING ({TENANT_PREDICATE}) WITH CHECK ({TENANT_PREDICATE})',
    ]


def enable_tenant_rls(table: str) -> None:
    """For use inside an Alembic migration. A no-op on SQLite."""
    from alembic import op

    if op.get_bind().dialect.name != "postgresql":
        return
    for statement in rls_statements(table):
        op.execute(statement)


def disable_tenant_rls(table: str) -> None:
    from alembic import op

    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f'DROP POLICY IF EXISTS {POLICY} ON "{table}"')
    op.execute(f'ALTER TABLE "{table}" NO FORCE ROW LEVEL SECURITY')
    op.execute(f'ALTER TABLE "{table}" DISABLE ROW LEVEL SECURITY')


def grant_app_role(connection, role: str) -> None:
    """Give the app's (non-owner) role what it needs on everything the migrations made: all four
    privileges on every table, but SELECT and INSERT only on the append-only ones."""
    from sqlalchemy import text

    quoted = '"' + role.replace('"', '""') + '"'
    for statement in (
        f"GRANT USAGE ON SCHEMA public TO {quoted}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {quoted}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {quoted}",
        f"REVOKE ALL ON TABLE alembic_version FROM {quoted}",
        f"GRANT SELECT ON TABLE alembic_version TO {quoted}",
    ):
        connection.execute(text(statement))
    # append-only tables (see below): read and add, never change, delete or empty
    for table in append_only_tables(connection):
        connection.execute(text(f'REVOKE UPDATE, DELETE, TRUNCATE ON TABLE "{table}" FROM {quoted}'))
    for function in connection.execute(text(
            "select p.oid::regprocedure::text from pg_proc p join pg_namespace n on n.oid = p.pronamespace "
            "where n.nspname = 'public' and p.proname like 'wuye\\_purge\\_%' and p.prosecdef")).scalars():
        connection.execute(text(f"GRANT EXECUTE ON FUNCTION {function} TO {quoted}"))


# --- append-only tables ----------------------------------------------------------------------------
#
# A table declared append-only (`append_only(...)` in the migration that makes it, or a later one)
# keeps its rows: the database itself refuses to change them, whoever asks.
#
# - PostgreSQL: a trigger refuses UPDATE and DELETE of any row, and TRUNCATE, for every role,
#   the table's owner included (only a superuser or the owner, deliberately disabling the trigger,
#   gets past it). `grant_app_role` grants the app's role SELECT and INSERT only on these tables
#   (the trigger is the registry it reads: no list to keep in step), so the app cannot even try.
# - With a retention (`retention_years`), rows older than it may be deleted, and only those: the
#   trigger lets a DELETE through for a row whose time column is older than now() minus the
#   retention, nothing else. The app's role, which has no DELETE on the table, deletes them by
#   calling `wuye_purge_<table>(cutoff)`, a SECURITY DEFINER function owned by the owner that
#   deletes `WHERE <time column> < least(cutoff, now() - retention)`. Why a function rather than
#   purging as the owner (WUYE_MIGRATE_DATABASE_URL): the purge is a periodic job or command of the
#   running app, which has only the app's URL; the function is a path that can delete nothing
#   the retention still keeps (the trigger checks again), so handing it to the app's role grants
#   no more than the retention allows. Row-level security still applies inside it (FORCEd for the
#   owner too): it deletes the current tenant's old rows, as the caller's transaction sets them.
# - SQLite (one file, no roles): triggers refuse UPDATE, and DELETE of rows inside the retention
#   (every DELETE without one). `purge_expired` deletes with a plain statement there.

APPEND_ONLY_TRIGGER = "wuye_append_only"
APPEND_ONLY_TRUNCATE_TRIGGER = "wuye_append_only_truncate"
_GUARD_FUNCTION = "wuye_append_only_guard"

_PG_GUARD = f"""
CREATE OR REPLACE FUNCTION {_GUARD_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    years integer := nullif(TG_ARGV[0], '')::integer;  -- the retention; NULL: kept for ever
    time_column text := TG_ARGV[1];
BEGIN
    IF TG_OP = 'DELETE' AND years IS NOT NULL
            AND (to_jsonb(OLD) ->> time_column)::timestamptz < now() - make_interval(years => years) THEN
        RETURN OLD;  -- older than the retention: the purge may delete it
    END IF;
    RAISE EXCEPTION 'append-only table %: % refused (rows are only ever inserted)', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege',
              HINT = CASE WHEN years IS NULL THEN 'kept for ever'
                          ELSE format('rows older than %s years may be purged', years) END;
END
$$
"""


def _purge_function(table: str) -> str:
    return f"wuye_purge_{table}"[:63]


def _sqlite_triggers(table: str, retention_years: int | None, time_column: str) -> list[str]:
    kept = "1" if retention_years is None else \
        f"coalesce(julianday(OLD.\"{time_column}\") >= julianday('now', '-{int(retention_years)} years'), 1)"
    return [
        f'CREATE TRIGGER "{APPEND_ONLY_TRIGGER}_{table}_update" BEFORE UPDATE ON "{table}" '
        f"BEGIN SELECT RAISE(ABORT, 'append-only table {table}: UPDATE refused'); END",
        f'CREATE TRIGGER "{APPEND_ONLY_TRIGGER}_{table}_delete" BEFORE DELETE ON "{table}" WHEN {kept} '
        f"BEGIN SELECT RAISE(ABORT, 'append-only table {table}: DELETE refused'); END",
    ]


def append_only_statements(table: str, retention_years: int | None = None, time_column: str = "at",
                           dialect: str = "postgresql") -> list[str]:
    """The SQL that makes `table` append-only (see above). `retention_years`: rows older than this
    may be purged (None: never deleted)."""
    if retention_years is not None and int(retention_years) < 1:
        raise ValueError("retention_years: at least 1")
    if dialect == "sqlite":
        return _sqlite_triggers(table, retention_years, time_column)
    years = "" if retention_years is None else str(int(retention_years))
    statements = [
        _PG_GUARD,
        f'DROP TRIGGER IF EXISTS {APPEND_ONLY_TRIGGER} ON "{table}"',
        f'CREATE TRIGGER {APPEND_ONLY_TRIGGER} BEFORE UPDATE OR DELETE ON "{table}" '
        f"FOR EACH ROW EXECUTE FUNCTION {_GUARD_FUNCTION}('{years}', '{time_column}')",
        f'DROP TRIGGER IF EXISTS {APPEND_ONLY_TRUNCATE_TRIGGER} ON "{table}"',
        f'CREATE TRIGGER {APPEND_ONLY_TRUNCATE_TRIGGER} BEFORE TRUNCATE ON "{table}" '
        f"FOR EACH STATEMENT EXECUTE FUNCTION {_GUARD_FUNCTION}('', '{time_column}')",
    ]
    if retention_years is not None:
        statements.append(f"""
CREATE OR REPLACE FUNCTION {_purge_function(table)}(cutoff timestamptz) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
    deleted bigint;
BEGIN
    DELETE FROM "{table}" WHERE "{time_column}" < least(cutoff, now() - make_interval(years => {int(retention_years)}));
    GET DIAGNOSTICS deleted = ROW_COUNT;
    RETURN deleted;
END
$$""")
        # only the app's role may call it (grant_app_role), not every role of the server
        statements.append(f"REVOKE ALL ON FUNCTION {_purge_function(table)}(timestamptz) FROM PUBLIC")
    return statements


def append_only(table: str, retention_years: int | None = None, time_column: str = "at") -> None:
    """For use inside an Alembic migration (after the table exists): rows of `table` are only
    ever inserted; with `retention_years`, rows whose `time_column` is older may be purged
    (`purge_expired`). PostgreSQL and SQLite alike."""
    from alembic import op

    dialect = op.get_bind().dialect.name
    for statement in append_only_statements(table, retention_years, time_column, dialect):
        op.execute(statement)


def drop_append_only(table: str) -> None:
    """The reverse of `append_only`, for a migration's downgrade."""
    from alembic import op

    if op.get_bind().dialect.name == "sqlite":
        for kind in ("update", "delete"):
            op.execute(f'DROP TRIGGER IF EXISTS "{APPEND_ONLY_TRIGGER}_{table}_{kind}"')
        return
    op.execute(f'DROP TRIGGER IF EXISTS {APPEND_ONLY_TRIGGER} ON "{table}"')
    op.execute(f'DROP TRIGGER IF EXISTS {APPEND_ONLY_TRUNCATE_TRIGGER} ON "{table}"')
    op.execute(f"DROP FUNCTION IF EXISTS {_purge_function(table)}(timestamptz)")


def append_only_tables(connection) -> list[str]:
    """The tables the database holds as append-only (PostgreSQL: those with the trigger)."""
    from sqlalchemy import text

    if connection.dialect.name == "sqlite":
        rows = connection.execute(text(
            "select tbl_name from sqlite_master where type = 'trigger' and name glob :p"),
            {"p": f"{APPEND_ONLY_TRIGGER}_*_update"}).scalars()
        return sorted(set(rows))
    return sorted(connection.execute(text(
        "select c.relname from pg_trigger t join pg_class c on c.oid = t.tgrelid "
        "join pg_namespace n on n.oid = c.relnamespace "
        "where t.tgname = :name and n.nspname = 'public'"), {"name": APPEND_ONLY_TRIGGER}).scalars())


def _years_ago(years: int):
    """now() - N years, as PostgreSQL and SQLite count it (29 February → 1 March)."""
    from datetime import UTC, datetime, timedelta

    now = datetime.now(UTC)
    try:
        return now.replace(year=now.year - years)
    except ValueError:  # 29 February
        return now.replace(year=now.year - years, day=28) + timedelta(days=1)


def purge_expired(session_or_connection, table: str, cutoff, time_column: str = "at") -> int:
    """Delete the rows of the append-only `table` older than `cutoff` — never younger than its
    retention, which the database enforces — in the current tenant (row-level security) and
    the caller's transaction. Returns how many rows went."""
    from sqlalchemy import text

    bind = session_or_connection
    dialect = bind.get_bind().dialect.name if hasattr(bind, "get_bind") else bind.dialect.name
    if dialect == "postgresql":
        return int(bind.execute(text(f"select {_purge_function(table)}(:cutoff)"), {"cutoff": cutoff}).scalar() or 0)
    import re
    from datetime import UTC, timedelta

    # as on PostgreSQL, never younger than the retention (which the delete trigger states)
    trigger = bind.execute(text("select sql from sqlite_master where type = 'trigger' and name = :n"),
                           {"n": f"{APPEND_ONLY_TRIGGER}_{table}_delete"}).scalar()
    years = re.search(r"'-(\d+) years'", trigger or "")
    if years is None:
        raise ValueError(f"{table} is not an append-only table with a retention")
    cutoff = cutoff.astimezone(UTC) if cutoff.tzinfo is not None else cutoff.replace(tzinfo=UTC)
    cutoff = min(cutoff, _years_ago(int(years.group(1))) - timedelta(seconds=1))
    result = bind.execute(text(f'DELETE FROM "{table}" WHERE julianday("{time_column}") < julianday(:cutoff)'),
                          {"cutoff": cutoff.strftime("%Y-%m-%d %H:%M:%S.%f")})
    return result.rowcount or 0


def without_append_only_guards(connection, statements) -> None:
    """Run `statements` (callables taking the connection) with the append-only triggers set aside,
    in the connection's transaction, then put them back: for the table owner emptying a test
    database (wuye_core.testing). Never for the app (its role may not alter the tables anyway)."""
    from sqlalchemy import text

    if connection.dialect.name == "sqlite":
        triggers = connection.execute(text(
            "select name, sql from sqlite_master where type = 'trigger' and name glob :p"),
            {"p": f"{APPEND_ONLY_TRIGGER}_*"}).all()
        for name, _sql in triggers:
            connection.execute(text(f'DROP TRIGGER "{name}"'))
        for statement in statements:
            statement(connection)
        for _name, sql in triggers:
            connection.execute(text(sql))
        return
    tables = append_only_tables(connection)
    for table in tables:
        for trigger in (APPEND_ONLY_TRIGGER, APPEND_ONLY_TRUNCATE_TRIGGER):
            connection.execute(text(f'ALTER TABLE "{table}" DISABLE TRIGGER {trigger}'))
    for statement in statements:
        statement(connection)
    for table in tables:
        for trigger in (APPEND_ONLY_TRIGGER, APPEND_ONLY_TRUNCATE_TRIGGER):
            connection.execute(text(f'ALTER TABLE "{table}" ENABLE TRIGGER {trigger}'))
