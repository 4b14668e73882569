"""Python bytecode steps per request of any checkout: deterministic, unlike wall-clock on a shared
machine, and finer than callgrind (whose per-request count moves by ~0.03 M with memory layout).

    PYTHONHASHSEED=0 PYTHONPATH=<checkout>:<checkout>/plugins/care_visits:<checkout>/plugins/red_property \\
        .venv/bin/python bench/request_steps.py <checkout> --endpoint list --n 40 [--json out.json]

Runs <checkout>/bench/request_instructions.py (its own copy, as bench/callgrind_requests.py does:
it puts its checkout first on sys.path) with `--n N`, and traces every test-client request with
sys.settrace: each Python frame under `Client.open` counts its opcode events (`f_trace_opcodes`;
`--events line` counts line events instead). Reported: the mean, min and max over the last N
requests (the 20 warm-up ones, the login and, for --endpoint ticket, the household lookup are
traced but left out), and with --json the steps per function (file relative to the checkout or
site-packages, first line, name) summed over those N requests, for diffing two commits with
`--diff old.json new.json` (by file and function name). Also printed: the garbage collections
that ran during those requests, by generation (a collection's own cost is C, not counted). C code
(the driver, C extensions) is invisible: what this counts is the interpreter's work in Python
code, the part that a change in Python code moves.

For --endpoint ticket, the relay's wake-up flag is pinned in Redis db 9 as callgrind_requests.py
does (no request enqueues a job). Use WUYE_AUTH_CACHE_SECONDS=3600 WUYE_LIST_TOTAL_CACHE_SECONDS=3600:
tracing is ~20x slower than running, so the 5 s caches would expire in the middle of the run.
"""

from __future__ import annotations

import argparse
import collections
import json
import re
import runpy
import sys
from pathlib import Path


def where(code, checkout: str) -> str:
    path = code.co_filename
    path = re.sub(r"^.*/site-packages/", "", path)
    if path.startswith(checkout + "/"):
        path = path[len(checkout) + 1:]
    return f"{path}:{code.co_firstlineno}({code.co_name})"


def diff(old_file: str, new_file: str, top: int) -> None:
    old, new = (json.loads(Path(f).read_text()) for f in (old_file, new_file))
    n_old, n_new = old["n"], new["n"]
    for counts in (old, new):  # by file and name: a function that only moved lines is not a difference
        by_name: collections.Counter = collections.Counter()
        for k, v in counts["functions"].items():
            by_name[re.sub(r":\d+\(", "(", k)] += v
        counts["functions"] = by_name
    print(f"steps per request: {old['mean']:.1f} -> {new['mean']:.1f} ({new['mean'] - old['mean']:+.1f})")
    keys = set(old["functions"]) | set(new["functions"])
    rows = sorted(((new["functions"].get(k, 0) / n_new - old["functions"].get(k, 0) / n_old, k) for k in keys),
                  key=lambda r: -abs(r[0]))
    for d, k in rows[:top]:
        if abs(d) >= 0.05:
            print(f"{d:+10.1f}  {old['functions'].get(k, 0) / n_old:9.1f} -> {new['functions'].get(k, 0) / n_new:9.1f}  {k}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("checkout", nargs="?")
    p.add_argument("--endpoint", choices=("me", "list", "ticket"), default="list")
    p.add_argument("--n", type=int, default=40, help="measured requests (after the 20 warm-up ones)")
    p.add_argument("--events", choices=("opcode", "line"), default="opcode")
    p.add_argument("--no-plugins", action="store_true")
    p.add_argument("--json", help="write the per-function counts of the measured requests here")
    p.add_argument("--diff", nargs=2, metavar=("OLD_JSON", "NEW_JSON"), help="compare two --json files")
    p.add_argument("--top", type=int, default=40)
    args = p.parse_args()
    if args.diff:
        diff(*args.diff, args.top)
        return
    checkout = str(Path(args.checkout).resolve())

    if args.endpoint == "ticket":
        import redis

        pinned = redis.Redis.from_url("redis://127.0.0.1:6379/9")
        pinned.set("wuye:outbox-pending:1", "1")
        pinned.set("wuye:outbox-pending", "1")

    import gc

    import werkzeug.test

    opcodes = args.events == "opcode"
    collections_run: list[collections.Counter] = []  # garbage collections per request, by generation
    collected: collections.Counter = collections.Counter()

    def on_collection(phase, info):
        if phase == "start":
            collected[info["generation"]] += 1

    gc.callbacks.append(on_collection)
    per_request: list[collections.Counter] = []
    counts: collections.Counter = collections.Counter()

    def local(frame, event, arg):
        if event == args.events:
            counts[frame.f_code] += 1
        return local

    def global_trace(frame, event, arg):
        if frame.f_code is on_collection.__code__:  # the harness's own callback: not counted
            return None
        if opcodes:
            frame.f_trace_opcodes = True
            frame.f_trace_lines = False
        return local

    open_ = werkzeug.test.Client.open

    def open_and_count(self, *a, **kw):
        counts.clear()
        collected.clear()
        sys.settrace(global_trace)
        try:
            return open_(self, *a, **kw)
        finally:
            sys.settrace(None)
            per_request.append(collections.Counter(counts))
            collections_run.append(collections.Counter(collected))

    werkzeug.test.Client.open = open_and_count
    forwarded = ["--endpoint", args.endpoint, "--n", str(args.n)] + (["--no-plugins"] if args.no_plugins else [])
    sys.argv = [str(Path(checkout) / "bench" / "request_instructions.py"), *forwarded]
    runpy.run_path(sys.argv[0], run_name="__main__")

    measured = per_request[-args.n:]
    totals = [sum(c.values()) for c in measured]
    mean = sum(totals) / len(totals)
    core = sys.modules["wuye_core"].__file__
    print(f"{args.endpoint}: {args.events} steps per request over {len(totals)} requests "
          f"(of {len(per_request)} traced): mean {mean:.1f}, min {min(totals)}, max {max(totals)}; "
          f"wuye_core from {core}")
    gcs = sum(collections_run[-args.n:], collections.Counter())
    print(f"garbage collections in those requests, by generation: {dict(sorted(gcs.items()))}; "
          f"objects tracked at the end: {len(gc.get_objects())}")
    if args.json:
        functions: collections.Counter = collections.Counter()
        for c in measured:
            for code, k in c.items():
                functions[where(code, checkout)] += k
        Path(args.json).write_text(json.dumps({"endpoint": args.endpoint, "events": args.events, "n": len(totals),
                                               "mean": mean, "min": min(totals), "max": max(totals),
                                               "checkout": checkout, "functions": dict(functions)}, indent=0))


if __name__ == "__main__":
    main()
