"""成员名册 in Excel: the manager's export (full phones, audited), the import template, an import of
the filled-in template (370 members at once), an import with errors (by row and column, nothing
stored), the file's limits."""

from __future__ import annotations

import io
from datetime import timedelta

from openpyxl import Workbook, load_workbook
from vl_members_support import P, alliance, id_number, refused

from wuye_core.plugins import local_today


def _rows(response, sheet=None) -> list[dict]:
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    book = load_workbook(io.BytesIO(response.data))
    ws = book[sheet] if sheet else book.worksheets[0]
    rows = list(ws.iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=False)) for row in rows[1:]]


def _save(book) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _upload(client, url, content: bytes, name="名册.xlsx", **kw):
    return client.post(url, data={"file": (io.BytesIO(content), name)}, content_type="multipart/form-data", **kw)


def test_the_export_has_full_phones_and_is_audited(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    a = alliance(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    today = local_today()
    chen = a.member(name="陈静", phone="13811112222", kind="party_member", party_org="区教育局党委",
                    party_reported_on=today.isoformat(), skills=[{"skill": "tutoring", "level": "expert"},
                                                                 {"skill": "legal"}])
    a.member(name="许亮", phone="13833334444")
    a.team(name="关爱帮扶队", kind="care", leader_member_id=chen["id"])
    url = f"{P}/communities/{a.cid}/members.xlsx"
    r = a.mgr.get(url)
    assert "attachment" in r.headers["Content-Disposition"] and "no-store" in r.headers["Cache-Control"]
    rows = {row["姓名"]: row for row in _rows(r, "成员名册")}
    assert rows["陈静"]["手机号"] == "13811112222" and rows["陈静"]["类别"] == "在职党员"
    assert rows["陈静"]["技能"] == "法律咨询、课业辅导（专业）" and rows["陈静"]["队伍"] == "关爱帮扶队"
    assert rows["陈静"]["所在单位党组织"] == "区教育局党委" and rows["陈静"]["状态"] == "在册"
    assert rows["陈静"][f"{today.year}年服务时长（小时）"] == 0 and rows["许亮"]["手机号"] == "13833334444"
    # the list's filters apply
    assert [row["姓名"] for row in _rows(a.mgr.get(url, query_string={"kind": "volunteer"}))] == ["许亮"]
    trail = a.tenant.admin.get("/api/v1/audit", query_string={"action": "volunteers.exported"}).get_json()["items"]
    assert len(trail) == 2 and trail[0]["details"]["file"] == "members.xlsx" and trail[0]["details"]["rows"] == 1
    # the manager's only
    assert a.org.get(url).status_code == 403 and a.staff.get(url).status_code == 403
    assert a.org.get(f"{P}/communities/{a.cid}/members/template.xlsx").status_code == 403
    english = _rows(a.mgr.get(url, headers={"Accept-Language": "en"}), "Member list")
    assert {row["Name"] for row in english} == {"陈静", "许亮"}


def test_template_filled_in_and_imported(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    a = alliance(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    today = local_today()
    r = a.mgr.get(f"{P}/communities/{a.cid}/members/template.xlsx")
    assert r.status_code == 200
    book = load_workbook(io.BytesIO(r.data))
    sheet = book.worksheets[0]
    headings = [c.value for c in sheet[1]]
    assert headings[:3] == ["姓名*", "类别*", "手机号*"] and "技能" in headings and "同意联系" in headings
    assert "填写说明" in book.sheetnames and "法律咨询" in str(list(book["填写说明"].values))
    column = {h.rstrip("*"): i + 1 for i, h in enumerate(headings)}

    def put(row, **cells):
        for name, value in cells.items():
            sheet.cell(row, column[name], value)

    number = id_number(serial=9, male=False)
    put(2, 姓名="马兰", 类别="在职党员", 手机号="13700000001", 身份证号=number, 技能="法律咨询（专业）、缝纫",
        可服务时间="周末、随叫随到", 所在单位党组织="市人民医院党委", 报到日期=(today - timedelta(days=3)).isoformat(),
        同意联系="是", 加入日期="2024-05-01")
    put(3, 姓名="牛犇", 类别="志愿者", 手机号=13700000002, 技能="理发")  # the phone typed as a number
    put(4, 姓名="欧阳华", 类别="professional", 手机号="137-0000-0003", 同意联系="否", 备注="退休医生")
    made = _upload(a.mgr, f"{P}/communities/{a.cid}/members/import", _save(book))
    assert made.status_code == 201, made.get_json()
    assert made.get_json()["created"] == 3 and len(made.get_json()["member_ids"]) == 3
    ma = a.mgr.get(f"{P}/members/{made.get_json()['member_ids'][0]}").get_json()
    assert ma["name"] == "马兰" and ma["kind"] == "party_member" and ma["gender"] == "female"
    assert ma["id_number"] == number and ma["consent_contact"] is True and ma["joined_on"] == "2024-05-01"
    assert [(s["skill"], s["level"]) for s in ma["skills"]] == [("legal", "expert"), ("sewing", "basic")]
    assert ma["availability"] == ["weekend", "on_call"] and ma["party_org"] == "市人民医院党委"
    listed = {m["name"]: m for m in a.mgr.get(f"{P}/communities/{a.cid}/members").get_json()["items"]}
    assert listed["牛犇"]["phone"] == "13700000002" and listed["欧阳华"]["phone"] == "13700000003"
    assert listed["欧阳华"]["kind"] == "professional" and listed["欧阳华"]["joined_on"] == today.isoformat()
    # the same sheet again: every phone is a member's now, nothing is stored twice
    again = _upload(a.mgr, f"{P}/communities/{a.cid}/members/import", _save(book))
    assert again.status_code == 422 and len(again.get_json()["errors"]["files"]["file"]) == 3
    assert "已有成员马兰使用此号码" in again.get_json()["errors"]["files"]["file"][0]


def test_an_import_with_errors_stores_nothing(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    a = alliance(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    book = Workbook()
    ws = book.active
    ws.append(["备注", "手机号", "姓名", "类别", "技能", "身份证号", "报到日期", "同意联系"])  # any order
    ws.append([None, "13700000001", "好人", "志愿者", None, None, None, None])  # row 2: fine
    ws.append([None, "1370000", "短号", "志愿者", None, None, None, None])  # row 3: the phone
    ws.append([None, "13700000001", "重复", "志愿者", None, None, None, None])  # row 4: row 2's phone
    ws.append([None, "13700000004", "党员", "在职党员", "杂技", 370202198001011234, "昨天", "也许"])  # row 5
    ws.append([None, None, None, None, None, None, None, None])  # blank: skipped
    ws.append([None, "13700000006", "", "外星人", None, None, None, None])  # row 7: name and kind
    r = _upload(a.mgr, f"{P}/communities/{a.cid}/members/import", _save(book))
    assert r.status_code == 422, r.get_json()
    body = r.get_json()
    messages = body["errors"]["files"]["file"]
    assert "没有导入任何数据" in body["message"] and "9 处错误" in body["message"], body["message"]
    assert messages[0].startswith("第 3 行“手机号”：") and "11 位" in messages[0], messages
    assert any(m.startswith("第 4 行“手机号”：此号码已在第 2 行出现") for m in messages), messages
    row5 = [m for m in messages if m.startswith("第 5 行")]
    assert {m.split("：")[0] for m in row5} == {"第 5 行“技能”", "第 5 行“身份证号”", "第 5 行“报到日期”",
                                               "第 5 行“同意联系”", "第 5 行“所在单位党组织”"}, row5
    assert any("Excel 把身份证号存成了数字" in m for m in row5)
    assert {m.split("：")[0] for m in messages if m.startswith("第 7 行")} == {"第 7 行“姓名”", "第 7 行“类别”"}
    assert a.mgr.get(f"{P}/communities/{a.cid}/members").get_json()["total"] == 0  # row 2 neither
    english = _upload(a.mgr, f"{P}/communities/{a.cid}/members/import", _save(book), headers={"Accept-Language": "en"})
    assert english.get_json()["errors"]["files"]["file"][0].startswith("Row 3, column “手机号”: A mobile number")


def test_the_files_limits(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    a = alliance(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    url = f"{P}/communities/{a.cid}/members/import"
    refused(_upload(a.mgr, url, b"not a workbook"), 422, "file", "Excel")
    refused(_upload(a.mgr, url, b""), 422, "file", "")
    refused(_upload(a.mgr, url, b"PK\x03\x04 broken zip"), 422, "file", "Excel")
    book = Workbook()
    book.active.append(["姓名", "类别"])
    book.active.append(["甲", "志愿者"])
    refused(_upload(a.mgr, url, _save(book)), 422, "file", "表中没有“手机号”列")
    empty = Workbook()
    empty.active.append(["姓名", "类别", "手机号"])
    refused(_upload(a.mgr, url, _save(empty)), 422, "file", "没有成员")
    assert _upload(a.org, url, _save(empty)).status_code == 403
    assert a.mgr.post(url, data={}, content_type="multipart/form-data").status_code == 422


def test_the_seeds_scale_in_one_import(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    """海景北: 90 serving party members and 280 volunteers, one sheet."""
    a = alliance(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    today = local_today().isoformat()
    book = Workbook()
    ws = book.active
    ws.append(["姓名", "类别", "手机号", "所在单位党组织", "报到日期", "技能"])
    for i in range(370):
        party = i < 90
        ws.append([f"成员{i:03d}", "在职党员" if party else "志愿者", f"139{i:08d}",
                   "市直机关党支部" if party else None, today if party else None, "环境保洁" if i % 2 else None])
    r = _upload(a.mgr, f"{P}/communities/{a.cid}/members/import", _save(book))
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["created"] == 370
    url = f"{P}/communities/{a.cid}/members"
    assert a.mgr.get(url, query_string={"kind": "party_member"}).get_json()["total"] == 90
    assert a.mgr.get(url, query_string={"skill": "cleaning"}).get_json()["total"] == 185
    assert len(_rows(a.mgr.get(f"{url}.xlsx"))) == 370
