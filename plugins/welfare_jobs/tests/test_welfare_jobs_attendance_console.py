"""Attendance in the console: the worker's phone page (its menu entry, clock-in by a form post,
post-redirect-get), the team leader's sheet of a day, the manager's month with the import."""

from __future__ import annotations

import io
import re

import pytest
from _rows import attendance_rows, attendance_world

C = "/console/plugins/welfare_jobs"


@pytest.fixture
def world(wuye_make_tenant, wuye_register, wuye_enable_plugin):
    return attendance_world(wuye_make_tenant, wuye_register, wuye_enable_plugin)


def _follow(console, r):
    assert r.status_code == 303, r.get_data(as_text=True)[:500]
    return console.get(r.headers["Location"]).get_data(as_text=True)


def test_a_worker_clocks_in_on_the_phone_page(world):
    console = world.tenant.console("wang", "password-123")
    home = console.get("/console/").get_data(as_text=True)
    # the worker's role reads no register: the core still shows the entry made for it (API 1.11)
    assert "我的岗位" in home and f'href="{C}/me"' in home
    assert "公益岗位</a>" not in home  # the roster's own entry is for managers and team leaders
    page = console.get(f"{C}/me").get_data(as_text=True)
    assert "王秀英" in page and "张家湾保洁岗" in page and "班次 07:00–11:30" in page
    assert "今天还没有打卡。" in page and f'<form method="post" action="{C}/me/clock-in">' in page  # no script needed
    assert re.search(r'<button type="submit" class="wj-big" disabled>下班打卡', page)
    page = _follow(console, console.post(f"{C}/me/clock-in"))
    clocked = re.search(r"已上班打卡，时间 (\d\d:\d\d)。", page)
    assert clocked, page
    assert f"上班打卡 {clocked.group(1)}" in page and "出勤" in page
    assert re.search(r'<button type="submit" class="primary wj-big" disabled>上班打卡', page)
    # twice: the page says when the first was
    page = _follow(console, console.post(f"{C}/me/clock-in"))
    assert f"今天已经上班打卡，时间 {clocked.group(1)}。" in page
    page = _follow(console, console.post(f"{C}/me/clock-out"))
    assert "已下班打卡" in page
    assert [(w, status, source) for w, _d, status, _k, source, _c in attendance_rows(world.tenant)] == [
        (world.wang, "present", "phone")]


def test_who_has_no_phone_page(world):
    world.tenant.user("nobody", "welfare_jobs_worker", [world.ids["community"]])
    console = world.tenant.console("nobody", "password-123")
    r = console.get(f"{C}/me")
    assert r.status_code == 200 and "您的账号没有关联公益岗人员档案" in r.get_data(as_text=True)
    assert console.post(f"{C}/me/clock-in").status_code == 404
    # a worker reads no community's pages
    assert console.get(f"{C}/communities/{world.ids['community']}/attendance").status_code == 404


def test_the_team_leader_keeps_the_day_on_a_phone(world):
    console = world.tenant.console("leader", "password-123")
    url = f"{C}/posts/{world.post}/attendance"
    page = console.get(url).get_data(as_text=True)
    assert "王秀英" in page and "李桂兰" in page and "赵大山" not in page
    assert f'<input type="radio" name="status_{world.wang}" value="present">' in page
    r = console.post(url, data={"day": world.today.isoformat(), f"status_{world.wang}": "present",
                                f"status_{world.li}": "leave"})
    assert r.status_code == 422
    page = r.get_data(as_text=True)
    assert "请说明请假的类别。" in page and "未保存：请更正标出的人员。" in page, page[page.find("<main"):]
    assert attendance_rows(world.tenant) == []
    page = _follow(console, console.post(url, data={
        "day": world.today.isoformat(), f"status_{world.wang}": "present", f"status_{world.li}": "leave",
        f"leave_kind_{world.li}": "sick"}))
    assert "已保存：新登记 2 人" in page
    assert f'name="status_{world.li}" value="leave" checked' in page
    assert '<option value="sick" selected>病假</option>' in page
    assert "上班 " in page  # 王秀英 clocked in on the spot by the leader
    # a leader of no post here, and a worker: refused
    assert world.tenant.console("wang", "password-123").get(url).status_code == 404


def test_the_managers_month_with_the_import(world):
    console = world.tenant.console("mgr", "password-123")
    url = f"{C}/communities/{world.ids['community']}/attendance"
    page = console.get(url).get_data(as_text=True)
    assert "王秀英" in page and "在岗天数" in page and "下载" in page and 'type="file"' in page
    r = console.post(url, data={"file": (io.BytesIO(b"not a workbook"), "a.xlsx")},
                     content_type="multipart/form-data")
    assert r.status_code == 422 and "无法作为 Excel 工作簿（.xlsx）读取此文件。" in r.get_data(as_text=True)
    r = console.get(f"{url}/template.xlsx")
    assert r.status_code == 200 and r.data.startswith(b"PK")
    r = console.get(f"{C}/communities/{world.ids['community']}/attendance.xlsx")
    assert r.status_code == 200 and r.data.startswith(b"PK")
    # the team leader sees the month of their post, without the sheet's import
    page = world.tenant.console("leader", "password-123").get(url).get_data(as_text=True)
    assert "王秀英" in page and 'type="file"' not in page
