"""The households a signed-in resident may act for: those the register lists a resident of with
the account's phone (moved-out households and duplicate rows excluded). Read on every resident
request that needs it, never stored: the register is the truth, a move shows at once."""

from __future__ import annotations

from sqlalchemy import select

from ..extensions import db
from ..households.models import Building, Community, Household, Resident, Site, Unit
from .phones import phone_digits_sql

_MINE = (
    select(Household.id, Household.community_id, Community.name, Site.name, Building.name, Unit.entrance,
           Unit.number, Resident.name)
    .join(Resident, Resident.household_id == Household.id)
    .join(Community, Community.id == Household.community_id)
    .join(Site, Site.id == Household.site_id)
    .join(Building, Building.id == Household.building_id)
    .join(Unit, Unit.id == Household.unit_id)
    .where(Resident.duplicate_of.is_(None), Household.moved_out_on.is_(None))
    .order_by(Household.id)
)
FIELDS = ("id", "community_id", "community_name", "site_name", "building_name", "entrance", "room", "resident_name")


def my_households(digits: str) -> list[dict]:
    rows = db.session.execute(_MINE.where(phone_digits_sql(Resident.phone) == digits)).all()
    seen, out = set(), []
    for row in rows:
        if row[0] not in seen:  # one line per household, the first resident of that phone
            seen.add(row[0])
            out.append(dict(zip(FIELDS, row, strict=True)))
    return out
