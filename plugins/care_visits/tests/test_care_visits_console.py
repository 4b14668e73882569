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
