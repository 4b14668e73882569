"""The alliance's figures: the dashboard's, the community report's section, the overview page
and the console home page's panel.

Every figure comes from a few grouped statements whatever the size of the alliance (never one
query per member, record or community): `figures_by_community` answers for any number of
communities with four statements, `report_sections` with seven, `needs_doing` with three.
Counts only, no personal data: anyone who reads the community may see them.

"This month" and "this year" are Beijing's (the records' `started_at` against the month's and
the year's first midnight in Beijing). Units as the core's (README, "API conventions"): a
dashboard `Figure` whose key ends in `_minutes` is a duration in minutes, any other a count; the
report's rows and the console's pages show hours, as people read them (`hours_text`).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import and_, case, func, or_, select

from wuye_core.plugins import (
    LOCAL_TZ,
    Community,
    Figure,
    ReportSection,
    db,
    local_now,
    render_page,
)

from . import vocab
from .access import NAME
from .i18n import _
from .models import (
    Activity,
    Member,
    ServiceRecord,
    Signup,
    Task,
    Team,
    TeamMember,
    Training,
    TrainingAttendance,
)

OPEN_TASKS = ("offered", "accepted")
TOP_TEAMS = 5  # teams listed by hours in the report
SOON_DAYS = 7  # the overview's upcoming activities with free places
LISTED = 5  # items shown per "needs doing" list (the count says how many in all)


# --- time ----------------------------------------------------------------------------------------------


def midnight(day: date) -> datetime:
    """00:00 in Beijing on `day`, as an instant in UTC (the stored columns' zone)."""
    return datetime.combine(day, time(0), tzinfo=LOCAL_TZ).astimezone(UTC)


def month_bounds(day: date) -> tuple[datetime, datetime]:
    """[first midnight of `day`'s month, first midnight of the next) in Beijing, as UTC instants."""
    first = day.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return midnight(first), midnight(following)


def year_bounds(day: date) -> tuple[datetime, datetime]:
    return midnight(date(day.year, 1, 1)), midnight(date(day.year + 1, 1, 1))


def hours(minutes: int | None) -> float:
    """Minutes as hours, two decimals (the report's unit)."""
    return round((minutes or 0) / 60, 2)


def _sum(condition, value=1):
    return func.coalesce(func.sum(case((condition, value), else_=0)), 0)


def _in(column, ids: list[int]):
    return column == ids[0] if len(ids) == 1 else column.in_(ids)


# --- the figures ---------------------------------------------------------------------------------------

EMPTY = {"members": 0, "party_members": 0, "volunteers": 0, "professionals": 0, "active_month": 0,
         "records_month": 0, "month_minutes": 0, "year_minutes": 0, "tasks_done_month": 0, "tasks_open": 0,
         "tasks_offered": 0, "activities_month": 0}


def figures_by_community(community_ids, now: datetime | None = None) -> dict[int, dict]:
    """{community id: {figure: value}} of every community given, from four grouped statements:

    - members, party_members, volunteers, professionals: the active members, by kind;
    - active_month: members with a service record started this month; records_month;
      month_minutes, year_minutes: the minutes of the records started this month and this year;
    - tasks_done_month (done this month), tasks_open (offered or accepted), tasks_offered;
    - activities_month: activities (not cancelled) starting this month."""
    ids = sorted(set(community_ids))
    if not ids:
        return {}
    now = now or local_now()
    today = now.astimezone(LOCAL_TZ).date()
    month_start, month_end = month_bounds(today)
    year_start, year_end = year_bounds(today)
    out = {cid: dict(EMPTY) for cid in ids}

    def put(rows, names):
        for cid, *values in rows:
            out[cid].update({name: int(value or 0) for name, value in zip(names, values, strict=True)})

    put(db.session.execute(
        select(Member.community_id, func.count(Member.id), _sum(Member.kind == "party_member"),
               _sum(Member.kind == "volunteer"), _sum(Member.kind == "professional"))
        .where(_in(Member.community_id, ids), Member.status == "active", Member.erased_at.is_(None))
        .group_by(Member.community_id)
    ).all(), ("members", "party_members", "volunteers", "professionals"))

    this_month = and_(ServiceRecord.started_at >= month_start, ServiceRecord.started_at < month_end)
    put(db.session.execute(
        select(ServiceRecord.community_id,
               func.count(func.distinct(case((this_month, ServiceRecord.member_id), else_=None))),
               _sum(this_month), _sum(this_month, ServiceRecord.minutes), func.sum(ServiceRecord.minutes))
        .where(_in(ServiceRecord.community_id, ids), ServiceRecord.started_at >= year_start,
               ServiceRecord.started_at < year_end)
        .group_by(ServiceRecord.community_id)
    ).all(), ("active_month", "records_month", "month_minutes", "year_minutes"))

    put(db.session.execute(
        select(Task.community_id,
               _sum(and_(Task.status == "done", Task.done_at >= month_start, Task.done_at < month_end)),
               _sum(Task.status.in_(OPEN_TASKS)), _sum(Task.status == "offered"))
        .where(_in(Task.community_id, ids))
        .group_by(Task.community_id)
    ).all(), ("tasks_done_month", "tasks_open", "tasks_offered"))

    put(db.session.execute(
        select(Activity.community_id, func.count(Activity.id))
        .where(_in(Activity.community_id, ids), Activity.status != "cancelled",
               Activity.starts_at >= month_start, Activity.starts_at < month_end)
        .group_by(Activity.community_id)
    ).all(), ("activities_month",))
    return out


def community_figures(community_id: int, now: datetime | None = None) -> dict:
    """One community's figures (see `figures_by_community`)."""
    return figures_by_community([community_id], now)[community_id]


# --- the hooks' answers ----------------------------------------------------------------------------------


def _figures(c: dict) -> list[Figure]:
    return [
        Figure("volunteers_members", "居民服务联盟成员", "Alliance members", c["members"], "人"),
        Figure("volunteers_members_party", "其中在职党员", "of whom serving party members", c["party_members"], "人"),
        Figure("volunteers_members_volunteer", "其中志愿者", "of whom volunteers", c["volunteers"], "人"),
        Figure("volunteers_members_professional", "其中专业人士", "of whom professionals", c["professionals"], "人"),
        Figure("volunteers_active_month", "本月参加服务的成员", "Members who served this month", c["active_month"], "人"),
        Figure("volunteers_service_month_minutes", "本月志愿服务时长", "Volunteer service this month",
               c["month_minutes"], "分钟"),
        Figure("volunteers_service_year_minutes", "本年志愿服务时长", "Volunteer service this year",
               c["year_minutes"], "分钟"),
        Figure("volunteers_tasks_done_month", "本月完成的需求", "Needs met this month", c["tasks_done_month"], "件"),
        Figure("volunteers_tasks_open", "待完成的需求", "Needs open", c["tasks_open"], "件"),
        Figure("volunteers_activities_month", "本月志愿活动", "Activities this month", c["activities_month"], "场"),
    ]


def dashboard_figures(community_id: int, config: dict | None = None, now: datetime | None = None) -> list[Figure]:
    """The community dashboard's figures (hook `wuye_dashboard_figures`): four statements."""
    return _figures(community_figures(community_id, now))


def report_sections(community_id: int, period_start: date, period_end: date, config: dict | None = None,
                     now: datetime | None = None) -> list[ReportSection]:
    """The section 居民服务联盟 of a community's report for `period_start`..`period_end` (Beijing
    dates, both included; hook `wuye_report_sections`): the members at the period's end and who
    joined, the service records, members who served and hours (of them the serving party
    members'), the needs met, the activities held and their attendance, the trainings, and the
    teams with the most hours (their members' records). Seven statements."""
    start, end = midnight(period_start), midnight(period_end + timedelta(days=1))
    now = now or local_now()
    mine = Member.community_id == community_id
    member_then = and_(Member.joined_on <= period_end,  # and had not left by its end
                       or_(and_(Member.left_on.is_(None), Member.status == "active"), Member.left_on > period_end))
    m = db.session.execute(select(
        _sum(member_then), _sum(and_(member_then, Member.kind == "party_member")),
        _sum(and_(member_then, Member.kind == "volunteer")), _sum(and_(member_then, Member.kind == "professional")),
        _sum(and_(Member.joined_on >= period_start, Member.joined_on <= period_end)),
    ).where(mine)).one()

    in_period = and_(ServiceRecord.community_id == community_id, ServiceRecord.started_at >= start,
                     ServiceRecord.started_at < end)
    r = db.session.execute(
        select(func.count(ServiceRecord.id), func.count(func.distinct(ServiceRecord.member_id)),
               func.coalesce(func.sum(ServiceRecord.minutes), 0),
               _sum(Member.kind == "party_member", ServiceRecord.minutes),
               func.count(func.distinct(case((Member.kind == "party_member", ServiceRecord.member_id), else_=None))))
        .join(Member, Member.id == ServiceRecord.member_id)
        .where(in_period)
    ).one()

    t = db.session.execute(select(
        _sum(and_(Task.status == "done", Task.done_at >= start, Task.done_at < end)),
        _sum(and_(Task.created_at >= start, Task.created_at < end)),
    ).where(Task.community_id == community_id)).one()

    held = and_(Activity.community_id == community_id, Activity.status != "cancelled", Activity.starts_at >= start,
                Activity.starts_at < end, Activity.starts_at <= now)
    a = db.session.execute(
        select(func.count(func.distinct(Activity.id)), func.count(Signup.checked_in_at))
        .select_from(Activity)
        .outerjoin(Signup, and_(Signup.activity_id == Activity.id, Signup.status == "confirmed"))
        .where(held)
    ).one()

    tr = db.session.execute(
        select(func.count(func.distinct(Training.id)), func.count(TrainingAttendance.id))
        .select_from(Training)
        .outerjoin(TrainingAttendance, and_(TrainingAttendance.training_id == Training.id,
                                            TrainingAttendance.attended.is_(True)))
        .where(Training.community_id == community_id, Training.held_on >= period_start,
               Training.held_on <= period_end)
    ).one()

    teams = db.session.execute(
        select(Team.name, func.sum(ServiceRecord.minutes).label("minutes"))
        .join(TeamMember, TeamMember.team_id == Team.id)
        .join(ServiceRecord, ServiceRecord.member_id == TeamMember.member_id)
        .where(in_period, Team.community_id == community_id)
        .group_by(Team.id, Team.name)
        .order_by(func.sum(ServiceRecord.minutes).desc(), Team.name)
        .limit(TOP_TEAMS)
    ).all()

    rows = [
        {"label_zh": "期末联盟成员（人）", "label_en": "Members at the period's end", "value": int(m[0])},
        {"label_zh": "其中：在职党员（人）", "label_en": "of whom: serving party members", "value": int(m[1])},
        {"label_zh": "其中：志愿者（人）", "label_en": "of whom: volunteers", "value": int(m[2])},
        {"label_zh": "其中：专业人士（人）", "label_en": "of whom: professionals", "value": int(m[3])},
        {"label_zh": "期内新加入（人）", "label_en": "Members who joined", "value": int(m[4])},
        {"label_zh": "志愿服务记录（条）", "label_en": "Service records", "value": int(r[0])},
        {"label_zh": "参加服务的成员（人）", "label_en": "Members who served", "value": int(r[1])},
        {"label_zh": "志愿服务时长（小时）", "label_en": "Hours of service", "value": hours(r[2])},
        {"label_zh": "其中：在职党员服务时长（小时）", "label_en": "of which: by serving party members",
         "value": hours(r[3])},
        {"label_zh": "参加服务的在职党员（人）", "label_en": "Serving party members who served", "value": int(r[4])},
        {"label_zh": "交给联盟的居民需求（件）", "label_en": "Needs handed to the alliance", "value": int(t[1])},
        {"label_zh": "完成的居民需求（件）", "label_en": "Needs met", "value": int(t[0])},
        {"label_zh": "开展志愿活动（场）", "label_en": "Activities held", "value": int(a[0])},
        {"label_zh": "活动签到（人次）", "label_en": "Attendances at activities", "value": int(a[1])},
        {"label_zh": "技能培训（场）", "label_en": "Trainings held", "value": int(tr[0])},
        {"label_zh": "培训参加（人次）", "label_en": "Attendances at trainings", "value": int(tr[1])},
    ]
    rows += [{"label_zh": f"服务时长靠前的队伍：{name}（小时）", "label_en": f"Team by hours: {name}",
              "value": hours(minutes)} for name, minutes in teams]
    return [ReportSection("volunteers", "居民服务联盟", "Volunteer alliance", rows)]


# --- the console: the overview page and the home page's panel ------------------------------------------


class Overview(list):
    """The overview page's figures, (label, value, unit) rows, carrying what needs doing
    (`todo`, see `needs_doing`) for the same page."""

    todo: dict


def overview_figures(community_id: int, now: datetime | None = None) -> Overview:
    """The overview page's figures: (label, value, unit) rows in the reader's language, hours as
    people read them; `.todo` holds the page's "needs doing" lists (`needs_doing`)."""
    from .console import hours_text

    c = community_figures(community_id, now)
    people, needs, hours_unit = _("people"), _("needs"), _("hours")
    rows = Overview([
        (_("Members"), c["members"], people),
        (_("Serving party members"), c["party_members"], people),
        (_("Volunteers"), c["volunteers"], people),
        (_("Professionals"), c["professionals"], people),
        (_("Members who served this month"), c["active_month"], people),
        (_("Hours this month"), hours_text(c["month_minutes"]), hours_unit),
        (_("Hours this year"), hours_text(c["year_minutes"]), hours_unit),
        (_("Activities this month"), c["activities_month"], _("activities")),
        (_("Needs met this month"), c["tasks_done_month"], needs),
        (_("Needs open"), c["tasks_open"], needs),
    ])
    rows.todo = needs_doing(community_id, now)
    return rows


def needs_doing(community_id: int, now: datetime | None = None) -> dict:
    """What the alliance's staff should see to, from three statements:

    - `upcoming`: activities starting within the next 7 days, open, with free places (no
      capacity, or fewer signed up than it), soonest first: {"id", "title", "starts_at",
      "free"} (`free` None: no limit);
    - `offered`: tasks offered and accepted by nobody yet, oldest first; `offered_count`;
    - `unconfirmed`: activities that have ended, not cancelled, whose hours nobody confirmed
      yet, oldest first; `unconfirmed_count`.
    Each list holds at most 5; the counts say how many in all."""
    now = now or local_now()
    signed = (select(Signup.activity_id, func.count(Signup.id).label("n"))
              .where(Signup.community_id == community_id, Signup.status == "confirmed")
              .group_by(Signup.activity_id).subquery())
    taken = func.coalesce(signed.c.n, 0)
    upcoming = db.session.execute(
        select(Activity.id, Activity.title, Activity.starts_at, Activity.capacity, taken)
        .outerjoin(signed, signed.c.activity_id == Activity.id)
        .where(Activity.community_id == community_id, Activity.status == "open", Activity.starts_at >= now,
               Activity.starts_at < now + timedelta(days=SOON_DAYS),
               or_(Activity.capacity.is_(None), taken < Activity.capacity))
        .order_by(Activity.starts_at, Activity.id)
    ).all()
    offered = db.session.execute(
        select(Task.id, Task.title, Task.skill, Task.wanted_by, Task.created_at, func.count().over())
        .where(Task.community_id == community_id, Task.status == "offered")
        .order_by(Task.created_at, Task.id).limit(LISTED)
    ).all()
    unconfirmed = db.session.execute(
        select(Activity.id, Activity.title, Activity.starts_at, func.count().over())
        .where(Activity.community_id == community_id, Activity.status == "open", Activity.ends_at < now)
        .order_by(Activity.starts_at, Activity.id).limit(LISTED)
    ).all()
    return {
        "upcoming": [{"id": i, "title": title, "starts_at": starts, "free": None if cap is None else cap - int(n)}
                     for i, title, starts, cap, n in upcoming[:LISTED]],
        "upcoming_count": len(upcoming),
        "offered": [{"id": i, "title": title, "skill": vocab.label(vocab.SKILLS, skill), "wanted_by": wanted,
                     "created_at": created} for i, title, skill, wanted, created, _n in offered],
        "offered_count": int(offered[0][-1]) if offered else 0,
        "unconfirmed": [{"id": i, "title": title, "starts_at": starts} for i, title, starts, _n in unconfirmed],
        "unconfirmed_count": int(unconfirmed[0][-1]) if unconfirmed else 0,
    }


def panel(community_ids) -> str:
    """The console home page's panel: each community's alliance in a few figures (counts only,
    read-only), five statements for all of them."""
    ids = sorted(set(community_ids or ()))
    if not ids:
        return ""
    names = dict(db.session.execute(select(Community.id, Community.name).where(_in(Community.id, ids))).all())
    figures = figures_by_community(ids)
    rows = sorted(((cid, names.get(cid, str(cid)), figures[cid]) for cid in ids), key=lambda row: row[1])
    return render_page("volunteers/panel.html", plugin=NAME, rows=rows)


__all__ = [
    "community_figures", "dashboard_figures", "figures_by_community", "month_bounds", "needs_doing", "overview_figures",
    "panel", "report_sections", "year_bounds",
]
