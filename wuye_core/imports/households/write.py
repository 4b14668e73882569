"""Writing a batch's Plans into the register: first the plugins' veto on each head of household
created or changed (the API's own check, host/dispatch.py), then bulk INSERTs and UPDATEs, then
the core events in the outbox — only those an enabled plugin listens to. Nothing here commits."""

from __future__ import annotations

from sqlalchemy import func, insert, select, update

from ... import events
from ...extensions import db
from ...host import dispatch
from ...households.models import Building, Household, Resident, ResidentTag, Unit
from .columns import BY_KEY
from .plan import Plan
from .report import RowError

EVENTS = ("household_created", "household_changed", "resident_created", "resident_changed")


class BatchWriter:
    """Writes the batches of one import into one community, in the current tenant's context."""

    def __init__(self, tenant_id: int, community_id: int, *, actor: str | None, headers: dict[str, str]):
        self.tenant_id = tenant_id
        self.community_id = community_id
        self.actor = actor
        self.headers = headers  # key -> the header as written in the file, for a veto's RowError
        self.listening = {name: self._listened(name) for name in EVENTS}
        self.veto = dispatch.veto_checker("wuye_validate_resident", community_id)  # None: no plugin listens
        self._sequences: dict[type, str] = {}

    def _listened(self, event_name: str) -> bool:
        enabled = dispatch.enabled_names(self.community_id)
        return any(impl.plugin_name in enabled for impl in dispatch.host().impls(f"wuye_{event_name}"))

    # -- the plugins' veto -----------------------------------------------------------------------

    def screen(self, plans: list[Plan]) -> tuple[list[Plan], list[RowError]]:
        """The plans no plugin refuses, and a RowError for each refused one (in row order)."""
        if not self.veto:
            return plans, []
        kept: list[Plan] = []
        refused: list[RowError] = []
        for plan in plans:
            if plan.record.name and (plan.resident_id is None or plan.resident_changes or plan.new_tags):
                error = self._veto(plan)
                if error is not None:
                    refused.append(error)
                    continue
            kept.append(plan)
        return kept, refused

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
        return self.headers.get(key, BY_KEY[key].header)

    # -- the register ----------------------------------------------------------------------------

    def apply(self, plans: list[Plan], buildings: dict[tuple[int, str], int]) -> None:
        """Write the plans, filling in the ids of what they create (new buildings go into `buildings`)."""
        t, c = self.tenant_id, self.community_id
        # buildings
        new_buildings = list(dict.fromkeys(p.building_key for p in plans if p.building_key not in buildings))
        if new_buildings:
            ids = self._insert(Building, [{"tenant_id": t, "community_id": c, "site_id": s, "name": n}
                                          for s, n in new_buildings])
            buildings.update(zip(new_buildings, ids, strict=True))
        # units
        new_units = [p for p in plans if p.unit_id is None]
        if new_units:
            ids = self._insert(Unit, [{
                "tenant_id": t, "community_id": c, "site_id": p.record.site_id,
                "building_id": buildings[p.building_key], "entrance": p.record.entrance,
                "number": p.record.number, "floor": p.record.floor, "area_m2": p.record.area} for p in new_units])
            for plan, unit_id in zip(new_units, ids, strict=True):
                plan.unit_id = unit_id
        self._update(Unit, [{"id": p.unit_id, **p.unit_changes} for p in plans if p.unit_changes])
        # households
        new_households = [p for p in plans if p.household_id is None]
        if new_households:
            ids = self._insert(Household, [{
                "tenant_id": t, "community_id": c, "site_id": p.record.site_id,
                "building_id": buildings[p.building_key], "unit_id": p.unit_id, "kind": p.record.kind,
                "moved_in_on": p.record.moved_in, "members": p.record.members} for p in new_households])
            for plan, household_id in zip(new_households, ids, strict=True):
                plan.household_id = household_id
        self._update(Household, [{"id": p.household_id, **p.household_changes} for p in plans if p.household_changes])
        # residents (heads of household)
        new_residents = [p for p in plans if p.record.name and p.resident_id is None]
        if new_residents:
            ids = self._insert(Resident, [{
                "tenant_id": t, "community_id": c, "site_id": p.record.site_id,
                "building_id": buildings[p.building_key], "household_id": p.household_id,
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
