"""The members' and teams' console pages: each renders (200, Chinese, nothing left in English), the
manager's forms register, change, leave, import and build teams, a refused form comes back with
its messages tied to their fields (aria-describedby), organisers read with phones masked,
community staff see the teams only."""

from __future__ import annotations

import io
import re

from openpyxl import Workbook
from vl_members_support import C, P, alliance

from wuye_core.plugins import local_today

ENGLISH = re.compile(r">\s*(Save|Cancel|Name|Members|Teams|Skills|Filter|Register|Import|Leader|Phone|Kind|"
                     r"Status|Yes|No|All|Add|Confirm)\s*<")


def _html(response, status=200) -> str:
    html = response.get_data(as_text=True)
    assert response.status_code == status, (response.status_code, html[:3000])
    assert '<html lang="zh-CN"' in html and not ENGLISH.search(html), ENGLISH.search(html)
    assert "style=" not in html and "<script>" not in html
    return html


def _described(html: str, field: str) -> str:
    """The field is marked invalid and its error, found by the id it names, says why."""
    found = re.search(rf'<(?:input|select|textarea|fieldset)[^>]*(?:name="{field}"|id="f-{field}")[^>]*>', html) or \
        re.search(rf'<fieldset[^>]*aria-describedby="e-{field}"[^>]*>', html)
    assert found and f'aria-describedby="e-{field}"' in found.group(0), (field, found and found.group(0))
    error = re.search(rf'<(?:p|div) class="error" id="e-{field}"[^>]*>(.*?)</(?:p|div)>', html, re.S)
    assert error, field
    return error.group(1)


def test_the_managers_member_pages(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    a = alliance(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    page = a.console()
    today = local_today().isoformat()
    listed = _html(page.get(f"{C}/communities/{a.cid}/members"))
    assert "登记成员" in listed and "从 Excel 导入" in listed and "导出名册" in listed and "没有符合条件的成员" in listed
    form = _html(page.get(f"{C}/communities/{a.cid}/members/new"))
    assert "在职党员" in form and "可服务时间" in form and 'name="skill_legal"' in form and f'value="{today}"' in form
    # an empty form: 422, each message next to its field
    bad = _html(page.post(f"{C}/communities/{a.cid}/members/new", data={}), 422)
    assert "缺少必填字段" in _described(bad, "phone") and _described(bad, "name") and _described(bad, "kind")
    # a party member without the party's fields; a phone that is not one
    bad = _html(page.post(f"{C}/communities/{a.cid}/members/new", data={
        "name": "冯敏", "kind": "party_member", "phone": "13912345678"}), 422)
    assert "所在单位党组织" in _described(bad, "party_org") and "报到" in _described(bad, "party_reported_on")
    assert 'value="冯敏"' in bad  # what was typed is kept
    made = page.post(f"{C}/communities/{a.cid}/members/new", data={
        "name": "冯敏", "kind": "party_member", "phone": "13912345678", "party_org": "区法院党组",
        "party_reported_on": today, "availability": ["weekend", "on_call"], "consent_contact": "on",
        "skill_legal": "expert", "skill_mediation": "basic", "joined_on": today})
    assert made.status_code == 303, made.get_data(as_text=True)[:3000]
    member_url = made.headers["Location"]
    shown = _html(page.get(member_url))
    assert "13912345678" in shown and "区法院党组" in shown and "法律咨询 · 专业" in shown and "周末" in shown
    assert "未确认" in shown and "服务记录 0 条" in shown
    # a duplicate phone: 409 with the message at the phone
    again = _html(page.post(f"{C}/communities/{a.cid}/members/new", data={
        "name": "冯敏敏", "kind": "volunteer", "phone": "13912345678"}), 409)
    assert "已有使用此手机号的成员" in _described(again, "phone")
    # confirm a skill, change the file
    assert page.post(member_url + "/confirm-skill", data={"skill": "legal"}).status_code == 303
    edit = _html(page.get(member_url + "/edit"))
    assert 'value="冯敏"' in edit and re.search(r'<option value="expert" selected>', edit) and "checked" in edit
    changed = page.post(member_url + "/edit", data={
        "name": "冯敏", "kind": "volunteer", "phone": "13912345000", "skill_legal": "expert",
        "availability": ["weekday_morning"], "joined_on": today})
    assert changed.status_code == 303, changed.get_data(as_text=True)[:3000]
    shown = _html(page.get(member_url))
    assert "13912345000" in shown and "确认" in shown and "调解" not in shown and "工作日上午" in shown
    assert "已于" not in shown
    # leaving: a day before joining is refused at the field
    leave = _html(page.get(member_url + "/leave"))
    assert "登记退出" in leave
    early = _html(page.post(member_url + "/leave", data={"left_on": "2000-01-01"}), 422)
    assert "早于加入日期" in _described(early, "left_on")
    assert page.post(member_url + "/leave", data={"left_on": today}).status_code == 303
    assert "重新加入联盟" in _html(page.get(member_url))
    assert page.post(member_url + "/rejoin").status_code == 303
    assert "退出联盟" in _html(page.get(member_url))
    # the list with filters, and the export with them
    listed = _html(page.get(f"{C}/communities/{a.cid}/members", query_string={"skill": "legal", "status": "active"}))
    assert "冯敏" in listed and "13912345000" in listed
    assert "members.xlsx?" in listed and "skill=legal" in listed
    wrong = _html(page.get(f"{C}/communities/{a.cid}/members", query_string={"skill": "juggling"}))
    assert "冯敏" in wrong  # a wrong filter is shown and the list falls back
    download = page.get(f"{C}/communities/{a.cid}/members.xlsx", query_string={"skill": "legal"})
    assert download.status_code == 200 and download.mimetype.endswith("spreadsheetml.sheet")


def test_the_import_page(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    a = alliance(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    page = a.console()
    url = f"{C}/communities/{a.cid}/members/import"
    assert "下载模板" in _html(page.get(url))
    assert page.get(f"{C}/communities/{a.cid}/members/template.xlsx").status_code == 200
    none = _html(page.post(url, data={}), 422)
    assert _described(none, "file") and "请选择填好的模板" in none
    book = Workbook()
    book.active.append(["姓名", "类别", "手机号"])
    book.active.append(["褚红", "志愿者", "1234"])
    book.active.append(["卫东", "志愿者", "13600000002"])
    out = io.BytesIO()
    book.save(out)
    bad = _html(page.post(url, data={"file": (io.BytesIO(out.getvalue()), "名册.xlsx")},
                          content_type="multipart/form-data"), 422)
    assert "没有导入任何数据" in _described(bad, "file") and "第 2 行“手机号”" in bad and "卫东" not in bad
    assert a.mgr.get(f"{P}/communities/{a.cid}/members").get_json()["total"] == 0
    book.active["C2"] = "13600000001"
    out = io.BytesIO()
    book.save(out)
    done = page.post(url, data={"file": (io.BytesIO(out.getvalue()), "名册.xlsx")}, content_type="multipart/form-data")
    assert done.status_code == 303
    assert "登记成员 2 名" in _html(page.get(done.headers["Location"]))


def test_the_team_pages(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    a = alliance(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    jia = a.member(name="蒋军", phone="13500000001")
    shen = a.member(name="沈洁", phone="13500000002", consent_contact=True)
    page = a.console()
    assert "还没有队伍" in _html(page.get(f"{C}/communities/{a.cid}/teams"))
    form = _html(page.get(f"{C}/communities/{a.cid}/teams/new"))
    assert "蒋军" in form and "暂不设队长" in form
    empty = _html(page.post(f"{C}/communities/{a.cid}/teams/new", data={}), 422)
    assert _described(empty, "name") and _described(empty, "kind")
    made = page.post(f"{C}/communities/{a.cid}/teams/new", data={"name": "治安巡逻队", "kind": "patrol",
                                                                  "leader_member_id": str(jia["id"])})
    assert made.status_code == 303, made.get_data(as_text=True)[:3000]
    team_url = made.headers["Location"]
    twice = _html(page.post(f"{C}/communities/{a.cid}/teams/new", data={"name": "治安巡逻队", "kind": "care"}), 409)
    assert "同名队伍" in _described(twice, "name")
    shown = _html(page.get(team_url))
    assert "蒋军" in shown and "队长" in shown and "沈洁" in shown  # 沈洁 among those who may be added
    assert page.post(team_url + "/members", data={"member_ids": str(shen["id"])}).status_code == 303
    shown = _html(page.get(team_url))
    assert "13500000002" in shown and shown.count("移出</button>") == 1  # not the leader's
    no_one = _html(page.post(team_url + "/members", data={}), 422)
    assert _described(no_one, "member_ids")
    edit = _html(page.post(team_url + "/edit", data={"name": "治安巡逻队", "kind": "patrol",
                                                     "leader_member_id": "999999"}), 422)
    assert _described(edit, "leader_member_id")
    blank = _html(page.post(team_url + "/edit", data={}), 422)  # nothing cleared by an empty form
    assert _described(blank, "name") and _described(blank, "kind")
    assert page.post(team_url + "/edit", data={"name": "巡逻队", "kind": "patrol",
                                               "leader_member_id": str(shen["id"])}).status_code == 303
    assert page.post(team_url + f"/members/{jia['id']}/remove").status_code == 303
    refused = _html(page.post(team_url + f"/members/{shen['id']}/remove"), 409)
    assert "另选队长" in refused and 'role="alert"' in refused
    assert page.post(team_url + "/deactivate").status_code == 303
    listed = _html(page.get(f"{C}/communities/{a.cid}/teams"))
    assert "巡逻队" in listed and "已停用" in listed and "沈洁" in listed
    assert page.post(team_url + "/reactivate").status_code == 303


def test_organisers_and_staff(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    a = alliance(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    member = a.member(name="韩梅", phone="13700001111")
    team = a.team(name="文体队", kind="culture", leader_member_id=member["id"])
    org = a.console("org")
    listed = _html(org.get(f"{C}/communities/{a.cid}/members"))
    assert "韩梅" in listed and "137****1111" in listed and "13700001111" not in listed and "登记成员" not in listed
    shown = _html(org.get(f"{C}/members/{member['id']}"))
    assert "个人信息已脱敏" in shown and "修改档案" not in shown
    assert org.get(f"{C}/communities/{a.cid}/members/new").status_code == 403
    assert org.get(f"{C}/communities/{a.cid}/members.xlsx").status_code == 403
    assert org.post(f"{C}/members/{member['id']}/leave", data={}).status_code == 403
    staff = a.console("staff")
    assert staff.get(f"{C}/communities/{a.cid}/members").status_code == 403
    assert staff.get(f"{C}/members/{member['id']}").status_code == 403
    teams = _html(staff.get(f"{C}/communities/{a.cid}/teams"))
    assert "文体队" in teams and "韩梅" not in teams
    one = _html(staff.get(f"{C}/teams/{team['id']}"))
    assert "韩梅" not in one and "只对联盟管理员和活动组织者显示" in one
    assert staff.post(f"{C}/teams/{team['id']}/deactivate").status_code == 403
