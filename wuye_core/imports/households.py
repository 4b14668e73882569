"""The household ledger import: an .xlsx of units and their households into the register.

    outcome = HouseholdImport(community_id, actor="admin", on_batch=...).run(file)

Reading streams (openpyxl read-only, one row at a time, in a second thread) and writing goes
in batches of BATCH_SIZE rows, each its own transaction; existing rows are looked up per batch.
Neither the file nor the register is held in memory: what grows with the file is openpyxl's
shared-string table (Excel files) and 24 bytes a row for spotting duplicate rows
(bench/README.md has the figures).

Each row names a unit by (小区, 楼栋, 单元, 房号) and says who lives there:
- the site (小区) must already exist in the community (sites have a kind nobody would guess);
  a building (楼栋) and a unit are created when missing, the unit's floor and area updated;
- the unit's current household (not moved out; the newest if several) gets the row's type,
  moved-in date and number of people; a unit without one gets a new household;
- the head of household (户主) is the household's resident of that name: created when missing,
  else their phone and ID-card number updated and the row's tags added.
The import never deletes: a blank cell leaves what is stored as it is, and tags are only added.
So importing the same file twice changes nothing the second time.

A row with any problem is not imported at all, and reported with its row number (as Excel
shows it), its column header (as written in the file) and the reason (an English msgid, shown
translated). The values are checked by the very fields of the API's schemas
(households/schemas.py), so a phone number the API refuses is refused here with the same words.
Plugins' `wuye_validate_resident` veto applies to each head of household created or changed, and
the core events (`household_created`, `resident_changed` …) are recorded in the outbox with each
batch — only when an enabled plugin listens, so a 100,000-row import does not queue 200,000
events nobody receives.
"""

from __future__ import annotations

import logging
import queue
import re
import threading
from array import array
from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from flask import current_app
from flask_babel import force_locale
from marshmallow import ValidationError
from sqlalchemy import String, func, insert, select, type_coerce, update
from sqlalchemy.exc import IntegrityError

from .. import events
from ..common.encryption import decrypt
from ..extensions import db
from ..host import dispatch
from ..households import schemas as hs
from ..households.models import Building, Household, HouseholdKind, Resident, ResidentTag, Site, Unit
from ..i18n import N_
from ..tenancy import require_tenant_id
from .columns import BY_KEY, COLUMNS, KIND_LABELS, HeaderProblem, column_for, expected_headers

log = logging.getLogger(__name__)

BATCH_SIZE = 2000
MAX_ERRORS = 1000  # kept and shown; the count covers all
HEADER_SEARCH_ROWS = 10  # a title row or two may come before the header

REQUIRED = N_("This column is required.")
UNKNOWN_SITE = N_("No site of this name in the community.")
AMBIGUOUS_SITE = N_("Several sites of the community have this name; rename one of them first.")
UNKNOWN_KIND = N_("Unknown type: use 自住 (owner), 租住 (renter) or 空置 (vacant).")
BAD_ID_CARD = N_("Not a valid ID-card number.")
DUPLICATE_ROW = N_("Same unit (小区, 楼栋, 单元, 房号) as row %(row)s.")
NOT_XLSX = N_("The file cannot be read as an Excel workbook (.xlsx).")
DAMAGED = N_("The file is damaged and could not be read to the end; the rows before the damage were imported.")


# --- results ------------------------------------------------------------------------------------


@dataclass
class RowError:
    row: int
    column: str | None
    msgid: str
    params: dict | None = None
    plugin: str | None = None  # the plugin that vetoed the row, and its title
    plugin_title: str | None = None

    def as_dict(self) -> dict:
        out = {"row": self.row, "column": self.column, "msgid": self.msgid}
        if self.params:
            out["params"] = self.params
        if self.plugin:
            out["plugin"], out["plugin_title"] = self.plugin, self.plugin_title
        return out


class ImportFailed(Exception):
    """The file as a whole cannot be imported (not a workbook, header problems). Nothing was written."""

    def __init__(self, msgid: str, errors: list[RowError] | None = None, params: dict | None = None):
        super().__init__(msgid)
        self.msgid = msgid
        self.params = params
        self.errors = errors or []


@dataclass
class Outcome:
    total_rows: int | None = None
    processed_rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    errors: list[dict] = field(default_factory=list)  # the first MAX_ERRORS, as RowError.as_dict()
    error_count: int = 0

    def add_error(self, error: RowError) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_ERRORS:
            self.errors.append(error.as_dict())


# --- reading and checking rows -----------------------------------------------------------------


@dataclass(slots=True)
class Record:
    """A valid row. None (and empty tags) means "blank in the file: leave as stored"."""

    row: int
    site_id: int
    building: str
    entrance: str
    number: str
    kind: HouseholdKind
    name: str | None = None
    floor: int | None = None
    area: float | None = None
    phone: str | None = None
    members: int | None = None
    id_card: str | None = None
    tags: tuple[str, ...] = ()
    moved_in: date | None = None

    @property
    def unit_key(self) -> tuple:
        return (self.site_id, self.building, self.entrance, self.number)


def _api_fields() -> dict[str, Any]:
    """The marshmallow fields of the API's schemas that check each column."""
    unit, household, resident = hs.UnitUpdate(), hs.HouseholdUpdate(), hs.ResidentUpdate()
    return {
        "site": hs.SiteUpdate().fields["name"],
        "building": hs.BuildingUpdate().fields["name"],
        "entrance": unit.fields["entrance"],
        "floor": unit.fields["floor"],
        "number": unit.fields["number"],
        "area": unit.fields["area_m2"],
        "name": resident.fields["name"],
        "phone": resident.fields["phone"],
        "members": household.fields["members"],
        "id_card": resident.fields["id_card"],
        "tags": resident.fields["tags"],
        "moved_in": household.fields["moved_in_on"],
    }


def _text(value) -> str | None:
    """A cell as text: numbers without a trailing ".0", dates as ISO dates, blanks as None."""
    if value is None:
        return None
    if isinstance(value, str):
        value = value.strip()
        return value or None
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _number(value):
    """A numeric cell as it is; text stripped; blanks None."""
    if isinstance(value, str):
        value = value.strip()
        return value or None
    if isinstance(value, bool):
        return str(value)
    return value


_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")


def _date(value):
    """Dates as Excel stores them (datetime), or written as text in the usual Chinese ways."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    text = _text(value)
    if text is None:
        return None
    match = _DATE.match(text) or _COMPACT_DATE.match(text)
    if not match:
        return text  # the field says why it is not a date
    year, month, day = (int(g) for g in match.groups())
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return text


_TAG_SEPARATORS = re.compile(r"[,，、;；\s]+")


def _tags(value):
    text = _text(value)
    if text is None:
        return None
    return [t for t in _TAG_SEPARATORS.split(text) if t]


PREPARE = {"floor": _number, "area": _number, "members": _number, "moved_in": _date, "tags": _tags}


def _messages(exc: ValidationError) -> list[str]:
    out = []

    def walk(messages):
        if isinstance(messages, dict):
            for value in messages.values():
                walk(value)
        elif isinstance(messages, list):
            for value in messages:
                walk(value)
        else:
            out.append(str(messages))

    walk(exc.messages)
    return list(dict.fromkeys(out))


class SeenKeys:
    """The first row of each unit key seen so far, in 24 bytes a key — the one thing of ours that
    grows with the file (a dict of keys would take ~120 bytes each, ~12 MB per 100,000 rows).

    A key is kept as two 64-bit hashes (a false "duplicate" needs both to collide: ~1e-29 per
    pair of rows) and its row, in sorted runs of machine-word arrays, merged as they pile up
    (an LSM tree in miniature: at most log2(rows / RUN) + 1 runs, each searched by bisection)."""

    RUN = 16384

    def __init__(self):
        self.pending: dict[tuple[int, int], int] = {}
        self.runs: list[tuple[array, array, array]] = []

    def first_row(self, key: tuple, row: int) -> int:
        """The row where `key` first appeared; `row` (recorded now) if it is new."""
        h1, h2 = hash(key), hash((key, 1))
        found = self.pending.get((h1, h2))
        if found is not None:
            return found
        for first, second, rows in self.runs:
            i = bisect_left(first, h1)
            while i < len(first) and first[i] == h1:
                if second[i] == h2:
                    return rows[i]
                i += 1
        self.pending[(h1, h2)] = row
        if len(self.pending) >= self.RUN:
            self._spill()
        return row

    def __len__(self) -> int:
        return len(self.pending) + sum(len(run[0]) for run in self.runs)

    def _spill(self) -> None:
        run: tuple[array, array, array] = (array("q"), array("q"), array("q"))
        for (h1, h2), row in sorted(self.pending.items()):
            run[0].append(h1)
            run[1].append(h2)
            run[2].append(row)
        self.pending = {}
        self.runs.append(run)
        while len(self.runs) > 1 and 2 * len(self.runs[-1][0]) >= len(self.runs[-2][0]):
            newer, older = self.runs.pop(), self.runs.pop()
            self.runs.append(self._merge(older, newer))

    @staticmethod
    def _merge(a: tuple[array, array, array], b: tuple[array, array, array]) -> tuple[array, array, array]:
        """Merge two runs element by element: no list of tuples the size of the run (sorting
        one would briefly take ~150 bytes a key, the very memory this class saves)."""
        (a1, a2, ar), (b1, b2, br) = a, b
        o1, o2, orow = array("q"), array("q"), array("q")
        i = j = 0
        na, nb = len(a1), len(b1)
        while i < na and j < nb:
            if a1[i] <= b1[j]:
                o1.append(a1[i])
                o2.append(a2[i])
                orow.append(ar[i])
                i += 1
            else:
                o1.append(b1[j])
                o2.append(b2[j])
                orow.append(br[j])
                j += 1
        for first, second, rows, k in ((a1, a2, ar, i), (b1, b2, br, j)):
            o1.extend(first[k:])
            o2.extend(second[k:])
            orow.extend(rows[k:])
        return o1, o2, orow


class RowChecker:
    """Turns a sheet row (a tuple of cell values) into a Record or a list of RowErrors."""

    # Columns whose values repeat from row to row (same site, building, type…): their checks are
    # remembered per distinct cell value (at most MEMO_SIZE each), which halves the checking time.
    MEMO = ("site", "building", "entrance", "floor", "number", "area", "kind", "members", "tags", "moved_in")
    MEMO_SIZE = 512

    def __init__(self, columns: dict[str, tuple[int, str]], sites: dict[str, list[int]]):
        self.columns = columns  # key -> (0-based index, header as written in the file)
        self.sites = sites
        self.fields = _api_fields()
        self.memo: dict[str, dict] = {key: {} for key in self.MEMO}
        self.seen = SeenKeys()  # unit keys of the valid rows so far: duplicates in the file

    def convert(self, key: str, raw) -> tuple[Any, tuple[str, ...]]:
        """(value, ()) or (None, msgids) for one cell; a blank cell is (None, ())."""
        value = PREPARE.get(key, _text)(raw)
        if value is None:
            return None, ()
        if key == "kind":
            label = KIND_LABELS.get(value.lower())
            return (HouseholdKind(label), ()) if label else (None, (UNKNOWN_KIND,))
        try:
            value = self.fields[key].deserialize(value)
        except ValidationError as exc:
            return None, tuple(_messages(exc))
        if key == "id_card":
            value = value.upper()
            if not hs.id_card_is_valid(value):
                return None, (BAD_ID_CARD,)
        return value, ()

    def check(self, row_number: int, values: tuple) -> Record | list[RowError]:
        errors: list[RowError] = []
        data: dict[str, Any] = {}
        width = len(values)
        for key, (index, header) in self.columns.items():
            raw = values[index] if index < width else None
            memo = self.memo.get(key)
            if memo is None:
                value, messages = self.convert(key, raw)
            else:
                memo_key = (raw.__class__, raw)  # 1, 1.0 and True are equal keys otherwise
                found = memo.get(memo_key)
                if found is None:
                    if len(memo) >= self.MEMO_SIZE:
                        memo.clear()
                    found = memo[memo_key] = self.convert(key, raw)
                value, messages = found
            if messages:
                errors.extend(RowError(row_number, header, m) for m in messages)
            elif value is None:
                if BY_KEY[key].required and key != "name":  # a vacant unit may have no 户主
                    errors.append(RowError(row_number, header, REQUIRED))
            else:
                data[key] = value
        if "name" not in data and data.get("kind") not in (None, HouseholdKind.vacant) and "name" in self.columns:
            if not any(e.column == self.columns["name"][1] for e in errors):
                errors.append(RowError(row_number, self.columns["name"][1], REQUIRED))
        site_id = None
        if "site" in data:
            candidates = self.sites.get(data["site"], [])
            if len(candidates) != 1:
                errors.append(RowError(row_number, self.columns["site"][1],
                                       UNKNOWN_SITE if not candidates else AMBIGUOUS_SITE))
            else:
                site_id = candidates[0]
        if errors:
            return errors
        record = Record(row=row_number, site_id=site_id, building=data["building"], entrance=data.get("entrance", ""),
                        number=data["number"], kind=data["kind"], name=data.get("name"), floor=data.get("floor"),
                        area=data.get("area"), phone=data.get("phone"), members=data.get("members"),
                        id_card=data.get("id_card"), tags=tuple(dict.fromkeys(data.get("tags") or ())),
                        moved_in=data.get("moved_in"))
        first = self.seen.first_row(record.unit_key, row_number)
        if first != row_number:
            return [RowError(row_number, self.columns["number"][1], DUPLICATE_ROW, {"row": first})]
        return record


def _readable(rows):
    """The rows, with a read error midway (a damaged file) turned into ImportFailed."""
    iterator = iter(rows)
    while True:
        try:
            item = next(iterator)
        except StopIteration:
            return
        except Exception as exc:
            log.info("workbook unreadable midway: %s", exc)
            raise ImportFailed(DAMAGED) from exc
        yield item


def find_header(rows) -> tuple[int, dict[str, tuple[int, str]]]:
    """Read up to the header row; return its row number and the columns it names.

    Raises ImportFailed for unknown, repeated or missing columns."""
    for row_number, values in rows:
        keys = [column_for(v) if _text(v) is not None else None for v in values]
        if not any(keys):
            if row_number >= HEADER_SEARCH_ROWS:
                break
            continue
        columns: dict[str, tuple[int, str]] = {}
        errors: list[RowError] = []
        for index, (value, key) in enumerate(zip(values, keys, strict=True)):
            header = _text(value)
            if header is None:
                continue  # an unnamed column: ignored
            if key is None:
                errors.append(RowError(row_number, header, HeaderProblem.UNKNOWN, {"expected": expected_headers()}))
            elif key in columns:
                errors.append(RowError(row_number, header, HeaderProblem.DUPLICATE,
                                       {"other": columns[key][1]}))
            else:
                columns[key] = (index, header)
        for column in COLUMNS:
            if column.required and column.key not in columns:
                errors.append(RowError(row_number, column.header, HeaderProblem.MISSING))
        if errors:
            raise ImportFailed(N_("The header row has problems; nothing was imported."), errors)
        return row_number, columns
    raise ImportFailed(HeaderProblem.NO_HEADER)


# --- writing ------------------------------------------------------------------------------------


@dataclass(slots=True)
class Plan:
    """What one valid row changes."""

    record: Record
    building_key: tuple
    unit_id: int | None = None
    unit_changes: dict = field(default_factory=dict)
    household_id: int | None = None
    household_changes: dict = field(default_factory=dict)
    resident_id: int | None = None
    resident_changes: dict = field(default_factory=dict)
    new_tags: tuple[str, ...] = ()
    all_tags: tuple[str, ...] = ()

    @property
    def outcome(self) -> str:
        if self.household_id is None:
            return "created"
        if (self.unit_changes or self.household_changes or self.resident_changes or self.new_tags
                or (self.record.name and self.resident_id is None)):
            return "updated"
        return "unchanged"


def _same(stored, new) -> bool:
    if isinstance(new, float) and stored is not None:
        return round(float(stored), 2) == round(new, 2)
    return stored == new


class HouseholdImport:
    """One import into one community, in the current tenant's context."""

    def __init__(self, community_id: int, *, actor: str | None = None, batch_size: int | None = None,
                 on_batch: Callable[[Outcome], None] | None = None):
        self.community_id = community_id
        self.tenant_id = require_tenant_id()
        self.actor = actor
        self.batch_size = batch_size or BATCH_SIZE
        self.on_batch = on_batch  # called before each batch commits: progress goes in the same transaction
        self.outcome = Outcome()
        self.buildings: dict[tuple[int, str], int] = {}  # (site_id, name) -> id, grows with buildings only
        self._headers: dict[str, str] = {}
        self._sequences: dict[type, str] = {}

    # -- the run ---------------------------------------------------------------------------------

    def run(self, source) -> Outcome:
        """Import `source` (a path or a binary file object). Raises ImportFailed before writing
        anything when the file as a whole is unusable."""
        with force_locale("en"):  # messages stay English msgids; they are translated when shown
            return self._run(source)

    def _run(self, source) -> Outcome:
        from openpyxl import load_workbook

        try:
            workbook = load_workbook(source, read_only=True, data_only=True, keep_links=False)
        except Exception as exc:  # zipfile, XML and openpyxl's own errors alike
            log.info("not an xlsx workbook: %s", exc)
            raise ImportFailed(NOT_XLSX) from exc
        try:
            try:
                sheet = workbook.worksheets[0]
                declared_rows = sheet.max_row
                # Some writers declare a wrong size; read-only mode would trust it and stop early.
                sheet.reset_dimensions()
                rows = _readable(enumerate(sheet.iter_rows(values_only=True), 1))
                header_row, columns = find_header(rows)
            except ImportFailed as exc:
                if exc.msgid == DAMAGED:
                    raise ImportFailed(NOT_XLSX) from exc
                raise
            except Exception as exc:
                raise ImportFailed(NOT_XLSX) from exc
            if declared_rows and declared_rows > header_row:
                self.outcome.total_rows = declared_rows - header_row
            self._headers = {key: header for key, (_index, header) in columns.items()}
            self._prepare()
            checker = RowChecker(columns, self._sites())
            self._loop(rows, checker)
        finally:
            workbook.close()
        self.outcome.errors.sort(key=lambda e: e["row"])  # plugin vetoes are found a batch later
        return self.outcome

    def _prepare(self) -> None:
        self.listening = {name: self._listened(name) for name in (
            "household_created", "household_changed", "resident_created", "resident_changed")}
        self.veto = dispatch.veto_checker("wuye_validate_resident", self.community_id)  # None: no plugin listens

    def _listened(self, event_name: str) -> bool:
        enabled = dispatch.enabled_names(self.community_id)
        return any(impl.plugin_name in enabled for impl in dispatch.host().impls(f"wuye_{event_name}"))

    def _sites(self) -> dict[str, list[int]]:
        sites: dict[str, list[int]] = {}
        for site_id, name in db.session.execute(select(Site.id, Site.name).where(
                Site.community_id == self.community_id).order_by(Site.id)):
            sites.setdefault(name.strip(), []).append(site_id)
        return sites

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
        """Write one batch in one transaction (the progress too). A conflict with a concurrent
        change (a unit created meanwhile) is retried once against the new state."""
        for attempt in (1, 2):
            snapshot = (self.outcome.created, self.outcome.updated, self.outcome.unchanged, self.outcome.failed,
                        self.outcome.processed_rows, self.outcome.error_count, len(self.outcome.errors),
                        dict(self.buildings))
            try:
                self._write(batch)
                if self.on_batch:
                    self.on_batch(self.outcome)
                events.commit()
                return
            except IntegrityError:
                db.session.rollback()
                (self.outcome.created, self.outcome.updated, self.outcome.unchanged, self.outcome.failed,
                 self.outcome.processed_rows, self.outcome.error_count, kept, self.buildings) = snapshot
                del self.outcome.errors[kept:]
                if attempt == 2:
                    raise
                log.info("import batch conflicted with a concurrent change; retrying it once")

    # -- one batch -------------------------------------------------------------------------------

    def _write(self, batch: list[Record]) -> None:
        if not batch:
            return
        self._load_buildings(batch)
        units = self._existing_units(batch)
        households = self._current_households([u[0] for u in units.values()])
        residents = self._existing_residents(batch, households)
        tags = self._existing_tags([r[0] for r in residents.values()])

        plans: list[Plan] = []
        for record in batch:
            plan = self._plan(record, units, households, residents, tags)
            if plan is not None:
                plans.append(plan)
        outcomes = [plan.outcome for plan in plans]  # before _apply fills in the new ids
        self._apply(plans)
        for outcome in outcomes:
            setattr(self.outcome, outcome, getattr(self.outcome, outcome) + 1)
        self.outcome.processed_rows += len(batch)

    def _load_buildings(self, batch: list[Record]) -> None:
        missing = {(r.site_id, r.building) for r in batch} - self.buildings.keys()
        if not missing:
            return
        names = {name for _, name in missing}
        sites = {site for site, _ in missing}
        for building_id, site_id, name in db.session.execute(
                select(Building.id, Building.site_id, Building.name)
                .where(Building.community_id == self.community_id, Building.site_id.in_(sites),
                       Building.name.in_(names))):
            self.buildings[(site_id, name)] = building_id

    # The lookups below filter by parent ids only (no community_id): the index that leads with
    # (tenant_id, parent id) is then the plan even when the statistics are stale — right after a
    # big first import, before autovacuum analysed the tables, PostgreSQL otherwise picks the
    # (tenant_id, community_id) index and reads the whole community for every batch.

    def _existing_units(self, batch: list[Record]) -> dict[tuple, tuple]:
        """(building_id, entrance, number) -> (id, floor, area) of the units the batch names."""
        building_ids = {self.buildings[(r.site_id, r.building)] for r in batch
                        if (r.site_id, r.building) in self.buildings}
        if not building_ids:
            return {}
        numbers = {r.number for r in batch}
        return {(b, e, n): (i, f, a) for i, b, e, n, f, a in db.session.execute(
            select(Unit.id, Unit.building_id, Unit.entrance, Unit.number, Unit.floor, Unit.area_m2)
            .where(Unit.building_id.in_(building_ids), Unit.number.in_(numbers)))}

    def _current_households(self, unit_ids: list[int]) -> dict[int, tuple]:
        """unit_id -> (id, kind, moved_in_on, members) of its current household (the newest)."""
        if not unit_ids:
            return {}
        out = {}
        for i, unit_id, kind, moved_in, members in db.session.execute(
                select(Household.id, Household.unit_id, Household.kind, Household.moved_in_on, Household.members)
                .where(Household.unit_id.in_(unit_ids), Household.moved_out_on.is_(None))
                .order_by(Household.id)):
            out[unit_id] = (i, kind, moved_in, members)
        return out

    def _existing_residents(self, batch: list[Record], households: dict[int, tuple]) -> dict[tuple, tuple]:
        """(household_id, name) -> (id, phone, id_card ciphertext) (the oldest of that name)."""
        names = {r.name for r in batch if r.name}
        if not households or not names:
            return {}
        out: dict[tuple, tuple] = {}
        household_ids = [h[0] for h in households.values()]
        for i, household_id, name, phone, cipher in db.session.execute(
                select(Resident.id, Resident.household_id, Resident.name, Resident.phone,
                       type_coerce(Resident.id_card, String).label("cipher"))
                .where(Resident.household_id.in_(household_ids), Resident.name.in_(names))
                .order_by(Resident.id)):
            out.setdefault((household_id, name), (i, phone, cipher))
        return out

    def _existing_tags(self, resident_ids: list[int]) -> dict[int, set[str]]:
        if not resident_ids:
            return {}
        out: dict[int, set[str]] = {}
        for resident_id, tag in db.session.execute(
                select(ResidentTag.resident_id, ResidentTag.tag).where(ResidentTag.resident_id.in_(resident_ids))):
            out.setdefault(resident_id, set()).add(tag)
        return out

    def _plan(self, r: Record, units, households, residents, tags) -> Plan | None:
        plan = Plan(record=r, building_key=(r.site_id, r.building))
        building_id = self.buildings.get(plan.building_key)
        unit = units.get((building_id, r.entrance, r.number)) if building_id else None
        if unit is not None:
            plan.unit_id, floor, area = unit
            if r.floor is not None and r.floor != floor:
                plan.unit_changes["floor"] = r.floor
            if r.area is not None and not _same(area, r.area):
                plan.unit_changes["area_m2"] = r.area
        household = households.get(plan.unit_id) if plan.unit_id else None
        if household is not None:
            plan.household_id, kind, moved_in, members = household
            if kind != r.kind:
                plan.household_changes["kind"] = r.kind
            if r.moved_in is not None and r.moved_in != moved_in:
                plan.household_changes["moved_in_on"] = r.moved_in
            if r.members is not None and r.members != members:
                plan.household_changes["members"] = r.members
        if r.name:
            resident = residents.get((plan.household_id, r.name)) if plan.household_id else None
            have_tags: set[str] = set()
            if resident is not None:
                plan.resident_id, phone, cipher = resident
                have_tags = tags.get(plan.resident_id, set())
                if r.phone is not None and r.phone != phone:
                    plan.resident_changes["phone"] = r.phone
                if r.id_card is not None and (cipher is None or decrypt(cipher) != r.id_card):
                    plan.resident_changes["id_card"] = r.id_card
            plan.new_tags = tuple(t for t in r.tags if t not in have_tags)
            plan.all_tags = tuple(sorted(have_tags | set(r.tags)))
            if self.veto and (plan.resident_id is None or plan.resident_changes or plan.new_tags):
                error = self._veto(plan)
                if error is not None:
                    self.outcome.failed += 1
                    self.outcome.add_error(error)
                    return None
        return plan

    def _veto(self, plan: Plan) -> RowError | None:
        """The API's veto (host/dispatch.py, the same function and error) for the row's head of
        household; a refusal names the plugin, like the API's answer."""
        r = plan.record
        data = {"name": r.name, "phone": r.phone, "id_card": r.id_card, "tags": list(plan.all_tags)}
        data = {k: v for k, v in data.items() if v is not None}
        try:
            self.veto(tenant_id=self.tenant_id, community_id=self.community_id, data=data, resident_id=plan.resident_id)
        except dispatch.Vetoed as veto:
            key = veto.field if veto.field in ("name", "phone", "id_card", "tags") else "name"
            return RowError(r.row, self._header(key), veto.reason, plugin=veto.plugin, plugin_title=veto.plugin_title)
        return None

    def _header(self, key: str) -> str:
        return self._headers.get(key, BY_KEY[key].header)

    def _apply(self, plans: list[Plan]) -> None:
        t, c = self.tenant_id, self.community_id
        # buildings
        new_buildings = list(dict.fromkeys(p.building_key for p in plans if p.building_key not in self.buildings))
        if new_buildings:
            ids = self._insert(Building, [{"tenant_id": t, "community_id": c, "site_id": s, "name": n}
                                          for s, n in new_buildings])
            self.buildings.update(zip(new_buildings, ids, strict=True))
        # units
        new_units = [p for p in plans if p.unit_id is None]
        if new_units:
            ids = self._insert(Unit, [{
                "tenant_id": t, "community_id": c, "site_id": p.record.site_id,
                "building_id": self.buildings[p.building_key], "entrance": p.record.entrance,
                "number": p.record.number, "floor": p.record.floor, "area_m2": p.record.area} for p in new_units])
            for plan, unit_id in zip(new_units, ids, strict=True):
                plan.unit_id = unit_id
        self._update(Unit, [{"id": p.unit_id, **p.unit_changes} for p in plans if p.unit_changes])
        # households
        new_households = [p for p in plans if p.household_id is None]
        if new_households:
            ids = self._insert(Household, [{
                "tenant_id": t, "community_id": c, "site_id": p.record.site_id,
                "building_id": self.buildings[p.building_key], "unit_id": p.unit_id, "kind": p.record.kind,
                "moved_in_on": p.record.moved_in, "members": p.record.members} for p in new_households])
            for plan, household_id in zip(new_households, ids, strict=True):
                plan.household_id = household_id
        self._update(Household, [{"id": p.household_id, **p.household_changes} for p in plans if p.household_changes])
        # residents (heads of household)
        new_residents = [p for p in plans if p.record.name and p.resident_id is None]
        if new_residents:
            ids = self._insert(Resident, [{
                "tenant_id": t, "community_id": c, "site_id": p.record.site_id,
                "building_id": self.buildings[p.building_key], "household_id": p.household_id,
                "name": p.record.name, "phone": p.record.phone, "id_card": p.record.id_card} for p in new_residents])
            for plan, resident_id in zip(new_residents, ids, strict=True):
                plan.resident_id = resident_id
        self._update(Resident, [{"id": p.resident_id, **p.resident_changes} for p in plans if p.resident_changes])
        tag_rows = [{"tenant_id": t, "resident_id": p.resident_id, "tag": tag} for p in plans for tag in p.new_tags]
        if tag_rows:
            db.session.execute(insert(ResidentTag).execution_options(render_nulls=True), tag_rows)
        self._record_events(plans, new_households, new_residents)

    def _insert(self, model, rows: list[dict]) -> list[int]:
        """Bulk INSERT (tenant_id on every row: the tenancy layer checks it), ids in row order.

        PostgreSQL: the ids are drawn from the table's sequence first (one round trip), then the
        rows go as one executemany, which psycopg pipelines with a prepared statement — three
        times faster than INSERT … RETURNING over multi-row VALUES, whose 1,000-row statement
        text psycopg parses anew each time. Elsewhere: RETURNING, in row order.
        `render_nulls`: None is sent as NULL rather than leaving the column out, so every row
        has the same columns and the list is not cut into one statement per pattern of blanks."""
        if db.session.get_bind().dialect.name == "postgresql":
            sequence = self._sequences.get(model)
            if sequence is None:
                sequence = self._sequences[model] = db.session.scalar(
                    select(func.pg_get_serial_sequence(model.__tablename__, "id")))
            ids = list(db.session.scalars(select(func.nextval(sequence))
                                          .select_from(func.generate_series(1, len(rows)))))
            for row, new_id in zip(rows, ids, strict=True):
                row["id"] = new_id
            db.session.execute(insert(model).execution_options(render_nulls=True), rows)
            return ids
        stmt = insert(model).returning(model.id, sort_by_parameter_order=True).execution_options(render_nulls=True)
        return list(db.session.scalars(stmt, rows))

    def _update(self, model, rows: list[dict]) -> None:
        """Bulk UPDATE by primary key of the changed rows only, grouped by the columns they change."""
        groups: dict[tuple, list[dict]] = {}
        for row in rows:
            groups.setdefault(tuple(sorted(row)), []).append(row)
        for group in groups.values():
            db.session.execute(update(model), group)

    def _record_events(self, plans: list[Plan], new_households: list[Plan], new_residents: list[Plan]) -> None:
        listening, c, actor = self.listening, self.community_id, self.actor
        if not any(listening.values()):
            return
        created_households = {id(p) for p in new_households}
        created_residents = {id(p) for p in new_residents}
        for p in plans:
            if id(p) in created_households:
                if listening["household_created"]:
                    events.record("household_created", c, p.household_id, actor=actor, unit_id=p.unit_id,
                                  kind=p.record.kind.value)
            elif p.household_changes and listening["household_changed"]:
                events.record("household_changed", c, p.household_id, actor=actor,
                              changed=sorted(k for k in p.household_changes))
            if id(p) in created_residents:
                if listening["resident_created"]:
                    events.record("resident_created", c, p.resident_id, actor=actor, household_id=p.household_id,
                                  tags=list(p.all_tags))
            elif (p.resident_changes or p.new_tags) and listening["resident_changed"]:
                changed = sorted([*p.resident_changes, *(["tags"] if p.new_tags else [])])
                events.record("resident_changed", c, p.resident_id, actor=actor, changed=changed)
