"""A resident's rights over the alliance's data (hooks wuye_resident_personal_data and
wuye_resident_erase): the copy holds the member linked to the resident — file, skills, teams,
service records — and nobody else's; the erasure anonymises the member, keeps the hours, and
is all or nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from vl_members_support import P, alliance, id_number

from wuye_core.plugins import db, tenant_context


def _world(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    from wuye_volunteers.models import Member
    from wuye_volunteers.records import add_record

    a = alliance(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    number = id_number(serial=5)
    mine = a.member(name="张三", phone="13800000000", id_number=number, resident_id=a.ids["resident"],
                    kind="party_member", party_org="区卫健委党支部", party_reported_on="2025-01-02",
                    consent_contact=True, skills=[{"skill": "medical", "level": "skilled", "confirmed": True}])
    other = a.member(name="李四", phone="13800000001")
    team = a.team(name="义诊队", kind="professional", leader_member_id=mine["id"], member_ids=[other["id"]])
    started = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=5)
    with wuye_app.app_context(), tenant_context(a.tenant.id):
        for member_id in (mine["id"], other["id"]):
            add_record(db.session.get(Member, member_id), source="manual", source_id=None, content="社区义诊",
                       place="党群服务中心", started_at=started, ended_at=started + timedelta(hours=2), minutes=120,
                       organiser="社区居民服务联盟", confirmed_by="acme-mgr")
        db.session.commit()
    return a, mine, other, team, number


def test_the_copy_holds_the_members_own_data(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    from wuye_volunteers import rights

    a, mine, other, team, number = _world(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin)
    with wuye_app.app_context(), tenant_context(a.tenant.id):
        sections = rights.personal_data([a.ids["resident"]])
        assert [s.key for s in sections] == ["volunteers.members", "volunteers.skills", "volunteers.teams",
                                             "volunteers.records"]
        file = sections[0].items[0]
        assert file["name"] == "张三" and file["phone"] == "13800000000" and file["party_org"] == "区卫健委党支部"
        assert number not in str(sections) and file["id_number_masked"].endswith(number[-4:])
        assert file["consent_contact"] == "是" and file["kind"] == "在职党员"
        assert sections[1].items == [{"skill": "医疗卫生", "level": "熟练", "confirmed_on": sections[1].items[0]
                                      ["confirmed_on"]}] and sections[1].items[0]["confirmed_on"] is not None
        assert sections[2].items[0]["team"] == "义诊队" and sections[2].items[0]["leader"] == "是"
        assert len(sections[3].items) == 1 and sections[3].items[0]["minutes"] == 120
        assert "李四" not in str(sections) and "13800000001" not in str(sections)  # nobody else's
        for section in sections:  # every key named in both languages
            assert all(set(item) <= set(section.fields) for item in section.items), section.key
        assert rights.personal_data([a.ids["resident"] + 1000]) == []
        assert rights.personal_data([]) == []


def test_the_erasure_anonymises_the_member_and_keeps_the_hours(wuye_app, wuye_make_tenant, wuye_register,
                                                                wuye_enable_plugin):
    from wuye_volunteers import rights

    a, mine, other, team, number = _world(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin)
    with wuye_app.app_context(), tenant_context(a.tenant.id):
        assert rights.erase([a.ids["resident"]]) == {"members": 1}
        db.session.commit()
    erased = a.mgr.get(f"{P}/members/{mine['id']}").get_json()
    assert erased["name"] == "已删除" and erased["erased"] is True and erased["status"] == "left"
    assert erased["phone"] is None and erased["id_number"] is None and erased["resident_id"] is None
    assert erased["party_org"] is None and erased["skills"] == [] and erased["teams"] == []
    assert erased["gender"] is None and erased["consent_contact"] is False
    assert erased["service"]["records"] == 1 and erased["service"]["total_minutes"] == 120  # the hours stay
    left = a.mgr.get(f"{P}/teams/{team['id']}").get_json()
    assert left["leader_member_id"] is None and [m["name"] for m in left["members"]] == ["李四"]
    # no longer changeable; the number is free for someone new; another copy finds nothing
    assert a.mgr.patch(f"{P}/members/{mine['id']}", json={"note": "x"}).status_code == 409
    assert a.mgr.post(f"{P}/members/{mine['id']}/rejoin").status_code == 409
    assert a.member(name="张三", phone="13800000000")["id"] != mine["id"]
    with wuye_app.app_context(), tenant_context(a.tenant.id):
        assert rights.personal_data([a.ids["resident"]]) == []
        assert rights.erase([a.ids["resident"]]) is None  # nothing (left) of theirs: no line in the outcome
    untouched = a.mgr.get(f"{P}/members/{other['id']}").get_json()
    assert untouched["name"] == "李四" and untouched["phone"] == "13800000001"


def test_a_failing_erasure_erases_nothing(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin, monkeypatch):
    """The core runs the hook in a savepoint of the approval: when anything after the first
    member fails, rolling it back leaves every member as it was."""
    from wuye_volunteers import rights

    a, mine, *_rest = _world(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin)
    second = a.member(name="张三", phone="13800000009", resident_id=a.ids["resident"])
    real = rights.erase_member
    calls = []

    def failing(member):
        calls.append(member.id)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        real(member)

    monkeypatch.setattr(rights, "erase_member", failing)
    with wuye_app.app_context(), tenant_context(a.tenant.id):
        savepoint = db.session.begin_nested()
        with pytest.raises(RuntimeError):
            rights.erase([a.ids["resident"]])
        savepoint.rollback()
        db.session.commit()
    assert calls == [mine["id"], second["id"]]
    for member in (mine, second):
        kept = a.mgr.get(f"{P}/members/{member['id']}").get_json()
        assert kept["name"] == "张三" and kept["phone"] == member["phone"] and kept["erased"] is False


def test_requests_made_by_phone_are_in_the_copy_and_leave_with_the_erasure(wuye_app, wuye_make_tenant, wuye_register,
                                                                          wuye_enable_plugin):
    from wuye_volunteers import rights
    from wuye_volunteers.models import Task

    a, mine, other, team, number = _world(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin)
    with wuye_app.app_context(), tenant_context(a.tenant.id):
        db.session.add_all([
            Task(community_id=a.ids["community"], source="request", title="帮忙修理收音机", requester_name="王阿姨",
                 requester_phone="139-0000-1111", created_by="acme-mgr"),
            Task(community_id=a.ids["community"], source="request", title="陪同就医", requester_name="赵大爷",
                 requester_phone="13900002222", created_by="acme-mgr")])
        db.session.commit()
        sections = rights.personal_data([], "13900001111")
        assert [s.key for s in sections] == ["volunteers.requests"]
        assert sections[0].items[0]["title"] == "帮忙修理收音机" and "赵大爷" not in str(sections)
        assert rights.erase([], "13900001111") == {"requests": 1}
        db.session.commit()
        kept = {t.title: (t.requester_name, t.requester_phone) for t in db.session.scalars(select(Task))}
        assert kept == {"帮忙修理收音机": (None, None), "陪同就医": ("赵大爷", "13900002222")}
        assert rights.personal_data([], "13900001111") == [] and rights.erase([], "13900001111") is None
        db.session.remove()
