"""Running one household import: the stages (see __init__.py) put together.

    outcome = HouseholdImport(community_id, actor="admin", on_batch=...).run(file)

Reading streams (openpyxl read-only, one row at a time, in a second thread, which checks the
rows too) and writing goes in batches of BATCH_SIZE rows, each its own transaction; existing rows
are looked up per batch. Neither the file nor the register is held in memory: what grows with the
file is openpyxl's shared-string table (Excel files) and 24 bytes a row for spotting duplicate
rows (seen_keys.py; bench/README.md has the figures).
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable

from flask import current_app
from flask_babel import force_locale
from sqlalchemy.exc import IntegrityError

from ... import events
from ...extensions import db
from ...i18n import N_
from ...tenancy import require_tenant_id
from .lock import hold_community
from .plan import Planner
from .report import ImportFailed, Outcome, RowError
from .rows import Record, RowChecker, community_sites
from .workbook import open_ledger
from .write import BatchWriter

log = logging.getLogger(__name__)

BATCH_SIZE = 2000
TOO_MANY_ROWS = N_("The file has more rows than one import may take; the import stopped there. The rows before "
                   "were imported; split the file and import the rest (importing rows again is safe).")
PAST_THE_LIMIT = N_("This row is past the limit of %(max)s rows per import: it and the rows after it were not "
                    "imported.")


class HouseholdImport:
    """One import into one community, in the current tenant's context."""

    def __init__(self, community_id: int, *, actor: str | None = None, batch_size: int | None = None,
                 on_batch: Callable[[Outcome], None] | None = None, max_rows: int | None = None):
        self.community_id = community_id
        self.tenant_id = require_tenant_id()
        self.actor = actor
        self.batch_size = batch_size or BATCH_SIZE
        self.on_batch = on_batch  # called before each batch commits: progress goes in the same transaction
        self.max_rows = max_rows  # data rows; past them the import stops (ImportFailed), None: no cap
        self.outcome = Outcome()
        self.planner = Planner(community_id)
        self.writer: BatchWriter  # made once the header is read: a veto's error names the column as written

    def run(self, source) -> Outcome:
        """Import `source` (a path or a binary file object). Raises ImportFailed before writing
        anything when the file as a whole is unusable."""
        with force_locale("en"):  # messages stay English msgids; they are translated when shown
            return self._run(source)

    def _run(self, source) -> Outcome:
        with open_ledger(source) as ledger:
            if ledger.declared_rows is not None:
                self.outcome.total_rows = ledger.declared_rows
            self.writer = BatchWriter(self.tenant_id, self.community_id, actor=self.actor, headers=ledger.headers)
            checker = RowChecker(ledger.columns, community_sites(self.community_id))
            self._loop(ledger.rows, checker)
        self.outcome.errors.sort(key=lambda e: e["row"])  # plugin vetoes are found a batch later
        return self.outcome

    def _loop(self, rows, checker: RowChecker) -> None:
        """Rows are read and checked in a second thread while this one writes the previous batch:
        openpyxl and the checks are Python work, the writes mostly wait for PostgreSQL, so the
        two overlap (2 batches queued at most: memory stays flat)."""
        chunks: queue.Queue = queue.Queue(maxsize=2)
        stop = threading.Event()
        reader = threading.Thread(target=self._read, args=(rows, checker, chunks, stop,
                                                           current_app._get_current_object()),
                                  name="wuye-import-reader", daemon=True)
        reader.start()
        try:
            while True:
                kind, *payload = chunks.get()
                if kind == "error":
                    raise payload[0]
                if kind == "end":
                    self.outcome.total_rows = payload[0]
                    return
                records, failures = payload
                for errors in failures:
                    self.outcome.failed += 1
                    self.outcome.processed_rows += 1
                    for error in errors:
                        self.outcome.add_error(error)
                self._flush(records)
        finally:
            stop.set()
            while reader.is_alive():  # unblock a reader waiting to put
                try:
                    chunks.get_nowait()
                except queue.Empty:
                    reader.join(0.05)

    def _read(self, rows, checker: RowChecker, chunks: queue.Queue, stop: threading.Event, app) -> None:
        def put(item) -> bool:
            while not stop.is_set():
                try:
                    chunks.put(item, timeout=0.1)
                    return True
                except queue.Full:
                    continue
            return False

        with app.app_context(), force_locale("en"):
            try:
                records: list[Record] = []
                failures: list[list[RowError]] = []
                data_rows = 0
                for row_number, values in rows:
                    if not any(v is not None and (not isinstance(v, str) or v.strip()) for v in values):
                        continue  # a blank row
                    data_rows += 1
                    if self.max_rows is not None and data_rows > self.max_rows:
                        # what was read is written; then the import stops, naming the first row left out
                        if put(("chunk", records, failures)):
                            raise ImportFailed(TOO_MANY_ROWS, [RowError(row_number, None, PAST_THE_LIMIT,
                                                                        {"max": self.max_rows})])
                        return
                    result = checker.check(row_number, values)
                    if isinstance(result, Record):
                        records.append(result)
                    else:
                        failures.append(result)
                    if len(records) + len(failures) >= self.batch_size:
                        if not put(("chunk", records, failures)):
                            return
                        records, failures = [], []
                if put(("chunk", records, failures)):
                    put(("end", data_rows))
            except BaseException as exc:  # handed to the writing thread, which raises it
                put(("error", exc))

    def _flush(self, batch: list[Record]) -> None:
        """Write one batch in one transaction (the progress too), under the community's import
        lock (lock.py). A conflict with a concurrent change that does not take the lock (a unit
        or a resident created through the API meanwhile) is retried once against the new state."""
        for attempt in (1, 2):
            snapshot = (self.outcome.created, self.outcome.updated, self.outcome.unchanged, self.outcome.failed,
                        self.outcome.processed_rows, self.outcome.error_count, len(self.outcome.errors),
                        dict(self.planner.buildings))
            try:
                self._write(batch)
                if self.on_batch:
                    self.on_batch(self.outcome)
                events.commit()
                return
            except IntegrityError:
                db.session.rollback()
                (self.outcome.created, self.outcome.updated, self.outcome.unchanged, self.outcome.failed,
                 self.outcome.processed_rows, self.outcome.error_count, kept, self.planner.buildings) = snapshot
                del self.outcome.errors[kept:]
                if attempt == 2:
                    raise
                log.info("import batch conflicted with a concurrent change; retrying it once")

    def _write(self, batch: list[Record]) -> None:
        if not batch:
            return
        hold_community(self.community_id)  # plan under the lock: a concurrent import of the file waits
        plans = self.planner.plan(batch)
        plans, refused = self.writer.screen(plans)
        for error in refused:
            self.outcome.failed += 1
            self.outcome.add_error(error)
        outcomes = [plan.outcome for plan in plans]  # before apply fills in the new ids
        self.writer.apply(plans, self.planner.buildings)
        for outcome in outcomes:
            setattr(self.outcome, outcome, getattr(self.outcome, outcome) + 1)
        self.outcome.processed_rows += len(batch)
