"""Corrections of service records: only the manager, always with a reason; the values before and
after kept in an append-only table, the record's count of corrections, the core's audit trail
(field names only), the time bank told when the minutes change; refusals change nothing."""

from __future__ import annotations

from datetime import UTC, date, timedelta

import pytest
from _record_rows import P, beijing, member, record, world
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError


def test_the_manager_corrects_a_record_and_its_history_is_kept(wuye_app, wuye_make_tenant, wuye_register,
                                                               wuye_enable_plugin, monkeypatch):
    import wuye_volunteers.time_bank as time_bank

    told = []
    monkeypatch.setattr(time_bank, "record_corrected",
                        lambda rec, minutes_before, by: told.append((rec.id, minutes_before, rec.minutes, by)))
    w = world(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    zhang = member(w.tenant, w.cid)
    day = w.today - timedelta(days=4)
    one = record(w.tenant, w.cid, zhang, beijing(day, 8), minutes=120, place="海景北小区")
    url = f"{P}/records/{one}"
    r = w.mgr.patch(url, json={"minutes": 90, "place": "海景北小区 5 栋", "reason": "签退时间记错，实际 9:30 离开"})
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert body["minutes"] == 90 and body["place"] == "海景北小区 5 栋" and body["corrections"] == 1
    [first] = body["history"]
    assert first["fields"] == ["minutes", "place"] and first["by"] == "mgr"
    assert first["changes"] == {"minutes": [120, 90], "place": ["海景北小区", "海景北小区 5 栋"]}
    assert first["reason"] == "签退时间记错，实际 9:30 离开"
    assert told == [(one, 120, 90, "mgr")]
    # the times, in Beijing wall-clock; the minutes stay within them
    r = w.mgr.patch(url, json={"started_at": f"{day.isoformat()}T08:30", "ended_at": f"{day.isoformat()}T10:15",
                               "reason": "按签到表更正"})
    assert r.status_code == 200, r.get_json()
    second = r.get_json()["history"][1]
    assert second["fields"] == ["ended_at", "started_at"]
    assert second["changes"]["started_at"] == [beijing(day, 8).astimezone(UTC).isoformat(),
                                               beijing(day, 8, 30).astimezone(UTC).isoformat()]
    assert second["changes"]["ended_at"][1] == beijing(day, 10, 15).astimezone(UTC).isoformat()
    assert told == [(one, 120, 90, "mgr")]  # the minutes did not change this time
    # refused, and nothing written
    tomorrow = (w.today + timedelta(days=1)).isoformat()
    refusals = [
        ({"minutes": 100}, "reason"),  # no reason
        ({"reason": "没什么"}, "_schema"),  # no field
        ({"minutes": 90, "reason": "重复"}, "reason"),  # nothing differs
        ({"minutes": 106, "reason": "多记"}, "minutes"),  # more than 08:30–10:15
        ({"ended_at": f"{day.isoformat()}T08:00", "reason": "错"}, "ended_at"),
        ({"ended_at": f"{tomorrow}T08:00", "reason": "错"}, "ended_at"),  # not done yet
        ({"evaluation": "perfect", "reason": "错"}, "evaluation"),
        ({"corrections": 0, "reason": "错"}, "corrections"),  # not a field one corrects
    ]
    for patch, field in refusals:
        r = w.mgr.patch(url, json=patch)
        assert r.status_code == 422 and field in r.get_json()["errors"]["json"], (patch, r.get_json())
    r = w.mgr.patch(url, json={"minutes": 90, "reason": "重复"})
    assert r.get_json()["message"] == "这次更正没有改变任何内容：请填写要更正的字段及其新值。"
    for who in (w.org, w.clerk):
        r = who.patch(url, json={"minutes": 60, "reason": "组织者想改"})
        assert r.status_code == 403 and r.get_json()["message"] == "只有本社区的联盟管理员可以这样做。"
    assert w.mgr.delete(url).status_code == 405  # a record is never deleted
    shown = w.org.get(url).get_json()
    assert shown["corrections"] == 2 and len(shown["history"]) == 2 and shown["minutes"] == 90
    # the core's audit trail: who and which fields, never the values
    trail = w.tenant.admin.get("/api/v1/audit", query_string={"action": "volunteers.amended"}).get_json()["items"]
    assert [(e["actor_name"], e["target_type"], e["target_id"]) for e in trail] == [
        ("mgr", "record", str(one)), ("mgr", "record", str(one))]
    assert [e["details"]["fields"] for e in trail] == [["ended_at", "started_at"], ["minutes", "place"]]
    assert "5 栋" not in str(trail) and "签退" not in str(trail)


def test_a_correction_of_an_activitys_record_is_the_managers_and_keeps_the_source(
        wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    w = world(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    zhang = member(w.tenant, w.cid)
    one = record(w.tenant, w.cid, zhang, beijing(date(2025, 6, 7), 8), minutes=120, source="activity", source_id=7,
                 evaluation=None)
    r = w.mgr.patch(f"{P}/records/{one}", json={"evaluation": "excellent", "content": "  小区清洁与垃圾分类督导 ",
                                                "reason": "补记评价"})
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert body["source"] == "activity" and body["source_id"] == 7 and body["evaluation_label"] == "优秀"
    assert body["content"] == "小区清洁与垃圾分类督导"
    assert body["history"][0]["changes"] == {"content": ["小区环境清洁", "小区清洁与垃圾分类督导"],
                                             "evaluation": [None, "excellent"]}


@pytest.fixture
def app_engine(wuye_app, wuye_backend):
    engine = create_engine(wuye_app.config["WUYE"].sqlalchemy_url(wuye_backend.app_url))
    yield engine
    engine.dispose()


def _as_tenant(conn, tenant_id: int) -> None:
    if conn.dialect.name == "postgresql":
        conn.execute(text("select set_config('app.tenant_id', :t, true)"), {"t": str(tenant_id)})


def test_the_corrections_cannot_be_changed_or_deleted_in_the_database(
        wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin, wuye_owner_engine, wuye_backend, app_engine):
    """Append-only: the owner (and on SQLite the app itself) is refused by the trigger; on
    PostgreSQL the app's role has no UPDATE or DELETE on the table at all."""
    w = world(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    zhang = member(w.tenant, w.cid)
    one = record(w.tenant, w.cid, zhang, beijing(w.today - timedelta(days=2), 8), minutes=120)
    assert w.mgr.patch(f"{P}/records/{one}", json={"minutes": 60, "reason": "早退"}).status_code == 200
    table = "volunteers_record_corrections"
    for statement in (f"update {table} set reason = '改写历史'", f"delete from {table}"):
        with wuye_owner_engine.connect() as conn:
            _as_tenant(conn, w.tenant.id)
            with pytest.raises(DBAPIError, match=f"append-only table {table}: (UPDATE|DELETE) refused"):
                conn.execute(text(statement))
        if wuye_backend.is_postgresql:
            with app_engine.connect() as conn:
                _as_tenant(conn, w.tenant.id)
                with pytest.raises(DBAPIError, match="permission denied"):
                    conn.execute(text(statement))
    history = w.mgr.get(f"{P}/records/{one}").get_json()["history"]
    assert [(h["reason"], h["changes"]) for h in history] == [("早退", {"minutes": [120, 60]})]
