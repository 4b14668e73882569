"""The console's activity pages: the list (coming first, then the past), the forms with their errors
next to the fields, the activity's page with the sign-up form and the big check-in buttons, the QR
page, the hours sheet, the weekly activities; each page by the console's rules (one h1, labels,
no inline script or style, errors tied to their fields, nothing left in English)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import pytest
from _activity_rows import C, P, create, in_tenant, member, records, signup_rows, token_of, world
from wuye_volunteers.models import Activity

from wuye_core.plugins import db, local_today

pages = pytest.importorskip("tests.console.pages")  # the console's page rules (in wuye's repository)


@pytest.fixture
def w(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    return world(wuye_make_tenant, wuye_register, wuye_enable_plugin)


def _good(response, status: int = 200) -> str:
    assert response.status_code == status, response.get_data(as_text=True)[:2000]
    response.status_code = 200
    assert pages.problems(response) == []
    return response.get_data(as_text=True)


def test_the_list_the_form_and_its_errors(w):
    env = w
    past = create(env.org, env.cid, days=-3)
    soon = create(env.org, env.cid, days=2, capacity=5)
    console = env.tenant.console("acme-org", "password-123")
    text = _good(console.get(f"{C}/communities/{env.cid}/activities"))
    assert text.index(f"/activities/{soon['id']}\"") < text.index(f"/activities/{past['id']}\"")  # coming first
    assert "即将进行" in text and "已结束的活动" in text and "新建活动" in text and "0/5" not in text
    form = f"{C}/communities/{env.cid}/activities/new"
    text = _good(console.get(form))
    assert 'name="skills_wanted"' in text and 'type="time"' in text
    day = (local_today() + timedelta(days=4)).isoformat()
    r = console.post(form, {"title": "义诊", "place": "社区卫生站", "day": day, "start": "10:00", "end": "09:00"})
    text = _good(r, 422)
    assert 'aria-describedby="e-end"' in text and "结束时间必须晚于开始时间" in text
    r = console.post(form, {"title": "", "place": "社区卫生站", "day": day, "start": "10:00", "end": "11:00"})
    assert 'aria-describedby="e-title"' in _good(r, 422)
    r = console.post(form, {"title": "义诊", "place": "社区卫生站", "day": day, "start": "08:30", "end": "11:30",
                            "capacity": "8", "skills_wanted": ["medical", "elderly_care"]})
    assert r.status_code == 303, r.get_data(as_text=True)[:500]
    made = env.org.get(f"{P}/activities/{int(r.headers['Location'].rsplit('/', 1)[-1])}").get_json()
    assert made["skills_wanted"] == ["medical", "elderly_care"] and made["capacity"] == 8
    assert made["starts_at"] == f"{day}T00:30:00+00:00" and made["organiser"] == "acme-org"
    # the edit form shows Beijing times back
    text = _good(console.get(f"{C}/activities/{made['id']}/edit"))
    assert 'value="08:30"' in text and 'value="11:30"' in text
    # not for those who do not organise
    reader = env.tenant.console("acme-reader", "password-123")
    assert reader.get(form).status_code == 403
    text = _good(reader.get(f"{C}/activities/{made['id']}"))
    assert "义诊" in text and 'name="member_id"' not in text and "签到二维码" not in text


def test_the_activity_page_signs_up_checks_in_and_confirms_hours(w):
    env = w
    a = create(env.org, env.cid, capacity=1)
    with in_tenant(env.tenant):
        activity = db.session.get(Activity, a["id"])
        activity.starts_at = datetime.now(UTC) - timedelta(minutes=30)
        activity.ends_at = activity.starts_at + timedelta(hours=2)
    wang, li, zhao = (member(env.tenant, env.cid, n) for n in ("王芳", "李明", "赵强"))
    console = env.tenant.console("acme-org", "password-123")
    page = f"{C}/activities/{a['id']}"
    text = _good(console.get(page))
    assert 'name="member_id"' in text and "未报名到场：报名并签到" in text
    # started: a plain sign-up is refused, with the reason
    r = console.post(f"{page}/signups", {"member_id": wang})
    assert "已开始" in _good(r, 409)
    r = console.post(f"{page}/signups", {"member_id": wang, "walk_in": "1"})
    assert r.status_code == 303 and signup_rows(env.tenant, a["id"]) == [(wang, "confirmed")]
    r = console.post(f"{page}/signups", {"member_id": li, "walk_in": "1"})
    assert r.status_code == 303
    text = _good(console.get(page))
    assert text.count("vl-big") >= 2 and "签退" in text and "王芳" in text and "李明" in text
    assert "签到 " in text or "签到" in text
    with in_tenant(env.tenant):
        from wuye_volunteers.signups import find

        s_wang = find(a["id"], wang).id
    r = console.post(f"{page}/check", {"signup_id": s_wang, "action": "out"})
    assert r.status_code == 303
    r = console.post(f"{page}/check", {"signup_id": s_wang, "action": "out"})
    assert "已签退" in _good(r, 409)
    r = console.post(f"{page}/check", {"signup_id": 999_999, "action": "in"})
    assert r.status_code == 404
    r = console.post(f"{page}/signups", {"member_id": ""})
    assert 'aria-describedby="e-member_id"' in _good(r, 422)
    # the hours sheet: proposals in hours, the organiser's numbers, confirmed into records
    sheet = f"{page}/hours"
    text = _good(console.get(sheet))
    assert f'name="hours_{s_wang}"' in text and "确认服务时长" in text
    with in_tenant(env.tenant):
        s_li = find(a["id"], li).id
    r = console.post(sheet, {f"hours_{s_wang}": "30", f"hours_{s_li}": "1.5"})
    text = _good(r, 422)
    assert f'aria-describedby="e-hours_{s_wang}"' in text
    r = console.post(sheet, {f"hours_{s_wang}": "3", f"hours_{s_li}": "1.5"})
    assert f'aria-describedby="e-hours_{s_wang}"' in _good(r, 422) and records(env.tenant, a["id"]) == []
    r = console.post(sheet, {f"hours_{s_wang}": "2", f"hours_{s_li}": "1.5", f"evaluation_{s_li}": "good"})
    assert r.status_code == 303
    assert [(m, minutes, e) for m, minutes, _o, _b, e in records(env.tenant, a["id"])] == [
        (wang, 120, None), (li, 90, "good")]
    text = _good(console.get(sheet))
    assert "1.5" in text and "良好" in text
    # zhao cannot be added once confirmed
    r = console.post(f"{page}/signups", {"member_id": zhao, "walk_in": "1"})
    assert r.status_code in (409, 422)


def test_the_qr_page_shows_the_code_and_makes_a_new_one(w):
    env = w
    a = create(env.org, env.cid)
    console = env.tenant.console("acme-org", "password-123")
    qr = f"{C}/activities/{a['id']}/qr"
    token = token_of(env.tenant, a["id"])
    text = _good(console.get(qr))
    assert "<svg" in text and quote(f"/h5/plugins/volunteers/checkin/{token}", safe="") in text and "data-print" in text
    r = console.post(qr)
    assert r.status_code == 303
    new = token_of(env.tenant, a["id"])
    assert new != token and quote(f"/h5/plugins/volunteers/checkin/{new}", safe="") in console.get(qr).get_data(as_text=True)
    assert env.tenant.console("acme-reader", "password-123").get(qr).status_code == 403
    # a cancelled activity: the page says why it cannot renew
    env.org.post(f"{P}/activities/{a['id']}/cancel")
    assert "已取消" in _good(console.post(qr), 409)


def test_weekly_activity_pages(w):
    env = w
    console = env.tenant.console("acme-org", "password-123")
    _good(console.get(f"{C}/communities/{env.cid}/series"))
    form = f"{C}/communities/{env.cid}/series/new"
    _good(console.get(form))
    body = {"title": "每周六小区清洁", "place": "小区各楼栋", "weekday": "5", "start_time": "08:30",
            "end_time": "08:00", "first_date": local_today().isoformat()}
    text = _good(console.post(form, body), 422)
    assert 'aria-describedby="e-end_time"' in text
    r = console.post(form, {**body, "end_time": "10:30", "skills_wanted": ["cleaning"]})
    assert r.status_code == 303
    page = r.headers["Location"]
    text = _good(console.get(page))
    assert "每星期六" in text or "星期六" in text
    assert text.count("vl-activity-title") >= 4
    series_id = int(page.rsplit("/", 1)[-1])
    _good(console.get(f"{C}/series/{series_id}/edit"))
    r = console.post(f"{C}/series/{series_id}/active", {"active": "0"})
    assert r.status_code == 303
    assert "已停止" in _good(console.get(page))
    r = console.post(f"{C}/series/{series_id}/delete")
    assert r.status_code == 303
    assert console.get(page).status_code == 404
