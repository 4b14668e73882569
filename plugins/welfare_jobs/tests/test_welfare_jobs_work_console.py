"""The console's pages of tickets for the posts' teams: the community's dispatch desk, a post's
queue (with the team text to give to team members' accounts), the ticket's link to it, and the
phone partial of a worker's team queue."""

from __future__ import annotations

from _work_rows import add_post, dispatch_rows

C = "/console/plugins/welfare_jobs"


def _ticket(api, community_id, site_id, title):
    r = api.post("/api/v1/tickets", json={"community_id": community_id, "site_id": site_id, "channel": "phone",
                                          "kind": "repair", "category": "水电维修", "title": title})
    assert r.status_code == 201, r.get_json()
    return r.get_json()["id"]


def _world(app, make_tenant, register, enable):
    tenant = make_tenant("acme")
    ids = register(tenant)
    enable(tenant, "welfare_jobs", ids["community"])
    ids["village"] = tenant.admin.post("/api/v1/sites", json={"community_id": ids["community"], "name": "张家湾",
                                                               "kind": "village"}).get_json()["id"]
    ids["post"] = add_post(app, tenant, ids["community"], ids["village"], team="张家湾保洁组", name="张家湾保洁岗")
    ids["post2"] = add_post(app, tenant, ids["community"], ids["village"], team="张家湾巡查组", name="张家湾巡查岗")
    return tenant, ids


def test_the_dispatch_desk_dispatches_and_shows_refusals(wuye_app, wuye_make_tenant, wuye_register,
                                                          wuye_enable_plugin):
    tenant, ids = _world(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin)
    ticket_id = _ticket(tenant.admin, ids["community"], ids["village"], "村湾路灯不亮")
    elsewhere = _ticket(tenant.admin, ids["community"], ids["site"], "小区门禁坏了")
    console = tenant.console()
    desk = f"{C}/communities/{ids['community']}/dispatch"
    page = console.get(desk)
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "村湾路灯不亮" in text and "小区门禁坏了" not in text  # only tickets at the posts' sites
    assert "张家湾保洁岗" in text and "张家湾巡查岗" in text and 'name="post_id"' in text and "派单" in text

    r = console.post(desk, {"ticket_id": ticket_id, "post_id": ids["post2"], "note": "今天去"})
    assert r.status_code == 303 and r.headers["Location"].endswith(desk)
    assert dispatch_rows(wuye_app, tenant) == [(ticket_id, ids["post2"], True)]
    assert tenant.admin.get(f"/api/v1/tickets/{ticket_id}").get_json()["team"] == "张家湾巡查组"
    page = console.get(desk).get_data(as_text=True)
    assert f"#{ticket_id} 村湾路灯不亮" in page and "已派单" in page

    # a ticket at another site: the page again, 422, with the reason; nothing changed
    r = console.post(desk, {"ticket_id": elsewhere, "post_id": ids["post"]})
    assert r.status_code == 422 and "工单不在该岗位所在的小区或村湾" in r.get_data(as_text=True)
    assert tenant.admin.get(f"/api/v1/tickets/{elsewhere}").get_json()["status"] == "submitted"
    r = console.post(desk, {"ticket_id": ticket_id, "post_id": 999_999})
    assert r.status_code == 422 and "本社区没有这个岗位" in r.get_data(as_text=True)

    # a reader sees the desk without the forms and may not post
    tenant.user("reader", "readonly", [ids["community"]])
    reader = tenant.console("reader", "password-123")
    text = reader.get(desk).get_data(as_text=True)
    assert "村湾路灯不亮" in text and 'name="post_id"' not in text
    assert reader.post(desk, {"ticket_id": ticket_id, "post_id": ids["post"]}).status_code == 403


def test_the_posts_queue_and_the_tickets_link(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    tenant, ids = _world(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin)
    ticket_id = _ticket(tenant.admin, ids["community"], ids["village"], "村湾路灯不亮")
    assert tenant.admin.post(f"/api/v1/tickets/{ticket_id}/transitions",
                             json={"action": "dispatch", "team": "张家湾保洁组"}).status_code == 200
    console = tenant.console()
    queue = f"{C}/posts/{ids['post']}/queue"
    text = console.get(queue).get_data(as_text=True)
    assert "张家湾保洁组" in text and "维修工" in text  # the team text to give to the members' accounts
    assert f'href="/console/tickets/{ticket_id}"' in text and "已派单" in text
    # the ticket's page at the console links to the queue
    ticket_page = console.get(f"/console/tickets/{ticket_id}").get_data(as_text=True)
    assert "公益岗位班组：张家湾保洁岗" in ticket_page and queue in ticket_page
    # resolved: gone from the open queue, listed under ended
    tenant.admin.post(f"/api/v1/tickets/{ticket_id}/transitions", json={"action": "resolve"})
    assert "村湾路灯不亮" not in console.get(queue).get_data(as_text=True)
    assert "村湾路灯不亮" in console.get(queue + "?state=closed").get_data(as_text=True)
    # another tenant's post: 404
    other = wuye_make_tenant("other")
    other_ids = wuye_register(other, "乙")
    wuye_enable_plugin(other, "welfare_jobs", other_ids["community"])
    assert other.console().get(queue).status_code == 404


def test_the_phone_partial_lists_the_teams_open_tickets(wuye_app, wuye_make_tenant, wuye_register,
                                                       wuye_enable_plugin):
    from wuye_welfare_jobs.dispatch import team_queue

    from wuye_core.plugins import render_page, tenant_context

    tenant, ids = _world(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin)
    ticket_id = _ticket(tenant.admin, ids["community"], ids["village"], "村湾路灯不亮")
    tenant.admin.post(f"/api/v1/plugins/welfare_jobs/posts/{ids['post']}/tickets", json={"ticket_id": ticket_id})
    with wuye_app.test_request_context(headers={"Accept-Language": "zh-CN"}), tenant_context(tenant.id):
        html = render_page("welfare_jobs/work_queue.html", plugin="welfare_jobs", queue=team_queue(ids["post"]))
        empty = render_page("welfare_jobs/work_queue.html", plugin="welfare_jobs", queue=team_queue(ids["post2"]))
    assert "村湾路灯不亮" in html and "张家湾" in html and "已派单" in html
    assert f'href="/console/tickets/{ticket_id}"' in html
    assert "村湾路灯不亮" not in empty and "班组没有待办工单" in empty
