"""Weekly activities: a series makes its occurrences for the next four weeks at once and every day
(the job `make_activities`), never twice — run again, or twice at once; changing or stopping it
remakes the future occurrences nobody signed up for and keeps the others."""

from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
from _activity_rows import P, add, create, in_tenant, member, team, world
from sqlalchemy import func, select
from wuye_volunteers import series as series_module
from wuye_volunteers.models import Activity, Series

from wuye_core.plugins import LOCAL_TZ, db, local_now, local_today


@pytest.fixture
def w(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    return world(wuye_make_tenant, wuye_register, wuye_enable_plugin)


def _expected_days(weekday: int, first: date, until: date | None = None, start: str = "08:30") -> list[date]:
    """The dates the series should have made: its weekday from max(first, today) to 28 days ahead
    (and `until`), today only if the start time is still ahead."""
    today = local_today()
    last = today + timedelta(days=series_module.AHEAD_DAYS)
    if until is not None:
        last = min(last, until)
    day = max(first, today)
    days = []
    while day <= last:
        if day.weekday() == weekday and (day > today or start > local_now().strftime("%H:%M")):
            days.append(day)
        day += timedelta(days=1)
    return days


def _body(**changes) -> dict:
    return {"title": "每周六小区清洁", "place": "小区各楼栋", "weekday": 5, "start_time": "08:30",
            "duration_minutes": 120, "capacity": 20, "skills_wanted": ["cleaning"],
            "first_date": local_today().isoformat(), **changes}


def _occurrences(env, series_id) -> list[dict]:
    page = env.org.get(f"{P}/communities/{env.cid}/activities", query_string={
        "series_id": series_id, "sort": "starts_at", "per_page": 100}).get_json()
    return page["items"]


def _count(tenant, series_id) -> int:
    with in_tenant(tenant):
        return db.session.scalar(select(func.count()).select_from(Activity).where(Activity.series_id == series_id))


def test_a_new_series_makes_the_next_four_weeks_at_once(w):
    env = w
    team_id = team(env.tenant, env.cid)
    r = env.org.post(f"{P}/communities/{env.cid}/series", json=_body(team_id=team_id))
    assert r.status_code == 201, r.get_json()
    s = r.get_json()
    assert s["weekday_label"] == "星期六" and s["organiser"] == "acme-org" and s["team_name"] == "环保督导队"
    made = _occurrences(env, s["id"])
    expected = _expected_days(5, local_today())
    assert [m["starts_at"][:10] for m in made] == [  # 08:30 Beijing is 00:30 UTC: the same date
        d.isoformat() for d in expected]
    assert len(expected) in (4, 5) and s["upcoming"] == len(expected)
    first = made[0]
    assert first["starts_at"].endswith("T00:30:00+00:00") and first["duration_minutes"] == 120
    assert first["organiser"] == "acme-org" and first["capacity"] == 20 and first["team_id"] == team_id
    assert first["series_title"] == "每周六小区清洁"
    # everyone reading sees the series; only organisers make them
    assert env.reader.get(f"{P}/series/{s['id']}").get_json()["title"] == "每周六小区清洁"
    assert env.reader.get(f"{P}/communities/{env.cid}/series").get_json()["total"] == 1
    assert env.staff.post(f"{P}/communities/{env.cid}/series", json=_body()).status_code == 403


def test_series_refusals_name_the_field(w):
    env = w
    url = f"{P}/communities/{env.cid}/series"
    for changes, field in (({"weekday": 7}, "weekday"), ({"start_time": "8:30"}, "start_time"),
                           ({"start_time": "24:00"}, "start_time"), ({"duration_minutes": 5}, "duration_minutes"),
                           ({"until_date": (local_today() - timedelta(days=1)).isoformat()}, "until_date"),
                           ({"site_id": 999_999}, "site_id")):
        r = env.org.post(url, json=_body(**changes))
        assert r.status_code == 422 and field in r.get_json()["errors"]["json"], (changes, r.get_json())
    r = env.org.post(url, json=_body(start_time="8点半"))
    assert r.get_json()["errors"]["json"]["start_time"] == ["请按 时:分 填写，如 08:30。"]
    assert env.org.get(url).get_json()["total"] == 0


def test_the_job_makes_nothing_twice_even_run_twice_at_once(w, wuye_app, wuye_run_job):
    env = w
    today = local_today()
    # a series inserted directly: none of its occurrences made yet
    [series_id] = add(env.tenant, Series(community_id=env.cid, title="周三义诊", place="社区卫生站", weekday=2,
                                         start_time="09:00", duration_minutes=180, capacity=None, skills_wanted=[],
                                         first_date=today, until_date=None, active=True, created_by="acme-org"))
    expected = len(_expected_days(2, today, start="09:00"))
    # two runs at once (each its own thread, context and connection): each day once, no error
    results: list = []
    barrier = threading.Barrier(2)

    def run():
        barrier.wait(timeout=30)
        results.append(wuye_run_job(env.tenant, "volunteers", "make_activities"))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sorted(results) == [0, expected]
    assert _count(env.tenant, series_id) == expected
    # and again, later: nothing new
    assert wuye_run_job(env.tenant, "volunteers", "make_activities") == 0
    assert _count(env.tenant, series_id) == expected
    # a cancelled occurrence is not made again
    first = _occurrences(env, series_id)[0]
    assert env.org.post(f"{P}/activities/{first['id']}/cancel").status_code == 200
    assert wuye_run_job(env.tenant, "volunteers", "make_activities") == 0
    assert _count(env.tenant, series_id) == expected
    # the schedule is daily
    assert series_module.SCHEDULES[0].job == "make_activities" and series_module.SCHEDULES[0].every_seconds == 86400


def test_changing_or_stopping_keeps_the_occurrences_with_signups(w):
    env = w
    s = env.org.post(f"{P}/communities/{env.cid}/series", json=_body()).get_json()
    made = _occurrences(env, s["id"])
    wang = member(env.tenant, env.cid)
    signed = made[1]
    assert env.org.post(f"{P}/activities/{signed['id']}/signups", json={"member_id": wang}).status_code == 201
    # a new start time: the unsigned occurrences are made again at 09:00, the signed one stays at 08:30
    r = env.org.patch(f"{P}/series/{s['id']}", json={"start_time": "09:00", "place": "中心广场"})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["kept_activity_ids"] == [signed["id"]]
    after = _occurrences(env, s["id"])
    assert len(after) == len(made)
    assert [(a["starts_at"][11:16], a["place"]) for a in after if a["id"] != signed["id"]] == \
        [("01:00", "中心广场")] * (len(made) - 1)
    assert next(a for a in after if a["id"] == signed["id"])["starts_at"][11:16] == "00:30"
    # stopped: the unsigned future ones go, the signed one stays (the organiser cancels it if need be)
    r = env.org.patch(f"{P}/series/{s['id']}", json={"active": False})
    assert r.status_code == 200 and r.get_json()["active"] is False
    assert [a["id"] for a in _occurrences(env, s["id"])] == [signed["id"]]
    # deleting is refused while anyone signed up
    r = env.org.delete(f"{P}/series/{s['id']}")
    assert r.status_code == 409 and "停止" in r.get_json()["message"]
    # started again: the days are made again
    r = env.org.patch(f"{P}/series/{s['id']}", json={"active": True})
    assert len(_occurrences(env, s["id"])) == len(made)


def test_an_occurrence_keeps_to_its_day_and_a_series_without_signups_can_be_deleted(w):
    env = w
    s = env.org.post(f"{P}/communities/{env.cid}/series", json=_body()).get_json()
    first = _occurrences(env, s["id"])[0]
    starts = first["starts_at"]
    later = starts.replace("T00:30", "T02:00")
    r = env.org.patch(f"{P}/activities/{first['id']}", json={"starts_at": later,
                                                             "ends_at": later.replace("T02:00", "T03:00")})
    assert r.status_code == 200, r.get_json()  # another time of the same day
    from datetime import datetime

    next_day = (datetime.fromisoformat(starts) + timedelta(days=1)).astimezone(LOCAL_TZ)
    r = env.org.patch(f"{P}/activities/{first['id']}", json={
        "starts_at": next_day.isoformat(), "ends_at": (next_day + timedelta(hours=1)).isoformat()})
    assert r.status_code == 422 and "starts_at" in r.get_json()["errors"]["json"]
    # the moved one still counts for its day
    with in_tenant(env.tenant):
        assert series_module.make_for_series(db.session.get(Series, s["id"])) == []
    assert env.org.delete(f"{P}/series/{s['id']}").status_code == 204
    assert env.org.get(f"{P}/series/{s['id']}").status_code == 404
    assert env.org.get(f"{P}/activities/{first['id']}").status_code == 404
    assert create(env.org, env.cid)["series_id"] is None
