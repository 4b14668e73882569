"""Outbox delivery: events/s of ONE `wuye worker`, and the lag of events under the ticket load.

    .venv/bin/python bench/delivery.py                                 # both modes, this checkout
    .venv/bin/python bench/delivery.py --mode throughput --events 30000
    .venv/bin/python bench/delivery.py --mode load --duration 20 --clients 8
    .venv/bin/python bench/delivery.py --reuse --code /tmp/wuye-before   # another checkout's worker and app

Goal (issue #14, item 5): one worker delivers >= 1,000 events/s with the two in-repo plugins
(red_property, care_visits) enabled, and the lag (occurred_at -> delivered_at) p99 is <= 2 s
while the ticket benchmark's load runs.

1. Database `wuye_bench_delivery` (rebuilt unless --reuse) with bench/setup_pg.py's functions:
   --tenants x --households, 2,000 tickets each (ticket_create.seed_tickets), both in-repo plugins
   enabled for every tenant and community, as `wuye tenants apply` would leave them. Migrated by
   THIS checkout (a worker of an older checkout ignores the columns it does not know).
2. throughput: --events outbox rows, spread over the tenants, realistic ticket events: per
   ticket a ticket_created, a ticket_assigned (to the tenant's admin: the core's notifications
   write a row) and a ticket_transitioned, all committed at once and undelivered. One delivery
   job per tenant is queued (what the commits' wake-ups do), then ONE `wuye worker --burst`
   process (the --code checkout's) runs until the queue is empty. Reported: events/s over the
   worker's whole run (process start to exit) and between the first and the last delivery,
   CPU-ms per event of the worker (its work horses included; PostgreSQL's not), lag p50/p99.
   The in-repo plugins implement no event hook: what they cost a delivery is asking which
   plugins are enabled in the event's community. The core's notifications are the writer.
3. load: gunicorn (--config, the --code checkout's `wsgi:app`) + wrk POSTing tickets as
   ticket_create.py does (--clients connections, --duration s, each request a random tenant),
   ONE `wuye worker` (not burst) running meanwhile; after the load, the lag of every event that
   occurred during it (waiting up to 120 s for the last ones). Reported: req/s, lag p50/p99/max.

Redis: --redis-url (default db 13, which must be empty; FLUSHDB at the end). Results are
printed and written to bench/results/delivery-<stamp>.txt.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
PLUGINS = ("red_property", "care_visits")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--database", default="wuye_bench_delivery")
    p.add_argument("--reuse", action="store_true")
    p.add_argument("--tenants", type=int, default=8)
    p.add_argument("--households", type=int, default=200)
    p.add_argument("--events", type=int, default=24000, help="throughput mode: events seeded (all tenants)")
    p.add_argument("--mode", choices=("throughput", "load", "both"), default="both")
    p.add_argument("--code", default=str(ROOT), help="the checkout whose worker (and app) runs")
    p.add_argument("--redis-url", default="redis://127.0.0.1:6379/13")
    p.add_argument("--config", default="sync:4", help="load mode: gunicorn workers (sync:W or gthread:WxT)")
    p.add_argument("--clients", type=int, default=16)
    p.add_argument("--duration", type=float, default=20.0)
    p.add_argument("--port", type=int, default=8790)
    args = p.parse_args()
    if args.database in ("wuye_bench", "wuye_bench_kpi", "wuye_bench_hooks", "wuye_bench_tickets", "postgres"):
        raise SystemExit(f"refusing to rebuild {args.database}: another benchmark's database")
    os.environ["BENCH_DB"] = args.database  # setup_pg reads it at import
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "bench"))
    import household_list as hl
    import psycopg
    import redis
    import setup_pg
    from machine import code_version
    from ticket_create import TICKET, seed_tickets

    code = Path(args.code).resolve()
    RESULTS.mkdir(parents=True, exist_ok=True)
    out: list[str] = []

    def say(line: str = "") -> None:
        print(line, flush=True)
        out.append(line)

    r = redis.Redis.from_url(args.redis_url)
    if r.dbsize():
        raise SystemExit(f"{args.redis_url} is not empty ({r.dbsize()} keys): pick an unused db")
    version = code_version() if code == ROOT else code.name
    say(f"delivery: mode {args.mode}, code {version} ({code}), {args.tenants} tenants, database {args.database}, "
        f"Redis {args.redis_url}, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}, {time.strftime('%Y-%m-%d %H:%M:%S')}")

    with psycopg.connect(f"{setup_pg.PG}/postgres", autocommit=True) as conn:
        exists = conn.execute("select 1 from pg_database where datname = %s", (args.database,)).fetchone()
    if not (args.reuse and exists):
        t0 = time.perf_counter()
        setup_pg.recreate_database()
        # migrated by this checkout's code (wuye is installed editable from another one maybe)
        os.environ["PYTHONPATH"] = os.pathsep.join(str(ROOT / d) for d in ("", "plugins/care_visits",
                                                                             "plugins/red_property"))
        setup_pg.migrate()
        setup_pg.load(args.tenants, args.households)
        seed_tickets(setup_pg, 2000)
        enable_plugins(setup_pg)
        setup_pg.vacuum_analyze()
        say(f"built {args.database} in {time.perf_counter() - t0:.1f} s")

    env = {**hl.app_env(), "WUYE_REDIS_URL": args.redis_url, "WUYE_ENV": "production",
           "PYTHONPATH": os.pathsep.join(str(code / d) for d in ("", "plugins/care_visits", "plugins/red_property"))}
    wuye = str(Path(sys.executable).with_name("wuye"))
    try:
        if args.mode in ("throughput", "both"):
            throughput(args, setup_pg, r, env, wuye, code, say)
        if args.mode in ("load", "both"):
            under_load(args, setup_pg, hl, r, env, wuye, code, TICKET, say)
    finally:
        r.flushdb()
    stamp = time.strftime("%Y%m%d-%H%M%S")
    (RESULTS / f"delivery-{stamp}.txt").write_text("\n".join(out) + "\n")
    print(f"\nwritten: bench/results/delivery-{stamp}.txt", flush=True)


def enable_plugins(setup_pg) -> None:
    import psycopg

    with psycopg.connect(setup_pg.OWNER_URL) as conn:
        for (t,) in conn.execute("select id from tenants where slug like 'bench-%' order by id").fetchall():
            with conn.transaction():
                conn.execute("select set_config('app.tenant_id', %s, true)", (str(t),))
                for plugin in PLUGINS:
                    conn.execute("INSERT INTO tenant_plugins (tenant_id, plugin, enabled, updated_by) "
                                 "VALUES (%s, %s, true, 'bench')", (t, plugin))
                    conn.execute("INSERT INTO community_plugins (tenant_id, community_id, plugin, enabled, config, "
                                 "version, updated_by) SELECT tenant_id, id, %s, true, '{}', 0, 'bench' "
                                 "FROM communities WHERE tenant_id = %s", (plugin, t))


def seed_events(setup_pg, total: int) -> tuple[int, int]:
    """`total` undelivered ticket events over the tenants (3 per ticket); the id range they got."""
    import psycopg

    with psycopg.connect(setup_pg.OWNER_URL) as conn:
        tenants = [r[0] for r in conn.execute("select id from tenants where slug like 'bench-%' order by id")]
        first = conn.execute("select coalesce(max(id), 0) + 1 from outbox_events").fetchone()[0]
        per_tenant = total // len(tenants) // 3
        for t in tenants:
            with conn.transaction():
                conn.execute("select set_config('app.tenant_id', %s, true)", (str(t),))
                conn.execute("""
                    INSERT INTO outbox_events (tenant_id, event_id, name, community_id, object_id, actor, data,
                                               occurred_at, attempts)
                    SELECT k.tenant_id, md5(random()::text || k.id || e.name), e.name, k.community_id, k.id, 'admin',
                           CASE e.name WHEN 'ticket_created' THEN '{"kind": "repair", "category": "水电维修"}'
                                       WHEN 'ticket_assigned' THEN json_build_object('assignee_id', u.id)::text
                                       ELSE '{"action": "accept", "to_status": "accepted"}' END::json,
                           now(), 0
                    FROM (SELECT * FROM tickets WHERE tenant_id = %(t)s ORDER BY id LIMIT %(n)s) k
                    CROSS JOIN (VALUES (1, 'ticket_created'), (2, 'ticket_assigned'), (3, 'ticket_transitioned'))
                         e(o, name)
                    CROSS JOIN LATERAL (SELECT id FROM staff_users WHERE tenant_id = %(t)s ORDER BY id LIMIT 1) u
                    ORDER BY k.id, e.o
                """, {"t": t, "n": per_tenant})
        last = conn.execute("select max(id) from outbox_events").fetchone()[0]
    return first, last


def lag(setup_pg, where: str, params: tuple) -> dict:
    import psycopg

    with psycopg.connect(setup_pg.OWNER_URL) as conn:
        row = conn.execute(f"""
            SELECT count(*), count(delivered_at),
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM delivered_at - occurred_at)),
                   percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM delivered_at - occurred_at)),
                   max(extract(epoch FROM delivered_at - occurred_at)),
                   extract(epoch FROM max(delivered_at) - min(delivered_at)),
                   (SELECT count(*) FROM notifications)
            FROM outbox_events WHERE {where}""", params).fetchone()
    keys = ("events", "delivered", "lag_p50", "lag_p99", "lag_max", "delivery_span", "notifications")
    return dict(zip(keys, row, strict=True))


def queue_wakeups(r, setup_pg) -> None:
    """One delivery job per tenant, as the commits' wake-ups leave them (same function name
    in every version since the fourth session)."""
    import psycopg
    from rq import Queue

    with psycopg.connect(setup_pg.OWNER_URL) as conn:
        tenants = [r[0] for r in conn.execute("select id from tenants where slug like 'bench-%' order by id")]
    queue = Queue("wuye", connection=r)
    for t in tenants:
        queue.enqueue("wuye_core.events.relay.deliver_pending_events", kwargs={"tenant_id": t}, job_timeout=600)


def throughput(args, setup_pg, r, env, wuye, code, say) -> None:
    first, last = seed_events(setup_pg, args.events)
    n = last - first + 1
    queue_wakeups(r, setup_pg)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run([wuye, "worker", "--burst"], env=env, cwd=code, capture_output=True, text=True,
                          timeout=1800)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    m = lag(setup_pg, "id BETWEEN %s AND %s", (first, last))
    if done.returncode or m["delivered"] < n:
        say(f"worker exit {done.returncode}, {m['delivered']} of {n} delivered: {done.stderr[-3000:]}")
        return
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    say(f"throughput: {n} events, {m['delivered']} delivered by one worker in {wall:.1f} s (process start to exit): "
        f"{m['delivered'] / wall:.0f} events/s; first to last delivery {m['delivery_span']:.1f} s: "
        f"{m['delivered'] / max(m['delivery_span'], 1e-9):.0f} events/s; worker CPU {cpu * 1000 / n:.2f} ms/event "
        f"(user {(after.ru_utime - before.ru_utime):.1f} s, sys {(after.ru_stime - before.ru_stime):.1f} s); "
        f"lag p50 {m['lag_p50']:.1f} s p99 {m['lag_p99']:.1f} s; notifications now {m['notifications']}")


def under_load(args, setup_pg, hl, r, env, wuye, code, ticket, say) -> None:
    import psycopg

    with psycopg.connect(setup_pg.OWNER_URL) as conn:
        places = conn.execute("""
            select distinct on (t.id) t.slug, h.community_id, h.site_id, h.building_id, h.unit_id, h.id
            from tenants t join households h on h.tenant_id = t.id where t.slug like 'bench-%' order by t.id, h.id
        """).fetchall()
        start_id = conn.execute("select coalesce(max(id), 0) + 1 from outbox_events").fetchone()[0]
    hl.PORT = args.port
    server = hl.Gunicorn(args.config, env)
    hl.ROOT = code  # gunicorn starts in the --code checkout (household_list's Gunicorn reads ROOT for its cwd)
    log = open(RESULTS / "delivery-worker.log", "w")  # not a pipe: nobody reads it while wrk runs
    worker = subprocess.Popen([wuye, "worker"], env=env, cwd=code, stdout=log, stderr=subprocess.STDOUT,
                              start_new_session=True)
    try:
        with server, tempfile.TemporaryDirectory() as tmp:
            tokens = [hl.login(slug) for slug, *_ in places]
            bodies = [json.dumps({"community_id": c, "site_id": s, "building_id": b, "unit_id": u,
                                  "household_id": h, **ticket}, ensure_ascii=False) for _, c, s, b, u, h in places]
            script = Path(tmp) / "tickets.lua"
            script.write_text(
                "local tokens = {" + ", ".join(f"[==[{t}]==]" for t in tokens) + "}\n"
                "local bodies = {" + ", ".join(f"[==[{b}]==]" for b in bodies) + "}\n"
                "function request()\n  local i = math.random(#bodies)\n"
                '  return wrk.format("POST", "/api/v1/tickets", {["Content-Type"] = "application/json", '
                '["Authorization"] = "Bearer " .. tokens[i]}, bodies[i])\nend\n')
            result = subprocess.run(["wrk", "-t2", f"-c{args.clients}", f"-d{args.duration:g}s", "-s", str(script),
                                     f"http://127.0.0.1:{args.port}"], capture_output=True, text=True, timeout=600)
        rps = next((line.split()[-1] for line in result.stdout.splitlines() if line.startswith("Requests/sec")), "?")
        non2xx = next((line.strip() for line in result.stdout.splitlines() if "Non-2xx" in line), "0 non-2xx")
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            m = lag(setup_pg, "id >= %s", (start_id,))
            if m["events"] == m["delivered"]:
                break
            time.sleep(1)
    finally:
        os.killpg(worker.pid, 15)
        worker.wait(30)
        log.close()
    say(f"under load ({args.config}, {args.clients} connections, {args.duration:g} s, {rps} tickets/s, {non2xx}): "
        f"{m['events']} events, {m['delivered']} delivered; lag p50 {m['lag_p50'] or 0:.2f} s "
        f"p99 {m['lag_p99'] or 0:.2f} s max {m['lag_max'] or 0:.2f} s")


if __name__ == "__main__":
    if not shutil.which("wrk"):
        print("note: wrk is not installed (apt-get install -y wrk): the load mode needs it", file=sys.stderr)
    main()
