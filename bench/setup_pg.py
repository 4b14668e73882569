"""Create and fill the benchmark database: 100 tenants x 10,000 households on PostgreSQL.

    .venv/bin/python bench/setup_pg.py [--tenants 100] [--households 10000]

Drops and recreates the database `wuye_bench`, creates the app role `wuye_app` if missing,
migrates with the real migrations (`wuye db upgrade`, as the owner, which GRANTs the app role),
then loads the data with set-based SQL (INSERT ... SELECT generate_series) as the owner and
VACUUM ANALYZEs. Each tenant is loaded in its own transaction that first sets
`app.tenant_id`, so the tenant_isolation policy (FORCE ROW LEVEL SECURITY) admits the rows even
for an owner that is not a superuser; no policy is switched off at any time.

Per tenant (slug bench-001 ... bench-100, admin user `admin` / ADMIN_PASSWORD):
  1 community, 2 sites, 20 buildings (10 per site), 10,000 units (4 entrances x 25 floors x
  5 rooms per building), one household per unit (70 % owner, 20 % renter, 10 % vacant),
  1 tenant_admin user. No residents: the household list does not read them.
Household ids of a tenant are one contiguous range (loaded in one statement, in order); the
isolation benchmark uses that for its "no tenant filter" baseline.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

DB_NAME = os.environ.get("BENCH_DB", "wuye_bench")
PG = os.environ.get("BENCH_PG", "postgresql://postgres@127.0.0.1:5432")
APP_ROLE = "wuye_app"
OWNER_URL = f"{PG}/{DB_NAME}"
APP_URL = OWNER_URL.replace("://postgres@", f"://{APP_ROLE}@", 1)
ADMIN_PASSWORD = "bench-admin-pass-2026"
SLUG = "bench-{:03d}"


def step(label: str, started: float) -> float:
    now = time.perf_counter()
    print(f"  {label:<44} {now - started:7.2f} s", flush=True)
    return now


def recreate_database(name: str = DB_NAME) -> None:
    """Drop and create database `name`; create the app role if missing (other benchmarks use this too)."""
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        if conn.execute("select 1 from pg_roles where rolname = %s", (APP_ROLE,)).fetchone() is None:
            conn.execute(sql.SQL("CREATE ROLE {} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE")
                         .format(sql.Identifier(APP_ROLE)))


def migrate(app_url: str = APP_URL, owner_url: str = OWNER_URL) -> None:
    """`wuye db upgrade` as the owner (which also GRANTs the app role)."""
    env = dict(os.environ, WUYE_DATABASE_URL=app_url, WUYE_MIGRATE_DATABASE_URL=owner_url,
               WUYE_LOG_LEVEL="WARNING", WUYE_ENV="development")
    subprocess.run([str(ROOT / ".venv/bin/wuye"), "db", "upgrade"], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL)


def password_hash() -> str:
    # The app's default cost (Settings.password_time_cost / password_memory_cost), so a login
    # verifies it without a rehash-and-write.
    from wuye_core.auth.passwords import configure_hasher, hash_password
    from wuye_core.config import Settings

    s = Settings()
    configure_hasher(s.password_time_cost, s.password_memory_cost)
    return hash_password(ADMIN_PASSWORD)


TENANT_STATEMENTS = [
    ("communities", """
        INSERT INTO communities (tenant_id, name, code, address, config, config_version)
        VALUES (%(t)s, '基准社区 ' || %(t)s, 'c1', '基准路 ' || %(t)s || ' 号', '{}', 1)
    """),
    ("sites", """
        INSERT INTO sites (tenant_id, community_id, name, kind, address, area_m2)
        SELECT c.tenant_id, c.id, '小区 ' || s, CASE s WHEN 1 THEN 'compound' ELSE 'resettlement' END,
               c.address || '·小区 ' || s, 20000 + s * 1000
        FROM communities c, generate_series(1, 2) s
        WHERE c.tenant_id = %(t)s
        ORDER BY s
    """),
    ("buildings", """
        INSERT INTO buildings (tenant_id, community_id, site_id, name, floors)
        SELECT s.tenant_id, s.community_id, s.id, b || '栋', 25
        FROM sites s, generate_series(1, 10) b
        WHERE s.tenant_id = %(t)s
        ORDER BY s.id, b
    """),
    ("units", """
        INSERT INTO units (tenant_id, community_id, site_id, building_id, entrance, floor, number, area_m2)
        SELECT b.tenant_id, b.community_id, b.site_id, b.id, e::text, f, f::text || lpad(r::text, 2, '0'),
               55 + ((b.id * 7 + e * 11 + f * 13 + r * 17) %% 85)
        FROM buildings b, generate_series(1, 4) e, generate_series(1, 25) f, generate_series(1, 5) r
        WHERE b.tenant_id = %(t)s
        ORDER BY b.id, e, f, r
        LIMIT %(households)s
    """),
    ("households", """
        INSERT INTO households (tenant_id, community_id, site_id, building_id, unit_id, kind, moved_in_on)
        SELECT u.tenant_id, u.community_id, u.site_id, u.building_id, u.id,
               CASE WHEN u.id %% 10 < 7 THEN 'owner' WHEN u.id %% 10 < 9 THEN 'renter' ELSE 'vacant' END,
               date '2015-01-01' + (u.id * 37) %% 3500
        FROM units u
        WHERE u.tenant_id = %(t)s
        ORDER BY u.id
    """),
    ("staff_users", """
        INSERT INTO staff_users (tenant_id, username, display_name, password_hash, active)
        VALUES (%(t)s, 'admin', 'admin', %(pw)s, true)
    """),
    ("role_grants", """
        INSERT INTO role_grants (tenant_id, user_id, role, community_id)
        SELECT tenant_id, id, 'tenant_admin', NULL FROM staff_users WHERE tenant_id = %(t)s
    """),
]


def load(tenants: int, households: int) -> dict[str, float]:
    if households > 20 * 500:
        raise SystemExit("at most 10,000 households per tenant with this shape (20 buildings x 500 units)")
    pw = password_hash()
    per_table: dict[str, float] = {name: 0.0 for name, _ in TENANT_STATEMENTS}
    with psycopg.connect(OWNER_URL) as conn:
        with conn.transaction():
            conn.execute("""
                INSERT INTO tenants (slug, name, kind, active)
                SELECT format('bench-%%s', lpad(n::text, 3, '0')), '基准租户 ' || n,
                       CASE WHEN n %% 5 = 0 THEN 'subdistrict' ELSE 'company' END, true
                FROM generate_series(1, %s) n ORDER BY n
            """, (tenants,))
        ids = [r[0] for r in conn.execute("select id from tenants where slug like 'bench-%' order by id")]
        for i, t in enumerate(ids, 1):
            with conn.transaction():
                # Transaction-local, exactly like the app (tenancy/scoping.py): the policy's
                # USING/WITH CHECK see this tenant, whoever the owner is.
                conn.execute("select set_config('app.tenant_id', %s, true)", (str(t),))
                for name, statement in TENANT_STATEMENTS:
                    started = time.perf_counter()
                    conn.execute(statement, {"t": t, "pw": pw, "households": households})
                    per_table[name] += time.perf_counter() - started
            if i % 20 == 0 or i == len(ids):
                print(f"    {i}/{len(ids)} tenants loaded", flush=True)
    return per_table


def vacuum_analyze() -> None:
    # VACUUM as well as ANALYZE: a freshly loaded table has no visibility map yet, so the
    # count(*) of a page would do a heap fetch per row instead of an index-only scan.
    with psycopg.connect(OWNER_URL, autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE)")


def summary() -> None:
    with psycopg.connect(OWNER_URL) as conn:
        # The owner here is a superuser (postgres), which bypasses RLS; a non-superuser owner
        # would see nothing without app.tenant_id. Report what is there either way.
        rows = conn.execute("""
            select relname, n_live_tup, pg_size_pretty(pg_total_relation_size(relid))
            from pg_stat_user_tables where relname in
              ('tenants','communities','sites','buildings','units','households','staff_users','role_grants')
            order by relname
        """).fetchall()
        for name, n, size in rows:
            print(f"  {name:<14} {n:>10,} rows  {size:>8} (with indexes)")
        print("  db size:", conn.execute("select pg_size_pretty(pg_database_size(current_database()))").fetchone()[0])


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--tenants", type=int, default=100)
    p.add_argument("--households", type=int, default=10_000, help="per tenant")
    args = p.parse_args()

    from machine import code_version

    print(f"database {DB_NAME}: {args.tenants} tenants x {args.households} households, code {code_version()}, "
          f"{time.strftime('%Y-%m-%d %H:%M:%S')}", flush=True)
    t0 = started = time.perf_counter()
    recreate_database()
    started = step("drop + create database, app role", started)
    migrate()
    started = step("migrate (wuye db upgrade, as owner)", started)
    per_table = load(args.tenants, args.households)
    started = step("load (set-based, one transaction per tenant)", started)
    for name, seconds in per_table.items():
        print(f"    {name:<14} {seconds:7.2f} s")
    vacuum_analyze()
    started = step("VACUUM (ANALYZE)", started)
    print(f"  {'total':<44} {time.perf_counter() - t0:7.2f} s")
    summary()
    print(f"\napp URL:   {APP_URL}\nowner URL: {OWNER_URL}\n"
          f"tenants:   {SLUG.format(1)} ... {SLUG.format(args.tenants)}, user admin / {ADMIN_PASSWORD}")



def check_schema() -> None:
    """Exit with a clear message when the code's models have columns or tables the benchmark
    database lacks (the app changes under the benchmark: rerun this script after a migration)."""
    from sqlalchemy import create_engine, inspect

    from wuye_core.app import create_app
    from wuye_core.config import Settings
    from wuye_core.extensions import db

    create_app(Settings(database_url=APP_URL, log_level="WARNING"))  # imports every model (plugins too)

    engine = create_engine("postgresql+psycopg://" + OWNER_URL.split("://", 1)[1])
    try:
        insp = inspect(engine)
        have = {t: {c["name"] for c in insp.get_columns(t)} for t in insp.get_table_names()}
    finally:
        engine.dispose()
    missing = [f"{t.name}.{c.name}" if t.name in have else t.name
               for t in db.metadata.tables.values() for c in t.columns
               if t.name not in have or c.name not in have[t.name]]
    if missing:
        raise SystemExit(f"{DB_NAME} is older than the code (missing: {', '.join(sorted(set(missing))[:8])}): "
                         "rerun .venv/bin/python bench/setup_pg.py")


if __name__ == "__main__":
    main()
