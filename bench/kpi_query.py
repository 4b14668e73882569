"""The ticket KPI query over 1,000,000 tickets on PostgreSQL (goal: < 500 ms for one community's quarter).

    .venv/bin/python bench/kpi_query.py              # reuse wuye_bench_kpi if it holds the tickets, else build it
    .venv/bin/python bench/kpi_query.py --rebuild    # drop and build it again
    .venv/bin/python bench/kpi_query.py --runs 50    # more timed runs

1. Database `wuye_bench_kpi` (BENCH_PG, default postgresql://postgres@127.0.0.1:5432), built like
   wuye_core/testing.py builds the test database: created by the superuser, the app role
   `wuye_app` (owns nothing, no BYPASSRLS) created if missing, migrated with the real
   migrations by `wuye db upgrade` with WUYE_MIGRATE_DATABASE_URL = the owner (which GRANTs the
   app role).
2. Data, loaded as the owner with set-based SQL (INSERT … SELECT generate_series), one
   transaction per tenant that first runs `set_config('app.tenant_id', …, true)` (FORCE ROW
   LEVEL SECURITY applies to the owner too; no policy is switched off): 10 tenants x 10
   communities (one site each) x 10,000 tickets created uniformly over two years
   (2024-01-01 … 2025-12-31, Beijing time) = 1,000,000 tickets. Rows go in in random order
   (the pessimistic case: a community's quarter is scattered over the heap, about one row per
   page). Kinds, categories, priorities, statuses, timestamps, deadlines (5341), ratings and
   reopenings are drawn from fixed distributions (setseed: the same data every build).
   Then VACUUM (ANALYZE).
3. Timing, in-process, through the app's own function `wuye_core.tickets.kpis.compute`, in an
   app context and `tenant_context`, connected as `wuye_app` (so ORM scoping, the per-
   transaction set_config and the RLS policy are all on the path): `--warmup` unmeasured
   runs, then `--runs` timed runs each of
     - one community's quarter (2025-04-01 … 2025-06-30, ~1,250 tickets): the goal,
     - the tenant-wide quarter (10 communities, ~12,500 tickets),
     - one community over the full two years (~10,000 tickets),
     - the Excel export (export.write_tickets) of one community's quarter (~1,250 rows) and of
       its two years (~10,000 rows, fewer runs): openpyxl's rows per second.
   Each run is a fresh session (tenant_context), as in a request. Median, p95, min, max.
4. EXPLAIN (ANALYZE, BUFFERS) of the two statements compute() sends for the community quarter,
   re-run as wuye_app with the same parameters inside a transaction that sets app.tenant_id;
   checks the plan uses ix_tickets_tenant_id_community_id_created_at.

Bounded: the build takes about a minute or two here, the timings well under a minute; a
--max-seconds guard (default 540) stops timing runs that would go past it.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import setup_pg  # noqa: E402  (the database helpers every benchmark shares)

DB_NAME = os.environ.get("BENCH_KPI_DB", "wuye_bench_kpi")
PG = os.environ.get("BENCH_PG", "postgresql://postgres@127.0.0.1:5432")
APP_ROLE = "wuye_app"
OWNER_URL = f"{PG}/{DB_NAME}"
APP_URL = OWNER_URL.replace("://postgres@", f"://{APP_ROLE}@", 1)
TENANTS, COMMUNITIES, PER_COMMUNITY = 10, 10, 10_000
INDEX = "ix_tickets_tenant_id_community_id_created_at"

CATEGORIES = ["水电维修", "电梯", "保洁", "绿化", "停车", "噪音", "安全", "公共设施", "其他"]

TENANT_STATEMENTS = [
    ("communities", """
        INSERT INTO communities (tenant_id, name, code, address, config, config_version)
        SELECT %(t)s, '指标社区 ' || %(t)s || '-' || c, 'c' || c, '基准路 ' || c || ' 号', '{}', 1
        FROM generate_series(1, %(communities)s) c ORDER BY c
    """),
    ("sites", """
        INSERT INTO sites (tenant_id, community_id, name, kind, address, area_m2)
        SELECT c.tenant_id, c.id, '小区 1', 'compound', c.address, 20000
        FROM communities c WHERE c.tenant_id = %(t)s ORDER BY c.id
    """),
    # r_*: one random draw per decision, so the figures are correlated the way real ones are
    # (a ticket still open has no resolution time, and so on). OFFSET 0 and ORDER BY keep the
    # planner from inlining the subqueries, which would draw each random() again.
    ("tickets", """
        INSERT INTO tickets (tenant_id, community_id, site_id, channel, kind, category, title, priority, status,
                             created_by, created_at, accepted_at, dispatched_at, on_site_at, resolved_at, closed_at,
                             reopened_count, arrive_due_at, resolve_due_at, sla_policy, rating)
        SELECT tenant_id, community_id, site_id,
               (ARRAY['window','phone','app','wechat','walk_in','liaison_visit'])[1 + floor(r_channel * 6)::int],
               kind, category, kind || ' 工单 ' || n, priority, status, 'bench', created_at,
               CASE WHEN status <> 'submitted' AND NOT (status = 'cancelled' AND r_status < 0.025)
                    THEN created_at + make_interval(secs => 20 + r_accept * r_accept * 7200) END,
               CASE WHEN kind = 'repair' AND status NOT IN ('submitted', 'accepted', 'cancelled')
                    THEN created_at + make_interval(secs => 60 + r_accept * r_accept * 7200) END,
               CASE WHEN kind = 'repair' AND status IN ('on_site', 'resolved', 'closed')
                    THEN created_at + make_interval(secs => 120 + r_accept * r_accept * 7200 + r_site * 1800) END,
               CASE WHEN status IN ('resolved', 'closed')
                    THEN created_at + make_interval(secs => 600 + r_resolve * r_resolve * 172800) END,
               CASE WHEN status = 'closed'
                    THEN created_at + make_interval(secs => 600 + r_resolve * r_resolve * 172800) + interval '1 day'
                    WHEN status = 'cancelled' THEN created_at + interval '1 hour' END,
               CASE WHEN r_reopen < 0.05 AND status IN ('resolved', 'closed', 'reopened') THEN 1 ELSE 0 END,
               created_at + interval '5 minutes',
               created_at + CASE priority WHEN 'major' THEN interval '4 hours' WHEN 'complex' THEN interval '1 day'
                                          ELSE interval '30 minutes' END,
               '5341',
               CASE WHEN status = 'closed' AND r_rating < 0.6
                    THEN CASE WHEN r_rating < 0.03 THEN 1 WHEN r_rating < 0.06 THEN 2 WHEN r_rating < 0.15 THEN 3
                              WHEN r_rating < 0.33 THEN 4 ELSE 5 END END
        FROM (
            SELECT r.*,
                   CASE WHEN r_kind < 0.50 THEN 'repair' WHEN r_kind < 0.70 THEN 'complaint'
                        WHEN r_kind < 0.85 THEN 'inquiry' WHEN r_kind < 0.95 THEN 'suggestion'
                        ELSE 'dispute' END AS kind,
                   (%(categories)s::text[])[1 + floor(r_category * 9)::int] AS category,
                   CASE WHEN r_priority < 0.80 THEN 'normal' WHEN r_priority < 0.90 THEN 'urgent'
                        WHEN r_priority < 0.98 THEN 'major' ELSE 'complex' END AS priority,
                   CASE WHEN r_status < 0.05 THEN 'cancelled' WHEN r_status < 0.08 THEN 'submitted'
                        WHEN r_status < 0.10 THEN 'accepted' WHEN r_status < 0.12 THEN 'dispatched'
                        WHEN r_status < 0.13 THEN 'on_site' WHEN r_status < 0.14 THEN 'reopened'
                        WHEN r_status < 0.40 THEN 'resolved' ELSE 'closed' END AS status,
                   -- two years of Beijing time: 2024-01-01 00:00 +08 … 2026-01-01 00:00 +08
                   timestamptz '2023-12-31 16:00:00+00' + make_interval(secs => r_created * 731 * 86400) AS created_at
            FROM (
                SELECT s.tenant_id, s.community_id, s.id AS site_id, n,
                       random() AS r_created, random() AS r_kind, random() AS r_category, random() AS r_priority,
                       random() AS r_status, random() AS r_accept, random() AS r_site, random() AS r_resolve,
                       random() AS r_reopen, random() AS r_rating, random() AS r_channel, random() AS r_order
                FROM sites s CROSS JOIN generate_series(1, %(per_community)s) n
                WHERE s.tenant_id = %(t)s
                OFFSET 0
            ) r
            ORDER BY r_order
        ) x
    """),
]


def step(label: str, started: float) -> float:
    now = time.perf_counter()
    print(f"  {label:<52} {now - started:7.2f} s", flush=True)
    return now


def ticket_count() -> int | None:
    """Tickets in the database (None when it does not exist or is not migrated). The owner here is
    the superuser, which row-level security does not restrict."""
    try:
        with psycopg.connect(OWNER_URL, connect_timeout=5) as conn:
            return conn.execute("select count(*) from tickets").fetchone()[0]
    except psycopg.Error:
        return None


def recreate_database() -> None:
    setup_pg.recreate_database(DB_NAME)


def migrate() -> None:
    setup_pg.migrate(APP_URL, OWNER_URL)


def load() -> None:
    params = {"communities": COMMUNITIES, "per_community": PER_COMMUNITY, "categories": CATEGORIES}
    with psycopg.connect(OWNER_URL) as conn:
        with conn.transaction():
            conn.execute("""
                INSERT INTO tenants (slug, name, kind, active)
                SELECT format('kpi-%%s', lpad(n::text, 2, '0')), '指标租户 ' || n, 'subdistrict', true
                FROM generate_series(1, %s) n ORDER BY n
            """, (TENANTS,))
        tenants = [r[0] for r in conn.execute("select id from tenants where slug like 'kpi-%' order by id")]
        for i, t in enumerate(tenants, 1):
            started = time.perf_counter()
            with conn.transaction():
                conn.execute("select set_config('app.tenant_id', %s, true)", (str(t),))
                conn.execute("select setseed(%s)", (i / (TENANTS + 1),))
                for _name, statement in TENANT_STATEMENTS:
                    conn.execute(statement, {"t": t, **params})
            print(f"    tenant {i}/{len(tenants)}: {time.perf_counter() - started:5.1f} s", flush=True)
    with psycopg.connect(OWNER_URL, autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE)")


def build() -> None:
    started = time.perf_counter()
    recreate_database()
    started = step("drop + create database, app role", started)
    migrate()
    started = step("migrate (wuye db upgrade, as owner)", started)
    load()
    step(f"load {TENANTS * COMMUNITIES * PER_COMMUNITY:,} tickets + VACUUM (ANALYZE)", started)


# --- timing through the app ------------------------------------------------------------------------


def summary(label: str, times: list[float]) -> dict:
    times = sorted(times)
    ms = [t * 1000 for t in times]
    p95 = ms[max(0, -(-95 * len(ms) // 100) - 1)]  # nearest rank
    out = {"median_ms": statistics.median(ms), "p95_ms": p95, "min_ms": ms[0], "max_ms": ms[-1], "runs": len(ms)}
    print(f"  {label:<50} median {out['median_ms']:7.1f}  p95 {p95:7.1f}  min {ms[0]:7.1f}  "
          f"max {ms[-1]:7.1f} ms  ({len(ms)} runs)", flush=True)
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rebuild", action="store_true", help="drop and build the database even if it is there")
    p.add_argument("--runs", type=int, default=20)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--max-seconds", type=float, default=540)
    args = p.parse_args()
    t0 = time.monotonic()
    wanted = TENANTS * COMMUNITIES * PER_COMMUNITY
    print(f"database {DB_NAME}, {time.strftime('%Y-%m-%d %H:%M:%S')}", flush=True)
    if args.rebuild or ticket_count() != wanted:
        build()
    else:
        print(f"  reusing it: {wanted:,} tickets already there (--rebuild to start over)")
    with psycopg.connect(OWNER_URL) as conn:
        size = conn.execute("select pg_size_pretty(pg_total_relation_size('tickets')), "
                            "pg_size_pretty(pg_relation_size('tickets'))").fetchone()
        print(f"  tickets: {ticket_count():,} rows, {size[0]} with indexes ({size[1]} heap); "
              f"{conn.execute('show server_version').fetchone()[0]}, "
              f"shared_buffers {conn.execute('show shared_buffers').fetchone()[0]}")

    from cryptography.fernet import Fernet
    from sqlalchemy import event, select

    from wuye_core.app import create_app
    from wuye_core.config import Settings
    from wuye_core.extensions import db
    from wuye_core.households.models import Community
    from wuye_core.tenancy import tenant_context
    from wuye_core.tickets import kpis
    from wuye_core.tickets.export import write_tickets as export_tickets

    settings = Settings.from_env({"WUYE_DATABASE_URL": APP_URL, "WUYE_MIGRATE_DATABASE_URL": OWNER_URL,
                                  "WUYE_LOG_LEVEL": "WARNING", "WUYE_ENV": "development",
                                  "WUYE_ENCRYPTION_KEYS": Fernet.generate_key().decode()})
    app = create_app(settings)
    with psycopg.connect(OWNER_URL) as conn:
        tenant_id = conn.execute("select id from tenants where slug = 'kpi-01'").fetchone()[0]
    with app.app_context(), tenant_context(tenant_id):
        communities = list(db.session.scalars(select(Community.id).order_by(Community.id)))
        assert db.session.get_bind().url.username == APP_ROLE
    community = communities[0]
    quarter = kpis.Period(date(2025, 4, 1), date(2025, 6, 30))
    two_years = kpis.Period(date(2024, 1, 1), date(2025, 12, 31))
    def export(period):
        def write():
            with tempfile.TemporaryFile() as out:
                return export_tickets(out, period, [community])
        return write

    # (label, function, runs): the exports are slower, so fewer runs of the big one
    cases = [
        ("one community, one quarter (the goal)", lambda: kpis.compute(quarter, [community]), args.runs),
        ("tenant-wide (10 communities), one quarter", lambda: kpis.compute(quarter, communities), args.runs),
        ("tenant-wide + breakdown by community, one quarter",
         lambda: kpis.compute(quarter, communities, by_community=True), args.runs),
        ("one community, two years", lambda: kpis.compute(two_years, [community]), args.runs),
        ("xlsx export: one community, one quarter", export(quarter), args.runs),
        ("xlsx export: one community, two years", export(two_years), max(3, args.runs // 4)),
    ]

    results = {}
    print(f"\ntiming as {APP_ROLE} through kpis.compute() in tenant_context (tenant kpi-01, community "
          f"{community}), {args.warmup} warm-up + {args.runs} runs each:", flush=True)
    for label, fn, runs in cases:
        times = []
        for i in range(args.warmup + runs):
            if time.monotonic() - t0 > args.max_seconds:
                print(f"  (stopped: --max-seconds {args.max_seconds:g} reached)")
                break
            with app.app_context(), tenant_context(tenant_id):
                started = time.perf_counter()
                result = fn()
                elapsed = time.perf_counter() - started
            if i >= args.warmup:
                times.append(elapsed)
        if times:
            results[label] = summary(label, times)
        if label.startswith("one community, one quarter"):
            goal = result
        if label.startswith("xlsx") and times:
            print(f"    {result:,} rows: {result / statistics.median(times):,.0f} rows/s")

    print(f"\nthe community quarter: {goal['total']:,} tickets, completion {goal['completion_rate']['value']}, "
          f"response p50/p90 {goal['response']['p50_minutes']}/{goal['response']['p90_minutes']} min, "
          f"resolution p50/p90 {goal['resolution']['p50_minutes']}/{goal['resolution']['p90_minutes']} min, "
          f"resolve SLA {goal['resolve_sla_rate']['value']}, satisfaction {goal['satisfaction']['average']}")

    # EXPLAIN ANALYZE of what compute() sends, as the app role, with the tenant set.
    statements = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if "FROM tickets" in statement:
            statements.append((statement, parameters))

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    with app.app_context(), tenant_context(tenant_id):
        kpis.compute(quarter, [community])
        kpis.compute(quarter, communities, by_community=True)  # the breakdown: the same two statements
    event.remove(engine, "before_cursor_execute", record)
    uses_index = True
    with psycopg.connect(APP_URL) as conn:
        for n, (statement, parameters) in enumerate(statements, 1):
            with conn.transaction():
                conn.execute("select set_config('app.tenant_id', %s, true)", (str(tenant_id),))
                plan = [r[0] for r in conn.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)]
            uses_index &= any(INDEX in line for line in plan)
            print(f"\nEXPLAIN (ANALYZE, BUFFERS), statement {n} of {len(statements)}:\n" + "\n".join(plan))
    print(f"\nplan uses {INDEX}: {'yes' if uses_index else 'NO'}")
    goal_ms = results["one community, one quarter (the goal)"]["median_ms"]
    print(f"goal (< 500 ms for one community's quarter): {'met' if goal_ms < 500 else 'NOT met'} "
          f"(median {goal_ms:.1f} ms); total {time.monotonic() - t0:.0f} s")
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


if __name__ == "__main__":
    main()
