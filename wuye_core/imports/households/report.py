"""What an import reports: its counts and row errors (Outcome), one row's problem (RowError), or
why the file as a whole could not be imported (ImportFailed)."""

from __future__ import annotations

from dataclasses import dataclass, field

MAX_ERRORS = 1000  # kept and shown; the count covers all


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
