"""Who a notice is for, evaluated against the register when it is read (never stored as a list
of households, except the households chosen by hand): the households of its community — all of
them, those of its site, of its building, or the chosen ones — that have not moved out. A
household that moves in after publication is in the audience of a notice for its building that
is still in force; one that moved out is no longer counted (nor is its read receipt)."""

from __future__ import annotations

from sqlalchemy import and_, exists, false, or_, select

from ..extensions import db
from ..households.models import Household, Resident
from ..resident_access.phones import phone_digits, phone_digits_sql
from .models import Audience, Notice, NoticeHousehold, NoticeRead


def household_clause(notice: Notice):
    """SQL on Household: the notice's audience now."""
    clause = and_(Household.community_id == notice.community_id, Household.moved_out_on.is_(None))
    if notice.audience == Audience.site:
        return and_(clause, Household.site_id == notice.site_id)
    if notice.audience == Audience.building:
        return and_(clause, Household.building_id == notice.building_id)
    if notice.audience == Audience.households:
        return and_(clause, Household.id.in_(select(NoticeHousehold.household_id)
                                             .where(NoticeHousehold.notice_id == notice.id)))
    return clause


def household_join():
    """The rule of household_clause as a join condition between Notice and Household, for the
    figures of many notices in one query (views.py)."""
    return and_(
        Household.community_id == Notice.community_id,
        Household.moved_out_on.is_(None),
        or_(Notice.audience == Audience.community.value,
            and_(Notice.audience == Audience.site.value, Household.site_id == Notice.site_id),
            and_(Notice.audience == Audience.building.value, Household.building_id == Notice.building_id),
            and_(Notice.audience == Audience.households.value,
                 exists().where(NoticeHousehold.notice_id == Notice.id,
                                NoticeHousehold.household_id == Household.id))),
    )


def read_clause(notice: Notice):
    """SQL on Household: someone of the household opened the notice."""
    return exists().where(NoticeRead.notice_id == notice.id, NoticeRead.household_id == Household.id)


def phones(notice: Notice) -> list[str]:
    """The distinct phones (digits) of the audience's residents: the register's rows, duplicates
    left out, households that moved out left out."""
    rows = db.session.scalars(select(phone_digits_sql(Resident.phone)).distinct()
                              .join(Household, Household.id == Resident.household_id)
                              .where(household_clause(notice), Resident.duplicate_of.is_(None),
                                     Resident.phone.is_not(None))).all()
    return sorted({digits for digits in (phone_digits(row) for row in rows) if digits})


def for_households_clause(households: list[dict]):
    """SQL on Notice: notices whose audience includes one of these households (dicts with id,
    community_id, site_id, building_id)."""
    if not households:
        return false()
    clauses = []
    for h in households:
        clauses.append(and_(Notice.community_id == h["community_id"], or_(
            Notice.audience == Audience.community.value,
            and_(Notice.audience == Audience.site.value, Notice.site_id == h["site_id"]),
            and_(Notice.audience == Audience.building.value, Notice.building_id == h["building_id"]),
            and_(Notice.audience == Audience.households.value,
                 exists().where(NoticeHousehold.notice_id == Notice.id,
                                NoticeHousehold.household_id == h["id"])))))
    return or_(*clauses)


def includes(notice: Notice, household: dict) -> bool:
    """Whether the notice's audience includes this household (a dict as above)."""
    if household["community_id"] != notice.community_id:
        return False
    if notice.audience == Audience.site:
        return household["site_id"] == notice.site_id
    if notice.audience == Audience.building:
        return household["building_id"] == notice.building_id
    if notice.audience == Audience.households:
        return bool(db.session.scalar(select(exists().where(NoticeHousehold.notice_id == notice.id,
                                                            NoticeHousehold.household_id == household["id"]))))
    return True
