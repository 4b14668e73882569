"""Planning a batch: what each valid row creates or changes, found by looking up, once per batch,
the stored rows the batch names (buildings, units, current households, heads of household, tags).
A blank cell changes nothing, and tags are only added."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import String, select, type_coerce

from ...common.encryption import decrypt
from ...extensions import db
from ...households.models import Building, Household, Resident, ResidentTag, Unit
from .rows import Record


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


class Planner:
    """Plans the batches of one import into one community."""

    def __init__(self, community_id: int):
        self.community_id = community_id
        # (site_id, name) -> id, grows with buildings only; write.py adds the ones it creates.
        self.buildings: dict[tuple[int, str], int] = {}

    def plan(self, batch: list[Record]) -> list[Plan]:
        self._load_buildings(batch)
        units = self._existing_units(batch)
        households = self._current_households([u[0] for u in units.values()])
        residents = self._existing_residents(batch, households)
        tags = self._existing_tags([r[0] for r in residents.values()])
        return [self._plan(record, units, households, residents, tags) for record in batch]

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

    def _plan(self, r: Record, units, households, residents, tags) -> Plan:
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
        return plan
