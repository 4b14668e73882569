"""The brief job's failure path, and the demo data (idempotent, a year of visits)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

P = "/api/v1/plugins/care_visits"


def test_a_failing_brief_says_why_and_cannot_be_downloaded(wuye_make_tenant, wuye_register, wuye_enable_plugin, monkeypatch):
    from wuye_care_visits import brief as brief_module

    tenant = wuye_make_tenant("acme")
    ids = wuye_register(tenant)
    wuye_enable_plugin(tenant, "care_visits", ids["community"])
    boss = tenant.user("boss", "care_supervisor", [ids["community"]])

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(brief_module, "write_docx", broken)
    r = boss.post(
        f"{P}/communities/{ids['community']}/briefs",
        json={"period_start": "2026-01-01", "period_end": "2026-03-31"},
    )
    assert r.status_code == 202
    brief = boss.get(f"{P}/briefs/{r.get_json()['id']}").get_json()
    assert brief["status"] == "failed" and "disk full" in brief["error"]
    assert boss.get(f"{P}/briefs/{brief['id']}/brief.docx").status_code == 409


def test_a_brief_the_queue_refused_says_so_in_each_readers_language(wuye_make_tenant, wuye_register,
                                                                     wuye_enable_plugin, monkeypatch):
    from wuye_core.plugins import services

    tenant = wuye_make_tenant("acme")
    ids = wuye_register(tenant)
    wuye_enable_plugin(tenant, "care_visits", ids["community"])
    boss = tenant.user("boss", "care_supervisor", [ids["community"]])
    monkeypatch.setattr(services, "enqueue_job", lambda *args, **kwargs: False)  # Redis could not take it
    r = boss.post(f"{P}/communities/{ids['community']}/briefs", headers={"Accept-Language": "en"},
                  json={"period_start": "2026-01-01", "period_end": "2026-03-31"})
    assert r.status_code == 202 and r.get_json()["status"] == "failed"
    url = f"{P}/briefs/{r.get_json()['id']}"
    assert boss.get(url, query_string={"lang": "en"}).get_json()["error"] == (
        "The job queue is unavailable; please try again later.")
    zh = boss.get(url, headers={"Accept-Language": "zh-CN"}).get_json()["error"]
    assert zh and "queue" not in zh  # the Chinese reader reads Chinese, though an English reader asked


def test_demo_data_is_idempotent_and_covers_a_year(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    from wuye_care_visits.demo import add_demo_data
    from wuye_care_visits.models import CarePerson, CareVisit

    from wuye_core.plugins import db, services, tenant_context

    tenant = wuye_make_tenant("acme")
    ids = wuye_register(tenant)
    wuye_enable_plugin(tenant, "care_visits", ids["community"])
    today = date(2026, 11, 25)
    with wuye_app.app_context(), tenant_context(tenant.id):
        config = services.plugin_config("care_visits", ids["community"])
        add_demo_data(ids["community"], config, today)
        visits = db.session.scalars(select(CareVisit.visited_on).order_by(CareVisit.id)).all()
        add_demo_data(ids["community"], config, today)  # a second run adds nothing
        assert db.session.scalar(select(func.count(CarePerson.id))) == 1
        assert db.session.scalar(select(func.count(CareVisit.id))) == len(visits)
    assert len(visits) >= 2 and min(visits) >= date(2025, 11, 25) and max(visits) <= today  # a year of visits
