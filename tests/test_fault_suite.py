"""The fault suite of #14 as a gate: `bench/faults.py --quick` on servers of its own.

It kills both workers, three gunicorn workers, Redis (20 s) and PostgreSQL (10 s) during a burst
of ticket lifecycles with idempotent retries, races and a doubled import, lets the app recover
with nothing done by hand, and exits non-zero if an event was lost or its side effect doubled, a
ticket was half written, a 5xx other than 503 was answered, a race had more than one winner, a
resident was duplicated or a worker exited by itself (bench/README.md, "Sixth session (#14):
faults"). About 2 minutes; it runs with the PostgreSQL + Redis backend, as .ci/run configures.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from .private_servers import PrivatePostgres, PrivateRedis

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.faults
def test_nothing_lost_nothing_doubled_under_killed_workers_redis_and_postgresql(wuye_backend):
    if not wuye_backend.is_postgresql:
        pytest.skip("runs with the PostgreSQL + Redis backend (once per session, not per backend)")
    if not (PrivatePostgres.available() and PrivateRedis.available()):
        pytest.skip("needs PostgreSQL's server binaries and redis-server on this machine")
    run = subprocess.run([sys.executable, str(ROOT / "bench" / "faults.py"), "--quick"], cwd=ROOT,
                         capture_output=True, text=True, timeout=1200)
    report = run.stdout[-6000:] + ("\n--- stderr ---\n" + run.stderr[-3000:] if run.returncode else "")
    assert run.returncode == 0, report
    assert "all checks passed" in run.stdout, report
