"""Issue #22: a month's bills for 100,000 fee units (the fees plugin's `billing.generate`).

    PYTHONPATH=.:plugins/fees .venv/bin/python bench/fees_bills.py                 # SQLite, then PostgreSQL
    PYTHONPATH=.:plugins/fees .venv/bin/python bench/fees_bills.py --units 100000 --sites 20 --backend pg

1. Makes a fresh database per backend the way the test suite does (wuye_core.testing: a temporary
   SQLite file; on PostgreSQL a new database `wuye_test_<hex>` on BENCH_PG (default
   postgresql://postgres@127.0.0.1:5432/postgres), migrated by its owner, the app connected as
   the non-owner role `wuye_test_app`: scoping, set_config and FORCE RLS on the path), one
   tenant, one community with `--sites` sites, the plugin on (monthly).
2. Inserts `--units` fee units spread over the sites (homes, 40–140 ㎡, 2 % without an area),
   a rate per site (0.45–1.40 元/㎡/月) — the setup is not timed.
3. Times `generate(community, 2026-11, "bench")` + commit, in the tenant's context, as the
   request would run it; then a second run of the same period (idempotent: makes 0).

Prints wall time per run, bills made, already billed, skipped. Goal: < 60 s per run.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "plugins" / "fees"))


def run(backend_name: str, n_units: int, n_sites: int) -> None:
    from flask_migrate import upgrade

    from wuye_core.app import create_app
    from wuye_core.plugins import db, tenant_context
    from wuye_core.testing import Backend, BackendSettings, login, postgres_backend, settings_for

    if backend_name == "pg":
        backend = postgres_backend(BackendSettings(database_url=os.environ.get(
            "BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres"), redis_url=os.environ.get(
            "BENCH_REDIS", "redis://127.0.0.1:6379/4")))
    else:
        path = Path(tempfile.mkdtemp(prefix="wuye-bench-fees-")) / "bench.sqlite3"
        backend = Backend("sqlite", f"sqlite:///{path}", f"sqlite:///{path}")
    try:
        app = create_app(settings_for(backend, log_level="ERROR"))
        with app.app_context():
            upgrade(revision="heads")
        from wuye_core.tenants.service import create_tenant

        with app.app_context():
            tenant_id = create_tenant("bench", "bench", "company", admin_username="admin",
                                      admin_password="admin-pass-123").id
            db.session.commit()
            db.session.remove()
        api = login(app, "bench", "admin", "admin-pass-123")
        cid = api.post("/api/v1/communities", json={"name": "还建社区", "code": "b1"}).get_json()["id"]
        site_ids = [api.post("/api/v1/sites", json={"community_id": cid, "name": f"小区{i:02d}",
                                                    "kind": "compound"}).get_json()["id"] for i in range(n_sites)]
        assert api.put("/api/v1/plugins/fees", json={"enabled": True}).status_code == 200
        assert api.put(f"/api/v1/communities/{cid}/plugins/fees", json={"enabled": True, "config": {}}).status_code \
            == 200
        from sqlalchemy import insert
        from wuye_fees.billing import generate
        from wuye_fees.models import FeeRate, FeeUnit
        from wuye_fees.periods import parse_label

        rng = random.Random(22)
        started = time.perf_counter()
        with app.app_context(), tenant_context(tenant_id):
            for i, site_id in enumerate(site_ids):
                db.session.add(FeeRate(community_id=cid, site_id=site_id, unit_kind="residential", name="住宅物业服务费",
                                       basis="per_m2", price=Decimal("0.45") + Decimal(i) * Decimal("0.05"),
                                       valid_from=date(2020, 1, 1), created_by="bench"))
            rows = [{"tenant_id": tenant_id, "community_id": cid, "site_id": site_ids[i % n_sites],
                     "kind": "residential", "label": f"{i // 100 + 1}栋{i % 100 + 101}", "created_by": "bench",
                     "area_m2": None if rng.random() < 0.02 else Decimal(rng.randint(4000, 14000)) / 100,
                     "billing_from": date(2020, 1, 1), "active": True} for i in range(n_units)]
            for start in range(0, n_units, 10000):
                db.session.execute(insert(FeeUnit), rows[start:start + 10000])
            db.session.commit()
            db.session.remove()
        print(f"[{backend_name}] setup: {n_units:,} units on {n_sites} sites in {time.perf_counter() - started:.1f} s")
        for attempt in (1, 2):
            with app.app_context(), tenant_context(tenant_id):
                t0 = time.perf_counter()
                result = generate(cid, parse_label("2026-11"), "bench")
                made, already, skipped, amount = result.bills_made, result.already_billed, dict(result.skipped), \
                    result.amount_fen
                db.session.commit()
                elapsed = time.perf_counter() - t0
                db.session.remove()
            print(f"[{backend_name}] run {attempt}: {elapsed:.2f} s — made {made:,}, already billed {already:,}, "
                  f"skipped {skipped}, amount {amount / 100:,.2f} 元")
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    finally:
        for fn in backend.cleanup:
            fn()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--units", type=int, default=100_000)
    parser.add_argument("--sites", type=int, default=20)
    parser.add_argument("--backend", choices=("sqlite", "pg", "both"), default="both")
    args = parser.parse_args()
    for name in ("sqlite", "pg") if args.backend == "both" else (args.backend,):
        run(name, args.units, args.sites)


if __name__ == "__main__":
    main()
