"""The plugin's console pages, as the people using them see them: only where the plugin is on and
to care roles; the register masked as the API masks it; a visit recorded with the form (its
errors next to the fields); a brief built and downloaded with the API's audit."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import timedelta

from wuye_care_visits.clock import today as clock_today

P = "/api/v1/plugins/care_visits"
C = "/console/plugins/care_visits"


def _world(tenant, wuye_register, wuye_enable_plugin):
    """Two communities; the plugin on in the first only. A care worker and a care supervisor
    there, a community_staff member of the second."""
    ids = wuye_register(tenant)
    other = tenant.admin.post("/api/v1/communities", json={"name": "三店社区", "code": "c2"}).get_json()["id"]
    wuye_enable_plugin(tenant, "care_visits", ids["community"], {"first_visit_days": 0})
    worker = tenant.user("worker", "care_worker", [ids["community"]])
    tenant.user("boss", "care_supervisor", [ids["community"]])
    tenant.user("clerk", "community_staff", [other])
    person = worker.post(f"{P}/communities/{ids['community']}/people",
                         json={"resident_id": ids["resident"], "level": "A", "difficulties": ["elderly"]})
    assert person.status_code == 201, person.get_json()
    return ids, other, worker, person.get_json()


def _menu(page: str) -> str:
    return re.search(r'<nav id="nav".*?</nav>', page, re.S).group(0)


def _log(api, community_id):
    return [row["action"] for row in api.get(f"{P}/communities/{community_id}/access-log",
                                             query_string={"per_page": 100}).get_json()["items"]]


def test_pages_only_where_the_plugin_is_on_and_to_care_roles(wuye_make_tenant, wuye_register, wuye_enable_plugin):
    tenant = wuye_make_tenant("acme")
    ids, other, _worker, person = _world(tenant, wuye_register, wuye_enable_plugin)
    community = ids["community"]
    worker = tenant.console("worker", "password-123")

    home = worker.get("/console/").text
    assert f'href="{C}/"' in _menu(home) and "关爱走访" in _menu(home)
    index = worker.get(f"{C}/")
    assert index.status_code == 200 and f"{C}/communities/{community}/plan" in index.text
    assert f"/communities/{other}/" not in index.text
    assert worker.get(f"{C}/people/{person['id']}/visits/new").status_code == 200
    for page in ("people", "plan", "briefs"):
        assert worker.get(f"{C}/communities/{community}/{page}").status_code == 200, page
        assert worker.get(f"{C}/communities/{other}/{page}").status_code == 404, page  # the plugin is off there

    # a user of the other community only: no menu entry, and its pages answer 404
    clerk = tenant.console("clerk", "password-123")
    assert "关爱走访" not in _menu(clerk.get("/console/").text)
    assert clerk.get(f"{C}/communities/{other}/people").status_code == 404
    assert clerk.get(f"{C}/communities/{community}/people").status_code == 404  # not readable for them
    # the tenant's admin is no care worker (README): the entry, but no care data
    admin = tenant.console()
    assert admin.get(f"{C}/communities/{community}/people").status_code == 404
    assert admin.get(f"{C}/people/{person['id']}").status_code == 404
    assert "张" not in admin.get(f"{C}/").text

    # switched off for the community: gone there too
    assert tenant.admin.put(f"/api/v1/communities/{community}/plugins/care_visits",
                            json={"enabled": False}).status_code == 200
    assert worker.get(f"{C}/communities/{community}/plan").status_code == 404
    assert 'care_visits/' not in _menu(worker.get("/console/").text)


def test_the_register_is_masked_as_the_api_masks_it(wuye_make_tenant, wuye_register, wuye_enable_plugin):
    tenant = wuye_make_tenant("acme")
    ids, _other, worker_api, person = _world(tenant, wuye_register, wuye_enable_plugin)
    community = ids["community"]
    boss_api = tenant.user("boss2", "care_supervisor", [community])
    api_row = boss_api.get(f"{P}/communities/{community}/people").get_json()["items"][0]
    # the supervisor does not see residents' phones (Role.sees_personal_data), nor does any list
    boss = tenant.console("boss", "password-123")
    page = boss.get(f"{C}/communities/{community}/people")
    assert page.status_code == 200
    assert api_row["phone_masked"] == "138****0000" and "138****0000" in page.text and "13800000000" not in page.text
    assert api_row["name_masked"] == "张*" and "张*" in page.text and "张三" not in page.text
    assert "list_people" in _log(boss_api, community)
    # filters go through the API's query schema
    assert "张*" not in boss.get(f"{C}/communities/{community}/people?level=B").text
    assert "张*" in boss.get(f"{C}/communities/{community}/people?level=A&overdue=false").text
    assert "张*" not in boss.get(f"{C}/communities/{community}/people?overdue=true").text  # due today: not late
    # opening the record shows it whole, and is in the access log
    record = boss.get(f"{C}/people/{person['id']}")
    assert record.status_code == 200 and "张三" in record.text
    assert "read_person" in _log(boss_api, community)


def test_a_visit_recorded_with_the_form(wuye_make_tenant, wuye_register, wuye_enable_plugin):
    tenant = wuye_make_tenant("acme")
    ids, _other, worker_api, person = _world(tenant, wuye_register, wuye_enable_plugin)
    community = ids["community"]
    boss_api = tenant.user("boss2", "care_supervisor", [community])  # reads the access log
    worker = tenant.console("worker", "password-123")
    today = clock_today()

    plan = worker.get(f"{C}/communities/{community}/plan")
    assert "张*" not in plan.text  # no plan yet
    made = worker.post(f"{C}/communities/{community}/plan/generate")
    assert made.status_code == 302
    plan = worker.get(made.headers["Location"])
    assert "本月计划已加入 1 人" in plan.text and "张*" in plan.text
    assert f"/people/{person['id']}/visits/new" in plan.text

    form_url = f"{C}/people/{person['id']}/visits/new"
    form = worker.get(form_url).text
    assert f'value="{today.isoformat()}"' in form  # today, Beijing time
    assert 'value="not_home"' in form and "不在家" in form and "看病难" in form  # the plugin's vocabulary

    tomorrow = (today + timedelta(days=1)).isoformat()
    body = {"visited_on": tomorrow, "visitors": "王五", "outcome": "visited",
            "needs": ["medical", "loneliness"], "risk_health": "medium", "risk_safety": "none",
            "risk_social": "none", "hazards": "楼道堆物"}
    refused = worker.post(form_url, data=body)
    assert refused.status_code == 422
    field = re.search(r'<div class="field invalid">.*?</div>', refused.text, re.S).group(0)
    assert 'name="visited_on"' in field and "不能晚于今天" in field  # the error next to its field
    assert 'value="medical" checked' in refused.text  # what was typed stays
    assert worker_api.get(f"{P}/communities/{community}/visits").get_json()["total"] == 0

    body["visited_on"] = today.isoformat()
    saved = worker.post(form_url, data=body)
    assert saved.status_code == 302 and saved.headers["Location"].endswith(f"/people/{person['id']}#visits")
    history = worker.get(saved.headers["Location"].split("#")[0])
    assert "已记录" in history.text and today.isoformat() in history.text and "王五" in history.text
    visits = worker_api.get(f"{P}/communities/{community}/visits").get_json()["items"]
    assert len(visits) == 1 and visits[0]["risk_health"] == "medium"
    visit = worker_api.get(f"{P}/visits/{visits[0]['id']}").get_json()
    assert visit["needs"] == ["medical", "loneliness"] and visit["hazards"] == "楼道堆物"
    assert visit["created_by"] == "worker"
    # the plan item is done; the access log has the visit
    assert "已走访" in worker.get(f"{C}/communities/{community}/plan").text
    assert {"open_visit_form", "create_visit"} <= set(_log(boss_api, community))

    # a service's refusal, shown by its field: a high risk with a ticket needs the hazard's text
    body.update(risk_safety="high", open_ticket="true")
    refused = worker.post(form_url, data=body)
    assert refused.status_code == 422
    field = re.search(r'<div class="field invalid">.*?</div>', refused.text, re.S).group(0)
    assert 'name="ticket_text"' in field
    assert worker_api.get(f"{P}/communities/{community}/visits").get_json()["total"] == 1


def test_a_brief_built_and_downloaded(wuye_make_tenant, wuye_register, wuye_enable_plugin):
    tenant = wuye_make_tenant("acme")
    ids, _other, worker_api, person = _world(tenant, wuye_register, wuye_enable_plugin)
    community = ids["community"]
    worker_api.post(f"{P}/communities/{community}/visits",
                    json={"person_id": person["id"], "visited_on": clock_today().isoformat(), "visitors": "王五"})
    boss_api = tenant.user("boss2", "care_supervisor", [community])  # reads the access log
    worker = tenant.console("worker", "password-123")
    briefs = f"{C}/communities/{community}/briefs"
    assert worker.get(briefs).status_code == 200

    refused = worker.post(briefs, data={"period_start": "2026-02-01", "period_end": "2026-01-01"})
    assert refused.status_code == 422 and "结束日期早于开始日期" in refused.text

    today = clock_today()
    started = worker.post(briefs, data={"period_start": today.replace(day=1).isoformat(),
                                        "period_end": today.isoformat()})
    assert started.status_code == 302
    page = worker.get(started.headers["Location"])
    assert page.status_code == 200 and "下载简报" in page.text  # the job ran (eagerly in the tests)
    brief_id = int(re.search(r"/briefs/(\d+)/brief.docx", page.text).group(1))
    listed = worker.get(briefs).text
    assert f"/briefs/{brief_id}/brief.docx" in listed

    docx = worker.get(f"{C}/briefs/{brief_id}/brief.docx")
    assert docx.status_code == 200
    assert docx.headers["Content-Type"].startswith("application/vnd.openxmlformats-officedocument")
    assert "关爱走访简报" in docx.headers["Content-Disposition"] or "filename*" in docx.headers["Content-Disposition"]
    with zipfile.ZipFile(io.BytesIO(docx.data)) as z:
        assert "导出人" in z.read("word/document.xml").decode()  # the downloader's watermark
    # the same audit as the API's download: the access log and the core's audit trail
    assert {"create_brief", "read_brief", "export_brief_docx"} <= set(_log(boss_api, community))
    trail = tenant.admin.get("/api/v1/audit", query_string={"action": "care_visits.exported"}).get_json()["items"]
    assert [(e["actor_name"], e["target_id"], e["details"]) for e in trail] == [
        ("worker", str(brief_id), {"file": "brief.docx"})]

    # the same budget as the API: past WUYE_JOB_LIMIT_PER_USER, a 429 shown on the page
    for _ in range(30):
        r = worker.post(briefs, data={})
        if r.status_code != 302:
            break
    assert r.status_code == 429 and "form-error" in r.text


def test_people_put_on_the_register_with_the_form(wuye_make_tenant, wuye_register, wuye_enable_plugin):
    tenant = wuye_make_tenant("acme")
    ids, _other, worker_api, _person = _world(tenant, wuye_register, wuye_enable_plugin)
    community = ids["community"]
    lisi = tenant.admin.post("/api/v1/residents", json={"household_id": ids["household"], "name": "李四",
                                                         "phone": "13911112222"}).get_json()["id"]
    worker = tenant.console("worker", "password-123")
    new = f"{C}/communities/{community}/people/new"

    # a registered resident, found by name (masked; someone already on the register is not offered)
    found = worker.get(new, query_string={"q": "李"}).text
    assert f'value="{lisi}"' in found and "李*" in found and "139****2222" in found and "李四" not in found
    assert "张*" not in worker.get(new, query_string={"q": "张"}).text
    refused = worker.post(new, data={"mode": "existing", "resident_id": str(lisi)})  # no level
    assert refused.status_code == 422 and 'id="e-level"' in refused.text
    added = worker.post(new, data={"mode": "existing", "resident_id": str(lisi), "level": "B",
                                   "difficulties": ["illness"], "consent_visits": "on"})
    assert added.status_code == 302
    record = worker_api.get(f"{P}/people/{added.headers['Location'].rsplit('/', 1)[1]}").get_json()
    assert (record["name"], record["level"], record["difficulties"]) == ("李四", "B", ["illness"])

    # a new resident (new_resident): into the housing register too; the core's checks by field
    assert "new_resident.room" in worker.get(new, query_string={"mode": "new"}).text
    body = {"mode": "new", "new_resident.name": "王奶奶", "new_resident.id_card": "110101194001011235",
            "new_resident.building_id": str(ids["building"]), "new_resident.room": "101", "level": "A"}
    refused = worker.post(new, data=body)
    assert refused.status_code == 422
    assert re.search(r'<div class="field invalid">\s*<label for="f-new_resident.id_card"', refused.text)
    body["new_resident.id_card"] = "110101194001011234"
    added = worker.post(new, data=body)
    assert added.status_code == 302, added.text
    record = worker_api.get(f"{P}/people/{added.headers['Location'].rsplit('/', 1)[1]}").get_json()
    assert record["name"] == "王奶奶" and record["household_id"] == ids["household"]
    # a supervisor may not add a resident to the housing register (the API's rule): no such choice
    boss = tenant.console("boss", "password-123")
    assert "mode=new" not in boss.get(new).text
    assert boss.post(new, data={**body, "new_resident.name": "赵爷爷"}).status_code == 403


def test_the_home_panel_shows_the_care_figures_to_care_roles(wuye_make_tenant, wuye_register, wuye_enable_plugin):
    tenant = wuye_make_tenant("acme")
    ids, _other, _worker_api, _person = _world(tenant, wuye_register, wuye_enable_plugin)
    tenant.user("staff1", "community_staff", [ids["community"]])
    home = tenant.console("worker", "password-123").get("/console/")
    assert home.status_code == 200
    panel = re.search(r'<section[^>]*data-panel="care_visits.care_figures".*?</section>', home.text, re.S).group(0)
    assert "按时走访覆盖率" in panel and "逾期未走访人数" in panel and "100.0%" in panel
    assert f"/communities/{ids['community']}/plan" in panel
    # community staff there hold no care role: no figures, only why
    home = tenant.console("staff1", "password-123").get("/console/")
    panel = re.search(r'<section[^>]*data-panel="care_visits.care_figures".*?</section>', home.text, re.S).group(0)
    assert "按时走访覆盖率" not in panel and "只向关爱走访员和关爱主管显示" in panel


def _visit(worker_api, person, visitors="王五"):
    r = worker_api.post(f"{P}/communities/{person['community_id']}/visits",
                        json={"person_id": person["id"], "visited_on": clock_today().isoformat(), "visitors": visitors,
                              "needs": ["medical"]})
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def _field(page: str, name: str) -> str:
    return next(m for m in re.findall(r'<div class="field invalid">.*?</div>', page, re.S) if f'name="{name}"' in m)


def test_a_visit_amended_with_the_form(wuye_make_tenant, wuye_register, wuye_enable_plugin):
    tenant = wuye_make_tenant("acme")
    ids, _other, worker_api, person = _world(tenant, wuye_register, wuye_enable_plugin)
    community = ids["community"]
    visit = _visit(worker_api, person)
    boss_api = tenant.user("boss2", "care_supervisor", [community])
    worker = tenant.console("worker", "password-123")
    url = f"{C}/visits/{visit['id']}/amend"
    assert url in worker.get(f"{C}/people/{person['id']}").text  # linked from the person's history

    form = worker.get(url)
    assert form.status_code == 200 and 'value="王五"' in form.text and 'value="medical" checked' in form.text
    body = {"visited_on": clock_today().isoformat(), "visitors": "王五、赵六", "outcome": "visited",
            "needs": ["medical", "loneliness"], "risk_health": "none", "risk_safety": "none", "risk_social": "none",
            "hazards": "楼道堆物", "reason": ""}
    refused = worker.post(url, data=body)  # no reason: the schema's message next to its field
    assert refused.status_code == 422 and "e-reason" in _field(refused.text, "reason")
    assert 'value="王五、赵六"' in refused.text  # what was typed stays
    assert worker_api.get(f"{P}/visits/{visit['id']}").get_json()["amendments"] == []

    body["reason"] = "漏记了同行人员"
    saved = worker.post(url, data=body)
    assert saved.status_code == 302 and saved.headers["Location"].endswith(f"/people/{person['id']}#visits")
    assert "已更正" in worker.get(saved.headers["Location"].split("#")[0]).text
    after = worker_api.get(f"{P}/visits/{visit['id']}").get_json()
    assert after["visitors"] == "王五、赵六" and after["needs"] == ["medical", "loneliness"]
    assert after["hazards"] == "楼道堆物"
    assert [(a["amended_by"], a["reason"], a["fields"]) for a in after["amendments"]] == [
        ("worker", "漏记了同行人员", ["hazards", "needs", "visitors"])]
    assert {"open_amend_form", "amend_visit"} <= set(_log(boss_api, community))
    trail = tenant.admin.get("/api/v1/audit", query_string={"action": "care_visits.amended"}).get_json()["items"]
    assert [e["target_id"] for e in trail] == [str(visit["id"])]
    assert "漏记了同行人员" in worker.get(url).text  # the amendment listed on the form

    # the same again changes nothing: the service's refusal, by the reason
    again = worker.post(url, data=body)
    assert again.status_code == 422 and "e-reason" in _field(again.text, "reason")

    # another care worker is neither its author nor a supervisor: 403; the supervisor may
    tenant.user("worker2", "care_worker", [community])
    other = tenant.console("worker2", "password-123")
    assert other.get(url).status_code == 403
    assert other.post(url, data={**body, "visitors": "钱七"}).status_code == 403
    boss = tenant.console("boss", "password-123")
    assert boss.get(url).status_code == 200
    # not a care role there: 404
    assert tenant.console("clerk", "password-123").get(url).status_code == 404
    assert worker_api.get(f"{P}/visits/{visit['id']}").get_json()["visitors"] == "王五、赵六"


def test_referrals_listed_and_moved_with_the_form(wuye_make_tenant, wuye_register, wuye_enable_plugin):
    tenant = wuye_make_tenant("acme")
    ids, _other, worker_api, person = _world(tenant, wuye_register, wuye_enable_plugin)
    community = ids["community"]
    assert worker_api.patch(f"{P}/people/{person['id']}", json={"consent_sharing": ["medical"]}).status_code == 200
    visit = _visit(worker_api, person)
    ref = worker_api.post(f"{P}/visits/{visit['id']}/referrals", json={"body": "medical", "note": "血压高"})
    assert ref.status_code == 201, ref.get_json()
    ref = ref.get_json()
    worker = tenant.console("worker", "password-123")

    listed = worker.get(f"{C}/communities/{community}/referrals")
    assert listed.status_code == 200 and f"/referrals/{ref['id']}" in listed.text and "医疗" in listed.text
    assert "张*" in listed.text and "张三" not in listed.text
    assert f"{C}/communities/{community}/referrals" in worker.get(f"{C}/communities/{community}/plan").text
    assert f"/referrals/{ref['id']}" not in worker.get(f"{C}/communities/{community}/referrals?status=resolved").text

    url = f"{C}/referrals/{ref['id']}"
    page = worker.get(url)
    assert page.status_code == 200 and "血压高" in page.text
    refused = worker.post(url, data={"status": "resolved", "closed_on": "2026-13-40"})
    assert refused.status_code == 422 and "e-closed_on" in _field(refused.text, "closed_on")
    assert worker_api.get(f"{P}/referrals/{ref['id']}").get_json()["status"] == "open"

    saved = worker.post(url, data={"status": "resolved", "outcome": "已安排家庭医生"})
    assert saved.status_code == 302
    out = worker_api.get(f"{P}/referrals/{ref['id']}").get_json()
    assert (out["status"], out["outcome"], out["closed_on"]) == ("resolved", "已安排家庭医生", clock_today().isoformat())
    assert f"/referrals/{ref['id']}" in worker.get(f"{C}/communities/{community}/referrals?status=resolved").text
    assert f"/referrals/{ref['id']}" not in worker.get(f"{C}/communities/{community}/referrals").text
    # closed: the state machine refuses another move (409 by its field)
    again = worker.post(url, data={"status": "declined"})
    assert again.status_code == 409
    boss_api = tenant.user("boss2", "care_supervisor", [community])
    assert {"list_referrals", "read_referral", "change_referral"} <= set(_log(boss_api, community))
    # not a care role there: 404
    clerk = tenant.console("clerk", "password-123")
    assert clerk.get(url).status_code == 404
    assert clerk.post(url, data={"status": "declined"}).status_code == 404
    assert clerk.get(f"{C}/communities/{community}/referrals").status_code == 404


def test_plan_items_assigned_with_the_form(wuye_make_tenant, wuye_register, wuye_enable_plugin):
    tenant = wuye_make_tenant("acme")
    ids, _other, worker_api, _person = _world(tenant, wuye_register, wuye_enable_plugin)
    community = ids["community"]
    worker = tenant.console("worker", "password-123")
    assert worker.post(f"{C}/communities/{community}/plan/generate").status_code == 302
    item = worker_api.get(f"{P}/communities/{community}/plans").get_json()["items"][0]
    users = {u["username"]: u["id"] for u in tenant.admin.get("/api/v1/users").get_json()["items"]}
    plan = worker.get(f"{C}/communities/{community}/plan").text
    url = f"{C}/plan-items/{item['id']}/assign"
    assert url in plan and f'value="{users["boss"]}"' in plan and f'value="{users["clerk"]}"' not in plan

    refused = worker.post(url, data={"assignee_id": str(users["clerk"])})  # no care role there
    assert refused.status_code == 422
    field = re.search(rf'<form[^>]*action="{url}".*?</form>', refused.text, re.S).group(0)
    assert 'aria-invalid="true"' in field and "没有关爱角色" in field  # next to the item's choice
    assert worker_api.get(f"{P}/communities/{community}/plans").get_json()["items"][0]["assignee_id"] is None

    saved = worker.post(url, data={"assignee_id": str(users["boss"])})
    assert saved.status_code == 302
    assert worker_api.get(f"{P}/communities/{community}/plans").get_json()["items"][0]["assignee_id"] == users["boss"]
    assert f'value="{users["boss"]}" selected' in worker.get(f"{C}/communities/{community}/plan").text
    assert tenant.console("clerk", "password-123").post(url, data={"assignee_id": ""}).status_code == 404


def test_a_brief_issued_and_its_ledger_downloaded(wuye_make_tenant, wuye_register, wuye_enable_plugin):
    tenant = wuye_make_tenant("acme")
    ids, _other, worker_api, person = _world(tenant, wuye_register, wuye_enable_plugin)
    community = ids["community"]
    _visit(worker_api, person)
    boss_api = tenant.user("boss2", "care_supervisor", [community])
    brief = boss_api.post(f"{P}/communities/{community}/briefs", json={}).get_json()
    boss = tenant.console("boss", "password-123")
    url = f"{C}/briefs/{brief['id']}"
    page = boss.get(url).text
    assert f"{url}/issue" in page and f"{url}/ledger.xlsx" in page

    refused = boss.post(f"{url}/issue", data={"title": "标" * 201})
    assert refused.status_code == 422 and "e-title" in _field(refused.text, "title")
    assert boss_api.get(f"{P}/briefs/{brief['id']}").get_json()["issue_number"] is None

    issued = boss.post(f"{url}/issue", data={"title": "关爱走访工作简报", "followup_notes": "加强夏季走访"})
    assert issued.status_code == 302
    out = boss_api.get(f"{P}/briefs/{brief['id']}").get_json()
    assert out["issue_number"] == 1 and out["title"] == "关爱走访工作简报"
    page = boss.get(url).text
    assert "第 1 期" in page or "No. 1" in page
    again = boss.post(f"{url}/issue", data={})  # issued already: the service's 409, shown
    assert again.status_code == 409 and "form-error" in again.text

    # the care worker is no care lead: no form, and a 404 as the API answers
    worker = tenant.console("worker", "password-123")
    assert f"{url}/issue" not in worker.get(url).text
    assert worker.post(f"{url}/issue", data={}).status_code == 404

    ledger = worker.get(f"{url}/ledger.xlsx")
    assert ledger.status_code == 200 and ledger.headers["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml")
    assert {"issue_brief", "export_brief_xlsx"} <= set(_log(boss_api, community))
    trail = tenant.admin.get("/api/v1/audit", query_string={"action": "care_visits.exported"}).get_json()["items"]
    assert ("worker", {"file": "ledger.xlsx"}) in [(e["actor_name"], e["details"]) for e in trail]
    assert tenant.console("clerk", "password-123").get(f"{url}/ledger.xlsx").status_code == 404
