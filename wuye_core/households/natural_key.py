"""A resident's natural key: (household, name). See RESIDENT_NATURAL_KEY in models.py.

    check_resident_key(resident)   # before the flush of a created or renamed resident

A second resident of a name in one household is refused with 409 naming `name`, in the
reader's language. The check answers the usual case; the unique index answers the race (two
requests at once): errors.py maps its violation to the same 409 (`unique_violation_field`)."""

from __future__ import annotations

from sqlalchemy import select

from ..errors import Conflict, unique_violation_field
from ..extensions import db
from ..i18n import N_
from .models import RESIDENT_NATURAL_KEY, Resident

SAME_NAME = N_("This household already has a resident of this name.")

unique_violation_field(RESIDENT_NATURAL_KEY, "residents.tenant_id, residents.household_id, residents.name",
                       "name", SAME_NAME)


def check_resident_key(resident: Resident) -> None:
    """Refuse (Conflict, field `name`) a resident whose household has another of that name.

    A row marked `duplicate_of` (a duplicate from before the key) is not refused for keeping its
    name; renamed to a free name it is no longer a duplicate and joins the key."""
    stmt = select(Resident.id).where(Resident.household_id == resident.household_id,
                                     Resident.name == resident.name, Resident.duplicate_of.is_(None))
    if resident.id is not None:
        stmt = stmt.where(Resident.id != resident.id)
    with db.session.no_autoflush:  # the resident's own change is not written before it is checked
        taken = db.session.scalar(stmt.limit(1)) is not None
    if resident.duplicate_of is None:
        if taken:
            raise Conflict(errors={"json": {"name": [SAME_NAME]}})
    elif not taken:
        resident.duplicate_of = None
