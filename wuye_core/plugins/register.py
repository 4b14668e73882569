"""The housing register for plugins: add a resident as the API would (public API: `from
wuye_core.plugins import register_resident`, new in hook API 1.6). Commits nothing.

The rules are the core's own, not a copy: the resident is loaded with the schema of
`POST /api/v1/residents` and written by the same code as that endpoint (households/resources.py
`create_item`: natural key, the plugins' `wuye_validate_resident` veto, the `resident_created`
event). What differs is who decides the caller may write: the plugin, by its own role (a care
worker registers the person they visit), not the core's `community_staff`.
"""

from __future__ import annotations

from marshmallow import ValidationError, fields
from sqlalchemy import select

from ..common.fields import Id, Text
from ..errors import DomainError, invalid
from ..extensions import db
from ..households import schemas as s
from ..households.levels import RESOURCES
from ..households.models import Building, Household, HouseholdKind, Unit
from ..i18n import N_

_RESIDENT_FIELDS = ("name", "phone", "gender", "birth_year", "id_card", "tags")


class ResidentRegistration(s.ResidentUpdate):
    """What `register_resident` takes, as a request schema a plugin uses for its own body
    (e.g. `fields.Nested(ResidentRegistration)`): the resident API's fields with its limits (so
    the API document states them), and where they live — a household of the community, or a
    flat (building + room, entrance when the room number is in several). The rules that need the
    register (the household's community, the flat's existence) are checked by `register_resident`."""

    household_id = Id(allow_none=True, metadata={
        "description": "本社区已登记的住户（或 building_id + room）/ an existing household of the community "
                       "(or building_id + room)"})
    building_id = Id(allow_none=True, metadata={"description": "本社区的楼栋 / a building of the community"})
    entrance = Text(20, allow_none=True, metadata={
        "description": "单元（同一楼栋有多个同号房间时必填）/ entrance, when the room number is in several"})
    room = Text(20, min_length=1, allow_none=True, metadata={
        "description": "房号，如 301：用该房屋现有的住户，没有则新建一户（不新建楼栋、房屋）/ room number: the flat's "
                       "current household, or a new one (rooms are not created)"})
    household_kind = fields.Enum(HouseholdKind, by_value=True, metadata={
        "description": "新建住户时：owner 自住 / renter 租住 / vacant 空置（默认 owner）/ kind of a new household"})


def _resource(name: str):
    return next(r for r in RESOURCES if r.name == name)


def _load(schema, payload: dict) -> dict:
    try:
        return schema.load(payload)
    except ValidationError as exc:
        raise DomainError(errors={"json": exc.messages}) from exc  # the API's 422, in the reader's language


def register_resident(community_id: int, *, name: str, household_id: int | None = None,
                      building_id: int | None = None, room: str | None = None, entrance: str | None = None,
                      household_kind: str = "owner", phone: str | None = None, gender: str | None = None,
                      birth_year: int | None = None, id_card: str | None = None,
                      tags: list[str] | None = None) -> int:
    """Add a resident to the housing register of `community_id` as `POST /api/v1/residents`
    would, and return their id. Commits nothing (the request or job does).

    The household: an existing `household_id` of the community; or a flat, `building_id` of the
    community + `room` (the unit's number, e.g. "301") + `entrance` (单元, needed only when the
    building has that room number in several entrances): the flat's current household (not moved
    out; the newest), or a new one of `household_kind` ("owner", "renter", "vacant") created as
    `POST /api/v1/households` would (event `household_created`). Rooms and buildings are not
    created: a flat missing from the register is a 422 on `room`.

    `name`, `phone`, `gender`, `birth_year`, `id_card` (18 characters with its check digit,
    stored encrypted), `tags`: as the resident API takes them, with its validation, its natural
    key (409 on `name`: the household already has a resident of that name), the plugins' veto
    hook and the `resident_created` event (actor: the caller).

    Permission: the caller must be staff who can read the community (else the household or
    building "does not exist"); the core's write permission is **not** asked — the plugin
    decides who may register people (check your own role first). Bad values raise `DomainError`
    naming the field by this function's argument names (`name`, `phone`, `id_card`,
    `household_id`, `building_id`, `room`, `entrance`, `household_kind`…): the API's 422 (or 409)
    in the reader's language. To keep your own work when it is refused, call it in a savepoint."""
    given = {"name": name, "phone": phone, "gender": gender, "birth_year": birth_year, "id_card": id_card,
             "tags": tags}
    data = _load(s.ResidentUpdate(), {k: v for k, v in given.items() if v is not None})
    flat = building_id is not None or room is not None or entrance is not None
    if household_id is not None and flat:
        invalid("household_id", N_("Name either a household or a flat (building and room), not both."))
    if household_id is not None:
        household = db.session.get(Household, household_id)  # tenant-scoped by the framework
        if household is None or household.community_id != community_id:
            invalid("household_id", N_("Does not exist."))
    elif flat:
        household = _household_of_flat(community_id, building_id, room, entrance, household_kind)
    else:
        invalid("household_id", N_("Name a household, or a flat (building and room)."))
    data["household_id"] = household.id
    resident = _resource("residents")
    return _create(resident, data).id


def _create(resource, data: dict):
    from ..households.resources import create_item

    return create_item(resource, data, write_checked=True)


def _household_of_flat(community_id: int, building_id: int | None, room: str | None, entrance: str | None,
                       kind: str) -> Household:
    if building_id is None:
        invalid("building_id", N_("Required with a room."))
    building = db.session.get(Building, building_id)
    if building is None or building.community_id != community_id:
        invalid("building_id", N_("Does not exist."))
    if not room:
        invalid("room", N_("Required with a building."))
    stmt = select(Unit).where(Unit.building_id == building.id, Unit.number == room.strip())
    if entrance is not None:
        stmt = stmt.where(Unit.entrance == entrance.strip())
    units = db.session.scalars(stmt.order_by(Unit.id).limit(2)).all()
    if not units:
        invalid("room", N_("No such room in this building."))
    if len(units) > 1:
        invalid("entrance", N_("This building has this room number in several entrances: name the entrance."))
    unit = units[0]
    household = db.session.scalar(
        select(Household).where(Household.unit_id == unit.id, Household.moved_out_on.is_(None))
        .order_by(Household.id.desc()).limit(1))
    if household is not None:
        return household
    try:
        data = s.HouseholdCreate().load({"unit_id": unit.id, "kind": kind})
    except ValidationError as exc:
        messages = exc.messages
        raise DomainError(errors={"json": {"household_kind": messages.get("kind", messages)}}) from exc
    return _create(_resource("households"), data)
