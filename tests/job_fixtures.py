"""Job functions for the worker tests (imported by real rq workers in subprocesses)."""

from __future__ import annotations

import time
from pathlib import Path


def slow_the_first_time(marker_dir: str, seconds: float = 60) -> str:
    """Attempt 1 writes a marker and hangs (the test kills the worker); attempt 2 finishes."""
    folder = Path(marker_dir)
    attempt = len(list(folder.glob("attempt-*"))) + 1
    (folder / f"attempt-{attempt}").write_text("started")
    if attempt == 1:
        time.sleep(seconds)
    (folder / "done").write_text(str(attempt))
    return f"done on attempt {attempt}"


def always_fails() -> None:
    raise RuntimeError("this job always fails")
