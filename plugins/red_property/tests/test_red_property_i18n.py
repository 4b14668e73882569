"""The plugin speaks the reader's language from its own catalog: zh_CN by default, English on
`?lang=en` / `Accept-Language: en` — errors, exported workbooks, and the note it writes into a
ticket's history, which each reader sees in their own language."""

from __future__ import annotations

import io

from openpyxl import load_workbook

P = "/api/v1/plugins/red_property"
EN = {"Accept-Language": "en"}


def _escalated_and_decided(t, wuye_register, wuye_enable_plugin):
    ids = wuye_register(t)
    c = ids["community"]
    wuye_enable_plugin(t, "red_property", c)
    ticket = t.admin.post("/api/v1/tickets", json={"community_id": c, "site_id": ids["site"], "channel": "phone",
                                                   "kind": "repair", "category": "保洁", "title": "水管漏水"})
    assert ticket.status_code == 201, ticket.get_json()
    ticket = ticket.get_json()
    item = t.admin.post(f"{P}/tickets/{ticket['id']}/escalation", json={"note": "多次报修"}).get_json()
    meeting = t.admin.post(f"{P}/communities/{c}/meetings", json={
        "participants": [{"side": "residents", "name": "周阿姨", "attended": True}]}).get_json()
    t.admin.post(f"{P}/meetings/{meeting['id']}/hold", json={"minutes": "议定"})
    resolution = t.admin.post(f"{P}/meetings/{meeting['id']}/resolutions", json={
        "text": "更换水管", "owner_side": "property", "owner_name": "张经理", "agenda_item_id": item["id"]})
    assert resolution.status_code == 201, resolution.get_json()
    return c, ticket, meeting, item, resolution.get_json()


def test_errors_in_the_readers_language(wuye_make_tenant, wuye_register, wuye_enable_plugin):
    t = wuye_make_tenant("acme")
    _c, ticket, meeting, item, _resolution = _escalated_and_decided(t, wuye_register, wuye_enable_plugin)
    again = f"{P}/tickets/{ticket['id']}/escalation"
    assert t.admin.post(again, json={}).get_json()["message"] == "工单已在联席会议议题中"
    assert t.admin.post(again, json={}, headers=EN).get_json()["message"] == "The ticket is already on the agenda."
    r = t.admin.post(f"{P}/meetings/{meeting['id']}/hold?lang=en", json={})
    assert (r.status_code, r.get_json()["message"]) == (409, "Only a planned meeting can be held.")
    late = {"title": "加装电梯", "meeting_id": meeting["id"]}  # the meeting was held: invalid() names the field
    r = t.admin.post(f"{P}/communities/{_c}/agenda-items", json=late)
    assert r.status_code == 422 and r.get_json()["errors"]["json"]["meeting_id"] == ["会议不是待召开状态"]
    r = t.admin.post(f"{P}/communities/{_c}/agenda-items?lang=en", json=late)
    assert r.get_json()["errors"]["json"]["meeting_id"] == ["The meeting is not planned."]


def test_exports_in_the_readers_language(wuye_make_tenant, wuye_register, wuye_enable_plugin):
    t = wuye_make_tenant("acme")
    c, _ticket, meeting, _item, _resolution = _escalated_and_decided(t, wuye_register, wuye_enable_plugin)
    zh = load_workbook(io.BytesIO(t.admin.get(f"{P}/meetings/{meeting['id']}/minutes.xlsx").data))
    en = load_workbook(io.BytesIO(t.admin.get(f"{P}/meetings/{meeting['id']}/minutes.xlsx", headers=EN).data))
    assert zh.sheetnames == ["会议纪要", "参会人员", "议题", "决议"]
    assert en.sheetnames == ["Meeting minutes", "Participants", "Agenda", "Resolutions"]
    assert list(zh["参会人员"].iter_rows(values_only=True)) == [("所属方", "姓名", "职务", "出席"),
                                                             ("居民代表", "周阿姨", None, "是")]
    assert list(en["Participants"].iter_rows(values_only=True)) == [
        ("Side", "Name", "Post", "Attended"), ("Residents' representatives", "周阿姨", None, "Yes")]
    assert {row[0]: row[1] for row in en["Meeting minutes"].iter_rows(values_only=True)}["Status"] == "Held"

    r = t.admin.get(f"{P}/communities/{c}/resolutions.xlsx?lang=en")
    # the name in English, the community's name as it is: 'Joint meeting resolution ledger-<community>-<day>.xlsx'
    assert "filename*=UTF-8''Joint%20meeting%20resolution%20ledger-" in r.headers["Content-Disposition"]
    rows = list(load_workbook(io.BytesIO(r.data))["Resolution ledger"].iter_rows(values_only=True))
    assert rows[0][:5] == ("No.", "Meeting date", "Agenda item no.", "Resolution", "Owner side")
    assert rows[1][4] == "Property company" and rows[1][7] == "To do"  # codes, shown translated


def test_the_ticket_history_note_follows_each_reader(wuye_make_tenant, wuye_register, wuye_enable_plugin):
    """The note is stored once (as its msgid and values) and read by anyone later."""
    t = wuye_make_tenant("acme")
    _c, ticket, _meeting, _item, resolution = _escalated_and_decided(t, wuye_register, wuye_enable_plugin)
    admin_id = next(u["id"] for u in t.admin.get("/api/v1/users").get_json()["items"] if u["username"] == "admin")
    for body in ({"action": "accept"}, {"action": "dispatch", "assignee_id": admin_id}, {"action": "arrive"}):
        assert t.admin.post(f"/api/v1/tickets/{ticket['id']}/transitions", json=body).status_code == 200
    # done, asked for in English: the reply is English, the stored note is the message
    r = t.admin.post(f"{P}/resolutions/{resolution['id']}/follow-ups", json={"note": "已更换", "status": "done"},
                     headers=EN)
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["tickets"][0]["message"] == "Resolved."
    history = f"/api/v1/tickets/{ticket['id']}/transitions"
    zh = t.admin.get(history).get_json()["items"][0]  # the newest
    en = t.admin.get(history, headers=EN).get_json()["items"][0]
    assert zh["action"] == en["action"] == "resolve"
    assert zh["note"] == f"三方联席会议决议#{resolution['id']}已办结：更换水管"
    assert en["note"] == f"Joint meeting resolution #{resolution['id']} is done: 更换水管"
