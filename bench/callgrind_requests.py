"""Instructions per request of any checkout, with callgrind, deterministic and ~5x cheaper than
instrumenting the whole process (bench/README.md, fifth session).

    valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file=/dev/null \\
        .venv/bin/python bench/callgrind_requests.py <checkout> --endpoint ticket --n 100   # "Collected: X"
    ... the same with --n 0                                                               # the baseline
    instructions per request = (X(100) - X(0)) / 100

Runs <checkout>/bench/request_instructions.py (its own copy: that script puts its own checkout
first on sys.path, so PYTHONPATH alone does not select older code; give PYTHONPATH=<checkout>
and its plugins too) with two changes that keep the subtraction exact and the runs short:

- instrumentation starts at the first test-client request (the login), through a 3-line C
  client request (CALLGRIND_START_INSTRUMENTATION) compiled here on first use: start-up and
  imports are the same instructions in both runs and cancel anyway, and running them
  uninstrumented takes ~30 s instead of ~3 min;
- for --endpoint ticket, the relay's wake-up flag (before #14 that of tenant bench-001, since
  then the one flag of all tenants: both are set) is set without expiry in Redis db 9 before
  the app starts, so every request's `SET NX` finds it set and no request enqueues the
  delivery job. Otherwise the flag (60 s TTL) is set by the first ticket and
  expires in the middle of a slow run or not, and the count differs by an rq enqueue.

Use PYTHONHASHSEED=0 too: dict and set order then repeat from run to run. What is left varies
by ~0.01 M instructions per request (a fresh Fernet key and token per run).
"""

from __future__ import annotations

import ctypes
import runpy
import subprocess
import sys
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
# cg_stop for callers that count a part of a run (relay_instructions.py)
C_SOURCE = ("#include <valgrind/callgrind.h>\nvoid cg_start(void) { CALLGRIND_START_INSTRUMENTATION; }\n"
            "void cg_stop(void) { CALLGRIND_STOP_INSTRUMENTATION; }\n")


def toggle_lib() -> ctypes.CDLL:
    lib = RESULTS / "libcgstartstop.so"
    if not lib.exists():
        RESULTS.mkdir(parents=True, exist_ok=True)
        source = RESULTS / "cgstartstop.c"
        source.write_text(C_SOURCE)
        subprocess.run(["gcc", "-O1", "-shared", "-fPIC", "-o", str(lib), str(source)], check=True)
    return ctypes.CDLL(str(lib))


def main() -> None:
    checkout = Path(sys.argv[1]).resolve()
    args = sys.argv[2:]
    lib = toggle_lib()
    if "ticket" in args:
        import redis

        # The flag's name changed with #14 (020e67b): one per tenant before ("outbox-pending:<id>",
        # bench-001 is tenant 1), one for all tenants since ("outbox-pending", next to the set
        # "outbox-pending-tenants" that every commit still SADDs to). Pin both: either code's
        # `SET NX` then fails and no request enqueues.
        pinned = redis.Redis.from_url("redis://127.0.0.1:6379/9")
        pinned.set("wuye:outbox-pending:1", "1")
        pinned.set("wuye:outbox-pending", "1")

    import werkzeug.test

    open_ = werkzeug.test.Client.open
    started = []

    def open_and_count(self, *a, **kw):
        if not started:
            started.append(True)
            lib.cg_start()
        return open_(self, *a, **kw)

    werkzeug.test.Client.open = open_and_count
    sys.argv = [str(checkout / "bench" / "request_instructions.py"), *args]
    runpy.run_path(sys.argv[0], run_name="__main__")


if __name__ == "__main__":
    main()
