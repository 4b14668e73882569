"""The six levels of the housing register as Resources (resources.py): communities, sites,
buildings, units, households, residents — what each level's list searches and filters, how a
resident is written. One definition for every edge: the API (routes.py builds its endpoints from
them), the console (console/register.py) and the plugin facade (plugins/register.py)."""

from __future__ import annotations

from sqlalchemy import exists, or_, select

from . import schemas as s
from .models import Building, Community, Household, Resident, ResidentTag, Site, Unit
from .natural_key import check_resident_key
from .personal_data import is_sensitive_tag, phone_search, sees_personal_data, sensitive_filter_scope
from .resources import Resource


def _like(column, text):
    return column.contains(text, autoescape=True)


def _resident_matches(text):
    """By name; by phone only where the caller sees phone numbers (personal_data.py)."""
    return or_(_like(Resident.name, text), phone_search(Resident.phone, Resident.community_id, text))


def _apply_resident(obj: Resident, data: dict) -> None:
    if "tags" in data and obj.id is not None and not sees_personal_data(obj.community_id):
        # a writer who does not see the sensitive tags sends back the tags it saw: keep those it did not
        # (a masked phone sent back is refused by PHONE: 422, never stored)
        data["tags"] = [*data["tags"], *(t for t in obj.tags if is_sensitive_tag(t) and t not in data["tags"])]
    for key, value in data.items():
        setattr(obj, key, value)  # `tags` goes through Resident.tags' setter
    if "name" in data or "household_id" in data:
        check_resident_key(obj)  # 409 on `name`: one resident of a name per household


def _household_filters(args):
    out = []
    if args.get("tag"):
        scope = sensitive_filter_scope(args["tag"], Household.community_id, args.get("community_id"))
        if scope is not None:
            out.append(scope)
        out.append(exists(
            select(ResidentTag.id).join(Resident, Resident.id == ResidentTag.resident_id)
            .where(Resident.household_id == Household.id, ResidentTag.tag == args["tag"])
        ))
    if args.get("q"):
        out.append(exists(select(Resident.id).where(Resident.household_id == Household.id,
                                                    _resident_matches(args["q"]))))
    return out


def _resident_filters(args):
    if not args.get("tag"):
        return []
    out = [Resident.id.in_(select(ResidentTag.resident_id).where(ResidentTag.tag == args["tag"]))]
    scope = sensitive_filter_scope(args["tag"], Resident.community_id, args.get("community_id"))
    return out if scope is None else [*out, scope]


def _household_moved_out(before: dict, household: Household):
    if before.get("moved_out_on", household.moved_out_on) is None and household.moved_out_on is not None:
        return [("household_moved_out", {"moved_out_on": household.moved_out_on.isoformat()})]
    return []


RESOURCES = [
    Resource(
        name="communities", singular="community", model=Community, description="社区 / Communities",
        out_schema=s.CommunityOut, create_schema=s.CommunityCreate, update_schema=s.CommunityUpdate,
        query_schema=s.CommunityQuery, admin_writes=True, search=lambda q: _like(Community.name, q),
    ),
    Resource(
        name="sites", singular="site", model=Site, description="小区 / 村湾 — Sites",
        out_schema=s.SiteOut, create_schema=s.SiteCreate, update_schema=s.SiteUpdate, query_schema=s.SiteQuery,
        parent=("community_id", Community), filter_columns=("community_id",),
        search=lambda q: _like(Site.name, q),
    ),
    Resource(
        name="buildings", singular="building", model=Building, description="楼栋 / Buildings",
        out_schema=s.BuildingOut, create_schema=s.BuildingCreate, update_schema=s.BuildingUpdate,
        query_schema=s.BuildingQuery, parent=("site_id", Site), inherited=("community_id",),
        filter_columns=("community_id", "site_id"), search=lambda q: _like(Building.name, q),
    ),
    Resource(
        name="units", singular="unit", model=Unit, description="房屋 / Units (rooms)",
        out_schema=s.UnitOut, create_schema=s.UnitCreate, update_schema=s.UnitUpdate, query_schema=s.UnitQuery,
        parent=("building_id", Building), inherited=("community_id", "site_id"),
        filter_columns=("community_id", "site_id", "building_id"), search=lambda q: _like(Unit.number, q),
    ),
    Resource(
        name="households", singular="household", model=Household, description="住户 / Households",
        out_schema=s.HouseholdOut, create_schema=s.HouseholdCreate, update_schema=s.HouseholdUpdate,
        query_schema=s.HouseholdQuery, parent=("unit_id", Unit), inherited=("community_id", "site_id", "building_id"),
        filter_columns=("community_id", "site_id", "building_id", "unit_id"), extra_filters=_household_filters,
        events=True, event_data=lambda h: {"unit_id": h.unit_id, "kind": h.kind.value},
        more_events=_household_moved_out,
    ),
    Resource(
        name="residents", singular="resident", model=Resident, description="居民 / Residents",
        out_schema=s.ResidentOut, create_schema=s.ResidentCreate, update_schema=s.ResidentUpdate,
        query_schema=s.ResidentQuery, parent=("household_id", Household),
        inherited=("community_id", "site_id", "building_id"),
        filter_columns=("community_id", "site_id", "building_id", "household_id"),
        search=_resident_matches, extra_filters=_resident_filters, apply=_apply_resident,
        events=True, event_data=lambda r: {"household_id": r.household_id, "tags": r.tags},
        delete_event="resident_moved_out", validate_hook="wuye_validate_resident",
    ),
]

BY_NAME = {resource.name: resource for resource in RESOURCES}
