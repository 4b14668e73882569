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
    """Give the app's (non-owner) role what it needs on everything the migrations made."""
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
