"""Requests in-process, for counting CPU instructions per request with callgrind (deterministic,
unlike wall-clock or CPU timings on a shared VM).

    valgrind --tool=callgrind --callgrind-out-file=/dev/null \\
        .venv/bin/python bench/request_instructions.py --endpoint ticket --n 100   # "Collected: X"
    ... the same with --n 0                                                          # the baseline
    instructions per request = (X(100) - X(0)) / 100

--endpoint me | list (wuye_bench, from setup_pg.py) | ticket (wuye_bench_tickets, from
ticket_create.py). --no-plugins loads no plugin (the figures in bench/README.md).
--idempotency-key (ticket only) sends a new Idempotency-Key with every POST (code since #14). To count an
older commit, run *its* copy of this script (this one puts its own checkout first on sys.path,
so PYTHONPATH alone does not select other code) with PYTHONPATH=<that checkout>:<its plugins>.
bench/callgrind_requests.py does that, starts instrumentation at the first request (much
faster, same difference) and pins the relay's wake-up flag for --endpoint ticket (its 60 s TTL
otherwise makes the count depend on how long the run took): the fifth session's way.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from household_list import ADMIN_PASSWORD, app_env  # noqa: E402


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--endpoint", choices=("me", "list", "ticket"), default="me")
    p.add_argument("--n", type=int, default=0, help="measured requests (after 20 warm-up ones)")
    p.add_argument("--no-plugins", action="store_true")
    p.add_argument("--idempotency-key", action="store_true",
                   help="--endpoint ticket: send a fresh Idempotency-Key with every POST (a claim, then the answer kept)")
    args = p.parse_args()

    from wuye_core.app import create_app
    from wuye_core.config import Settings

    env = app_env()
    # app_env() drops every WUYE_*: pass the caches' lifetimes through, so a slow callgrind run can
    # pin them (WUYE_AUTH_CACHE_SECONDS=3600: the identity does not expire mid-run)
    env.update({k: os.environ[k] for k in ("WUYE_AUTH_CACHE_SECONDS", "WUYE_LIST_TOTAL_CACHE_SECONDS")
                if k in os.environ})
    if args.endpoint == "ticket":
        env["WUYE_DATABASE_URL"] = env["WUYE_DATABASE_URL"].replace("/wuye_bench", "/wuye_bench_tickets")
        env["WUYE_REDIS_URL"] = "redis://127.0.0.1:6379/9"  # the relay enqueues one job per ticket
    app = create_app(Settings.from_env({k: v for k, v in env.items() if k.startswith("WUYE_")}),
                     plugin_entry_points=[] if args.no_plugins else None)
    client = app.test_client()
    r = client.post("/api/v1/auth/token", json={"tenant": "bench-001", "username": "admin",
                                                 "password": ADMIN_PASSWORD})
    headers = {"Authorization": f"Bearer {r.get_json()['access_token']}"}
    if args.endpoint == "ticket":
        h = client.get("/api/v1/households?page=1&per_page=1", headers=headers).get_json()["items"][0]
        body = {k: h[k] for k in ("community_id", "site_id", "building_id", "unit_id")} | {
            "household_id": h["id"], "channel": "phone", "kind": "repair", "category": "水电维修", "title": "x"}

        if args.idempotency_key:
            import itertools
            import uuid

            run, numbers = uuid.uuid4().hex, itertools.count()  # keys of the same length, new in every run

            def call():
                return client.post("/api/v1/tickets", json=body,
                                   headers=headers | {"Idempotency-Key": f"{run}-{next(numbers):06d}"})
        else:
            def call():
                return client.post("/api/v1/tickets", json=body, headers=headers)
    else:
        path = "/api/v1/auth/me" if args.endpoint == "me" else "/api/v1/households?page=250&per_page=20"

        def call():
            return client.get(path, headers=headers)

    for _ in range(20):
        assert call().status_code in (200, 201)
    for _ in range(args.n):
        call()


if __name__ == "__main__":
    main()
