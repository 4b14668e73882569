"""What the route gate costs on a plugin's routes, in-process, on PostgreSQL (issue #13 item 5).

    BENCH_DB=wuye_bench_hooks .venv/bin/python bench/plugin_route_gate.py [--requests 1500]

Uses a database hook_dispatch.py built (4 tenants x 10,000 households, migrated with the
installed plugins, the app connecting as `wuye_app` with RLS on the path); tenant bench-001.
The installed plugins are loaded (red_property, care_visits: the code on PYTHONPATH), and
red_property is enabled for the tenant and its community; one meeting is created through the API.
Timed with Flask's test client, interleaved (shuffled order per iteration):
  - GET /api/v1/plugins/red_property/meetings/<id>          an object route (no community in the path)
  - GET /api/v1/plugins/red_property/communities/<id>/meetings   a community route
  - GET /api/v1/households?page=3&per_page=20               a core route (the gate only looks)
and the SQL statements one request of each issues. Run it on the code before and after a change
(same database, alternating runs) and compare: the figures are end-to-end, so the gate's work and
the view's hand checks it replaced are both in them.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--requests", type=int, default=1500, help="per route")
    p.add_argument("--warmup", type=int, default=100)
    args = p.parse_args()
    os.environ.setdefault("BENCH_DB", "wuye_bench_hooks")
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "bench"))
    import setup_pg
    from household_list import app_env
    from sqlalchemy import event as sa_event

    from wuye_core.app import create_app
    from wuye_core.config import Settings
    from wuye_core.extensions import db

    env = app_env()
    app = create_app(Settings.from_env({k: v for k, v in env.items() if k.startswith("WUYE_")}))
    host = app.extensions["wuye_plugins"]
    assert "red_property" in host.plugins, host.failures
    client = app.test_client()
    r = client.post("/api/v1/auth/token", json={"tenant": setup_pg.SLUG.format(1), "username": "admin",
                                                 "password": setup_pg.ADMIN_PASSWORD})
    h = {"Authorization": f"Bearer {r.get_json()['access_token']}"}
    cid = client.get("/api/v1/communities", headers=h).get_json()["items"][0]["id"]
    assert client.put("/api/v1/plugins/red_property", json={"enabled": True}, headers=h).status_code == 200
    assert client.put(f"/api/v1/communities/{cid}/plugins/red_property", json={"enabled": True, "config": {}},
                      headers=h).status_code == 200
    meetings = client.get(f"/api/v1/plugins/red_property/communities/{cid}/meetings", headers=h).get_json()
    if not meetings:
        made = client.post(f"/api/v1/plugins/red_property/communities/{cid}/meetings", headers=h,
                           json={"location": "会议室", "participants": [{"side": "property", "name": "王"}]})
        assert made.status_code == 201, made.get_json()
        meetings = [made.get_json()]
    urls = {"object route  GET /meetings/<id>": f"/api/v1/plugins/red_property/meetings/{meetings[0]['id']}",
            "community route  GET /communities/<id>/meetings": f"/api/v1/plugins/red_property/communities/{cid}/meetings",
            "core route  GET /households?page=3": "/api/v1/households?page=3&per_page=20"}
    with app.app_context():
        engine = db.engine
    statements = {}
    for label, url in urls.items():
        count = [0]

        def tick(*_a, _count=count):
            _count[0] += 1

        sa_event.listen(engine, "before_cursor_execute", tick)
        assert client.get(url, headers=h).status_code == 200, url
        sa_event.remove(engine, "before_cursor_execute", tick)
        statements[label] = count[0]
    times = {label: [] for label in urls}
    order = list(urls)
    rng = random.Random(7)
    for i in range(args.requests + args.warmup):
        rng.shuffle(order)
        for label in order:
            t0 = time.perf_counter()
            resp = client.get(urls[label], headers=h)
            if i >= args.warmup:
                times[label].append(time.perf_counter() - t0)
            assert resp.status_code == 200
    print(f"plugin_route_gate: {args.requests} requests per route, interleaved; {time.strftime('%Y-%m-%d %H:%M:%S')}, "
          f"load {os.getloadavg()[0]:.2f}")
    for label, values in times.items():
        s = sorted(values)
        print(f"  {label:<50} median {statistics.median(s) * 1e3:6.3f} ms  p95 {s[int(0.95 * len(s))] * 1e3:6.3f} ms  "
              f"SQL statements {statements[label]}")
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


if __name__ == "__main__":
    main()
