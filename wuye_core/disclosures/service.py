"""Publishing, correcting and withdrawing disclosures; what staff and residents may read of them.

    publish(community_id=…, kind=…, title=…, …, file_ids=[…], actor=…)   version 1
    correct(disclosure, reason=…, title=…, …, file_ids=[…], actor=…)      version N+1, the reason kept
    withdraw(disclosure, reason, actor)                                   the publication ends now
    current_for_resident(households)        what a signed-in resident sees (the /h5 pages call it)

Services change the session and raise DomainError; the edge commits. Dates are Beijing dates,
both ends included: a disclosure is *current* from `publish_from` through `publish_until`
unless withdrawn, *scheduled* before, *ended* after.

Files: an upload is kept first (files.py, one row per file) and then named by id when publishing.
A version may carry a file uploaded by the same actor and not yet published, or one an earlier
version of the same disclosure carries — never another disclosure's file, whose community the
actor may not read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime

from sqlalchemy import Select, and_, exists, false, or_, select

from ..audit import record
from ..auth.roles import ALL, Identity
from ..common.clock import local_today
from ..errors import Conflict, NotFound, invalid
from ..extensions import db
from ..households.models import Community, Household, Site
from ..i18n import N_, _l
from .models import Disclosure, DisclosureFile, DisclosureKind, DisclosureVersion, DisclosureVersionFile

MAX_FILES = 10
STATUSES = ("current", "scheduled", "ended", "withdrawn")
KIND_LABELS = {
    DisclosureKind.income_spending.value: _l("Property fees: income and spending"),
    DisclosureKind.public_income.value: _l("Public income"),
    DisclosureKind.maintenance_fund.value: _l("Maintenance fund use"),
    DisclosureKind.other.value: _l("Other"),
}
STATUS_LABELS = {"current": _l("In publication"), "scheduled": _l("Scheduled"), "ended": _l("Ended"),
                 "withdrawn": _l("Withdrawn")}
PERIOD_ORDER = N_("The end of the period is before its start.")
PUBLICATION_ORDER = N_("The publication period ends before it starts.")
PUBLICATION_OVER = N_("The publication period is over already.")
NOT_A_SITE = N_("Not a site of this community.")
UNKNOWN_FILE = N_("No such file to publish: upload it first.")
TOO_MANY_FILES = N_("At most %(max)s files.", max=MAX_FILES)
WITHDRAWN = N_("The disclosure was withdrawn: it cannot be changed any more.")
ENDED = N_("The publication period is over already: there is nothing to withdraw.")


# --- status ---------------------------------------------------------------------------------------


def status_of(disclosure: Disclosure, today: date | None = None) -> str:
    today = today or local_today()
    if disclosure.withdrawn_at is not None:
        return "withdrawn"
    if today < disclosure.publish_from:
        return "scheduled"
    return "ended" if today > disclosure.publish_until else "current"


def status_clause(status: str, today: date | None = None):
    """SQL: the disclosures in `status` today."""
    today = today or local_today()
    live = Disclosure.withdrawn_at.is_(None)
    return {
        "withdrawn": Disclosure.withdrawn_at.is_not(None),
        "scheduled": and_(live, Disclosure.publish_from > today),
        "current": and_(live, Disclosure.publish_from <= today, Disclosure.publish_until >= today),
        "ended": and_(live, Disclosure.publish_until < today),
    }[status]


# --- publishing -----------------------------------------------------------------------------------


def _check_dates(period_start: date, period_end: date, publish_from: date, publish_until: date) -> None:
    if period_end < period_start:
        invalid("period_end", PERIOD_ORDER)
    if publish_until < publish_from:
        invalid("publish_until", PUBLICATION_ORDER)
    if publish_until < local_today():
        invalid("publish_until", PUBLICATION_OVER)


def _attachable(file_ids: Iterable[int], actor: str | None, disclosure: Disclosure | None) -> list[int]:
    """The ids, in order without repeats, when each names a file this version may carry (see the
    module); else a 422 naming `file_ids`."""
    ids = list(dict.fromkeys(file_ids or ()))
    if len(ids) > MAX_FILES:
        invalid("file_ids", TOO_MANY_FILES)
    if not ids:
        return ids
    published = exists().where(DisclosureVersionFile.file_id == DisclosureFile.id)
    fresh = and_(DisclosureFile.uploaded_by == actor, ~published) if actor else false()
    if disclosure is not None:
        earlier = exists().where(DisclosureVersionFile.file_id == DisclosureFile.id,
                                 DisclosureVersionFile.version_id == DisclosureVersion.id,
                                 DisclosureVersion.disclosure_id == disclosure.id)
        fresh = or_(fresh, earlier)
    found = set(db.session.scalars(select(DisclosureFile.id).where(DisclosureFile.id.in_(ids), fresh)))
    if found != set(ids):
        invalid("file_ids", UNKNOWN_FILE)
    return ids


def _add_version(disclosure: Disclosure, values: dict, file_ids: list[int], reason: str | None,
                 actor: str | None) -> DisclosureVersion:
    version = DisclosureVersion(disclosure_id=disclosure.id, version=disclosure.version, reason=reason,
                                published_by=actor, **values)
    db.session.add(version)
    db.session.flush()
    db.session.add_all(DisclosureVersionFile(version_id=version.id, file_id=file_id, position=position)
                       for position, file_id in enumerate(file_ids))
    db.session.flush()
    return version


VERSION_FIELDS = ("title", "summary", "period_start", "period_end", "publish_from", "publish_until")


def publish(*, community_id: int, kind: str, title: str, period_start: date, period_end: date,
            publish_from: date, publish_until: date, summary: str | None = None, site_id: int | None = None,
            file_ids: Iterable[int] = (), actor: str | None,
            authorize: Callable[[Community], None] | None = None) -> Disclosure:
    """Publish version 1 of a new disclosure to a community (or one of its sites). `authorize`
    (the edge's) refuses a community the caller may not publish in; a community of no one's is a
    422 naming `community_id`, a site of another community one naming `site_id`."""
    community = db.session.get(Community, community_id)  # tenant-scoped by the framework
    if community is None:
        invalid("community_id", N_("Does not exist."))
    if authorize is not None:
        authorize(community)
    if site_id is not None:
        site = db.session.get(Site, site_id)
        if site is None or site.community_id != community.id:
            invalid("site_id", NOT_A_SITE)
    kind = DisclosureKind(kind)
    _check_dates(period_start, period_end, publish_from, publish_until)
    ids = _attachable(file_ids, actor, None)
    values = dict(title=title, summary=summary or None, period_start=period_start, period_end=period_end,
                  publish_from=publish_from, publish_until=publish_until)
    disclosure = Disclosure(community_id=community.id, site_id=site_id, kind=kind, version=1, created_by=actor,
                            **{k: v for k, v in values.items() if k != "summary"})
    db.session.add(disclosure)
    db.session.flush()
    _add_version(disclosure, values, ids, None, actor)
    record("disclosure.published", target_type="disclosure", target_id=disclosure.id,
           details={"community_id": community.id, "site_id": site_id, "kind": kind.value, "version": 1,
                    "files": len(ids)})
    return disclosure


def correct(disclosure: Disclosure, *, reason: str, actor: str | None, file_ids: Iterable[int] = (),
            **changes) -> Disclosure:
    """Publish version N+1 of the disclosure (the caller locked it: common/locking.py): its values
    are those given, the earlier version's for the others (`summary`: given, else kept); its files
    are exactly `file_ids` — kept ones of earlier versions and new uploads. 409 once withdrawn."""
    if disclosure.withdrawn_at is not None:
        raise Conflict(WITHDRAWN, {"status": "withdrawn"})
    previous = db.session.scalar(select(DisclosureVersion).where(
        DisclosureVersion.disclosure_id == disclosure.id, DisclosureVersion.version == disclosure.version))
    values = {name: changes[name] if changes.get(name) is not None else getattr(previous, name)
              for name in VERSION_FIELDS}
    _check_dates(values["period_start"], values["period_end"], values["publish_from"], values["publish_until"])
    ids = _attachable(file_ids, actor, disclosure)
    disclosure.version += 1
    for name in VERSION_FIELDS:
        if name != "summary":
            setattr(disclosure, name, values[name])
    _add_version(disclosure, values, ids, reason, actor)
    record("disclosure.corrected", target_type="disclosure", target_id=disclosure.id,
           details={"version": disclosure.version, "files": len(ids)})
    return disclosure


def withdraw(disclosure: Disclosure, reason: str, actor: str | None) -> Disclosure:
    """End the publication now (the caller locked the row), with the reason residents are not
    shown but staff are. 409 when withdrawn or ended already."""
    status = status_of(disclosure)
    if status == "withdrawn":
        raise Conflict(WITHDRAWN, {"status": status})
    if status == "ended":
        raise Conflict(ENDED, {"status": status})
    disclosure.withdrawn_at, disclosure.withdrawn_by, disclosure.withdraw_reason = datetime.now(UTC), actor, reason
    record("disclosure.withdrawn", target_type="disclosure", target_id=disclosure.id,
           details={"version": disclosure.version, "status_before": status})
    return disclosure


# --- staff reading --------------------------------------------------------------------------------


def staff_query(identity: Identity, *, community_id: int | None = None, site_id: int | None = None,
                status: str | None = None, kind: str | None = None) -> Select:
    """The disclosures of the communities the caller reads, filtered."""
    stmt = select(Disclosure)
    readable = identity.readable_communities()
    if readable is not ALL:
        stmt = stmt.where(Disclosure.community_id.in_(readable) if readable else false())
    if community_id is not None:
        stmt = stmt.where(Disclosure.community_id == community_id)
    if site_id is not None:
        stmt = stmt.where(Disclosure.site_id == site_id)
    if status:
        stmt = stmt.where(status_clause(status))
    if kind:
        stmt = stmt.where(Disclosure.kind == DisclosureKind(kind))
    return stmt


def versions_of(disclosure: Disclosure) -> list[DisclosureVersion]:
    """Every version, the newest first."""
    return list(db.session.scalars(select(DisclosureVersion).where(DisclosureVersion.disclosure_id == disclosure.id)
                                   .order_by(DisclosureVersion.version.desc())))


def files_of(version_ids: Iterable[int]) -> dict[int, list[DisclosureFile]]:
    """The files of each version, in their order (one query)."""
    ids = list(version_ids)
    found: dict[int, list[DisclosureFile]] = {i: [] for i in ids}
    if ids:
        rows = db.session.execute(select(DisclosureVersionFile.version_id, DisclosureFile)
                                  .join(DisclosureFile, DisclosureFile.id == DisclosureVersionFile.file_id)
                                  .where(DisclosureVersionFile.version_id.in_(ids))
                                  .order_by(DisclosureVersionFile.version_id, DisclosureVersionFile.position))
        for version_id, file in rows:
            found[version_id].append(file)
    return found


def file_of_disclosure(disclosure: Disclosure, file_id: int, *, current_only: bool) -> DisclosureFile:
    """A file one of the disclosure's versions carries (the current one's only, for residents);
    NotFound otherwise."""
    stmt = (select(DisclosureFile).join(DisclosureVersionFile, DisclosureVersionFile.file_id == DisclosureFile.id)
            .join(DisclosureVersion, DisclosureVersion.id == DisclosureVersionFile.version_id)
            .where(DisclosureFile.id == file_id, DisclosureVersion.disclosure_id == disclosure.id).limit(1))
    if current_only:
        stmt = stmt.where(DisclosureVersion.version == disclosure.version)
    file = db.session.scalar(stmt)
    if file is None:
        raise NotFound()
    return file


def _places(community_ids: Iterable[int], site_ids: Iterable[int | None]) -> dict:
    names = {}
    cids, sids = set(community_ids), {s for s in site_ids if s is not None}
    if cids:
        names.update({("c", i): n for i, n in db.session.execute(
            select(Community.id, Community.name).where(Community.id.in_(cids)))})
    if sids:
        names.update({("s", i): n for i, n in db.session.execute(select(Site.id, Site.name).where(Site.id.in_(sids)))})
    return names


def _file_view(file: DisclosureFile) -> dict:
    return {"id": file.id, "filename": file.filename, "content_type": file.content_type, "size": file.size}


def summaries(disclosures: list[Disclosure], today: date | None = None) -> list[dict]:
    """List items: the disclosure's state now, its place's names, its status."""
    today = today or local_today()
    names = _places((d.community_id for d in disclosures), (d.site_id for d in disclosures))
    return [{"id": d.id, "community_id": d.community_id, "community_name": names.get(("c", d.community_id)),
             "site_id": d.site_id, "site_name": names.get(("s", d.site_id)), "kind": d.kind.value,
             "kind_title": str(KIND_LABELS[d.kind.value]), "title": d.title, "period_start": d.period_start,
             "period_end": d.period_end, "publish_from": d.publish_from, "publish_until": d.publish_until,
             "version": d.version, "corrected": d.version > 1, "status": status_of(d, today),
             "created_at": d.created_at, "created_by": d.created_by, "withdrawn_at": d.withdrawn_at,
             "withdrawn_by": d.withdrawn_by, "withdraw_reason": d.withdraw_reason} for d in disclosures]


def staff_view(disclosure: Disclosure) -> dict:
    """A disclosure with every version (newest first) and each version's files."""
    view = summaries([disclosure])[0]
    versions = versions_of(disclosure)
    files = files_of(v.id for v in versions)
    view["summary"] = versions[0].summary if versions else None
    view["files"] = [_file_view(f) for f in files[versions[0].id]] if versions else []
    view["versions"] = [{"version": v.version, "title": v.title, "summary": v.summary, "period_start": v.period_start,
                         "period_end": v.period_end, "publish_from": v.publish_from,
                         "publish_until": v.publish_until, "reason": v.reason, "published_by": v.published_by,
                         "at": v.at, "files": [_file_view(f) for f in files[v.id]]} for v in versions]
    return view


# --- residents ------------------------------------------------------------------------------------


def resident_clause(households: Iterable[dict]):
    """SQL: disclosures addressed to the households' communities (whole) or their sites."""
    ids = [h["id"] for h in households]
    if not ids:
        return false()
    places = db.session.execute(select(Household.community_id, Household.site_id).where(Household.id.in_(ids))).all()
    communities = {c for c, _s in places}
    sites = {s for _c, s in places if s is not None}
    return and_(Disclosure.community_id.in_(communities),
                or_(Disclosure.site_id.is_(None), Disclosure.site_id.in_(sites) if sites else false()))


def resident_view(disclosure: Disclosure, *, with_summary: bool = True) -> dict:
    """What a resident reads: the current version, its files, and — when it was corrected — when
    and why each correction was made (the earlier contents stay with staff). No names of staff."""
    view = summaries([disclosure])[0]
    for private in ("created_by", "withdrawn_by", "withdrawn_at", "withdraw_reason"):
        view.pop(private)
    versions = versions_of(disclosure)
    current = versions[0]
    view["published_at"] = current.at
    view["corrections"] = [{"version": v.version, "at": v.at, "reason": v.reason} for v in versions if v.version > 1]
    view["files"] = [_file_view(f) for f in files_of([current.id])[current.id]]
    if with_summary:
        view["summary"] = current.summary
    return view


def current_for_resident(households: Iterable[dict], today: date | None = None) -> list[dict]:
    """The disclosures in their publication period for the resident's households (dicts with an
    `id`, as `resident_access.households.my_households` gives them): each household's community's
    and its site's, newest publication first, as `resident_view` shows them (without the summary)."""
    today = today or local_today()
    rows = list(db.session.scalars(select(Disclosure).where(resident_clause(households), status_clause("current", today))
                                   .order_by(Disclosure.publish_from.desc(), Disclosure.id.desc())))
    return [resident_view(d, with_summary=False) for d in rows]


def resident_disclosure(households: Iterable[dict], disclosure_id: int) -> Disclosure:
    """One disclosure in its publication period for the households, else NotFound (another
    community's or site's, another tenant's, not started, ended or withdrawn look the same)."""
    found = db.session.scalar(select(Disclosure).where(Disclosure.id == disclosure_id, resident_clause(households),
                                                       status_clause("current")))
    if found is None:
        raise NotFound()
    return found
