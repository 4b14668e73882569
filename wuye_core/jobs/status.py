"""The worker's status file: what `wuye worker --check` (the Kubernetes probes) reads.

`wuye worker` rewrites one small JSON file every few seconds (WUYE_WORKER_STATUS_FILE):

    {"pid": 7, "updated_at": 1764800000.1, "loop_at": 1764799990.4, "state": "working",
     "worker": "3f0c…", "redis": "ok", "database": "error: OperationalError"}

- `updated_at`: the status thread's last write (it checks Redis and the database each time);
- `loop_at`: the last turn of the work loop (rq's heartbeats, the reconnect loop's tries);
- `state`: starting | working | reconnecting | stopping.

Alive (the liveness probe) when both stamps are recent: a worker waiting for Redis or the
database is alive, and must not be restarted for it. Ready (the readiness probe) when it is
alive and Redis and the database both answer. The check reads the file only: it needs neither
the app, nor Redis, nor the database, so the probe is cheap and says what the worker sees.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import threading
import time
from pathlib import Path

log = logging.getLogger(__name__)

INTERVAL = 5.0  # seconds between two checks (and writes) of the status thread
STALE_AFTER = 30.0  # the status thread stopped writing: the process is stuck or gone
# rq's work loop turns at least every ~45 s when idle (dequeue timeout, worker.py), every 30 s
# while a job runs (job monitoring) and every ≤ 30 s while reconnecting
LOOP_STALE_AFTER = 180.0
CHECK_TIMEOUT = 3  # seconds a Redis or database check may take


def status_path(settings) -> Path:
    return Path(settings.worker_status_file or Path(tempfile.gettempdir()) / "wuye-worker-status.json")


def describe_error(exc: BaseException) -> str:
    return f"error: {type(exc).__name__}"


class WorkerStatus:
    """The state one `wuye worker` process reports, and the thread that keeps the file fresh."""

    def __init__(self, path: Path, redis_url: str, database_url):
        self.path = Path(path)
        self.redis_url = redis_url
        self.database_url = database_url
        self.state = "starting"
        self.worker: str | None = None
        self.redis = "unknown"
        self.database = "unknown"
        self.loop_at = time.time()
        self._lock = threading.Lock()
        self._engine = None

    def loop_alive(self) -> None:
        self.loop_at = time.time()

    def set(self, **fields) -> None:
        """Change some fields and write the file now (a reconnect shows at once, not at the next tick)."""
        for name, value in fields.items():
            setattr(self, name, value)
        self.write()

    def write(self) -> None:
        data = {"pid": os.getpid(), "updated_at": time.time(), "loop_at": self.loop_at, "state": self.state,
                "worker": self.worker, "redis": self.redis, "database": self.database}
        with self._lock:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                temporary = self.path.with_name(f".{self.path.name}.{os.getpid()}")
                temporary.write_text(json.dumps(data))
                os.replace(temporary, self.path)  # a reader never sees half a file
            except OSError:
                log.warning("could not write the worker status file %s", self.path, exc_info=True)

    # --- the checks ----------------------------------------------------------------------------

    def check_redis(self) -> str:
        from redis import Redis

        try:
            client = Redis.from_url(self.redis_url, socket_connect_timeout=CHECK_TIMEOUT, socket_timeout=CHECK_TIMEOUT)
            try:
                client.ping()
            finally:
                client.close()
            return "ok"
        except Exception as exc:
            return describe_error(exc)

    def check_database(self) -> str:
        """`select 1` on a connection of its own, opened and closed each time: the worker's main
        process keeps no pooled connection, so none is inherited by the work-horses it forks."""
        from sqlalchemy import create_engine, text
        from sqlalchemy.pool import NullPool

        try:
            if self._engine is None:
                url = self.database_url
                args = {"connect_timeout": CHECK_TIMEOUT} if str(url).startswith("postgresql") else {}
                self._engine = create_engine(url, poolclass=NullPool, connect_args=args)
            with self._engine.connect() as connection:
                connection.execute(text("select 1"))
            return "ok"
        except Exception as exc:
            return describe_error(exc)

    def refresh(self) -> None:
        self.redis = self.check_redis()
        self.database = self.check_database()
        self.write()

    def start_thread(self, interval: float = INTERVAL) -> threading.Thread:
        def loop():
            while True:
                try:
                    self.refresh()
                except Exception:  # never let the thread die: a silent file would read as a dead worker
                    log.exception("worker status check failed")
                time.sleep(interval)

        thread = threading.Thread(target=loop, name="wuye-worker-status", daemon=True)
        thread.start()
        return thread


def check(path: Path, *, live_only: bool = False, now: float | None = None) -> tuple[bool, str]:
    """(ok, a line in Chinese then English) for `wuye worker --check [--live]`."""
    now = time.time() if now is None else now
    try:
        data = json.loads(Path(path).read_text())
    except FileNotFoundError:
        return False, f"找不到 worker 状态文件 {path}（worker 没有运行？）/ no worker status file at {path} (is the worker running?)"
    except (OSError, ValueError) as exc:
        return False, f"读不了 worker 状态文件 {path} / cannot read the worker status file {path}: {exc}"
    age, loop_age = now - data.get("updated_at", 0), now - data.get("loop_at", 0)
    if age > STALE_AFTER:
        return False, (f"worker 状态文件 {age:.0f} 秒没有更新（进程卡住或已退出）/ the worker status file is "
                       f"{age:.0f} s old (the process is stuck or gone)")
    if loop_age > LOOP_STALE_AFTER:
        return False, (f"worker 的任务循环 {loop_age:.0f} 秒没有转动 / the worker's work loop has not turned "
                       f"for {loop_age:.0f} s")
    redis, database, state = data.get("redis"), data.get("database"), data.get("state")
    seen = f"Redis {redis}, database {database}, state {state}"
    seen_zh = f"Redis：{_zh(redis)}，数据库：{_zh(database)}，状态：{state}"
    if live_only:
        return True, f"worker 在运行（{seen_zh}）/ worker alive ({seen})"
    if redis == "ok" and database == "ok" and state == "working":
        return True, f"worker 就绪（{seen_zh}）/ worker ready ({seen})"
    return False, f"worker 未就绪（{seen_zh}）/ worker not ready ({seen})"


def _zh(check: str | None) -> str:
    if check == "ok":
        return "正常"
    if check and check.startswith("error"):
        return f"连不上（{check.removeprefix('error: ')}）"
    return "未知"


def main(argv: list[str] | None = None) -> int:
    """`python -m wuye_core.jobs.status [--live]`: `wuye worker --check` without loading the whole
    command line (0.4 s instead of ~2 s of imports: the Kubernetes probes run it every few seconds)."""
    import argparse

    from ..config import Settings

    parser = argparse.ArgumentParser(prog="python -m wuye_core.jobs.status",
                                     description="worker 是否就绪 / whether the worker is ready (exit 0/1)")
    parser.add_argument("--live", action="store_true", help="只检查进程是否活着 / only that it is alive")
    arguments = parser.parse_args(argv)
    ok, message = check(status_path(Settings.from_env()), live_only=arguments.live)
    print(message)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
