"""`wuye demo` run for real (a process, like tests/test_cli.py): 径河街's roster at the seeds' scale —
236 landless farmers on post today across the street — with personal data encrypted at rest, the
demo users signing in, and a second run adding nothing. Slow (the whole demo): one test."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from wuye_welfare_jobs.access import TEAM_LEADER, WORKER
from wuye_welfare_jobs.demo import KIND_ZH, SEED_TOTAL, SHARES
from wuye_welfare_jobs.models import (
    Assessment,
    Attendance,
    HealthCheck,
    Placement,
    Policy,
    Post,
    Roster,
    Worker,
)
from wuye_welfare_jobs.tenure import on_post

from wuye_core.plugins import Community, db, local_today, staff_holding, tenant_context

WUYE = str(Path(sys.executable).with_name("wuye"))
TABLES = ("welfare_jobs_posts", "welfare_jobs_workers", "welfare_jobs_placements", "welfare_jobs_attendance",
          "welfare_jobs_policies", "welfare_jobs_health_checks", "welfare_jobs_assessments")
DEMO_USERS = {"gongyi": ("jinghe-welfare-2026", "welfare_jobs_manager"),
              "zuzhang": ("jinghe-leader-2026", "welfare_jobs_team_leader"),
              "gongyi01": ("jinghe-worker-2026", "welfare_jobs_worker")}


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


def _valid_id(number: str) -> bool:
    """GB 11643: 17 digits, then the check character of their weighted sum modulo 11."""
    weights = [2 ** (17 - i) % 11 for i in range(17)]  # 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2
    if len(number) != 18 or not number[:17].isdigit():
        return False
    return number[17] == "10X98765432"[sum(int(d) * w for d, w in zip(number[:17], weights, strict=True)) % 11]


def _counts(wuye_owner_engine, wuye_backend, tenant_id) -> dict:
    with wuye_owner_engine.connect() as conn:
        if wuye_backend.is_postgresql:
            conn.execute(text("select set_config('app.tenant_id', :t, false)"), {"t": str(tenant_id)})
        return {t: conn.execute(text(f"select count(*) from {t} where tenant_id = :t"), {"t": tenant_id}).scalar()
                for t in TABLES}


def _api(wuye_app, username: str, password: str):
    """GET as a demo user: `get(path, **query) -> (status, json)`."""
    client = wuye_app.test_client()
    r = client.post("/api/v1/auth/token", json={"tenant": "jinghe", "username": username, "password": password})
    assert r.status_code == 200, r.get_json()
    headers = {"Authorization": f"Bearer {r.get_json()['access_token']}"}

    def get(path, **query):
        response = client.get(path, headers=headers, query_string=query)
        return response.status_code, response.get_json()

    return get


def _sign_in(wuye_app, username: str, password: str) -> dict:
    return _api(wuye_app, username, password)("/api/v1/auth/me")[1]


def test_the_demo_is_the_seeds_roster_encrypted_and_idempotent(wuye_app, wuye_cli, wuye_owner_engine, wuye_backend):
    assert sum(SHARES.values()) == SEED_TOTAL == 236
    first = json.loads(wuye_cli("demo", "--json").stdout)
    jinghe = next(t for t in first["tenants"] if t["slug"] == "jinghe")
    listed = {u["username"]: (u["password"], u["role"]) for u in jinghe["users"]}
    assert {name: listed.get(name) for name in DEMO_USERS} == DEMO_USERS
    for username, (password, role) in DEMO_USERS.items():
        me = _sign_in(wuye_app, username, password)
        assert [r["role"] for r in me["roles"]] and {r["role"] for r in me["roles"]} == {role}, me
    with wuye_owner_engine.connect() as conn:
        tenant_id = conn.execute(text("select id from tenants where slug = 'jinghe'")).scalar()
    counts = _counts(wuye_owner_engine, wuye_backend, tenant_id)

    today = local_today()
    plain = []
    with wuye_app.app_context(), tenant_context(tenant_id):
        codes = dict(db.session.execute(select(Community.id, Community.code)).all())
        on_post_today = dict(db.session.execute(
            select(Placement.community_id, func.count(func.distinct(Placement.worker_id)))
            .where(on_post(today)).group_by(Placement.community_id)).all())
        # the seeds' 236, each community its documented share
        assert {codes[c]: n for c, n in on_post_today.items()} == SHARES
        assert sum(on_post_today.values()) == 236
        # the rest is relative to the demo's own day (the command's date, which near midnight may not be
        # Beijing's): its attendance ends the day before
        demo_day = db.session.scalar(select(func.max(Attendance.day))) + timedelta(days=1)
        assert abs((demo_day - today).days) <= 1
        today = demo_day
        assert db.session.scalar(select(func.count(func.distinct(Placement.worker_id))).where(on_post(today))) == 236
        assert db.session.scalar(select(func.count(Roster.id))) == 3

        workers = db.session.scalars(select(Worker)).all()
        assert len(workers) > 236  # and the people who left
        for worker in workers:
            number = worker.id_number
            assert _valid_id(number), (worker.name, number)
            assert number[:6] in ("420116", "420112") and number[6:14] == f"{worker.birth_date:%Y%m%d}"
            assert worker.gender == ("male" if int(number[16]) % 2 else "female")
            assert 1966 <= worker.birth_date.year <= 1980
            assert len(worker.phone) == 11 and worker.phone.startswith("1")
            assert len(worker.bank_account) == 19 and worker.bank_name == "湖北农信"
            plain.append((worker.id, number, worker.phone, worker.bank_account))
        assert len({number for _, number, _, _ in plain}) == len(plain)  # no ID number twice
        groups = [w.group for w in workers]
        assert groups.count("landless_farmer") > len(workers) * 0.7
        assert {"hard_to_employ", "age_4050"} <= set(groups)
        farmers = [w for w in workers if w.group == "landless_farmer"]
        assert all(2008 <= w.land_acquired_year <= 2016 and w.land_village.endswith("组") for w in farmers)

        # posts: their team, approval and a few open places
        posts = db.session.scalars(select(Post)).all()
        for p in posts:  # e.g. 稻香苑保洁岗, team 公益岗·稻香苑·保洁
            kind = KIND_ZH[p.kind]
            assert p.team == f"公益岗·{p.name.removesuffix(kind + '岗')}·{kind}", (p.name, p.team)
        assert all(p.approval_ref.startswith("东人社〔") and p.approval_ref.endswith("号") for p in posts)
        filled = dict(db.session.execute(select(Placement.post_id, func.count()).where(on_post(today))
                                         .group_by(Placement.post_id)).all())
        assert all(p.headcount >= filled.get(p.id, 0) for p in posts)
        open_places = sum(p.headcount - filled.get(p.id, 0) for p in posts)
        assert 5 <= open_places <= 30
        assert {p.kind for p in posts} >= {"cleaning", "security", "village_environment", "patrol"}

        # exits: reasons given, every report in time but one, which is overdue
        exits = db.session.scalars(select(Placement).where(Placement.exited_on.is_not(None))).all()
        assert len(exits) >= 5 and all(p.exit_reason and p.vacancy_due_on for p in exits)
        overdue = [p for p in exits if p.vacancy_reported_on is None and p.vacancy_due_on < today]
        assert len(overdue) == 1 and codes[overdue[0].community_id] == "daoxiang"
        placements = db.session.scalars(select(Placement)).all()
        for p in placements:  # the term: start + 36 months − 1 day
            assert (p.ends_on + timedelta(days=1)).day == p.starts_on.day or p.starts_on.day > 28
            months = (p.ends_on.year - p.starts_on.year) * 12 + p.ends_on.month - p.starts_on.month
            assert months in (35, 36), (p.starts_on, p.ends_on)
        ending = [p for p in placements if p.exited_on is None and today <= p.ends_on <= today + timedelta(days=60)]
        assert len(ending) == 1

        # attendance: last month and this month up to yesterday; Sundays are rest days
        last_month = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
        statuses = dict(db.session.execute(select(Attendance.status, func.count()).group_by(Attendance.status)).all())
        assert statuses["present"] > 236 * 15 and statuses["leave"] > 0 and statuses["rest"] > 236 * 3
        assert db.session.scalar(select(func.min(Attendance.day))) == last_month
        sundays = db.session.scalars(select(Attendance.status).where(Attendance.day == next(
            last_month + timedelta(days=n) for n in range(7) if (last_month + timedelta(days=n)).weekday() == 6))).all()
        assert sundays and set(sundays) == {"rest"}
        phone = db.session.scalars(select(Attendance).where(Attendance.source == "phone").limit(1)).one()
        assert phone.status == "present" and phone.clock_in_at < phone.clock_out_at

        # insurance: a few accident policies ending within 30 days; two people on post without one
        soon = db.session.scalar(select(func.count()).select_from(Policy).where(
            Policy.kind == "accident", Policy.ends_on >= today, Policy.ends_on <= today + timedelta(days=30)))
        assert 3 <= soon <= 12
        working = set(db.session.scalars(select(Placement.worker_id).where(on_post(today))).all())
        covered = set(db.session.scalars(select(Policy.worker_id).where(Policy.kind == "accident",
                                                                         Policy.ends_on >= today)).all())
        assert len(working - covered) == 2
        for kind in ("pension", "medical", "injury"):
            assert working <= set(db.session.scalars(select(Policy.worker_id).where(Policy.kind == kind)).all())

        # this year's health checks: most done, a few overdue, new people's still due
        checks = db.session.scalars(select(HealthCheck).where(HealthCheck.year == today.year)).all()
        assert len(checks) == 236
        assert all(c.done_on < today and c.result for c in checks if c.done_on is not None)
        assert [c for c in checks if c.done_on is None and c.due_on >= today]  # new people's: still due
        past_due = [c for c in checks if c.due_on < today]
        if len(past_due) > 200:  # after May/June (the communities' health_check_month), else nothing is late yet
            overdue_checks = [c for c in past_due if c.done_on is None]
            assert 3 <= len(overdue_checks) <= 9 and len(past_due) - len(overdue_checks) > 190

        # last year's assessments, one of them failed (the person dismissed this year)
        grades = dict(db.session.execute(select(Assessment.grade, func.count())
                                          .where(Assessment.year == today.year - 1).group_by(Assessment.grade)).all())
        assert grades["competent"] > grades["excellent"] > 0

        # the demo's team leader leads three of 稻香's posts; the worker's sign-in is one worker of 稻香苑保洁
        daoxiang = next(c for c, code in codes.items() if code == "daoxiang")
        [(leader, _)] = staff_holding([TEAM_LEADER], daoxiang)
        led = db.session.scalars(select(Post).where(Post.leader_user_id == leader)).all()
        assert len(led) == 3 and {p.community_id for p in led} == {daoxiang}
        [(account, _)] = staff_holding([WORKER], daoxiang)
        [linked] = db.session.scalars(select(Worker).where(Worker.staff_user_id == account)).all()
        post_of = db.session.scalar(select(Post.team).join(Placement, Placement.post_id == Post.id)
                                    .where(Placement.worker_id == linked.id, on_post(today)))
        assert post_of == "公益岗·稻香苑·保洁"
        db.session.remove()

    # at rest: ciphertext, never the numbers
    with wuye_owner_engine.connect() as conn:
        if wuye_backend.is_postgresql:
            conn.execute(text("select set_config('app.tenant_id', :t, false)"), {"t": str(tenant_id)})
        raw = {row[0]: row[1:] for row in conn.execute(text(
            "select id, id_number, phone, bank_account from welfare_jobs_workers where tenant_id = :t"),
            {"t": tenant_id})}
    for worker_id, number, phone, account in plain:
        stored = raw[worker_id]
        assert number not in stored[0] and number[-6:] not in stored[0]
        assert phone not in stored[1] and account not in stored[2]

    # the roster manager works on it through the API: the workers masked in the list, the coverage,
    # last month's subsidy claim computed from the attendance (a draft to check)
    get = _api(wuye_app, "gongyi", DEMO_USERS["gongyi"][0])
    p = f"/api/v1/plugins/welfare_jobs/communities/{daoxiang}"
    status, listed = get(f"{p}/workers", on_post="true", per_page=5)
    assert status == 200 and listed["total"] == SHARES["daoxiang"], listed
    assert all("*" in w["id_number_masked"] for w in listed["items"]), listed["items"][0]
    status, coverage = get(f"{p}/coverage")
    assert status == 200 and coverage["people_on_post"] == SHARES["daoxiang"] and coverage["vacancy_reports_overdue"] == 1
    month = f"{last_month:%Y-%m}"
    status, claim = get(f"{p}/subsidies/{month}")
    assert status == 200 and claim["status"] == "draft" and claim["people"] >= SHARES["daoxiang"], claim
    assert claim["post_total_fen"] > 0 and claim["insurance_total_fen"] > 0

    # idempotent: a second run adds nothing
    second = json.loads(wuye_cli("demo", "--json").stdout)
    assert second == first
    assert _counts(wuye_owner_engine, wuye_backend, tenant_id) == counts
    assert counts["welfare_jobs_attendance"] > 236 * 20


def test_shares_are_documented_in_the_module():
    from wuye_welfare_jobs import demo

    assert "236" in demo.__doc__ and all(f"{code}" in demo.__doc__ and f"{n}" in demo.__doc__
                                         for code, n in demo.SHARES.items())
    assert demo.spread(236, [1, 1, 1]) == [79, 79, 78] and sum(demo.spread(40, [4.5, 2.2, 1.1])) == 40
    assert demo.id_check_digit("11010519491231002") == "X"  # GB 11643's own example
    assert date(2026, 1, 31) == demo._plus_months(date(2025, 12, 31), 1)
