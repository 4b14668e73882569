"""What the savepoint around each contained hook call costs, A/B in one process, on PostgreSQL.

A is the code's containment as it is: since the fifth session the value hooks (figures, SLA
policy, links, validation) get the lazy savepoint (host/lazy_savepoint.py) through
`dispatch.contained(hook)`, event hooks the eager `dispatch.savepoint()`; B replaces both with a
do-nothing context manager. (Code from before the fifth session has no `contained`: there B
replaces `savepoint` alone, which was all of it.)

    PYTHONPATH=. .venv/bin/python bench/savepoint_cost.py        # after bench/hook_dispatch.py built its database

A shared 2-core machine moves whole-request timings by 2-4x from one minute to the next, so
this compares the two variants *interleaved*: each round runs the same call with the real
`dispatch.savepoint` (A) and with a do-nothing stand-in (B), in a shuffled order, in the same
authenticated request context, and reports the median of the paired differences A - B.

Calls (apps with 0, 4 and 20 trivial plugins, as in bench/hook_dispatch.py; the core's own
dashboard figures are always on and query the database, the trivial plugins touch no table):
- call_contained("wuye_dashboard_figures")  — the dashboard's hook call;
- call_contained("wuye_ticket_sla_policy")  — on the ticket-creation path;
- call_contained("wuye_ticket_links")        — reading one ticket (no bench plugin implements it);
each followed by the end of its transaction (timed: see the comment in the loop). Plus whole
dashboard requests through the test client (A/B per request, paired), and the SQL statements
one dashboard request issues with and without the savepoints.
Database: `wuye_bench_hooks` (or --database), built by bench/hook_dispatch.py (not rebuilt here).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONFIGS = {"0": 0, "4": 4, "20": 20}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--database", default="wuye_bench_hooks")
    p.add_argument("--rounds", type=int, default=300, help="request contexts per configuration and call")
    p.add_argument("--calls", type=int, default=20, help="timed calls of each variant per request context")
    args = p.parse_args()
    import os

    os.environ["BENCH_DB"] = args.database
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "bench"))
    import setup_pg
    from hook_dispatch import install_plugin_module
    from household_list import app_env
    from sqlalchemy import event as sa_event

    from wuye_core.app import create_app
    from wuye_core.config import Settings
    from wuye_core.extensions import db
    from wuye_core.host import dispatch

    # what B replaces: `contained(hook)` since the fifth session, `savepoint()` before it
    target = "contained" if hasattr(dispatch, "contained") else "savepoint"
    real = getattr(dispatch, target)

    @contextmanager
    def nothing():
        yield

    def none(*_hook):
        return nothing()

    entry_points = install_plugin_module(max(CONFIGS.values()))
    env = app_env()
    settings = Settings.from_env({k: v for k, v in env.items() if k.startswith("WUYE_")})
    apps, headers, community = {}, {}, {}
    for n, count in CONFIGS.items():
        slug = setup_pg.SLUG.format({"0": 1, "4": 3, "20": 4}[n])
        app = create_app(settings, plugin_entry_points=entry_points[:count])
        client = app.test_client()
        r = client.post("/api/v1/auth/token", json={"tenant": slug, "username": "admin",
                                                     "password": setup_pg.ADMIN_PASSWORD})
        assert r.status_code == 200, r.get_json()
        h = {"Authorization": f"Bearer {r.get_json()['access_token']}"}
        cid = client.get("/api/v1/communities", headers=h).get_json()["items"][0]["id"]
        for name in app.extensions["wuye_plugins"].plugins:
            client.put(f"/api/v1/plugins/{name}", json={"enabled": True}, headers=h)
            client.put(f"/api/v1/communities/{cid}/plugins/{name}", json={"enabled": True, "config": {}}, headers=h)
        apps[n], headers[n], community[n] = app, h, cid

    def statements(n, variant) -> int:
        with apps[n].app_context():
            engine = db.engine
        seen = []

        def record(*a):
            seen.append(1)

        setattr(dispatch, target, variant)
        sa_event.listen(engine, "before_cursor_execute", record)
        try:
            apps[n].test_client().get(f"/api/v1/communities/{community[n]}/dashboard", headers=headers[n])
        finally:
            sa_event.remove(engine, "before_cursor_execute", record)
            setattr(dispatch, target, real)
        return len(seen)

    print(f"savepoint_cost: database {args.database}, {time.strftime('%Y-%m-%d %H:%M:%S')}, "
          f"load {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    for n in CONFIGS:  # warm the caches (identity, enablement) before counting
        statements(n, real)
    print("SQL statements of one dashboard request, with / without savepoints: " + "; ".join(
        f"{n} plugins {statements(n, real)} / {statements(n, none)}" for n in CONFIGS))
    with apps["0"].test_request_context("/api/v1/communities", headers=headers["0"]):
        apps["0"].preprocess_request()
        session = db.session()
        flushes = []
        for _ in range(20_000):  # what the flush before each hook costs when nothing is pending
            t0 = time.perf_counter_ns()
            session.flush()
            flushes.append(time.perf_counter_ns() - t0)
    print(f"session.flush() on a clean session: median {statistics.median(flushes) / 1e3:.2f} µs")

    calls = {
        "dashboard figures": lambda n: dispatch.call_contained(
            "wuye_dashboard_figures", community[n], tenant_id=None, community_id=community[n], config={}),
        "ticket SLA policy": lambda n: dispatch.call_contained(
            "wuye_ticket_sla_policy", community[n], tenant_id=None, community_id=community[n], kind="repair",
            category="电梯", priority="normal", default={}),
        "ticket links": lambda n: dispatch.call_contained(
            "wuye_ticket_links", community[n], tenant_id=None, community_id=community[n], ticket_id=1),
    }
    rng = random.Random(2026)
    timer = time.perf_counter_ns
    print("median µs per call: with savepoint (A) / without (B) / paired median A - B")
    for label, call in calls.items():
        row = []
        for n in CONFIGS:
            a_times, b_times, diffs = [], [], []
            for _ in range(args.rounds):
                with apps[n].test_request_context("/api/v1/communities", headers=headers[n]):
                    apps[n].preprocess_request()
                    call(n)  # the first call in a request reads enablement (cached)
                    db.session.rollback()
                    for _ in range(args.calls):
                        pair = {}
                        for name, variant in rng.sample([("A", real), ("B", none)], 2):
                            setattr(dispatch, target, variant)
                            t0 = timer()
                            call(n)
                            # the end of the transaction is timed too: PostgreSQL frees a finished
                            # query's portal at the next statement, which is RELEASE with a savepoint
                            # and the request's COMMIT/ROLLBACK without; timing the call alone
                            # charged that work to the savepoint (1-2 ms for a 10,000-row count)
                            db.session.rollback()
                            pair[name] = timer() - t0
                        setattr(dispatch, target, real)
                        a_times.append(pair["A"])
                        b_times.append(pair["B"])
                        diffs.append(pair["A"] - pair["B"])
            row.append(f"{n:>2} plugins {statistics.median(a_times) / 1e3:7.1f} / {statistics.median(b_times) / 1e3:7.1f}"
                       f" / {statistics.median(diffs) / 1e3:+6.1f}")
        print(f"  {label:<18} " + "   ".join(row), flush=True)
    print("whole GET /communities/<id>/dashboard requests, median ms: A / B / paired median A - B")
    row = []
    for n in CONFIGS:
        client = apps[n].test_client()
        url = f"/api/v1/communities/{community[n]}/dashboard"
        a_times, b_times, diffs = [], [], []
        for _ in range(args.rounds):
            pair = {}
            for name, variant in rng.sample([("A", real), ("B", none)], 2):
                setattr(dispatch, target, variant)
                t0 = timer()
                assert client.get(url, headers=headers[n]).status_code == 200
                pair[name] = timer() - t0
            setattr(dispatch, target, real)
            a_times.append(pair["A"])
            b_times.append(pair["B"])
            diffs.append(pair["A"] - pair["B"])
        row.append(f"{n:>2} plugins {statistics.median(a_times) / 1e6:6.2f} / {statistics.median(b_times) / 1e6:6.2f}"
                   f" / {statistics.median(diffs) / 1e6:+6.3f}")
    print("  " + "   ".join(row), flush=True)
    for app in apps.values():
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


if __name__ == "__main__":
    main()
