"""The roster's console pages: a manager edits, a team leader reads masked, community staff read posts only."""

from __future__ import annotations

import io
from datetime import timedelta

from roster_support import P, roster, years_ago

from wuye_core.plugins import local_today

C = "/console/plugins/welfare_jobs"


def test_manager_pages_and_forms(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    r = roster(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    today = local_today()
    page = r.tenant.console("acme-mgr", "password-123")
    assert page.get(f"{C}/communities/{r.cid}/posts/new").status_code == 200
    sent = page.post(f"{C}/communities/{r.cid}/posts/new", data={
        "kind": "village_environment", "name": "张家湾环境岗", "site_id": r.ids["site"], "headcount": "1",
        "approval_ref": "批复2号", "approved_from": "2024-01-01", "shift_start": "07:00", "shift_end": "11:30"})
    assert sent.status_code == 303, sent.get_data(as_text=True)[:3000]
    post_url = sent.headers["Location"]
    html = page.get(post_url).get_data(as_text=True)
    assert "张家湾环境岗" in html and "公益岗·小区·村湾环境" in html and "撤岗" in html
    # a refused form: the message next to the field, 422
    bad = page.post(f"{C}/communities/{r.cid}/posts/new", data={
        "kind": "cleaning", "name": "x", "site_id": r.ids["site"], "headcount": "1", "approval_ref": "y",
        "approved_from": "2024-01-01", "shift_start": "12:00", "shift_end": "08:00"})
    assert bad.status_code == 422 and "下岗时间须晚于上岗时间" in bad.get_data(as_text=True)
    listed = page.get(f"{C}/communities/{r.cid}/posts").get_data(as_text=True)
    assert "张家湾环境岗" in listed
    # a worker through the form
    born = years_ago(today, 45)
    from roster_support import id_number

    made = page.post(f"{C}/communities/{r.cid}/workers/new", data={
        "name": "赵桂兰", "id_number": id_number(born, 3, False), "phone": "13712345678", "group": "age_4050",
        "evidence_ref": "就业困难人员认定 88号", "bank_name": "农行", "bank_account": "622848001234567"})
    assert made.status_code == 303, made.get_data(as_text=True)[:3000]
    worker_url = made.headers["Location"]
    file = page.get(worker_url).get_data(as_text=True)
    assert id_number(born, 3, False) in file and "13712345678" in file and "622848001234567" in file
    up = page.post(worker_url.replace("/workers/", "/workers/", 1) + "/documents",
                   data={"kind": "evidence", "file": (io.BytesIO(b"%PDF-1.4 x"), "认定.pdf")})
    assert up.status_code == 303
    assert "认定.pdf" in page.get(worker_url).get_data(as_text=True)
    duplicate = page.post(f"{C}/communities/{r.cid}/workers/new", data={
        "name": "赵桂兰", "id_number": id_number(born, 3, False), "group": "age_4050", "evidence_ref": "x"})
    assert duplicate.status_code == 409 and "身份证号" in duplicate.get_data(as_text=True)
    # place, then exit and report through the placement's page
    worker_id = int(worker_url.rstrip("/").rsplit("/", 1)[1])
    post_id = int(post_url.rstrip("/").rsplit("/", 1)[1])
    assert page.get(f"{C}/communities/{r.cid}/placements/new?post_id={post_id}").status_code == 200
    placed = page.post(f"{C}/communities/{r.cid}/placements/new", data={
        "worker_id": str(worker_id), "post_id": str(post_id), "starts_on": (today - timedelta(days=10)).isoformat()})
    assert placed.status_code == 303, placed.get_data(as_text=True)[:3000]
    placement_url = placed.headers["Location"]
    assert "离岗登记" in page.get(placement_url).get_data(as_text=True)
    gone = page.post(placement_url + "/exit", data={"exited_on": (today - timedelta(days=8)).isoformat(),
                                                    "exit_reason": "resigned"})
    assert gone.status_code == 303
    overview = page.get(f"{C}/communities/{r.cid}/placements").get_data(as_text=True)
    assert "空岗报告逾期" in overview and "赵桂兰" in overview and "已过 3 天" in overview
    late = page.post(placement_url + "/vacancy-report", data={"vacancy_reported_on": today.isoformat(),
                                                              "vacancy_report_ref": ""})
    assert late.status_code == 422
    done = page.post(placement_url + "/vacancy-report", data={"vacancy_reported_on": today.isoformat(),
                                                              "vacancy_report_ref": "空岗报告9号"})
    assert done.status_code == 303 and "空岗报告9号" in page.get(placement_url).get_data(as_text=True)
    listed = page.get(f"{C}/communities/{r.cid}/workers").get_data(as_text=True)
    assert "赵桂兰" in listed and "137****5678" in listed and "13712345678" not in listed
    edit = page.get(post_url + "/edit").get_data(as_text=True)
    assert 'value="张家湾环境岗"' in edit and 'value="批复2号"' in edit
    changed = page.post(worker_url + "/edit", data={
        "name": "赵桂兰", "id_number": id_number(born, 3, False), "phone": "13712345000", "group": "age_4050",
        "evidence_ref": "就业困难人员认定 88号"})
    assert changed.status_code == 303 and "13712345000" in page.get(worker_url).get_data(as_text=True)


def test_team_leader_reads_masked_community_staff_posts_only(wuye_app, wuye_make_tenant, wuye_register,
                                                            wuye_enable_plugin):
    r = roster(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    post = r.post()
    worker = r.worker(born=years_ago(local_today(), 40))
    placement = r.place(worker["id"], post["id"], local_today()).get_json()
    leader = r.tenant.console("acme-lead", "password-123")
    listed = leader.get(f"{C}/communities/{r.cid}/workers").get_data(as_text=True)
    assert "李秀英" in listed and "139****5678" in listed and worker["id_number"] not in listed
    file = leader.get(f"{C}/workers/{worker['id']}").get_data(as_text=True)
    assert "13912345678" not in file and worker["id_number"] not in file and "6228480012345678901" not in file
    assert leader.get(f"{C}/communities/{r.cid}/workers/new").status_code == 403
    assert leader.get(f"{C}/workers/{worker['id']}/edit").status_code == 403
    assert leader.get(f"{C}/communities/{r.cid}/placements").status_code == 200
    assert leader.get(f"{C}/placements/{placement['id']}").status_code == 200
    staff = r.tenant.console("acme-staff", "password-123")
    assert staff.get(f"{C}/communities/{r.cid}/posts").status_code == 200
    post_page = staff.get(f"{C}/posts/{post['id']}").get_data(as_text=True)
    assert "张家湾保洁岗" in post_page and "李秀英" not in post_page
    for url in (f"/communities/{r.cid}/workers", f"/workers/{worker['id']}", f"/communities/{r.cid}/placements",
                f"/placements/{placement['id']}", f"/communities/{r.cid}/posts/new", f"/posts/{post['id']}/edit"):
        assert staff.get(C + url).status_code == 403, url
    # another tenant's ids: 404
    other = roster(wuye_make_tenant, wuye_register, wuye_enable_plugin, slug="other")
    foreign = other.tenant.console("other-mgr", "password-123")
    for url in (f"/posts/{post['id']}", f"/workers/{worker['id']}", f"/placements/{placement['id']}"):
        assert foreign.get(C + url).status_code == 404, url
    assert r.mgr.get(f"{P}/posts/{post['id']}").status_code == 200
