"""On an organiser's phone (375 px wide, a real Chromium): the activity pages fit without sideways
scrolling, a tap on a person's big button checks them in, and no page has a script error, a
refused request or a Content-Security-Policy violation. Skipped where no browser is installed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from _activity_rows import C, P, create, in_tenant, member, world
from wuye_volunteers.models import Activity

from wuye_core.plugins import db


def test_an_organiser_checks_people_in_on_a_phone(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin,
                                                  wuye_live_server, wuye_page, wuye_sign_in, wuye_page_problems):
    env = world(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    a = create(env.org, env.cid, capacity=2)
    with in_tenant(env.tenant):
        activity = db.session.get(Activity, a["id"])
        activity.starts_at = datetime.now(UTC) - timedelta(minutes=10)
        activity.ends_at = activity.starts_at + timedelta(hours=2)
    signed = [env.org.post(f"{P}/activities/{a['id']}/walk-ins", json={"member_id": member(env.tenant, env.cid, name)})
              .get_json()["id"] for name in ("王芳", "李明")]
    assert env.org.post(f"{P}/signups/{signed[0]}/undo-check").status_code == 200  # 王芳: signed up, not checked in
    member(env.tenant, env.cid, "赵强")
    wuye_page.set_viewport_size({"width": 375, "height": 800})
    wuye_sign_in(wuye_page, "acme", "acme-org", "password-123")
    problems = wuye_page_problems(wuye_page)
    for path in (f"/communities/{env.cid}/activities", f"/communities/{env.cid}/activities/new",
                 f"/activities/{a['id']}/qr", f"/activities/{a['id']}/hours", f"/communities/{env.cid}/series/new",
                 f"/activities/{a['id']}"):
        wuye_page.goto(wuye_live_server + C + path)
        assert wuye_page.evaluate("document.documentElement.scrollWidth") <= 375, path
    person = wuye_page.locator(f"#s{signed[0]}")
    assert person.locator("button.vl-big").inner_text() == "签到"
    person.locator("button.vl-big").click()
    wuye_page.wait_for_load_state()
    assert "王芳 已签到。" in wuye_page.locator(".flash").inner_text()
    assert wuye_page.locator(f"#s{signed[0]} button.vl-big").inner_text() == "签退"
    assert wuye_page.locator("#f-member_id").count() == 1  # 赵强 can still come as a walk-in
    assert problems == []
