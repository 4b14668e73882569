"""Briefs are bounded: the people a brief lists (the ledger has a row each) and the briefs a user
starts per window (WUYE_JOB_LIMIT_PER_USER); both refused before anything is queued."""

from __future__ import annotations

import wuye_care_visits.limits as limits
from test_care_visits_flow import P, register_person, setup_care

PERIOD = {"period_start": "2026-01-01", "period_end": "2026-03-31"}


def test_a_brief_of_more_people_than_the_cap_is_refused(wuye_make_tenant, wuye_register, wuye_enable_plugin,
                                                         monkeypatch):
    tenant = wuye_make_tenant("acme")
    ids, worker, _, _ = setup_care(tenant, wuye_register, wuye_enable_plugin)
    register_person(worker, ids)
    monkeypatch.setattr(limits, "MAX_BRIEF_PEOPLE", 0)
    r = worker.post(f"{P}/communities/{ids['community']}/briefs", json=PERIOD)
    assert r.status_code == 422
    assert r.get_json()["message"] == "简报将列出 1 人，一份简报最多 0 人：请按社区分别生成。"
    assert r.get_json()["errors"] == {"path": {"community_id": [r.get_json()["message"]]}}
    en = worker.post(f"{P}/communities/{ids['community']}/briefs?lang=en", json=PERIOD).get_json()
    assert en["message"] == "The brief would list 1 people; at most 0 fit in one brief: build it per community."
    # the tenant's brief counts every community's people
    everyone = tenant.user("zhuren", "care_supervisor")
    r = everyone.post(f"{P}/briefs", json=PERIOD)
    assert r.status_code == 422 and "1" in r.get_json()["message"]
    assert worker.get(f"{P}/communities/{ids['community']}/briefs").get_json()["items"] == []  # nothing queued
    monkeypatch.setattr(limits, "MAX_BRIEF_PEOPLE", 1)
    assert worker.post(f"{P}/communities/{ids['community']}/briefs", json=PERIOD).status_code == 202


def test_a_user_starts_a_bounded_number_of_briefs(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin,
                                                  monkeypatch):
    tenant = wuye_make_tenant("acme")
    ids, worker, supervisor, _ = setup_care(tenant, wuye_register, wuye_enable_plugin)
    monkeypatch.setattr(wuye_app.config["WUYE"], "job_limit_per_user", "2 per hour")
    briefs = f"{P}/communities/{ids['community']}/briefs"
    assert worker.post(briefs, json={**PERIOD, "period_end": "2025-01-01"}).status_code == 422  # not counted
    for _ in range(2):
        assert worker.post(briefs, json=PERIOD).status_code == 202
    r = worker.post(briefs, json=PERIOD)
    assert r.status_code == 429 and 3500 <= int(r.headers["Retry-After"]) <= 3600
    assert r.get_json()["message"].startswith("你最近启动的此类任务过多（60 分钟内最多 2 个）")
    assert worker.get(briefs).get_json()["total"] == 2
    assert supervisor.post(briefs, json=PERIOD).status_code == 202  # a budget of their own
