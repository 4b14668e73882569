"""CPU instructions (or a cProfile) of the outbox relay delivering a fixed set of ticket events,
in-process, for any checkout: the deterministic side of bench/delivery.py's worker CPU-ms/event.

    export PYTHONPATH=$PWD:$PWD/plugins/care_visits:$PWD/plugins/red_property
    .venv/bin/python bench/relay_instructions.py --build                # wuye_bench_relay, migrated by THIS checkout
    valgrind --tool=callgrind --trace-children=yes --instr-atstart=no --callgrind-out-file=/dev/null \\
        .venv/bin/python bench/relay_instructions.py --code <checkout> --events 1500   # "Collected: X"
    ... the same with --events 3000: instructions per event = (X(3000) - X(1500)) / 1500
    .venv/bin/python bench/relay_instructions.py --code <checkout> --events 1500 --profile out.pstats
    .venv/bin/python bench/relay_instructions.py --code <checkout> --events 1500 --time    # CPU-ms/event (noisy)
    valgrind --tool=callgrind --trace-children=yes --dump-before=fork --callgrind-out-file=w.%p \\
        .venv/bin/python bench/relay_instructions.py --code <checkout> --events 6000 --worker
        # the real `wuye worker --burst`, one job per tenant: a file per process (cmd: … worker),
        # the start-up up to the first fork in w.<worker pid>.1, each work horse's job in w.<its pid>

Database `--database` (default wuye_bench_relay; --build makes it with bench/delivery.py's recipe,
smaller: 2 tenants x 200 households, 2,000 tickets each, red_property and care_visits enabled
everywhere). Each run seeds --events undelivered ticket events of tenant bench-001 (created /
assigned / transitioned per ticket, as delivery.py does) plus --warm-up more, then in ONE process
of the --code checkout (its wuye_core and plugins first on sys.path, nothing of this checkout's
but bench/ helpers): create_app, deliver the warm-up events (caches, compiled statements), and then
the measured ones with `deliver_pending_events(tenant)` — the function the worker's job runs,
claims and commits included (batches of 500). Only that call is instrumented (a 2-line C client
request, CALLGRIND_START/STOP_INSTRUMENTATION, compiled into bench/results/ on first use), so
imports, app start-up and the seeding are not counted. Redis: --redis-url (db 13 by default,
emptied at the end; nothing is queued: the delivery runs right here). PYTHONHASHSEED is pinned to 0
in the child.
"""

from __future__ import annotations

import argparse
import gc
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--database", default="wuye_bench_relay")
    p.add_argument("--build", action="store_true", help="(re)build the database with this checkout's migrations")
    p.add_argument("--code", default=str(ROOT), help="the checkout whose wuye_core and plugins deliver")
    p.add_argument("--events", type=int, default=1500, help="measured events (a multiple of 3)")
    p.add_argument("--warm-up", type=int, default=600,
                   help="events delivered first, not measured; 0: measure a cold delivery (a fresh work horse's)")
    p.add_argument("--redis-url", default="redis://127.0.0.1:6379/13")
    p.add_argument("--profile", help="write a cProfile of the measured delivery here (.pstats)")
    p.add_argument("--time", action="store_true", help="print the measured delivery's process CPU time")
    p.add_argument("--startup", action="store_true",
                   help="count the checkout's imports and create_app instead (what every worker start pays)")
    p.add_argument("--worker", action="store_true",
                   help="seed --events over the bench tenants, queue one job per tenant and run the checkout's "
                        "`wuye worker --burst` (as delivery.py does): to run under valgrind, see the usage")
    p.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.database in ("wuye_bench", "wuye_bench_kpi", "wuye_bench_tickets", "wuye_bench_supervision", "postgres"):
        raise SystemExit(f"refusing to use {args.database}: another benchmark's database")
    os.environ["BENCH_DB"] = args.database  # setup_pg reads it at import
    if args.inner:
        return inner(args)
    sys.path.insert(0, str(BENCH))
    import setup_pg

    if args.build:
        from delivery import enable_plugins
        from ticket_create import seed_tickets

        t0 = time.perf_counter()
        setup_pg.recreate_database()
        setup_pg.migrate()  # with this process's PYTHONPATH: give it THIS checkout (see the usage)
        setup_pg.load(2, 200)
        seed_tickets(setup_pg, 2000)
        enable_plugins(setup_pg)
        setup_pg.vacuum_analyze()
        print(f"built {args.database} in {time.perf_counter() - t0:.1f} s", flush=True)
        return
    code = Path(args.code).resolve()
    if args.worker:
        return whole_worker(args, code, setup_pg)
    env = {**os.environ, "PYTHONHASHSEED": "0",
           "PYTHONPATH": os.pathsep.join(str(code / d) for d in ("", "plugins/care_visits", "plugins/red_property"))}
    # the child is this file, run as a script: sys.path[0] is bench/, then the checkout's code
    done = subprocess.run([sys.executable, __file__, *sys.argv[1:], "--inner"], env=env)
    raise SystemExit(done.returncode)


def whole_worker(args, code: Path, setup_pg) -> None:
    import redis
    from delivery import queue_wakeups, seed_events
    from household_list import app_env

    r = redis.Redis.from_url(args.redis_url)
    if r.dbsize():
        raise SystemExit(f"{args.redis_url} is not empty ({r.dbsize()} keys): pick an unused db")
    try:
        seed_events(setup_pg, args.events)
        queue_wakeups(r, setup_pg)
        env = {**app_env(), "WUYE_REDIS_URL": args.redis_url, "WUYE_ENV": "production", "PYTHONHASHSEED": "0",
               "PYTHONPATH": os.pathsep.join(str(code / d) for d in ("", "plugins/care_visits", "plugins/red_property"))}
        done = subprocess.run([str(Path(sys.executable).with_name("wuye")), "worker", "--burst"], env=env, cwd=code,
                              timeout=3600)
    finally:
        r.flushdb()
    raise SystemExit(done.returncode)


def inner(args) -> None:
    import psycopg
    import redis

    path = list(sys.path)
    import setup_pg  # these put this checkout first on sys.path: take it back off
    from delivery import seed_events
    from household_list import app_env

    sys.path[:] = path
    from callgrind_requests import toggle_lib  # bench/ is on sys.path (this file runs as a script)

    lib = toggle_lib()
    if args.startup:
        lib.cg_start()
    import wuye_core

    code = Path(args.code).resolve()
    if Path(wuye_core.__file__).resolve().parent.parent != code:
        raise SystemExit(f"wuye_core comes from {wuye_core.__file__}, not {code}")

    r = redis.Redis.from_url(args.redis_url)
    if r.dbsize():
        raise SystemExit(f"{args.redis_url} is not empty ({r.dbsize()} keys): pick an unused db")
    with psycopg.connect(setup_pg.OWNER_URL) as conn:
        tenant = conn.execute("select id from tenants where slug = 'bench-001'").fetchone()[0]
    print(f"relay_instructions: code {Path(wuye_core.__file__).parent.parent}, database {args.database}, "
          f"{args.events} events (+{args.warm_up} warm-up), load {os.getloadavg()[0]:.1f}", flush=True)

    from wuye_core.app import create_app
    from wuye_core.config import Settings
    from wuye_core.events.relay import deliver_pending_events

    env = app_env() | {"WUYE_REDIS_URL": args.redis_url}
    app = create_app(Settings.from_env({k: v for k, v in env.items() if k.startswith("WUYE_")}))
    if args.startup:
        lib.cg_stop()
        print("counted: imports and create_app only", flush=True)
        return
    try:
        with app.app_context():
            warm = 0
            if args.warm_up:  # 0: the measured delivery is a cold one, as in a work horse rq just forked
                _seed(setup_pg, seed_events, tenant, args.warm_up)
                warm = deliver_pending_events(tenant)
            _seed(setup_pg, seed_events, tenant, args.events)
            profiler = None
            if args.profile:
                import cProfile

                profiler = cProfile.Profile()
                profiler.enable()
            gc_runs, gc_time = _gc_watch()
            cpu = time.process_time()
            lib.cg_start()
            handled = deliver_pending_events(tenant)
            lib.cg_stop()
            cpu = time.process_time() - cpu
            gc_runs = [n - m for n, m in zip(_gc_watch()[0], gc_runs, strict=True)]
            if profiler:
                profiler.disable()
                profiler.dump_stats(args.profile)
    finally:
        r.flushdb()
    print(f"warm-up {warm} events, measured {handled} events"
          + (f"; CPU {cpu * 1000:.0f} ms, {cpu * 1000 / max(handled, 1):.3f} ms/event" if args.time else "")
          + f"; garbage collections per generation {gc_runs}, {sum(gc_time[1:]) * 1000:.0f} ms in them"
          f" ({len(gc.get_objects())} objects tracked)", flush=True)
    if handled != args.events:
        raise SystemExit(f"expected {args.events} events delivered, got {handled}")


_GC_STARTED: list[float] = []


def _gc_watch() -> tuple[list[int], list[float]]:
    """Collections so far per generation, and [start, seconds in collections] since the first call."""
    if not _GC_STARTED:
        _GC_STARTED[:] = [0.0, 0.0]

        def timer(phase, info):
            if phase == "start":
                _GC_STARTED[0] = time.perf_counter()
            else:
                _GC_STARTED[1] += time.perf_counter() - _GC_STARTED[0]
        gc.callbacks.append(timer)
    return [g["collections"] for g in gc.get_stats()], _GC_STARTED


def _seed(setup_pg, seed_events, tenant: int, n: int) -> None:
    """n undelivered events of one tenant: seed_events spreads its total over all the bench tenants,
    so ask for as many per tenant and mark the other tenants' delivered at once."""
    import psycopg

    if n <= 0:
        return
    with psycopg.connect(setup_pg.OWNER_URL) as conn:
        tenants = conn.execute("select count(*) from tenants where slug like 'bench-%'").fetchone()[0]
    first, last = seed_events(setup_pg, n * tenants)
    with psycopg.connect(setup_pg.OWNER_URL) as conn:
        conn.execute("update outbox_events set delivered_at = now() where id between %s and %s and tenant_id <> %s",
                     (first, last, tenant))


if __name__ == "__main__":
    main()
