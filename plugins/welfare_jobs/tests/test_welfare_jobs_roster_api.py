"""Posts, workers and placements through the API: the happy path, each refusal (status, field,
Chinese message), masking for team leaders, another tenant's ids, documents, alerts, rights."""

from __future__ import annotations

import base64
from datetime import date, timedelta

from roster_support import P, id_number, roster, years_ago

from wuye_core.plugins import db, local_today, tenant_context


def _refused(response, status: int, field: str, words: str):
    body = response.get_json()
    assert response.status_code == status, body
    errors = body.get("errors", {}).get("json", body.get("errors", {}))
    assert field in errors, body
    assert words in " ".join(errors[field]), errors[field]


def test_happy_path_post_worker_placement_exit_report(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    r = roster(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    today = local_today()
    post = r.post()
    assert post["team"] == "公益岗·小区·保洁" and post["on_post"] == 0 and post["vacancies"] == 2
    assert post["employer_name"] == "acme" and post["site_kind"] == "compound" and post["shift_start"] == "07:00"
    changed = r.mgr.patch(f"{P}/posts/{post['id']}", json={"headcount": 3, "shift_end": "12:00"})
    assert changed.status_code == 200 and changed.get_json()["headcount"] == 3
    born = years_ago(today, 45)
    worker = r.worker(born=born)
    assert worker["gender"] == "female" and worker["birth_date"] == born.isoformat()
    assert worker["id_number"] == id_number(born, 1, False) and worker["bank_account"] == "6228480012345678901"
    placed = r.place(worker["id"], post["id"], today)
    assert placed.status_code == 201, placed.get_json()
    placement = placed.get_json()
    # the default end: 36 months on, less a day (the 29th of February aside)
    if (today.month, today.day) != (2, 29):
        assert placement["ends_on"] == (today.replace(year=today.year + 3) - timedelta(days=1)).isoformat()
    assert placement["state"] == "current" and placement["worker_name"] == "李秀英"
    listed = r.mgr.get(f"{P}/communities/{r.cid}/posts").get_json()["items"][0]
    assert listed["on_post"] == 1 and listed["vacancies"] == 2 and listed["people"] is None
    detail = r.mgr.get(f"{P}/posts/{post['id']}").get_json()
    assert [p["name"] for p in detail["people"]] == ["李秀英"]
    workers = r.mgr.get(f"{P}/communities/{r.cid}/workers", query_string={"q": "秀英"}).get_json()["items"]
    assert workers[0]["post_name"] == "张家湾保洁岗" and workers[0]["id_number_masked"].startswith("420")
    assert "*" in workers[0]["id_number_masked"] and workers[0]["phone_masked"] == "139****5678"
    assert r.mgr.get(f"{P}/communities/{r.cid}/workers", query_string={"q": "王"}).get_json()["total"] == 0
    patched = r.mgr.patch(f"{P}/workers/{worker['id']}", json={"phone": "13800001111", "bank_account": "6228481111222"})
    assert patched.status_code == 200 and patched.get_json()["phone"] == "13800001111"
    assert patched.get_json()["bank_account_masked"] == "****1222" and patched.get_json()["name"] == "李秀英"
    # the exit, then the vacancy report
    gone = r.mgr.post(f"{P}/placements/{placement['id']}/exit",
                      json={"exited_on": today.isoformat(), "exit_reason": "other_job", "note": "进厂"})
    assert gone.status_code == 200, gone.get_json()
    assert gone.get_json()["vacancy_due_on"] == (today + timedelta(days=5)).isoformat()
    reported = r.mgr.post(f"{P}/placements/{placement['id']}/vacancy-report",
                          json={"vacancy_report_ref": "空岗报告〔2026〕3号"})
    assert reported.status_code == 200 and reported.get_json()["vacancy_reported_on"] == today.isoformat()
    # nobody on post from tomorrow: the post may close then
    closed = r.mgr.post(f"{P}/posts/{post['id']}/close", json={"closed_on": (today + timedelta(days=1)).isoformat()})
    assert closed.status_code == 200 and closed.get_json()["active"] is False


def test_post_refusals(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    r = roster(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    url = f"{P}/communities/{r.cid}/posts"
    base = {"kind": "security", "name": "门岗", "site_id": r.ids["site"], "headcount": 1,
            "approval_ref": "批复1号", "approved_from": "2024-01-01"}
    other = r.tenant.admin.post("/api/v1/communities", json={"name": "二社区", "code": "c2"}).get_json()["id"]
    far_site = r.tenant.admin.post("/api/v1/sites", json={"community_id": other, "name": "李家湾", "kind": "village"})
    _refused(r.mgr.post(url, json={**base, "site_id": far_site.get_json()["id"]}), 422, "site_id", "本社区")
    _refused(r.mgr.post(url, json={**base, "shift_start": "12:00", "shift_end": "08:00"}), 422, "shift_end", "")
    _refused(r.mgr.post(url, json={**base, "approved_until": "2023-01-01"}), 422, "approved_until", "")
    _refused(r.mgr.post(url, json={**base, "employer_link_id": 999}), 422, "employer_link_id", "服务关系")
    staff_id = {u["username"]: u["id"] for u in r.tenant.admin.get("/api/v1/users").get_json()["items"]}
    _refused(r.mgr.post(url, json={**base, "leader_user_id": staff_id["acme-staff"]}), 422, "leader_user_id", "组长")
    assert r.mgr.post(url, json={**base, "leader_user_id": staff_id["acme-lead"]}).status_code == 201
    _refused(r.mgr.post(url, json={**base, "team": "公益岗·小区·保安"}), 409, "team", "班组")
    _refused(r.mgr.post(url, json={**base, "headcount": 0}), 422, "headcount", "")
    # only the manager changes posts
    assert r.leader.post(url, json=base).status_code == 403
    assert r.staff.post(url, json=base).status_code == 403


def test_worker_refusals(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    r = roster(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    url = f"{P}/communities/{r.cid}/workers"
    born = date(1980, 5, 6)
    good = id_number(born, 7, True)
    body = {"name": "王大山", "id_number": good, "group": "landless_farmer", "evidence_ref": "认定书1号",
            "land_acquired_year": 2010, "land_village": "张家湾"}
    bad_check = good[:17] + ("0" if good[17] != "0" else "1")
    _refused(r.mgr.post(url, json={**body, "id_number": bad_check}), 422, "id_number", "身份证号码")
    _refused(r.mgr.post(url, json={**body, "id_number": "12345"}), 422, "id_number", "")
    _refused(r.mgr.post(url, json={**body, "phone": "1234567"}), 422, "phone", "手机号")
    _refused(r.mgr.post(url, json={**body, "evidence_ref": None}), 422, "evidence_ref", "")
    _refused(r.mgr.post(url, json={**body, "land_acquired_year": None}), 422, "land_acquired_year", "征地")
    _refused(r.mgr.post(url, json={**body, "land_acquired_year": 1949}), 422, "land_acquired_year", "1950")
    _refused(r.mgr.post(url, json={**body, "land_village": None}), 422, "land_village", "")
    _refused(r.mgr.post(url, json={**body, "bank_name": "农行", "bank_account": "12345"}), 422, "bank_account", "12")
    _refused(r.mgr.post(url, json={**body, "resident_id": 99999}), 422, "resident_id", "")
    staff_id = {u["username"]: u["id"] for u in r.tenant.admin.get("/api/v1/users").get_json()["items"]}
    _refused(r.mgr.post(url, json={**body, "staff_user_id": staff_id["acme-lead"]}), 422, "staff_user_id", "")
    created = r.mgr.post(url, json={**body, "resident_id": r.ids["resident"]})
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["gender"] == "male" and created.get_json()["resident_where"] == "小区 1栋 1-101"
    _refused(r.mgr.post(url, json={**body, "name": "王大山二"}), 409, "id_number", "身份证号")
    # another group needs no land fields; the duplicate is found in lower case too
    _refused(r.mgr.post(url, json={**body, "group": "hard_to_employ", "id_number": good.lower()}), 409,
             "id_number", "")
    assert r.leader.post(url, json=body).status_code == 403


def test_placement_refusals(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    r = roster(wuye_make_tenant, wuye_register, wuye_enable_plugin, config={"max_placement_months": 12})
    today = local_today()
    post = r.post(headcount=1)
    a = r.worker(name="甲", born=years_ago(today, 40), serial=1)
    b = r.worker(name="乙", born=years_ago(today, 41), serial=2)
    old = r.worker(name="丙", born=years_ago(today, 50, days=1), serial=3)  # a woman of 50: retired
    _refused(r.place(a["id"], post["id"], today, ends_on=(today + timedelta(days=400)).isoformat()),
             422, "ends_on", "12")
    _refused(r.place(old["id"], post["id"], today), 422, "worker_id", "退休")
    first = r.place(a["id"], post["id"], today, ends_on=(today + timedelta(days=30)).isoformat())
    assert first.status_code == 201
    _refused(r.place(a["id"], post["id"], today + timedelta(days=10)), 409, "worker_id", "")
    _refused(r.place(b["id"], post["id"], today + timedelta(days=10)), 409, "post_id", "核定人数")
    # after the first placement's end the place is free again
    later = r.place(b["id"], post["id"], today + timedelta(days=31))
    assert later.status_code == 201, later.get_json()
    pid = first.get_json()["id"]
    exit_url = f"{P}/placements/{pid}/exit"
    _refused(r.mgr.post(exit_url, json={"exited_on": (today - timedelta(days=1)).isoformat(),
                                        "exit_reason": "health"}), 422, "exited_on", "")
    _refused(r.mgr.post(exit_url, json={"exited_on": (today + timedelta(days=31)).isoformat(),
                                        "exit_reason": "health"}), 422, "exited_on", "")
    _refused(r.mgr.post(f"{P}/placements/{pid}/vacancy-report", json={"vacancy_report_ref": "x"}), 409,
             "placement_id", "")
    assert r.mgr.post(exit_url, json={"exited_on": today.isoformat(), "exit_reason": "health"}).status_code == 200
    _refused(r.mgr.post(exit_url, json={"exited_on": today.isoformat(), "exit_reason": "health"}), 409,
             "placement_id", "")
    # closing: the post has b placed from day 31: refused; then a closed post takes nobody
    _refused(r.mgr.post(f"{P}/posts/{post['id']}/close", json={}), 409, "post_id", "")
    assert r.leader.post(exit_url, json={"exited_on": today.isoformat(), "exit_reason": "health"}).status_code == 403


def test_team_leaders_see_masked_files_community_staff_none(wuye_app, wuye_make_tenant, wuye_register,
                                                           wuye_enable_plugin):
    r = roster(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    post = r.post()
    worker = r.worker(born=years_ago(local_today(), 40))
    assert r.place(worker["id"], post["id"], local_today()).status_code == 201
    listed = r.leader.get(f"{P}/communities/{r.cid}/workers").get_json()["items"][0]
    assert listed["phone_masked"] == "139****5678" and "id_number" not in listed
    detail = r.leader.get(f"{P}/workers/{worker['id']}").get_json()
    assert detail["masked"] is True and detail["id_number"] is None and detail["phone"] is None
    assert detail["bank_account"] is None and detail["evidence_ref"] is None and detail["birth_date"] is None
    assert "6228480012345678901" not in str(detail) and detail["id_number_masked"].endswith(worker["id_number"][-4:])
    assert r.leader.get(f"{P}/workers/{worker['id']}/documents").status_code == 403
    assert r.leader.get(f"{P}/posts/{post['id']}").get_json()["people"][0]["name"] == "李秀英"
    assert r.leader.get(f"{P}/communities/{r.cid}/alerts").status_code == 200
    # community staff read posts (no names), not people
    assert r.staff.get(f"{P}/posts/{post['id']}").get_json()["people"] is None
    assert r.staff.get(f"{P}/communities/{r.cid}/posts").status_code == 200
    for url in (f"/communities/{r.cid}/workers", f"/workers/{worker['id']}", f"/communities/{r.cid}/placements",
                f"/communities/{r.cid}/alerts"):
        refused = r.staff.get(P + url)
        assert refused.status_code == 403 and "管理员" in refused.get_json()["message"], url


def test_another_tenants_ids_are_404(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    a = roster(wuye_make_tenant, wuye_register, wuye_enable_plugin, slug="a")
    b = roster(wuye_make_tenant, wuye_register, wuye_enable_plugin, slug="b")
    post = a.post()
    worker = a.worker(born=years_ago(local_today(), 40))
    placement = a.place(worker["id"], post["id"], local_today()).get_json()
    pdf = b"%PDF-1.4 secret"
    doc = a.mgr.post(f"{P}/workers/{worker['id']}/documents",
                     data={"kind": "evidence", "file": (__import__("io").BytesIO(pdf), "认定书.pdf")})
    assert doc.status_code == 201, doc.get_json()
    for url in (f"/posts/{post['id']}", f"/workers/{worker['id']}", f"/placements/{placement['id']}",
                f"/documents/{doc.get_json()['id']}", f"/workers/{worker['id']}/documents",
                f"/communities/{a.cid}/workers"):
        assert b.mgr.get(P + url).status_code == 404, url
        assert b.tenant.admin.get(P + url).status_code == 404, url
    assert b.mgr.patch(f"{P}/posts/{post['id']}", json={"headcount": 9}).status_code == 404
    assert b.mgr.post(f"{P}/placements/{placement['id']}/exit",
                      json={"exited_on": str(local_today()), "exit_reason": "health"}).status_code == 404
    # A's ids in B's own community: no such worker or post there
    b_post = b.post()
    b_worker = b.worker(born=years_ago(local_today(), 40))
    _refused(b.place(worker["id"], b_post["id"], local_today()), 422, "worker_id", "")
    _refused(b.place(b_worker["id"], post["id"], local_today()), 422, "post_id", "")


def test_documents_upload_list_download_audited(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    import io

    r = roster(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    worker = r.worker(born=years_ago(local_today(), 40))
    url = f"{P}/workers/{worker['id']}/documents"
    png = b"\x89PNG\r\n\x1a\n" + b"0" * 100
    up = r.mgr.post(url, data={"kind": "health", "file": (io.BytesIO(png), "体检.png")})
    assert up.status_code == 201 and up.get_json()["content_type"] == "image/png" and up.get_json()["size"] == 108
    text = r.mgr.post(url, data={"kind": "evidence", "file": (io.BytesIO(b"hello, not a pdf"), "x.pdf")})
    assert text.status_code == 422 and "不允许" in str(text.get_json()["errors"])
    big = r.mgr.post(url, data={"kind": "evidence", "file": (io.BytesIO(b"%PDF-" + b"0" * (5 * 1024 * 1024)), "b.pdf")})
    assert big.status_code in (413, 422)
    listed = r.mgr.get(url).get_json()
    assert [d["filename"] for d in listed] == ["体检.png"]
    got = r.mgr.get(f"{P}/documents/{listed[0]['id']}")
    assert got.status_code == 200 and got.data == png and got.mimetype == "image/png"
    audit = r.tenant.admin.get("/api/v1/audit").get_json()["items"]
    assert any(row["action"] == "welfare_jobs.exported" and row["target_type"] == "worker_document" for row in audit)
    # the database holds ciphertext only
    with wuye_app.app_context(), tenant_context(r.tenant.id):
        raw = db.session.execute(db.text("SELECT data, id_number FROM welfare_jobs_documents d "
                                         "JOIN welfare_jobs_workers w ON w.id = d.worker_id")).first()
        assert base64.b64encode(png).decode() not in raw[0] and worker["id_number"] not in raw[1]


def test_alerts(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    r = roster(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    today = local_today()
    post = r.post(headcount=10)
    ending = r.worker(name="期满", born=years_ago(today, 40), serial=1)
    passed = r.worker(name="过期", born=years_ago(today, 40), serial=2)
    retiring = r.worker(name="退休", born=years_ago(today, 50, days=-30), serial=3)  # 50 in 30 days
    due = r.worker(name="待报", born=years_ago(today, 40), serial=4)
    late = r.worker(name="逾期", born=years_ago(today, 40), serial=5)
    calm = r.worker(name="平安", born=years_ago(today, 40), serial=6)

    def placed(worker, start, end):
        res = r.place(worker["id"], post["id"], start, ends_on=end.isoformat())
        assert res.status_code == 201, res.get_json()
        return res.get_json()["id"]

    placed(ending, today - timedelta(days=300), today + timedelta(days=20))
    placed(passed, today - timedelta(days=300), today - timedelta(days=3))
    placed(retiring, today - timedelta(days=100), today + timedelta(days=300))
    placed(calm, today - timedelta(days=100), today + timedelta(days=300))
    for worker, exited in ((due, today - timedelta(days=2)), (late, today - timedelta(days=9))):
        pid = placed(worker, today - timedelta(days=100), today + timedelta(days=300))
        assert r.mgr.post(f"{P}/placements/{pid}/exit", json={"exited_on": exited.isoformat(),
                                                              "exit_reason": "resigned"}).status_code == 200
    alerts = r.mgr.get(f"{P}/communities/{r.cid}/alerts").get_json()
    assert [a["worker_name"] for a in alerts["ending"]] == ["期满"] and alerts["ending"][0]["days"] == 20
    assert [a["worker_name"] for a in alerts["term_passed"]] == ["过期"] and alerts["term_passed"][0]["days"] == -3
    assert [a["worker_name"] for a in alerts["retiring"]] == ["退休"] and alerts["retiring"][0]["days"] == 30
    assert [a["worker_name"] for a in alerts["vacancies_due"]] == ["待报"]
    assert alerts["vacancies_due"][0]["vacancy_due_on"] == (today + timedelta(days=3)).isoformat()
    assert [a["worker_name"] for a in alerts["vacancies_overdue"]] == ["逾期"]
    assert alerts["vacancies_overdue"][0]["days"] == -4
    states = r.mgr.get(f"{P}/communities/{r.cid}/placements", query_string={"state": "term_passed"}).get_json()
    assert [p["worker_name"] for p in states["items"]] == ["过期"]


def test_rights_copy_and_erasure(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    from wuye_welfare_jobs import rights

    r = roster(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    post = r.post()
    worker = r.worker(born=years_ago(local_today(), 40), resident_id=r.ids["resident"])
    placement = r.place(worker["id"], post["id"], local_today()).get_json()
    import io

    r.mgr.post(f"{P}/workers/{worker['id']}/documents", data={"file": (io.BytesIO(b"%PDF-1"), "a.pdf")})
    with wuye_app.app_context(), tenant_context(r.tenant.id):
        sections = rights.personal_data([r.ids["resident"]])
        assert [s.key for s in sections] == ["welfare_jobs.workers", "welfare_jobs.placements"]
        file = sections[0].items[0]
        assert file["bank_account_last4"] == "****8901" and worker["id_number"] not in str(sections[0].items)
        assert file["documents"] == 1 and sections[1].items[0]["post"] == "张家湾保洁岗"
        assert rights.personal_data([r.ids["resident"] + 100]) == []
        assert rights.erase([r.ids["resident"]]) == {"workers": 1}
        db.session.commit()
    erased = r.mgr.get(f"{P}/workers/{worker['id']}").get_json()
    assert erased["name"] == "已删除" and erased["erased"] is True and erased["id_number"] is None
    assert erased["phone"] is None and erased["bank_account"] is None and erased["resident_id"] is None
    assert r.mgr.get(f"{P}/workers/{worker['id']}/documents").get_json() == []
    kept = r.mgr.get(f"{P}/placements/{placement['id']}").get_json()
    assert kept["worker_name"] == "已删除" and kept["starts_on"] == placement["starts_on"]
    # the same ID number may be registered again (a new file)
    again = r.mgr.post(f"{P}/communities/{r.cid}/workers", json={
        "name": "李秀英", "id_number": worker["id_number"], "group": "hard_to_employ", "evidence_ref": "x"})
    assert again.status_code == 201
