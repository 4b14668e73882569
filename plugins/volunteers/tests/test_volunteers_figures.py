"""The alliance's figures on a small known alliance: the functions at a fixed moment (exact
numbers: members by kind, this month and this year, tasks, activities, the report's section, what
needs doing), the core's dashboard and report through the hooks, the console's overview page and
home panel, and the number of statements, which does not grow with the alliance."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import event

from wuye_core.plugins import LOCAL_TZ, db, local_now, tenant_context

_serial = itertools.count(1)

# the fixed moment of the exact tests: Monday 15 June 2026, 10:00 in Beijing
NOW = datetime(2026, 6, 15, 10, 0, tzinfo=LOCAL_TZ)


def bj(y, m, d, hh=9, mm=0) -> datetime:
    """A Beijing clock time as an aware instant."""
    return datetime(y, m, d, hh, mm, tzinfo=LOCAL_TZ)


class Rows:
    """Rows straight into the plugin's tables (the areas' own services are other modules'),
    inside the tenant's context; committed at the end of the `with`."""

    def __init__(self, app, tenant_id: int, community_id: int):
        self.app, self.tenant_id, self.community_id = app, tenant_id, community_id

    def __enter__(self) -> Rows:
        self._ctx = self.app.app_context()
        self._ctx.push()
        self._tenant = tenant_context(self.tenant_id)
        self._tenant.__enter__()
        return self

    def __exit__(self, kind, value, tb) -> None:
        try:
            if kind is None:
                db.session.commit()
            else:
                db.session.rollback()
        finally:
            db.session.remove()
            self._tenant.__exit__(kind, value, tb)
            self._ctx.pop()

    def _add(self, row) -> int:
        db.session.add(row)
        db.session.flush()
        return row.id

    def member(self, name: str, kind: str = "volunteer", *, joined_on: date = date(2025, 3, 1),
               status: str = "active", left_on: date | None = None) -> int:
        from wuye_volunteers.models import Member

        return self._add(Member(community_id=self.community_id, name=name, kind=kind, phone="13800000000",
                                joined_on=joined_on, status=status, left_on=left_on, availability=[],
                                consent_contact=True, created_by="test"))

    def team(self, name: str, members: list[int], kind: str = "environment") -> int:
        from wuye_volunteers.models import Team, TeamMember

        team_id = self._add(Team(community_id=self.community_id, name=name, kind=kind, leader_member_id=members[0],
                                 created_by="test"))
        db.session.add_all(TeamMember(community_id=self.community_id, team_id=team_id, member_id=m,
                                      joined_on=date(2025, 3, 1)) for m in members)
        db.session.flush()
        return team_id

    def record(self, member_id: int, started_at: datetime, minutes: int, *, source: str = "manual",
               source_id: int | None = None) -> int:
        from wuye_volunteers.models import ServiceRecord

        return self._add(ServiceRecord(
            community_id=self.community_id, member_id=member_id, source=source, source_id=source_id,
            content="小区清洁", place="海景花园", started_at=started_at,
            ended_at=started_at + timedelta(minutes=minutes), minutes=minutes, organiser="海景北社区居民服务联盟",
            confirmed_by="test", confirmed_at=started_at + timedelta(minutes=minutes + 30), corrections=0))

    def activity(self, title: str, starts_at: datetime, *, minutes: int = 120, capacity: int | None = None,
                 status: str = "open") -> int:
        from wuye_volunteers.models import Activity

        return self._add(Activity(
            community_id=self.community_id, title=title, place="海景花园", starts_at=starts_at,
            ends_at=starts_at + timedelta(minutes=minutes), capacity=capacity, skills_wanted=[], status=status,
            checkin_token=f"token-{next(_serial)}-{self.community_id}", organiser="test", created_by="test"))

    def signup(self, activity_id: int, member_id: int, *, status: str = "confirmed",
               checked_in_at: datetime | None = None) -> int:
        from wuye_volunteers.models import Signup

        return self._add(Signup(community_id=self.community_id, activity_id=activity_id, member_id=member_id,
                                status=status, signed_up_at=datetime(2026, 1, 1, tzinfo=UTC),
                                checked_in_at=checked_in_at))

    def task(self, title: str, status: str = "offered", *, created_at: datetime | None = None,
             done_at: datetime | None = None, skill: str | None = None, member_id: int | None = None) -> int:
        from wuye_volunteers.models import Task

        return self._add(Task(community_id=self.community_id, source="request", title=title, status=status,
                              skill=skill, member_id=member_id, done_at=done_at, created_by="test",
                              created_at=created_at or bj(2026, 5, 20)))

    def training(self, held_on: date, attended: list[int], absent: list[int] = ()) -> int:
        from wuye_volunteers.models import Training, TrainingAttendance

        training_id = self._add(Training(community_id=self.community_id, title="家电维修培训",
                                         skill="electrical_repair", held_on=held_on, minutes=120, created_by="test"))
        db.session.add_all(TrainingAttendance(community_id=self.community_id, training_id=training_id, member_id=m,
                                              attended=m not in absent, passed=m not in absent, recorded_by="test")
                           for m in [*attended, *absent])
        db.session.flush()
        return training_id


@pytest.fixture
def alliance(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    """At NOW (15 June 2026): members — party members 党一 and 党二 (党三 left in April), volunteers
    志一…志四, professionals 专一 and 专二 (专一 joined 3 June). Records: 党一 120 + 60 min this
    month, 志一 90 this month, 志二 45 in March, 志三 30 on 31 May 23:30 (Beijing: May), 党三 200
    last December (another year). Teams: 环保督导队 (党一, 志一, 志二), 法律服务队 (专二, 志一).
    Tasks: two offered, one accepted, one done this month, one done in May, one cancelled.
    Activities: 周六清洁 on 13 June (past, hours not confirmed, two signed up, one checked in),
    义诊 on 17 June (capacity 2, one signed up + one cancelled: 1 free), 法律咨询 on 18 June (full),
    巡逻 on 25 June (beyond 7 days), a cancelled one on 16 June, and 5 May's (confirmed)."""
    tenant = wuye_make_tenant("acme")
    ids = wuye_register(tenant)
    community = ids["community"]
    wuye_enable_plugin(tenant, "volunteers", community)
    with Rows(wuye_app, tenant.id, community) as rows:
        p1 = rows.member("党一", "party_member")
        rows.member("党二", "party_member")
        p3 = rows.member("党三", "party_member", status="left", left_on=date(2026, 4, 10))
        v1, v2, v3, v4 = (rows.member(n) for n in ("志一", "志二", "志三", "志四"))
        e1 = rows.member("专一", "professional", joined_on=date(2026, 6, 3))
        e2 = rows.member("专二", "professional")
        rows.record(p1, bj(2026, 6, 1, 0, 30), 120)  # the month's first hour, Beijing (31 May 16:30 UTC)
        rows.record(p1, bj(2026, 6, 13), 60)
        rows.record(v1, bj(2026, 6, 14), 90)
        rows.record(v2, bj(2026, 3, 8), 45)
        rows.record(v3, bj(2026, 5, 31, 23, 0), 30)  # May in Beijing, though it ends in June
        rows.record(p3, bj(2025, 12, 20), 200)
        rows.team("环保督导队", [p1, v1, v2])
        rows.team("法律服务队", [e2, v1], kind="professional")
        rows.task("修理楼道灯", created_at=bj(2026, 6, 2), skill="electrical_repair")
        rows.task("法律咨询：遗产继承", created_at=bj(2026, 6, 10), skill="legal")
        rows.task("陪同就医", "accepted", member_id=v4)
        rows.task("缝补窗帘", "done", done_at=bj(2026, 6, 12, 15), member_id=e1, created_at=bj(2026, 6, 5))
        rows.task("更换水龙头", "done", done_at=bj(2026, 5, 30, 15), member_id=e2)
        rows.task("取消的需求", "cancelled")
        past = rows.activity("周六清洁", bj(2026, 6, 13, 8, 30), capacity=30)
        rows.signup(past, p1, checked_in_at=bj(2026, 6, 13, 8, 25))
        rows.signup(past, v1)
        clinic = rows.activity("义诊", bj(2026, 6, 17, 9), capacity=2)
        rows.signup(clinic, e1)
        rows.signup(clinic, v2, status="cancelled")
        law = rows.activity("法律咨询", bj(2026, 6, 18, 14), capacity=1)
        rows.signup(law, e2)
        rows.activity("治安巡逻", bj(2026, 6, 25, 19), capacity=None)
        rows.activity("取消的活动", bj(2026, 6, 16, 9), status="cancelled")
        may = rows.activity("五月清洁", bj(2026, 5, 9, 8, 30), status="confirmed")
        rows.signup(may, v3, checked_in_at=bj(2026, 5, 9, 8, 20))
        rows.training(date(2026, 6, 6), attended=[e1, e2], absent=[v4])
        rows.training(date(2026, 4, 6), attended=[v1])
    return {"tenant": tenant, "ids": ids, "community": community, "app": wuye_app,
            "members": {"p1": p1, "v1": v1, "v4": v4, "e1": e1}}


def _call(alliance, fn):
    with alliance["app"].test_request_context(), tenant_context(alliance["tenant"].id):
        try:
            return fn()
        finally:
            db.session.remove()


def test_figures_at_a_known_moment(alliance):
    from wuye_volunteers import figures

    got = _call(alliance, lambda: figures.community_figures(alliance["community"], NOW))
    assert got == {
        "members": 8, "party_members": 2, "volunteers": 4, "professionals": 2,
        "active_month": 2, "records_month": 3, "month_minutes": 270,  # 党一 120 + 60, 志一 90
        "year_minutes": 345,  # and 志二 45 in March, 志三 30 in May (not 党三's December)
        "tasks_done_month": 1, "tasks_open": 3, "tasks_offered": 2,
        "activities_month": 4,  # 13, 17, 18, 25 June, not the cancelled one
    }
    # a month later, in July: June's records are this year's, not this month's; nothing else moved
    july = _call(alliance, lambda: figures.community_figures(alliance["community"], NOW + timedelta(days=30)))
    assert (july["active_month"], july["month_minutes"], july["year_minutes"], july["tasks_done_month"],
            july["activities_month"]) == (0, 0, 345, 0, 0)
    # the next January: a new year
    january = _call(alliance, lambda: figures.community_figures(alliance["community"], bj(2027, 1, 2)))
    assert january["year_minutes"] == 0 and january["members"] == 8
    # at 00:45 on 1 June in Beijing (still 31 May in UTC) it is June: 党一's record of 00:30 is this
    # month's, 志三's of 23:00 the evening before is May's
    first_hour = _call(alliance, lambda: figures.community_figures(alliance["community"], bj(2026, 6, 1, 0, 45)))
    assert (first_hour["month_minutes"], first_hour["active_month"], first_hour["records_month"]) == (270, 2, 3)
    may = _call(alliance, lambda: figures.community_figures(alliance["community"], bj(2026, 5, 31, 23, 59)))
    assert (may["month_minutes"], may["active_month"], may["tasks_done_month"]) == (30, 1, 1)


def test_dashboard_figures_keys_units_and_values(alliance):
    from wuye_volunteers import figures

    got = _call(alliance, lambda: figures.dashboard_figures(alliance["community"], {}, now=NOW))
    assert {f.key: (f.value, f.unit) for f in got} == {
        "volunteers_members": (8, "人"),
        "volunteers_members_party": (2, "人"),
        "volunteers_members_volunteer": (4, "人"),
        "volunteers_members_professional": (2, "人"),
        "volunteers_active_month": (2, "人"),
        "volunteers_service_month_minutes": (270, "分钟"),
        "volunteers_service_year_minutes": (345, "分钟"),
        "volunteers_tasks_done_month": (1, "件"),
        "volunteers_tasks_open": (3, "件"),
        "volunteers_activities_month": (4, "场"),
    }
    assert all(isinstance(f.value, int) for f in got)
    assert all(f.label_zh and f.label_en for f in got)


def test_report_section_for_a_period(alliance):
    from wuye_volunteers import figures

    [section] = _call(alliance, lambda: figures.report_sections(alliance["community"], date(2026, 6, 1),
                                                                date(2026, 6, 30), {}, now=NOW))
    assert (section.key, section.title_zh, section.title_en) == ("volunteers", "居民服务联盟", "Volunteer alliance")
    rows = {row["label_zh"]: row["value"] for row in section.rows}
    assert rows == {
        "期末联盟成员（人）": 8,
        "其中：在职党员（人）": 2,
        "其中：志愿者（人）": 4,
        "其中：专业人士（人）": 2,
        "期内新加入（人）": 1,  # 专一
        "志愿服务记录（条）": 3,
        "参加服务的成员（人）": 2,
        "志愿服务时长（小时）": 4.5,
        "其中：在职党员服务时长（小时）": 3.0,
        "参加服务的在职党员（人）": 1,
        "交给联盟的居民需求（件）": 3,  # created 2, 5 and 10 June
        "完成的居民需求（件）": 1,
        "开展志愿活动（场）": 1,  # 13 June; the others are still to come at NOW
        "活动签到（人次）": 1,
        "技能培训（场）": 1,
        "培训参加（人次）": 2,
        "服务时长靠前的队伍：环保督导队（小时）": 4.5,  # 党一 3 h + 志一 1.5 h
        "服务时长靠前的队伍：法律服务队（小时）": 1.5,  # 志一
    }
    assert [row["label_zh"] for row in section.rows][-2:] == ["服务时长靠前的队伍：环保督导队（小时）",
                                                              "服务时长靠前的队伍：法律服务队（小时）"]
    assert all(row["label_en"] for row in section.rows)
    # the first quarter: 党三 (left 10 April) was still a member at its end, 专一 (joined in June) not yet
    [half] = _call(alliance, lambda: figures.report_sections(alliance["community"], date(2026, 1, 1),
                                                             date(2026, 3, 31), {}, now=NOW))
    rows = {row["label_zh"]: row["value"] for row in half.rows}
    assert rows["期末联盟成员（人）"] == 8
    assert rows["其中：在职党员（人）"] == 3 and rows["其中：专业人士（人）"] == 1
    assert rows["志愿服务时长（小时）"] == 0.75 and rows["开展志愿活动（场）"] == 0
    assert rows["服务时长靠前的队伍：环保督导队（小时）"] == 0.75


def test_what_needs_doing(alliance):
    from wuye_volunteers import figures

    todo = _call(alliance, lambda: figures.needs_doing(alliance["community"], NOW))
    # the next 7 days: 义诊 with 1 place free (a cancelled sign-up frees its place); 法律咨询 is full,
    # 巡逻 is 10 days away, the cancelled one is not open
    assert [(a["title"], a["free"]) for a in todo["upcoming"]] == [("义诊", 1)]
    assert todo["upcoming_count"] == 1
    assert [t["title"] for t in todo["offered"]] == ["修理楼道灯", "法律咨询：遗产继承"]
    assert todo["offered_count"] == 2
    assert [a["title"] for a in todo["unconfirmed"]] == ["周六清洁"] and todo["unconfirmed_count"] == 1


def test_the_core_dashboard_and_report_through_the_hooks(alliance):
    """The core asks the plugin at the real now: the members' counts do not depend on it."""
    tenant, community = alliance["tenant"], alliance["community"]
    viewer = tenant.user("viewer", "readonly", [community])
    r = viewer.get(f"/api/v1/communities/{community}/dashboard")
    assert r.status_code == 200, r.get_json()
    mine = {f["key"]: f for f in r.get_json()["figures"] if f["plugin"] == "volunteers"}
    assert len(mine) == 10
    assert (mine["volunteers_members"]["value"], mine["volunteers_members_party"]["value"]) == (8, 2)
    assert mine["volunteers_members"]["label_zh"] == "居民服务联盟成员"
    assert mine["volunteers_service_year_minutes"]["unit"] == "分钟"
    r = tenant.admin.get(f"/api/v1/communities/{community}/report",
                         query_string={"from": "2026-06-01", "to": "2026-06-30"})
    assert r.status_code == 200, r.get_json()
    [section] = [s for s in r.get_json()["sections"] if s["plugin"] == "volunteers"]
    rows = {row["label_zh"]: row["value"] for row in section["rows"]}
    assert rows["志愿服务时长（小时）"] == 4.5 and rows["期内新加入（人）"] == 1


def test_this_months_hours_at_the_real_now(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    """Without a fixed moment: a record in this month (Beijing) counts in the month and the year."""
    from wuye_volunteers import figures

    tenant = wuye_make_tenant("acme")
    ids = wuye_register(tenant)
    wuye_enable_plugin(tenant, "volunteers", ids["community"])
    month_start, _ = figures.month_bounds(local_now().date())
    with Rows(wuye_app, tenant.id, ids["community"]) as rows:
        m = rows.member("王桂荣")
        rows.record(m, month_start + timedelta(minutes=1), 90)
        rows.record(m, month_start - timedelta(days=400), 60)  # another year
    r = tenant.admin.get(f"/api/v1/communities/{ids['community']}/dashboard")
    mine = {f["key"]: f["value"] for f in r.get_json()["figures"] if f["plugin"] == "volunteers"}
    assert mine["volunteers_service_month_minutes"] == 90 and mine["volunteers_service_year_minutes"] == 90
    assert mine["volunteers_active_month"] == 1


def test_overview_page_and_home_panel(alliance):
    tenant, community = alliance["tenant"], alliance["community"]
    tenant.user("mgr", "volunteers_manager", [community])
    console = tenant.console("mgr", "password-123")
    r = console.get(f"/console/plugins/volunteers/communities/{community}")
    assert r.status_code == 200
    page = r.get_data(as_text=True)
    assert "在职党员" in page and "待办事项" in page
    assert f'href="/console/plugins/volunteers/communities/{community}/activities"' in page
    assert f'href="/console/plugins/volunteers/communities/{community}/tasks?status=offered"' in page
    # at the real now the fixed rows of June 2026 are past or future; the members are the same
    assert '<span class="value">8</span>' in page
    r = console.get("/console/")
    assert r.status_code == 200
    home = r.get_data(as_text=True)
    assert "居民服务联盟" in home and f'href="/console/plugins/volunteers/communities/{community}"' in home


def _statements(app, tenant_id, fn) -> int:
    seen = []
    with app.test_request_context(), tenant_context(tenant_id):
        engine = db.engine
        listener = lambda *args, **kw: seen.append(1)  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        try:
            fn()
        finally:
            event.remove(engine, "before_cursor_execute", listener)
            db.session.remove()
    return len(seen)


def test_statements_do_not_grow_with_the_alliance(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    """5 members, then 50 (with their records, teams, sign-ups, tasks, trainings): the same
    number of statements for every figure."""
    from wuye_volunteers import figures

    tenant = wuye_make_tenant("acme")
    ids = wuye_register(tenant)
    community = ids["community"]
    wuye_enable_plugin(tenant, "volunteers", community)

    def grow(to: int):
        with Rows(wuye_app, tenant.id, community) as rows:
            made = [rows.member(f"成员{next(_serial)}", ("volunteer", "party_member", "professional")[i % 3])
                    for i in range(to - counts["members"])]
            counts["members"] = to
            soon = rows.activity(f"活动{to}", NOW + timedelta(days=2), capacity=100)
            past = rows.activity(f"过去{to}", NOW - timedelta(days=2))
            for m in made:
                rows.record(m, NOW - timedelta(days=1), 60)
                rows.signup(soon, m)
                rows.signup(past, m, checked_in_at=NOW - timedelta(days=2))
                rows.task(f"需求{m}", created_at=NOW - timedelta(days=3))
            rows.team(f"队{to}", made)
            rows.training(NOW.date() - timedelta(days=4), attended=made)

    def cost() -> list[int]:
        calls = [
            lambda: figures.figures_by_community([community], NOW),
            lambda: figures.dashboard_figures(community, {}, now=NOW),
            lambda: figures.report_sections(community, date(2026, 6, 1), date(2026, 6, 30), {}, now=NOW),
            lambda: figures.needs_doing(community, NOW),
            lambda: figures.panel([community]),
        ]
        return [_statements(wuye_app, tenant.id, fn) for fn in calls]

    counts = {"members": 0}
    grow(5)
    few = cost()
    grow(50)
    many = cost()
    assert many == few, (few, many)
    assert few[0] <= 4 and few[2] <= 7 and few[3] <= 3
    got = _call({"app": wuye_app, "tenant": tenant}, lambda: figures.community_figures(community, NOW))
    assert got["members"] == 50 and got["year_minutes"] == 50 * 60 and got["tasks_offered"] == 50
