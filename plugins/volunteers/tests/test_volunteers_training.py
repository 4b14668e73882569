"""Trainings (issue #21 item 5): sessions recorded by the alliance's manager, the attendance
sheet (all or nothing), and skills confirmed by passing — idempotently, and withdrawn when the
pass is."""

from __future__ import annotations

from datetime import date, timedelta

from _bank_rows import P, add, member, skill, skills_of, world
from sqlalchemy import select
from wuye_volunteers.models import LedgerEntry, ServiceRecord, TrainingAttendance

from wuye_core.plugins import db, local_today, tenant_context

EN = {"Accept-Language": "en"}


def _training(client, cid, **over) -> dict:
    body = {"title": "法律咨询志愿者培训", "skill": "legal", "level": "skilled", "held_on": "2026-03-01",
            "minutes": 150, "place": "社区党群服务中心", "trainer": "张律师"}
    body.update(over)
    r = client.post(f"{P}/communities/{cid}/trainings", json=body)
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def _sheet(client, training_id, *rows, status=200) -> dict:
    body = {"rows": [{"member_id": m, "attended": a, "passed": p} for m, a, p in rows]}
    r = client.put(f"{P}/trainings/{training_id}/attendance", json=body)
    assert r.status_code == status, r.get_json()
    return r.get_json()


def test_a_session_is_recorded_listed_and_corrected(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    w = world(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    first = _training(w.mgr, w.cid, held_on="2026-01-10", title="急救知识培训", skill="medical", level="basic")
    second = _training(w.mgr, w.cid)
    general = _training(w.mgr, w.cid, held_on="2026-02-01", title="志愿服务通识", skill=None)
    assert (second["skill_label"], second["level_label"], second["minutes"]) == ("法律咨询", "熟练", 150)
    assert general["skill"] is None and general["skill_label"] is None and general["level"] == "skilled"
    assert (second["created_by"], second["attended"], second["passed"]) == ("mgr", 0, 0)

    # the organiser reads, newest day first; filters by skill; pages
    path = f"{P}/communities/{w.cid}/trainings"
    page = w.org.get(path).get_json()
    assert [t["id"] for t in page["items"]] == [second["id"], general["id"], first["id"]] and page["total"] == 3
    assert [t["id"] for t in w.org.get(path, query_string={"sort": "held_on"}).get_json()["items"]] == [
        first["id"], general["id"], second["id"]]
    assert [t["title"] for t in w.org.get(path, query_string={"skill": "medical"}).get_json()["items"]] == ["急救知识培训"]
    two = w.org.get(path, query_string={"per_page": 2, "page": 2}).get_json()
    assert two["total"] == 3 and [t["id"] for t in two["items"]] == [first["id"]]
    # only the manager records; community staff do not even read
    assert w.org.post(path, json={"title": "x", "held_on": "2026-03-01", "minutes": 60}).status_code == 403
    assert w.staff.get(path).status_code == 403

    # refusals name the field
    for body, field in (({"skill": "flying"}, "skill"), ({"minutes": 0}, "minutes"), ({"held_on": "1999-12-31"},
                        "held_on"), ({"held_on": "2100-01-01"}, "held_on"),
                        ({"title": "  "}, "title"), ({"level": "master"}, "level")):
        r = w.mgr.post(path, json={"title": "培训", "held_on": "2026-03-01", "minutes": 60, **body})
        assert r.status_code == 422 and list(r.get_json()["errors"]["json"]) == [field], (body, r.get_json())
    assert w.mgr.get(path).get_json()["total"] == 3
    ahead = _training(w.mgr, w.cid, held_on=(local_today() + timedelta(days=400)).isoformat(), title="明年的培训")
    assert w.mgr.get(path).get_json()["items"][0]["id"] == ahead["id"]  # planned ahead: the newest day

    # a correction, audited with the fields changed
    r = w.mgr.patch(f"{P}/trainings/{second['id']}", json={"place": "海景北社区活动室", "minutes": 120, "trainer": "张律师"})
    assert r.status_code == 200 and (r.get_json()["place"], r.get_json()["minutes"]) == ("海景北社区活动室", 120)
    assert w.mgr.patch(f"{P}/trainings/{second['id']}", json={}).status_code == 422
    assert w.org.patch(f"{P}/trainings/{second['id']}", json={"minutes": 60}).status_code == 403
    trail = w.tenant.admin.get("/api/v1/audit", query_string={"action": "volunteers.amended"}).get_json()["items"]
    assert [(e["target_type"], e["details"]["fields"]) for e in trail] == [("training", ["minutes", "place"])]
    one = w.org.get(f"{P}/trainings/{second['id']}").get_json()
    assert one["attendance"] == [] and one["title"] == "法律咨询志愿者培训"


def test_passing_confirms_the_skill_and_sending_the_sheet_again_changes_nothing(
        wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    w = world(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    skill(w.tenant, w.cid, w.wang, "legal", "basic")  # declared, unconfirmed
    skill(w.tenant, w.cid, w.wang, "sewing", "expert")
    qian = member(w.tenant, w.cid, "钱芳")
    t = _training(w.mgr, w.cid)
    saved = _sheet(w.mgr, t["id"], (w.wang, True, True), (w.li, True, True), (qian, True, False))
    assert (saved["created"], saved["updated"], saved["unchanged"]) == (3, 0, 0)
    assert saved["confirmed"] == sorted([w.wang, w.li]) and saved["withdrawn"] == []
    held = date(2026, 3, 1)
    assert skills_of(w.tenant, w.wang) == {"legal": ("skilled", held, t["id"], "mgr"),
                                           "sewing": ("expert", None, None, None)}
    assert skills_of(w.tenant, w.li) == {"legal": ("skilled", held, t["id"], "mgr")}  # made by the pass
    assert skills_of(w.tenant, qian) == {}  # attended, not passed: nothing confirmed
    sheet = {r["member_name"]: (r["attended"], r["passed"], r["confirms_skill"]) for r in saved["training"]["attendance"]}
    assert sheet == {"王秀英": (True, True, True), "李建国": (True, True, True), "钱芳": (True, False, False)}
    assert (saved["training"]["attended"], saved["training"]["passed"]) == (3, 2)

    # the same sheet again: nothing changes, nothing audited
    again = _sheet(w.mgr, t["id"], (w.wang, True, True), (w.li, True, True), (qian, True, False))
    assert (again["created"], again["updated"], again["unchanged"], again["confirmed"], again["withdrawn"]) == (
        0, 0, 3, [], [])
    assert skills_of(w.tenant, w.wang)["legal"] == ("skilled", held, t["id"], "mgr")
    with w.tenant.app.app_context(), tenant_context(w.tenant.id):
        assert len(db.session.scalars(select(TrainingAttendance)).all()) == 3
        db.session.remove()
    assert w.tenant.admin.get("/api/v1/audit", query_string={"action": "volunteers.amended"}).get_json()["total"] == 0

    # a higher level is never lowered by a lower training; a member's trainings list both
    t2 = _training(w.mgr, w.cid, title="法律咨询入门", level="basic", held_on="2026-03-20")
    _sheet(w.mgr, t2["id"], (w.wang, True, True))
    assert skills_of(w.tenant, w.wang)["legal"] == ("skilled", date(2026, 3, 20), t2["id"], "mgr")  # the latest
    mine = w.org.get(f"{P}/members/{w.wang}/trainings").get_json()
    assert [(x["title"], x["member_attended"], x["member_passed"]) for x in mine["items"]] == [
        ("法律咨询入门", True, True), ("法律咨询志愿者培训", True, True)] and mine["total"] == 2
    assert w.org.get(f"{P}/members/{qian}/trainings").get_json()["items"][0]["member_passed"] is False
    assert w.staff.get(f"{P}/members/{qian}/trainings").status_code == 403


def test_un_passing_withdraws_this_trainings_confirmation_and_no_other(
        wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    w = world(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    early = _training(w.mgr, w.cid, title="法律咨询入门", level="basic", held_on="2026-01-05")
    late = _training(w.mgr, w.cid, title="法律咨询进阶", level="expert", held_on="2026-03-01")
    _sheet(w.mgr, early["id"], (w.wang, True, True), (w.li, True, True))
    _sheet(w.mgr, late["id"], (w.wang, True, True))
    assert skills_of(w.tenant, w.wang)["legal"] == ("expert", date(2026, 3, 1), late["id"], "mgr")

    # the later pass withdrawn: the earlier training confirms again (the level is not lowered)
    r = _sheet(w.mgr, late["id"], (w.wang, True, False))
    assert (r["updated"], r["withdrawn"], r["confirmed"]) == (1, [w.wang], [])
    assert skills_of(w.tenant, w.wang)["legal"] == ("expert", date(2026, 1, 5), early["id"], "mgr")
    # an un-pass of a training that does not confirm it (李 passed only the early one): nothing else moves
    _sheet(w.mgr, late["id"], (w.li, True, False))
    assert skills_of(w.tenant, w.li)["legal"] == ("basic", date(2026, 1, 5), early["id"], "mgr")
    # the last pass withdrawn (marked absent): no confirmation is left, the skill stays unconfirmed
    r = _sheet(w.mgr, early["id"], (w.wang, False, False))
    assert r["withdrawn"] == [w.wang]
    assert skills_of(w.tenant, w.wang)["legal"] == ("expert", None, None, None)
    detail = w.mgr.get(f"{P}/trainings/{early['id']}").get_json()
    assert [(a["member_name"], a["attended"], a["passed"], a["confirms_skill"]) for a in detail["attendance"]] == [
        ("李建国", True, True, True), ("王秀英", False, False, False)]
    # passing again confirms again
    assert _sheet(w.mgr, early["id"], (w.wang, True, True))["confirmed"] == [w.wang]
    assert skills_of(w.tenant, w.wang)["legal"] == ("expert", date(2026, 1, 5), early["id"], "mgr")
    # the corrections of the sheet are audited, by training, with what changed
    trail = w.tenant.admin.get("/api/v1/audit", query_string={"action": "volunteers.amended"}).get_json()["items"]
    assert [(e["target_type"], e["target_id"], e["details"]["fields"]) for e in trail][::-1] == [
        ("training_attendance", str(late["id"]), ["passed"]), ("training_attendance", str(early["id"]), ["attended", "passed"]),
        ("training_attendance", str(early["id"]), ["attended", "passed"])]


def test_correcting_the_skill_or_the_day_moves_the_confirmations(wuye_app, wuye_make_tenant, wuye_register,
                                                                 wuye_enable_plugin):
    w = world(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    t = _training(w.mgr, w.cid, skill="legal", level="basic")
    _sheet(w.mgr, t["id"], (w.wang, True, True))
    assert w.mgr.patch(f"{P}/trainings/{t['id']}", json={"skill": "mediation", "held_on": "2026-02-20"}).status_code == 200
    assert skills_of(w.tenant, w.wang) == {"legal": ("basic", None, None, None),
                                           "mediation": ("basic", date(2026, 2, 20), t["id"], "mgr")}
    # a day to come is refused once attendance is recorded
    r = w.mgr.patch(f"{P}/trainings/{t['id']}", json={"held_on": (local_today() + timedelta(days=3)).isoformat()})
    assert r.status_code == 409 and list(r.get_json()["errors"]["json"]) == ["held_on"]
    assert r.get_json()["message"] == "已登记签到，说明培训已经举行，日期不能是将来。"
    # no skill: passing confirms nothing (the sheet is kept)
    w.mgr.patch(f"{P}/trainings/{t['id']}", json={"skill": None})
    assert skills_of(w.tenant, w.wang)["mediation"] == ("basic", None, None, None)
    # a confirmation by hand on a later day stands against an earlier training
    skill(w.tenant, w.cid, w.li, "legal", "basic", confirmed_on=date(2026, 4, 1), confirmed_by="mgr")
    t2 = _training(w.mgr, w.cid, skill="legal", level="expert", held_on="2026-03-15")
    _sheet(w.mgr, t2["id"], (w.li, True, True))
    assert skills_of(w.tenant, w.li)["legal"] == ("expert", date(2026, 4, 1), None, "mgr")


def test_the_sheet_is_all_or_nothing_and_names_each_refusal(wuye_app, wuye_make_tenant, wuye_register,
                                                            wuye_enable_plugin):
    w = world(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    other = w.tenant.admin.post("/api/v1/communities", json={"name": "海景南社区", "code": "hjn"}).get_json()["id"]
    stranger = member(w.tenant, other, "外社区成员")
    t = _training(w.mgr, w.cid)
    body = {"rows": [{"member_id": w.wang, "attended": True, "passed": True},
                     {"member_id": w.zhao, "attended": True, "passed": False},
                     {"member_id": w.li, "attended": False, "passed": True},
                     {"member_id": stranger, "attended": True},
                     {"member_id": w.wang, "attended": True}]}
    r = w.mgr.put(f"{P}/trainings/{t['id']}/attendance", json=body)
    assert r.status_code == 422, r.get_json()
    rows = r.get_json()["errors"]["json"]["rows"]
    assert rows == {"1": {"member_id": ["赵大山已退出联盟。"]}, "2": {"passed": ["只有参加了培训的成员才能合格。"]},
                    "3": {"member_id": ["本社区没有这个编号的成员。"]}, "4": {"member_id": ["王秀英在表中出现了两次。"]}}
    english = w.mgr.put(f"{P}/trainings/{t['id']}/attendance", json=body, headers=EN).get_json()
    assert english["errors"]["json"]["rows"]["1"] == {"member_id": ["赵大山 has left the alliance."]}
    # nothing was written, nothing confirmed
    assert w.mgr.get(f"{P}/trainings/{t['id']}").get_json()["attendance"] == []
    assert skills_of(w.tenant, w.wang) == {}
    # an empty sheet, an organiser, a training still to come
    assert w.mgr.put(f"{P}/trainings/{t['id']}/attendance", json={"rows": []}).status_code == 422
    assert w.org.put(f"{P}/trainings/{t['id']}/attendance", json={"rows": body["rows"][:1]}).status_code == 403
    soon = _training(w.mgr, w.cid, held_on=(local_today() + timedelta(days=5)).isoformat())
    r = w.mgr.put(f"{P}/trainings/{soon['id']}/attendance", json={"rows": body["rows"][:1]})
    assert r.status_code == 409 and "尚未举行" in r.get_json()["errors"]["json"]["rows"][0]
    # a member who left after the training: their row, sent again unchanged, does not block the sheet
    add(w.tenant, TrainingAttendance(community_id=w.cid, training_id=t["id"], member_id=w.zhao, attended=True,
                                     passed=False, recorded_by="mgr"))
    ok = _sheet(w.mgr, t["id"], (w.wang, True, True), (w.zhao, True, False))
    assert (ok["created"], ok["unchanged"]) == (1, 1)
    r = w.mgr.put(f"{P}/trainings/{t['id']}/attendance",
                  json={"rows": [{"member_id": w.zhao, "attended": True, "passed": True}]})
    assert r.status_code == 422 and r.get_json()["errors"]["json"]["rows"]["0"]["member_id"] == ["赵大山已退出联盟。"]


def test_a_training_is_not_service(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    """No service record, no hours, no time-bank points for attending a training."""
    w = world(wuye_make_tenant, wuye_register, wuye_enable_plugin, time_bank_on=True)
    t = _training(w.mgr, w.cid, minutes=240)
    _sheet(w.mgr, t["id"], (w.wang, True, True), (w.li, True, False))
    with w.tenant.app.app_context(), tenant_context(w.tenant.id):
        assert db.session.scalars(select(ServiceRecord)).all() == []
        assert db.session.scalars(select(LedgerEntry)).all() == []
        db.session.remove()
