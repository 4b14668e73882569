"""Coverage figures of 失地农民公益岗位: who is on post, the vacancies, insurance and health checks,
what is overdue — for a community and a day, from a few grouped queries (never one per worker).

Read by the API (`GET /communities/<id>/coverage`, routes_insurance.py), the dashboard and report
hooks (plugin.py), the console's overview page and home panel. No personal data: counts only,
so anyone who reads the community may see them.

Reusable pieces (other areas may import them):
- `active_posts(day)`        SQL condition: the posts approved and open on `day`
- `on_post_workers(cid, day)` a SELECT of the worker ids on post in a community on `day` (tenure.on_post)
- `insured_workers(cid, day, required)` a SELECT of the worker ids on post holding, on `day`, a valid
  policy of every required kind
- `coverage(cid, day=None, config=None)` the dict of every figure below
- `dashboard_figures(cid, config)`, `report_sections(cid, start, end, config)` the hooks' answers

Units as the core's (README, "API conventions"): rates are fractions 0–1 of four decimals (keys
ending in `_rate`, `rate_value`), everything else a count (an integer)."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import and_, case, func, or_, select

from wuye_core.plugins import (
    Figure,
    ReportSection,
    db,
    local_today,
    plugin_config,
    rate_value,
    use_locale,
)

from . import vocab
from .access import NAME
from .models import Attendance, HealthCheck, Placement, Policy, Post
from .tenure import on_post

DEFAULT_REQUIRED = ("pension", "medical", "injury", "accident")


def settings(community_id: int, config: dict | None = None) -> dict:
    """The community's config (the hook's, or read), defaults filled in."""
    return config if config else plugin_config(NAME, community_id)


def required_kinds(config: dict) -> tuple[str, ...]:
    return tuple(config.get("required_insurance", DEFAULT_REQUIRED))


# --- SQL pieces ---------------------------------------------------------------------------------------


def active_posts(day: date):
    """SQL: the posts approved on `day` and not closed by then (a post closed later still counts
    for an earlier day: reports of past periods)."""
    return and_(
        Post.approved_from <= day,
        or_(Post.approved_until.is_(None), Post.approved_until >= day),
        or_(and_(Post.active.is_(True), Post.closed_on.is_(None)), Post.closed_on > day),
    )


def on_post_workers(community_id: int, day: date):
    """SELECT of the ids of the workers on post in the community on `day` (may repeat an id)."""
    return select(Placement.worker_id).where(Placement.community_id == community_id, on_post(day))


def valid_on(day: date):
    """SQL: the policies in force on `day`."""
    return and_(Policy.starts_on <= day, Policy.ends_on >= day)


def insured_workers(community_id: int, day: date, required: tuple[str, ...]):
    """SELECT of the ids of the workers on post on `day` who hold, that day, a valid policy of every
    required kind (with none required: everyone on post)."""
    if not required:
        return on_post_workers(community_id, day).distinct()
    return (
        select(Policy.worker_id)
        .where(Policy.worker_id.in_(on_post_workers(community_id, day)), Policy.kind.in_(required), valid_on(day))
        .group_by(Policy.worker_id)
        .having(func.count(func.distinct(Policy.kind)) == len(set(required)))
    )


def _count(stmt) -> int:
    return int(db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0)


def _sum(condition):
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


# --- the figures --------------------------------------------------------------------------------------


def posts_and_vacancies(community_id: int, day: date) -> dict:
    """{"posts", "headcount", "vacancies"} of the posts active on `day`: one grouped query."""
    filled = (
        select(Placement.post_id, func.count(func.distinct(Placement.worker_id)).label("n"))
        .where(Placement.community_id == community_id, on_post(day))
        .group_by(Placement.post_id)
        .subquery()
    )
    rows = db.session.execute(
        select(Post.headcount, func.coalesce(filled.c.n, 0))
        .outerjoin(filled, filled.c.post_id == Post.id)
        .where(Post.community_id == community_id, active_posts(day))
    ).all()
    return {
        "posts": len(rows),
        "headcount": sum(int(h) for h, _n in rows),
        "vacancies": sum(max(0, int(h) - int(n)) for h, n in rows),
    }


def placements_today(community_id: int, day: date, end_alert_days: int) -> dict:
    """{"people_on_post", "vacancy_reports_overdue", "placements_ending"}: one query."""
    covering = on_post(day)
    row = db.session.execute(
        select(
            func.count(func.distinct(case((covering, Placement.worker_id), else_=None))),
            _sum(and_(Placement.vacancy_due_on < day, Placement.vacancy_reported_on.is_(None))),
            _sum(and_(covering, Placement.exited_on.is_(None),
                      Placement.ends_on <= day + timedelta(days=end_alert_days))),
        ).where(Placement.community_id == community_id)
    ).one()
    return {"people_on_post": int(row[0]), "vacancy_reports_overdue": int(row[1]), "placements_ending": int(row[2])}


def checks_of_year(community_id: int, year: int, day: date) -> dict:
    """The year's health checks by state on `day`: done, due (not yet late), overdue; checked_rate."""
    row = db.session.execute(
        select(
            func.count(HealthCheck.id),
            _sum(HealthCheck.done_on.is_not(None)),
            _sum(and_(HealthCheck.done_on.is_(None), HealthCheck.due_on < day)),
        ).where(HealthCheck.community_id == community_id, HealthCheck.year == year)
    ).one()
    total, done, overdue = int(row[0]), int(row[1]), int(row[2])
    return {
        "checks_year": year,
        "checks_done": done,
        "checks_due": total - done - overdue,
        "checks_overdue": overdue,
        "checked_rate": rate_value(done, total),
    }


def expiring_policies(community_id: int, day: date, alert_days: int) -> int:
    """Policies of the workers on post that end within `alert_days` of `day` (still valid today)."""
    return int(db.session.scalar(
        select(func.count(Policy.id)).where(
            Policy.worker_id.in_(on_post_workers(community_id, day)),
            Policy.ends_on >= day,
            Policy.ends_on <= day + timedelta(days=alert_days),
        )
    ) or 0)


def coverage(community_id: int, day: date | None = None, config: dict | None = None) -> dict:
    """Every coverage figure of the community on `day` (today, Beijing), from five queries."""
    day = day or local_today()
    config = settings(community_id, config)
    out: dict = {"day": day}
    out.update(placements_today(community_id, day, config.get("end_alert_days", 60)))
    out.update(posts_and_vacancies(community_id, day))
    insured = _count(insured_workers(community_id, day, required_kinds(config)))
    out["insured"] = insured
    out["uninsured"] = max(0, out["people_on_post"] - insured)
    out["insured_rate"] = rate_value(insured, out["people_on_post"])
    out.update(checks_of_year(community_id, day.year, day))
    out["policies_expiring"] = expiring_policies(community_id, day, config.get("insurance_alert_days", 30))
    return out


# --- the hooks' answers ---------------------------------------------------------------------------------


def dashboard_figures(community_id: int, config: dict | None = None) -> list[Figure]:
    """The community dashboard's figures (no personal data: anyone who reads the community)."""
    c = coverage(community_id, config=config)
    return [
        Figure("welfare_people_on_post", "公益岗位在岗人数", "People on public-welfare posts", c["people_on_post"], "人"),
        Figure("welfare_vacancies", "公益岗位空岗", "Vacant public-welfare places", c["vacancies"], "个"),
        Figure("welfare_insured_rate", "在岗人员参保率", "Workers on post fully insured", c["insured_rate"]),
        Figure("welfare_checks_due", "年度体检待完成", "Health checks still due this year", c["checks_due"], "人"),
        Figure("welfare_checks_overdue", "年度体检已逾期", "Health checks overdue", c["checks_overdue"], "人"),
        Figure("welfare_vacancy_reports_overdue", "空岗报告逾期", "Vacancy reports overdue",
               c["vacancy_reports_overdue"], "份"),
    ]


def _zh(vocabulary: dict, code: str) -> str:
    with use_locale("zh_CN"):
        return vocab.label(vocabulary, code)


def _en(vocabulary: dict, code: str) -> str:
    with use_locale("en"):
        return vocab.label(vocabulary, code)


def report_sections(community_id: int, start: date, end: date, config: dict | None = None) -> list[ReportSection]:
    """The section 公益岗位 of a community's report for `start`..`end` (both included)."""
    config = settings(community_id, config)
    posts = posts_and_vacancies(community_id, end)
    on_post_at_end = _count(on_post_workers(community_id, end).distinct())
    insured = _count(insured_workers(community_id, end, required_kinds(config)))
    mine = Placement.community_id == community_id
    row = db.session.execute(
        select(
            _sum(and_(Placement.starts_on >= start, Placement.starts_on <= end)),
            _sum(and_(Placement.vacancy_due_on >= start, Placement.vacancy_due_on <= end,
                      Placement.vacancy_reported_on <= Placement.vacancy_due_on)),
            _sum(and_(Placement.vacancy_due_on >= start, Placement.vacancy_due_on <= end,
                      or_(Placement.vacancy_reported_on > Placement.vacancy_due_on,
                          and_(Placement.vacancy_reported_on.is_(None), Placement.vacancy_due_on < local_today())))),
        ).where(mine)
    ).one()
    started, on_time, late = int(row[0]), int(row[1]), int(row[2])
    exits = dict(db.session.execute(
        select(Placement.exit_reason, func.count(Placement.id))
        .where(mine, Placement.exited_on >= start, Placement.exited_on <= end)
        .group_by(Placement.exit_reason)
    ).all())
    checks_done = int(db.session.scalar(select(func.count(HealthCheck.id)).where(
        HealthCheck.community_id == community_id, HealthCheck.done_on >= start, HealthCheck.done_on <= end)) or 0)
    present = int(db.session.scalar(select(func.count(Attendance.id)).where(
        Attendance.community_id == community_id, Attendance.status == "present",
        Attendance.day >= start, Attendance.day <= end)) or 0)
    rows = [
        {"label_zh": "公益性岗位（个）", "label_en": "Posts", "value": posts["posts"]},
        {"label_zh": "核定人数（人）", "label_en": "Approved headcount", "value": posts["headcount"]},
        {"label_zh": "期末在岗人数（人）", "label_en": "People on post at the period's end", "value": on_post_at_end},
        {"label_zh": "期末空岗（个）", "label_en": "Vacant places at the period's end", "value": posts["vacancies"]},
        {"label_zh": "期内新安置（人次）", "label_en": "Placements started", "value": started},
        {"label_zh": "期内离岗（人次）", "label_en": "Exits", "value": sum(exits.values())},
    ]
    for code in vocab.EXIT_REASONS:
        if exits.get(code):
            rows.append({"label_zh": f"其中：{_zh(vocab.EXIT_REASONS, code)}", "label_en": f"of which: "
                         f"{_en(vocab.EXIT_REASONS, code)}", "value": exits[code]})
    rows += [
        {"label_zh": "空岗按时报告（份）", "label_en": "Vacancies reported on time", "value": on_time},
        {"label_zh": "空岗逾期报告或未报告（份）", "label_en": "Vacancies reported late or not at all", "value": late},
        {"label_zh": "期末在岗人员参保率", "label_en": "Insured rate at the period's end",
         "value": rate_value(insured, on_post_at_end)},
        {"label_zh": "期内完成体检（人）", "label_en": "Health checks done", "value": checks_done},
        {"label_zh": "期内出勤（人天）", "label_en": "Days present recorded", "value": present},
    ]
    return [ReportSection("welfare_jobs", "公益岗位", "Public-welfare jobs", rows)]


__all__ = [
    "active_posts", "checks_of_year", "coverage", "dashboard_figures", "expiring_policies", "insured_workers",
    "on_post_workers", "placements_today", "posts_and_vacancies", "report_sections", "valid_on",
]
