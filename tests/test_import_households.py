"""The household ledger import (住户台账): upload, job, progress, row errors, re-import, CLI."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import zipfile
from importlib import metadata
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import text

from wuye_core.app import create_app
from wuye_core.host.manager import ENTRY_POINT_GROUP
from wuye_core.testing import login, settings_for

VALID_ID_CARD = "11010519491231002X"
HEADERS = ["小区", "楼栋", "单元", "楼层", "房号", "面积（㎡）", "类型", "户主姓名", "电话", "人数", "身份证号", "标签",
           "入住日期"]
WUYE = str(Path(sys.executable).with_name("wuye"))


def xlsx(rows, headers=HEADERS, title=None) -> bytes:
    wb = Workbook()
    ws = wb.active
    if title:
        ws.append([title])
    ws.append(headers)
    for row in rows:
        ws.append(list(row))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def row(site="小区", building="2栋", entrance="1", floor=3, number="301", area=89.5, kind="自住", name="李四",
        phone="13900000001", members=3, id_card=None, tags="党员、业委会", moved_in="2020-01-05"):
    return [site, building, entrance, floor, number, area, kind, name, phone, members, id_card, tags, moved_in]


GOOD = [
    row(),
    row(number="302", name="王五", phone="13900000002", kind="租住", id_card=VALID_ID_CARD, tags=None, members=None),
    row(building="3栋", entrance="", number="101", name=None, kind="空置", phone=None, tags=None, area=None),
    row(building="1栋", entrance="1", number="101", name="张三", phone="13800000000", tags="网格员", members=4),
]


def upload(api, community_id, content: bytes, filename="台账.xlsx",
           content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"):
    return api.post(f"/api/v1/communities/{community_id}/imports/households",
                    data={"file": (io.BytesIO(content), filename, content_type)}, json=None)


def imported(api, community_id, content, **kw) -> dict:
    r = upload(api, community_id, content, **kw)
    assert r.status_code == 202, r.get_json()
    job = api.get(f"/api/v1/communities/{community_id}/imports/{r.get_json()['id']}").get_json()
    assert job["status"] in ("done", "failed"), job
    return job


def counts(job) -> tuple:
    return job["created"], job["updated"], job["unchanged"], job["failed"]


def errors(job) -> list[tuple]:
    return [(e["row"], e["column"], e["message"]) for e in job["errors"]]


@pytest.fixture
def world(wuye_make_tenant, wuye_register):
    t = wuye_make_tenant("acme")
    ids = wuye_register(t)  # 社区 c1, site 小区, 1栋, unit 1-101, a household, resident 张三 (党员)
    return t, ids


def test_a_good_file_imports_and_the_api_shows_it(world, wuye_owner_engine, wuye_backend):
    t, ids = world
    job = imported(t.admin, ids["community"], xlsx(GOOD))
    assert job["status"] == "done" and job["total_rows"] == job["processed_rows"] == 4
    # rows 2–4 made new households; row 5 updated the existing one (members, a tag)
    assert counts(job) == (3, 1, 0, 0) and job["errors"] == [] and job["filename"] == "台账.xlsx"
    api = t.admin
    assert api.get("/api/v1/buildings?q=栋").get_json()["total"] == 3  # 1栋 and the new 2栋, 3栋
    households = api.get(f"/api/v1/households?community_id={ids['community']}&per_page=100").get_json()["items"]
    assert len(households) == 4
    by_unit = {}
    for h in households:
        unit = api.get(f"/api/v1/units/{h['unit_id']}").get_json()
        by_unit[(unit["entrance"], unit["number"], unit["building_id"])] = (h, unit)
    vacant = next(h for h, u in by_unit.values() if u["number"] == "101" and h["kind"] == "vacant")
    assert vacant["members"] == 3
    renter = next((h, u) for h, u in by_unit.values() if u["number"] == "302")
    assert renter[0]["kind"] == "renter" and renter[1]["area_m2"] == 89.5 and renter[1]["floor"] == 3
    li = api.get("/api/v1/residents?q=李四").get_json()["items"][0]
    assert li["phone"] == "13900000001" and sorted(li["tags"]) == ["业委会", "党员"]
    wang = api.get("/api/v1/residents?q=王五").get_json()["items"][0]
    assert wang["id_card_masked"] == "110***********002X"
    zhang = api.get(f"/api/v1/residents/{ids['resident']}").get_json()
    assert sorted(zhang["tags"]) == ["党员", "网格员"]  # added, none removed
    assert api.get(f"/api/v1/households/{ids['household']}").get_json()["members"] == 4
    assert api.get("/api/v1/residents").get_json()["total"] == 3  # 张三 was not created again
    with wuye_owner_engine.connect() as conn:
        if wuye_backend.is_postgresql:
            conn.execute(text("select set_config('app.tenant_id', :t, false)"), {"t": str(t.id)})
        stored = conn.execute(text("select id_card from residents where name = '王五'")).scalar()
        assert stored and VALID_ID_CARD not in stored and "002X" not in stored
        moved_in = conn.execute(text("select moved_in_on from households where kind = 'renter'")).scalar()
    assert str(moved_in) == "2020-01-05"


def test_reimporting_the_same_file_changes_nothing(world):
    t, ids = world
    content = xlsx(GOOD)
    imported(t.admin, ids["community"], content)
    before = {path: t.admin.get(path + "?per_page=100").get_json()["items"]
              for path in ("/api/v1/buildings", "/api/v1/units", "/api/v1/households", "/api/v1/residents")}
    again = imported(t.admin, ids["community"], content)
    assert again["status"] == "done" and counts(again) == (0, 0, 4, 0)
    after = {path: t.admin.get(path + "?per_page=100").get_json()["items"] for path in before}
    assert after == before
    listed = t.admin.get(f"/api/v1/communities/{ids['community']}/imports").get_json()
    assert listed["total"] == 2 and [i["unchanged"] for i in listed["items"]] == [4, 0]  # newest first


def test_a_bad_file_reports_rows_and_columns_and_imports_only_the_valid_rows(world):
    t, ids = world
    rows = [
        row(number="401", name="好一"),                                  # 2: fine
        row(building="9栋", number="402", phone="call me"),              # 3: bad phone (new building: not made)
        row(number="403", area="八十"),                                  # 4: bad area
        row(site="没有这个小区", number="404"),                            # 5: unknown site
        row(number="405", kind="自己住"),                                 # 6: unknown type
        row(number="401", name="重复"),                                  # 7: same unit as row 2
        row(number="406", area=-3, floor=1000, id_card="110105194912310021"),  # 8: three errors
        row(number="407", name=None),                                   # 9: 户主 missing (not vacant)
        row(number="408", moved_in="2020-13-45", members="三"),          # 10: bad date, bad count
        row(number="409", name="好二", tags="x" * 21),                   # 11: tag too long
        row(number="410", name="好三", moved_in="2021年3月8日"),           # 12: fine
    ]
    job = imported(t.admin, ids["community"], xlsx(rows))
    assert job["status"] == "done"
    assert counts(job) == (2, 0, 0, 9) and job["processed_rows"] == job["total_rows"] == 11
    got = errors(job)
    assert got == [
        (3, "电话", "不是有效的电话号码。"),
        (4, "面积（㎡）", "不是有效的数字。"),
        (5, "小区", "本社区没有这个名称的小区。"),
        (6, "类型", "未知的类型：请填写 自住、租住 或 空置。"),
        (7, "房号", "与第 2 行是同一套房屋（小区、楼栋、单元、房号相同）。"),
        (8, "楼层", "必须在 -10 到 300 之间。"),
        (8, "面积（㎡）", "必须在 0 到 10000000 之间。"),
        (8, "身份证号", "不是有效的身份证号码。"),
        (9, "户主姓名", "此列必须填写。"),
        (10, "人数", "不是有效的整数。"),
        (10, "入住日期", "不是有效的日期。"),
        (11, "标签", "长度必须在 1 到 20 之间。"),
    ], got
    english = {(e["row"], e["column"]): e["message_en"] for e in job["errors"]}
    assert english[(3, "电话")] == "Not a valid phone number."
    assert english[(7, "房号")] == "Same unit (小区, 楼栋, 单元, 房号) as row 2."
    assert job["error_count"] == 12
    # only rows 2 and 12 are in; nothing of the failed rows (no building 9栋, no unit 402…)
    units = {u["number"] for u in t.admin.get("/api/v1/units?per_page=100").get_json()["items"]}
    assert units == {"101", "401", "410"}
    assert t.admin.get("/api/v1/buildings?q=9栋").get_json()["total"] == 0
    names = {r["name"] for r in t.admin.get("/api/v1/residents?per_page=100").get_json()["items"]}
    assert names == {"张三", "好一", "好三"}
    # in English on request
    en = t.admin.get(f"/api/v1/communities/{ids['community']}/imports/{job['id']}?lang=en").get_json()
    assert en["errors"][0]["message"] == "Not a valid phone number."


def test_header_problems_fail_the_whole_file_naming_the_columns(world):
    t, ids = world
    headers = [h if h != "电话" else "微信号" for h in HEADERS] + ["备注"]
    job = imported(t.admin, ids["community"], xlsx([row() + ["x"]], headers=headers))
    assert job["status"] == "failed" and job["message"] == "表头有问题，未导入任何数据。"
    assert [(e["row"], e["column"]) for e in job["errors"]] == [(1, "微信号"), (1, "备注")]
    assert job["errors"][0]["message"].startswith("未知的列。")
    assert "身份证号" in job["errors"][0]["message"]  # names the columns it knows
    missing = imported(t.admin, ids["community"], xlsx([row()[1:]], headers=HEADERS[1:]))
    assert missing["status"] == "failed" and errors(missing) == [(1, "小区", "缺少必需的列。")]
    twice = imported(t.admin, ids["community"], xlsx([row() + ["2栋"]], headers=HEADERS + ["楼号"]))
    assert twice["status"] == "failed" and [e["column"] for e in twice["errors"]] == ["楼号"]
    nothing = imported(t.admin, ids["community"], xlsx([], headers=["甲", "乙"]))
    assert nothing["status"] == "failed" and nothing["message_en"].startswith("No header row found")
    assert t.admin.get("/api/v1/units").get_json()["total"] == 1


def test_headers_accept_synonyms_spaces_and_a_title_row(world):
    t, ids = world
    headers = [" 小区名称 ", "楼 号", "单元号", "所在楼层", "门牌号", "建筑面积(m²)", "*住户类型", "户主", "联系电话",
               "家庭人数", "身份证号码", "居民标签", "入住时间", "", None]
    content = xlsx([row(number="501", phone=13900000009, moved_in="2019/7/1") + [None, None]], headers=headers,
                   title="某某社区住户台账（2026年）")
    job = imported(t.admin, ids["community"], content)
    assert job["status"] == "done" and counts(job) == (1, 0, 0, 0), job
    resident = t.admin.get("/api/v1/residents?q=李四").get_json()["items"][0]
    assert resident["phone"] == "13900000009"  # a number cell becomes text without ".0"


def test_blank_cells_leave_stored_values_alone(world):
    t, ids = world
    imported(t.admin, ids["community"], xlsx([row(number="601", phone="13900000601", members=2)]))
    job = imported(t.admin, ids["community"], xlsx([row(number="601", phone=None, members=None, area=None,
                                                        tags=None, moved_in=None, floor=None)]))
    assert counts(job) == (0, 0, 1, 0)
    resident = t.admin.get("/api/v1/residents?q=李四").get_json()["items"][0]
    assert resident["phone"] == "13900000601" and sorted(resident["tags"]) == ["业委会", "党员"]
    changed = imported(t.admin, ids["community"], xlsx([row(number="601", kind="租住", phone="13900000602")]))
    assert counts(changed) == (0, 1, 0, 0)
    assert t.admin.get("/api/v1/residents?q=李四").get_json()["items"][0]["phone"] == "13900000602"


@pytest.mark.parametrize("content,filename,content_type", [
    (b"\x89PNG\r\n\x1a\n" + b"0" * 100, "a.xlsx", "application/octet-stream"),
    (b"just text, not a workbook", "a.xlsx", "text/plain"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"0" * 100, "old.xls", "application/vnd.ms-excel"),
    (b"", "empty.xlsx", "application/octet-stream"),
    ("zip", "a.xlsx", "application/zip"),  # a ZIP that holds no workbook
    ("broken", "a.xlsx", "application/octet-stream"),  # starts like a ZIP, is not one
])
def test_a_file_that_is_not_an_xlsx_is_a_422(world, content, filename, content_type):
    t, ids = world
    if content == "zip":
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("hello.txt", "hi")
        content = buffer.getvalue()
    elif content == "broken":
        content = b"PK\x03\x04" + b"\x00" * 200
    r = upload(t.admin, ids["community"], content, filename=filename, content_type=content_type)
    assert r.status_code == 422, r.get_json()
    assert "file" in r.get_json()["errors"]["files"]
    assert t.admin.get(f"/api/v1/communities/{ids['community']}/imports").get_json()["total"] == 0


def test_a_declared_type_that_contradicts_the_content_is_a_422(world):
    t, ids = world
    r = upload(t.admin, ids["community"], xlsx(GOOD), content_type="image/png")
    assert r.status_code == 422 and "file" in r.get_json()["errors"]["files"]
    ok = upload(t.admin, ids["community"], xlsx(GOOD), content_type="application/octet-stream")
    assert ok.status_code == 202


def test_who_may_import(world, wuye_make_tenant, wuye_register):
    t, ids = world
    url = f"/api/v1/communities/{ids['community']}/imports"
    content = xlsx(GOOD)
    readonly = t.user("viewer", "readonly", [ids["community"]])
    r = upload(readonly, ids["community"], content)
    assert r.status_code == 403
    staff = t.user("staff", "community_staff", [ids["community"]])
    job = imported(staff, ids["community"], content)
    assert job["status"] == "done" and job["created_by"] == "staff"
    assert readonly.get(f"{url}/{job['id']}").status_code == 200  # readers may follow it
    assert readonly.get(f"{url}/households/template.xlsx").status_code == 200
    other = t.admin.post("/api/v1/communities", json={"name": "二社区", "code": "c2"}).get_json()["id"]
    elsewhere = t.user("elsewhere", "community_staff", [other])
    assert upload(elsewhere, ids["community"], content).status_code == 404
    assert elsewhere.get(f"{url}/{job['id']}").status_code == 404
    assert elsewhere.get(f"{url}/households/template.xlsx").status_code == 404
    assert t.admin.get(f"/api/v1/communities/{other}/imports/{job['id']}").status_code == 404  # wrong community
    b = wuye_make_tenant("tenant-b")
    wuye_register(b)
    assert upload(b.admin, ids["community"], content).status_code == 404
    assert b.admin.get(f"{url}/{job['id']}").status_code == 404
    assert b.admin.get(f"{url}/households/template.xlsx").status_code == 404
    assert b.admin.get(url).status_code == 404
    assert t.admin.get("/api/v1/households").get_json()["total"] == 4  # only staff's import landed


def test_the_template_downloads_and_imports_cleanly(world):
    t, ids = world
    r = t.admin.get(f"/api/v1/communities/{ids['community']}/imports/households/template.xlsx")
    assert r.status_code == 200 and r.mimetype.endswith("spreadsheetml.sheet")
    assert "filename*=UTF-8''" in r.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(r.data)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:5] == ("小区", "楼栋", "单元", "楼层", "房号") and rows[1][0] == "小区"
    job = imported(t.admin, ids["community"], r.data, filename="模板.xlsx")
    assert job["status"] == "done" and counts(job) == (1, 0, 0, 0), job
    assert counts(imported(t.admin, ids["community"], r.data)) == (0, 0, 1, 0)


def test_the_upload_is_removed_once_imported(world, wuye_app):
    t, ids = world
    imported(t.admin, ids["community"], xlsx(GOOD))
    storage = wuye_app.extensions["wuye_storage"]
    root = Path(storage.root) / f"t{t.id}" / "import"
    assert not root.exists() or not any(p.is_file() for p in root.rglob("*"))


def test_events_reach_listening_plugins(world, wuye_enable_plugin):
    t, ids = world
    wuye_enable_plugin(t, "sample", ids["community"])  # notes every new household (household_created)
    notes_url = f"/api/v1/plugins/sample/communities/{ids['community']}/notes"
    before = t.admin.get(notes_url).get_json()
    count = before["total"] if isinstance(before, dict) else len(before)
    imported(t.admin, ids["community"], xlsx(GOOD))
    after = t.admin.get(notes_url).get_json()
    assert (after["total"] if isinstance(after, dict) else len(after)) == count + 3


def _ep(name, target):
    return metadata.EntryPoint(name, target, ENTRY_POINT_GROUP)


def test_a_plugin_veto_fails_the_row_only(wuye_backend, wuye_app, wuye_make_tenant, wuye_register):
    strict_app = create_app(settings_for(wuye_backend), plugin_entry_points=[_ep("strict", "tests.plugin_fixtures:strict")])
    t = wuye_make_tenant("acme")
    ids = wuye_register(t)
    admin = login(strict_app, "acme", "admin", "admin-pass-123")
    assert admin.put("/api/v1/plugins/strict", json={"enabled": True}).status_code == 200
    assert admin.put(f"/api/v1/communities/{ids['community']}/plugins/strict", json={"enabled": True}).status_code == 200
    job = imported(admin, ids["community"], xlsx([row(number="701"), row(number="702", name="无电话", phone=None)]))
    assert counts(job) == (1, 0, 0, 1)
    assert errors(job) == [(3, "电话", "登记居民必须填写电话")]
    assert {u["number"] for u in admin.get("/api/v1/units").get_json()["items"]} == {"101", "701"}
    # the same veto through the API: the same message, the same plugin named (one rule, host/dispatch.py)
    api = admin.post("/api/v1/residents", json={"household_id": ids["household"], "name": "无电话"}).get_json()
    refused = job["errors"][0]
    assert api["errors"]["json"]["phone"] == [refused["message"]]
    assert (api["errors"]["plugin"], api["errors"]["plugin_title"]) == (refused["plugin"], refused["plugin_title"])
    assert refused["plugin"] == "strict" and refused["plugin_title"] == "strict插件"


# --- the command line ---------------------------------------------------------------------------


@pytest.fixture
def wuye(wuye_app, wuye_backend, tmp_path):
    settings = wuye_app.config["WUYE"]
    env = {**os.environ, "WUYE_DATABASE_URL": wuye_backend.app_url, "WUYE_MIGRATE_DATABASE_URL": wuye_backend.owner_url,
           "WUYE_SECRET_KEY": settings.secret_key, "WUYE_LOG_LEVEL": "WARNING"}
    env.pop("WUYE_REDIS_URL", None)

    def run(*args):
        return subprocess.run([WUYE, *args], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120)

    return run


def test_cli_imports_and_exits_non_zero_when_rows_fail(world, wuye, tmp_path):
    t, ids = world
    good, bad = tmp_path / "good.xlsx", tmp_path / "bad.xlsx"
    good.write_bytes(xlsx(GOOD))
    bad.write_bytes(xlsx([row(number="801", name="好"), row(number="802", phone="call me")]))
    result = wuye("import", "households", "--tenant", "acme", "--community", "c1", str(good))
    assert result.returncode == 0, result.stderr
    assert "新建 created 3, 更新 updated 1, 未变 unchanged 0, 失败 failed 0" in result.stdout
    again = wuye("import", "households", "--tenant", "acme", "--community", "c1", str(good))
    assert again.returncode == 0 and "未变 unchanged 4" in again.stdout
    failed = wuye("import", "households", "--tenant", "acme", "--community", "c1", str(bad))
    assert failed.returncode == 1
    assert "第 3 行 / row 3: [电话] 不是有效的电话号码。 / Not a valid phone number." in failed.stdout
    assert "新建 created 1" in failed.stdout and "失败 failed 1" in failed.stdout
    header = tmp_path / "header.xlsx"
    header.write_bytes(xlsx([row()], headers=["小区", "楼栋", "房号", "类型", "户主姓名", "颜色"]))
    broken = wuye("import", "households", "--tenant", "acme", "--community", "c1", str(header))
    assert broken.returncode == 1 and "[颜色]" in broken.stdout and "import failed" in broken.stderr
    assert wuye("import", "households", "--tenant", "acme", "--community", "nope", str(good)).returncode == 1
    assert wuye("import", "households", "--tenant", "nope", "--community", "c1", str(good)).returncode == 1
    listed = t.admin.get(f"/api/v1/communities/{ids['community']}/imports").get_json()
    assert [i["created_by"] for i in listed["items"]] == ["cli"] * 4


def test_many_small_batches_give_the_same_result(world, monkeypatch):
    from wuye_core.imports.households import run
    from wuye_core.imports.households.seen_keys import SeenKeys

    monkeypatch.setattr(run, "BATCH_SIZE", 2)
    monkeypatch.setattr(SeenKeys, "RUN", 2)  # spill and merge the duplicate index too
    t, ids = world
    rows = [row(building=f"{n % 3 + 5}栋", number=str(900 + n), name=f"住户{n}") for n in range(9)]
    rows.insert(7, row(building="5栋", number="900", name="重复"))  # row 9 repeats row 2, batches apart
    job = imported(t.admin, ids["community"], xlsx(rows))
    assert counts(job) == (9, 0, 0, 1) and errors(job) == [(9, "房号", "与第 2 行是同一套房屋（小区、楼栋、单元、房号相同）。")]
    assert t.admin.get("/api/v1/buildings?q=栋").get_json()["total"] == 4  # 5栋, 6栋, 7栋 made once each
    assert counts(imported(t.admin, ids["community"], xlsx(rows))) == (0, 0, 9, 1)


def test_the_duplicate_index_finds_every_earlier_row(monkeypatch):
    from wuye_core.imports.households.seen_keys import SeenKeys

    monkeypatch.setattr(SeenKeys, "RUN", 3)
    seen, first = SeenKeys(), {}
    keys = [(1, f"{n % 7}栋", "", str(n % 11)) for n in range(200)]
    for row_number, key in enumerate(keys, 2):
        assert seen.first_row(key, row_number) == first.setdefault(key, row_number)
    assert len(seen) == len(first) == 77 and len(seen.runs) <= 7


def test_an_import_whose_worker_died_is_marked_failed_by_the_sweep(world, wuye_app):
    """A worker killed outright never records the end of its import: the periodic sweep does,
    once the import has run longer than its job may; a recent one is left to finish."""
    from datetime import UTC, datetime, timedelta

    from wuye_core.extensions import db
    from wuye_core.imports import tasks
    from wuye_core.imports.models import ImportJob, ImportStatus
    from wuye_core.tenancy import tenant_context

    t, ids = world
    with wuye_app.app_context(), tenant_context(t.id):
        long_ago = datetime.now(UTC) - timedelta(hours=3)
        for started in (long_ago, datetime.now(UTC)):
            db.session.add(ImportJob(community_id=ids["community"], status=ImportStatus.running, started_at=started,
                                     filename="台账.xlsx"))
        db.session.commit()
        assert tasks.sweep_imports() == 1
        assert tasks.sweep_imports() == 0  # once
    listed = t.admin.get(f"/api/v1/communities/{ids['community']}/imports").get_json()
    items = listed["items"] if isinstance(listed, dict) else listed
    by_status = sorted((job["status"], job.get("message") or "") for job in items)
    assert [s for s, _ in by_status] == ["failed", "running"]
    assert "中断" in by_status[0][1]  # said in Chinese by default
