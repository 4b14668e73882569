"""Fault suite (#14): kill the worker, Redis, PostgreSQL and a gunicorn worker during a burst of
ticket lifecycles, then check that nothing was lost, doubled or half-written.

    .venv/bin/python bench/faults.py --quick      # ~3 min: 6 clients, a 75 s burst
    .venv/bin/python bench/faults.py              # ~5 min: 12 clients, a 150 s burst
    .venv/bin/python bench/faults.py --app-env WUYE_EVENT_LEASE_SECONDS=10   # other app settings

Everything runs on servers of its own (bench/fault_stack.py): a private PostgreSQL cluster and
Redis (tests/private_servers.py; SIGKILLed and restarted on the same port), gunicorn (`wsgi:app`,
WUYE_ENV=production, sync workers) and two `wuye worker` processes (the first with the scheduler;
two, so that two import jobs can run at once), restarted a few seconds after we kill them, as
Kubernetes would (and a few seconds after they exit by themselves, which is counted). Two tenants or more, each with the two in-repo plugins and
a PROBE plugin (bench/fault_probe.py) enabled: a third-party plugin whose event hooks log every
delivery into a table without a unique constraint, so doubles can be counted.

The burst: `--clients` threads run ticket lifecycles (create -> accept -> dispatch -> arrive ->
resolve -> rate; every 4th also reopen -> accept -> dispatch -> arrive -> resolve -> rate), each
request with an `Idempotency-Key`, retried with the same key on a dropped connection or a 5xx, as
a careful client would (a 409 after such a retry: the client reads the ticket, and goes on when
the change is there). On a timeline: 16 clients send the same transition to one ticket at once
(accept, or reopen), the same household ledger is imported twice at once, the workers are
SIGKILLed (while they have a backlog), gunicorn workers are SIGKILLed (3, 1.5 s apart), Redis is down ~20 s,
PostgreSQL ~10 s. Then a drain: nothing is done by hand, the app must deliver every event itself.

Checks (exit code 1 when one fails):
  events lost              outbox events the probe never got            0
  side effects doubled     probe rows per event id beyond the first     0
  half-written objects     ticket status != its last history row; history rows != its transition
                           events; != 1 created event; reopened_count != reopen rows; a ticket
                           created twice for one idempotency key         0
  5xx other than 503       per phase of the timeline                     0
  race winners             per race, 200s among the 16                   exactly 1
  duplicate residents      after the same import twice at once           0
  worker exits             exits of the worker that we did not cause     0
Also reported: events, delivery lag p50/p99 (before the first fault and overall), time to
drain after each fault, status codes per phase. Outputs: bench/results/faults-<stamp>.{txt,json},
faults-gunicorn.log, faults-worker-N.log.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import sys
import tempfile
import threading
import time
import traceback
import uuid
from collections import Counter, defaultdict
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import psycopg
from fault_stack import PASSWORD, ROOT, Stack
from machine import code_version

RESULTS = ROOT / "bench" / "results"
RACERS = 16
GUNICORN_KILLS = 3
FINISHED = ("done", "failed")  # an import job's final states
TITLE = "故障演练"
TICKET = {"channel": "phone", "kind": "repair", "category": "水电维修", "priority": "normal",
          "reporter_name": "张三", "reporter_phone": "13800000000", "description": "厨房水管漏水（故障演练）"}
LIFECYCLE = [("accept", "accepted"), ("dispatch", "dispatched"), ("arrive", "on_site"), ("resolve", "resolved")]
# Short retries and leases, so that a delivery cut short comes back within the drain. A name the
# app does not know is ignored by Settings (and reported as such): the script runs on older code.
APP_ENV = {"WUYE_EVENT_RETRY_SECONDS": "2,5,10,30", "WUYE_EVENT_LEASE_SECONDS": "20"}
SETTING_WORDS = ["event", "lease", "sweep", "batch", "idempot", "retry", "reconnect", "redis", "worker"]

# (second of the burst, action): quick and default
TIMELINES = {
    "quick": [(0, "import race"), (3, "clients start"), (4, "race accept"), (7, "race reopen"),
              (10, "kill worker"), (14, "start worker"),
              (18, "kill gunicorn worker"),
              (24, "kill redis"), (44, "start redis"),
              (52, "kill postgres"), (62, "start postgres"),
              (64, "import race"), (66, "race accept"), (70, "race reopen"), (75, "end")],
    "default": [(0, "import race"), (3, "clients start"), (4, "race accept"), (8, "race reopen"),
                (12, "race accept"), (16, "race reopen"),
                (25, "kill worker"), (30, "start worker"),
                (45, "kill gunicorn worker"),
                (60, "kill redis"), (81, "start redis"),
                (100, "kill postgres"), (110, "start postgres"),
                (120, "import race"), (125, "race accept"), (130, "race reopen"), (135, "race accept"),
                (140, "race reopen"),
                (150, "end")],
}
FAULTS = {"kill worker": "start worker", "kill redis": "start redis", "kill postgres": "start postgres",
          "kill gunicorn worker": None}


class Abandon(Exception):
    """A client gave up on its lifecycle (retries exhausted, or an answer it cannot explain)."""


# --- what the clients saw ------------------------------------------------------------------------


class Tally:
    """Status codes per phase of the timeline; anomalies the clients could not explain."""

    def __init__(self):
        self.lock = threading.Lock()
        self.phase = "before faults"
        self.phases: list[str] = [self.phase]
        self.codes: dict[str, Counter] = defaultdict(Counter)
        self.notes: list[str] = []
        self.lifecycles = Counter()  # done / abandoned / retried-and-found-done

    def set_phase(self, phase: str) -> None:
        with self.lock:
            self.phase = phase
            self.phases.append(phase)

    def note(self, status: int | None) -> None:
        label = "conn error" if status is None else f"{status // 100}xx" if status < 400 else str(status)
        with self.lock:
            self.codes[self.phase][label] += 1

    def anomaly(self, text: str) -> None:
        with self.lock:
            if len(self.notes) < 200:
                self.notes.append(f"[{self.phase}] {text}")


class Client:
    """One HTTP client of the API (a fresh connection per request: gunicorn's sync workers close it)."""

    def __init__(self, port: int, token: str, tally: Tally, retry_seconds: float):
        self.port, self.token, self.tally, self.retry_seconds = port, token, tally, retry_seconds

    def request(self, method: str, path: str, body=None, key: str | None = None, raw: tuple | None = None):
        headers = {"Authorization": f"Bearer {self.token}", "Accept-Language": "en"}
        if key:
            headers["Idempotency-Key"] = key
        if raw is not None:
            payload, headers["Content-Type"] = raw
        elif body is not None:
            payload, headers["Content-Type"] = json.dumps(body).encode(), "application/json"
        else:
            payload = None
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=20)
        try:
            conn.request(method, path, body=payload, headers=headers)
            r = conn.getresponse()
            data = r.read()
            status, retry_after = r.status, r.getheader("Retry-After")
            if r.getheader("Idempotent-Replayed"):  # a retry whose first try went through: its answer again
                self.tally.lifecycles["answers replayed (Idempotent-Replayed)"] += 1
        except (OSError, http.client.HTTPException):
            status, data, retry_after = None, b"", None
        finally:
            conn.close()
        self.tally.note(status)
        try:
            parsed = json.loads(data) if data else None
        except ValueError:
            parsed = None
        return status, parsed, retry_after

    def call(self, method, path, body=None, key=None, expect=(200,), target=None, raw=None):
        """Send until an expected answer, retrying with the same key on a dropped connection or a
        5xx. A 409 after such a retry: read the ticket; its status == `target` means the first
        try went through (the client goes on)."""
        deadline = time.monotonic() + self.retry_seconds
        retried = False
        while True:
            status, data, retry_after = self.request(method, path, body, key, raw)
            if status in expect:
                return data
            if status is None or status >= 500:
                if time.monotonic() > deadline:
                    raise Abandon(f"{method} {path}: still {status} after {self.retry_seconds:.0f} s")
                retried = True
                try:
                    wait = float(retry_after) if retry_after else 0.5
                except ValueError:
                    wait = 0.5
                time.sleep(min(max(wait, 0.2), 2.0))
                continue
            if status == 409 and retried and target:
                ticket_path = path.rsplit("/", 1)[0]
                now, ticket, _ = self.request("GET", ticket_path)
                if now == 200 and ticket and ticket.get("status") == target:
                    self.tally.lifecycles["retry found the change done"] += 1
                    return ticket
            raise Abandon(f"{method} {path} {body or ''}: {status} {str(data)[:160]}")

    def transition(self, ticket_id: int, action: str, target: str, key: str):
        body = {"action": action}
        if action == "dispatch":
            body["team"] = "维修一班"
        return self.call("POST", f"/api/v1/tickets/{ticket_id}/transitions", body, key=key, target=target)

    def new_ticket(self, place: dict, key: str) -> int:
        body = {**TICKET, "community_id": place["community"], "site_id": place["site"], "title": f"{TITLE} {key}"}
        return self.call("POST", "/api/v1/tickets", body, key=key, expect=(201,))["id"]

    def to_closed(self, ticket_id: int, key: str, reopen: bool = False) -> None:
        steps = ([("reopen", "reopened")] if reopen else []) + LIFECYCLE
        for action, target in steps:
            self.transition(ticket_id, action, target, f"{key}-{action}{'-2' if reopen else ''}")
        self.call("PUT", f"/api/v1/tickets/{ticket_id}/rating", {"rating": 4}, key=f"{key}-rate{'-2' if reopen else ''}",
                  target="closed")


def run_lifecycles(client: Client, place: dict, name: str, stop: threading.Event, think: float) -> None:
    n = 0
    while not stop.is_set():
        n += 1
        key = f"{name}-{n}-{uuid.uuid4().hex[:8]}"
        try:
            ticket_id = client.new_ticket(place, key)
            client.to_closed(ticket_id, key)
            if n % 4 == 0:
                client.to_closed(ticket_id, key, reopen=True)
            client.tally.lifecycles["done"] += 1
        except Abandon as exc:
            client.tally.lifecycles["abandoned"] += 1
            client.tally.anomaly(f"{name}: {exc}")
        except Exception as exc:  # a bug of ours: say so, go on
            client.tally.anomaly(f"{name}: {type(exc).__name__}: {exc}")
        time.sleep(think)


# --- races ---------------------------------------------------------------------------------------


def race(client: Client, place: dict, action: str, races: list[dict]) -> None:
    """RACERS clients send the same transition (`accept` on a new ticket, or `reopen` on a closed
    one) to one ticket at the same moment, each with its own key: exactly one may win."""
    key = f"race-{action}-{uuid.uuid4().hex[:8]}"
    try:
        ticket_id = client.new_ticket(place, key)
        if action == "reopen":
            client.to_closed(ticket_id, key)
    except Abandon as exc:
        races.append({"action": action, "error": str(exc)})
        return
    barrier = threading.Barrier(RACERS)
    statuses: list[int | None] = []

    def one(i: int) -> None:
        barrier.wait()
        status, _, _ = client.request("POST", f"/api/v1/tickets/{ticket_id}/transitions", {"action": action},
                                      key=f"{key}-racer-{i}")
        statuses.append(status)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(RACERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    counts = Counter(statuses)
    races.append({"action": action, "ticket_id": ticket_id, "tenant": place["slug"], "winners": counts[200],
                  "conflicts": counts[409], "other": {str(k): v for k, v in counts.items() if k not in (200, 409)}})


def import_race(client: Client, place: dict, rows: int, imports: list[dict], give_up: threading.Event) -> None:
    """The same ledger uploaded twice at the same moment into one community; each job is followed
    (in the background) until it is done or failed, or until `give_up` (the end of the drain)."""
    import household_import

    path = Path(tempfile.mkdtemp()) / "ledger.xlsx"
    household_import.write_inline(path, rows)
    boundary = uuid.uuid4().hex
    body = (f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="住户台账.xlsx"\r\n'
            f"Content-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet\r\n\r\n").encode() \
        + path.read_bytes() + f"\r\n--{boundary}--\r\n".encode()
    raw = (body, f"multipart/form-data; boundary={boundary}")
    expected = sum(1 for row in household_import.ledger_rows(rows) if row[7])  # a head of household per row
    jobs = [{"status": "not sent"}, {"status": "not sent"}]
    imports.append({"community": place["import_community"], "rows": rows, "expected_residents": expected,
                    "jobs": jobs})
    barrier = threading.Barrier(2)
    base = f"/api/v1/communities/{place['import_community']}/imports"

    def one(job: dict, i: int) -> None:
        barrier.wait()
        try:
            answer = client.call("POST", f"{base}/households", key=f"import-{boundary}-{i}", expect=(202,), raw=raw)
            job.update(id=answer["id"], status=answer["status"])
        except Abandon as exc:
            job["status"] = f"upload failed: {exc}"
            return
        while job["status"] not in FINISHED and not give_up.wait(1):
            status, data, _ = client.request("GET", f"{base}/{job['id']}")
            if status == 200:
                job.update({k: data.get(k) for k in ("status", "created", "updated", "failed", "started_at",
                                                     "finished_at")})

    for i, job in enumerate(jobs):
        threading.Thread(target=one, args=(job, i), daemon=True).start()


def ran_together(jobs: list[dict]) -> bool:
    """Did the two import jobs overlap in time (else the race was not run, whatever the result)?"""
    spans = sorted((job.get("started_at"), job.get("finished_at")) for job in jobs)
    return len(spans) == 2 and all(a and b for a, b in spans) and spans[1][0] < spans[0][1]


def imports_finished(imports: list[dict]) -> bool:
    return all(job["status"] in FINISHED or job["status"].startswith("upload failed")
               for imp in imports for job in imp["jobs"])


# --- the outbox, seen from the database (as the superuser: no RLS) --------------------------------

UNPROBED = """select count(*) from outbox_events o where o.id <= %s and not exists (
    select 1 from probe_deliveries p where p.tenant_id = o.tenant_id and p.event_id = o.event_id)"""


class Monitor(threading.Thread):
    """Once a second: events, undelivered ones, the newest id; and for each fault since recovered,
    whether every event up to the recovery has reached the probe (its time to drain)."""

    def __init__(self, url: str, t0: float):
        super().__init__(name="monitor", daemon=True)
        self.url, self.t0 = url, t0
        self.samples: list[dict] = []
        self.faults: list[dict] = []  # {"fault", "at", "recovered", "mark", "drained"}
        self.stop = threading.Event()
        self.lock = threading.Lock()

    def latest(self) -> dict:
        return self.samples[-1] if self.samples else {}

    def recovered(self, fault: str, at: float) -> None:
        with self.lock:
            self.faults.append({"fault": fault, "at": at, "recovered": time.monotonic() - self.t0, "mark": None,
                                "drained": None})

    def run(self) -> None:
        conn = None
        while not self.stop.wait(1.0):
            try:
                if conn is None or conn.closed:
                    conn = psycopg.connect(self.url, autocommit=True, connect_timeout=2)
                total, undelivered, newest = conn.execute(
                    "select count(*), count(*) filter (where delivered_at is null), coalesce(max(id), 0) "
                    "from outbox_events").fetchone()
                now = time.monotonic() - self.t0
                self.samples.append({"t": round(now, 1), "events": total, "undelivered": undelivered})
                with self.lock:
                    for f in self.faults:
                        if f["mark"] is None:
                            f["mark"] = newest
                        if f["drained"] is None and conn.execute(UNPROBED, (f["mark"],)).fetchone()[0] == 0:
                            f["drained"] = round(now - f["recovered"], 1)
            except psycopg.Error:
                conn = None  # PostgreSQL is down (on purpose): try again next second


# --- checks --------------------------------------------------------------------------------------

CHECK_SQL = {
    "events lost (no probe row)": UNPROBED.replace("o.id <= %s and ", ""),
    "events never marked delivered": "select count(*) from outbox_events where delivered_at is null",
    "side effects doubled (probe rows beyond 1 per event)":
        "select coalesce(sum(n - 1), 0) from (select count(*) n from probe_deliveries "
        "group by tenant_id, event_id) x where n > 1",
    "half-written: status != last history row": """
        select count(*) from tickets t where t.status::text <> (
            select h.to_status from ticket_transitions h where h.tenant_id = t.tenant_id and h.ticket_id = t.id
            order by h.id desc limit 1)""",
    "half-written: history rows != transition events": """
        select count(*) from (select tenant_id, ticket_id, count(*) n from ticket_transitions
                               where action not in ('submit', 'rate', 'correct_rating') group by 1, 2) h
        full join (select tenant_id, object_id ticket_id, count(*) n from outbox_events
                   where name = 'ticket_transitioned' group by 1, 2) e using (tenant_id, ticket_id)
        where coalesce(h.n, 0) <> coalesce(e.n, 0)""",
    # a rating and a correction are history rows of their own (#16), each with its ticket_rated event
    "half-written: rating rows != rated events": """
        select count(*) from (select tenant_id, ticket_id, count(*) n from ticket_transitions
                               where action in ('rate', 'correct_rating') group by 1, 2) h
        full join (select tenant_id, object_id ticket_id, count(*) n from outbox_events
                   where name = 'ticket_rated' group by 1, 2) e using (tenant_id, ticket_id)
        where coalesce(h.n, 0) <> coalesce(e.n, 0)""",
    "half-written: tickets without exactly 1 created event": """
        select count(*) from tickets t where (select count(*) from outbox_events o where o.tenant_id = t.tenant_id
            and o.name = 'ticket_created' and o.object_id = t.id) <> 1""",
    "half-written: reopened_count != reopen rows": """
        select count(*) from tickets t where t.reopened_count <> (select count(*) from ticket_transitions h
            where h.tenant_id = t.tenant_id and h.ticket_id = t.id and h.action = 'reopen')""",
    "tickets created twice for one idempotency key":
        f"select count(*) - count(distinct title) from tickets where title like '{TITLE} %%'",
}
LAG = """select min(p.at) < %s, extract(epoch from min(p.at) - o.occurred_at)
    from outbox_events o join probe_deliveries p on p.tenant_id = o.tenant_id and p.event_id = o.event_id
    group by o.id, o.occurred_at"""


def secs(value: float | None, none: str = "-") -> str:
    return none if value is None else f"{value:.2f} s" if value < 10 else f"{value:.0f} s"


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q / 100 * (len(values) - 1))))]


def database_checks(url: str, imports: list[dict], first_fault_at) -> tuple[dict, dict]:
    with psycopg.connect(url) as conn:
        found = {name: conn.execute(sql).fetchone()[0] for name, sql in CHECK_SQL.items()}
        figures = {
            "events": conn.execute("select count(*) from outbox_events").fetchone()[0],
            "events by name": dict(conn.execute("select name, count(*) from outbox_events group by 1 order by 2 desc")
                                   .fetchall()),
            "tickets": conn.execute("select count(*) from tickets").fetchone()[0],
            "probe rows": conn.execute("select count(*) from probe_deliveries").fetchone()[0],
            "probe pids": conn.execute("select count(distinct pid) from probe_deliveries").fetchone()[0],
            "plugin deliveries by state": dict(conn.execute(
                "select plugin || ' ' || state, count(*) from plugin_deliveries group by 1 order by 1").fetchall()),
        }
        lags = conn.execute(LAG, (first_fault_at,)).fetchall()
        figures["lag all"] = [float(s) for _, s in lags]
        figures["lag before faults"] = [float(s) for before, s in lags if before]  # delivered before the first fault
        for imp in imports:
            residents, distinct = conn.execute(
                "select count(*), count(distinct (household_id, name)) from residents where community_id = %s",
                (imp["community"],)).fetchone()
            households, units = conn.execute(
                "select count(*), count(distinct unit_id) from households where community_id = %s",
                (imp["community"],)).fetchone()
            imp.update(residents=residents, duplicate_residents=residents - distinct,
                       duplicate_households=households - units)
    return found, figures


# --- the run -------------------------------------------------------------------------------------


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="6 clients, a 75 s burst (default: 12 clients, 150 s)")
    p.add_argument("--clients", type=int, help="lifecycle clients (default 6 quick, 12)")
    p.add_argument("--tenants", type=int, default=2)
    p.add_argument("--gunicorn-workers", type=int, default=3)
    p.add_argument("--workers", type=int, default=2, help="`wuye worker` processes (the first with the scheduler); "
                                                          "two, so that two import jobs can run at once")
    p.add_argument("--import-rows", type=int, help="rows of the ledger imported twice at once (200 quick, 500)")
    p.add_argument("--drain-seconds", type=float, help="wait at most this long for the app to deliver everything "
                                                       "after the burst (120 quick, 240)")
    p.add_argument("--settle-seconds", type=float, default=10, help="then wait this long for late doubles")
    p.add_argument("--retry-seconds", type=float, default=90, help="a client retries a request this long")
    p.add_argument("--think", type=float, default=0.02, help="pause between a client's lifecycles (s)")
    p.add_argument("--app-env", action="append", default=[], metavar="WUYE_X=VALUE",
                   help="extra settings for gunicorn and the worker (repeatable)")
    args = p.parse_args()
    mode = "quick" if args.quick else "default"
    clients = args.clients or (6 if args.quick else 12)
    import_rows = args.import_rows or (200 if args.quick else 500)
    drain_seconds = args.drain_seconds or (120 if args.quick else 240)
    app_env = dict(APP_ENV, **dict(kv.split("=", 1) for kv in args.app_env))
    RESULTS.mkdir(parents=True, exist_ok=True)
    out: list[str] = []

    def say(line: str = "") -> None:
        print(line, flush=True)
        out.append(line)

    say(f"faults ({mode}): {clients} lifecycle clients, {args.tenants} tenants, gunicorn sync x {args.gunicorn_workers}, "
        f"code {code_version()}, {os.cpu_count()} CPUs, {time.strftime('%Y-%m-%d %H:%M:%S')}")
    tmp = tempfile.mkdtemp(prefix="wuye-faults-")
    stack = Stack(tmp, RESULTS, args.tenants, args.gunicorn_workers, args.workers, app_env)
    result: dict = {"mode": mode, "clients": clients, "code": code_version(), "app_env": app_env}
    try:
        stack.start(say)
        report = stack.settings_report(SETTING_WORDS)
        result["settings"] = report
        say(f"  app settings read: {report.get('settings')}; WUYE_* it ignores: {report.get('ignored')}")
        failed = burst_and_check(stack, args, mode, clients, import_rows, drain_seconds, say, result)
    except Exception:
        say(traceback.format_exc())
        failed = None
    finally:
        stack.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    (RESULTS / f"faults-{stamp}.txt").write_text("\n".join(out) + "\n")
    (RESULTS / f"faults-{stamp}.json").write_text(json.dumps(result, indent=2, ensure_ascii=False, default=str))
    print(f"\nwritten: bench/results/faults-{stamp}.txt/.json (logs: faults-gunicorn.log, faults-worker-N.log)")
    if failed is None:
        return 2
    return 1 if failed else 0


def burst_and_check(stack: Stack, args, mode, clients, import_rows, drain_seconds, say, result) -> list[str]:
    tally = Tally()
    places = stack.places()
    for slug, place in places.items():
        place["slug"] = slug
    tokens = {}
    for slug in places:
        c = Client(stack.gunicorn.port, "", tally, args.retry_seconds)
        tokens[slug] = c.call("POST", "/api/v1/auth/token",
                              {"tenant": slug, "username": "admin", "password": PASSWORD})["access_token"]
    tally.codes.clear()
    slugs = sorted(places)
    first = places[slugs[0]]
    for worker in stack.workers:
        worker.phase = lambda: tally.phase

    stop, give_up = threading.Event(), threading.Event()
    t0 = time.monotonic()
    monitor = Monitor(stack.owner_url, t0)
    monitor.start()
    workers = [threading.Thread(target=run_lifecycles, daemon=True, name=f"client-{i}", args=(
        Client(stack.gunicorn.port, tokens[slugs[i % len(slugs)]], tally, args.retry_seconds),
        places[slugs[i % len(slugs)]], f"c{i}", stop, args.think)) for i in range(clients)]
    races: list[dict] = []
    imports: list[dict] = []
    side: list[threading.Thread] = []
    timeline: list[dict] = []
    first_fault = None
    say(f"\nburst: {clients} lifecycle clients; timeline ({mode}):")
    for at, action in TIMELINES[mode]:
        time.sleep(max(0.0, at - (time.monotonic() - t0)))
        now = round(time.monotonic() - t0, 1)
        detail = ""
        if action == "end":
            break
        if action == "clients start":  # after the first import race, which has both workers to itself
            for w in workers:
                w.start()
        elif action.startswith("race "):
            slug = slugs[len(side) % len(slugs)]  # the races take turns among the tenants
            client = Client(stack.gunicorn.port, tokens[slug], tally, args.retry_seconds)
            t = threading.Thread(target=race, daemon=True, args=(client, places[slug], action.split()[1], races))
            t.start()
            side.append(t)
        elif action == "import race":
            import_race(Client(stack.gunicorn.port, tokens[slugs[0]], tally, args.retry_seconds), first,
                        import_rows, imports, give_up)
        elif action in FAULTS:
            first_fault = first_fault or datetime.now(UTC)
            phase = action.replace("kill ", "") + (" killed" if "worker" in action else " down")
            if action == "kill worker":  # while they have work in hand, if they get any within 5 s
                for _ in range(50):
                    if monitor.latest().get("undelivered"):
                        break
                    time.sleep(0.1)
                tally.set_phase(phase)
                detail = (f"backlog {monitor.latest().get('undelivered')} events; "
                          f"pids {[pid for worker in stack.workers for pid in worker.kill()]}")
            elif action == "kill gunicorn worker":  # three times, so that some requests die mid-way
                tally.set_phase(phase)
                pids = []
                for _ in range(GUNICORN_KILLS):
                    pids.append(stack.gunicorn.kill_one_worker())
                    time.sleep(1.5)
                detail = f"pids {pids}, 1.5 s apart"
                monitor.recovered(action, now)
            else:
                tally.set_phase(phase)
                {"kill redis": stack.redis.kill, "kill postgres": stack.pg.kill}[action]()
        else:  # a restart
            fault = next(f for f, restart in FAULTS.items() if restart == action)
            started = time.monotonic()
            {"start worker": lambda: [worker.start() for worker in stack.workers], "start redis": stack.redis.start,
             "start postgres": stack.pg.start}[action]()
            detail = f"up in {time.monotonic() - started:.1f} s"
            tally.set_phase(f"after {fault.replace('kill ', '')}")
            monitor.recovered(fault, next(e["t"] for e in reversed(timeline) if e["action"] == fault))
        timeline.append({"t": now, "action": action, "detail": detail})
        say(f"  t={now:6.1f} s  {action:<22} {detail}")
    stop.set()
    say(f"  t={time.monotonic() - t0:6.1f} s  burst ends; clients finish their lifecycle")
    for w in [*workers, *side]:
        w.join(args.retry_seconds * 3)
    tally.set_phase("drain")

    # -- drain: the app alone must deliver every event and finish every import ----------------------
    drain_start = time.monotonic()
    drained = None
    while time.monotonic() - drain_start < drain_seconds:
        try:
            with psycopg.connect(stack.owner_url, connect_timeout=2) as conn:
                left = conn.execute(CHECK_SQL["events lost (no probe row)"]).fetchone()[0]
                undelivered = conn.execute(CHECK_SQL["events never marked delivered"]).fetchone()[0]
        except psycopg.Error:
            left = undelivered = None
        if left == 0 and undelivered == 0 and imports_finished(imports):
            drained = time.monotonic() - drain_start
            break
        time.sleep(1)
    give_up.set()
    say(f"  t={time.monotonic() - t0:6.1f} s  drain: "
        f"{'everything delivered and imported after ' + secs(drained) if drained is not None else 'NOT finished'} "
        f"(limit {drain_seconds:.0f} s); settle {args.settle_seconds:.0f} s for late doubles")
    time.sleep(args.settle_seconds)
    monitor.stop.set()
    monitor.join(5)

    found, figures = database_checks(stack.owner_url, imports, first_fault)
    return report(say, result, tally, races, imports, timeline, monitor, stack, found, figures, drained,
                  drain_seconds)


def report(say, result, tally, races, imports, timeline, monitor, stack, found, figures, drained, drain_seconds):
    lag_all, lag_quiet = figures.pop("lag all"), figures.pop("lag before faults")
    unknown = [r for r in races if "winners" not in r]
    decided = [r for r in races if "winners" in r and not r["other"]]
    bad_races = [r for r in decided if r["winners"] != 1]
    non503 = {phase: {k: v for k, v in codes.items() if k.startswith("5") and k != "503"}
              for phase, codes in tally.codes.items()}
    non503_total = sum(sum(v.values()) for v in non503.values())
    dup_residents = sum(imp.get("duplicate_residents", 0) for imp in imports)
    exits = [exit_ for worker in stack.workers for exit_ in worker.exits]
    unfinished = [job for imp in imports for job in imp["jobs"] if job["status"] not in FINISHED]
    checks = [
        ("events lost (outbox events the probe never got)", found["events lost (no probe row)"], 0),
        ("events never marked delivered in the outbox", found["events never marked delivered"], 0),
        ("side effects doubled (probe rows beyond 1 per event)",
         found["side effects doubled (probe rows beyond 1 per event)"], 0),
        *[(name, value, 0) for name, value in found.items() if name.startswith(("half-written", "tickets created"))],
        ("5xx other than 503 (all phases)", non503_total, 0),
        (f"races with != 1 winner ({len(decided)} decided, {len(unknown)} not run)", len(bad_races), 0),
        ("duplicate residents (same import twice at once)", dup_residents, 0),
        ("imports accepted or sent but never finished", len(unfinished), 0),
        ("worker exits we did not cause", len(exits), 0),
    ]
    say("\nchecks")
    say(f"  {'check':<66} {'found':>7}  verdict")
    failed = []
    for name, value, want in checks:
        ok = value == want
        if not ok:
            failed.append(name)
        say(f"  {name:<66} {value:>7}  {'ok' if ok else 'FAIL'}")

    say("\nfigures")
    say(f"  events {figures['events']:,} ({', '.join(f'{k} {v}' for k, v in figures['events by name'].items())}); "
        f"tickets {figures['tickets']:,}; probe rows {figures['probe rows']:,} from {figures['probe pids']} processes")
    say(f"  lifecycles: {dict(tally.lifecycles)}")
    say(f"  delivery lag (outbox occurred_at -> probe row): of events delivered before the first fault p50 {secs(percentile(lag_quiet, 50))} "
        f"p99 {secs(percentile(lag_quiet, 99))} ({len(lag_quiet)} events); whole run p50 {secs(percentile(lag_all, 50))} "
        f"p99 {secs(percentile(lag_all, 99))} max {secs(max(lag_all) if lag_all else None)}")
    say(f"  drain after the burst: {secs(drained, 'not finished in ' + secs(drain_seconds))}")
    say("  time to drain after each fault (every event up to the recovery reached the probe):")
    for f in monitor.faults:
        say(f"    {f['fault']:<22} at t={f['at']:6.1f}, recovered t={f['recovered']:6.1f}: "
            f"{secs(f['drained'], 'never (within the run)')}")
    for exit_ in exits:
        say(f"  worker exited by itself with {exit_['returncode']} during '{exit_['phase']}' (restarted after 5 s)")
    say(f"  plugin deliveries: {figures['plugin deliveries by state']}")
    for r in races:
        say(f"  race {r['action']:<7} " + (f"ticket {r['ticket_id']}: {r['winners']} winners, {r['conflicts']} x 409"
                                           + (f", other {r['other']}" if r["other"] else "")
                                           if "winners" in r else f"not run: {r['error']}"))
    for imp in imports:
        jobs = ", ".join(f"#{j.get('id', '?')} {j['status']} ({j.get('created')} created, {j.get('updated')} updated)"
                         for j in imp["jobs"])
        overlap = "ran at the same time" if ran_together(imp["jobs"]) else "did NOT run at the same time"
        say(f"  import x2 at once, {imp['rows']} rows, {overlap}: {jobs}; residents now {imp.get('residents')} "
            f"(a single import makes {imp['expected_residents']}), duplicates {imp.get('duplicate_residents')}, "
            f"duplicate households {imp.get('duplicate_households')}")

    say("\nstatus codes per phase")
    labels = sorted({k for codes in tally.codes.values() for k in codes})
    say(f"  {'phase':<26}" + "".join(f"{k:>11}" for k in labels))
    for phase in dict.fromkeys(tally.phases):
        codes = tally.codes.get(phase, Counter())
        say(f"  {phase:<26}" + "".join(f"{codes.get(k, 0):>11}" for k in labels))
    if tally.notes:
        say(f"\nclient anomalies ({len(tally.notes)}, first 15):")
        for note in tally.notes[:15]:
            say(f"  {note}")
    say(f"\n{'FAILED: ' + '; '.join(failed) if failed else 'all checks passed'}")
    result.update(checks={n: v for n, v, _ in checks}, failed=failed, figures=figures, races=races, imports=imports,
                  timeline=timeline, faults=monitor.faults, worker_exits=exits,
                  codes={k: dict(v) for k, v in tally.codes.items()}, notes=tally.notes,
                  lag={"before_faults": {"p50": percentile(lag_quiet, 50), "p99": percentile(lag_quiet, 99)},
                       "all": {"p50": percentile(lag_all, 50), "p99": percentile(lag_all, 99)}},
                  drain_seconds=drained, samples=monitor.samples)
    return failed


if __name__ == "__main__":
    sys.exit(main())
