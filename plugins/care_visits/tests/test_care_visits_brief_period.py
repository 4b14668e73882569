"""A brief's period, like every figure endpoint's (the core's `PeriodArgs`): this month when left
out, one date alone completed, an end before the start or more than a year refused naming the
field; the brief says which period it covers."""

from __future__ import annotations

from datetime import timedelta

from test_care_visits_flow import P, setup_care
from wuye_care_visits.clock import today


def _brief(worker, ids, body):
    return worker.post(f"{P}/communities/{ids['community']}/briefs", json=body)


def test_a_brief_without_dates_covers_this_month(wuye_make_tenant, wuye_register, wuye_enable_plugin):
    ids, worker, _, _ = setup_care(wuye_make_tenant("acme"), wuye_register, wuye_enable_plugin)
    day = today()
    r = _brief(worker, ids, {})
    assert r.status_code == 202, r.get_json()
    assert (r.get_json()["period_start"], r.get_json()["period_end"]) == (day.replace(day=1).isoformat(),
                                                                          day.isoformat())
    r = _brief(worker, ids, {"period_end": "2026-03-10"})  # from the 1st of its month
    assert (r.get_json()["period_start"], r.get_json()["period_end"]) == ("2026-03-01", "2026-03-10")
    start = (day - timedelta(days=40)).isoformat()
    r = _brief(worker, ids, {"period_start": start})  # to today
    assert (r.get_json()["period_start"], r.get_json()["period_end"]) == (start, day.isoformat())


def test_a_bad_brief_period_names_the_field(wuye_make_tenant, wuye_register, wuye_enable_plugin):
    ids, worker, _, _ = setup_care(wuye_make_tenant("acme"), wuye_register, wuye_enable_plugin)
    tomorrow = (today() + timedelta(days=1)).isoformat()
    for body, field, message in (
        ({"period_start": "2026-02-01", "period_end": "2026-01-01"}, "period_end", "结束日期早于开始日期"),
        ({"period_start": tomorrow}, "period_end", "结束日期早于开始日期"),  # alone: to today
        ({"period_start": "2025-01-01", "period_end": "2026-01-03"}, "period_end", None),  # more than a year
    ):
        r = _brief(worker, ids, body)
        assert r.status_code == 422, (body, r.get_json())
        assert list(r.get_json()["errors"]["json"]) == [field], body
        if message:
            assert r.get_json()["errors"]["json"][field] == [message]
