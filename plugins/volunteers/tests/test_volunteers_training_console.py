"""The trainings' console pages: the list, the form with its errors next to the fields, the
session page with its attendance sheet (a checkbox per member for attended and for passed),
the skills it confirms and withdraws said at the top, refusals next to the member they concern;
the organiser reads and does not record."""

from __future__ import annotations

from datetime import date, timedelta

from _bank_rows import C, P, member, skills_of, world

from wuye_core.plugins import local_today


def test_record_a_training_and_its_sheet_at_the_console(wuye_app, wuye_make_tenant, wuye_register,
                                                        wuye_enable_plugin):
    w = world(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    console = w.tenant.console("mgr", "password-123")
    page = console.get(f"{C}/communities/{w.cid}/trainings")
    assert page.status_code == 200 and "还没有登记培训" in page.text and "登记培训" in page.text
    assert 'aria-current="page">培训</a>' in page.text and "时间银行" not in page.text  # the tab; the bank is off

    # the empty form: each error tied to its input, in Chinese
    url = f"{C}/communities/{w.cid}/trainings/new"
    assert console.get(url).status_code == 200
    r = console.post(url, data={"title": "", "minutes": "0", "held_on": "1999-01-01", "skill": "legal",
                                "level": "skilled"})
    assert r.status_code == 422
    for name in ("title", "minutes"):
        assert f'id="f-{name}"' in r.text and f'aria-describedby="e-{name}"' in r.text and f'id="e-{name}"' in r.text
    assert 'value="legal" selected' in r.text and 'value="1999-01-01"' in r.text
    r = console.post(url, data={"title": "培训", "minutes": "60", "held_on": "1999-01-01"})
    assert r.status_code == 422 and 'aria-describedby="e-held_on"' in r.text and "2000-01-01" in r.text
    r = console.post(url, data={"title": "法律咨询志愿者培训", "skill": "legal", "level": "skilled",
                                "held_on": "2026-03-01", "minutes": "150", "trainer": "张律师", "place": ""})
    assert r.status_code == 303, r.text[:500]
    page = console.get(r.headers["Location"])
    text = page.text
    assert "培训已登记，请登记参加人员" in text and "法律咨询 · 熟练" in text and "2.5 小时" in text
    assert "王秀英" in text and "李建国" in text and "赵大山" not in text  # who left is not on an empty sheet
    assert f'name="attended_{w.wang}"' in text and f'name="passed_{w.wang}"' in text and "保存签到表" in text
    training = int(r.headers["Location"].rsplit("/", 1)[1])

    # ticked: 王 attended and passed, 李 attended; the flash names the confirmed
    sheet = f"{C}/trainings/{training}/attendance"
    members = {"member": [str(w.wang), str(w.li)]}
    r = console.post(sheet, data={**members, f"attended_{w.wang}": "on", f"passed_{w.wang}": "on",
                                  f"attended_{w.li}": "on"})
    assert r.status_code == 303
    text = console.get(r.headers["Location"]).text
    assert "签到表已保存：新增 2 人，修改 0 人，未变 0 人" in text and "已确认技能：王秀英" in text
    assert skills_of(w.tenant, w.wang)["legal"] == ("skilled", date(2026, 3, 1), training, "mgr")
    assert f'name="passed_{w.wang}" checked' in text and f'name="passed_{w.li}" checked' not in text
    # un-ticked: this training's confirmation withdrawn, and said
    r = console.post(sheet, data={**members, f"attended_{w.wang}": "on", f"attended_{w.li}": "on"})
    text = console.get(r.headers["Location"]).text
    assert "本次培训不再确认以下成员的技能：王秀英" in text
    assert skills_of(w.tenant, w.wang)["legal"] == ("skilled", None, None, None)
    # passed without attending: refused next to that member, what was ticked kept, nothing changed
    r = console.post(sheet, data={**members, f"passed_{w.li}": "on", f"attended_{w.wang}": "on"})
    assert r.status_code == 422
    assert f'aria-describedby="e-member-{w.li}"' in r.text and "只有参加了培训的成员才能合格" in r.text
    assert f'name="passed_{w.li}" checked' in r.text
    assert w.mgr.get(f"{P}/trainings/{training}").get_json()["attended"] == 2
    # a forged sheet naming who left: said at the top (赵 is not on the page)
    r = console.post(sheet, data={"member": [str(w.zhao)], f"attended_{w.zhao}": "on"})
    assert r.status_code == 422 and 'class="form-error" role="alert"' in r.text and "赵大山已退出联盟" in r.text
    # nothing ticked on an empty part of the sheet
    qian = member(w.tenant, w.cid, "钱芳")
    r = console.post(f"{sheet}?q=钱", data={"member": [str(qian)]})
    assert r.status_code == 422 and "请勾选参加培训的成员" in r.text
    # the name filter
    filtered = console.get(f"{C}/trainings/{training}", query_string={"q": "钱"}).text
    assert "钱芳" in filtered and "王秀英" not in filtered

    # the correction form: prefilled; an emptied field is cleared
    edit = f"{C}/trainings/{training}/edit"
    assert 'value="张律师"' in console.get(edit).text
    r = console.post(edit, data={"title": "法律咨询志愿者培训", "skill": "legal", "level": "skilled",
                                 "held_on": "2026-03-01", "minutes": "abc", "trainer": ""})
    assert r.status_code == 422 and 'aria-describedby="e-minutes"' in r.text
    r = console.post(edit, data={"title": "法律咨询志愿者培训", "skill": "legal", "level": "skilled",
                                 "held_on": "2026-03-01", "minutes": "120", "trainer": ""})
    assert r.status_code == 303
    assert "培训信息已更正" in console.get(r.headers["Location"]).text
    assert w.mgr.get(f"{P}/trainings/{training}").get_json()["trainer"] is None

    # the list and a member's trainings
    listed = console.get(f"{C}/communities/{w.cid}/trainings").text
    assert "法律咨询志愿者培训" in listed and 'class="responsive vl-trainings"' in listed
    mine = console.get(f"{C}/members/{w.wang}/trainings").text
    assert "王秀英的培训记录" in mine and "法律咨询志愿者培训" in mine and "参加" in mine


def test_the_organiser_reads_the_sheet_and_cannot_record(wuye_app, wuye_make_tenant, wuye_register,
                                                         wuye_enable_plugin):
    w = world(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    training = w.mgr.post(f"{P}/communities/{w.cid}/trainings", json={
        "title": "急救知识培训", "skill": "medical", "held_on": "2026-03-01", "minutes": 90}).get_json()["id"]
    w.mgr.put(f"{P}/trainings/{training}/attendance", json={"rows": [{"member_id": w.wang, "attended": True,
                                                                      "passed": True}]})
    console = w.tenant.console("org", "password-123")
    listed = console.get(f"{C}/communities/{w.cid}/trainings")
    assert listed.status_code == 200 and "急救知识培训" in listed.text and "登记培训" not in listed.text
    page = console.get(f"{C}/trainings/{training}").text
    assert "王秀英" in page and "保存签到表" not in page and 'name="attended_' not in page and "合格" in page
    assert console.post(f"{C}/trainings/{training}/attendance",
                        data={"member": [str(w.li)], f"attended_{w.li}": "on"}).status_code == 403
    assert console.get(f"{C}/communities/{w.cid}/trainings/new").status_code == 403
    assert console.get(f"{C}/trainings/{training}/edit").status_code == 403


def test_a_training_to_come_waits_for_its_day(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    w = world(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    day = (local_today() + timedelta(days=7)).isoformat()
    training = w.mgr.post(f"{P}/communities/{w.cid}/trainings", json={
        "title": "防诈骗宣传员培训", "held_on": day, "minutes": 60}).get_json()["id"]
    console = w.tenant.console("mgr", "password-123")
    assert "培训尚未举行，举行后再登记签到" in console.get(f"{C}/trainings/{training}").text
    r = console.post(f"{C}/trainings/{training}/attendance", data={"member": [str(w.wang)],
                                                                  f"attended_{w.wang}": "on"})
    assert r.status_code == 409 and f"培训定于 {day}，尚未举行" in r.text and 'role="alert"' in r.text
