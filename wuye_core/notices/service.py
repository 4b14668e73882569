"""Publishing and withdrawing notices, the figures staff see, and what a resident sees.

Services raise domain errors and never commit: the request's edge commits; an urgent notice's
texts go out after that commit (texts.py, a job).

Who may do what: staff who may write in the notice's community (community staff, the tenant's
admins) publish and withdraw; staff who may read it see the notice and its figures. A community
the caller cannot read does not exist (422 on `community_id`, 404 on a notice of it).

A published notice is never rewritten. Its text, audience and validity stay as published; what
is added later is its withdrawal (撤回: who, when, why — the record stays, residents no longer see
it) and, for a correction, a NEW notice that names the one it `replaces`: publishing it withdraws
the old one in the same transaction. Residents who had read the old one see the new one unread.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import and_, case, or_, select

from .. import events
from ..audit import record
from ..common.locking import get_for_update
from ..errors import Conflict, DomainError, Forbidden, Invalid, NotFound
from ..extensions import db
from ..households.models import Building, Community, Household, Site
from ..i18n import N_
from ..jobs import enqueue
from . import audience
from .models import Audience, Notice, NoticeHousehold, NoticeKind, NoticeRead

NO_SUCH = N_("No such notice.")
NOT_FOR_AUDIENCE = N_("Not used for this audience.")
REQUIRED_FOR_AUDIENCE = N_("Required for this audience.")
WITHDRAWN_ALREADY = N_("This notice has been withdrawn already.")
STATES = ("in_force", "scheduled", "expired", "withdrawn")


def now() -> datetime:
    return datetime.now(UTC)


# --- staff -----------------------------------------------------------------------------------------


def _community(identity, community_id: int) -> Community:
    community = db.session.get(Community, community_id)
    if community is None or not identity.can_read(community_id):
        raise Invalid("community_id", N_("Does not exist."))
    if not identity.can_write(community_id):
        raise Forbidden(N_("Your role does not allow this."))
    return community


def _in_community(model, object_id: int | None, community_id: int, field: str):
    row = db.session.get(model, object_id) if object_id is not None else None
    if row is None:
        raise Invalid(field, N_("Does not exist."))
    if row.community_id != community_id:
        raise Invalid(field, N_("Does not exist in this community."))
    return row


def _audience(data: dict, community_id: int) -> tuple[str, int | None, int | None, list[int]]:
    """The audience asked for, checked against the register: (audience, site_id, building_id,
    household_ids). Ids the audience does not use are refused, not ignored."""
    kind = Audience(data.get("audience") or Audience.community)
    used = {Audience.site: "site_id", Audience.building: "building_id", Audience.households: "household_ids"}
    for field in ("site_id", "building_id", "household_ids"):
        if data.get(field) not in (None, []) and used.get(kind) != field:
            raise Invalid(field, NOT_FOR_AUDIENCE)
    if kind in used and data.get(used[kind]) in (None, []):
        raise Invalid(used[kind], REQUIRED_FOR_AUDIENCE)
    if kind == Audience.site:
        return kind, _in_community(Site, data["site_id"], community_id, "site_id").id, None, []
    if kind == Audience.building:
        building = _in_community(Building, data["building_id"], community_id, "building_id")
        return kind, building.site_id, building.id, []
    if kind == Audience.households:
        ids = list(dict.fromkeys(data["household_ids"]))
        found = {h.id: h for h in db.session.scalars(select(Household).where(Household.id.in_(ids)))}
        for index, household_id in enumerate(data["household_ids"]):
            household = found.get(household_id)
            if household is None or household.community_id != community_id:
                why = N_("Does not exist.") if household is None else N_("Does not exist in this community.")
                raise DomainError(None, {"json": {"household_ids": {str(index): [why]}}})
        return kind, None, None, ids
    return kind, None, None, []


def publish(data: dict, identity) -> Notice:
    """Publish a notice (`data` as schemas.NoticeIn loaded it). An urgent one is texted to its
    audience after the commit (texts.py). With `replaces_id`, the notice it corrects is withdrawn."""
    community = _community(identity, data["community_id"])
    kind, site_id, building_id, household_ids = _audience(data, community.id)
    valid_from, valid_until = data.get("valid_from"), data.get("valid_until")
    if valid_from and valid_until and valid_until <= valid_from:
        raise Invalid("valid_until", N_("Ends before it starts."))
    replaced = None
    if data.get("replaces_id") is not None:
        replaced = get_for_update(Notice, data["replaces_id"])
        if replaced is None or not identity.can_read(replaced.community_id):
            raise Invalid("replaces_id", N_("Does not exist."))
        if replaced.community_id != community.id:
            raise Invalid("replaces_id", N_("Does not exist in this community."))
        if replaced.withdrawn_at is not None:
            raise Conflict(WITHDRAWN_ALREADY)
    category = data.get("category")
    if data["kind"] == NoticeKind.urgent and category is None:
        category = "other"
    notice = Notice(community_id=community.id, audience=kind.value, site_id=site_id, building_id=building_id,
                    title=data["title"], body=data["body"], kind=data["kind"], category=category,
                    valid_from=valid_from, valid_until=valid_until, published_at=now(),
                    published_by=identity.username, replaces_id=replaced.id if replaced else None)
    db.session.add(notice)
    db.session.flush()
    for household_id in household_ids:
        db.session.add(NoticeHousehold(notice_id=notice.id, household_id=household_id))
    if replaced is not None:
        _withdraw(replaced, identity.username, None)
    record("notice.published", target_type="notice", target_id=notice.id, details={
        "community": community.id, "audience": kind.value, "kind": notice.kind, "title": notice.title,
        **({"replaces": replaced.id} if replaced else {})})
    if notice.kind == NoticeKind.urgent:
        from .texts import send_notice_texts

        events.after_commit(enqueue, send_notice_texts, tenant_id=notice.tenant_id, notice_id=notice.id)
    return notice


def _withdraw(notice: Notice, by: str | None, reason: str | None) -> None:
    notice.withdrawn_at, notice.withdrawn_by, notice.withdrawn_reason = now(), by, reason
    record("notice.withdrawn", target_type="notice", target_id=notice.id,
           details={"community": notice.community_id, **({"reason": reason} if reason else {})})


def withdraw(notice_id: int, identity, reason: str | None = None) -> Notice:
    """撤回: residents no longer see it; the record, its reads and texts stay (409 the second time)."""
    notice = get_for_update(Notice, notice_id)
    if notice is None or not identity.can_read(notice.community_id):
        raise NotFound(NO_SUCH)
    if not identity.can_write(notice.community_id):
        raise Forbidden(N_("Your role does not allow this."))
    if notice.withdrawn_at is not None:
        raise Conflict(WITHDRAWN_ALREADY)
    _withdraw(notice, identity.username, reason)
    return notice


def readable_notice(notice_id: int, identity) -> Notice:
    notice = db.session.get(Notice, notice_id)
    if notice is None or not identity.can_read(notice.community_id):
        raise NotFound(NO_SUCH)
    return notice


def state_of(notice: Notice, at: datetime | None = None) -> str:
    at = at or now()
    if notice.withdrawn_at is not None:
        return "withdrawn"
    if notice.valid_from is not None and notice.valid_from > at:
        return "scheduled"
    if notice.valid_until is not None and notice.valid_until <= at:
        return "expired"
    return "in_force"


def in_force_clause(at: datetime | None = None):
    at = at or now()
    return and_(Notice.withdrawn_at.is_(None), or_(Notice.valid_from.is_(None), Notice.valid_from <= at),
                or_(Notice.valid_until.is_(None), Notice.valid_until > at))


def _state_clause(state: str, at: datetime):
    if state == "withdrawn":
        return Notice.withdrawn_at.is_not(None)
    if state == "scheduled":
        return and_(Notice.withdrawn_at.is_(None), Notice.valid_from > at)
    if state == "expired":
        return and_(Notice.withdrawn_at.is_(None), Notice.valid_until <= at)
    return in_force_clause(at)


def notices_query(identity, community_id: int | None = None, state: str | None = None, kind: str | None = None):
    """The notices of the communities the caller reads (a select, for paginate)."""
    stmt = select(Notice)
    readable = identity.readable_communities()
    if readable is not None:
        stmt = stmt.where(Notice.community_id.in_(readable))
    if community_id is not None:
        stmt = stmt.where(Notice.community_id == community_id)
    if state is not None:
        stmt = stmt.where(_state_clause(state, now()))
    if kind is not None:
        stmt = stmt.where(Notice.kind == kind)
    return stmt


def households_query(notice: Notice, read: bool | None = None):
    """The households of the audience, with their place and the first read (a select of rows
    (Household, site name, building name, entrance, room, first read at), for paginate)."""
    from sqlalchemy import func

    from ..households.models import Unit

    first_read = (select(func.min(NoticeRead.at)).where(NoticeRead.notice_id == notice.id,
                                                         NoticeRead.household_id == Household.id)
                  .correlate(Household).scalar_subquery())
    stmt = (select(Household, Site.name, Building.name, Unit.entrance, Unit.number, first_read.label("read_at"))
            .join(Site, Site.id == Household.site_id).join(Building, Building.id == Household.building_id)
            .join(Unit, Unit.id == Household.unit_id).where(audience.household_clause(notice)))
    if read is True:
        stmt = stmt.where(audience.read_clause(notice))
    elif read is False:
        stmt = stmt.where(~audience.read_clause(notice))
    return stmt


# --- residents -------------------------------------------------------------------------------------


def _places(households: list[dict]) -> list[dict]:
    """The households (as resident_access.households.my_households gives them) with their site and
    building, read from the register."""
    ids = [h["id"] for h in households]
    if not ids:
        return []
    rows = db.session.execute(select(Household.id, Household.community_id, Household.site_id,
                                     Household.building_id).where(Household.id.in_(ids),
                                                                  Household.moved_out_on.is_(None))).all()
    return [{"id": r[0], "community_id": r[1], "site_id": r[2], "building_id": r[3]} for r in rows]


URGENT_FIRST = case((Notice.kind == NoticeKind.urgent.value, 1), else_=0)


def resident_query(households: list[dict]):
    """The notices in force for these households (a select, for paginate; sort `-urgency` puts
    urgent ones first, then the newest)."""
    return select(Notice).where(in_force_clause(), audience.for_households_clause(_places(households)))


def notices_for_resident(account, households: list[dict], limit: int = 100) -> list[dict]:
    """For a residents' page: the notices in force for the account's households (its
    `my_households`), urgent first, then newest first; each a dict (resident_view)."""
    stmt = resident_query(households).order_by(URGENT_FIRST.desc(), Notice.published_at.desc(),
                                               Notice.id.desc()).limit(limit)
    return resident_views(account, households, list(db.session.scalars(stmt)))


def unread_count(account, households: list[dict]) -> int:
    """How many notices in force for the households the account has not opened yet."""
    from sqlalchemy import exists, func

    opened = exists().where(NoticeRead.notice_id == Notice.id, NoticeRead.account_id == account.id)
    return db.session.scalar(select(func.count()).select_from(resident_query(households).where(~opened).subquery()))


def resident_views(account, households: list[dict], notices: list[Notice]) -> list[dict]:
    places = _places(households)
    read = set()
    if notices:
        read = set(db.session.scalars(select(NoticeRead.notice_id).where(
            NoticeRead.account_id == account.id, NoticeRead.notice_id.in_([n.id for n in notices]))))
    return [resident_view(n, places, n.id in read) for n in notices]


def resident_view(notice: Notice, places: list[dict], read: bool) -> dict:
    return {"id": notice.id, "title": notice.title, "body": notice.body, "kind": notice.kind,
            "category": notice.category, "urgent": notice.kind == NoticeKind.urgent,
            "valid_from": notice.valid_from, "valid_until": notice.valid_until,
            "published_at": notice.published_at, "replaces_id": notice.replaces_id,
            "household_ids": [p["id"] for p in places if audience.includes(notice, p)], "read": read}


def open_for_resident(account, households: list[dict], notice_id: int) -> dict:
    """A resident opens a notice in force for one of their households: its read receipt is
    recorded (mark_read). NotFound for any other notice (withdrawn, expired, someone else's)."""
    notice = db.session.scalar(resident_query(households).where(Notice.id == notice_id))
    if notice is None:
        raise NotFound(NO_SUCH)
    places = _places(households)
    mark_read(account, notice, households)
    return resident_view(notice, places, True)


def mark_read(account, notice: Notice, households: list[dict]) -> int:
    """Record that the account read the notice for each of its households (`my_households`) the
    notice is for (once per household and account: opening it again adds nothing). How many
    receipts are new."""
    mine = [h["id"] for h in _places(households) if audience.includes(notice, h)]
    if not mine:
        return 0
    from sqlalchemy.dialects.postgresql import insert as pg_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = (insert(NoticeRead).on_conflict_do_nothing(
        index_elements=["tenant_id", "notice_id", "household_id", "account_id"]).returning(NoticeRead.id))
    rows = db.session.execute(statement, [{"tenant_id": notice.tenant_id, "notice_id": notice.id,
                                           "household_id": household_id, "account_id": account.id, "at": now()}
                                          for household_id in mine]).all()
    return len(rows)
