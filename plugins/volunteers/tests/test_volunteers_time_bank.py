"""The time bank (issue #21 item 6): confirmed hours earn points (rounded half up, once per
record), a record's correction adjusts them, spending and the manager's adjustments never take
a balance below 0, the ledger is append-only in the database, and a community with the time
bank off refuses its routes."""

from __future__ import annotations

import pytest
from _bank_rows import P, correct, ledger, member, service_record, set_time_bank, world
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError
from wuye_volunteers.time_bank import points_for

EN = {"Accept-Language": "en"}
OFF = "本社区未启用时间银行"


def test_points_are_rounded_half_up_in_integers():
    assert [points_for(m, 10) for m in (1, 2, 3, 8, 9, 60, 90, 45)] == [0, 0, 1, 1, 2, 10, 15, 8]
    assert points_for(50, 7) == 6 and points_for(30, 7) == 4 and points_for(180, 1) == 3  # 5.83, 3.5, 3
    assert points_for(720, 1000) == 12000 and points_for(0, 10) == 0


def test_a_record_earns_once_rounded_half_up(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    w = world(wuye_make_tenant, wuye_register, wuye_enable_plugin, time_bank_on=True, per_hour=10)
    first = service_record(w.tenant, w.wang, 90, source_id=7)  # 15
    second = service_record(w.tenant, w.wang, 3)  # 0.5 → 1
    third = service_record(w.tenant, w.wang, 2)  # 0.33 → 0, still in the bank
    assert service_record(w.tenant, w.wang, 90, source_id=7) == first  # the same activity confirmed again
    assert ledger(w.tenant, w.wang) == [("earn", 15, 15, first), ("earn", 1, 16, second), ("earn", 0, 16, third)]
    balance = w.mgr.get(f"{P}/members/{w.wang}/time-bank").get_json()
    assert (balance["balance"], balance["earned"], balance["spent"], balance["lines"], balance["points_per_hour"]) == (
        16, 16, 0, 3, 10)
    lines = w.org.get(f"{P}/members/{w.wang}/time-bank/ledger").get_json()
    assert [(x["kind"], x["points"], x["balance"]) for x in lines["items"]] == [("earn", 0, 16), ("earn", 1, 16),
                                                                                ("earn", 15, 15)]
    assert lines["items"][-1]["description"] == f"服务记录 #{first}：小区清洁，1.5 小时"
    assert lines["items"][-1]["kind_label"] == "服务所得" and lines["items"][-1]["by_name"] == "mgr"
    english = w.org.get(f"{P}/members/{w.wang}/time-bank/ledger", headers=EN).get_json()["items"][-1]
    assert english["description"] == f"Record #{first}: 小区清洁, 1.5 h"
    # a long content: the line's description is shortened to fit, and still reads
    long = service_record(w.tenant, w.wang, 60, content="为独居老人上门理发、打扫卫生、陪同就医并代购生活用品" * 12)
    shown = w.org.get(f"{P}/members/{w.wang}/time-bank/ledger").get_json()["items"][0]["description"]
    assert shown.startswith(f"服务记录 #{long}：为独居老人上门理发") and shown.endswith("…，1 小时"), shown
    # another rate
    set_time_bank(w.tenant, w.cid, True, per_hour=7)
    fourth = service_record(w.tenant, w.li, 50)
    assert ledger(w.tenant, w.li) == [("earn", 6, 6, fourth)]


def test_earning_twice_for_the_same_record_gives_the_first_line(wuye_app, wuye_make_tenant, wuye_register,
                                                               wuye_enable_plugin):
    from sqlalchemy import select
    from wuye_volunteers import time_bank
    from wuye_volunteers.models import ServiceRecord

    from wuye_core.plugins import db, tenant_context

    w = world(wuye_make_tenant, wuye_register, wuye_enable_plugin, time_bank_on=True)
    record_id = service_record(w.tenant, w.wang, 120)
    with w.tenant.app.app_context(), tenant_context(w.tenant.id):
        record = db.session.get(ServiceRecord, record_id)
        first = time_bank.earn(record, "mgr")
        again = time_bank.earn(record, "mgr")
        assert first.id == again.id and first.points == 20
        db.session.commit()
        assert len(db.session.scalars(select(ServiceRecord)).all()) == 1
        db.session.remove()
    assert ledger(w.tenant, w.wang) == [("earn", 20, 20, record_id)]


def test_a_correction_adjusts_the_points_and_never_below_zero(wuye_app, wuye_make_tenant, wuye_register,
                                                             wuye_enable_plugin):
    w = world(wuye_make_tenant, wuye_register, wuye_enable_plugin, time_bank_on=True)
    record_id = service_record(w.tenant, w.wang, 120)  # 20
    correct(w.tenant, record_id, 90)  # 15: −5
    correct(w.tenant, record_id, 150)  # 25: +10
    correct(w.tenant, record_id, 152)  # 25.33 → 25: no line
    assert ledger(w.tenant, w.wang) == [("earn", 20, 20, record_id), ("adjust", -5, 15, None),
                                        ("adjust", 10, 25, None)]
    # spent most of it, then the record is corrected down a lot: only what is there is taken, and said
    r = w.mgr.post(f"{P}/members/{w.wang}/time-bank/spend", json={"points": 22, "description": "陪护老人"})
    assert r.status_code == 201, r.get_json()
    correct(w.tenant, record_id, 30)  # 5: −20 due, 3 held
    assert ledger(w.tenant, w.wang)[-1] == ("adjust", -3, 0, None)
    last = w.mgr.get(f"{P}/members/{w.wang}/time-bank/ledger").get_json()["items"][0]
    assert last["description"] == f"服务记录 #{record_id} 更正：2.53 → 0.5 小时；应扣回 20 分，余额仅有 3 分，已全部扣除"
    assert w.mgr.get(f"{P}/members/{w.wang}/time-bank").get_json()["balance"] == 0
    # a record that never earned (the time bank was off) is not followed
    set_time_bank(w.tenant, w.cid, False)
    earlier = service_record(w.tenant, w.li, 60)
    set_time_bank(w.tenant, w.cid, True)
    correct(w.tenant, earlier, 120)
    assert ledger(w.tenant, w.li) == []
    # nor is a correction made while it is off
    correct_later = service_record(w.tenant, w.li, 60)
    set_time_bank(w.tenant, w.cid, False)
    correct(w.tenant, correct_later, 120)
    set_time_bank(w.tenant, w.cid, True)
    assert ledger(w.tenant, w.li) == [("earn", 10, 10, correct_later)]


def test_spending_is_refused_beyond_the_balance_and_names_it(wuye_app, wuye_make_tenant, wuye_register,
                                                            wuye_enable_plugin):
    w = world(wuye_make_tenant, wuye_register, wuye_enable_plugin, time_bank_on=True)
    service_record(w.tenant, w.wang, 60)  # 10
    path = f"{P}/members/{w.wang}/time-bank/spend"
    r = w.org.post(path, json={"points": 4, "provider_member_id": w.li, "description": "陪护老人两小时"})
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert (body["kind"], body["points"], body["balance"], body["provider_name"], body["description"]) == (
        "spend", -4, 6, "李建国", "陪护老人两小时")
    r = w.org.post(path, json={"points": 7, "description": "理发"})
    assert r.status_code == 409, r.get_json()
    assert r.get_json()["message"] == "积分不足：余额 6 分，本次服务需要 7 分。"
    assert r.get_json()["errors"]["json"]["points"] == ["积分不足：余额 6 分，本次服务需要 7 分。"]
    assert w.org.post(path, json={"points": 7, "description": "理发"}, headers=EN).get_json()["message"] == (
        "Not enough points: the balance is 6, this service costs 7.")
    assert w.org.post(path, json={"points": 6, "description": "理发"}).get_json()["balance"] == 0
    # refusals that name the field
    other = w.tenant.admin.post("/api/v1/communities", json={"name": "海景南社区", "code": "hjn"}).get_json()["id"]
    stranger = member(w.tenant, other, "外社区成员")
    for body, field in (({"points": 0}, "points"), ({"points": 1, "provider_member_id": w.wang}, "provider_member_id"),
                        ({"points": 1, "provider_member_id": w.zhao}, "provider_member_id"),
                        ({"points": 1, "provider_member_id": stranger}, "provider_member_id"),
                        ({"points": 1, "provider_member_id": 99999}, "provider_member_id"),
                        ({"points": 1, "description": ""}, "description"), ({"points": 1.5}, "points")):
        r = w.org.post(path, json={"description": "理发", **body})
        assert r.status_code == 422 and list(r.get_json()["errors"]["json"]) == [field], (body, r.get_json())
    # a member who left spends nothing; community staff may not record a spend
    assert w.org.post(f"{P}/members/{w.zhao}/time-bank/spend", json={"points": 1, "description": "理发"}).status_code == 422
    assert w.staff.post(path, json={"points": 1, "description": "理发"}).status_code == 403
    totals = w.mgr.get(f"{P}/members/{w.wang}/time-bank").get_json()
    assert (totals["balance"], totals["earned"], totals["spent"], totals["lines"]) == (0, 10, 10, 3)


def test_the_manager_adjusts_with_a_reason_never_below_zero(wuye_app, wuye_make_tenant, wuye_register,
                                                           wuye_enable_plugin):
    w = world(wuye_make_tenant, wuye_register, wuye_enable_plugin, time_bank_on=True)
    path = f"{P}/members/{w.li}/time-bank/adjust"
    r = w.mgr.post(path, json={"points": 30, "reason": "补录 2025 年服务积分"})
    assert r.status_code == 201 and (r.get_json()["kind"], r.get_json()["balance"]) == ("adjust", 30)
    r = w.mgr.post(path, json={"points": -31, "reason": "更正"})
    assert r.status_code == 409 and r.get_json()["message"] == "余额为 30 分：最多只能扣减 30 分。"
    assert w.mgr.post(path, json={"points": -30, "reason": "更正"}).get_json()["balance"] == 0
    assert w.mgr.post(path, json={"points": 0, "reason": "x"}).status_code == 422
    assert w.mgr.post(path, json={"points": 5}).status_code == 422
    assert w.org.post(path, json={"points": 5, "reason": "x"}).status_code == 403
    trail = w.tenant.admin.get("/api/v1/audit", query_string={"action": "volunteers.amended"}).get_json()["items"]
    assert [(e["target_type"], e["details"]) for e in trail] == [
        ("time_bank_entry", {"fields": ["points"], "member_id": w.li})] * 2
    lines = w.mgr.get(f"{P}/members/{w.li}/time-bank/ledger", query_string={"sort": "id"}).get_json()["items"]
    assert [(x["points"], x["balance"], x["description"]) for x in lines] == [(30, 30, "补录 2025 年服务积分"),
                                                                              (-30, 0, "更正")]
    one = w.org.get(f"{P}/time-bank/entries/{lines[0]['id']}").get_json()
    assert one["description"] == "补录 2025 年服务积分" and one["kind_label"] == "调整"


def test_the_balances_list_and_its_export(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    import io

    from openpyxl import load_workbook

    w = world(wuye_make_tenant, wuye_register, wuye_enable_plugin, time_bank_on=True)
    qian = member(w.tenant, w.cid, "钱芳")
    service_record(w.tenant, w.wang, 60)  # 10
    service_record(w.tenant, w.li, 180)  # 30
    w.mgr.post(f"{P}/members/{w.li}/time-bank/spend", json={"points": 5, "description": "理发"})
    path = f"{P}/communities/{w.cid}/time-bank/balances"
    page = w.org.get(path).get_json()
    assert [(x["member_name"], x["balance"], x["earned"], x["spent"]) for x in page["items"]] == [
        ("李建国", 25, 30, 5), ("王秀英", 10, 10, 0)] and page["total"] == 2
    assert [x["member_id"] for x in w.org.get(path, query_string={"sort": "balance"}).get_json()["items"]] == [w.wang, w.li]
    everyone = w.org.get(path, query_string={"everyone": "true", "sort": "balance"}).get_json()
    assert [x["member_name"] for x in everyone["items"]] == ["钱芳", "王秀英", "李建国"]  # not 赵 (left, no line)
    assert everyone["items"][0]["balance"] == 0 and qian == everyone["items"][0]["member_id"]
    assert [x["member_name"] for x in w.org.get(path, query_string={"q": "王"}).get_json()["items"]] == ["王秀英"]
    assert w.org.get(path, query_string={"per_page": 1, "page": 2}).get_json()["items"][0]["member_name"] == "王秀英"
    assert w.staff.get(path).status_code == 403

    assert w.org.get(f"{path}.xlsx").status_code == 403
    r = w.mgr.get(f"{path}.xlsx")
    assert r.status_code == 200 and "no-store" in r.headers["Cache-Control"]
    cells = [[c.value for c in row] for row in load_workbook(io.BytesIO(r.data)).worksheets[0].iter_rows()]
    assert cells[0] == ["序号", "姓名", "类别", "服务所得", "兑换", "调整", "余额", "已退出"]
    assert cells[1:] == [[1, "李建国", "在职党员", 30, 5, 0, 25, None], [2, "王秀英", "志愿者", 10, 0, 0, 10, None]]
    trail = w.tenant.admin.get("/api/v1/audit", query_string={"action": "volunteers.exported"}).get_json()["items"]
    assert [(e["target_type"], e["details"]["rows"]) for e in trail] == [("time_bank_balances", 2)]


def test_with_the_time_bank_off_every_route_says_so_and_nothing_is_earned(
        wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    w = world(wuye_make_tenant, wuye_register, wuye_enable_plugin)  # off: the default
    service_record(w.tenant, w.wang, 120)
    assert ledger(w.tenant, w.wang) == []
    gets = [f"{P}/communities/{w.cid}/time-bank/balances", f"{P}/communities/{w.cid}/time-bank/balances.xlsx",
            f"{P}/members/{w.wang}/time-bank", f"{P}/members/{w.wang}/time-bank/ledger"]
    for path in gets:
        r = w.mgr.get(path)
        assert r.status_code == 409 and r.get_json()["message"] == OFF + "。", (path, r.get_json())
    for path, body in ((f"{P}/members/{w.wang}/time-bank/spend", {"points": 1, "description": "理发"}),
                       (f"{P}/members/{w.wang}/time-bank/adjust", {"points": 1, "reason": "x"})):
        r = w.mgr.post(path, json=body)
        assert r.status_code == 409 and r.get_json()["message"] == OFF + "。", path
    # turned on, then off again: the lines stay, the routes refuse
    set_time_bank(w.tenant, w.cid, True)
    assert w.mgr.post(f"{P}/members/{w.wang}/time-bank/adjust", json={"points": 3, "reason": "x"}).status_code == 201
    entry = w.mgr.get(f"{P}/members/{w.wang}/time-bank/ledger").get_json()["items"][0]["id"]
    set_time_bank(w.tenant, w.cid, False)
    assert w.mgr.get(f"{P}/time-bank/entries/{entry}").status_code == 409
    assert ledger(w.tenant, w.wang) == [("adjust", 3, 3, None)]


# --- append-only in the database -----------------------------------------------------------------


def _as_tenant(conn, tenant_id: int) -> None:
    if conn.dialect.name == "postgresql":
        conn.execute(text("select set_config('app.tenant_id', :t, true)"), {"t": str(tenant_id)})


def test_the_ledger_cannot_be_changed_or_deleted_even_by_the_owner(wuye_app, wuye_make_tenant, wuye_register,
                                                                   wuye_enable_plugin, wuye_owner_engine):
    w = world(wuye_make_tenant, wuye_register, wuye_enable_plugin, time_bank_on=True)
    service_record(w.tenant, w.wang, 60)
    for statement in ("update volunteers_time_bank set balance = 1000", "update volunteers_time_bank set points = 0",
                      "delete from volunteers_time_bank"):
        with wuye_owner_engine.connect() as conn:
            _as_tenant(conn, w.tenant.id)
            with pytest.raises(DBAPIError, match="append-only table volunteers_time_bank: (UPDATE|DELETE) refused"):
                conn.execute(text(statement))
    assert ledger(w.tenant, w.wang) == [("earn", 10, 10, ledger(w.tenant, w.wang)[0][3])]


def test_the_apps_role_may_only_read_and_insert_the_ledger(wuye_app, wuye_backend, wuye_make_tenant, wuye_register,
                                                          wuye_enable_plugin):
    if not wuye_backend.is_postgresql:
        pytest.skip("database roles are a PostgreSQL feature")
    w = world(wuye_make_tenant, wuye_register, wuye_enable_plugin, time_bank_on=True)
    service_record(w.tenant, w.wang, 60)
    engine = create_engine(wuye_app.config["WUYE"].sqlalchemy_url(wuye_backend.app_url))
    try:
        for statement in ("update volunteers_time_bank set balance = 1000", "delete from volunteers_time_bank",
                          "truncate volunteers_time_bank"):
            with engine.connect() as conn:
                _as_tenant(conn, w.tenant.id)
                with pytest.raises(DBAPIError, match="permission denied"):
                    conn.execute(text(statement))
        with engine.connect() as conn:
            _as_tenant(conn, w.tenant.id)
            assert conn.execute(text("select balance from volunteers_time_bank")).scalars().all() == [10]
    finally:
        engine.dispose()
