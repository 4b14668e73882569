"""The residents' pages of notices (公告), public disclosures (公示) and 我的信息 (#19 items 4–6)
without a browser: a resident sees their community's notice and not another building's, urgent
first and marked, unread until opened (opening records the read receipt staff count); the
disclosures of their community and site with their files, another site's a 404; their copy as a
JSON file; a deletion request waiting, refused with the staff's reason, or approved — after which
the session ends on the sign-in page."""

from __future__ import annotations

import io
import json
import re
from datetime import timedelta

from wuye_core.common.clock import local_today

from ..test_resident_sign_in import signed_in as api_signed_in
from ..test_resident_tickets import PHONE
from ..test_resident_tickets import world as world  # a fixture: acme, its service phone, a neighbour
from .test_h5_pages import csrf, link, signed_in

PDF = b"%PDF-1.4\n% disclosure\n" + b"0" * 64
TODAY = local_today()


def _created(response) -> int:
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def _other_building(tenant, ids) -> int:
    """A household in 2栋 of the same site (李四's neighbour 王五, 13700000000)."""
    api = tenant.admin
    building = _created(api.post("/api/v1/buildings", json={"site_id": ids["site"], "name": "2栋"}))
    unit = _created(api.post("/api/v1/units", json={"building_id": building, "number": "201"}))
    household = _created(api.post("/api/v1/households", json={"unit_id": unit, "kind": "owner"}))
    _created(api.post("/api/v1/residents", json={"household_id": household, "name": "王五", "phone": "13700000000"}))
    return building


def _notice(tenant, ids, **changes) -> dict:
    r = tenant.admin.post("/api/v1/notices", json={"community_id": ids["community"], "audience": "community",
                                                   "title": "电梯检修", "body": "本周六上午电梯检修。\n请走楼梯。",
                                                   **changes})
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def test_a_resident_reads_their_notices_urgent_first_and_opening_marks_it_read(wuye_app, world, caplog):
    tenant, ids = world
    other_building = _other_building(tenant, ids)
    ordinary = _notice(tenant, ids)
    theirs = _notice(tenant, ids, audience="building", building_id=other_building, title="2栋停电")
    urgent = _notice(tenant, ids, kind="urgent", category="water", title="明日停水",
                     valid_until=f"{TODAY + timedelta(days=2)}T12:00:00+08:00")
    client = signed_in(wuye_app, tenant, link(wuye_app, tenant, ids["community"]))

    home = client.get("/h5/").get_data(as_text=True)
    assert re.search(r'data-unread aria-label="2 条未读">2</span>', home), home
    assert "未读公告：2" in home
    r = client.get("/h5/notices")
    page = r.get_data(as_text=True)
    assert r.status_code == 200 and "2栋停电" not in page
    assert page.index("明日停水") < page.index("电梯检修")  # urgent first
    assert page.count(">未读<") == 2 and page.count(">紧急<") == 1 and "停水 · " in page
    assert f"至 {TODAY + timedelta(days=2)} 12:00" in page  # valid until, Beijing time
    assert client.get(f"/h5/notices/{theirs['id']}").status_code == 404

    assert tenant.admin.get(f"/api/v1/notices/{urgent['id']}").get_json()["read_households"] == 0
    r = client.get(f"/h5/notices/{urgent['id']}")
    page = r.get_data(as_text=True)
    assert r.status_code == 200 and "data-urgent" in page and "明日停水" in page
    seen = tenant.admin.get(f"/api/v1/notices/{urgent['id']}").get_json()
    assert (seen["read_households"], seen["audience_households"]) == (1, 3)  # 101, 102, 2栋's 201
    page = client.get("/h5/notices").get_data(as_text=True)
    assert page.count(">未读<") == 1 and 'aria-label="1 条未读"' in page
    body = client.get(f"/h5/notices/{ordinary['id']}").get_data(as_text=True)
    assert "<p>本周六上午电梯检修。</p><p>请走楼梯。</p>" in body and "data-urgent" not in body
    assert "data-unread" not in client.get("/h5/").get_data(as_text=True)  # all read: no badge
    assert tenant.admin.get(f"/api/v1/notices/{ordinary['id']}").get_json()["read_households"] == 1

    withdrawn = tenant.admin.post(f"/api/v1/notices/{ordinary['id']}/withdraw", json={"reason": "已完成"})
    assert withdrawn.status_code == 200, withdrawn.get_json()
    assert client.get(f"/h5/notices/{ordinary['id']}").status_code == 404
    assert "电梯检修" not in client.get("/h5/notices?lang=en").get_data(as_text=True)


def _upload(tenant, name="2026年第三季度收支.pdf") -> int:
    return _created(tenant.admin.post("/api/v1/disclosures/files", json=None,
                                      data={"file": (io.BytesIO(PDF), name, "application/pdf")}))


def _disclosure(tenant, community_id, **changes) -> dict:
    r = tenant.admin.post("/api/v1/disclosures", json={
        "community_id": community_id, "kind": "income_spending", "title": "2026年第三季度物业费收支明细",
        "summary": "收入 12.3 万元，支出 11.8 万元。", "period_start": "2026-07-01", "period_end": "2026-09-30",
        "publish_from": TODAY.isoformat(), "publish_until": (TODAY + timedelta(days=14)).isoformat(), **changes})
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def test_a_resident_reads_their_disclosures_and_downloads_a_file(wuye_app, world):
    tenant, ids = world
    other_site = _created(tenant.admin.post("/api/v1/sites", json={"community_id": ids["community"],
                                                                   "name": "二小区", "kind": "compound"}))
    file_id = _upload(tenant)
    mine = _disclosure(tenant, ids["community"], site_id=ids["site"], file_ids=[file_id])
    theirs = _disclosure(tenant, ids["community"], site_id=other_site, title="二小区公共收益", kind="public_income",
                         file_ids=[_upload(tenant, "二小区.pdf")])
    r = tenant.admin.post(f"/api/v1/disclosures/{mine['id']}/versions", json={"reason": "支出合计有误",
                                                                             "summary": "支出更正为 11.6 万元。",
                                                                             "file_ids": [file_id]})
    assert r.status_code == 201, r.get_json()
    client = signed_in(wuye_app, tenant, link(wuye_app, tenant, ids["community"]))

    page = client.get("/h5/disclosures").get_data(as_text=True)
    assert "2026年第三季度物业费收支明细" in page and "二小区公共收益" not in page
    assert "物业费收支明细" in page and "2026-07-01 – 2026-09-30" in page
    assert ">已更正<" in page and "支出合计有误" in page
    r = client.get(f"/h5/disclosures/{mine['id']}")
    page = r.get_data(as_text=True)
    assert r.status_code == 200 and "支出更正为 11.6 万元。" in page and "收入 12.3 万元" not in page
    href = re.search(r'href="(/h5/disclosures/\d+/files/\d+)" download>2026年第三季度收支.pdf', page).group(1)
    got = client.get(href)
    assert got.status_code == 200 and got.data == PDF and got.headers["Content-Disposition"].startswith("attachment")

    theirs_file = theirs["files"][0]["id"]
    for hidden in (f"/h5/disclosures/{theirs['id']}", f"/h5/disclosures/{theirs['id']}/files/{theirs_file}",
                   f"/h5/disclosures/{mine['id']}/files/{theirs_file}"):
        r = client.get(hidden)
        assert r.status_code == 404 and "text/html" in r.headers["Content-Type"], hidden
        assert r.data != PDF and "二小区" not in r.get_data(as_text=True)


def test_my_data_downloads_my_copy_and_a_deletion_request_waits_then_ends_the_session(wuye_app, world):
    tenant, ids = world
    ticket = _created(tenant.admin.post("/api/v1/tickets", json={
        "community_id": ids["community"], "site_id": ids["site"], "household_id": ids["household"],
        "channel": "phone", "kind": "repair", "category": "水电维修", "title": "我家水管漏水",
        "reporter_name": "张三", "reporter_phone": PHONE}))
    entry = link(wuye_app, tenant, ids["community"])
    client = signed_in(wuye_app, tenant, entry)

    page = client.get("/h5/me").get_data(as_text=True)
    assert "个人信息" in page and PHONE in page and 'href="/h5/me/my-data"' in page
    r = client.get("/h5/me/my-data")
    assert r.status_code == 200 and r.mimetype == "application/json", r.get_data(as_text=True)[:500]
    assert re.match(r"attachment; filename=\"personal-data-\d{4}-\d{2}-\d{2}\.json\"",
                    r.headers["Content-Disposition"]), r.headers["Content-Disposition"]
    copy = json.loads(r.get_data())
    tickets = [s for s in copy["sections"] if s["key"] == "tickets"][0]["items"]
    assert [(t["ticket_id"], t["title"]) for t in tickets] == [(ticket, "我家水管漏水")]
    trail = tenant.admin.get("/api/v1/audit", query_string={"action": "resident.data_exported"}).get_json()
    assert trail["total"] == 1  # the API's audit entry, the same export

    # asking: confirmation required; then waiting, and no second request
    r = client.post("/h5/me/deletion-requests", data={"csrf_token": csrf(page), "reason": "搬走了"})
    assert r.status_code == 422 and "请勾选" in r.get_data(as_text=True)
    r = client.post("/h5/me/deletion-requests", data={"csrf_token": csrf(page), "reason": "搬走了",
                                                      "confirm": "yes"})
    assert r.status_code == 302 and r.headers["Location"].endswith("/h5/me")
    page = client.get("/h5/me").get_data(as_text=True)
    assert 'data-request-status>等待处理<' in page and "搬走了" in page and 'name="confirm"' not in page
    queue = tenant.admin.get("/api/v1/deletion-requests", query_string={"status": "pending"}).get_json()
    assert queue["total"] == 1
    request_id = queue["items"][0]["id"]
    r = client.post("/h5/me/deletion-requests", data={"csrf_token": csrf(page), "confirm": "yes"})
    assert r.status_code == 409 and 'role="alert">您的删除申请正在等待处理。<' in r.get_data(as_text=True)

    # approved by staff: the account has ended, the session lands on the sign-in page (no 500)
    r = tenant.admin.post(f"/api/v1/deletion-requests/{request_id}/approve")
    assert r.status_code == 200, r.get_json()
    for path in ("/h5/", "/h5/me", "/h5/notices", "/h5/me/my-data"):
        r = client.get(path)
        assert r.status_code == 302 and r.headers["Location"].endswith(entry), path
    page = client.get(entry).get_data(as_text=True)
    assert "获取验证码" in page and "您已退出登录" in page
    r = client.post("/h5/me/deletion-requests", data={"csrf_token": csrf(page), "confirm": "yes"})
    assert r.status_code == 302 and r.headers["Location"].endswith(entry)


def test_a_refused_request_shows_the_staffs_reason_and_the_rights_need_no_consent(wuye_app, world, caplog):
    tenant, ids = world
    client = signed_in(wuye_app, tenant, link(wuye_app, tenant, ids["community"]), agree=False)
    assert client.get("/h5/notices").headers["Location"].endswith("/h5/privacy")
    assert client.get("/h5/disclosures").headers["Location"].endswith("/h5/privacy")
    page = client.get("/h5/privacy").get_data(as_text=True)
    assert 'href="/h5/me"' in page
    page = client.get("/h5/me").get_data(as_text=True)
    assert client.get("/h5/me/my-data").status_code == 200
    r = client.post("/h5/me/deletion-requests", data={"csrf_token": csrf(page), "confirm": "yes"})
    assert r.status_code == 302
    request_id = tenant.admin.get("/api/v1/deletion-requests").get_json()["items"][0]["id"]
    r = tenant.admin.post(f"/api/v1/deletion-requests/{request_id}/refuse", json={"reason": "欠缴物业费，依合同保留"})
    assert r.status_code == 200, r.get_json()
    page = client.get("/h5/me").get_data(as_text=True)
    assert 'data-request-status>不予删除<' in page and "欠缴物业费，依合同保留" in page
    assert 'name="confirm"' in page  # may ask again
    assert "Refused" in client.get("/h5/me?lang=en").get_data(as_text=True)

    # the copy's throttle: one budget for the account, whichever door (10 an hour: 1 above, 8, the API's 1)
    api = api_signed_in(wuye_app, caplog)
    assert [client.get("/h5/me/my-data").status_code for _ in range(8)] == [200] * 8
    assert api.get("/api/v1/resident/my-data").status_code == 200
    r = client.get("/h5/me/my-data")
    assert r.status_code == 429 and "text/html" in r.headers["Content-Type"] and r.headers["Retry-After"]
    assert api.get("/api/v1/resident/my-data").status_code == 429
