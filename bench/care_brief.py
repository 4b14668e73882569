"""Care brief (简报) for a tenant with 5,000 cared-for people and 60,000 visits (goal: < 30 s).

    .venv/bin/python bench/care_brief.py              # reuse wuye_bench_care if it holds the data, else build it
    .venv/bin/python bench/care_brief.py --rebuild    # drop and build it again
    .venv/bin/python bench/care_brief.py --runs 5     # more timed runs

1. Database `wuye_bench_care` (BENCH_PG, default postgresql://postgres@127.0.0.1:5432), built like
   the other benchmarks: created by the superuser, the app role `wuye_app` (owns nothing, no
   BYPASSRLS), migrated by `wuye db upgrade` (core and every installed plugin's branch) as the owner.
2. Data, as the owner with set-based SQL, in one transaction that sets `app.tenant_id` (RLS is
   forced on the owner too): 1 tenant, 10 communities x 500 residents (one per household, 5
   buildings of 100 units each) = 5,000 residents, all on the care register (levels A/B/C
   20/30/50 %, 1–3 difficulty types), 12 visits each over 2025 = 60,000 visits (85 % visited,
   needs, help and risk levels drawn at random, 3 % with a high risk), a referral for 5 % of the
   visits, a plan item per person per quarter (20,000). One visit in ten carries a
   recommendation: the same Fernet token (encrypted with the benchmark's fixed key), so the
   brief really decrypts texts. setseed: the same data every build. VACUUM (ANALYZE).
3. Timing, in-process, connected as `wuye_app`, in an app context and the tenant's context:
   the job function itself (`wuye_care_visits.brief.build_brief`: SQL aggregates for this and
   the previous period, recommendations, the .docx, the per-person .xlsx ledger, encrypted
   storage of both files) for
     - the whole tenant over the year 2025 (all 60,000 visits, 5,000 ledger rows): the goal,
     - the whole tenant over a quarter,
     - one community over the year (6,000 visits, 500 rows).
   Each run is a fresh brief row and a fresh session. Median, min, max; plus the file sizes.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DB_NAME = os.environ.get("BENCH_CARE_DB", "wuye_bench_care")
PG = os.environ.get("BENCH_PG", "postgresql://postgres@127.0.0.1:5432")
APP_ROLE = "wuye_app"
OWNER_URL = f"{PG}/{DB_NAME}"
APP_URL = OWNER_URL.replace("://postgres@", f"://{APP_ROLE}@", 1)
KEY = "VGhpcy1pcy10aGUtYmVuY2gta2V5LW5vdC1hLXNlY3I="  # a fixed Fernet key: the data holds tokens made with it
COMMUNITIES, PER_COMMUNITY, VISITS_PER_PERSON = 10, 500, 12

STATEMENTS = [
    ("communities", """
        INSERT INTO communities (tenant_id, name, code, address, config, config_version)
        SELECT %(t)s, '关爱社区 ' || c, 'c' || c, '基准路 ' || c || ' 号', '{}', 1
        FROM generate_series(1, %(communities)s) c ORDER BY c"""),
    ("sites", """
        INSERT INTO sites (tenant_id, community_id, name, kind, address, area_m2)
        SELECT tenant_id, id, '小区 1', 'old', address, 20000 FROM communities WHERE tenant_id = %(t)s ORDER BY id"""),
    ("buildings", """
        INSERT INTO buildings (tenant_id, community_id, site_id, name)
        SELECT s.tenant_id, s.community_id, s.id, b || '栋' FROM sites s CROSS JOIN generate_series(1, 5) b
        WHERE s.tenant_id = %(t)s ORDER BY s.id, b"""),
    ("units", """
        INSERT INTO units (tenant_id, community_id, site_id, building_id, entrance, floor, number)
        SELECT b.tenant_id, b.community_id, b.site_id, b.id, '1', 1 + (u - 1) / 4, u::text
        FROM buildings b CROSS JOIN generate_series(1, %(per_building)s) u WHERE b.tenant_id = %(t)s
        ORDER BY b.id, u"""),
    ("households", """
        INSERT INTO households (tenant_id, community_id, site_id, building_id, unit_id, kind)
        SELECT tenant_id, community_id, site_id, building_id, id, 'owner' FROM units WHERE tenant_id = %(t)s
        ORDER BY id"""),
    ("residents", """
        INSERT INTO residents (tenant_id, community_id, site_id, building_id, household_id, name, phone)
        SELECT tenant_id, community_id, site_id, building_id, id, '居民' || id, '139' || lpad(id::text, 8, '0')
        FROM households WHERE tenant_id = %(t)s ORDER BY id"""),
    ("care_visits_people", """
        INSERT INTO care_visits_people (tenant_id, community_id, resident_id, difficulty_flags, level, active,
                                        consent_visits, consent_photos, consent_sharing, last_visit_on,
                                        next_due_on, high_risk)
        SELECT tenant_id, community_id, id, (1 << floor(random() * 9)::int) | (1 << floor(random() * 9)::int),
               CASE WHEN r < 0.2 THEN 'A' WHEN r < 0.5 THEN 'B' ELSE 'C' END, true, true, r < 0.5,
               '["civil_affairs"]', date '2025-12-20', date '2026-01-20' + (r * 150)::int, r < 0.03
        FROM (SELECT r.*, random() AS r FROM residents r WHERE tenant_id = %(t)s OFFSET 0) x ORDER BY id"""),
    ("care_visits_visits", """
        INSERT INTO care_visits_visits (tenant_id, community_id, person_id, visited_on, visitors, outcome,
                                        need_flags, help_flags, risk_health, risk_safety, risk_social,
                                        recommendation, created_by)
        SELECT tenant_id, community_id, id, date '2025-01-01' + ((v - 1) * 30 + floor(r1 * 25))::int, '关爱小组',
               CASE WHEN r2 < 0.85 THEN 'visited' WHEN r2 < 0.95 THEN 'not_home' ELSE 'refused' END,
               CASE WHEN r2 < 0.85 THEN (1 << floor(r3 * 9)::int) ELSE 0 END,
               CASE WHEN r2 < 0.85 AND r4 < 0.6 THEN (1 << floor(r4 * 11)::int) ELSE 0 END,
               CASE WHEN r5 < 0.03 THEN 'high' WHEN r5 < 0.15 THEN 'medium' WHEN r5 < 0.5 THEN 'low' ELSE 'none' END,
               CASE WHEN r6 < 0.01 THEN 'high' WHEN r6 < 0.1 THEN 'low' ELSE 'none' END,
               CASE WHEN r6 > 0.9 THEN 'low' ELSE 'none' END,
               CASE WHEN r1 < 0.1 THEN %(token)s END, 'bench'
        FROM (SELECT p.tenant_id, p.community_id, p.id, v, random() AS r1, random() AS r2, random() AS r3,
                     random() AS r4, random() AS r5, random() AS r6
              FROM care_visits_people p CROSS JOIN generate_series(1, %(visits)s) v WHERE p.tenant_id = %(t)s
              OFFSET 0) x
        ORDER BY random()"""),
    ("care_visits_referrals", """
        INSERT INTO care_visits_referrals (tenant_id, community_id, visit_id, person_id, body, status, referred_on,
                                           closed_on, created_by)
        SELECT tenant_id, community_id, id, person_id,
               (ARRAY['residents_committee','civil_affairs','charity','social_workers','legal_aid','medical'])
                   [1 + floor(random() * 6)::int],
               CASE WHEN visited_on < date '2025-10-01' THEN 'resolved' ELSE 'open' END, visited_on,
               CASE WHEN visited_on < date '2025-10-01' THEN visited_on + 30 END, 'bench'
        FROM care_visits_visits WHERE tenant_id = %(t)s AND outcome = 'visited' AND random() < 0.06"""),
    ("care_visits_plan_items", """
        INSERT INTO care_visits_plan_items (tenant_id, community_id, person_id, period, kind, due_on, status)
        SELECT tenant_id, community_id, id, '2025-Q' || q, 'regular', make_date(2025, q * 3 - 2, 15),
               'done' FROM care_visits_people CROSS JOIN generate_series(1, 4) q WHERE tenant_id = %(t)s"""),
]


def step(label: str, started: float) -> float:
    now = time.perf_counter()
    print(f"  {label:<52} {now - started:7.2f} s", flush=True)
    return now


def visit_count() -> int | None:
    try:
        with psycopg.connect(OWNER_URL) as conn:
            tenant = conn.execute("select id from tenants where slug = 'care-bench'").fetchone()
            if tenant is None:
                return None
            conn.execute("select set_config('app.tenant_id', %s, false)", (str(tenant[0]),))
            return conn.execute("select count(*) from care_visits_visits").fetchone()[0]
    except psycopg.OperationalError:
        return None


def build() -> None:
    from cryptography.fernet import Fernet

    started = time.perf_counter()
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(DB_NAME)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DB_NAME)))
        if conn.execute("select 1 from pg_roles where rolname = %s", (APP_ROLE,)).fetchone() is None:
            conn.execute(sql.SQL("CREATE ROLE {} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE")
                         .format(sql.Identifier(APP_ROLE)))
    started = step("drop + create database, app role", started)
    env = dict(os.environ, WUYE_DATABASE_URL=APP_URL, WUYE_MIGRATE_DATABASE_URL=OWNER_URL,
               WUYE_LOG_LEVEL="WARNING", WUYE_ENV="development", WUYE_ENCRYPTION_KEYS=KEY)
    subprocess.run([str(ROOT / ".venv/bin/wuye"), "db", "upgrade"], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL)
    started = step("migrate (wuye db upgrade, as owner)", started)
    token = Fernet(KEY.encode()).encrypt("建议链接社区医生定期上门随访，关注独居老人用药安全。".encode()).decode()
    params = {"communities": COMMUNITIES, "per_building": PER_COMMUNITY // 5, "visits": VISITS_PER_PERSON,
              "token": token}
    with psycopg.connect(OWNER_URL) as conn:
        with conn.transaction():
            t = conn.execute("INSERT INTO tenants (slug, name, kind, active) VALUES ('care-bench', '关爱基准租户', "
                             "'subdistrict', true) RETURNING id").fetchone()[0]
            conn.execute("select set_config('app.tenant_id', %s, true)", (str(t),))
            conn.execute("select setseed(0.42)")
            for name, statement in STATEMENTS:
                conn.execute(statement, {"t": t, **params})
                started = step(f"load {name}", started)
    with psycopg.connect(OWNER_URL, autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE)")
    step("VACUUM (ANALYZE)", started)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rebuild", action="store_true", help="drop and build the database even if it is there")
    p.add_argument("--runs", type=int, default=3)
    args = p.parse_args()
    t0 = time.perf_counter()
    expected = COMMUNITIES * PER_COMMUNITY * VISITS_PER_PERSON
    if args.rebuild or visit_count() != expected:
        print(f"building {DB_NAME}:", flush=True)
        build()
    print(f"{DB_NAME}: {visit_count():,} visits", flush=True)

    from sqlalchemy import select
    from wuye_care_visits.brief import build_brief
    from wuye_care_visits.models import CareBrief

    from wuye_core.app import create_app
    from wuye_core.config import Settings
    from wuye_core.extensions import db
    from wuye_core.households.models import Community
    from wuye_core.tenancy import tenant_context

    settings = Settings.from_env({"WUYE_DATABASE_URL": APP_URL, "WUYE_MIGRATE_DATABASE_URL": OWNER_URL,
                                  "WUYE_LOG_LEVEL": "WARNING", "WUYE_ENV": "development",
                                  "WUYE_ENCRYPTION_KEYS": KEY})
    app = create_app(settings)
    with psycopg.connect(OWNER_URL) as conn:
        tenant_id = conn.execute("select id from tenants where slug = 'care-bench'").fetchone()[0]
    with app.app_context(), tenant_context(tenant_id):
        assert db.session.get_bind().url.username == APP_ROLE
        community = db.session.scalars(select(Community.id).order_by(Community.id)).first()

    cases = [("tenant, year 2025 (60,000 visits)", None, date(2025, 1, 1), date(2025, 12, 31)),
             ("tenant, quarter 2025-Q2", None, date(2025, 4, 1), date(2025, 6, 30)),
             ("one community, year 2025 (6,000 visits)", community, date(2025, 1, 1), date(2025, 12, 31))]
    print(f"\ntiming build_brief as {APP_ROLE} in tenant_context, {args.runs} runs each:", flush=True)
    for label, cid, start, end in cases:
        times = []
        for _ in range(args.runs):
            with app.app_context(), tenant_context(tenant_id):
                brief = CareBrief(community_id=cid, period_start=start, period_end=end, created_by="bench")
                db.session.add(brief)
                db.session.commit()
                brief_id = brief.id
                db.session.remove()
            with app.app_context(), tenant_context(tenant_id):
                started = time.perf_counter()
                build_brief(tenant_id=tenant_id, brief_id=brief_id)
                times.append(time.perf_counter() - started)
            with app.app_context(), tenant_context(tenant_id):
                brief = db.session.get(CareBrief, brief_id)
                assert brief.status == "done", brief.error
                made, sizes = brief.figures["visits"]["made"], (len(brief.docx) * 3 // 4, len(brief.xlsx) * 3 // 4)
        print(f"  {label:<42} median {statistics.median(times):6.2f} s  min {min(times):6.2f}  "
              f"max {max(times):6.2f} s  (visits made {made:,}; docx {sizes[0] // 1024} KiB, xlsx "
              f"{sizes[1] // 1024} KiB, base64-decoded estimate)", flush=True)
    print(f"\ntotal wall clock {time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
    main()
