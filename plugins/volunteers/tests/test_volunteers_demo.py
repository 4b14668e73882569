"""`wuye demo` run for real (a process, like tests/test_cli.py): 海景北社区居民服务联盟 at the seeds'
scale — 90 serving party members and 280 volunteers — with its teams, the weekly clean-up's last 8
weeks confirmed as service records, upcoming activities with a waiting list, trainings, tasks in
every state; phones encrypted at rest; the demo users sign in and see the alliance; a second run
adds nothing. Slow (the whole demo): one test. And the module on its own, in-process: a few
statements whatever the size."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import event, func, select, text
from wuye_volunteers import figures
from wuye_volunteers.demo import (
    SEED_PARTY,
    SEED_VOLUNTEERS,
    SMALL_PARTY,
    SMALL_VOLUNTEERS,
    ticket_for_alliance,
)
from wuye_volunteers.models import (
    Activity,
    Alliance,
    Member,
    MemberSkill,
    Series,
    ServiceRecord,
    Signup,
    Task,
    Team,
    TeamMember,
    Training,
    TrainingAttendance,
)

from wuye_core.plugins import LOCAL_TZ, Community, db, local_now, staff_holding, tenant_context

WUYE = str(Path(sys.executable).with_name("wuye"))
TABLES = ("volunteers_alliances", "volunteers_members", "volunteers_member_skills", "volunteers_teams",
          "volunteers_team_members", "volunteers_series", "volunteers_activities", "volunteers_signups",
          "volunteers_records", "volunteers_tasks", "volunteers_trainings", "volunteers_training_attendance",
          "volunteers_time_bank")
DEMO_USERS = {"lianmeng": ("jinghe-alliance-2026", "volunteers_manager"),
              "zuzhi": ("jinghe-organiser-2026", "volunteers_organiser")}


@pytest.fixture
def wuye_cli(wuye_app, wuye_backend, tmp_path):
    settings = wuye_app.config["WUYE"]
    env = {**os.environ, "WUYE_DATABASE_URL": wuye_backend.app_url, "WUYE_MIGRATE_DATABASE_URL": wuye_backend.owner_url,
           "WUYE_SECRET_KEY": settings.secret_key, "WUYE_PASSWORD_TIME_COST": "1",
           "WUYE_PASSWORD_MEMORY_COST": "1024", "WUYE_LOG_LEVEL": "WARNING"}
    env.pop("WUYE_REDIS_URL", None)

    def run(*args):
        result = subprocess.run([WUYE, *args], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, result.stderr
        return result

    return run


def _counts(wuye_owner_engine, wuye_backend, tenant_id) -> dict:
    with wuye_owner_engine.connect() as conn:
        if wuye_backend.is_postgresql:
            conn.execute(text("select set_config('app.tenant_id', :t, false)"), {"t": str(tenant_id)})
        return {t: conn.execute(text(f"select count(*) from {t} where tenant_id = :t"), {"t": tenant_id}).scalar()
                for t in TABLES}


def _valid_id(number: str) -> bool:
    weights = [2 ** (17 - i) % 11 for i in range(17)]
    return len(number) == 18 and number[:17].isdigit() and \
        number[17] == "10X98765432"[sum(int(d) * w for d, w in zip(number[:17], weights, strict=True)) % 11]


def test_the_demo_is_the_seeds_alliance_and_idempotent(wuye_app, wuye_cli, wuye_owner_engine, wuye_backend):
    first = json.loads(wuye_cli("demo", "--json").stdout)
    jinghe = next(t for t in first["tenants"] if t["slug"] == "jinghe")
    listed = {u["username"]: (u["password"], u["role"]) for u in jinghe["users"]}
    assert {name: listed.get(name) for name in DEMO_USERS} == DEMO_USERS
    with wuye_owner_engine.connect() as conn:
        tenant_id = conn.execute(text("select id from tenants where slug = 'jinghe'")).scalar()
    counts = _counts(wuye_owner_engine, wuye_backend, tenant_id)

    now = local_now()
    plain = []
    with wuye_app.app_context(), tenant_context(tenant_id):
        codes = dict(db.session.execute(select(Community.code, Community.id)).all())
        hjb, daoxiang = codes["haijingbei"], codes["daoxiang"]
        assert db.session.get(Community, hjb).name == "海景北社区"
        alliance = db.session.scalar(select(Alliance).where(Alliance.community_id == hjb))
        assert alliance.name == "海景北社区居民服务联盟" and alliance.founded_on == date(2017, 6, 1)

        # the seeds' 90 + 280, active; and the three who left
        kinds = dict(db.session.execute(select(Member.kind, func.count()).where(
            Member.community_id == hjb, Member.status == "active").group_by(Member.kind)).all())
        assert kinds["party_member"] == SEED_PARTY == 90
        assert kinds["volunteer"] + kinds["professional"] == SEED_VOLUNTEERS == 280
        assert kinds["professional"] == 52
        assert db.session.scalar(select(func.count()).select_from(Member).where(
            Member.community_id == hjb, Member.status == "left", Member.left_on.is_not(None))) == 3
        members = db.session.scalars(select(Member).where(Member.community_id == hjb)).all()
        party = [m for m in members if m.kind == "party_member"]
        assert all(m.party_org and m.party_org.endswith(("党支部", "党总支")) and m.party_reported_on for m in party)
        assert len({m.party_org for m in party}) >= 10 and "径河中学党支部" in {m.party_org for m in party}
        assert len({m.name for m in members}) == len(members)  # no name twice
        for m in members:
            assert len(m.phone) == 11 and m.phone.startswith("1"), m.phone
            assert m.id_number is None or _valid_id(m.id_number), m.id_number
            plain.append((m.id, m.phone))
        consented = sum(m.consent_contact for m in members)
        assert 0.75 * len(members) < consented < 0.95 * len(members)
        linked = [m for m in members if m.resident_id is not None]
        assert len(linked) > 50  # members who live in the register

        # skills: the seeds' 医疗卫生、法律咨询、电器修理、缝纫, with levels; a training confirmed some
        skills = dict(db.session.execute(select(MemberSkill.skill, func.count()).where(
            MemberSkill.community_id == hjb).group_by(MemberSkill.skill)).all())
        assert all(skills.get(s, 0) >= 6 for s in ("medical", "legal", "electrical_repair", "sewing", "cleaning"))
        levels = set(db.session.scalars(select(MemberSkill.level).where(MemberSkill.community_id == hjb)).all())
        assert levels == {"basic", "skilled", "expert"}
        confirmed = db.session.scalars(select(MemberSkill).where(MemberSkill.community_id == hjb,
                                                                 MemberSkill.confirmed_by_training_id.is_not(None))).all()
        assert len(confirmed) >= 10 and {s.skill for s in confirmed} == {"electrical_repair", "sewing"}
        trainings = db.session.scalars(select(Training).where(Training.community_id == hjb)).all()
        assert {t.skill for t in trainings} == {"electrical_repair", "sewing", "medical"}
        assert db.session.scalar(select(func.count()).select_from(TrainingAttendance).where(
            TrainingAttendance.community_id == hjb, TrainingAttendance.attended.is_(True))) >= 20

        # teams, one member in several
        teams = dict(db.session.execute(select(Team.name, Team.id).where(Team.community_id == hjb)).all())
        assert {"环保督导队", "治安巡逻队", "法律服务队", "医疗服务队", "便民维修队"} <= set(teams)
        sizes = dict(db.session.execute(select(TeamMember.team_id, func.count()).where(
            TeamMember.community_id == hjb).group_by(TeamMember.team_id)).all())
        assert sizes[teams["环保督导队"]] >= 100 and sizes[teams["治安巡逻队"]] >= 30
        assert db.session.scalar(select(func.count()).select_from(
            select(TeamMember.member_id).where(TeamMember.community_id == hjb).group_by(TeamMember.member_id)
            .having(func.count() > 1).subquery())) > 20

        # the weekly clean-up: Saturdays 08:30, the last 8 made, confirmed but the latest
        cleaning = db.session.scalar(select(Series).where(Series.community_id == hjb, Series.weekday == 5))
        assert cleaning.title == "每周六上午 小区清洁" and cleaning.team_id == teams["环保督导队"]
        made = db.session.scalars(select(Activity).where(Activity.series_id == cleaning.id)
                                  .order_by(Activity.starts_at)).all()
        past = [a for a in made if a.ends_at < now]
        assert len(past) in (8, 9)  # 9 when today's clean-up is over
        assert all(a.starts_at.astimezone(LOCAL_TZ).weekday() == 5 for a in made)
        assert all(a.starts_at.astimezone(LOCAL_TZ).strftime("%H:%M") == "08:30" for a in made)
        assert [a.status for a in past] == ["confirmed"] * (len(past) - 1) + ["open"]
        records = db.session.scalar(select(func.count()).select_from(ServiceRecord).where(
            ServiceRecord.source == "activity", ServiceRecord.source_id.in_([a.id for a in past])))
        assert records > 20 * (len(past) - 1)
        # every confirmed sign-up points at its record, with the same minutes
        pairs = db.session.execute(select(Signup.minutes, ServiceRecord.minutes).join(
            ServiceRecord, ServiceRecord.id == Signup.record_id).where(Signup.community_id == hjb)).all()
        assert pairs and all(a == b for a, b in pairs)
        # the latest clean-up's hours wait for the organiser: checked in, nothing recorded
        latest = past[-1]
        assert db.session.scalar(select(func.count()).select_from(Signup).where(
            Signup.activity_id == latest.id, Signup.checked_in_at.is_not(None))) > 20
        assert db.session.scalar(select(func.count()).select_from(ServiceRecord).where(
            ServiceRecord.source == "activity", ServiceRecord.source_id == latest.id)) == 0

        # upcoming: the 义诊 is full with three waiting
        clinic = db.session.scalar(select(Activity).where(Activity.community_id == hjb, Activity.title == "健康义诊进小区",
                                                          Activity.starts_at > now))
        statuses = dict(db.session.execute(select(Signup.status, func.count()).where(
            Signup.activity_id == clinic.id).group_by(Signup.status)).all())
        assert statuses == {"confirmed": 8, "waiting": 3} and clinic.capacity == 8

        # tasks in every state, the done ones with their record; one from a ticket
        states = dict(db.session.execute(select(Task.status, func.count()).where(
            Task.community_id == hjb).group_by(Task.status)).all())
        assert set(states) == {"offered", "accepted", "done", "cancelled"}
        done = db.session.scalars(select(Task).where(Task.community_id == hjb, Task.status == "done")).all()
        assert all(t.record_id and t.minutes and t.done_at <= now for t in done)
        ticket, skill = ticket_for_alliance(hjb)  # an open ticket the alliance can help with, if the demo has one
        handed = db.session.scalars(select(Task).where(Task.community_id == hjb, Task.source == "ticket")).all()
        assert [(t.source_ref, t.skill, t.status) for t in handed] == ([] if ticket is None else
                                                                      [(ticket["id"], skill, "accepted")])

        # the figures: the seeds' numbers, hours this year and this month
        c = figures.community_figures(hjb)
        assert (c["members"], c["party_members"], c["volunteers"] + c["professionals"]) == (370, 90, 280)
        assert c["year_minutes"] > 0 and c["active_month"] > 0 and c["tasks_open"] > 0
        month_start, _ = figures.month_bounds(now.date())
        if now - month_start > timedelta(minutes=80):  # a task was done within the last hour
            assert c["month_minutes"] > 0
        todo = figures.needs_doing(hjb)
        assert todo["unconfirmed_count"] >= 1 and todo["offered_count"] >= 3 and todo["upcoming_count"] >= 1

        # elsewhere a small alliance
        assert db.session.scalar(select(func.count()).select_from(Member).where(
            Member.community_id == daoxiang)) == SMALL_PARTY + SMALL_VOLUNTEERS == 20
        assert figures.community_figures(daoxiang)["year_minutes"] > 0

        # the demo users hold their role in 海景北
        for role in ("volunteers_manager", "volunteers_organiser"):
            assert len(staff_holding([role], hjb)) == 1
        db.session.remove()

    # at rest: ciphertext, never the phone
    with wuye_owner_engine.connect() as conn:
        if wuye_backend.is_postgresql:
            conn.execute(text("select set_config('app.tenant_id', :t, false)"), {"t": str(tenant_id)})
        raw = dict(conn.execute(text("select id, phone from volunteers_members where tenant_id = :t"),
                                {"t": tenant_id}).all())
    assert all(phone not in raw[member_id] and phone[-4:] not in raw[member_id] for member_id, phone in plain)

    # the demo users sign in and see the alliance
    for username, (password, _role) in DEMO_USERS.items():
        client = wuye_app.test_client()
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/console/sign-in").get_data(as_text=True))
        r = client.post("/console/sign-in", data={"tenant": "jinghe", "username": username, "password": password,
                                                  "csrf_token": csrf.group(1)})
        assert r.status_code in (302, 303), r.get_data(as_text=True)[:500]
        r = client.get("/console/plugins/volunteers/")
        assert r.status_code == 302 and r.headers["Location"].endswith(f"/communities/{hjb}")
        page = client.get(r.headers["Location"]).get_data(as_text=True)
        assert "海景北社区" in page and '<span class="value">370</span>' in page and '<span class="value">90</span>' in page
        token = client.post("/api/v1/auth/token", json={"tenant": "jinghe", "username": username,
                                                        "password": password}).get_json()["access_token"]
        r = client.get(f"/api/v1/communities/{hjb}/dashboard", headers={"Authorization": f"Bearer {token}"})
        mine = {f["key"]: f["value"] for f in r.get_json()["figures"] if f["plugin"] == "volunteers"}
        assert mine["volunteers_members"] == 370 and mine["volunteers_members_party"] == 90

    # idempotent: a second run adds nothing
    second = json.loads(wuye_cli("demo", "--json").stdout)
    assert second == first
    assert _counts(wuye_owner_engine, wuye_backend, tenant_id) == counts
    assert counts["volunteers_members"] == 373 + 20 and counts["volunteers_time_bank"] == 0
    assert counts["volunteers_records"] > 300 and counts["volunteers_signups"] > 400


def test_the_module_alone_is_quick_and_writes_in_bulk(wuye_app, wuye_backend, wuye_make_tenant, wuye_register,
                                                      wuye_enable_plugin):
    """add_demo_data in a community named 海景北社区 of a test tenant: the seeds' scale in seconds —
    on PostgreSQL in a few dozen statements (a bulk insert per table, nothing row by row; SQLite's
    driver sends bulk inserts a row at a time) — then nothing on a second call."""
    from wuye_volunteers.demo import add_demo_data

    tenant = wuye_make_tenant("acme")
    ids = wuye_register(tenant, prefix="海景北")  # the community 海景北社区, its resident 海景北张三 (党员)
    wuye_enable_plugin(tenant, "volunteers", ids["community"])
    seen = []
    with wuye_app.test_request_context(), tenant_context(tenant.id):
        engine = db.engine
        listener = lambda *args, **kw: seen.append(1)  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        try:
            started = time.monotonic()
            add_demo_data(ids["community"], {}, local_now().date())
            db.session.commit()
            took = time.monotonic() - started
            first = len(seen)
            add_demo_data(ids["community"], {}, local_now().date())
            again = len(seen) - first
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        assert db.session.scalar(select(func.count()).select_from(Member).where(
            Member.community_id == ids["community"], Member.status == "active")) == 370
        # the register's one adult resident with a phone (tagged 党员) is a serving party member now
        linked = db.session.scalar(select(Member).where(Member.resident_id == ids["resident"]))
        assert linked is not None and linked.name == "海景北张三" and linked.kind == "party_member"
        db.session.remove()
    assert again == 1  # the marker: members exist
    assert took < 30, took  # about a second
    if wuye_backend.is_postgresql:
        assert first < 60, first
