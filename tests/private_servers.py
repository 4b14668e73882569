"""Servers of a test's (or a fault benchmark's) own, on free ports, that it may kill and restart.

The suite's PostgreSQL (5432) and Redis (6379) are shared by every test and every session on the
machine: a test that takes a server away takes one of these instead. Both are real servers from
Debian's packages, started as processes of ours, so "killed" means `kill -9`, not a mock.

    redis = PrivateRedis(tmp_path); redis.start(); ...; redis.kill(); redis.start()   # same port
    pg = PrivatePostgres(); pg.start(); pg.url  # superuser URL; pg.kill(); pg.start(); pg.cleanup()
"""

from __future__ import annotations

import glob
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(check, what: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except Exception:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"{what} did not start within {timeout} s")


class PrivateRedis:
    """redis-server on a free port, nothing kept on disk; `kill()` is SIGKILL, `start()` again
    reuses the port (so clients configured with `url` reconnect to the new server)."""

    def __init__(self, tmp: Path, port: int | None = None):
        self.port = port or free_port()
        self.tmp = Path(tmp)
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    @staticmethod
    def available() -> bool:
        return shutil.which("redis-server") is not None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.tmp)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        from redis import Redis

        _wait(lambda: Redis.from_url(self.url, socket_connect_timeout=1).ping(), "redis-server")

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)


def _postgres_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


class PrivatePostgres:
    """A PostgreSQL cluster of our own (initdb in `tmp`, trust auth, fsync off) on a free port.

    PostgreSQL refuses to run as root: as root the cluster runs as the `postgres` system user
    (runuser), which Debian's package creates. `kill()` sends SIGKILL to the postmaster and its
    backends — a crash, not a shutdown; `start()` again recovers from the WAL like a real restart.
    """

    def __init__(self, tmp: Path | None = None, port: int | None = None):
        self.port = port or free_port()
        # not under `tmp`: pytest's and mkdtemp's folders are private to root, and the cluster's
        # owner must reach its data directory; the folder is the cluster's alone (cleanup()).
        self.dir = Path(tempfile.mkdtemp(prefix=f"wuye-pg-{self.port}-"))
        self.data = self.dir / "data"
        self.bin = _postgres_bin()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    @classmethod
    def available(cls) -> bool:
        if _postgres_bin() is None:
            return False
        if os.geteuid() != 0:
            return True
        try:
            import pwd

            pwd.getpwnam("postgres")
        except KeyError:
            return False
        return shutil.which("runuser") is not None

    def _as_owner(self, argv: list[str]) -> list[str]:
        return ["runuser", "-u", "postgres", "--", *argv] if os.geteuid() == 0 else argv

    def _chown(self, path: Path) -> None:
        if os.geteuid() == 0:
            shutil.chown(path, "postgres", "postgres")

    def start(self) -> None:
        if not self.data.exists():
            self._chown(self.dir)
            subprocess.run(self._as_owner([str(self.bin / "initdb"), "-D", str(self.data), "-A", "trust",
                                           "-U", "postgres", "--no-sync", "-E", "UTF8", "--locale=C.UTF-8"]),
                           check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        # the postmaster in the foreground of a process of ours: kill() is a real SIGKILL
        self.process = subprocess.Popen(
            self._as_owner([str(self.bin / "postgres"), "-D", str(self.data), "-p", str(self.port),
                            "-k", str(self.dir), "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off",
                            "-c", "max_connections=200"]),
            stdout=subprocess.DEVNULL, stderr=open(self.dir / "server.log", "ab"), start_new_session=True)
        import psycopg

        def ready() -> bool:
            with psycopg.connect(self.url, connect_timeout=1) as conn:
                conn.execute("select 1")
            return True

        _wait(ready, "PostgreSQL", timeout=60)

    def kill(self) -> None:
        """SIGKILL the postmaster and every backend (its process group), then wait."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)
        # orphaned backends die on their own once the postmaster is gone; wait for the port
        pid_file = self.data / "postmaster.pid"
        for _ in range(100):
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    pass
            except OSError:
                break
            time.sleep(0.05)
        # what a crashed postmaster leaves behind and a new one refuses to start over
        pid_file.unlink(missing_ok=True)
        for leftover in (f".s.PGSQL.{self.port}.lock", f".s.PGSQL.{self.port}"):
            (self.dir / leftover).unlink(missing_ok=True)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            # fast shutdown; to the group: runuser does not pass signals on to the postmaster
            os.killpg(self.process.pid, signal.SIGINT)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)
