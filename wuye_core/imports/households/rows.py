"""Checking one row: a sheet row (a tuple of cell values) becomes a Record, or the RowErrors that
keep it out. Each column is checked by the very field of the API's schemas (households/schemas.py)
that checks it there, so a value the API refuses is refused here with the same words."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from marshmallow import ValidationError
from sqlalchemy import select

from ...extensions import db
from ...households import schemas as hs
from ...households.models import HouseholdKind, Site
from ...i18n import N_
from .cells import PREPARE, as_text
from .columns import BY_KEY, KIND_LABELS
from .report import RowError
from .seen_keys import SeenKeys

REQUIRED = N_("This column is required.")
UNKNOWN_SITE = N_("No site of this name in the community.")
AMBIGUOUS_SITE = N_("Several sites of the community have this name; rename one of them first.")
UNKNOWN_KIND = N_("Unknown type: use 自住 (owner), 租住 (renter) or 空置 (vacant).")
BAD_ID_CARD = N_("Not a valid ID-card number.")
DUPLICATE_ROW = N_("Same unit (小区, 楼栋, 单元, 房号) as row %(row)s.")


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


def community_sites(community_id: int) -> dict[str, list[int]]:
    """The community's site ids by name (a name shared by two sites is refused as ambiguous)."""
    sites: dict[str, list[int]] = {}
    for site_id, name in db.session.execute(select(Site.id, Site.name).where(
            Site.community_id == community_id).order_by(Site.id)):
        sites.setdefault(name.strip(), []).append(site_id)
    return sites


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
        value = PREPARE.get(key, as_text)(raw)
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
