"""The register at the console: browse and search, masking by role, forms with errors next to
their fields, the community's config, the household import with its progress and row errors."""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import Workbook

pytestmark = pytest.mark.usefixtures("_wuye_clean_database")

HEADERS = ["小区", "楼栋", "单元", "楼层", "房号", "面积（㎡）", "类型", "户主姓名", "电话", "人数", "身份证号", "标签",
           "入住日期"]


def xlsx(rows) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(HEADERS)
    for row in rows:
        ws.append(list(row))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


@pytest.fixture
def world(wuye_make_tenant, wuye_register):
    t = wuye_make_tenant("acme")
    ids = wuye_register(t)  # 社区 → 小区 → 1栋 → 1-101 → a household → 张三 13800000000 (党员)
    r = t.admin.post("/api/v1/residents", json={"household_id": ids["household"], "name": "李低保",
                                                "phone": "13912345678", "tags": ["低保户", "志愿者"]})
    assert r.status_code == 201, r.get_json()
    ids["li"] = r.get_json()["id"]
    return t, ids


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_browse_from_the_communities_down_to_the_residents(world):
    t, ids = world
    console = t.console()
    page = console.get("/console/register")
    assert page.status_code == 200 and "社区" in page.text
    community = console.get(f"/console/register/communities/{ids['community']}")
    assert community.status_code == 200 and "小区" in community.text
    site = console.get(f"/console/register/sites/{ids['site']}")
    assert "1栋" in site.text
    building = console.get(f"/console/register/buildings/{ids['building']}")
    assert "101" in building.text
    unit = console.get(f"/console/register/units/{ids['unit']}")
    assert f"/console/register/households/{ids['household']}" in unit.text
    household = console.get(f"/console/register/households/{ids['household']}")
    shown = text_of(household.text)
    assert household.status_code == 200 and "张三" in shown and "13800000000" in shown and "低保户" in shown
    # the breadcrumbs lead back up
    for url in ("/console/register", f"/console/register/communities/{ids['community']}",
                f"/console/register/sites/{ids['site']}", f"/console/register/buildings/{ids['building']}",
                f"/console/register/units/{ids['unit']}"):
        assert f'href="{url}"' in household.text


def test_search_residents_by_name_or_phone_and_rooms_by_number(world):
    t, ids = world
    console = t.console()
    base = f"/console/register/communities/{ids['community']}/search"
    by_name = text_of(console.get(base + "?what=residents&q=张").text)
    assert "张三" in by_name and "李低保" not in by_name and "1栋 1-101" in by_name
    by_phone = text_of(console.get(base + "?what=residents&q=1391234").text)
    assert "李低保" in by_phone and "张三" not in by_phone
    rooms = console.get(base + "?what=rooms&q=10")
    assert "1-101" in text_of(rooms.text) and f"/console/register/households/{ids['household']}" in rooms.text
    nothing = text_of(console.get(base + "?what=rooms&q=999").text)
    assert "没有找到" in nothing


def test_personal_data_is_masked_for_readonly_as_the_api_masks_it(world):
    t, ids = world
    t.user("chakan", "readonly", [ids["community"]])
    t.user("daoxiang", "community_staff", [ids["community"]])
    readonly = t.console("chakan", "password-123")
    page = text_of(readonly.get(f"/console/register/households/{ids['household']}").text)
    assert "138****0000" in page and "139****5678" in page
    assert "13800000000" not in page and "低保户" not in page and "志愿者" in page
    assert "新增居民" not in page  # readonly writes nothing
    # no search by phone for readonly (the API's rule): nothing found
    base = f"/console/register/communities/{ids['community']}/search?what=residents&q="
    assert "李低保" not in text_of(readonly.get(base + "1391234").text)
    assert readonly.get(f"/console/register/residents/new?parent={ids['household']}").status_code == 403
    staff = t.console("daoxiang", "password-123")
    page = text_of(staff.get(f"/console/register/households/{ids['household']}").text)
    assert "13800000000" in page and "13912345678" in page and "低保户" in page and "新增居民" in page
    assert "李低保" in text_of(staff.get(base + "1391234").text)


def test_create_a_resident_errors_next_to_the_fields_then_success(world):
    t, ids = world
    t.user("daoxiang", "community_staff", [ids["community"]])
    console = t.console("daoxiang", "password-123")
    url = f"/console/register/residents/new?parent={ids['household']}"
    form = console.get(url)
    assert form.status_code == 200 and 'name="name"' in form.text
    bad = console.post(url, data={"name": "王五", "phone": "call me", "birth_year": "1800"})
    assert bad.status_code == 422
    assert re.search(r'<p class="error" id="e-phone">[^<]*电话', bad.text)
    assert 'id="e-birth_year"' in bad.text and 'value="王五"' in bad.text
    same = console.post(url, data={"name": "张三"})  # the natural key: 409 from the service, next to `name`
    assert same.status_code == 422 and re.search(r'id="e-name">[^<]*已有同名居民', same.text)
    ok = console.post(url, data={"name": "王五", "phone": "13700000001", "gender": "male", "birth_year": "1980",
                                 "tags": "党员，志愿者"})
    assert ok.status_code == 302 and ok.headers["Location"].endswith(f"/console/register/households/{ids['household']}")
    wang = t.admin.get("/api/v1/residents?q=王五").get_json()["items"]
    assert len(wang) == 1 and wang[0]["phone"] == "13700000001" and sorted(wang[0]["tags"]) == ["党员", "志愿者"]
    assert "王五" in console.get(ok.headers["Location"]).text
    # and edit: the phone emptied, the name kept
    edit = f"/console/register/residents/{wang[0]['id']}/edit"
    assert 'value="13700000001"' in console.get(edit).text
    assert console.post(edit, data={"name": "王五", "gender": "male", "birth_year": "1980", "tags": "党员"}).status_code == 302
    after = t.admin.get(f"/api/v1/residents/{wang[0]['id']}").get_json()
    assert after["phone"] is None and after["tags"] == ["党员"] and after["birth_year"] == 1980


def test_households_and_buildings_through_their_forms(world):
    t, ids = world
    console = t.console()
    r = console.post(f"/console/register/buildings/new?parent={ids['site']}", data={"name": "", "floors": "400"})
    assert r.status_code == 422 and 'id="e-name"' in r.text and 'id="e-floors"' in r.text
    r = console.post(f"/console/register/buildings/new?parent={ids['site']}", data={"name": "2栋", "floors": "18"})
    assert r.status_code == 302
    r = console.post(f"/console/register/households/new?parent={ids['unit']}", data={"kind": "renter", "members": "x"})
    assert r.status_code == 422 and 'id="e-members"' in r.text
    r = console.post(f"/console/register/households/new?parent={ids['unit']}",
                     data={"kind": "renter", "members": "2", "moved_in_on": "2024-05-01"})
    assert r.status_code == 302
    households = t.admin.get(f"/api/v1/households?unit_id={ids['unit']}").get_json()["items"]
    assert sorted(h["kind"] for h in households) == ["owner", "renter"]


def test_config_an_invalid_value_is_named_and_nothing_is_saved_then_a_valid_one_is(world):
    t, ids = world
    console = t.console()
    url = f"/console/register/communities/{ids['community']}/config"
    page = console.get(url)
    assert page.status_code == 200 and 'name="tickets.sla.normal.arrive_minutes" type="number" value="5"' in page.text
    version = re.search(r'name="version" value="(\d+)"', page.text).group(1)
    form = {"version": version, "core.service_phone": "027-88886666", "core.service_hours": "08:30-17:30",
            "tickets.categories": "水电维修\n电梯\n其他", "tickets.auto_close_days": "7", "tickets.sla.name": "5341"}
    for priority, (arrive, resolve) in {"normal": (5, 30), "urgent": (5, 30), "major": (5, 240),
                                        "complex": (5, 1440)}.items():
        form[f"tickets.sla.{priority}.arrive_minutes"] = str(arrive)
        form[f"tickets.sla.{priority}.resolve_minutes"] = str(resolve)
    before = t.admin.get(f"/api/v1/communities/{ids['community']}/config").get_json()
    bad = console.post(url, data={**form, "tickets.sla.normal.arrive_minutes": "-5"})
    assert bad.status_code == 422
    assert re.search(r'id="e-tickets.sla.normal.arrive_minutes">[^<]*\S', bad.text)
    assert 'value="-5"' in bad.text
    assert t.admin.get(f"/api/v1/communities/{ids['community']}/config").get_json() == before  # nothing saved
    ok = console.post(url, data={**form, "tickets.sla.normal.arrive_minutes": "10"})
    assert ok.status_code == 302
    after = t.admin.get(f"/api/v1/communities/{ids['community']}/config").get_json()
    assert after["version"] == before["version"] + 1
    assert after["config"]["tickets"]["sla"]["normal"]["arrive_minutes"] == 10
    assert after["config"]["tickets"]["categories"] == ["水电维修", "电梯", "其他"]
    assert after["config"]["core"]["service_phone"] == "027-88886666"
    assert after["config"]["tickets"]["notify"] == before["config"]["tickets"]["notify"]  # kept
    history = t.admin.get(f"/api/v1/communities/{ids['community']}/config/history").get_json()
    assert history["total"] == 1 and history["items"][0]["changed_by"] == "admin"
    assert "admin" in text_of(console.get(url).text)


def test_config_is_read_only_for_community_staff(world):
    t, ids = world
    t.user("daoxiang", "community_staff", [ids["community"]])
    console = t.console("daoxiang", "password-123")
    url = f"/console/register/communities/{ids['community']}/config"
    page = console.get(url)
    assert page.status_code == 200 and "disabled" in page.text and "保存配置" not in page.text
    before = t.admin.get(f"/api/v1/communities/{ids['community']}/config").get_json()
    refused = console.post(url, data={"version": str(before["version"]), "tickets.sla.name": "x"})
    assert refused.status_code == 422 and "只有单位管理员" in refused.text
    assert t.admin.get(f"/api/v1/communities/{ids['community']}/config").get_json() == before


def test_import_a_ledger_progress_reaches_done_and_row_errors_are_listed(world):
    t, ids = world
    console = t.console()
    page = console.get(f"/console/register/communities/{ids['community']}/import")
    assert page.status_code == 200 and 'type="file"' in page.text
    template = console.get(f"/console/register/communities/{ids['community']}/import/template.xlsx")
    assert template.status_code == 200 and template.data[:2] == b"PK"
    content = xlsx([
        ["小区", "2栋", "1", 3, "301", 89.5, "自住", "李四", "13900000001", 3, None, "党员", "2020-01-05"],
        ["小区", "2栋", "1", 3, "302", 80, "自住", "王五", "call me", 2, None, None, None],
    ])
    empty = console.post(f"/console/register/communities/{ids['community']}/import", data={})
    assert empty.status_code == 422 and 'id="e-file"' in empty.text
    started = console.post(f"/console/register/communities/{ids['community']}/import",
                           data={"file": (io.BytesIO(content), "台账.xlsx")}, content_type="multipart/form-data")
    assert started.status_code == 302, started.text[:2000]
    job_page = console.get(started.headers["Location"])
    assert job_page.status_code == 200 and "<progress" in job_page.text
    import_id = int(started.headers["Location"].rstrip("/").split("/")[-1])
    progress = console.get(f"/console/register/communities/{ids['community']}/imports/{import_id}/progress",
                           headers={"HX-Request": "true"})
    assert progress.status_code == 200
    assert 'value="100"' in progress.text and "hx-trigger" not in progress.text  # done: no more polling
    shown = text_of(progress.text)
    assert "行错误" in shown and "电话" in shown
    api = t.admin.get(f"/api/v1/communities/{ids['community']}/imports/{import_id}").get_json()
    assert api["status"] == "done" and api["created"] == 1 and api["failed"] == 1
    assert api["errors"][0]["message"] in shown
    assert "李四" in text_of(console.get(f"/console/register/communities/{ids['community']}/search?q=李四").text)


def test_readonly_cannot_upload(world):
    t, ids = world
    t.user("chakan", "readonly", [ids["community"]])
    console = t.console("chakan", "password-123")
    page = console.get(f"/console/register/communities/{ids['community']}/import")
    assert page.status_code == 200 and 'type="file"' not in page.text
    r = console.post(f"/console/register/communities/{ids['community']}/import",
                     data={"file": (io.BytesIO(xlsx([])), "a.xlsx")}, content_type="multipart/form-data")
    assert r.status_code == 422 and t.admin.get(f"/api/v1/communities/{ids['community']}/imports").get_json()["total"] == 0


def test_another_tenants_register_is_not_found(world, wuye_make_tenant, wuye_register):
    t, ids = world
    other = wuye_make_tenant("other")
    console = other.console()
    for url in (f"/console/register/communities/{ids['community']}", f"/console/register/households/{ids['household']}",
                f"/console/register/communities/{ids['community']}/config",
                f"/console/register/residents/{ids['resident']}/edit"):
        assert console.get(url).status_code == 404, url
