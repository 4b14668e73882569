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


def write_marker(path: str, text: str = "done", seconds: float = 0) -> str:
    """Write `text` to `path`, after `seconds` (a job that is still running when a server dies;
    `path`.started says it began)."""
    if seconds:
        Path(f"{path}.started").write_text("started")
        time.sleep(seconds)
    Path(path).write_text(text)
    return text


def read_the_database(path: str) -> None:
    """A job that needs the database (in the app context `wuye worker` gives each job)."""
    from sqlalchemy import text

    from wuye_core.extensions import db

    Path(path).write_text(str(db.session.execute(text("select 41 + 1")).scalar()))
