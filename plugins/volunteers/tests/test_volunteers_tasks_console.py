"""The console's pages of tasks: 交给服务联盟 from a ticket's page, a task's page with its candidates
and 指派给他/她, hours recorded, a resident's request taken at the window; refusals shown next to
their fields with the refusal's status."""

from __future__ import annotations

import re

from _task_rows import C, P, member, records, ticket, world


def _console(w, who):
    return w.tenant.console(who, "password-123")


def _text(response) -> str:
    return response.get_data(as_text=True)


def test_a_tickets_page_hands_it_to_the_alliance_through_a_form_with_its_title(
        wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    w = world(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    clerk = _console(w, "acme-clerk")
    t = ticket(w.clerk, w.ids, title="独居老人家中水管漏水")
    page = _text(clerk.get(f"/console/tickets/{t['id']}"))
    form_url = f"{C}/tickets/{t['id']}/task"
    assert f'href="{form_url}"' in page and "交给服务联盟" in page

    form = clerk.get(form_url)
    assert form.status_code == 200
    html = _text(form)
    assert 'value="独居老人家中水管漏水"' in html and 'name="csrf_token"' in html and "需要的技能" in html

    # a refusal is shown next to its field, with its status
    refused = clerk.post(form_url, data={"title": "独居老人家中水管漏水", "skill": "plumbing", "wanted_by": "2000-01-01"})
    assert refused.status_code == 422
    html = _text(refused)
    assert 'aria-describedby="e-wanted_by"' in html and re.search(r'id="e-wanted_by">\s*日期已过', html)

    made = clerk.post(form_url, data={"title": "修水管", "skill": "plumbing", "place": "1栋101"})
    assert made.status_code == 303, _text(made)
    task_id = int(made.headers["Location"].rsplit("/", 1)[-1])
    task = w.clerk.get(f"{P}/tasks/{task_id}").get_json()
    assert (task["source"], task["source_ref"], task["title"], task["skill"], task["place"]) == (
        "ticket", t["id"], "修水管", "plumbing", "1栋101")
    shown = _text(clerk.get(made.headers["Location"]))
    assert "修水管" in shown and "已交给服务联盟" in shown and "水管维修" in shown

    # the ticket now links to its task; the form leads there too
    page = _text(clerk.get(f"/console/tickets/{t['id']}"))
    assert f'href="{C}/tasks/{task_id}"' in page and f"服务联盟任务 #{task_id}" in page and form_url not in page
    again = clerk.get(form_url)
    assert again.status_code == 302 and again.headers["Location"].endswith(f"/tasks/{task_id}")


def test_only_task_makers_see_the_link_and_the_form_and_only_open_tickets_are_offered(
        wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    w = world(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    reader = _console(w, "acme-reader")
    t = ticket(w.clerk, w.ids)
    assert "交给服务联盟" not in _text(reader.get(f"/console/tickets/{t['id']}"))
    assert reader.get(f"{C}/tickets/{t['id']}/task").status_code == 403
    assert reader.get(f"{C}/communities/{w.cid}/tasks").status_code == 403

    assert w.clerk.post(f"/api/v1/tickets/{t['id']}/transitions", json={"action": "resolve"}).status_code == 200
    clerk = _console(w, "acme-clerk")
    assert "交给服务联盟" not in _text(clerk.get(f"/console/tickets/{t['id']}"))
    closed = clerk.get(f"{C}/tickets/{t['id']}/task")
    assert closed.status_code == 200 and "只有办理中的工单可以交给服务联盟" in _text(closed)
    assert 'name="title"' not in _text(closed)
    refused = clerk.post(f"{C}/tickets/{t['id']}/task", data={"title": "试试"})
    assert refused.status_code == 409 and "已办结" in _text(refused)


def test_the_task_page_lists_candidates_and_the_organiser_assigns_and_records_the_hours(
        wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    w = world(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    organiser = _console(w, "acme-org")
    plumber = member(w.tenant, w.cid, "周师傅", "13811112222", skills={"plumbing": ("expert", True)},
                     availability=("weekend", "on_call"))
    novice = member(w.tenant, w.cid, "吴同学", "13833334444", skills={"plumbing": ("basic", False)})
    member(w.tenant, w.cid, "郑大爷", "13855556666", consent=False, skills={"plumbing": ("skilled", True)})
    t = ticket(w.clerk, w.ids, title="水管漏水")
    task = w.clerk.post(f"{P}/communities/{w.cid}/tasks", json={"source": "ticket", "ticket_id": t["id"],
                                                                 "skill": "plumbing"}).get_json()
    url = f"{C}/tasks/{task['id']}"

    html = _text(organiser.get(url))
    assert html.index("周师傅") < html.index("吴同学") < html.index("未同意被联系") < html.index("郑大爷")
    assert "13811112222" in html and "13855556666" not in html  # consenting: in full for the organiser
    assert html.count("指派给他/她") == 3 and "周末、随叫随到" in html
    # a clerk sees who could do it, phones masked, and no buttons
    clerk_html = _text(_console(w, "acme-clerk").get(url))
    assert "138****2222" in clerk_html and "13811112222" not in clerk_html and "指派给他/她" not in clerk_html

    # someone without the skill is refused on the page, with the status
    stranger = member(w.tenant, w.cid, "冯会计", skills={"other": ("basic", False)})
    refused = organiser.post(f"{url}/accept", data={"member_id": str(stranger)})
    assert refused.status_code == 422 and "不具备任务需要的技能" in _text(refused)

    assigned = organiser.post(f"{url}/accept", data={"member_id": str(plumber)})
    assert assigned.status_code == 303
    html = _text(organiser.get(url))
    assert "任务已指派给周师傅" in html and "已认领" in html and "登记完成" in html and "指派给他/她" not in html

    empty = organiser.post(f"{url}/complete", data={"hours": "", "outcome": ""})
    assert empty.status_code == 422
    html = _text(empty)
    assert 'aria-describedby="e-hours"' in html and 'aria-describedby="e-outcome"' in html

    done = organiser.post(f"{url}/complete", data={"hours": "1.5", "outcome": "更换了水龙头"})
    assert done.status_code == 303
    html = _text(organiser.get(url))
    assert "任务已完成，服务时长已记录" in html and "1.5 小时" in html and "更换了水龙头" in html
    assert records(w.tenant, task["id"])[0][:2] == (plumber, 90)
    assert w.clerk.get(f"/api/v1/tickets/{t['id']}").get_json()["status"] == "resolved"
    assert novice  # listed, not chosen


def test_a_ticket_that_could_not_be_resolved_is_said_on_the_page(wuye_app, wuye_make_tenant, wuye_register,
                                                                wuye_enable_plugin):
    w = world(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    manager = _console(w, "acme-mgr")
    helper = member(w.tenant, w.cid, "陈阿姨")
    t = ticket(w.clerk, w.ids, accept=False)
    task = w.clerk.post(f"{P}/communities/{w.cid}/tasks", json={"source": "ticket", "ticket_id": t["id"]}).get_json()
    url = f"{C}/tasks/{task['id']}"
    assert manager.post(f"{url}/accept", data={"member_id": str(helper)}).status_code == 303
    done = manager.post(f"{url}/complete", data={"hours": "0.5", "outcome": "已处理"}, follow_redirects=True)
    html = _text(done)
    assert f"工单 #{t['id']} 未能办结（当前为“已提交”）" in html and "请到工单页面办结" in html


def test_a_residents_request_at_the_window_and_the_list(wuye_app, wuye_make_tenant, wuye_register,
                                                        wuye_enable_plugin):
    w = world(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    clerk = _console(w, "acme-clerk")
    listing = clerk.get(f"{C}/communities/{w.cid}/tasks")
    assert listing.status_code == 200 and "还没有任务" in _text(listing) and "登记居民求助" in _text(listing)

    new = f"{C}/communities/{w.cid}/tasks/new"
    assert clerk.get(new).status_code == 200
    refused = clerk.post(new, data={"requester_name": "刘奶奶", "requester_phone": "123", "title": "教用手机"})
    assert refused.status_code == 422
    html = _text(refused)
    assert re.search(r'id="e-requester_phone">\s*请填写 11 位手机号', html) and 'value="刘奶奶"' in html
    made = clerk.post(new, data={"requester_name": "刘奶奶", "requester_phone": "13712345678", "title": "教用手机",
                                 "skill": "it", "place": "社区服务中心"})
    assert made.status_code == 303
    html = _text(clerk.get(made.headers["Location"]))
    assert "刘奶奶" in html and "137****5678" in html and "13712345678" not in html and "智能手机教学" in html

    listing = _text(clerk.get(f"{C}/communities/{w.cid}/tasks"))
    assert "教用手机" in listing and "居民求助" in listing and "待认领" in listing
    assert "教用手机" not in _text(clerk.get(f"{C}/communities/{w.cid}/tasks", query_string={"status": "done"}))
    wrong = clerk.get(f"{C}/communities/{w.cid}/tasks", query_string={"status": "lost"})
    assert wrong.status_code == 200 and "教用手机" in _text(wrong)  # a wrong filter falls back to all


def test_the_organiser_changes_and_cancels_a_task_on_its_page(wuye_app, wuye_make_tenant, wuye_register,
                                                              wuye_enable_plugin):
    w = world(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    organiser = _console(w, "acme-org")
    task = w.clerk.post(f"{P}/communities/{w.cid}/tasks", json={
        "source": "request", "requester_name": "刘奶奶", "requester_phone": "13712345678", "title": "陪同就医"}).get_json()
    url = f"{C}/tasks/{task['id']}"
    assert organiser.post(f"{url}/edit", data={"skill": "elderly_care", "place": "3栋"}).status_code == 303
    changed = w.organiser.get(f"{P}/tasks/{task['id']}").get_json()
    assert (changed["skill"], changed["place"], changed["title"]) == ("elderly_care", "3栋", "陪同就医")
    refused = organiser.post(f"{url}/cancel", data={"reason": ""})
    assert refused.status_code == 422 and 'aria-describedby="e-reason"' in _text(refused)
    assert organiser.post(f"{url}/cancel", data={"reason": "家属陪同"}).status_code == 303
    html = _text(organiser.get(url))
    assert "已取消" in html and "家属陪同" in html and "取消任务" not in html
    again = organiser.post(f"{url}/cancel", data={"reason": "再取消"})
    assert again.status_code == 409 and "不能取消" in _text(again)
    assert _console(w, "acme-clerk").post(f"{url}/cancel", data={"reason": "x"}).status_code == 403
