"""The plugin speaks the reader's language from its own catalog: zh_CN by default, English on
`?lang=en` / `Accept-Language: en` — errors, the ticket it opens, the brief's files."""

from __future__ import annotations

import io
import zipfile

from openpyxl import load_workbook
from wuye_care_visits.clock import today as clock_today

P = "/api/v1/plugins/care_visits"
EN = {"Accept-Language": "en"}


def _world(tenant, wuye_register, wuye_enable_plugin):
    ids = wuye_register(tenant)
    wuye_enable_plugin(tenant, "care_visits", ids["community"], {"first_visit_days": 0, "ticket_on_high_risk": True})
    worker = tenant.user("worker", "care_worker", [ids["community"]])
    person = worker.post(
        f"{P}/communities/{ids['community']}/people",
        json={"resident_id": ids["resident"], "level": "A", "difficulties": ["elderly"], "consent_sharing": []},
    )
    assert person.status_code == 201, person.get_json()
    return ids, worker, person.get_json()


def test_errors_in_the_readers_language(wuye_make_tenant, wuye_register, wuye_enable_plugin):
    tenant = wuye_make_tenant("acme")
    ids, worker, person = _world(tenant, wuye_register, wuye_enable_plugin)
    people = f"{P}/communities/{ids['community']}/people"
    again = {"resident_id": ids["resident"], "level": "B"}
    assert worker.post(people, json=again).get_json()["message"] == "该居民已在关爱档案中"
    assert worker.post(people, json=again, headers=EN).get_json()["message"] == (
        "This resident is already on the care register."
    )
    # a marshmallow error raised by the plugin's schema, and one from invalid()
    briefs = f"{P}/communities/{ids['community']}/briefs"
    backwards = {"period_start": "2026-02-01", "period_end": "2026-01-01"}
    assert worker.post(briefs, json=backwards).get_json()["errors"]["json"]["period_end"] == ["结束日期早于开始日期"]
    r = worker.post(briefs + "?lang=en", json=backwards)
    assert r.get_json()["errors"]["json"]["period_end"] == ["Ends before it starts."]
    visit = worker.post(f"{P}/communities/{ids['community']}/visits",
                        json={"person_id": person["id"], "visited_on": clock_today().isoformat(), "visitors": "王五"})
    referral = {"body": "charity"}  # no consent to share with a charity
    r = worker.post(f"{P}/visits/{visit.get_json()['id']}/referrals", json=referral)
    assert (r.status_code, r.get_json()["message"]) == (409, "本人未同意向该机构共享信息")
    assert r.get_json()["errors"]["json"]["body"] == ["未获同意"]
    r = worker.post(f"{P}/visits/{visit.get_json()['id']}/referrals", json=referral, headers=EN)
    assert r.get_json()["errors"]["json"]["body"] == ["No consent."]


def test_the_high_risk_ticket_is_written_in_the_recorders_language(wuye_make_tenant, wuye_register, wuye_enable_plugin):
    tenant = wuye_make_tenant("acme")
    ids, worker, person = _world(tenant, wuye_register, wuye_enable_plugin)
    visits = f"{P}/communities/{ids['community']}/visits"
    body = {"person_id": person["id"], "visited_on": clock_today().isoformat(), "visitors": "王五",
            "risk_health": "high", "ticket_text": "卫生间地面湿滑，需加装扶手"}
    chinese = worker.post(visits, json=body).get_json()["ticket_id"]
    english = worker.post(visits, json=body, headers=EN).get_json()["ticket_id"]
    assert tenant.admin.get(f"/api/v1/tickets/{chinese}").get_json()["title"] == "关爱走访：卫生间地面湿滑，需加装扶手"
    assert tenant.admin.get(f"/api/v1/tickets/{english}").get_json()["title"] == (
        "Care visit: 卫生间地面湿滑，需加装扶手"  # the prefix in the recorder's language, the text as written
    )


def _brief(client, ids, headers=None):
    today = clock_today()
    r = client.post(f"{P}/communities/{ids['community']}/briefs", headers=headers or {},
                    json={"period_start": today.replace(day=1).isoformat(), "period_end": today.isoformat()})
    assert r.status_code == 202, r.get_json()
    brief = client.get(f"{P}/briefs/{r.get_json()['id']}").get_json()
    assert brief["status"] == "done", brief
    ledger = load_workbook(io.BytesIO(client.get(f"{P}/briefs/{brief['id']}/ledger.xlsx").data))
    with zipfile.ZipFile(io.BytesIO(client.get(f"{P}/briefs/{brief['id']}/brief.docx").data)) as z:
        document = z.read("word/document.xml").decode()
    return ledger, document


def test_the_brief_is_written_in_the_language_of_whoever_asked(wuye_make_tenant, wuye_register, wuye_enable_plugin):
    """The job that writes the files runs later: it is handed the asker's locale."""
    tenant = wuye_make_tenant("acme")
    ids, worker, person = _world(tenant, wuye_register, wuye_enable_plugin)
    worker.post(f"{P}/communities/{ids['community']}/visits",
                json={"person_id": person["id"], "visited_on": clock_today().isoformat(), "visitors": "王五",
                      "needs": ["medical"], "risk_safety": "high", "open_ticket": False})

    ledger, document = _brief(worker, ids)
    assert ledger.sheetnames == ["汇总", "关爱台账"]
    assert list(ledger["关爱台账"].iter_rows(values_only=True))[1][:4] == ("档案号", "姓名（脱敏）", "社区", "分级")
    assert ledger["关爱台账"]["E3"].value == "高龄"  # a code, shown translated
    assert "一、总体情况" in document and "（一）走访完成情况" in document and "（三）风险评估" in document
    assert "看病难" in document
    assert "导出人 worker" in document

    ledger, document = _brief(worker, ids, EN)
    assert ledger.sheetnames == ["Summary", "Care ledger"]
    assert list(ledger["Care ledger"].iter_rows(values_only=True))[1][:4] == (
        "Record no.", "Name (masked)", "Community", "Level")
    assert ledger["Care ledger"]["E3"].value == "Elderly"
    assert "1. Overview" in document and "(1) Visits made" in document and "(3) Risk assessment" in document
    assert "Medical care" in document
    assert "走访" not in document.replace("王五", "")  # nothing of the Chinese left (the visitor's name is data)
