"""Notices (公告, #19 item 4): staff publish to a community, a site, a building or chosen
households; a resident sees the ones in force for their households (another building's, another
tenant's never), opening one records a read receipt; staff see how many households have read it
and which have not; urgent notices are texted once per phone after the commit; a withdrawn
notice disappears for residents and stays for staff; bad input is a 422 naming the field."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from tests.test_resident_sign_in import agree, signed_in
from wuye_core.audit.models import AuditEvent
from wuye_core.extensions import db
from wuye_core.notices.models import Notice, NoticeRead, NoticeText
from wuye_core.tenancy import tenant_context

PHONE, OTHER_PHONE = "13800000000", "13900000001"
SMS_LOG = "wuye_core.resident_access.sms"


def _created(response) -> int:
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


@pytest.fixture
def world(wuye_make_tenant, wuye_register):
    """acme: wuye_register's household (1栋 101, 张三 13800000000, and 王五 with the same phone
    typed otherwise), and a household in 2栋 (李四 13900000001), both in one site."""
    tenant = wuye_make_tenant("acme")
    ids = wuye_register(tenant)
    api = tenant.admin
    ids["building2"] = _created(api.post("/api/v1/buildings", json={"site_id": ids["site"], "name": "2栋"}))
    unit2 = _created(api.post("/api/v1/units", json={"building_id": ids["building2"], "number": "201"}))
    ids["household2"] = _created(api.post("/api/v1/households", json={"unit_id": unit2, "kind": "owner"}))
    _created(api.post("/api/v1/residents", json={"household_id": ids["household2"], "name": "李四",
                                                 "phone": "139 0000 0001"}))
    _created(api.post("/api/v1/residents", json={"household_id": ids["household"], "name": "王五",
                                                 "phone": "+86 138-0000-0000"}))
    return tenant, ids


def publish(tenant, ids, **changes) -> dict:
    body = {"community_id": ids["community"], "audience": "community", "title": "电梯检修",
            "body": "本周六上午电梯检修。", **changes}
    r = tenant.admin.post("/api/v1/notices", json=body)
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def resident(app, caplog, phone=PHONE, tenant="acme"):
    client = signed_in(app, caplog, phone=phone, tenant=tenant)
    agree(client)
    return client


def titles(client) -> list[str]:
    r = client.get("/api/v1/resident/notices")
    assert r.status_code == 200, r.get_json()
    return [n["title"] for n in r.get_json()["items"]]


def test_a_building_notice_reaches_its_building_and_a_community_notice_everyone(wuye_app, world, caplog):
    tenant, ids = world
    building = publish(tenant, ids, audience="building", building_id=ids["building"], title="1栋停电")
    community = publish(tenant, ids, title="社区通知")
    assert building["site_id"] == ids["site"] and building["audience_households"] == 1
    assert community["audience_households"] == 2 and community["read_households"] == 0
    assert community["read_rate"] == 0 and community["state"] == "in_force" and community["texts"] is None
    first, second = resident(wuye_app, caplog), resident(wuye_app, caplog, phone=OTHER_PHONE)
    assert titles(first) == ["社区通知", "1栋停电"]  # newest first
    assert titles(second) == ["社区通知"]  # another building's notice is not theirs
    assert second.get(f"/api/v1/resident/notices/{building['id']}").status_code == 404

    listed = first.get("/api/v1/resident/notices").get_json()["items"]
    assert [n["read"] for n in listed] == [False, False]
    assert listed[0]["household_ids"] == [ids["household"]]
    opened = first.get(f"/api/v1/resident/notices/{community['id']}")
    assert opened.status_code == 200 and opened.get_json()["read"] is True
    assert opened.get_json()["body"] == "本周六上午电梯检修。"
    first.get(f"/api/v1/resident/notices/{community['id']}")  # opening again adds nothing
    assert [n["read"] for n in first.get("/api/v1/resident/notices").get_json()["items"]] == [True, False]

    seen = tenant.admin.get(f"/api/v1/notices/{community['id']}").get_json()
    assert (seen["audience_households"], seen["read_households"], seen["read_rate"]) == (2, 1, 0.5)
    unread = tenant.admin.get(f"/api/v1/notices/{community['id']}/households", query_string={"read": "false"})
    assert [h["id"] for h in unread.get_json()["items"]] == [ids["household2"]]
    assert unread.get_json()["items"][0]["building_name"] == "2栋" and unread.get_json()["items"][0]["room"] == "201"
    read = tenant.admin.get(f"/api/v1/notices/{community['id']}/households", query_string={"read": "true"}).get_json()
    assert [h["id"] for h in read["items"]] == [ids["household"]] and read["items"][0]["read_at"]
    listing = tenant.admin.get("/api/v1/notices").get_json()
    assert [(n["title"], n["read_households"]) for n in listing["items"]] == [("社区通知", 1), ("1栋停电", 0)]
    with wuye_app.app_context(), tenant_context(tenant.id):
        assert db.session.scalar(select(db.func.count(NoticeRead.id))) == 1


def test_a_household_that_moves_in_later_sees_a_notice_still_in_force(wuye_app, world, caplog):
    tenant, ids = world
    notice = publish(tenant, ids, audience="building", building_id=ids["building2"], title="2栋通知")
    unit = _created(tenant.admin.post("/api/v1/units", json={"building_id": ids["building2"], "number": "202"}))
    household = _created(tenant.admin.post("/api/v1/households", json={"unit_id": unit, "kind": "renter"}))
    _created(tenant.admin.post("/api/v1/residents", json={"household_id": household, "name": "赵六",
                                                          "phone": "13700000002"}))
    assert titles(resident(wuye_app, caplog, phone="13700000002")) == ["2栋通知"]
    assert tenant.admin.get(f"/api/v1/notices/{notice['id']}").get_json()["audience_households"] == 2
    # a household that moved out no longer counts, nor sees it
    r = tenant.admin.patch(f"/api/v1/households/{household}", json={"moved_out_on": "2026-01-01"})
    assert r.status_code == 200, r.get_json()
    assert tenant.admin.get(f"/api/v1/notices/{notice['id']}").get_json()["audience_households"] == 1


def test_chosen_households_and_a_site(wuye_app, world, caplog):
    tenant, ids = world
    chosen = publish(tenant, ids, audience="households", household_ids=[ids["household2"]], title="指定住户")
    assert chosen["household_ids"] == [ids["household2"]] and chosen["audience_households"] == 1
    site = publish(tenant, ids, audience="site", site_id=ids["site"], title="小区通知")
    assert site["audience_households"] == 2
    assert titles(resident(wuye_app, caplog)) == ["小区通知"]
    assert titles(resident(wuye_app, caplog, phone=OTHER_PHONE)) == ["小区通知", "指定住户"]


def test_another_tenant_never_sees_a_notice(wuye_app, world, wuye_make_tenant, wuye_register, caplog):
    tenant, ids = world
    notice = publish(tenant, ids, title="甲方通知")
    other = wuye_make_tenant("other")
    wuye_register(other)  # the same phone lives there too
    theirs = resident(wuye_app, caplog, tenant="other")
    assert titles(theirs) == []
    assert theirs.get(f"/api/v1/resident/notices/{notice['id']}").status_code == 404
    assert other.admin.get(f"/api/v1/notices/{notice['id']}").status_code == 404
    assert other.admin.get("/api/v1/notices").get_json()["total"] == 0


def test_urgent_notices_are_texted_once_per_phone_after_the_commit(wuye_app, world, caplog):
    tenant, ids = world
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger=SMS_LOG):
        notice = publish(tenant, ids, kind="urgent", category="water", title="紧急停水", body="今天下午停水。")
    texts = [r.getMessage() for r in caplog.records if r.name == SMS_LOG and "urgent_notice" in r.getMessage()]
    # two distinct phones: 张三 and 王五 share one (typed differently), 李四
    assert len(texts) == 2 and all("紧急停水" in t for t in texts), texts
    assert sorted(t.split(", ")[1] for t in texts) == ["138****0000", "139****0001"]
    seen = tenant.admin.get(f"/api/v1/notices/{notice['id']}").get_json()
    assert seen["texts"] == {"phones": 2, "sent": 0, "logged": 2, "unconfirmed": 0, "done": True,
                             "done_at": seen["texts"]["done_at"]} and seen["texts"]["done_at"]
    assert seen["category"] == "water"

    # a retried job (the first died before it ended) texts nobody twice; a new resident is texted
    _created(tenant.admin.post("/api/v1/residents", json={"household_id": ids["household2"], "name": "钱七",
                                                          "phone": "13600000003"}))
    from wuye_core.notices.texts import send_notice_texts

    caplog.clear()
    with wuye_app.app_context(), caplog.at_level(logging.WARNING, logger=SMS_LOG):
        with tenant_context(tenant.id):
            db.session.execute(update(Notice).where(Notice.id == notice["id"]).values(texts_done_at=None))
            db.session.commit()
        assert send_notice_texts(tenant_id=tenant.id, notice_id=notice["id"]) == 1
        assert send_notice_texts(tenant_id=tenant.id, notice_id=notice["id"]) == 0  # done: nothing
        with tenant_context(tenant.id):
            phones = db.session.scalars(select(NoticeText.phone).order_by(NoticeText.phone)).all()
            audit = db.session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("notice.%"))
                                       .order_by(AuditEvent.id)).all()
    assert phones == ["13600000003", "13800000000", "13900000001"]
    assert [r for r in caplog.records if "urgent_notice" in r.getMessage()].__len__() == 1
    assert audit == ["notice.published", "notice.texted", "notice.texted"]


def test_an_ordinary_notice_is_not_texted(wuye_app, world, caplog):
    tenant, ids = world
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger=SMS_LOG):
        publish(tenant, ids)
    assert "urgent_notice" not in caplog.text


def test_urgent_notices_come_first_for_residents(wuye_app, world, caplog):
    tenant, ids = world
    publish(tenant, ids, title="旧的紧急", kind="urgent")
    publish(tenant, ids, title="普通")
    assert titles(resident(wuye_app, caplog)) == ["旧的紧急", "普通"]


def test_withdrawing_hides_a_notice_from_residents_and_staff_keep_it(wuye_app, world, caplog):
    tenant, ids = world
    notice = publish(tenant, ids)
    reader = resident(wuye_app, caplog)
    assert reader.get(f"/api/v1/resident/notices/{notice['id']}").status_code == 200
    r = tenant.admin.post(f"/api/v1/notices/{notice['id']}/withdraw", json={"reason": "发错了"})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["state"] == "withdrawn" and r.get_json()["withdrawn_reason"] == "发错了"
    assert r.get_json()["read_households"] == 1  # its reads stay
    assert titles(reader) == []
    assert reader.get(f"/api/v1/resident/notices/{notice['id']}").status_code == 404
    again = tenant.admin.post(f"/api/v1/notices/{notice['id']}/withdraw", json={})
    assert again.status_code == 409
    kept = tenant.admin.get("/api/v1/notices", query_string={"state": "withdrawn"}).get_json()
    assert [n["id"] for n in kept["items"]] == [notice["id"]]
    assert tenant.admin.get("/api/v1/notices", query_string={"state": "in_force"}).get_json()["total"] == 0
    audit = tenant.admin.get("/api/v1/audit", query_string={"action": "notice."}).get_json()["items"]
    assert [a["action"] for a in audit] == ["notice.withdrawn", "notice.published"]


def test_a_correction_is_a_new_notice_that_withdraws_the_old(wuye_app, world, caplog):
    tenant, ids = world
    old = publish(tenant, ids, title="周六停水")
    new = publish(tenant, ids, title="周日停水（更正）", replaces_id=old["id"])
    assert new["replaces_id"] == old["id"]
    old = tenant.admin.get(f"/api/v1/notices/{old['id']}").get_json()
    assert old["state"] == "withdrawn" and old["replaced_by_id"] == new["id"] and old["title"] == "周六停水"
    assert titles(resident(wuye_app, caplog)) == ["周日停水（更正）"]
    r = tenant.admin.post("/api/v1/notices", json={"community_id": ids["community"], "audience": "community",
                                                   "title": "x", "body": "y", "replaces_id": old["id"]})
    assert r.status_code == 409


def test_validity_period(wuye_app, world, caplog):
    tenant, ids = world
    later = datetime.now(UTC) + timedelta(days=1)
    publish(tenant, ids, title="明天起", valid_from=later.isoformat())
    publish(tenant, ids, title="已过期", valid_from="2026-01-01T08:00:00", valid_until="2026-01-02T08:00:00")
    publish(tenant, ids, title="生效中", valid_until=(later + timedelta(days=1)).isoformat())
    assert titles(resident(wuye_app, caplog)) == ["生效中"]
    states = {n["title"]: n["state"] for n in tenant.admin.get("/api/v1/notices").get_json()["items"]}
    assert states == {"明天起": "scheduled", "已过期": "expired", "生效中": "in_force"}
    # no offset: Beijing time
    expired = tenant.admin.get("/api/v1/notices", query_string={"state": "expired"}).get_json()["items"][0]
    assert expired["valid_from"].startswith("2026-01-01T00:00:00")


def _refused(tenant, body, field, client=None):
    r = (client or tenant.admin).post("/api/v1/notices", json=body)
    assert r.status_code == 422, r.get_json()
    assert field in r.get_json()["errors"]["json"], r.get_json()
    return r.get_json()["errors"]["json"][field]


def test_bad_input_is_a_422_naming_the_field(wuye_app, world, wuye_register, wuye_make_tenant):
    tenant, ids = world
    second = _created(tenant.admin.post("/api/v1/communities", json={"name": "二社区", "code": "c2"}))
    other_site = _created(tenant.admin.post("/api/v1/sites", json={"community_id": second, "name": "别的小区",
                                                                    "kind": "old"}))
    base = {"community_id": ids["community"], "title": "标题", "body": "正文"}
    r = tenant.admin.post("/api/v1/notices", json={**base, "audience": "site", "site_id": other_site},
                          headers={"Accept-Language": "en"})
    assert r.get_json()["errors"] == {"json": {"site_id": ["Does not exist in this community."]}}
    _refused(tenant, {**base, "audience": "site"}, "site_id")
    _refused(tenant, {**base, "audience": "community", "building_id": ids["building"]}, "building_id")
    _refused(tenant, {**base, "audience": "building", "building_id": 999999}, "building_id")
    assert _refused(tenant, {**base, "audience": "households", "household_ids": [ids["household"], 999999]},
                    "household_ids") == {"1": ["不存在。"]}
    _refused(tenant, {**base, "audience": "community", "valid_from": "2026-02-01T00:00:00",
                      "valid_until": "2026-01-01T00:00:00"}, "valid_until")
    _refused(tenant, {**base, "audience": "community", "community_id": 999999}, "community_id")
    _refused(tenant, {**base, "audience": "everyone"}, "audience")
    _refused(tenant, {**base, "audience": "community", "kind": "urgent", "category": "flood"}, "category")
    _refused(tenant, {**base, "audience": "community", "title": "  "}, "title")
    _refused(tenant, {**base, "audience": "community", "valid_from": "1999-01-01T00:00:00"}, "valid_from")
    # a community of another tenant does not exist either
    other = wuye_make_tenant("other")
    theirs = wuye_register(other)
    _refused(tenant, {**base, "audience": "community", "community_id": theirs["community"]}, "community_id")
    assert tenant.admin.get("/api/v1/notices").get_json()["total"] == 0


def test_who_may_publish(wuye_app, world):
    tenant, ids = world
    staff = tenant.user("clerk", "community_staff", [ids["community"]])
    reader = tenant.user("viewer", "readonly", [ids["community"]])
    body = {"community_id": ids["community"], "audience": "community", "title": "标题", "body": "正文"}
    made = staff.post("/api/v1/notices", json=body)
    assert made.status_code == 201, made.get_json()
    assert made.get_json()["published_by"] == "clerk"
    assert reader.post("/api/v1/notices", json=body).status_code == 403
    assert reader.get(f"/api/v1/notices/{made.get_json()['id']}").status_code == 200
    assert reader.post(f"/api/v1/notices/{made.get_json()['id']}/withdraw", json={}).status_code == 403
    second = _created(tenant.admin.post("/api/v1/communities", json={"name": "二社区", "code": "c2"}))
    elsewhere = tenant.user("far", "community_staff", [second])
    assert elsewhere.get(f"/api/v1/notices/{made.get_json()['id']}").status_code == 404
    assert elsewhere.get("/api/v1/notices").get_json()["total"] == 0
    _refused(tenant, body, "community_id", client=elsewhere)


def test_a_resident_must_agree_to_the_privacy_notice_first(wuye_app, world, caplog):
    tenant, ids = world
    publish(tenant, ids)
    client = signed_in(wuye_app, caplog)
    r = client.get("/api/v1/resident/notices")
    assert r.status_code == 403 and r.get_json()["reason"] == "consent_required"
    assert tenant.admin.get("/api/v1/resident/notices").status_code == 403  # staff: not theirs


def test_the_service_functions_for_the_residents_pages(wuye_app, world, caplog):
    """What the /h5 pages call: notices_for_resident, open_for_resident (mark_read)."""
    from wuye_core.auth.models import ResidentAccount
    from wuye_core.notices import service
    from wuye_core.resident_access.households import my_households

    tenant, ids = world
    publish(tenant, ids, title="普通")
    urgent = publish(tenant, ids, title="紧急", kind="urgent")
    resident(wuye_app, caplog)  # the account exists
    with wuye_app.test_request_context(), tenant_context(tenant.id):
        account = db.session.scalar(select(ResidentAccount).where(ResidentAccount.phone == PHONE))
        households = my_households(account.phone)
        listed = service.notices_for_resident(account, households)
        assert [(n["title"], n["urgent"], n["read"]) for n in listed] == [("紧急", True, False), ("普通", False, False)]
        assert service.open_for_resident(account, households, urgent["id"])["read"] is True
        assert service.mark_read(account, db.session.get(Notice, urgent["id"]), households) == 0  # once
        assert [n["read"] for n in service.notices_for_resident(account, households)] == [True, False]
        db.session.commit()


def test_the_sweep_sends_the_texts_whose_wake_up_was_lost(wuye_app, world, caplog):
    """An urgent notice whose job never ran (Redis away at the commit): the periodic sweep wakes it."""
    from sqlalchemy import delete

    from wuye_core.notices.texts import sweep_notice_texts

    tenant, ids = world
    notice = publish(tenant, ids, kind="urgent", title="紧急停电")
    with wuye_app.app_context():
        with tenant_context(tenant.id):  # as if the job had never run, five minutes ago
            db.session.execute(delete(NoticeText))
            db.session.execute(update(Notice).values(texts_done_at=None,
                                                     published_at=datetime.now(UTC) - timedelta(minutes=5)))
            db.session.commit()
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger=SMS_LOG):
            assert sweep_notice_texts() == 1
        assert len([r for r in caplog.records if "urgent_notice" in r.getMessage()]) == 2
        assert sweep_notice_texts() == 0  # done: nothing left to wake
    assert tenant.admin.get(f"/api/v1/notices/{notice['id']}").get_json()["texts"]["logged"] == 2


def test_the_staff_list_costs_the_same_queries_for_3_notices_as_for_12(wuye_app, world, caplog):
    """Each notice's figures (audience, households read, texts, its replacement, hand-picked
    households) are grouped over the page (notices/views.py), not asked notice by notice."""
    import re

    from sqlalchemy import event

    tenant, ids = world
    resident(wuye_app, caplog).get(f"/api/v1/resident/notices/{publish(tenant, ids)['id']}")  # 张三's household read
    publish(tenant, ids, audience="building", building_id=ids["building2"], kind="urgent", category="water")
    old = publish(tenant, ids, audience="households", household_ids=[ids["household2"]])
    publish(tenant, ids, replaces_id=old["id"], title="更正")

    def statements() -> tuple[int, list]:
        seen = []

        def note(conn, cursor, statement, *args):
            if re.match(r"\s*SELECT", statement, re.I):
                seen.append(statement)

        with wuye_app.app_context():
            engine = db.engine
        event.listen(engine, "before_cursor_execute", note)
        try:
            r = tenant.admin.get("/api/v1/notices", query_string={"per_page": 50})
        finally:
            event.remove(engine, "before_cursor_execute", note)
        assert r.status_code == 200
        return len(seen), r.get_json()["items"]

    few, items = statements()
    by_title = {(n["title"], n["audience"]): n for n in items}
    assert by_title[("电梯检修", "community")]["audience_households"] == 2
    assert by_title[("电梯检修", "community")]["read_households"] == 1
    assert by_title[("电梯检修", "community")]["read_rate"] == 0.5
    urgent = by_title[("电梯检修", "building")]
    assert urgent["audience_households"] == 1 and urgent["texts"]["phones"] == 1
    assert by_title[("电梯检修", "households")]["household_ids"] == [ids["household2"]]
    assert by_title[("电梯检修", "households")]["replaced_by_id"] == by_title[("更正", "community")]["id"]
    for _ in range(9):
        publish(tenant, ids, audience="site", site_id=ids["site"])
    many, items = statements()
    assert len(items) == 13 and many == few
