"""Insurance: a worker's policies (add, list, correct, delete), their refusals, and the alerts —
policies of workers on post about to end, workers on post lacking a required kind today."""

from __future__ import annotations

from datetime import timedelta

import pytest
from _coverage_rows import Rows

from wuye_core.plugins import local_today

API = "/api/v1/plugins/welfare_jobs"


@pytest.fixture
def roster(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    tenant = wuye_make_tenant("acme")
    ids = wuye_register(tenant)
    wuye_enable_plugin(tenant, "welfare_jobs", ids["community"])
    manager = tenant.user("mgr", "welfare_jobs_manager", [ids["community"]])
    today = local_today()
    with Rows(wuye_app, tenant.id, ids["community"], ids["site"]) as rows:
        post = rows.post(headcount=3)
        w1 = rows.worker("王芳")
        w2 = rows.worker("李强", gender="male")
        gone = rows.worker("赵敏")
        rows.placement(w1, post, starts_on=today - timedelta(days=300))
        rows.placement(w2, post, starts_on=today - timedelta(days=300))
        rows.placement(gone, post, starts_on=today - timedelta(days=300), exited_on=today - timedelta(days=3),
                       exit_reason="other_job")
    return {"tenant": tenant, "ids": ids, "manager": manager, "w1": w1, "w2": w2, "gone": gone,
            "community": ids["community"], "today": today}


def _policy(kind="pension", starts=None, ends=None, **extra):
    today = local_today()
    return {"kind": kind, "insurer": "人保财险", "policy_no": "PICC-001",
            "starts_on": (starts or today - timedelta(days=10)).isoformat(),
            "ends_on": (ends or today + timedelta(days=355)).isoformat(), "premium_fen": 12_000, **extra}


def test_manager_adds_lists_corrects_and_deletes_a_policy(roster, wuye_app):
    mgr, w1 = roster["manager"], roster["w1"]
    r = mgr.post(f"{API}/workers/{w1}/policies", json=_policy())
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert body["kind"] == "pension" and body["kind_label"] == "养老保险" and body["valid_today"] is True
    assert body["premium_fen"] == 12_000 and body["created_by"] == "mgr"
    policy_id = body["id"]
    listed = mgr.get(f"{API}/workers/{w1}/policies").get_json()
    assert [p["id"] for p in listed] == [policy_id]

    r = mgr.patch(f"{API}/policies/{policy_id}", json={"policy_no": "PICC-002", "insurer": "人保财险"})
    assert r.status_code == 200 and r.get_json()["policy_no"] == "PICC-002"
    audit = roster["tenant"].admin.get("/api/v1/audit").get_json()
    entries = audit["items"] if isinstance(audit, dict) else audit
    amended = [e for e in entries if e.get("action") == "welfare_jobs.amended"]
    assert amended and "policy_no" in str(amended[0]) and "PICC-002" not in str(amended[0])

    assert mgr.delete(f"{API}/policies/{policy_id}").status_code == 204
    assert mgr.get(f"{API}/workers/{w1}/policies").get_json() == []
    assert mgr.get(f"{API}/policies/{policy_id}").status_code == 404


def test_policy_refusals_name_the_field_in_chinese(roster):
    mgr, w1, today = roster["manager"], roster["w1"], roster["today"]
    r = mgr.post(f"{API}/workers/{w1}/policies",
                 json=_policy(starts=today, ends=today - timedelta(days=1)))
    assert r.status_code == 422
    assert "起保日期" in r.get_json()["errors"]["json"]["ends_on"][0]
    r = mgr.post(f"{API}/workers/{w1}/policies", json=_policy(kind="holiday"))
    assert r.status_code == 422 and "kind" in r.get_json()["errors"]["json"]
    r = mgr.post(f"{API}/workers/{w1}/policies", json=_policy(premium_fen=-1))
    assert r.status_code == 422 and "premium_fen" in r.get_json()["errors"]["json"]

    first = mgr.post(f"{API}/workers/{w1}/policies", json=_policy(starts=today, ends=today + timedelta(days=364)))
    assert first.status_code == 201
    r = mgr.post(f"{API}/workers/{w1}/policies",
                 json=_policy(starts=today + timedelta(days=364), ends=today + timedelta(days=700)))
    assert r.status_code == 409
    message = r.get_json()["errors"]["json"]["starts_on"][0]
    assert today.isoformat() in message and "不能重叠" in message
    # another kind, or the next period of the same kind, is fine
    assert mgr.post(f"{API}/workers/{w1}/policies", json=_policy(kind="medical")).status_code == 201
    second = mgr.post(f"{API}/workers/{w1}/policies",
                      json=_policy(starts=today + timedelta(days=365), ends=today + timedelta(days=729)))
    assert second.status_code == 201
    # a correction into an overlap is refused too, and changes nothing
    r = mgr.patch(f"{API}/policies/{second.get_json()['id']}", json={"starts_on": today.isoformat()})
    assert r.status_code == 409 and "starts_on" in r.get_json()["errors"]["json"]
    assert mgr.get(f"{API}/policies/{second.get_json()['id']}").get_json()["starts_on"] == (
        today + timedelta(days=365)).isoformat()


def test_only_the_manager_writes_policies(roster):
    tenant, community, w1 = roster["tenant"], roster["community"], roster["w1"]
    leader = tenant.user("leader", "welfare_jobs_team_leader", [community])
    r = leader.post(f"{API}/workers/{w1}/policies", json=_policy())
    assert r.status_code == 403 and "公益岗管理员" in r.get_json()["message"]
    policy_id = roster["manager"].post(f"{API}/workers/{w1}/policies", json=_policy()).get_json()["id"]
    assert leader.get(f"{API}/workers/{w1}/policies").status_code == 200  # reading is the community's
    assert leader.patch(f"{API}/policies/{policy_id}", json={"insurer": "平安"}).status_code == 403
    assert leader.delete(f"{API}/policies/{policy_id}").status_code == 403
    assert roster["manager"].get(f"{API}/policies/{policy_id}").get_json()["insurer"] == "人保财险"


def test_two_identical_policies_at_once_one_wins(roster, wuye_race):
    results = wuye_race(roster["manager"], "POST", f"{API}/workers/{roster['w1']}/policies", json=_policy(), n=4)
    codes = sorted(r.status_code for r in results)
    assert codes == [201, 409, 409, 409]


def test_alerts_list_expiring_policies_and_the_uninsured(roster, wuye_app):
    today, w1, w2, gone = roster["today"], roster["w1"], roster["w2"], roster["gone"]
    with Rows(wuye_app, roster["tenant"].id, roster["community"], roster["ids"]["site"]) as rows:
        rows.insure(w1, ("medical", "injury", "accident"))
        soon = rows.policy(w1, "pension", starts_on=today - timedelta(days=340), ends_on=today + timedelta(days=25))
        rows.policy(w1, "unemployment", starts_on=today - timedelta(days=300), ends_on=today + timedelta(days=31))
        rows.insure(w2, ("pension", "medical", "injury"))
        rows.policy(w2, "accident", starts_on=today - timedelta(days=365), ends_on=today - timedelta(days=1))
        rows.policy(gone, "pension", starts_on=today - timedelta(days=300), ends_on=today + timedelta(days=5))
    body = roster["manager"].get(f"{API}/communities/{roster['community']}/policies/expiring").get_json()
    assert body["alert_days"] == 30 and body["required"] == ["pension", "medical", "injury", "accident"]
    # w1's pension ends in 25 days; unemployment in 31 (past the alert); the one who left is not listed
    assert [(p["policy_id"], p["worker_name"], p["days_left"]) for p in body["expiring"]] == [(soon, "王芳", 25)]
    # w2's accident cover ended yesterday
    assert body["uninsured"] == [{"worker_id": w2, "worker_name": "李强", "missing": ["accident"],
                                  "missing_labels": ["意外伤害保险"]}]


def test_required_insurance_is_config(roster, wuye_app):
    tenant, community = roster["tenant"], roster["community"]
    url = f"/api/v1/communities/{community}/plugins/welfare_jobs"
    r = tenant.admin.put(url, json={"enabled": True, "config": {"required_insurance": ["pension", "pension"]}})
    assert r.status_code == 422 and "required_insurance" in r.get_data(as_text=True)
    assert "每个险种只能列一次" in r.get_data(as_text=True)
    r = tenant.admin.put(url, json={"enabled": True, "config": {"required_insurance": ["dental"]}})
    assert r.status_code == 422 and "required_insurance" in r.get_data(as_text=True)
    r = tenant.admin.put(url, json={"enabled": True, "config": {"required_insurance": ["injury"]}})
    assert r.status_code == 200
    with Rows(wuye_app, tenant.id, community, roster["ids"]["site"]) as rows:
        rows.insure(roster["w1"], ("injury",))
    body = roster["manager"].get(f"{API}/communities/{community}/policies/expiring").get_json()
    assert [u["worker_id"] for u in body["uninsured"]] == [roster["w2"]]
    coverage = roster["manager"].get(f"{API}/communities/{community}/coverage").get_json()
    assert coverage["insured"] == 1 and coverage["insured_rate"] == 0.5


def test_another_tenants_policy_is_not_there(roster, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    other = wuye_make_tenant("other")
    ids = wuye_register(other, prefix="乙")
    wuye_enable_plugin(other, "welfare_jobs", ids["community"])
    policy_id = roster["manager"].post(f"{API}/workers/{roster['w1']}/policies", json=_policy()).get_json()["id"]
    assert other.admin.get(f"{API}/policies/{policy_id}").status_code == 404
    assert other.admin.delete(f"{API}/policies/{policy_id}").status_code == 404
    assert other.admin.post(f"{API}/workers/{roster['w1']}/policies", json=_policy()).status_code == 404
