"""Screenshots of the console's main pages for the README, on the demo data.

    .venv/bin/python docs/screenshots/take.py            # writes docs/screenshots/*.png
    .venv/bin/python docs/screenshots/take.py --only home,tickets

Builds the demo as `make run` does (`wuye db upgrade` + `wuye demo`, into a temporary SQLite
file: bench/console_pages.py's build), serves it over HTTP from a thread, and drives Debian's
Chromium (/usr/bin/chromium, or WUYE_TEST_CHROMIUM) with Playwright in zh-CN and Beijing time.
A page that does not exist yet (its endpoint is not in the app) is skipped and named; so is one
that does not answer 200. Desktop shots are 1280 px wide, the worker's queue and the residents'
pages 375 px (a phone); the welfare_jobs plugin's pages are taken as the demo's roster manager
`gongyi` (稻香社区) and its worker `gongyi01` (我的岗位, 375 px); the volunteers plugin's as the
alliance manager `lianmeng` of 海景北社区 and its activity organiser `zuzhi` (an activity's sign-ups
and check-ins on a phone, 375 px); the fees plugin's as the cashier `shoufei` (the cashier's desk
with a home in arrears found), the fee manager `caiwu` (collection rates, the last quarter's gap)
of 稻香社区, and a resident of a household with open bills there (我的物业费, 375 px); a long page
(FIRST_SCREEN) is taken to its first screen only. A resident (user RESIDENT: the demo's first
resident of the tenant; FEES_RESIDENT: the one `fees_ids` finds) signs in on their community's
page with a support-desk code and agrees to the privacy notice.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
import threading
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

CHROMIUM = "/usr/bin/chromium"
DESKTOP = {"width": 1280, "height": 860}
PHONE = {"width": 375, "height": 812}
RESIDENT = "resident"  # the demo's first resident (`wuye demo --json`), on the residents' pages
# pages of a hundred rows: their first screen only (a small PNG)
FIRST_SCREEN = {"welfare-subsidies.png", "volunteers-hours.png", "volunteers-activity-375.png"}
WELFARE_MANAGER, WELFARE_COMMUNITY = "gongyi", "稻香社区"  # welfare_jobs' roster manager and its shots' community
# the volunteers plugin: the alliance manager, its activity organiser, and their community (海景北: 90 + 280 members)
VOLUNTEERS_MANAGER, VOLUNTEERS_ORGANISER, VOLUNTEERS_COMMUNITY = "lianmeng", "zuzhi", "海景北社区"
# the fees plugin: the fee manager, the cashier, their community (稻香: 0.45 元/㎡), and a resident of a
# household there with open bills (found by fees_ids)
FEES_MANAGER, FEES_CASHIER, FEES_COMMUNITY, FEES_RESIDENT = "caiwu", "shoufei", "稻香社区", "fees-resident"


def shots(app, ids: dict) -> list[tuple]:
    """(file name, user or None, viewport, endpoint, path) of each screenshot; path None: the
    endpoint is not there (yet)."""
    from flask import url_for

    from tests.console import pages

    views = app.view_functions
    found = pages.get_pages(app)

    def plain(endpoint):
        if endpoint not in views:
            return None
        with app.test_request_context():
            return url_for(endpoint)

    def detail(kind: str):
        """The page of one object: a GET rule ending with its one parameter (/tickets/<ticket_id>)."""
        for page in found:
            if page.plugin is None and page.arguments == {f"{kind}_id"} and page.rule.endswith(f"{kind}_id>"):
                return page.endpoint, pages.fill(page, ids)
        return f"a page /console/…/<{kind}_id>", None

    def plugin_page():
        for name in ("red_property", "care_visits"):
            part = app.extensions["wuye_plugins"].plugins.get(name)
            if part is not None and part.console is not None:
                for entry in part.console.menu:
                    endpoint = f"console_{name}.{entry.endpoint}"
                    if endpoint in views:
                        return endpoint, plain(endpoint)
        return "a plugin's menu page", None

    ticket_endpoint, ticket_path = detail("ticket")
    plugin_endpoint, plugin_path = plugin_page()
    return [
        ("sign-in.png", None, DESKTOP, "console.sign_in", plain("console.sign_in")),
        ("home.png", "admin", DESKTOP, "console.home", plain("console.home")),
        ("tickets.png", "admin", DESKTOP, "console.tickets", plain("console.tickets")),
        ("ticket.png", "admin", DESKTOP, ticket_endpoint, ticket_path),
        ("register.png", "admin", DESKTOP, "console.register", plain("console.register")),
        ("plugin.png", "admin", DESKTOP, plugin_endpoint, plugin_path),
        ("worker-375.png", "weixiu", PHONE, "console.home", plain("console.home")),
        # between tenants (#18): the street's links, its hand-offs, the street-wide comparison
        ("links.png", "admin", DESKTOP, "console.links", plain("console.links")),
        ("handoffs.png", "admin", DESKTOP, "console.handoffs", plain("console.handoffs")),
        ("street-figures.png", "admin", DESKTOP, "console.supervision_street_figures",
         plain("console.supervision_street_figures")),
        # residents on their phones (#19): the gate poster staff print, and the residents' pages
        ("poster.png", "admin", DESKTOP, "console.register_poster", _poster(app, ids)),
        ("h5-home-375.png", RESIDENT, PHONE, "h5.home", plain("h5.home")),
        ("h5-report-375.png", RESIDENT, PHONE, "h5.report", plain("h5.report")),
        ("h5-notices-375.png", RESIDENT, PHONE, "h5.notices", plain("h5.notices")),
        ("h5-me-375.png", RESIDENT, PHONE, "h5.me", plain("h5.me")),
        # public-welfare jobs (#20): the roster manager's overview of 稻香社区 and last month's
        # subsidies, the worker's phone page 我的岗位
        ("welfare-overview.png", "gongyi", DESKTOP, "console_welfare_jobs.overview",
         _welfare(app, ids, "overview")),
        ("welfare-subsidies.png", "gongyi", DESKTOP, "console_welfare_jobs.subsidies_month",
         _welfare(app, ids, "subsidies_month", month=_last_month())),
        ("welfare-me-375.png", "gongyi01", PHONE, "console_welfare_jobs.me", plain("console_welfare_jobs.me")),
        # the residents' service alliance (#21) of 海景北社区: the manager's overview, an upcoming activity
        # that is full with its waiting list, the year's hours; the organiser's phone at an activity
        # whose members checked in (the hours still to confirm)
        ("volunteers-overview.png", VOLUNTEERS_MANAGER, DESKTOP, "console_volunteers.overview",
         _volunteers(app, ids, "overview", "community_id", "community")),
        ("volunteers-activity.png", VOLUNTEERS_MANAGER, DESKTOP, "console_volunteers.activity_page",
         _volunteers(app, ids, "activity_page", "activity_id", "waiting_activity")),
        ("volunteers-hours.png", VOLUNTEERS_MANAGER, DESKTOP, "console_volunteers.hours_year",
         _volunteers(app, ids, "hours_year", "community_id", "community")),
        ("volunteers-activity-375.png", VOLUNTEERS_ORGANISER, PHONE, "console_volunteers.activity_page",
         _volunteers(app, ids, "activity_page", "activity_id", "checked_in_activity", anchor="signups")),
        # property fees (#22) of 稻香社区: the cashier's desk with a home in arrears found (its owed
        # bills, the payment form), collection by site and month with its chart, the last ended
        # quarter's gap between fee income and cost (the demo drafts no statement), and 我的物业费
        ("fees-cashier.png", FEES_CASHIER, DESKTOP, "console_fees.cashier_desk",
         _fees(app, ids, "cashier_desk", fee_unit_id=(ids.get("fees") or {}).get("unit"))),
        ("fees-collection.png", FEES_MANAGER, DESKTOP, "console_fees.collection_page",
         _fees(app, ids, "collection_page")),
        ("fees-statement.png", FEES_MANAGER, DESKTOP, "console_fees.gap_page", _fees(app, ids, "gap_page")),
        ("fees-resident-375.png", FEES_RESIDENT, PHONE, "h5_fees.pages.home",
         plain("h5_fees.pages.home") if (ids.get("fees") or {}).get("resident") else None),
    ]


def _poster(app, ids: dict) -> str | None:
    from flask import url_for

    if "console.register_poster" not in app.view_functions or not ids.get("community"):
        return None
    with app.test_request_context():
        return url_for("console.register_poster", community_id=ids["community"])


def _welfare(app, ids: dict, page: str, **query) -> str | None:
    """A welfare_jobs console page of the demo's 稻香社区 (WELFARE_COMMUNITY), or None."""
    from flask import url_for

    endpoint = f"console_welfare_jobs.{page}"
    if endpoint not in app.view_functions or not ids.get("welfare_community"):
        return None
    with app.test_request_context():
        return url_for(endpoint, community_id=ids["welfare_community"], **query)


def _volunteers(app, ids: dict, page: str, argument: str, kind: str, anchor: str | None = None) -> str | None:
    """A volunteers console page of the demo's 海景北社区 (`kind`: an id of `volunteers_ids`), or None;
    `anchor`: the part of the page the shot starts at (a phone's first screen there)."""
    from flask import url_for

    endpoint = f"console_volunteers.{page}"
    found = (ids.get("volunteers") or {}).get(kind)
    if endpoint not in app.view_functions or not found:
        return None
    with app.test_request_context():
        return url_for(endpoint, **{argument: found}, _anchor=anchor)


def volunteers_ids(app, passwords: dict) -> dict:
    """海景北社区's id, its next activity with a waiting list and its latest past activity whose
    members checked in but whose hours nobody confirmed yet, read as the alliance manager; {}
    without that user."""
    from datetime import UTC, datetime

    from console_pages import TENANT

    from wuye_core.testing import login

    if VOLUNTEERS_MANAGER not in passwords:
        return {}
    api = login(app, TENANT, VOLUNTEERS_MANAGER, passwords[VOLUNTEERS_MANAGER])
    found = api.get("/api/v1/communities", query_string={"per_page": 100}).get_json().get("items", [])
    community = next((c["id"] for c in found if c["name"] == VOLUNTEERS_COMMUNITY), None)
    if community is None:
        return {}
    response = api.get(f"/api/v1/plugins/volunteers/communities/{community}/activities",
                       query_string={"status": "open", "per_page": 100, "sort": "starts_at"})
    rows = response.get_json().get("items", []) if response.status_code == 200 else []
    now = datetime.now(UTC)

    def ends(row) -> datetime:
        return datetime.fromisoformat(row["ends_at"])

    waiting = next((a["id"] for a in rows if a["waiting"] and ends(a) > now), None)
    checked_in = next((a["id"] for a in reversed(rows) if a["checked_in"] and ends(a) <= now), None)
    return {"community": community, "waiting_activity": waiting, "checked_in_activity": checked_in}


def _fees(app, ids: dict, page: str, **query) -> str | None:
    """A fees console page of the demo's 稻香社区 (FEES_COMMUNITY), or None."""
    from flask import url_for

    endpoint = f"console_fees.{page}"
    community = (ids.get("fees") or {}).get("community")
    if endpoint not in app.view_functions or not community or None in query.values():
        return None
    with app.test_request_context():
        return url_for(endpoint, community_id=community, **query)


def fees_ids(app, passwords: dict, residents: list[dict]) -> dict:
    """稻香社区's id, a home in arrears with a few open bills (the cashier's desk), and a resident
    of such a household to sign in as (their phone; their community's page, as the demo gives it
    for `residents`), read through the API as the fee manager; {} without that user."""
    from console_pages import TENANT

    from wuye_core.testing import login

    if FEES_MANAGER not in passwords:
        return {}
    api = login(app, TENANT, FEES_MANAGER, passwords[FEES_MANAGER])
    found = api.get("/api/v1/communities", query_string={"per_page": 100}).get_json().get("items", [])
    community = next((c["id"] for c in found if c["name"] == FEES_COMMUNITY), None)
    if community is None:
        return {}
    response = api.get(f"/api/v1/plugins/fees/communities/{community}/arrears", query_string={"per_page": 100})
    rows = response.get_json().get("items", []) if response.status_code == 200 else []
    homes = [r for r in rows if r["kind"] == "residential" and r["household_id"] and 3 <= r["bills"] <= 6]
    out = {"community": community, "unit": homes[0]["fee_unit_id"] if homes else None, "resident": None}
    h5_path = next((r["h5_path"] for r in residents if r["community_id"] == community), None)
    for row in homes[1:] if h5_path else []:
        people = api.get("/api/v1/residents", query_string={"household_id": row["household_id"], "per_page": 20})
        phones = [p["phone"] for p in people.get_json().get("items", []) if p.get("phone")] \
            if people.status_code == 200 else []
        if phones:
            out["resident"] = {"phone": phones[0], "h5_path": h5_path}
            break
    return out


def _last_month() -> str:
    """Last month in Beijing time, YYYY-MM (the month the demo's subsidy claim is computed for)."""
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    first = datetime.now(ZoneInfo("Asia/Shanghai")).date().replace(day=1)
    return (first - timedelta(days=1)).strftime("%Y-%m")


def welfare_community(app, passwords: dict) -> int | None:
    """The id of 稻香社区, read as the demo's roster manager (`gongyi`); None without that user."""
    from console_pages import TENANT

    from wuye_core.testing import login

    if WELFARE_MANAGER not in passwords:
        return None
    api = login(app, TENANT, WELFARE_MANAGER, passwords[WELFARE_MANAGER])
    found = api.get("/api/v1/communities", query_string={"per_page": 100}).get_json().get("items", [])
    return next((c["id"] for c in found if c["name"] == WELFARE_COMMUNITY), None)


def resident_sign_in(page, base: str, app, resident: dict) -> None:
    """On the resident's community page: the phone, a support-desk code, the privacy notice agreed."""
    from console_pages import TENANT

    from wuye_core.testing import resident_code

    page.goto(base + resident["h5_path"])
    page.get_by_label("您的手机号").fill(resident["phone"])
    page.get_by_role("button", name="获取验证码").click()
    page.get_by_label("验证码").fill(resident_code(app, TENANT, resident["phone"]))
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state("networkidle")
    if page.get_by_role("button", name="我已阅读并同意").count():
        page.get_by_role("button", name="我已阅读并同意").click()
        page.wait_for_load_state("networkidle")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", help="comma-separated names (without .png) to take, e.g. home,tickets")
    parser.add_argument("--out", default=str(HERE), help="folder for the PNGs (default docs/screenshots)")
    args = parser.parse_args()
    from console_pages import TENANT, build, demo_ids, make_app
    from playwright.sync_api import sync_playwright
    from werkzeug.serving import make_server

    from wuye_core.testing import browser_sign_in

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    wanted = set(args.only.split(",")) if args.only else None
    out = Path(args.out)
    with tempfile.TemporaryDirectory(prefix="wuye-screenshots-") as tmp:
        built, _ = build(argparse.Namespace(database_url=None, keep=False), Path(tmp))
        passwords = built["passwords"]
        app = make_app(built["env"])
        ids = demo_ids(app, passwords)
        ids["welfare_community"] = welfare_community(app, passwords)
        ids["volunteers"] = volunteers_ids(app, passwords)
        ids["fees"] = fees_ids(app, passwords, built["residents"])
        server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_port}"
        taken, skipped = [], []
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=os.environ.get("WUYE_TEST_CHROMIUM", CHROMIUM),
                                                 args=["--no-sandbox", "--disable-gpu"])
            for name, user, viewport, endpoint, path in shots(app, ids):
                if wanted and name.removesuffix(".png") not in wanted:
                    continue
                if path is None:
                    skipped.append(f"{name}: {endpoint} is not there yet")
                    continue
                context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", viewport=viewport,
                                              is_mobile=viewport is PHONE, has_touch=viewport is PHONE)
                page = context.new_page()
                if user in (RESIDENT, FEES_RESIDENT):
                    resident = (built["residents"] or [None])[0] if user == RESIDENT else ids["fees"]["resident"]
                    if not resident:
                        skipped.append(f"{name}: the demo has no residents")
                        context.close()
                        continue
                    resident_sign_in(page, base, app, resident)
                elif user:
                    if user not in passwords:
                        skipped.append(f"{name}: the demo has no user {user}")
                        context.close()
                        continue
                    browser_sign_in(page, base, TENANT, user, passwords[user])
                response = page.goto(base + path, wait_until="networkidle")
                if response is None or response.status != 200:
                    skipped.append(f"{name}: {path} answered {response.status if response else 'nothing'}")
                    context.close()
                    continue
                if page.locator("[data-chart]").count():
                    page.wait_for_timeout(1500)  # the charts' opening animation
                page.screenshot(path=str(out / name), full_page=name not in FIRST_SCREEN)
                taken.append(f"{name}: {path} as {user or 'nobody'}")
                context.close()
            browser.close()
        server.shutdown()
        with app.app_context():
            from wuye_core.extensions import db

            db.engine.dispose()
    for line in taken:
        print("taken   " + line)
    for line in skipped:
        print("skipped " + line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
