"""The brief a street office hands to its leaders as is (issue #16, item 8): masthead (简报 第 N 期,
issuing office, date), a narrative written from the figures, typical cases chosen by the care lead
and anonymised, common problems and root causes, the follow-up plan, a section per community in
a street's brief, and the ledger's labels in the reader's language."""

from __future__ import annotations

import io
import threading
from collections import Counter
from datetime import timedelta

from docx import Document
from openpyxl import load_workbook
from wuye_care_visits.clock import today as clock_today

P = "/api/v1/plugins/care_visits"
EN = {"Accept-Language": "en"}
NAME, PHONE, BORN = "余桂兰", "13912345678", 1946


def _world(tenant, wuye_register, wuye_enable_plugin, config=None):
    ids = wuye_register(tenant)
    wuye_enable_plugin(tenant, "care_visits", ids["community"], {"first_visit_days": 0, **(config or {})})
    r = tenant.admin.post("/api/v1/residents", json={"household_id": ids["household"], "name": NAME,
                                                     "phone": PHONE, "birth_year": BORN, "gender": "female"})
    assert r.status_code == 201, r.get_json()
    ids["resident2"] = r.get_json()["id"]
    worker = tenant.user("worker", "care_worker", [ids["community"]])
    lead = tenant.user("lead", "care_supervisor", [ids["community"]])
    person = worker.post(f"{P}/communities/{ids['community']}/people", json={
        "resident_id": ids["resident2"], "level": "A", "difficulties": ["living_alone"],
        "consent_sharing": ["civil_affairs"], "id_number": "420102194601011234"})
    assert person.status_code == 201, person.get_json()
    ids["person"] = person.get_json()["id"]
    return ids, worker, lead


def _visit(client, ids, person_id=None, **body):
    r = client.post(f"{P}/communities/{ids['community']}/visits", json={
        "person_id": person_id or ids["person"], "visited_on": clock_today().isoformat(), "visitors": "王五", **body})
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def _period():
    today = clock_today()
    return {"period_start": today.replace(day=1).isoformat(), "period_end": today.isoformat()}


def _brief(client, url, headers=None):
    r = client.post(url, json=_period(), headers=headers or {})
    assert r.status_code == 202, r.get_json()
    assert r.get_json()["status"] == "done", r.get_json()
    return r.get_json()


def _docx_text(client, brief_id) -> str:
    """Every text of the .docx as python-docx reads it: body, tables, headers and footers."""
    r = client.get(f"{P}/briefs/{brief_id}/brief.docx")
    assert r.status_code == 200
    doc = Document(io.BytesIO(r.data))
    parts = [p.text for p in doc.paragraphs]
    parts += [cell.text for table in doc.tables for row in table.rows for cell in row.cells]
    for section in doc.sections:
        parts += [p.text for p in section.header.paragraphs + section.footer.paragraphs]
    return "\n".join(parts)


def _docx_tables(client, brief_id) -> list[list[list[str]]]:
    doc = Document(io.BytesIO(client.get(f"{P}/briefs/{brief_id}/brief.docx").data))
    return [[[cell.text for cell in row.cells] for row in table.rows] for table in doc.tables]


def _xlsx_text(client, brief_id, **kw) -> str:
    book = load_workbook(io.BytesIO(client.get(f"{P}/briefs/{brief_id}/ledger.xlsx", **kw).data))
    return "\n".join(str(v) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)
                     for v in row if v is not None)


def test_issuing_gives_the_next_number_of_the_office_and_year_once(wuye_make_tenant, wuye_register, wuye_enable_plugin):
    tenant = wuye_make_tenant("acme", name="稻香街道")
    ids, worker, lead = _world(tenant, wuye_register, wuye_enable_plugin)
    briefs = f"{P}/communities/{ids['community']}/briefs"
    first, second = _brief(lead, briefs), _brief(lead, briefs)
    assert first["issue_number"] is None and "（草稿，未签发）" in _docx_text(lead, first["id"])

    # the care worker sees briefs but does not issue them; the lead does
    assert worker.post(f"{P}/briefs/{second['id']}/issue", json={}).status_code == 404
    r = lead.post(f"{P}/briefs/{second['id']}/issue", json={"title": "十二月走访简报"})
    assert r.status_code == 202, r.get_json()
    issued = r.get_json()
    today = clock_today()
    assert (issued["issue_number"], issued["issue_year"], issued["issued_on"]) == (1, today.year, today.isoformat())
    assert issued["issuing_office"] == "社区" and issued["status"] == "done" and issued["issued_by"] == "lead"
    text = _docx_text(lead, second["id"])
    assert "简　报" in text and "第 1 期" in text and "十二月走访简报" in text
    assert f"社区\t{today.year}年{today.month}月{today.day}日" in text  # office left, date right

    # once only: the number is never given again, nor taken back
    r = lead.post(f"{P}/briefs/{second['id']}/issue", json={})
    assert r.status_code == 409 and r.get_json()["errors"]["issue_number"] == 1
    assert lead.post(f"{P}/briefs/{first['id']}/issue", json={}).get_json()["issue_number"] == 2

    # another office counts from 1: the configured office of the community, the tenant's (a street's)
    tenant.admin.put(f"/api/v1/communities/{ids['community']}/plugins/care_visits",
                     json={"enabled": True, "config": {"first_visit_days": 0, "brief_office": "稻香社区居委会",
                                                       "street_brief_office": "稻香街道办事处"}})
    third = _brief(lead, briefs)
    issued = lead.post(f"{P}/briefs/{third['id']}/issue", json={}).get_json()
    assert (issued["issuing_office"], issued["issue_number"]) == ("稻香社区居委会", 1)
    chief = tenant.user("chief", "care_supervisor")
    street = _brief(chief, f"{P}/briefs")
    issued = chief.post(f"{P}/briefs/{street['id']}/issue", json={}).get_json()
    assert (issued["issuing_office"], issued["issue_number"]) == ("稻香街道办事处", 1)
    assert "稻香街道办事处" in _docx_text(chief, street["id"])


def _at_once(wuye_app, client, paths: list[str], json=None) -> list:
    """POST each of `paths` at the same moment, each from its own thread and database connection."""
    barrier = threading.Barrier(len(paths))
    responses, failures = [None] * len(paths), []

    def send(i):
        own = type(client)(wuye_app.test_client(), client.token, client.headers)  # the kit's ApiClient
        try:
            barrier.wait(timeout=30)
            responses[i] = own.post(paths[i], json=json or {})
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(paths))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    if failures:
        raise failures[0]
    return responses


def test_briefs_issued_at_once_get_different_numbers(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    """Real concurrent connections (on PostgreSQL: row locks; on SQLite: its one-writer lock)."""
    tenant = wuye_make_tenant("acme")
    ids, _worker, lead = _world(tenant, wuye_register, wuye_enable_plugin)
    briefs = [_brief(lead, f"{P}/communities/{ids['community']}/briefs")["id"] for _ in range(6)]
    responses = _at_once(wuye_app, lead, [f"{P}/briefs/{b}/issue" for b in briefs])
    assert [r.status_code for r in responses] == [202] * 6, [r.get_json() for r in responses]
    assert sorted(r.get_json()["issue_number"] for r in responses) == [1, 2, 3, 4, 5, 6]
    # one brief issued six times at once: one number, five refusals
    one = _brief(lead, f"{P}/communities/{ids['community']}/briefs")["id"]
    responses = _at_once(wuye_app, lead, [f"{P}/briefs/{one}/issue"] * 6)
    assert Counter(r.status_code for r in responses) == {202: 1, 409: 5}
    assert lead.get(f"{P}/briefs/{one}").get_json()["issue_number"] == 7
    numbers = [lead.get(f"{P}/briefs/{b}").get_json()["issue_number"] for b in [*briefs, one]]
    assert sorted(numbers) == list(range(1, 8))


def test_the_narrative_tells_the_figures_in_the_readers_language(wuye_make_tenant, wuye_register, wuye_enable_plugin):
    tenant = wuye_make_tenant("acme")
    ids, worker, lead = _world(tenant, wuye_register, wuye_enable_plugin, {"ticket_category": "其他"})
    visit = _visit(worker, ids, needs=["medical"], risk_safety="high", open_ticket=True,
                   ticket_text="燃气软管老化开裂，需上门更换")
    _visit(worker, ids, outcome="not_home")
    worker.post(f"{P}/visits/{visit['id']}/referrals", json={"body": "civil_affairs"})
    brief = _brief(lead, f"{P}/communities/{ids['community']}/briefs")
    f = brief["figures"]
    assert f["high_risk"] == {"visits": 1, "people_found": 1, "people_handled": 0}
    assert f["tickets"] == {"opened": 1, "resolved": 0} and f["referrals"]["total"] == 1
    zh = " ".join(brief["narrative"])
    assert "社区共入户走访困难群众1次（含未入户共2次" in zh and "走访覆盖关爱对象1人（共1人）" in zh
    assert "发现高风险1次，涉及1人，经跟进已有0人解除高风险" in zh and "派发工单1件，已办结0件" in zh
    assert "转介1件，已办结0件" in zh and "入户走访次数由0增至1" in zh
    en = " ".join(lead.get(f"{P}/briefs/{brief['id']}", headers=EN).get_json()["narrative"])
    assert "made 1 care visits at home (2 calls in all" in en and "saw 1 of the 1 people in care" in en
    assert "found a high risk 1 times, concerning 1 people" in en and "visits at home up from 0 to 1" in en
    assert "入户" not in en
    # the .docx tells the same, in the language the brief was asked in
    assert "社区共入户走访困难群众1次" in _docx_text(lead, brief["id"])
    english = _brief(lead, f"{P}/communities/{ids['community']}/briefs", EN)
    text = _docx_text(lead, english["id"])
    assert "1. Overview" in text and "made 1 care visits at home" in text and "Draft (not yet issued)" in text


def test_typical_cases_are_chosen_by_the_lead_and_anonymised(wuye_make_tenant, wuye_register, wuye_enable_plugin):
    tenant = wuye_make_tenant("acme")
    ids, worker, lead = _world(tenant, wuye_register, wuye_enable_plugin)
    visit = _visit(worker, ids, needs=["loneliness"], root_cause=f"{NAME}老伴去世后独居，电话{PHONE}",
                   recommendation=f"建议为{NAME}安装紧急呼叫器")
    brief = _brief(lead, f"{P}/communities/{ids['community']}/briefs")
    case = f"{P}/briefs/{brief['id']}/cases/{visit['id']}"

    for text, why in ((f"{NAME}独居多年", "姓名"), ("桂兰独居多年", "姓名"), (f"联系电话{PHONE}", "电话"),
                      ("身份证420102194601011234", "身份证")):
        r = lead.put(case, json={"text": text})
        assert r.status_code == 422 and why in r.get_json()["errors"]["json"]["text"][0], (text, r.get_json())
    assert worker.put(case, json={"text": "老人独居"}).status_code == 404  # the lead chooses
    story = "老人独居多年，走访发现燃气软管老化，当场更换并联系子女每周探望。"
    r = lead.put(case, json={"text": story})
    assert r.status_code == 200, r.get_json()
    age = clock_today().year - BORN
    assert r.get_json()["label"] == f"某独居老人（{age}岁）" and r.get_json()["text"] == story
    assert lead.get(f"{P}/briefs/{brief['id']}", headers=EN).get_json()["cases"][0]["label"] == (
        f"elderly person living alone (aged {age})")
    # unmark, mark again
    assert lead.delete(case).status_code == 204
    assert lead.get(f"{P}/briefs/{brief['id']}").get_json()["cases"] == []
    assert lead.delete(case).status_code == 404
    assert lead.put(case, json={"text": story}).status_code == 200
    # a visit outside the brief's period is no case of it
    old = _visit(worker, ids, visited_on=(clock_today().replace(day=1) - timedelta(days=3)).isoformat())
    r = lead.put(f"{P}/briefs/{brief['id']}/cases/{old['id']}", json={"text": story})
    assert r.status_code == 422 and "visit_id" in r.get_json()["errors"]["path"]

    issued = lead.post(f"{P}/briefs/{brief['id']}/issue", json={}).get_json()
    assert issued["status"] == "done" and [c["visit_id"] for c in issued["cases"]] == [visit["id"]]
    text, ledger = _docx_text(lead, brief["id"]), _xlsx_text(lead, brief["id"])
    assert "二、典型案例" in text and f"案例1：某独居老人（{age}岁）" in text and story in text
    assert "某某老伴去世后独居" in text and "建议为某某安装紧急呼叫器" in text  # quoted texts scrubbed
    for secret in (NAME, "桂兰", PHONE, "420102194601011234"):
        assert secret not in text and secret not in ledger, secret
    # an issued brief's cases are fixed
    assert lead.put(case, json={"text": story}).status_code == 409
    assert lead.delete(case).status_code == 409


def test_root_causes_are_ranked_with_the_problems(wuye_make_tenant, wuye_register, wuye_enable_plugin):
    tenant = wuye_make_tenant("acme")
    ids, worker, lead = _world(tenant, wuye_register, wuye_enable_plugin)
    _visit(worker, ids, needs=["loneliness"], root_cause="子女在外地，收入低")
    _visit(worker, ids, needs=["loneliness", "medical"], root_cause="子女在外地")
    _visit(worker, ids, needs=["medical"], root_cause="行动不便、子女在外地；收入低")
    _visit(worker, ids, needs=["medical"])
    brief = _brief(lead, f"{P}/communities/{ids['community']}/briefs")
    assert [(p["code"], p["count"]) for p in brief["figures"]["common_problems"]] == [("medical", 3), ("loneliness", 2)]
    assert "子女在外地" not in str(brief["figures"])  # free text stays in the encrypted files
    tables = _docx_tables(lead, brief["id"])
    causes = next(t for t in tables if t[0][:2] == ["序号", "困难根源"])
    assert [row[1:3] for row in causes[1:]] == [["子女在外地", "3"], ["收入低", "2"], ["行动不便", "1"]]
    assert causes[1][3] == "精神孤独、看病难"  # the problems of the visits naming it, most frequent first
    text = _docx_text(lead, brief["id"])
    assert "二、共性问题与根源分析" in text and "看病难（3次）、精神孤独（2次）" in text


def test_the_followup_plan_lists_overdue_people_open_referrals_high_risks_and_the_leads_points(
        wuye_make_tenant, wuye_register, wuye_enable_plugin):
    tenant = wuye_make_tenant("acme")
    ids, worker, lead = _world(tenant, wuye_register, wuye_enable_plugin)
    long_ago = clock_today() - timedelta(days=200)
    visit = _visit(worker, ids, visited_on=long_ago.isoformat())  # due 30 days later: overdue now
    worker.post(f"{P}/visits/{visit['id']}/referrals", json={"body": "civil_affairs"})
    other = worker.post(f"{P}/communities/{ids['community']}/people",
                        json={"resident_id": ids["resident"], "level": "B"}).get_json()
    _visit(worker, ids, person_id=other["id"], risk_health="high", open_ticket=False)
    brief = _brief(lead, f"{P}/communities/{ids['community']}/briefs")
    followup = brief["figures"]["followup"]
    assert (followup["overdue_people"], followup["open_high_risks"], followup["open_referrals"]) == (1, 1, 1)
    assert followup["open_referrals_by_body"] == {"civil_affairs": 1}
    r = lead.post(f"{P}/briefs/{brief['id']}/issue",
                  json={"followup_notes": "联系社区卫生服务中心上门体检\n\n春节前开展一次集中走访"})
    assert r.status_code == 202 and r.get_json()["followup_notes"].startswith("联系社区")
    text = _docx_text(lead, brief["id"])
    plan = text[text.index("下一步工作"):text.index("附表")]
    assert "优先走访逾期未走访的1名关爱对象" in plan and "仍处于高风险的1人" in plan
    assert "跟进1件未办结转介（街道民政办1件）" in plan
    assert "联系社区卫生服务中心上门体检" in plan and "春节前开展一次集中走访" in plan


def _second_community(tenant, name: str) -> dict:
    api = tenant.admin
    community = api.post("/api/v1/communities", json={"name": name, "code": "c2"}).get_json()["id"]
    site = api.post("/api/v1/sites", json={"community_id": community, "name": "小区2", "kind": "compound"}).get_json()
    building = api.post("/api/v1/buildings", json={"site_id": site["id"], "name": "2栋"}).get_json()
    unit = api.post("/api/v1/units", json={"building_id": building["id"], "number": "201", "entrance": "1"}).get_json()
    household = api.post("/api/v1/households", json={"unit_id": unit["id"], "kind": "owner"}).get_json()
    resident = api.post("/api/v1/residents", json={"household_id": household["id"], "name": "赵六"}).get_json()
    return {"community": community, "resident": resident["id"]}


def test_a_streets_brief_has_a_section_and_a_row_per_community(wuye_make_tenant, wuye_register, wuye_enable_plugin):
    tenant = wuye_make_tenant("acme", kind="subdistrict", name="稻香街道")
    ids, worker, _lead = _world(tenant, wuye_register, wuye_enable_plugin)
    second = _second_community(tenant, "三店社区")
    wuye_enable_plugin(tenant, "care_visits", second["community"], {"first_visit_days": 0})
    chief = tenant.user("chief", "care_supervisor")
    person = chief.post(f"{P}/communities/{second['community']}/people",
                        json={"resident_id": second["resident"], "level": "B"}).get_json()
    _visit(worker, ids, risk_health="high", open_ticket=False)
    _visit(chief, second, person_id=person["id"])
    _visit(chief, second, person_id=person["id"])
    brief = _brief(chief, f"{P}/briefs")
    rows = {r["name"]: r for r in brief["figures"]["by_community"]}
    assert set(rows) == {"社区", "三店社区"}
    assert (rows["三店社区"]["made"], rows["三店社区"]["people"], rows["社区"]["high_risk_visits"]) == (2, 1, 1)
    text = _docx_text(chief, brief["id"])
    assert "各社区情况" in text
    assert "三店社区：入户走访2次，覆盖关爱对象1人（共1人）" in text and "社区：入户走访1次" in text
    table = next(t for t in _docx_tables(chief, brief["id"]) if t[0][0] == "社区" and "关爱对象人数" in t[0])
    assert sorted(row[0] for row in table[1:]) == ["三店社区", "社区"]
    # and a community's brief has no such section
    community_brief = _brief(chief, f"{P}/communities/{ids['community']}/briefs")
    assert community_brief["figures"]["by_community"] is None
    assert "各社区情况" not in _docx_text(chief, community_brief["id"])


def test_the_ledgers_labels_are_in_the_readers_language(wuye_make_tenant, wuye_register, wuye_enable_plugin):
    tenant = wuye_make_tenant("acme")
    ids, worker, lead = _world(tenant, wuye_register, wuye_enable_plugin)
    _visit(worker, ids, needs=["medical"])
    labels = {}
    for lang, query in (("zh", {}), ("en", {"lang": "en"})):
        r = lead.post(f"{P}/communities/{ids['community']}/briefs", json=_period(), query_string=query)
        book = load_workbook(io.BytesIO(lead.get(f"{P}/briefs/{r.get_json()['id']}/ledger.xlsx").data))
        labels[lang] = [row[0] for row in book.worksheets[0].iter_rows(min_row=3, values_only=True) if row[0]]
    assert labels["zh"][:3] == ["统计期间", "上期", "项目"]
    assert {"计划走访", "发现高风险人数", "逾期未走访人数", "诉求：看病难"} <= set(labels["zh"])
    assert not [label for label in labels["zh"] if label.isascii()], labels["zh"]  # nothing left in English
    assert {"Visits planned", "People found at high risk", "People overdue for a visit",
            "Problem: Medical care"} <= set(labels["en"])
    assert not [label for label in labels["en"] if not label.isascii()], labels["en"]


def test_an_issued_brief_whose_build_failed_is_built_again_with_its_number(wuye_make_tenant, wuye_register,
                                                                           wuye_enable_plugin, monkeypatch):
    from wuye_care_visits import brief as brief_module

    tenant = wuye_make_tenant("acme")
    ids, _worker, lead = _world(tenant, wuye_register, wuye_enable_plugin)
    brief = _brief(lead, f"{P}/communities/{ids['community']}/briefs")
    write_docx = brief_module.write_docx

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(brief_module, "write_docx", broken)
    failed = lead.post(f"{P}/briefs/{brief['id']}/issue", json={}).get_json()
    assert (failed["status"], failed["issue_number"]) == ("failed", 1) and "disk full" in failed["error"]
    monkeypatch.setattr(brief_module, "write_docx", write_docx)
    again = lead.post(f"{P}/briefs/{brief['id']}/issue", json={}).get_json()
    assert (again["status"], again["issue_number"]) == ("done", 1)
    assert "第 1 期" in _docx_text(lead, brief["id"])
