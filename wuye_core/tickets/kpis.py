"""工单指标 / Ticket KPIs: computed with SQL aggregates, the same on SQLite and PostgreSQL.

中文定义
--------
- 统计期间：按**提交时间**（created_at）统计。`from`、`to` 是北京时间（Asia/Shanghai，UTC+8，无夏令时）的日期，
  包含首尾两天：起点 = `from` 00:00 +08:00，终点 = (`to` + 1 天) 00:00 +08:00，左闭右开：
  `created_at >= 起点 AND created_at < 终点`。恰好在起点提交的工单计入，恰好在终点提交的不计入，
  终点前一微秒提交的计入。期间最长 3 年（1096 天）。
- 时长以整秒计：两个时刻各自截到整秒（自 1970 年起的秒数向下取整）后相减，输出时换算为分钟（保留两位小数）。
  受理时长 = accepted_at − created_at；办结时长 = resolved_at − created_at。
- P50 / P90：最近秩法（nearest rank），对期间内**有该时间戳**的工单取时长升序排列的第 ceil(p/100 · n) 个值；
  n = 0 时为 null。用窗口函数 ROW_NUMBER / COUNT OVER 在 SQL 中计算（SQLite 没有 percentile_cont）。
- 办结率 = (已办结 + 已关闭) / (全部 − 已取消)。
- 投诉办结率 = 同上，只算类型为“投诉”的工单。
- 办结时限达标率（resolve_sla_rate）= 有办结时限、未取消、且（已办结，或时限已过：resolve_due_at < 统计时刻）的工单中，
  resolved_at ≤ resolve_due_at 的比例。重开的工单 resolved_at 被清空，重新办结后按新的办结时间算。
- 到场时限达标率（arrive_sla_rate）= 同理，用 on_site_at 与 arrive_due_at；未经“到场”就办结的工单没有 on_site_at，
  时限过后算未达标。
- 平均满意度 = 有评分的工单的评分平均值（保留两位小数）。
- 重开率 = reopened_count > 0 的工单 / 期间内全部工单（含已取消）。
- 各比率（名称以 `_rate` 结尾）是 0–1 的小数，保留四位，分母为 0 时为 null（不是 0）；同时给出分子、分母。
  单位约定见 README“接口约定”：比率为小数、计数为整数、时长为分钟、满意度为 1–5 分的平均值。
- 按社区分列：全租户指标另给每个社区的同样数字（`communities`），与合计出自同样的两条语句
  （GROUP BY community_id、PARTITION BY community_id），不是每个社区各查一次。
- 计数：按类型、类别、状态、优先级。
- 权限：社区指标要求该社区可读（否则 404）；全租户指标只包含当前用户可读的社区。
  租户范围由框架自动加上（ORM），不手写 tenant_id 条件，不写原生 SQL。
- 索引：查询条件是 (tenant_id, community_id, created_at)，正好用上 tickets 表的同名索引。

English definitions
-------------------
- Period: tickets CREATED in the period. `from` and `to` are dates in Asia/Shanghai (UTC+8, no
  DST), both included: start = `from` 00:00 +08:00, end = (`to` + 1 day) 00:00 +08:00, half-open:
  `created_at >= start AND created_at < end`. A ticket created exactly at start counts, one at
  exactly end does not, one a microsecond before end does. At most three years (1096 days).
- Durations are whole seconds: each instant is truncated to the second (seconds since 1970,
  floored) and the two are subtracted; reported in minutes (two decimals).
  Response time = accepted_at − created_at; resolution time = resolved_at − created_at.
- p50 / p90: nearest rank, over the period's tickets that HAVE the timestamp: the value at rank
  ceil(p/100 · n) of the ascending durations; null when n = 0. Computed in SQL with the window
  functions ROW_NUMBER / COUNT OVER (SQLite has no percentile_cont).
- Completion rate = (resolved + closed) / (all − cancelled).
- Complaint closure rate (投诉办结率) = the same, tickets of kind complaint only.
- Resolve-SLA rate (`resolve_sla_rate`) = among tickets with a resolve deadline, not cancelled, and either
  resolved or past their deadline (resolve_due_at < as_of): the share with
  resolved_at ≤ resolve_due_at. Reopening clears resolved_at; a new resolution counts anew.
- Arrival-SLA rate (`arrive_sla_rate`) = the same with on_site_at and arrive_due_at; a ticket resolved without
  the "arrive" step has no on_site_at and counts as missed once its deadline is past.
- Average satisfaction = mean rating over rated tickets (two decimals).
- Reopened rate = tickets with reopened_count > 0 / all tickets of the period (cancelled too).
- Every rate (its name ends in `_rate`) is a fraction 0–1 with four decimals, null (not 0) when
  its denominator is 0; numerator and denominator come with it. The units of every figure are
  the README's "API conventions": rates as fractions, counts as integers, durations in minutes,
  satisfaction as the 1–5 mean.
- Breakdown by community: the tenant-wide KPIs also give each community's own figures
  (`communities`), from the same two statements (GROUP BY community_id, PARTITION BY
  community_id), never one query per community.
- Counts: by kind, category, status and priority.
- Permissions: a community's KPIs need that community readable (else 404); tenant-wide KPIs take
  only the communities the user can read. The tenant is added by the framework's ORM scoping:
  no hand-written tenant_id filter, no raw SQL.
- Index: the filter is (tenant_id, community_id, created_at): the tickets index of those columns.
- Weekly trend (`weekly_trend`): tickets created, and tickets resolved (resolved_at, whenever
  created), per week (Monday to Sunday, Beijing time) over the 12 weeks ending with the week of a
  given date; in all and by community, one grouped statement per timestamp.

Two statements per call, both on that index range: one GROUP BY (kind, category, status,
priority, and community_id with the breakdown) with COUNT/SUM(CASE …) columns (every figure but
the percentiles is a sum of those groups: each community's, and the totals as the sum of the
communities'), and one with the window functions for the four
percentiles (with the breakdown: ranked over all rows and within each community in one pass,
aggregated twice and joined by UNION ALL).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import (
    BigInteger,
    Integer,
    and_,
    case,
    cast,
    extract,
    func,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.exc import CompileError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from ..common.clock import LOCAL_TZ
from ..common.fields import minutes_value, rate_value
from ..common.periods import THREE_YEARS
from ..extensions import db
from .models import Kind, Priority, Ticket
from .states import OPEN, Status

MAX_DAYS = THREE_YEARS  # three years, one of them a leap year
PERCENTILES = (50, 90)
DONE = (Status.resolved, Status.closed)


# --- the period ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """Local dates `first`..`last` (both included) as the UTC half-open interval [start, end)."""

    first: date
    last: date

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first, time(0), LOCAL_TZ).astimezone(UTC)

    @property
    def end(self) -> datetime:
        return datetime.combine(self.last + timedelta(days=1), time(0), LOCAL_TZ).astimezone(UTC)


def local(at: datetime | None) -> datetime | None:
    """A stored instant as Beijing wall-clock time (SQLite hands instants back naive, in UTC)."""
    if at is None:
        return None
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(LOCAL_TZ)


# --- whole seconds since 1970, per dialect --------------------------------------------------------


class epoch_seconds(FunctionElement):
    """`floor(seconds since 1970-01-01 UTC)` of a timestamp column, as an integer, exactly the
    same on SQLite (strftime('%s'), which truncates) and PostgreSQL (floor(extract(epoch)))."""

    type = BigInteger()
    name = "epoch_seconds"
    inherit_cache = True


@compiles(epoch_seconds)
def _epoch_seconds_unsupported(element, compiler, **kw):
    raise CompileError(f"epoch_seconds() is not implemented for {compiler.dialect.name}")


@compiles(epoch_seconds, "sqlite")
def _epoch_seconds_sqlite(element, compiler, **kw):
    # SQLAlchemy stores instants as 'YYYY-MM-DD HH:MM:SS.ffffff' in UTC, which strftime reads.
    (column,) = element.clauses
    return compiler.process(cast(func.strftime("%s", column), Integer), **kw)


@compiles(epoch_seconds, "postgresql")
def _epoch_seconds_postgresql(element, compiler, **kw):
    (column,) = element.clauses
    return compiler.process(cast(func.floor(extract("epoch", column)), BigInteger), **kw)


def seconds_between(earlier, later):
    """Whole seconds from `earlier` to `later` (NULL when either is NULL)."""
    return epoch_seconds(later) - epoch_seconds(earlier)


# --- the computation ----------------------------------------------------------------------------


def period_filter(period: Period, community_ids) -> list:
    """`created_at` in the period (half-open) and `community_id` in the given ids."""
    conditions = [Ticket.created_at >= period.start, Ticket.created_at < period.end]
    ids = sorted(community_ids)
    conditions.append(Ticket.community_id == ids[0] if len(ids) == 1 else Ticket.community_id.in_(ids or [-1]))
    return conditions


def _flag(condition):
    return func.sum(case((condition, 1), else_=0))


def _rate(numerator: int, denominator: int) -> dict:
    return {"value": rate_value(numerator, denominator), "numerator": numerator, "denominator": denominator}


def _grouped(period: Period, community_ids, as_of: datetime, by_community: bool = False):
    resolve_counted = and_(Ticket.resolve_due_at.is_not(None),
                           or_(Ticket.resolved_at.is_not(None), Ticket.resolve_due_at < as_of))
    resolve_met = and_(Ticket.resolve_due_at.is_not(None), Ticket.resolved_at <= Ticket.resolve_due_at)
    arrive_counted = and_(Ticket.arrive_due_at.is_not(None),
                          or_(Ticket.on_site_at.is_not(None), Ticket.arrive_due_at < as_of))
    arrive_met = and_(Ticket.arrive_due_at.is_not(None), Ticket.on_site_at <= Ticket.arrive_due_at)
    keys = (Ticket.kind, Ticket.category, Ticket.status, Ticket.priority)
    community = Ticket.community_id if by_community else null()
    stmt = (
        select(community.label("community_id"), *keys,
               func.count().label("n"),
               func.count(Ticket.rating).label("rated"),
               func.coalesce(func.sum(Ticket.rating), 0).label("rating_sum"),
               _flag(Ticket.reopened_count > 0).label("reopened"),
               _flag(resolve_counted).label("resolve_counted"),
               _flag(resolve_met).label("resolve_met"),
               _flag(arrive_counted).label("arrive_counted"),
               _flag(arrive_met).label("arrive_met"))
        .where(*period_filter(period, community_ids))
        .group_by(*keys, *([Ticket.community_id] if by_community else []))
    )
    return db.session.execute(stmt).all()


def _pick(value, rank, n, p: int):
    """Nearest rank: the value whose rank r is the smallest with 100·r ≥ p·n (r = ceil(p·n/100)),
    in integer arithmetic, so both databases agree to the last digit."""
    return func.max(case((and_(value.is_not(None), rank * 100 >= n * p, rank * 100 < n * p + 100), value)))


DURATIONS = ("response", "resolution")


def _percentiles(period: Period, community_ids, by_community: bool) -> dict:
    """{None: the figures of all the communities, community id: its own (with `by_community`)}.

    One statement: the ranks over all the rows and, with `by_community`, over each community's
    rows (PARTITION BY community_id) are taken in one pass over the index range; the totals are
    one aggregate of it, the breakdown another (GROUP BY community_id), joined by UNION ALL."""
    durations = {"response": (Ticket.accepted_at, seconds_between(Ticket.created_at, Ticket.accepted_at)),
                 "resolution": (Ticket.resolved_at, seconds_between(Ticket.created_at, Ticket.resolved_at))}
    columns = [Ticket.community_id.label("community_id")]
    for name, (stamp, seconds) in durations.items():
        columns += [
            seconds.label(name),
            # Rows without the timestamp form their own partition, so those with it rank 1..n.
            func.row_number().over(partition_by=stamp.is_(None), order_by=seconds).label(f"{name}_rank"),
            func.count(stamp).over().label(f"{name}_n"),
        ]
        if by_community:
            columns += [
                func.row_number().over(partition_by=(Ticket.community_id, stamp.is_(None)),
                                       order_by=seconds).label(f"{name}_crank"),
                func.count(stamp).over(partition_by=Ticket.community_id).label(f"{name}_cn"),
            ]
    ranked = select(*columns).where(*period_filter(period, community_ids))
    ranked = (ranked.cte("ranked") if by_community else ranked.subquery("ranked"))

    def picks(rank_suffix: str, n_suffix: str) -> list:
        out = []
        for name in DURATIONS:
            value, rank, n = ranked.c[name], ranked.c[f"{name}{rank_suffix}"], ranked.c[f"{name}{n_suffix}"]
            out.append(func.count(value).label(f"{name}_count"))
            out += [_pick(value, rank, n, p).label(f"{name}_p{p}") for p in PERCENTILES]
        return out

    stmt = select(cast(null(), Integer).label("community_id"), *picks("_rank", "_n"))
    if by_community:
        stmt = union_all(stmt, select(ranked.c.community_id, *picks("_crank", "_cn"))
                         .group_by(ranked.c.community_id))
    out = {}
    for row in db.session.execute(stmt).mappings():
        figures = {}
        for name in DURATIONS:
            figures[name] = {"count": row[f"{name}_count"]}
            for p in PERCENTILES:
                seconds = row[f"{name}_p{p}"]
                figures[name][f"p{p}_minutes"] = minutes_value(None if seconds is None else int(seconds))
        out[row["community_id"]] = figures
    return out


SUMS = ("total", "cancelled", "done", "complaints", "complaints_cancelled", "complaints_done", "rated", "rating_sum",
        "reopened", "resolve_counted", "resolve_met", "arrive_counted", "arrive_met")


CANCELLED, DONE_VALUES, COMPLAINT = Status.cancelled.value, frozenset(s.value for s in DONE), Kind.complaint.value


class _Tally:
    """The sums of some GROUP BY rows (one community's), and of several tallies (`merge`)."""

    def __init__(self):
        self.by_kind = {k.value: 0 for k in Kind}
        self.by_status = {s.value: 0 for s in Status}
        self.by_priority = {p.value: 0 for p in Priority}
        self.by_category: dict[str, int] = {}
        self.sums = dict.fromkeys(SUMS, 0)

    def add(self, row) -> None:
        # positional: thousands of rows tenant-wide, where attribute and mapping access shows
        (_, kind, category, status, priority, n, rated, rating_sum, reopened,
         resolve_counted, resolve_met, arrive_counted, arrive_met) = row
        kind, status, priority = getattr(kind, "value", kind), getattr(status, "value", status), \
            getattr(priority, "value", priority)
        sums = self.sums
        self.by_kind[kind] += n
        self.by_status[status] += n
        self.by_priority[priority] += n
        self.by_category[category] = self.by_category.get(category, 0) + n
        sums["total"] += n
        sums["rated"] += rated
        sums["rating_sum"] += int(rating_sum)
        sums["reopened"] += int(reopened)
        cancelled, done = status == CANCELLED, status in DONE_VALUES
        if cancelled:
            sums["cancelled"] += n
        if done:
            sums["done"] += n
        if kind == COMPLAINT:
            sums["complaints"] += n
            sums["complaints_cancelled"] += n if cancelled else 0
            sums["complaints_done"] += n if done else 0
        if not cancelled:  # a cancelled ticket meets or misses no deadline
            sums["resolve_counted"] += int(resolve_counted)
            sums["resolve_met"] += int(resolve_met)
            sums["arrive_counted"] += int(arrive_counted)
            sums["arrive_met"] += int(arrive_met)

    def merge(self, other: _Tally) -> None:
        for mine, theirs in ((self.by_kind, other.by_kind), (self.by_status, other.by_status),
                             (self.by_priority, other.by_priority), (self.by_category, other.by_category),
                             (self.sums, other.sums)):
            for key, n in theirs.items():
                mine[key] = mine.get(key, 0) + n

    def figures(self, durations: dict) -> dict:
        sums, total = self.sums, self.sums["total"]
        return {
            "total": total,
            "open": sum(self.by_status[s.value] for s in OPEN),
            "by_kind": self.by_kind,
            "by_category": dict(sorted(self.by_category.items(), key=lambda kv: (-kv[1], kv[0]))),
            "by_status": self.by_status,
            "by_priority": self.by_priority,
            **durations,
            "completion_rate": _rate(sums["done"], total - sums["cancelled"]),
            "complaint_closure_rate": _rate(sums["complaints_done"],
                                            sums["complaints"] - sums["complaints_cancelled"]),
            "resolve_sla_rate": _rate(sums["resolve_met"], sums["resolve_counted"]),
            "arrive_sla_rate": _rate(sums["arrive_met"], sums["arrive_counted"]),
            "satisfaction": {"average": round(sums["rating_sum"] / sums["rated"], 2) if sums["rated"] else None,
                             "rated": sums["rated"]},
            "reopened_rate": _rate(sums["reopened"], total),
        }


def _no_durations() -> dict:
    return {name: {"count": 0, **{f"p{p}_minutes": None for p in PERCENTILES}} for name in DURATIONS}


def compute(period: Period, community_ids, as_of: datetime | None = None, *, by_community: bool = False) -> dict:
    """The KPIs of the tickets created in `period` in the given communities (an iterable of
    ids, already checked readable by the caller) of the current tenant. Call it inside a tenant
    context (a request or `tenant_context`): the ORM adds the tenant, RLS checks it again.

    With `by_community`, `communities` maps each given id to its own figures (the same keys,
    zeros and nulls for a community without tickets), from the same two statements (GROUP BY
    community_id, PARTITION BY community_id): their counts add up to the totals."""
    as_of = as_of or datetime.now(UTC)
    community_ids = sorted(set(community_ids))
    total, tallies = _Tally(), {c: _Tally() for c in community_ids}
    for row in _grouped(period, community_ids, as_of, by_community):
        (tallies[row[0]] if by_community else total).add(row)
    if by_community:
        for tally in tallies.values():
            total.merge(tally)
    durations = _percentiles(period, community_ids, by_community)
    out = {
        "community_ids": community_ids,
        "period": {"from": period.first, "to": period.last, "start": period.start, "end": period.end,
                   "timezone": "Asia/Shanghai"},
        "as_of": as_of,
        **total.figures(durations[None]),
    }
    if by_community:
        out["communities"] = {c: tallies[c].figures(durations.get(c) or _no_durations()) for c in community_ids}
    return out


# --- the weekly trend ---------------------------------------------------------------------------

TREND_WEEKS = 12


def trend_weeks(last: date, weeks: int = TREND_WEEKS) -> list[date]:
    """The Mondays of the `weeks` weeks (Monday to Sunday, Beijing time) ending with the week
    that holds `last`, oldest first."""
    monday = last - timedelta(days=last.weekday())
    return [monday - timedelta(weeks=weeks - 1 - i) for i in range(weeks)]


def _per_week(stamp, first: date, weeks: int, community_ids) -> list:
    """(community_id, week index, count) of the tickets whose `stamp` falls in the weeks."""
    span = Period(first, first + timedelta(days=7 * weeks - 1))
    # the week by comparing instants, exactly as the period's bounds are compared (no arithmetic
    # on timestamps: SQLite rounds their microseconds when it converts them)
    week = case(*((stamp < Period(first, first + timedelta(days=7 * i + 6)).end, i) for i in range(weeks - 1)),
                else_=weeks - 1).label("week")
    ids = sorted(community_ids)
    stmt = (select(Ticket.community_id, week, func.count())
            .where(stamp >= span.start, stamp < span.end,
                   Ticket.community_id == ids[0] if len(ids) == 1 else Ticket.community_id.in_(ids or [-1]))
            .group_by(Ticket.community_id, week))
    return db.session.execute(stmt).all()


def weekly_trend(last: date, community_ids, weeks: int = TREND_WEEKS) -> dict:
    """Tickets created and tickets resolved per week over the `weeks` weeks (Monday to Sunday,
    Beijing time) ending with the week that holds `last`, in the given communities (ids already
    checked readable), in all and community by community.

    - created: `created_at` in the week;
    - resolved: `resolved_at` in the week, whenever created (a reopened ticket counts when it is
      resolved again: reopening clears resolved_at), as the dashboard's "resolved this month".

    Two statements (one per timestamp), each grouped by community and week, never one per week
    or per community. Weeks after today simply count nothing.

        {"weeks": [date of each Monday], "created": [n per week], "resolved": [n per week],
         "communities": {id: {"created": [...], "resolved": [...]}}}
    """
    mondays = trend_weeks(last, weeks)
    ids = sorted(set(community_ids))
    out = {"weeks": mondays, "created": [0] * weeks, "resolved": [0] * weeks,
           "communities": {c: {"created": [0] * weeks, "resolved": [0] * weeks} for c in ids}}
    for key, stamp in (("created", Ticket.created_at), ("resolved", Ticket.resolved_at)):
        for community, week, n in _per_week(stamp, mondays[0], weeks, ids):
            if 0 <= week < weeks and community in out["communities"]:
                out[key][week] += n
                out["communities"][community][key][week] += n
    return out


__all__ = ["LOCAL_TZ", "MAX_DAYS", "Period", "compute", "epoch_seconds", "local", "period_filter", "seconds_between", "trend_weeks", "weekly_trend"]
