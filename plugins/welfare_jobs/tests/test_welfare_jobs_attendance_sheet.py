"""The monthly attendance sheet: its template, filled in with openpyxl and imported (counts, the
phone's clock times kept); an import with any error stores nothing; the file's limits."""

from __future__ import annotations

import calendar
import io
from datetime import UTC, datetime, timedelta

import pytest
from _rows import add, attendance_rows, attendance_world, placement, worker
from openpyxl import Workbook, load_workbook
from wuye_welfare_jobs.models import Attendance

P = "/api/v1/plugins/welfare_jobs"


@pytest.fixture
def world(wuye_make_tenant, wuye_register, wuye_enable_plugin):
    world = attendance_world(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    last = world.today.replace(day=1) - timedelta(days=1)
    world.first, world.last = last.replace(day=1), last  # last month: every day of it is past
    world.month = world.first.strftime("%Y-%m")
    # 陈 joined on the 10th of last month
    world.chen = worker(world.tenant, world.ids, "陈建国", "420117196207070123")
    placement(world.tenant, world.ids, world.chen, world.post, world.first.replace(day=10),
              world.first.replace(day=10) + timedelta(days=700))
    return world


def _upload(client, url, content: bytes, name="考勤.xlsx"):
    return client.post(url, data={"file": (io.BytesIO(content), name)}, content_type="multipart/form-data")


def _template(world):
    r = world.manager.get(f"{P}/communities/{world.ids['community']}/attendance/template.xlsx",
                          query_string={"month": world.month})
    assert r.status_code == 200, r.get_data(as_text=True)[:500]
    return load_workbook(io.BytesIO(r.data))


def _rows_by_name(sheet) -> dict[str, int]:
    return {sheet.cell(row, 2).value: row for row in range(2, sheet.max_row + 1) if sheet.cell(row, 2).value}


def _save(book) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_template_fill_import_round_trip(world):
    day3 = world.first.replace(day=3)
    clocked = datetime.combine(day3, datetime.min.time(), tzinfo=UTC).replace(hour=23) - timedelta(days=1)  # 07:00 Beijing
    add(world.tenant, Attendance(community_id=world.ids["community"], worker_id=world.wang,
                                 placement_id=world.placements[world.wang],
                                 post_id=world.post, day=day3, status="present", source="phone",
                                 clock_in_at=clocked, recorded_by="wang"))
    book = _template(world)
    sheet = book.worksheets[0]
    days = calendar.monthrange(world.first.year, world.first.month)[1]
    header = [c.value for c in sheet[1]]
    assert header[:4] == ["序号", "姓名", "身份证后四位", "岗位"] and header[4:] == list(range(1, days + 1))
    rows = _rows_by_name(sheet)
    assert list(rows)[:2] == ["李桂兰", "王秀英"] and "陈建国" in rows
    wang, li, chen = rows["王秀英"], rows["李桂兰"], rows["陈建国"]
    assert sheet.cell(wang, 3).value == "1234" and sheet.cell(li, 3).value == "567X"
    assert sheet.cell(wang, 4).value == "张家湾保洁岗"
    assert sheet.cell(wang, 4 + 3).value == "√"  # what is recorded already is filled in
    assert sheet.cell(chen, 4 + 1).value == "—" and sheet.cell(chen, 4 + 10).value is None  # joined on the 10th
    legend = " ".join(str(c.value) for row in sheet.iter_rows(min_row=max(rows.values()) + 1) for c in row if c.value)
    assert "√ 出勤" in legend and "病 病假" in legend and "— 不在岗" in legend

    for column, code in ((1, "√"), (2, "休"), (3, "缺")):
        sheet.cell(wang, 4 + column).value = code
    for column, code in ((1, "病"), (2, "年"), (4, "✓")):
        sheet.cell(li, 4 + column).value = code
    sheet.cell(chen, 4 + 10).value = "工"
    url = f"{P}/communities/{world.ids['community']}/attendance/import?month={world.month}"
    r = _upload(world.manager, url, _save(book))
    assert r.status_code == 200, r.get_json()
    assert r.get_json() == {"created": 6, "updated": 1, "unchanged": 0}
    stored = {(w, d.day): (status, kind, source, clock) for w, d, status, kind, source, clock in attendance_rows(world.tenant)}
    assert stored[(world.wang, 3)][:3] == ("absent", None, "sheet")
    assert stored[(world.wang, 3)][3] is not None  # the phone's clock-in is kept
    assert stored[(world.li, 1)][:2] == ("leave", "sick") and stored[(world.li, 4)][0] == "present"
    assert stored[(world.chen, 10)][:2] == ("leave", "injury")
    # the same sheet again: nothing changes
    r = _upload(world.manager, url, _save(book))
    assert r.get_json() == {"created": 0, "updated": 0, "unchanged": 7}
    # audited: the template (ID digits: personal data), the sheet's one correction (fields only)
    trail = world.tenant.admin.get("/api/v1/audit", query_string={"action": "welfare_jobs.amended"}).get_json()["items"]
    assert [(e["target_type"], e["details"]["fields"], e["details"]["days"]) for e in trail] == [
        ("attendance_sheet", ["status"], 1)]
    exported = world.tenant.admin.get("/api/v1/audit", query_string={"action": "welfare_jobs.exported"}).get_json()
    assert [e["details"]["file"] for e in exported["items"]] == ["attendance-template.xlsx"]
    # the month's counts see it
    page = world.manager.get(f"{P}/communities/{world.ids['community']}/attendance",
                             query_string={"month": world.month}).get_json()
    li_item = next(i for i in page["items"] if i["name"] == "李桂兰")
    assert (li_item["present"], li_item["leave"]["sick"], li_item["leave"]["annual"]) == (1, 1, 1)


def test_an_import_with_errors_stores_nothing(world):
    book = _template(world)
    sheet = book.worksheets[0]
    rows = _rows_by_name(sheet)
    wang, li, chen = rows["王秀英"], rows["李桂兰"], rows["陈建国"]
    sheet.cell(li, 4 + 6).value = "√"  # good, but not stored: the sheet has errors
    sheet.cell(wang, 4 + 5).value = "X"
    sheet.cell(chen, 4 + 1).value = "√"  # before 陈 joined
    stranger = sheet.max_row + 1
    sheet.cell(stranger, 2).value, sheet.cell(stranger, 3).value = "张三", "0000"
    url = f"{P}/communities/{world.ids['community']}/attendance/import?month={world.month}"
    r = _upload(world.manager, url, _save(book))
    assert r.status_code == 422
    body = r.get_json()
    assert body["message"] == "考勤表有 3 处错误，未保存任何内容。"
    assert body["errors"]["files"]["file"] == [
        f"行 {wang} 列 “5”：无法识别的代码 “X”。",
        f"行 {chen} 列 “1”：陈建国 当天不在岗。",
        f"行 {stranger}：没有姓名为 张三、身份证后四位为 0000 的人员。"]
    assert attendance_rows(world.tenant) == []

    # a team leader may not import, nor download the sheet (it holds ID digits)
    assert _upload(world.leader, url, _save(book)).status_code == 403
    assert world.leader.get(f"{P}/communities/{world.ids['community']}/attendance/template.xlsx").status_code == 403


def test_the_files_limits(world):
    url = f"{P}/communities/{world.ids['community']}/attendance/import?month={world.month}"
    r = _upload(world.manager, url, b"name,day\n")
    assert r.status_code == 422 and r.get_json()["errors"]["files"]["file"] == ["无法作为 Excel 工作簿（.xlsx）读取此文件。"]
    r = _upload(world.manager, url, b"PK\x03\x04" + b"\0" * 100)
    assert r.status_code == 422 and r.get_json()["errors"]["files"]["file"] == ["无法作为 Excel 工作簿（.xlsx）读取此文件。"]
    r = _upload(world.manager, url, b"PK\x03\x04" + b"\0" * (5 * 1024 * 1024))
    assert r.status_code == 422 and r.get_json()["errors"]["files"]["file"] == ["文件超过 5 MiB。"]
    # another month's sheet (its days do not match)
    days = calendar.monthrange(world.first.year, world.first.month)[1]
    other = "2026-02" if days != 28 else "2026-01"
    r = _upload(world.manager, f"{P}/communities/{world.ids['community']}/attendance/import?month={other}",
                _save(_template(world)))
    assert r.status_code == 422
    assert r.get_json()["errors"]["files"]["file"] == [f"日期列与 {other} 不符：请使用该月的考勤表模板。"]
    # more than 2,000 rows
    book = Workbook()
    sheet = book.active
    sheet.append(["序号", "姓名", "身份证后四位", "岗位", *range(1, days + 1)])
    for n in range(2001):
        sheet.append([n + 1, f"某{n}", "0000", "岗"])
    r = _upload(world.manager, url, _save(book))
    assert r.status_code == 422 and r.get_json()["errors"]["files"]["file"] == ["考勤表超过 2000 行。"]
    # no file at all
    r = world.manager.post(url, data={}, content_type="multipart/form-data")
    assert r.status_code == 422 and "file" in r.get_json()["errors"]["files"]
    assert attendance_rows(world.tenant) == []
