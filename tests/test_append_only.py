"""Append-only in the database (#15 item 2): the ticket history, the audit trail and the care
access log cannot be changed or deleted — by the app's role (no privilege), nor by the tables'
owner (a trigger) — except rows older than the retention, through the one purge path.

Real SQL, on connections of their own: as the app's role (a non-owner, exactly as in
production) and as the owner. PostgreSQL for the roles; the triggers on SQLite too."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError

from wuye_core.tenancy.rls import append_only_tables

APPEND_ONLY = ["audit_events", "care_visits_access_log", "disclosure_files", "disclosure_version_files",
               "disclosure_versions", "fees_allocations", "fees_payments", "fees_statement_versions",
               "handoff_steps", "notice_households", "notice_reads", "platform_audit_events", "privacy_notices",
               "resident_consents", "ticket_ratings", "ticket_transitions", "volunteers_record_corrections",
               "volunteers_time_bank"]
RETAINED = {"audit_events", "care_visits_access_log", "platform_audit_events"}  # purgeable after 3 years
# the time column of a table whose rows are not stamped `at` (append_only(..., time_column=...))
TIME_COLUMN = {"fees_payments": "created_at", "fees_statement_versions": "made_at"}
OLD = datetime.now(UTC) - timedelta(days=366 * 3 + 10)


@pytest.fixture
def world(wuye_app, wuye_make_tenant, wuye_register):
    """A tenant with a ticket (its history has a row), and the values to insert a row of each table."""
    tenant = wuye_make_tenant("acme")
    ids = wuye_register(tenant)
    ticket = tenant.admin.post("/api/v1/tickets", json={
        "community_id": ids["community"], "site_id": ids["site"], "channel": "phone", "kind": "repair",
        "category": "电梯", "title": "电梯坏了"})
    assert ticket.status_code == 201, ticket.get_json()
    return {"tenant": tenant.id, "ticket": ticket.get_json()["id"], "community": ids["community"],
            "household": ids["household"], "site": ids["site"]}


def _insert(conn, table: str, world: dict, at: datetime | None = None) -> None:
    values = {
        "audit_events": ("tenant_id, actor_kind, action", ":tenant, 'system', 'test.row'"),
        "platform_audit_events": ("actor_kind, action", "'system', 'test.row'"),
        "ticket_transitions": ("tenant_id, ticket_id, action, to_status", ":tenant, :ticket, 'note', 'submitted'"),
        "ticket_ratings": ("tenant_id, ticket_id, resolution, rating", ":tenant, :ticket, 1, 5"),
        "care_visits_access_log": ("tenant_id, community_id, user_id, username, action",
                                   ":tenant, :community, 1, 'worker', 'read_person'"),
        "handoff_steps": ("handoff_id, from_tenant_id, to_tenant_id, by_tenant_id, step",
                          ":handoff, :tenant, :tenant, :tenant, 'sent'"),
        "privacy_notices": ("tenant_id, version, text_zh",
                            ":tenant, (select coalesce(max(version), 1) + 1 from privacy_notices), '个人信息处理规则'"),
        "resident_consents": ("tenant_id, account_id, version", ":tenant, :account, 1"),
        "notice_households": ("tenant_id, notice_id, household_id", ":tenant, :notice, :household"),
        "notice_reads": ("tenant_id, notice_id, household_id, account_id", ":tenant, :notice, :household, :account"),
        "disclosure_files": ("tenant_id, filename, content_type, size, storage_key",
                             ":tenant, 'a.pdf', 'application/pdf', 1, 't1/disclosure/2026/12/x'"),
        "disclosure_versions": ("tenant_id, disclosure_id, version, title, period_start, period_end, publish_from, "
                                "publish_until", ":tenant, :disclosure, (select coalesce(max(version), 0) + 1 from "
                                "disclosure_versions where disclosure_id = :disclosure), '公示', :day, :day, :day, :day"),
        "disclosure_version_files": ("tenant_id, version_id, file_id, position", ":tenant, :version, :file, 0"),
        "volunteers_time_bank": ('tenant_id, community_id, member_id, kind, points, balance, description, "by"',
                                 ":tenant, :community, :member, 'adjust', 1, 1, '调整', 'admin'"),
        "volunteers_record_corrections": ('tenant_id, community_id, record_id, changes, reason, "by"',
                                          ":tenant, :community, :record, '{}', '更正', 'admin'"),
        "fees_payments": ("tenant_id, community_id, site_id, kind, amount_fen, method, paid_at, recorded_by",
                          ":tenant, :community, :site, 'payment', 100, 'cash', CURRENT_TIMESTAMP, 'admin'"),
        "fees_allocations": ("tenant_id, community_id, payment_id, bill_id, amount_fen",
                             ":tenant, :community, :payment, :bill, 100"),
        "fees_statement_versions": ("tenant_id, community_id, statement_id, version, figures, made_by",
                                    ":tenant, :community, :statement, (select coalesce(max(version), 0) + 1 from "
                                    "fees_statement_versions where statement_id = :statement), '{}', 'admin'"),
    }[table]
    handoff = _a_handoff(conn, world["tenant"]) if table == "handoff_steps" else None
    account = _an_account(conn, world["tenant"]) if table in ("resident_consents", "notice_reads") else None
    notice = _a_notice(conn, world) if table.startswith("notice_") else None
    disclosure = _a_disclosure(conn, world) if table.startswith("disclosure_version") else None
    version, file = _a_version_and_file(conn, world, disclosure) if table == "disclosure_version_files" else (None, None)
    member = _a_member(conn, world) if table.startswith("volunteers_") else None
    record = _a_record(conn, world, member) if table == "volunteers_record_corrections" else None
    payment, bill = _a_payment_and_bill(conn, world) if table == "fees_allocations" else (None, None)
    statement = _a_statement(conn, world) if table == "fees_statement_versions" else None
    columns, placeholders = values
    if at is not None:
        columns, placeholders = columns + f", {TIME_COLUMN.get(table, 'at')}", placeholders + ", :at"
        if conn.dialect.name == "sqlite":
            at = at.strftime("%Y-%m-%d %H:%M:%S.%f")
    conn.execute(text(f"insert into {table} ({columns}) values ({placeholders})"),
                 {"tenant": world["tenant"], "ticket": world["ticket"], "community": world["community"], "at": at,
                  "handoff": handoff, "account": account, "notice": notice, "household": world["household"],
                  "disclosure": disclosure, "version": version, "file": file, "day": date(2026, 7, 1),
                  "member": member, "record": record, "site": world["site"], "payment": payment, "bill": bill,
                  "statement": statement})


def _a_member(conn, world) -> int:
    """A member of the volunteers' alliance, for a ledger line or a record's correction to belong to."""
    return conn.execute(text(
        "insert into volunteers_members (tenant_id, community_id, name, kind, availability, consent_contact, "
        "joined_on, status, created_by) values (:tenant, :community, '成员', 'volunteer', '[]', false, :day, "
        "'active', 'admin') returning id"), {"tenant": world["tenant"], "community": world["community"],
                                              "day": date(2026, 7, 1)}).scalar_one()


def _a_payment_and_bill(conn, world) -> tuple[int, int]:
    """A fees payment and a bill (its row may change: its running totals) for an allocation to join."""
    day = date(2026, 7, 1)
    payment = conn.execute(text(
        "insert into fees_payments (tenant_id, community_id, site_id, kind, amount_fen, method, paid_at, recorded_by) "
        "values (:tenant, :community, :site, 'payment', 100, 'cash', CURRENT_TIMESTAMP, 'admin') returning id"),
        {"tenant": world["tenant"], "community": world["community"], "site": world["site"]}).scalar()
    unit = conn.execute(text(
        "insert into fees_units (tenant_id, community_id, site_id, kind, label, billing_from, active, created_by) "
        "values (:tenant, :community, :site, 'parking', :label, :day, true, 'admin') returning id"),
        {"tenant": world["tenant"], "community": world["community"], "site": world["site"], "day": day,
         "label": f"车位 {payment}"}).scalar()
    bill = conn.execute(text(
        "insert into fees_bills (tenant_id, community_id, site_id, fee_unit_id, source, period_start, period_end, "
        "period_label, months, amount_fen, discount_fen, paid_fen, status, due_on) values (:tenant, :community, "
        ":site, :unit, 'manual', :day, :day, '2026-07', 1, 100, 0, 0, 'open', :day) returning id"),
        {"tenant": world["tenant"], "community": world["community"], "site": world["site"], "unit": unit,
         "day": day}).scalar()
    return payment, bill


def _a_statement(conn, world) -> int:
    """A fees statement (its row may change: its state) for versions to belong to."""
    return conn.execute(text(
        "insert into fees_statements (tenant_id, community_id, scope_key, year, quarter, version, status, created_by) "
        "values (:tenant, :community, :key, 2026, 2, 1, 'draft', 'admin') returning id"),
        {"tenant": world["tenant"], "community": world["community"],
         "key": f"t{conn.execute(text('select count(*) from fees_statements')).scalar()}"}).scalar()


def _a_record(conn, world, member: int) -> int:
    """A service record (its row may change: a correction) for a correction to belong to."""
    moment = datetime(2026, 7, 1, 1, tzinfo=UTC)
    if conn.dialect.name == "sqlite":
        moment = moment.strftime("%Y-%m-%d %H:%M:%S.%f")
    return conn.execute(text(
        "insert into volunteers_records (tenant_id, community_id, member_id, source, content, place, started_at, "
        "ended_at, minutes, organiser, confirmed_by, confirmed_at, corrections) values (:tenant, :community, "
        ":member, 'manual', '清洁', '小区', :at, :at, 60, '联盟', 'admin', :at, 0) returning id"),
        {"tenant": world["tenant"], "community": world["community"], "member": member, "at": moment}).scalar_one()


def _a_disclosure(conn, world) -> int:
    """A disclosure (its row may change: a correction, a withdrawal) for versions to belong to."""
    return conn.execute(text(
        "insert into disclosures (tenant_id, community_id, kind, version, title, period_start, period_end, "
        "publish_from, publish_until) values (:tenant, :community, 'other', 1, '公示', :day, :day, :day, :day) "
        "returning id"), {"tenant": world["tenant"], "community": world["community"], "day": date(2026, 7, 1)}).scalar()


def _a_version_and_file(conn, world, disclosure: int) -> tuple[int, int]:
    """A version of the disclosure and a file, for a row naming both."""
    day = date(2026, 7, 1)
    version = conn.execute(text(
        "insert into disclosure_versions (tenant_id, disclosure_id, version, title, period_start, period_end, "
        "publish_from, publish_until) values (:tenant, :disclosure, 1, '公示', :day, :day, :day, :day) returning id"),
        {"tenant": world["tenant"], "disclosure": disclosure, "day": day}).scalar()
    file = conn.execute(text(
        "insert into disclosure_files (tenant_id, filename, content_type, size, storage_key) "
        "values (:tenant, 'a.pdf', 'application/pdf', 1, 't1/disclosure/2026/12/y') returning id"),
        {"tenant": world["tenant"]}).scalar()
    return version, file


def _an_account(conn, tenant: int) -> int:
    """A resident's account for a consent to belong to (a phone no other row of the test has)."""
    phone = f"139{conn.execute(text('select count(*) from resident_accounts')).scalar():08d}"
    return conn.execute(text("insert into resident_accounts (tenant_id, phone, token_version, active) "
                             "values (:tenant, :phone, 0, true) returning id"), {"tenant": tenant, "phone": phone}).scalar()


def _a_notice(conn, world: dict) -> int:
    """A notice for a chosen household or a read receipt to belong to."""
    return conn.execute(text(
        "insert into notices (tenant_id, community_id, audience, title, body, kind) "
        "values (:tenant, :community, 'households', '通知', '正文', 'ordinary') returning id"),
        {"tenant": world["tenant"], "community": world["community"]}).scalar()


def _a_handoff(conn, tenant: int) -> int:
    """A hand-off row for a step to belong to (both sides the world's tenant: only the rows matter)."""
    link = conn.execute(text(
        "insert into service_links (provider_tenant_id, client_tenant_id, state, proposed_by, proposed_at) "
        "values (:tenant, :tenant, 'revoked', 'provider', CURRENT_TIMESTAMP) returning id"),
        {"tenant": tenant}).scalar()
    return conn.execute(text(
        "insert into handoffs (link_id, from_tenant_id, to_tenant_id, source, source_id, state, payload, created_at, "
        "attempts, announced_step_id) values (:link, :tenant, :tenant, 'ticket', '1', 'failed', '{}', "
        "CURRENT_TIMESTAMP, 0, 0) returning id"), {"link": link, "tenant": tenant}).scalar()



def _count(conn, table: str) -> int:
    return conn.execute(text(f"select count(*) from {table}")).scalar()


def _as_tenant(conn, world) -> None:
    if conn.dialect.name == "postgresql":
        conn.execute(text("select set_config('app.tenant_id', :t, true)"), {"t": str(world["tenant"])})


@pytest.fixture
def app_engine(wuye_app, wuye_backend):
    engine = create_engine(wuye_app.config["WUYE"].sqlalchemy_url(wuye_backend.app_url))
    yield engine
    engine.dispose()


@pytest.fixture
def pg_only(wuye_backend):
    if not wuye_backend.is_postgresql:
        pytest.skip("database roles are a PostgreSQL feature")


def test_the_database_knows_the_append_only_tables(wuye_owner_engine):
    with wuye_owner_engine.connect() as conn:
        assert append_only_tables(conn) == APPEND_ONLY


def test_the_app_role_may_read_and_insert_but_not_change_delete_or_empty(world, app_engine, wuye_backend, pg_only):
    role = app_engine.url.username
    for table in APPEND_ONLY:
        at = TIME_COLUMN.get(table, "at")
        with app_engine.begin() as conn:
            _as_tenant(conn, world)
            before = _count(conn, table)
            _insert(conn, table, world)
            assert _count(conn, table) == before + 1, table
        with app_engine.connect() as conn:
            privileges = {p: conn.execute(text("select has_table_privilege(:r, :t, :p)"),
                                          {"r": role, "t": table, "p": p}).scalar()
                          for p in ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE")}
        assert privileges == {"SELECT": True, "INSERT": True, "UPDATE": False, "DELETE": False,
                              "TRUNCATE": False}, table
        for statement in (f"update {table} set {at} = {at}", f"delete from {table}",
                          f"delete from {table} where {at} < now() - interval '10 years'", f"truncate {table}"):
            with app_engine.connect() as conn:
                _as_tenant(conn, world)
                with pytest.raises(DBAPIError, match="permission denied"):
                    conn.execute(text(statement))
    with app_engine.connect() as conn:  # the other tables are the app's to change, as before
        assert conn.execute(text("select has_table_privilege(:r, 'tickets', 'UPDATE')"), {"r": role}).scalar()


def test_the_owner_is_refused_too_by_the_trigger(world, wuye_owner_engine):
    """Whoever asks: the owner (on SQLite: the app itself) cannot change a row or delete a
    recent one; nor an old one of the ticket history, which has no retention."""
    postgres = wuye_owner_engine.dialect.name == "postgresql"
    for table in APPEND_ONLY:
        at = TIME_COLUMN.get(table, "at")
        with wuye_owner_engine.begin() as conn:
            _as_tenant(conn, world)
            _insert(conn, table, world)
            _insert(conn, table, world, at=OLD)
        statements = [f"update {table} set {at} = {at}", f"delete from {table}",
                      f"delete from {table} where {at} > :recent"]
        if postgres:  # CASCADE: a table other rows reference (disclosure_files) gets past the foreign key to its trigger
            statements.append(f"truncate {table} cascade")
        for statement in statements:
            with wuye_owner_engine.connect() as conn:
                _as_tenant(conn, world)
                with pytest.raises(DBAPIError, match=f"append-only table {table}: (UPDATE|DELETE|TRUNCATE) refused"):
                    conn.execute(text(statement), {"recent": datetime.now(UTC) - timedelta(days=1)})
        with wuye_owner_engine.begin() as conn:
            _as_tenant(conn, world)
            old = f"delete from {table} where {at} < :old"
            if table in RETAINED:  # older than the retention: may go, and only it
                before = _count(conn, table)
                conn.execute(text(old), {"old": datetime.now(UTC) - timedelta(days=366 * 3)})
                assert _count(conn, table) == before - 1, table
            else:
                with pytest.raises(DBAPIError, match="refused"):
                    conn.execute(text(old), {"old": datetime.now(UTC) - timedelta(days=366 * 3)})


def test_the_purge_function_deletes_only_what_the_retention_lets_go(world, app_engine, wuye_owner_engine, pg_only):
    """The app's role has no DELETE; its one path is wuye_purge_<table>(cutoff), which never
    deletes younger than 3 years, whatever cutoff it is given — and exists for retained tables only."""
    for table in sorted(RETAINED):
        with wuye_owner_engine.begin() as conn:
            _as_tenant(conn, world)
            _insert(conn, table, world, at=OLD)
            _insert(conn, table, world, at=datetime.now(UTC) - timedelta(days=366 * 2))
            _insert(conn, table, world)
            total = _count(conn, table)
        with app_engine.begin() as conn:
            _as_tenant(conn, world)
            deleted = conn.execute(text(f"select wuye_purge_{table}(now() + interval '1 day')")).scalar()
            assert deleted == 1, table  # the old row only, though the cutoff is tomorrow
            assert _count(conn, table) == total - 1
    with app_engine.connect() as conn, pytest.raises(DBAPIError, match="does not exist"):
        conn.execute(text("select wuye_purge_ticket_transitions(now())"))


def test_the_retention_purges_remove_old_rows_and_keep_the_rest(wuye_app, world, wuye_owner_engine):
    """`wuye audit purge` and `wuye care_visits purge-access-log`, on either backend."""
    for table in sorted(RETAINED):
        with wuye_owner_engine.begin() as conn:
            _as_tenant(conn, world)
            _insert(conn, table, world, at=OLD)
            _insert(conn, table, world, at=datetime.now(UTC) - timedelta(days=366 * 2))
    runner = wuye_app.test_cli_runner()
    out = runner.invoke(args=["audit", "purge"])
    assert out.exit_code == 0 and "deleted 2 audit rows older than 3 years" in out.output, out.output
    out = runner.invoke(args=["care_visits", "purge-access-log"])
    assert out.exit_code == 0 and "deleted 1 access-log rows older than 3 years" in out.output, out.output
    assert runner.invoke(args=["audit", "purge", "--years", "2"]).exit_code != 0
    with wuye_owner_engine.begin() as conn:
        _as_tenant(conn, world)
        assert _count(conn, "care_visits_access_log") == 1  # the 2-year-old row
        for table in ("audit_events", "platform_audit_events"):
            assert conn.execute(text(f"select count(*) from {table} where action = 'test.row'")).scalar() == 1
        assert conn.execute(text("select count(*) from audit_events where at < :t"),
                            {"t": datetime.now(UTC) - timedelta(days=366 * 3)}).scalar() == 0
