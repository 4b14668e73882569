"""Supervision (#18 item 8): a street's supervised ticket list vs the company's own list of the same
tickets, and what the PostgreSQL policy `supervised_read` costs the company's own reads.

    .venv/bin/python bench/supervision.py                     # build wuye_bench_supervision if needed, time
    .venv/bin/python bench/supervision.py --rebuild --requests 400
    .venv/bin/python bench/supervision.py --policy off        # time with supervised_read dropped (owner),
                                                              # re-created at the end, whatever happens
    .venv/bin/python bench/supervision.py --drop-policy wuye_bench_kpi      # for bench/kpi_query.py: off …
    .venv/bin/python bench/supervision.py --restore-policy wuye_bench_kpi   # … and back on

1. Database `wuye_bench_supervision` (BENCH_PG, default postgresql://postgres@127.0.0.1:5432),
   created and migrated like every benchmark's (setup_pg.py: the app role `wuye_app` owns
   nothing and has no BYPASSRLS). Through the app's own services: a company (幸福物业, 1
   community, 5 sites) and a street (径河街道, 1 community, 3 sites); 3 accepted service links
   (company site i serves street site i, i = 1..3). Then, as the owner, set-based SQL: `--tickets`
   (5,000) tickets of the company over 90 days, 80 % on the 3 linked sites, 20 % on the 2 others,
   statuses, deadlines and ratings drawn with setseed (the same data every build); 50 tickets of
   the street's own. VACUUM (ANALYZE).
2. Timing, in-process, through the Flask test client, connected as `wuye_app` (ORM scoping, the
   per-transaction set_config, RLS, the request edge's commit all on the path), after
   `--warmup` unmeasured requests of each, `--requests` requests of each, interleaved
   (A B A B …, so that the shared machine's load falls on both alike):
     A. the street:  GET /api/v1/supervision/providers/<company>/tickets?site_id=<street site 1>&per_page=20
     B. the company: GET /api/v1/tickets?site_id=<company site 1>&per_page=20
   the same tickets (site 1's, ~1,330), the same page size, newest first; then pages 5 of both
   (OFFSET 80), and the KPIs (GET …/supervision/providers/<c>/kpis vs GET /api/v1/communities/<c>/kpis
   over all 5 sites: not the same tickets, shown for scale only). p50, p95, mean and the ratio A/B.
   A's extra work per request: the links lookup, the audit row in the company's trail, a nested
   app context with a session (a connection) of its own whose transaction sets app.tenant_id.
3. `--policy off`: the same timing with `supervised_read` dropped from tickets,
   ticket_transitions and ticket_ratings (as the owner); the supervised list then sees nothing
   on PostgreSQL (its numbers are not comparable), the company's own list and KPIs are what the
   policy's cost is read from. The policies are re-created from their definitions as read from
   pg_policies before they were dropped.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import setup_pg  # noqa: E402

DB_NAME = os.environ.get("BENCH_SUPERVISION_DB", "wuye_bench_supervision")
PG = os.environ.get("BENCH_PG", "postgresql://postgres@127.0.0.1:5432")
APP_ROLE = "wuye_app"
OWNER_URL = f"{PG}/{DB_NAME}"
APP_URL = OWNER_URL.replace("://postgres@", f"://{APP_ROLE}@", 1)
PASSWORD = "bench-admin-pass-2026"
TABLES = ("tickets", "ticket_transitions", "ticket_ratings")
POLICY = "supervised_read"


def _url(db: str) -> str:
    return f"{PG}/{db}"


def migrate() -> None:
    """`wuye db upgrade` as the owner (setup_pg.migrate, with this interpreter's `wuye`)."""
    import subprocess

    env = dict(os.environ, WUYE_DATABASE_URL=APP_URL, WUYE_MIGRATE_DATABASE_URL=OWNER_URL,
               WUYE_LOG_LEVEL="WARNING", WUYE_ENV="development",
               PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    subprocess.run([str(Path(sys.executable).parent / "wuye"), "db", "upgrade"], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL)


def make_app():
    from cryptography.fernet import Fernet

    from wuye_core.app import create_app
    from wuye_core.config import Settings

    settings = Settings.from_env({"WUYE_DATABASE_URL": APP_URL, "WUYE_MIGRATE_DATABASE_URL": OWNER_URL,
                                  "WUYE_LOG_LEVEL": "WARNING", "WUYE_ENV": "development",
                                  "WUYE_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
                                  "WUYE_RATELIMIT_ENABLED": "false"})
    return create_app(settings)


def build(app, tickets: int) -> None:
    from wuye_core.extensions import db
    from wuye_core.households.models import Community, Site
    from wuye_core.links import service as links
    from wuye_core.tenancy import tenant_context
    from wuye_core.tenants.service import create_tenant

    started = time.perf_counter()
    setup_pg.recreate_database(DB_NAME)
    migrate()
    print(f"  database + migrations {time.perf_counter() - started:6.1f} s", flush=True)
    from wuye_core.tenancy.context import reset_tenant

    ids = []
    for slug, name, kind in (("bench-company", "幸福物业", "company"), ("bench-street", "径河街道", "subdistrict")):
        with app.app_context():
            ids.append(create_tenant(slug, name, kind, admin_username="admin", admin_password=PASSWORD).id)
            db.session.commit()
            db.session.remove()
        reset_tenant()
    company_id, street_id = ids
    with app.app_context():
        sites = {}
        for tenant_id, prefix, n in ((company_id, "企", 5), (street_id, "街", 3)):
            with tenant_context(tenant_id):
                community = Community(name=f"{prefix}社区", code="c1", config={}, config_version=1)
                db.session.add(community)
                db.session.flush()
                sites[tenant_id] = []
                for i in range(1, n + 1):
                    site = Site(community_id=community.id, name=f"{prefix}小区{i}", kind="compound")
                    db.session.add(site)
                    db.session.flush()
                    sites[tenant_id].append(site.id)
                db.session.commit()
        for i in range(3):
            with tenant_context(company_id):
                link = links.propose(partner="bench-street", site_id=sites[company_id][i], side="provider")
                link_id = link.id
                db.session.commit()
            with tenant_context(street_id):
                links.accept(link_id, sites[street_id][i])
                db.session.commit()
        db.session.remove()
    params = {"c": company_id, "s": street_id, "n": tickets, "linked": sites[company_id][:3],
              "other": sites[company_id][3:], "own": sites[street_id]}
    with psycopg.connect(OWNER_URL) as conn, conn.transaction():
        conn.execute("select setseed(0.18)")
        conn.execute(TICKETS, {"tenant": company_id, "n": tickets, "linked": params["linked"],
                               "other": params["other"], "share": 0.8})
        conn.execute(TICKETS, {"tenant": street_id, "n": 50, "linked": params["own"], "other": params["own"],
                               "share": 1.0})
    with psycopg.connect(OWNER_URL, autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE)")
    print(f"  built in {time.perf_counter() - started:6.1f} s: {tickets:,} tickets of the company "
          f"(80 % on the 3 linked sites), 50 of the street", flush=True)


# r: one draw per ticket; the site: a linked one with probability `share`
TICKETS = """
INSERT INTO tickets (tenant_id, community_id, site_id, channel, kind, category, title, description, priority,
                     status, reporter_name, reporter_phone, created_by, created_at, accepted_at, on_site_at,
                     resolved_at, closed_at, reopened_count, arrive_due_at, resolve_due_at, sla_policy, rating)
SELECT %(tenant)s, s.community_id, s.id, 'phone',
       (ARRAY['repair','complaint','inquiry','suggestion','dispute'])[1 + floor(r.k * 5)::int],
       (ARRAY['水电维修','电梯','保洁','绿化','停车','噪音'])[1 + floor(r.c * 6)::int],
       '工单 ' || r.n, '描述 ' || r.n, 'normal',
       CASE WHEN r.st < 0.15 THEN 'submitted' WHEN r.st < 0.3 THEN 'accepted' WHEN r.st < 0.4 THEN 'dispatched'
            WHEN r.st < 0.7 THEN 'resolved' WHEN r.st < 0.95 THEN 'closed' ELSE 'cancelled' END,
       '张三' || r.n, '138' || lpad(r.n::text, 8, '0'), 'admin', r.created,
       CASE WHEN r.st >= 0.15 THEN r.created + interval '3 minutes' END,
       CASE WHEN r.st >= 0.4 AND r.st < 0.95 THEN r.created + (interval '1 minute' * (2 + floor(r.k * 8))) END,
       CASE WHEN r.st >= 0.4 AND r.st < 0.95 THEN r.created + (interval '1 minute' * (10 + floor(r.c * 50))) END,
       CASE WHEN r.st >= 0.7 AND r.st < 0.95 THEN r.created + interval '2 hours' END,
       0, r.created + interval '5 minutes', r.created + interval '30 minutes', 'core',
       CASE WHEN r.st >= 0.7 AND r.st < 0.95 THEN 1 + floor(r.k * 5)::int END
FROM (SELECT n, random() AS k, random() AS c, random() AS st, random() AS place, random() AS pick,
             now() - (interval '1 minute' * floor(random() * 90 * 24 * 60)) AS created
      FROM generate_series(1, %(n)s) n) r
JOIN LATERAL (
  SELECT id, community_id FROM sites
  WHERE tenant_id = %(tenant)s
    AND id = CASE WHEN r.place < %(share)s
                  THEN (%(linked)s::int[])[1 + floor(r.pick * cardinality(%(linked)s::int[]))::int]
                  ELSE (%(other)s::int[])[1 + floor(r.pick * cardinality(%(other)s::int[]))::int] END
) s ON true
ORDER BY r.created
"""


def existing() -> dict | None:
    try:
        with psycopg.connect(OWNER_URL, connect_timeout=5) as conn:
            rows = dict(conn.execute("select slug, id from tenants where slug like 'bench-%'").fetchall())
            if set(rows) != {"bench-company", "bench-street"}:
                return None
            n = conn.execute("select count(*) from tickets where tenant_id = %s", (rows["bench-company"],)).fetchone()
            return {**rows, "tickets": n[0]}
    except psycopg.Error:
        return None


# --- the policy ------------------------------------------------------------------------------------


def policy_definitions(db: str) -> dict[str, tuple[str, str]]:
    with psycopg.connect(_url(db)) as conn:
        return {table: (cmd, qual) for table, cmd, qual in conn.execute(
            "select tablename, cmd, qual from pg_policies where policyname = %s and tablename = any(%s)",
            (POLICY, list(TABLES)))}


def drop_policy(db: str) -> dict:
    found = policy_definitions(db)
    with psycopg.connect(_url(db), autocommit=True) as conn:
        for table in found:
            conn.execute(f"DROP POLICY {POLICY} ON {table}")
    print(f"  {POLICY} dropped on {', '.join(found) or 'nothing'} ({db})", flush=True)
    return found


def restore_policy(db: str, found: dict | None = None) -> None:
    """Re-create the policy from `found` (what drop_policy read) or, without it, from migration 0015."""
    if found is None:
        from wuye_core.tenancy.rls import CURRENT_TENANT_SQL

        found = {"tickets": ("SELECT", "EXISTS (SELECT 1 FROM service_links l WHERE l.state = 'accepted' AND "
                             "l.provider_tenant_id = tickets.tenant_id AND l.provider_site_id = tickets.site_id "
                             f"AND l.client_tenant_id = {CURRENT_TENANT_SQL})")}
        for table in ("ticket_transitions", "ticket_ratings"):
            found[table] = ("SELECT", f"EXISTS (SELECT 1 FROM tickets t WHERE t.tenant_id = {table}.tenant_id "
                                      f"AND t.id = {table}.ticket_id)")
    with psycopg.connect(_url(db), autocommit=True) as conn:
        present = {r[0] for r in conn.execute("select tablename from pg_policies where policyname = %s", (POLICY,))}
        for table, (cmd, qual) in found.items():
            if table not in present:
                conn.execute(f"CREATE POLICY {POLICY} ON {table} FOR {cmd} USING ({qual})")
    print(f"  {POLICY} present again on {', '.join(policy_definitions(db))} ({db})", flush=True)


# --- timing ----------------------------------------------------------------------------------------


def stats(times: list[float]) -> dict:
    ms = sorted(t * 1000 for t in times)
    return {"p50": statistics.median(ms), "p95": ms[max(0, -(-95 * len(ms) // 100) - 1)],
            "mean": statistics.fmean(ms), "n": len(ms)}


def interleaved(pairs: list[tuple[str, object, str, str, object]], requests: int, warmup: int) -> None:
    """pairs: (label A, client A, path A, label B, client B, path B); A B A B … per pair."""
    for label_a, client_a, path_a, label_b, client_b, path_b in pairs:
        times = {label_a: [], label_b: []}
        for i in range(warmup + requests):
            for label, client, path in ((label_a, client_a, path_a), (label_b, client_b, path_b)):
                started = time.perf_counter()
                response = client.get(path)
                elapsed = time.perf_counter() - started
                assert response.status_code == 200, (path, response.status_code, response.get_json())
                if i >= warmup:
                    times[label].append(elapsed)
        a, b = stats(times[label_a]), stats(times[label_b])
        for label, s in ((label_a, a), (label_b, b)):
            print(f"  {label:<58} p50 {s['p50']:6.2f}  p95 {s['p95']:6.2f}  mean {s['mean']:6.2f} ms  (n={s['n']})")
        print(f"  {'ratio A/B':<58} p50 {a['p50'] / b['p50']:6.3f}  p95 {a['p95'] / b['p95']:6.3f}  "
              f"mean {a['mean'] / b['mean']:6.3f}\n", flush=True)


def compare_policy(company, own_site: int, community: int, args) -> None:
    """The company's own reads with and without supervised_read, in alternating blocks."""
    paths = {"own list, site 1, page 1": f"/api/v1/tickets?site_id={own_site}&per_page=20",
             "own list, site 1, page 5": f"/api/v1/tickets?site_id={own_site}&per_page=20&page=5",
             "own community KPIs": f"/api/v1/communities/{community}/kpis"}
    times = {(label, state): [] for label in paths for state in ("on", "off")}
    definitions = policy_definitions(DB_NAME)
    print(f"\npolicy {POLICY} on / off in alternating blocks of {args.block} requests of each path, "
          f"{args.requests} requests of each in each state; load average {os.getloadavg()}", flush=True)
    try:
        for block in range(2 * -(-args.requests // args.block)):
            state = "on" if block % 2 == 0 else "off"
            if state == "off":
                with psycopg.connect(OWNER_URL, autocommit=True) as conn:
                    for table in definitions:
                        conn.execute(f"DROP POLICY {POLICY} ON {table}")
            else:
                restore_policy_quietly(definitions)
            for label, path in paths.items():
                for i in range(args.block + 3):  # 3 unmeasured: the first after DDL plans afresh
                    started = time.perf_counter()
                    response = company.get(path)
                    elapsed = time.perf_counter() - started
                    assert response.status_code == 200, (path, response.status_code)
                    if i >= 3:
                        times[(label, state)].append(elapsed)
    finally:
        restore_policy_quietly(definitions)
    for label in paths:
        on, off = stats(times[(label, "on")]), stats(times[(label, "off")])
        for state, s in (("on", on), ("off", off)):
            print(f"  {label + ', policy ' + state:<58} p50 {s['p50']:6.2f}  p95 {s['p95']:6.2f}  "
                  f"mean {s['mean']:6.2f} ms  (n={s['n']})")
        print(f"  {'ratio on/off':<58} p50 {on['p50'] / off['p50']:6.3f}  p95 {on['p95'] / off['p95']:6.3f}  "
              f"mean {on['mean'] / off['mean']:6.3f}\n", flush=True)
    print(f"load average at the end {os.getloadavg()}")


def restore_policy_quietly(definitions: dict) -> None:
    with psycopg.connect(OWNER_URL, autocommit=True) as conn:
        present = {r[0] for r in conn.execute("select tablename from pg_policies where policyname = %s", (POLICY,))}
        for table, (cmd, qual) in definitions.items():
            if table not in present:
                conn.execute(f"CREATE POLICY {POLICY} ON {table} FOR {cmd} USING ({qual})")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rebuild", action="store_true")
    p.add_argument("--tickets", type=int, default=5000)
    p.add_argument("--requests", type=int, default=300)
    p.add_argument("--warmup", type=int, default=20)
    p.add_argument("--policy", choices=("on", "off", "compare"), default="on",
                   help="compare: the company's own list and KPIs in blocks of --block requests, the policy "
                        "dropped and re-created between blocks (on, off, on, off …)")
    p.add_argument("--block", type=int, default=25)
    p.add_argument("--drop-policy", metavar="DB", help="only drop supervised_read in database DB, then exit")
    p.add_argument("--restore-policy", metavar="DB", help="only re-create supervised_read in DB, then exit")
    args = p.parse_args()
    if args.drop_policy:
        drop_policy(args.drop_policy)
        return
    if args.restore_policy:
        restore_policy(args.restore_policy)
        return
    print(f"database {DB_NAME}, {time.strftime('%Y-%m-%d %H:%M:%S')}, load average {os.getloadavg()}", flush=True)
    app = make_app()
    found = existing()
    if args.rebuild or found is None or found["tickets"] != args.tickets:
        build(app, args.tickets)
        found = existing()
    else:
        print(f"  reusing it: {found['tickets']:,} tickets of the company")
    from wuye_core.testing import login

    company = login(app, "bench-company", "admin", PASSWORD)
    street = login(app, "bench-street", "admin", PASSWORD)
    provider = [x for x in street.get("/api/v1/supervision/providers").get_json()["items"]]
    [provider] = provider
    link = provider["links"][0]
    own_site = next(s["id"] for s in company.get("/api/v1/sites", query_string={"per_page": 100}).get_json()["items"]
                    if s["name"] == link["provider_site_name"])
    community = company.get("/api/v1/communities").get_json()["items"][0]["id"]
    supervised = f"/api/v1/supervision/providers/{provider['id']}"
    a = street.get(f"{supervised}/tickets?site_id={link['site_id']}&per_page=20").get_json()
    b = company.get(f"/api/v1/tickets?site_id={own_site}&per_page=20").get_json()
    print(f"  site 1: {b['total']:,} tickets (the supervised list: {a['total']:,}); same page: "
          f"{[t['id'] for t in a['items']] == [t['id'] for t in b['items']]}", flush=True)
    if args.policy == "compare":
        compare_policy(company, own_site, community, args)
        return
    dropped = drop_policy(DB_NAME) if args.policy == "off" else None
    try:
        print(f"\npolicy {POLICY} {args.policy}; {args.warmup} warm-up + {args.requests} requests each, "
              f"interleaved; load average {os.getloadavg()}", flush=True)
        pairs = [
            ("A street: supervised list, site 1, page 1", street, f"{supervised}/tickets?site_id={link['site_id']}"
             "&per_page=20", "B company: own list, site 1, page 1", company,
             f"/api/v1/tickets?site_id={own_site}&per_page=20"),
            ("A street: supervised list, site 1, page 5", street, f"{supervised}/tickets?site_id={link['site_id']}"
             "&per_page=20&page=5", "B company: own list, site 1, page 5", company,
             f"/api/v1/tickets?site_id={own_site}&per_page=20&page=5"),
            ("A street: supervised KPIs (3 linked sites)", street, f"{supervised}/kpis",
             "B company: own community KPIs (5 sites)", company, f"/api/v1/communities/{community}/kpis"),
        ]
        if args.policy == "off":  # the supervised reads see nothing without the policy: time the company's only
            pairs = [("company: own list, site 1, page 1", company, f"/api/v1/tickets?site_id={own_site}&per_page=20",
                      "company: own community KPIs", company, f"/api/v1/communities/{community}/kpis")]
        interleaved(pairs, args.requests, args.warmup)
    finally:
        if dropped is not None:
            restore_policy(DB_NAME, dropped)
    print(f"load average at the end {os.getloadavg()}")


if __name__ == "__main__":
    main()
