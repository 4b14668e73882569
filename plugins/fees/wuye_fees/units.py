"""Fee units (收费单元): what a fee is charged for, and the area it is billed by.

- A home (`residential`) points to a unit of the housing register (read-only here) on the same
  site: its label is the building's name, the entrance and the room ("3栋1单元301"), its area the
  register's `Unit.area_m2` unless one is given; at most one home fee unit per register unit.
- Shops, parking spaces and other premises are named by their label, with their own area (or
  none: billed by a fixed rate) and optionally a payer who is not in the register (name; phone
  stored encrypted, a mainland mobile number).
- A label is unique per site and kind (409 naming `label`).
- `sync_from_register` makes, in one INSERT … SELECT, a home fee unit for every register unit of
  the community (or one site) that has none yet; it reports how many it made and how many of
  those have no area (a per-㎡ rate cannot bill them until one is entered).

Services raise DomainError and never commit: the request or job commits.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from sqlalchemy import Integer, and_, case, exists, func, literal, select
from sqlalchemy.dialects import postgresql, sqlite

from wuye_core.plugins import (
    Building,
    Conflict,
    Site,
    Unit,
    db,
    invalid,
    local_today,
    require_tenant_id,
)

from . import vocab
from .i18n import N_
from .models import FeeUnit

ENTRANCE_ZH = "单元"  # a home's label: 1栋 + 1单元 + 301, as Chinese addresses write it in any language

MOBILE = re.compile(r"^1[3-9][0-9]{9}$")
MAX_AREA = Decimal("99999.99")  # the API document says five digits before the point
FIELDS = ("label", "area_m2", "payer_name", "payer_phone", "billing_from", "billing_until", "active", "note")


def _conflict(field: str, message) -> Conflict:
    return Conflict(message, errors={"json": {field: [message]}})


def check_site(community_id: int, site_id: int) -> Site:
    site = db.session.get(Site, site_id)
    if site is None or site.community_id != community_id:
        invalid("site_id", N_("No site of this community has this id."))
    return site


def home_label(building_name: str, entrance: str | None, number: str) -> str:
    """"3栋" + "1" + "301" → "3栋1单元301" (no entrance: "3栋301")."""
    return f"{building_name}{entrance}{ENTRANCE_ZH}{number}" if entrance else f"{building_name}{number}"


def _check_area(area) -> Decimal | None:
    if area is None:
        return None
    area = Decimal(area)
    if not area.is_finite() or area <= 0 or area > MAX_AREA or area.as_tuple().exponent < -2:
        invalid("area_m2", N_("An area is more than 0 and less than 100,000 ㎡, with at most two decimals."))
    return area


def _check_phone(phone: str | None) -> str | None:
    if phone in (None, ""):
        return None
    if not MOBILE.match(phone):
        invalid("payer_phone", N_("A mobile number has 11 digits and starts with 13–19."))
    return phone


def _check_label_free(site_id: int, kind: str, label: str, unit_id: int | None = None) -> None:
    clash = db.session.scalar(select(FeeUnit.id).where(
        FeeUnit.site_id == site_id, FeeUnit.kind == kind, FeeUnit.label == label,
        FeeUnit.id != (unit_id or 0)).limit(1))
    if clash:
        raise _conflict("label", N_("Another fee unit of this kind on this site has this label."))


def _check_dates(billing_from: date, billing_until: date | None) -> None:
    if billing_until is not None and billing_until < billing_from:
        invalid("billing_until", N_("Ends before it starts."))


def create_unit(community_id: int, data: dict, by: str) -> FeeUnit:
    """A new fee unit (flushed). `data`: kind, site_id, unit_id (homes), label (others; homes: from
    the register unless given), area_m2 (homes: from the register unless given), payer_name,
    payer_phone, billing_from (default: the 1st of this month), billing_until, note."""
    kind = data["kind"]
    if kind not in vocab.UNIT_KINDS:
        invalid("kind", N_("Unknown kind of unit."))
    site = check_site(community_id, data["site_id"])
    area = _check_area(data.get("area_m2"))
    label = (data.get("label") or "").strip() or None
    unit_id = data.get("unit_id")
    if kind == "residential":
        if unit_id is None:
            invalid("unit_id", N_("A home is a unit of the register: give its id."))
        unit = db.session.get(Unit, unit_id)
        if unit is None or unit.site_id != site.id:
            invalid("unit_id", N_("No unit of the register on this site has this id."))
        if db.session.scalar(select(FeeUnit.id).where(FeeUnit.unit_id == unit_id,
                                                      FeeUnit.kind == "residential").limit(1)):
            raise _conflict("unit_id", N_("This unit of the register has a fee unit already."))
        building = db.session.get(Building, unit.building_id)
        label = label or home_label(building.name, unit.entrance, unit.number)
        if area is None and unit.area_m2 is not None:
            area = Decimal(str(unit.area_m2)).quantize(Decimal("0.01"))
    else:
        if unit_id is not None:
            unit = db.session.get(Unit, unit_id)
            if unit is None or unit.site_id != site.id:
                invalid("unit_id", N_("No unit of the register on this site has this id."))
        if not label:
            invalid("label", N_("Give the unit a label, e.g. Shop A-12."))
    billing_from = data.get("billing_from") or local_today().replace(day=1)
    _check_dates(billing_from, data.get("billing_until"))
    _check_label_free(site.id, kind, label)
    fee_unit = FeeUnit(community_id=community_id, site_id=site.id, kind=kind, unit_id=unit_id, label=label,
                       area_m2=area, payer_name=(data.get("payer_name") or None) if kind != "residential" else None,
                       payer_phone=_check_phone(data.get("payer_phone")) if kind != "residential" else None,
                       billing_from=billing_from, billing_until=data.get("billing_until"), active=True,
                       note=data.get("note") or None, created_by=by)
    db.session.add(fee_unit)
    db.session.flush()
    return fee_unit


def update_unit(fee_unit: FeeUnit, data: dict) -> FeeUnit:
    """Change a fee unit's label, area, payer, billing window, note or `active` (flushed). Bills
    already made keep the area they were billed by."""
    if "label" in data:
        label = (data["label"] or "").strip()
        if not label:
            invalid("label", N_("Give the unit a label, e.g. Shop A-12."))
        _check_label_free(fee_unit.site_id, fee_unit.kind, label, fee_unit.id)
        fee_unit.label = label
    if "area_m2" in data:
        fee_unit.area_m2 = _check_area(data["area_m2"])
    if fee_unit.kind != "residential":
        if "payer_name" in data:
            fee_unit.payer_name = data["payer_name"] or None
        if "payer_phone" in data:
            fee_unit.payer_phone = _check_phone(data["payer_phone"])
    elif data.get("payer_name") or data.get("payer_phone"):
        invalid("payer_name", N_("A home's payer is its household in the register."))
    billing_from = data.get("billing_from") or fee_unit.billing_from
    billing_until = data["billing_until"] if "billing_until" in data else fee_unit.billing_until
    _check_dates(billing_from, billing_until)
    fee_unit.billing_from, fee_unit.billing_until = billing_from, billing_until
    if "active" in data and data["active"] is not None:
        fee_unit.active = bool(data["active"])
    if "note" in data:
        fee_unit.note = data["note"] or None
    db.session.flush()
    return fee_unit


def deactivate_unit(fee_unit: FeeUnit, billing_until: date | None = None) -> FeeUnit:
    """No more bills for the unit (its bills stay); `billing_until`: its last billed day."""
    if billing_until is not None:
        _check_dates(fee_unit.billing_from, billing_until)
        fee_unit.billing_until = billing_until
    fee_unit.active = False
    db.session.flush()
    return fee_unit


def _dialect_insert(model):
    name = db.session.get_bind().dialect.name
    return (postgresql.insert if name == "postgresql" else sqlite.insert)(model)


def sync_from_register(community_id: int, site_id: int | None = None, by: str = "system",
                       billing_from: date | None = None) -> dict:
    """A home fee unit for every unit of the register in the community (or one site) that has
    none yet, in one INSERT … SELECT (label from building + entrance + room, area from the
    register). A label another fee unit of the site already has is left out (counted as
    `label_taken`). Returns {"made", "without_area", "label_taken"}."""
    if site_id is not None:
        check_site(community_id, site_id)
    tenant_id = require_tenant_id()
    billing_from = billing_from or local_today().replace(day=1)
    label = case((Unit.entrance != "", Building.name + Unit.entrance + literal(ENTRANCE_ZH) + Unit.number),
                 else_=Building.name + Unit.number)
    has_one = exists().where(FeeUnit.tenant_id == tenant_id, FeeUnit.unit_id == Unit.id,
                             FeeUnit.kind == "residential")
    where = [Unit.tenant_id == tenant_id, Unit.community_id == community_id, ~has_one]
    if site_id is not None:
        where.append(Unit.site_id == site_id)
    source = (select(literal(tenant_id, Integer), Unit.community_id, Unit.site_id,
                     literal("residential"), Unit.id, label, Unit.area_m2, literal(billing_from),
                     literal(True), literal(by))
              .join(Building, and_(Building.tenant_id == Unit.tenant_id, Building.id == Unit.building_id))
              .where(*where))
    candidates = db.session.scalar(select(func.count()).select_from(source.subquery()))
    # Core, on the session's connection and transaction: the ORM takes an INSERT … SELECT for a bulk
    # insert of parameter rows. Every table in it is limited to the tenant by hand (and on
    # PostgreSQL row-level security checks the same tenant again).
    stmt = (_dialect_insert(FeeUnit.__table__)
            .from_select(["tenant_id", "community_id", "site_id", "kind", "unit_id", "label", "area_m2",
                          "billing_from", "active", "created_by"], source)
            .on_conflict_do_nothing()
            .returning(FeeUnit.__table__.c.area_m2))
    made = db.session.connection().execute(stmt).all()
    return {"made": len(made), "without_area": sum(1 for (area,) in made if area is None),
            "label_taken": candidates - len(made)}


# --- output ---------------------------------------------------------------------------------------


def units_out(rows, payers: bool) -> list[dict]:
    """Fee units as the API and pages show them; payers' names and phones for cashiers/managers."""
    from wuye_core.plugins import mask_phone

    rows = list(rows)
    site_ids = {u.site_id for u in rows}
    sites = dict(db.session.execute(select(Site.id, Site.name).where(Site.id.in_(site_ids))).all()) if site_ids else {}
    return [{
        "id": u.id, "community_id": u.community_id, "site_id": u.site_id, "site_name": sites.get(u.site_id),
        "kind": u.kind, "kind_label": vocab.label(vocab.UNIT_KINDS, u.kind), "unit_id": u.unit_id,
        "label": u.label, "area_m2": u.area_m2,
        "payer_name": u.payer_name if payers else None,
        "payer_phone": u.payer_phone if payers else None,
        "payer_phone_masked": mask_phone(u.payer_phone) if u.payer_phone else None,
        "billing_from": u.billing_from, "billing_until": u.billing_until, "active": u.active, "note": u.note,
        "created_by": u.created_by, "created_at": u.created_at,
    } for u in rows]


def list_query(community_id: int, args: dict):
    stmt = select(FeeUnit).where(FeeUnit.community_id == community_id)
    if args.get("site_id"):
        stmt = stmt.where(FeeUnit.site_id == args["site_id"])
    if args.get("kind"):
        stmt = stmt.where(FeeUnit.kind == args["kind"])
    if args.get("active") is not None:
        stmt = stmt.where(FeeUnit.active.is_(args["active"]))
    if args.get("no_area"):
        stmt = stmt.where(FeeUnit.area_m2.is_(None))
    if args.get("q"):
        stmt = stmt.where(FeeUnit.label.contains(args["q"], autoescape=True))
    return stmt
