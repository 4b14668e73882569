"""CPU accounting from /proc, shared by the benchmarks (Linux only).

This machine is shared: other people's test suites running during a 2-core benchmark move the
figures a lot, so each run waits for a quiet machine first and reports CPU time nobody in the
benchmark used ("other").
"""

from __future__ import annotations

import os
import time
from pathlib import Path

CLK_TCK = os.sysconf("SC_CLK_TCK")


def descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                ppid = int(Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        for c in children.get(todo.pop(), []):
            out.append(c)
            todo.append(c)
    return out


def cpu_seconds(pids) -> float:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
        except (OSError, IndexError, ValueError):
            pass
    return total / CLK_TCK


def postgres_pids() -> list[int]:
    """Every PostgreSQL process on the machine (including other people's test databases)."""
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if Path(f"/proc/{entry}/comm").read_text().strip() == "postgres":
                    pids.append(int(entry))
            except OSError:
                pass
    return pids


STAT_FIELDS = ("user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal")


def machine_stat() -> list[int]:
    return [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:9]]


def machine_split(before: list[int], after: list[int]) -> dict[str, float]:
    """Share of the machine's CPU time (all cores) per /proc/stat category, in %."""
    diff = [b - a for a, b in zip(before, after, strict=False)]
    total = max(sum(diff), 1)
    split = {name: 100 * d / total for name, d in zip(STAT_FIELDS, diff, strict=False)}
    split["busy"] = 100 - split["idle"] - split["iowait"]
    return split


def wait_for_quiet(max_wait: float, threshold_pct: float = 10.0, quiet_seconds: float = 3.0) -> float:
    """Other work on this shared machine (test suites...) skews a 2-core benchmark: wait until
    the machine has been under `threshold_pct` busy for `quiet_seconds`. Returns the last busy %."""
    deadline = time.monotonic() + max_wait
    said = False
    while True:
        before = machine_stat()
        time.sleep(quiet_seconds)
        busy = machine_split(before, machine_stat())["busy"]
        if busy < threshold_pct or time.monotonic() > deadline:
            if said:
                print(f"  (machine {busy:.0f}% busy: {'quiet' if busy < threshold_pct else 'gave up waiting'})",
                      flush=True)
            return busy
        if not said:
            print(f"  (machine {busy:.0f}% busy before the run: waiting up to {max_wait:.0f} s for it to be quiet)",
                  flush=True)
            said = True


def code_version() -> str:
    """The commit the benchmark ran on, "+dirty" when the work tree had changes (it usually does:
    other people edit the app while benchmarks run)."""
    import subprocess

    root = Path(__file__).resolve().parent.parent
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True,
                              timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=root,
                               capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return head + ("+dirty" if dirty else "")


def set_priority(pid: int, nice: int, autogroup: bool = False) -> bool:
    """Raise (negative nice) the CPU priority of one of *our* processes. Only the benchmark's own
    processes are touched: its children, itself, and the PostgreSQL backends of its own connections.

    With kernel.sched_autogroup_enabled (it is, here) a process's nice only ranks it inside its
    session's autogroup, so against other sessions' jobs only the autogroup's nice counts:
    `autogroup=True` sets that too, for a session that is ours alone (gunicorn started with
    start_new_session, or this benchmark's own session). PostgreSQL backends share the server's
    autogroup with other people's backends, so theirs is never changed; their own nice ranks our
    backends above other people's test backends."""
    if not nice:
        return False
    try:
        os.setpriority(os.PRIO_PROCESS, pid, nice)
        if autogroup and Path(f"/proc/{pid}/autogroup").exists():
            Path(f"/proc/{pid}/autogroup").write_text(str(nice))
        return True
    except (PermissionError, ProcessLookupError, OSError):
        return False


def child_priority(nice: int):
    """A `preexec_fn` for subprocess.Popen(..., start_new_session=True): the child raises its own
    priority and its new session's autogroup's before it execs (so no race with its forks)."""
    def apply() -> None:
        if nice:
            set_priority(os.getpid(), nice, autogroup=True)
    return apply


def backend_pids(database: str) -> list[int]:
    """The PostgreSQL backends connected to `database` (ours, wuye_bench: nobody else's tests)."""
    import psycopg
    from setup_pg import PG

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        return [r[0] for r in conn.execute(
            "select pid from pg_stat_activity where datname = %s and pid <> pg_backend_pid()", (database,))]


def prioritize_backends(database: str, nice: int) -> int:
    """set_priority() on the PostgreSQL backends connected to `database`."""
    if not nice:
        return 0
    return sum(set_priority(pid, nice) for pid in backend_pids(database))
