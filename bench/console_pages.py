"""Server time of every console page on the demo data (goal: p95 ≤ 150 ms per page), and with
--first-load the bytes a browser transfers on the first load of the home and tickets pages
(goal: ≤ 1.5 MB, ECharts included).

    .venv/bin/python bench/console_pages.py                      # SQLite, 30 requests per page
    .venv/bin/python bench/console_pages.py --runs 100 --users admin,weixiu,guanai,lianluo
    .venv/bin/python bench/console_pages.py --database-url postgresql://postgres@127.0.0.1:5432/postgres
    .venv/bin/python bench/console_pages.py --first-load         # + Playwright and /usr/bin/chromium

1. Data: `wuye db upgrade` and `wuye demo` (the commands, in a subprocess, as `make run` does)
   into a fresh SQLite file in a temporary folder, or with --database-url (a superuser URL) into
   a fresh PostgreSQL database (`wuye_bench_console_` + hex, dropped at the end unless --keep),
   migrated as its owner and served as the app role `wuye_app` (no BYPASSRLS), as the tests do.
2. Pages: every GET rule under /console of the app's url_map (core and plugins), found as the
   tests find them (tests/console/pages.py), path parameters filled with the first object of
   each kind in tenant `jinghe` (LISTS below, read through the API); a page whose parameter has
   no object in the demo is listed as skipped.
3. Timing: in-process through Flask's test client, signed in at the console (a session cookie)
   as each of --users (default: the admin and the repair worker weixiu); per page 3 warm-up
   requests, then --runs timed ones (request to the last byte of the answer). p50 and p95 in ms
   of the pages that answered the user 200 (a page a role may not open is listed with its status).
   Exit status 1 when any page's p95 exceeds --limit-ms (150); downloads (.xlsx, .docx: not
   pages) are measured and marked, not held to it.
4. --first-load: the same app served over HTTP by werkzeug in a thread; Chromium (Playwright)
   signs in, then each page is opened in a new browser context holding only the session cookie
   (an empty cache: a first visit), and the encoded body sizes of every response are summed
   (Playwright's request.sizes(): what came over the wire, after Content-Encoding). Also the
   vendored ECharts file alone. Exit status 1 above --limit-bytes (1.5 MB = 1,500,000 bytes).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TENANT = "jinghe"
CHROMIUM = "/usr/bin/chromium"
THROTTLE_RTT_MS = 150  # with --throttle-kbps: a weak mobile or rural link
# the ids of the demo: kind → (an API list, who may read it); {c} is tried with each community
LISTS = {
    "community": ("/api/v1/communities", "admin"),
    "site": ("/api/v1/sites", "admin"),
    "building": ("/api/v1/buildings", "admin"),
    "unit": ("/api/v1/units", "admin"),
    "household": ("/api/v1/households", "admin"),
    "resident": ("/api/v1/residents", "admin"),
    "ticket": ("/api/v1/tickets", "admin"),
    "user": ("/api/v1/users", "admin"),
    "notification": ("/api/v1/notifications", "admin"),
    "delivery": ("/api/v1/plugin-deliveries", "admin"),
    "import": ("/api/v1/communities/{c}/imports", "admin"),
    "person": ("/api/v1/plugins/care_visits/communities/{c}/people", "guanai"),
    "care_visits:visit": ("/api/v1/plugins/care_visits/communities/{c}/visits", "guanai"),
    "referral": ("/api/v1/plugins/care_visits/communities/{c}/referrals", "guanai"),
    "plan_item": ("/api/v1/plugins/care_visits/communities/{c}/plans", "guanai"),
    "brief": ("/api/v1/plugins/care_visits/briefs", "guanai"),
    "meeting": ("/api/v1/plugins/red_property/communities/{c}/meetings", "admin"),
    "agenda_item": ("/api/v1/plugins/red_property/communities/{c}/agenda-items", "admin"),
    "resolution": ("/api/v1/plugins/red_property/communities/{c}/resolutions", "admin"),
    "red_property:visit": ("/api/v1/plugins/red_property/communities/{c}/visits", "admin"),
    "agreement": ("/api/v1/plugins/red_property/communities/{c}/agreements", "admin"),
    "dual_post": ("/api/v1/plugins/red_property/communities/{c}/dual-posts", "admin"),
    "shared_service": ("/api/v1/plugins/red_property/communities/{c}/shared-services", "admin"),
}


def build(args, workdir: Path) -> tuple[dict, list]:
    """Migrate and load the demo with the `wuye` commands; the environment the app runs with."""
    cleanup = []
    env = {k: v for k, v in os.environ.items() if not k.startswith("WUYE_")}
    env.update(WUYE_ENV="development", WUYE_STORAGE_URL=f"file://{workdir / 'uploads'}", WUYE_LOG_LEVEL="WARNING",
               WUYE_SECRET_KEY="bench-console-secret-key-0123456789abcdef")
    if args.database_url:
        from wuye_core.testing import BackendSettings, postgres_backend

        backend = postgres_backend(BackendSettings(database_url=args.database_url,
                                                   database_prefix="wuye_bench_console_"))
        env.update(WUYE_DATABASE_URL=backend.app_url, WUYE_MIGRATE_DATABASE_URL=backend.owner_url)
        if not args.keep:
            cleanup += backend.cleanup
        print(f"database: PostgreSQL {backend.app_url.rsplit('/', 1)[-1]}{' (kept)' if args.keep else ''}")
    else:
        env["WUYE_DATABASE_URL"] = f"sqlite:///{workdir / 'demo.sqlite3'}"
        print(f"database: SQLite {workdir / 'demo.sqlite3'}")
    wuye = str(Path(sys.executable).with_name("wuye"))
    started = time.perf_counter()
    subprocess.run([wuye, "db", "upgrade"], env=env, check=True, capture_output=True)
    logins = json.loads(subprocess.run([wuye, "demo", "--json"], env=env, check=True, capture_output=True,
                                       text=True).stdout)
    print(f"demo data built in {time.perf_counter() - started:.1f} s")
    passwords = {u["username"]: u["password"] for t in logins["tenants"] if t["slug"] == TENANT for u in t["users"]}
    residents = [r for t in logins["tenants"] if t["slug"] == TENANT for r in t.get("residents", [])]
    return {"env": env, "passwords": passwords, "residents": residents}, cleanup


def make_app(env: dict):
    from wuye_core.app import create_app
    from wuye_core.config import Settings

    return create_app(Settings.from_env(env))


def demo_ids(app, passwords: dict) -> dict:
    """The first object of each kind in the demo tenant (LISTS), read through the API."""
    from wuye_core.testing import login

    apis = {}

    def api(user):
        if user not in apis:
            apis[user] = login(app, TENANT, user, passwords[user])
        return apis[user]

    ids = {"tenant": api("admin").get("/api/v1/auth/me").get_json().get("tenant", {}).get("id"),
           "plugin_name": "red_property"}
    communities = [c["id"] for c in api("admin").get("/api/v1/communities").get_json()["items"]]
    for kind, (path, user) in LISTS.items():
        for community in (communities if "{c}" in path else [None]):
            response = api(user).get(path.format(c=community), query_string={"per_page": 1})
            items = response.get_json().get("items") if response.status_code == 200 else None
            if items:
                ids[kind] = items[0]["id"]
                if kind == "ticket":
                    attachments = api(user).get(f"/api/v1/tickets/{items[0]['id']}/attachments").get_json()
                    if isinstance(attachments, dict) and attachments.get("items"):
                        ids["attachment"] = attachments["items"][0]["id"]
                break
    return {k: v for k, v in ids.items() if v is not None}


def console(app, user: str, password: str):
    from wuye_core.testing import ConsoleClient

    client = ConsoleClient(app.test_client())
    response = client.post("/console/sign-in", data={"tenant": TENANT, "username": user, "password": password})
    assert response.status_code == 302, (user, response.status_code)
    client._csrf = None
    return client


def percentile(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, max(0, round(q * len(values) + 0.5) - 1))]


def time_pages(app, ids: dict, users: list[str], passwords: dict, runs: int, limit_ms: float) -> bool:
    from tests.console import pages

    ok = True
    found = pages.get_pages(app)
    print(f"\n{len(found)} GET pages under /console; {runs} timed requests each (after 3 warm-up)")
    for user in users:
        client = console(app, user, passwords[user])
        print(f"\n{TENANT}/{user}\n{'page':<60} {'status':>6} {'p50 ms':>8} {'p95 ms':>8} {'KB':>6}")
        for page in found:
            if page.endpoint == "console.sign_in":
                continue  # the door: signed in, it is not a page anyone works in
            try:
                path = pages.fill(page, ids)
            except pages.UnknownParameter:
                print(f"{page.rule:<60} {'skipped: no such object in the demo':>30}")
                continue
            query = pages.query_for(page, ids)
            first = client.get(path, query_string=query)
            if first.status_code != 200:
                print(f"{path:<60} {first.status_code:>6}")
                continue
            for _ in range(2):
                client.get(path, query_string=query)
            times = []
            for _ in range(runs):
                started = time.perf_counter()
                response = client.get(path, query_string=query)
                response.get_data()
                times.append((time.perf_counter() - started) * 1000)
            p50, p95 = statistics.median(times), percentile(times, 0.95)
            if first.mimetype == "text/html":
                flag = "" if p95 <= limit_ms else f"  > {limit_ms:.0f} ms"
                ok = ok and not flag
            else:  # a download (.xlsx, .docx) is a file being written, not a page: reported, not held to the goal
                flag = "  (download)"
            print(f"{path:<60} {200:>6} {p50:>8.1f} {p95:>8.1f} {len(first.get_data()) / 1024:>6.1f}{flag}")
    return ok


def first_load(app, passwords: dict, limit_bytes: int, throttle_kbps: int | None = None,
               identity: bool = False) -> bool:
    """Bytes transferred on a first visit (empty cache) of the home and tickets pages."""
    import logging

    from playwright.sync_api import sync_playwright
    from werkzeug.serving import make_server

    from wuye_core.console.layout import asset
    from wuye_core.testing import browser_sign_in

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    with app.test_request_context():
        echarts = asset("vendor/echarts/echarts.common.min.js")
    targets = [("home", "/console/")]
    if "console.tickets" in app.view_functions:
        with app.test_request_context():
            from flask import url_for

            targets.append(("tickets", url_for("console.tickets")))
    else:
        print("tickets page: not there yet (console.tickets)")
    targets.append(("ECharts file alone (fetched by a blank page of the site)", echarts))
    ok = True
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=os.environ.get("WUYE_TEST_CHROMIUM", CHROMIUM),
                                             args=["--no-sandbox", "--disable-gpu"])
        signing = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai")
        browser_sign_in(signing.new_page(), base, TENANT, "admin", passwords["admin"])
        cookies = signing.cookies()
        signing.close()
        print(f"\nfirst load (empty cache), as {TENANT}/admin; encoded bytes received (response bodies)")
        for name, path in targets:
            context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai",
                                          extra_http_headers={"Accept-Encoding": "identity"} if identity else None)
            context.add_cookies(cookies)
            page = context.new_page()
            if throttle_kbps:  # a weak link: Chromium's own network emulation (DevTools protocol)
                cdp = context.new_cdp_session(page)
                cdp.send("Network.enable")
                cdp.send("Network.emulateNetworkConditions", {
                    "offline": False, "latency": THROTTLE_RTT_MS, "downloadThroughput": throttle_kbps * 1000 / 8,
                    "uploadThroughput": throttle_kbps * 1000 / 8})
            finished = []
            page.on("requestfinished", lambda request, into=finished: into.append(request))
            if path == echarts:  # the script's download alone, as a page with charts would load it
                page.route(base + "/blank", lambda route: route.fulfill(body="<!doctype html>", content_type="text/html"))
                page.goto(base + "/blank")
                finished.clear()
                loaded = page.evaluate("""async url => { const t = performance.now();
                    await (await fetch(url)).arrayBuffer(); return (performance.now() - t) / 1000; }""", base + path)
            else:
                started = time.perf_counter()
                page.goto(base + path, wait_until="load")
                loaded = time.perf_counter() - started
            page.wait_for_load_state("networkidle")
            rows = []
            for request in finished:
                response = request.response()
                sizes = request.sizes()
                encoding = response.headers.get("content-encoding", "") if response else ""
                rows.append((sizes["responseBodySize"], request.url.replace(base, ""), encoding))
            total = sum(size for size, _, _ in rows)
            flag = "" if total <= limit_bytes else f"  > {limit_bytes:,}"
            ok = ok and (not flag or name.startswith("ECharts"))
            timing = f", loaded in {loaded:.2f} s at {throttle_kbps} kbit/s, {THROTTLE_RTT_MS} ms RTT" if throttle_kbps else ""
            print(f"  {name} {path}: {total:,} bytes in {len(rows)} responses{timing}{flag}")
            for size, url, encoding in sorted(rows, reverse=True):
                print(f"      {size:>9,}  {re.sub(r'[?&]v=[^&]*', '', url)}{'  (' + encoding + ')' if encoding else ''}")
            context.close()
        browser.close()
    server.shutdown()
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=30, help="timed requests per page (default 30)")
    parser.add_argument("--users", default="admin,weixiu", help="demo users of jinghe to sign in as (comma-separated)")
    parser.add_argument("--database-url", help="a PostgreSQL superuser URL: build the demo in a fresh database there")
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL database")
    parser.add_argument("--limit-ms", type=float, default=150.0, help="p95 goal per page (default 150)")
    parser.add_argument("--first-load", action="store_true", help="also measure the first load in Chromium")
    parser.add_argument("--throttle-kbps", type=int, help="with --first-load: emulate a link of this many kbit/s "
                        f"({THROTTLE_RTT_MS} ms round trip) and print the load times")
    parser.add_argument("--identity", action="store_true",
                        help="with --first-load: ask for no compression (Accept-Encoding: identity), to compare")
    parser.add_argument("--limit-bytes", type=int, default=1_500_000, help="first-load goal (default 1,500,000)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="wuye-bench-console-") as tmp:
        built, cleanup = build(args, Path(tmp))
        try:
            app = make_app(built["env"])
            ids = demo_ids(app, built["passwords"])
            print("ids: " + ", ".join(f"{k}={v}" for k, v in sorted(ids.items())))
            ok = time_pages(app, ids, args.users.split(","), built["passwords"], args.runs, args.limit_ms)
            if args.first_load:
                ok = first_load(app, built["passwords"], args.limit_bytes, args.throttle_kbps, args.identity) and ok
            with app.app_context():
                from wuye_core.extensions import db

                db.engine.dispose()
        finally:
            for fn in cleanup:
                fn()
    print("\n" + ("every page within its goals" if ok else "SOME PAGE MISSED ITS GOAL"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
