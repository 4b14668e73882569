"""The servers of bench/faults.py, all its own and all killable: a PostgreSQL cluster and a Redis
(tests/private_servers.py), gunicorn (`wsgi:app`, WUYE_ENV=production) and `wuye worker`
processes (the first `--with-scheduler`), with the probe plugin (bench/fault_probe.py) on their PYTHONPATH.

    stack = Stack(tmp, tenants=2, gunicorn_workers=3, app_env={...}); stack.start()
    stack.workers[0].kill(); stack.workers[0].start(); stack.gunicorn.kill_one_worker(); stack.redis.kill() ...
    stack.stop()

The database is made the way the test kit and the benchmarks make theirs (wuye_core/testing.py,
bench/setup_pg.py): the app connects as `wuye_app` (owns nothing, no BYPASSRLS), the owner
migrates with `wuye db upgrade`. Tenants, communities and plugin switches are a tenant file
applied with `wuye tenants apply`, the admins made with `wuye users create`: an operator's way.
"""

from __future__ import annotations

import http.client
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import fault_probe  # noqa: E402
from machine import descendants  # noqa: E402

from tests.private_servers import PrivatePostgres, PrivateRedis, free_port  # noqa: E402

BIN = Path(sys.executable).parent  # the venv's gunicorn and wuye
DB = "wuye_faults"
APP_ROLE = "wuye_app"
PASSWORD = "faults-admin-pass-2026"
IMPORT_COMMUNITY = "imp"
SECRET = "faults-secret-key-0123456789abcdef0123456789abcdef"


def tenant_file(slug: str, with_import_community: bool) -> str:
    """One tenant: community `c1` (one site), and `imp` (the two sites the import ledger names);
    the two in-repo plugins and the probe on for the tenant and every community."""
    on = "\n".join(f"      {p}: {{enabled: true}}" for p in ("red_property", "care_visits", fault_probe.NAME))
    communities = [("c1", f"{slug} 演练社区", ["演练小区"])]
    if with_import_community:
        communities.append((IMPORT_COMMUNITY, f"{slug} 导入社区", ["小区一", "小区二"]))
    text = f"""tenant:
  slug: {slug}
  name: 故障演练 {slug}
  kind: company
plugins:
  red_property: true
  care_visits: true
  {fault_probe.NAME}: true
communities:
"""
    for code, name, sites in communities:
        text += f"  - code: {code}\n    name: {name}\n    plugins:\n{on}\n    sites:\n"
        text += "".join(f"      - name: {site}\n        kind: compound\n" for site in sites)
    return text


class Gunicorn:
    """gunicorn in its own session; `kill_one_worker()` SIGKILLs one of its workers (the master
    forks a new one, as it would after an OOM kill)."""

    def __init__(self, env: dict, workers: int, log: Path):
        self.port = free_port()
        self.env, self.workers, self.log = env, workers, log
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        self._log = open(self.log, "ab")
        self.proc = subprocess.Popen(
            [str(BIN / "gunicorn"), "-k", "sync", "-w", str(self.workers), "-b", f"127.0.0.1:{self.port}",
             "--timeout", "30", "--log-level", "warning", "wsgi:app"],
            cwd=ROOT, env=self.env, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.proc.returncode}; see {self.log}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                conn.request("GET", "/readyz")
                if conn.getresponse().status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.3)
        raise RuntimeError(f"gunicorn not ready after 60 s; see {self.log}")

    def kill_one_worker(self) -> int | None:
        children = descendants(self.proc.pid)
        if not children:
            return None
        pid = random.choice(children)
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            return None
        return pid

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(5)
        except ProcessLookupError:
            pass


class Worker:
    """`wuye worker` (`--with-scheduler` for the first), supervised like a Kubernetes pod: `kill()` is our SIGKILL
    (to the worker and its work horse) and `start()` our restart; an exit we did not cause is
    recorded (`exits`) and the worker restarted after `backoff` seconds."""

    def __init__(self, env: dict, log: Path, scheduler: bool, backoff: float = 5.0):
        self.env, self.log, self.backoff = env, log, backoff
        self.argv = [str(BIN / "wuye"), "worker", *(["--with-scheduler"] if scheduler else [])]
        self.proc: subprocess.Popen | None = None
        self.exits: list[dict] = []  # exits we did not cause: {"at", "returncode", "phase"}
        self.phase = lambda: ""
        self._lock = threading.Lock()
        self._down_on_purpose = False
        self._stopping = threading.Event()
        self._supervisor = threading.Thread(target=self._supervise, name="worker-supervisor", daemon=True)

    def start(self) -> None:
        with self._lock:
            self._down_on_purpose = False
            self.proc = subprocess.Popen(self.argv, cwd=ROOT, env=self.env,
                                         stdout=open(self.log, "ab"), stderr=subprocess.STDOUT,
                                         start_new_session=True)
        if not self._supervisor.is_alive():
            self._supervisor.start()

    def pids(self) -> list[int]:
        return [self.proc.pid, *descendants(self.proc.pid)] if self.proc else []

    def kill(self) -> list[int]:
        with self._lock:
            self._down_on_purpose = True
            pids = self.pids()
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            if self.proc:
                self.proc.wait(10)
            return pids

    def _supervise(self) -> None:
        while not self._stopping.wait(0.5):
            with self._lock:
                died = self.proc is not None and self.proc.poll() is not None and not self._down_on_purpose
                if died:
                    self.exits.append({"at": time.monotonic(), "returncode": self.proc.returncode,
                                       "phase": self.phase()})
                    self._down_on_purpose = True  # until the restart below
            if died and not self._stopping.wait(self.backoff):
                self.start()

    def stop(self) -> None:
        self._stopping.set()
        self.kill()


class Stack:
    def __init__(self, tmp: Path, results: Path, tenants: int, gunicorn_workers: int, workers: int,
                 app_env: dict[str, str]):
        self.tmp, self.results, self.tenant_count = Path(tmp), Path(results), tenants
        self.slugs = [f"faults-{i}" for i in range(1, tenants + 1)]
        self.pg = PrivatePostgres()
        self.redis = PrivateRedis(self.tmp)
        probe_path = fault_probe.write(self.tmp / "probe")
        self.owner_url = f"postgresql://postgres@127.0.0.1:{self.pg.port}/{DB}"
        self.app_url = f"postgresql://{APP_ROLE}@127.0.0.1:{self.pg.port}/{DB}"
        inherited = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
        pythonpath = [str(probe_path), str(ROOT), str(ROOT / "plugins/care_visits"), str(ROOT / "plugins/red_property")]
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("WUYE_")}
        self.env.update(
            PYTHONPATH=os.pathsep.join(dict.fromkeys(pythonpath + inherited)),
            WUYE_ENV="production", WUYE_DATABASE_URL=self.app_url, WUYE_REDIS_URL=self.redis.url,
            WUYE_SECRET_KEY=SECRET, WUYE_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
            WUYE_STORAGE_URL=f"file://{self.tmp / 'uploads'}", WUYE_LOG_LEVEL="WARNING",
            WUYE_LOGIN_LIMIT_PER_USER="1000 per minute", WUYE_LOGIN_LIMIT_PER_ADDRESS="1000 per minute",
            **app_env)
        logs = [self.results / "faults-gunicorn.log", *(self.results / f"faults-worker-{i + 1}.log" for i in range(workers))]
        for log in logs:
            log.write_text("")  # this run's only
        self.gunicorn = Gunicorn(self.env, gunicorn_workers, logs[0])
        # each its own status file (`wuye worker --check`), not the one in the shared temp folder
        self.workers = [Worker({**self.env, "WUYE_WORKER_STATUS_FILE": str(self.tmp / f"worker-{i + 1}-status.json")},
                               log, scheduler=i == 0) for i, log in enumerate(logs[1:])]

    # -- build ---------------------------------------------------------------------------------

    def wuye(self, *args: str, **env) -> str:
        done = subprocess.run([str(BIN / "wuye"), *args], cwd=ROOT, env={**self.env, **env},
                              capture_output=True, text=True, timeout=300)
        if done.returncode:
            raise RuntimeError(f"wuye {' '.join(args)} failed ({done.returncode}):\n{done.stderr[-3000:]}")
        return done.stdout

    def start(self, say) -> None:
        t0 = time.monotonic()
        self.pg.start()
        self.redis.start()
        with psycopg.connect(self.pg.url, autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {DB}")
            conn.execute(f"CREATE ROLE {APP_ROLE} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE")
        say(f"  PostgreSQL :{self.pg.port}, Redis :{self.redis.port} started        {time.monotonic() - t0:5.1f} s")
        self.wuye("db", "upgrade", WUYE_MIGRATE_DATABASE_URL=self.owner_url)
        say(f"  migrated (wuye db upgrade, as the owner; probe branch too) {time.monotonic() - t0:5.1f} s")
        files = []
        for i, slug in enumerate(self.slugs):
            path = self.tmp / f"{slug}.yaml"
            path.write_text(tenant_file(slug, with_import_community=i == 0), encoding="utf-8")
            files.append(str(path))
        self.wuye("tenants", "apply", *files)
        with ThreadPoolExecutor(4) as pool:  # each command starts the app: side by side
            list(pool.map(lambda slug: self.wuye("users", "create", "--tenant", slug, "--username", "admin",
                                                 "--password", PASSWORD, "--role", "tenant_admin"), self.slugs))
        say(f"  {len(self.slugs)} tenants applied, admins created               {time.monotonic() - t0:5.1f} s")
        self.gunicorn.start()
        for worker in self.workers:
            worker.start()
        say(f"  gunicorn ({self.gunicorn.workers} sync workers) :{self.gunicorn.port}, {len(self.workers)} workers "
            f"(the first with the scheduler) started {time.monotonic() - t0:5.1f} s")

    def places(self) -> dict[str, dict]:
        """slug -> {"community": id, "site": id, "import_community": id or None}."""
        out = {}
        with psycopg.connect(self.owner_url) as conn:  # superuser: RLS does not apply
            for slug, code, community_id, site_id in conn.execute(
                    "select t.slug, c.code, c.id, min(s.id) from tenants t join communities c on c.tenant_id = t.id "
                    "join sites s on s.community_id = c.id group by 1, 2, 3"):
                place = out.setdefault(slug, {"import_community": None})
                if code == IMPORT_COMMUNITY:
                    place["import_community"] = community_id
                else:
                    place.update(community=community_id, site=site_id)
        return out

    def settings_report(self, keys: list[str]) -> dict:
        """What the app's Settings make of our environment (only names it knows are read): the
        fields whose names contain one of `keys`, and the WUYE_* variables it does not know."""
        code = (
            "import dataclasses, json, os\n"
            "from wuye_core.config import Settings\n"
            "s = Settings.from_env()\n"
            "names = {f.name for f in dataclasses.fields(s)}\n"
            f"keys = {keys!r}\n"
            "print(json.dumps({'settings': {n: str(getattr(s, n)) for n in sorted(names) if any(k in n for k in keys)},"
            " 'ignored': sorted(k for k in os.environ if k.startswith('WUYE_') and k[5:].lower() not in names)}))\n")
        done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=self.env, capture_output=True, text=True,
                              timeout=60)
        return json.loads(done.stdout) if done.returncode == 0 else {"error": done.stderr[-500:]}

    def stop(self) -> None:
        for step in (*(w.stop for w in self.workers), self.gunicorn.stop, self.redis.stop, self.pg.cleanup):
            try:
                step()
            except Exception as exc:  # keep stopping the rest
                print(f"  (stopping: {exc})", flush=True)
