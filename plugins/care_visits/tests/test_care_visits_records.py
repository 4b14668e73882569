"""Care records that say what they should and can be corrected (issue #16, item 7): the ticket a
visit opens says what the care worker wrote for it and nothing else of the visit; no visit in the
future, and the latest visit wins; amendments within a window, by the author or a supervisor,
with a reason, recorded; a care worker registers a new resident in one call."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from wuye_care_visits.clock import today as clock_today

P = "/api/v1/plugins/care_visits"
EN = {"Accept-Language": "en"}


def _world(tenant, wuye_register, wuye_enable_plugin, config=None):
    ids = wuye_register(tenant)
    wuye_enable_plugin(tenant, "care_visits", ids["community"], {"first_visit_days": 0, **(config or {})})
    worker = tenant.user("worker", "care_worker", [ids["community"]])
    supervisor = tenant.user("boss", "care_supervisor", [ids["community"]])
    r = worker.post(f"{P}/communities/{ids['community']}/people", json={
        "resident_id": ids["resident"], "level": "A", "health_details": "糖尿病，需胰岛素",
        "id_number": "110101194001011234"})
    assert r.status_code == 201, r.get_json()
    return ids, worker, supervisor, r.get_json()


def _rows(response) -> list:
    """A plugin list's rows, as a bare array or as `{items, total}` (issue #16 moves to the latter)."""
    body = response.get_json()
    return body["items"] if isinstance(body, dict) else body


def _visit(client, ids, person, **body):
    return client.post(f"{P}/communities/{ids['community']}/visits", json={
        "person_id": person["id"], "visited_on": clock_today().isoformat(), "visitors": "王五", **body})


# --- 1. the ticket says what the care worker chose ---------------------------------------------


def test_the_ticket_says_the_care_workers_text_and_nothing_else_of_the_visit(
        wuye_make_tenant, wuye_register, wuye_enable_plugin):
    tenant = wuye_make_tenant("acme")
    ids, worker, _, person = _world(tenant, wuye_register, wuye_enable_plugin)
    staff = tenant.user("clerk", "community_staff", [ids["community"]])
    private = {"hazards": "老人独居，燃气软管老化", "special_notes": "情绪低落，拒绝子女探望",
               "root_cause": "低保停发后无力更换", "main_needs": "看病报销", "mental_state": "抑郁倾向",
               "followup_plan": "联系民政复核低保"}
    # a high risk that opens a ticket needs the text for it: 422 naming ticket_text, Chinese first
    r = _visit(worker, ids, person, risk_safety="high", open_ticket=True, **private)
    assert r.status_code == 422, r.get_json()
    assert r.get_json()["errors"]["json"]["ticket_text"] == ["开工单时必填：为物业公司写明隐患，不写个人信息"]
    r = worker.post(f"{P}/communities/{ids['community']}/visits", headers=EN, json={
        "person_id": person["id"], "visited_on": clock_today().isoformat(), "visitors": "王五",
        "risk_safety": "high", "open_ticket": True})
    assert "ticket_text" in r.get_json()["errors"]["json"] and "hazard" in r.get_json()["errors"]["json"][
        "ticket_text"][0]
    # too long, or naming the person: refused too, nothing recorded
    r = _visit(worker, ids, person, risk_safety="high", open_ticket=True, ticket_text="漏" * 201)
    assert r.status_code == 422 and "ticket_text" in r.get_json()["errors"]["json"]
    r = _visit(worker, ids, person, risk_safety="high", open_ticket=True, ticket_text="张三家燃气软管开裂")
    assert r.status_code == 422 and "ticket_text" in r.get_json()["errors"]["json"]
    assert _rows(worker.get(f"{P}/communities/{ids['community']}/visits")) == []

    r = _visit(worker, ids, person, risk_safety="high", risk_health="high", open_ticket=True,
               ticket_text="厨房燃气灶软管开裂漏气，需立即更换", **private)
    assert r.status_code == 201, r.get_json()
    visit = r.get_json()
    assert visit["ticket_text"] == "厨房燃气灶软管开裂漏气，需立即更换" and visit["ticket_id"]
    ticket = staff.get(f"/api/v1/tickets/{visit['ticket_id']}").get_json()  # every staff member sees it
    assert ticket["title"] == "关爱走访：厨房燃气灶软管开裂漏气，需立即更换"
    assert ticket["description"].startswith("厨房燃气灶软管开裂漏气，需立即更换")
    assert f"#{visit['id']}" in ticket["description"]  # the link back, by number
    assert (ticket["kind"], ticket["priority"], ticket["category"]) == ("repair", "urgent", "其他")
    text = str(ticket)
    for value in [*private.values(), "张三", "糖尿病", "13800000000", "110101194001011234"]:
        assert value not in text, value
    # the link to the visit itself is for care roles only
    assert [link["href"] for link in worker.get(f"/api/v1/tickets/{visit['ticket_id']}").get_json()["links"]] == [
        f"{P}/visits/{visit['id']}"]
    assert staff.get(f"/api/v1/tickets/{visit['ticket_id']}").get_json()["links"] == []


def test_the_care_worker_picks_the_tickets_category_from_the_communitys(
        wuye_make_tenant, wuye_register, wuye_enable_plugin):
    tenant = wuye_make_tenant("acme")
    ids, worker, _, person = _world(tenant, wuye_register, wuye_enable_plugin)
    categories = tenant.admin.get(f"/api/v1/communities/{ids['community']}/config").get_json()["config"][
        "tickets"]["categories"]
    chosen = next(c for c in categories if c != "其他")
    r = _visit(worker, ids, person, risk_safety="high", open_ticket=True, ticket_text="楼道护栏断裂",
               ticket_category=chosen)
    assert r.status_code == 201, r.get_json()
    assert tenant.admin.get(f"/api/v1/tickets/{r.get_json()['ticket_id']}").get_json()["category"] == chosen
    # one that is not the community's: 422 naming the care worker's field; no visit, no ticket
    before = tenant.admin.get("/api/v1/tickets").get_json()["total"]
    r = _visit(worker, ids, person, risk_safety="high", open_ticket=True, ticket_text="楼道护栏断裂",
               ticket_category="不存在的类别")
    assert r.status_code == 422 and list(r.get_json()["errors"]["json"]) == ["ticket_category"], r.get_json()
    assert len(_rows(worker.get(f"{P}/communities/{ids['community']}/visits"))) == 1
    assert tenant.admin.get("/api/v1/tickets").get_json()["total"] == before


# --- 2. no future, and the latest visit wins ---------------------------------------------------


def test_a_visit_cannot_be_in_the_future_today_is_fine(wuye_make_tenant, wuye_register, wuye_enable_plugin):
    tenant = wuye_make_tenant("acme")
    ids, worker, _, person = _world(tenant, wuye_register, wuye_enable_plugin)
    tomorrow = (clock_today() + timedelta(days=1)).isoformat()
    r = _visit(worker, ids, person, visited_on=tomorrow)
    assert r.status_code == 422
    assert r.get_json()["errors"]["json"]["visited_on"] == [
        f"不能晚于今天（北京时间今天是 {clock_today().isoformat()}）"]
    r = worker.post(f"{P}/communities/{ids['community']}/visits?lang=en", json={
        "person_id": person["id"], "visited_on": tomorrow, "visitors": "王五"})
    assert r.get_json()["errors"]["json"]["visited_on"] == [
        f"Cannot be in the future (today is {clock_today().isoformat()}, Beijing time)."]
    assert worker.get(f"{P}/people/{person['id']}").get_json()["last_visit_on"] is None
    assert _visit(worker, ids, person).status_code == 201  # today, Beijing time


def test_a_visit_recorded_late_does_not_undo_a_later_one(wuye_make_tenant, wuye_register, wuye_enable_plugin):
    tenant = wuye_make_tenant("acme")
    ids, worker, _, person = _world(tenant, wuye_register, wuye_enable_plugin, {"interval_a": 30})
    today = clock_today()
    follow_up = today + timedelta(days=5)
    r = _visit(worker, ids, person, risk_health="high", next_visit_on=follow_up.isoformat())
    assert r.status_code == 201, r.get_json()
    state = worker.get(f"{P}/people/{person['id']}").get_json()
    assert (state["last_visit_on"], state["next_due_on"], state["high_risk"]) == (
        today.isoformat(), follow_up.isoformat(), True)
    # an older visit entered afterwards (no risk, a far follow-up): the latest visit still decides
    old = today - timedelta(days=20)
    r = _visit(worker, ids, person, visited_on=old.isoformat(), next_visit_on=(old + timedelta(days=60)).isoformat())
    assert r.status_code == 201, r.get_json()
    state = worker.get(f"{P}/people/{person['id']}").get_json()
    assert (state["last_visit_on"], state["next_due_on"], state["high_risk"]) == (
        today.isoformat(), follow_up.isoformat(), True)


# --- 3. amendments -----------------------------------------------------------------------------


def test_the_author_amends_within_the_window_and_it_is_recorded(
        wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    tenant = wuye_make_tenant("acme")
    ids, worker, supervisor, person = _world(tenant, wuye_register, wuye_enable_plugin, {"interval_a": 30})
    today = clock_today()
    visit = _visit(worker, ids, person, risk_safety="high", hazards="电线老化", needs=["repairs"]).get_json()
    assert worker.get(f"{P}/people/{person['id']}").get_json()["high_risk"] is True
    url = f"{P}/visits/{visit['id']}"

    # a reason is required; nothing changed without one
    r = worker.patch(url, json={"risk_safety": "medium"})
    assert r.status_code == 422 and "reason" in r.get_json()["errors"]["json"]
    # the amendment follows the rules of a visit: no future day
    r = worker.patch(url, json={"visited_on": (today + timedelta(days=1)).isoformat(), "reason": "日期写错"})
    assert r.status_code == 422 and "visited_on" in r.get_json()["errors"]["json"]
    r = worker.patch(url, json={"next_visit_on": (today - timedelta(days=3)).isoformat(), "reason": "日期写错"})
    assert r.status_code == 422 and "next_visit_on" in r.get_json()["errors"]["json"]
    # the person and the ticket do not change through an amendment
    r = worker.patch(url, json={"person_id": person["id"], "reason": "换人"})
    assert r.status_code == 422 and "person_id" in r.get_json()["errors"]["json"]

    r = worker.patch(url, json={"risk_safety": "medium", "hazards": "电线老化，已由家属更换插座",
                                "needs": ["repairs", "medical"], "reason": "家属来电说明已处理"})
    assert r.status_code == 200, r.get_json()
    amended = r.get_json()
    assert amended["risk_safety"] == "medium" and amended["hazards"] == "电线老化，已由家属更换插座"
    assert amended["needs"] == ["medical", "repairs"]
    [record] = amended["amendments"]
    assert record["amended_by"] == "worker" and record["reason"] == "家属来电说明已处理" and record["at"]
    assert record["fields"] == ["hazards", "needs", "risk_safety"]
    assert record["changes"] == {
        "risk_safety": {"before": "high", "after": "medium"},
        "hazards": {"before": "电线老化", "after": "电线老化，已由家属更换插座"},
        "needs": {"before": ["repairs"], "after": ["medical", "repairs"]},
    }
    assert worker.get(url).get_json()["amendments"] == amended["amendments"]  # readable on the visit
    # the person's derived state is recomputed: the latest visit no longer finds a high risk
    assert worker.get(f"{P}/people/{person['id']}").get_json()["high_risk"] is False

    # a supervisor may amend too; the date moves, and the due date with it
    earlier = today - timedelta(days=2)
    r = supervisor.patch(url, json={"visited_on": earlier.isoformat(), "reason": "补录时日期填错"})
    assert r.status_code == 200, r.get_json()
    assert [a["amended_by"] for a in r.get_json()["amendments"]] == ["worker", "boss"]
    state = worker.get(f"{P}/people/{person['id']}").get_json()
    assert (state["last_visit_on"], state["next_due_on"]) == (
        earlier.isoformat(), (earlier + timedelta(days=30)).isoformat())

    # sending what is already there changes nothing: refused, not recorded
    r = worker.patch(url, json={"visitors": "王五", "reason": "再确认"})
    assert r.status_code == 422
    assert len(worker.get(url).get_json()["amendments"]) == 2

    # in the access log (append-only) and in the core's audit trail, field names only
    log = _rows(supervisor.get(f"{P}/communities/{ids['community']}/access-log"))
    assert [(e["username"], e["object_id"]) for e in log if e["action"] == "amend_visit"] == [
        ("boss", visit["id"]), ("worker", visit["id"])]
    trail = tenant.admin.get("/api/v1/audit", query_string={"action": "care_visits.amended"}).get_json()["items"]
    assert [(e["actor_name"], e["target_id"], e["action_title"]) for e in trail] == [
        ("boss", str(visit["id"]), "更正记录"), ("worker", str(visit["id"]), "更正记录")]
    assert trail[1]["details"]["fields"] == ["hazards", "needs", "risk_safety"]
    assert "电线" not in str(trail)

    # a visit is never deleted
    assert worker.delete(url).status_code == 405


def test_only_the_author_or_a_supervisor_may_amend(wuye_make_tenant, wuye_register, wuye_enable_plugin):
    tenant = wuye_make_tenant("acme")
    ids, worker, _, person = _world(tenant, wuye_register, wuye_enable_plugin)
    other = tenant.user("other", "care_worker", [ids["community"]])
    staff = tenant.user("clerk", "community_staff", [ids["community"]])
    visit = _visit(worker, ids, person).get_json()
    url = f"{P}/visits/{visit['id']}"
    r = other.patch(url, json={"visitors": "王五、李六", "reason": "补记"})
    assert r.status_code == 403 and r.get_json()["message"] == "只有记录人或关爱主管可以更正这条走访记录"
    assert staff.patch(url, json={"visitors": "王五、李六", "reason": "补记"}).status_code == 404
    assert worker.get(url).get_json()["amendments"] == [] and worker.get(url).get_json()["visitors"] == "王五"


def test_after_the_window_a_visit_cannot_be_amended(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    from wuye_care_visits.models import CareVisit

    from wuye_core.plugins import db, tenant_context

    tenant = wuye_make_tenant("acme")
    ids, worker, supervisor, person = _world(tenant, wuye_register, wuye_enable_plugin, {"amend_days": 7})
    visit = _visit(worker, ids, person).get_json()
    url = f"{P}/visits/{visit['id']}"
    assert visit["amendable_until"]
    assert worker.patch(url, json={"visitors": "王五、李六", "reason": "补记"}).status_code == 200
    with wuye_app.app_context(), tenant_context(tenant.id):  # recorded 8 days ago
        db.session.get(CareVisit, visit["id"]).created_at = datetime.now(UTC) - timedelta(days=8)
        db.session.commit()
    for client in (worker, supervisor):
        r = client.patch(url, json={"visitors": "王五", "reason": "改回"})
        assert r.status_code == 409, r.get_json()
        assert r.get_json()["message"].startswith("这条走访记录已不能更正：走访记录录入后 7 天内可以更正")
        assert r.get_json()["errors"]["status"] == "amend_window_closed"
    assert worker.get(url).get_json()["visitors"] == "王五、李六"
    # amend_days 0: never
    tenant.admin.put(f"/api/v1/communities/{ids['community']}/plugins/care_visits",
                     json={"enabled": True, "config": {"first_visit_days": 0, "amend_days": 0}})
    fresh = _visit(worker, ids, person).get_json()
    assert worker.patch(f"{P}/visits/{fresh['id']}", json={"visitors": "赵六", "reason": "补记"}).status_code == 409


# --- 4. a care worker registers a new resident -------------------------------------------------


def test_a_care_worker_registers_a_new_resident_in_one_call(wuye_make_tenant, wuye_register, wuye_enable_plugin,
                                                            wuye_outbox):
    tenant = wuye_make_tenant("acme")
    ids, worker, supervisor, _ = _world(tenant, wuye_register, wuye_enable_plugin)
    people = f"{P}/communities/{ids['community']}/people"
    # by the flat: building and room; the flat's household is used
    r = worker.post(people, json={
        "level": "A", "difficulties": ["elderly", "living_alone"], "health_details": "腿脚不便",
        "new_resident": {"name": "余桂兰", "phone": "13912345678", "gender": "female", "birth_year": 1941,
                         "id_card": "110101194101011231",
                         "building_id": ids["building"], "room": "101"}})
    assert r.status_code == 201, r.get_json()
    person = r.get_json()
    assert (person["name"], person["household_id"], person["health_details"]) == ("余桂兰", ids["household"], "腿脚不便")
    resident = tenant.admin.get(f"/api/v1/residents/{person['resident_id']}").get_json()
    assert (resident["name"], resident["household_id"], resident["community_id"]) == (
        "余桂兰", ids["household"], ids["community"])
    assert resident["id_card_masked"].startswith("110") and resident["id_card_masked"].endswith("1231")
    names = [e.name for e in wuye_outbox(tenant)]
    assert "resident_created" in names and "care_visits.person_registered" in names
    # by an existing household
    r = worker.post(people, json={"level": "B", "new_resident": {"name": "余建国", "household_id": ids["household"]}})
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["household_id"] == ids["household"]


def test_a_new_resident_is_checked_by_the_core_rules(wuye_make_tenant, wuye_register, wuye_enable_plugin):
    tenant = wuye_make_tenant("acme")
    ids, worker, supervisor, _ = _world(tenant, wuye_register, wuye_enable_plugin)
    people = f"{P}/communities/{ids['community']}/people"

    def refused(body, status=422):
        r = worker.post(people, json={"level": "A", **body})
        assert r.status_code == status, r.get_json()
        return r.get_json()["errors"]["json"]

    flat = {"building_id": ids["building"], "room": "101"}
    assert list(refused({"new_resident": {"name": "余桂兰", "id_card": "110101194101011232", **flat}})[
        "new_resident"]) == ["id_card"]  # a wrong check digit, as the resident API says
    assert refused({"new_resident": {"name": "余桂兰", "phone": "电话", **flat}})["new_resident"]["phone"]
    assert refused({"new_resident": {"name": "余桂兰", "gender": "x", **flat}})["new_resident"]["gender"]
    assert refused({"new_resident": {"phone": "13912345678", **flat}})["new_resident"]["name"]
    assert refused({"new_resident": {"name": "余桂兰", "building_id": ids["building"], "room": "909"}})[
        "new_resident"] == {"room": ["该楼栋没有这个房号"]}
    assert refused({"new_resident": {"name": "余桂兰"}})["new_resident"] == {"household_id": ["请指明住户，或房屋（楼栋和房号）"]}
    assert list(refused({"new_resident": {"name": "余桂兰", "household_id": 999999}})["new_resident"]) == [
        "household_id"]
    assert list(refused({})) == ["resident_id"]
    assert list(refused({"resident_id": ids["resident"], "new_resident": {"name": "余桂兰", **flat}})) == [
        "new_resident"]
    # the household's natural key: one 张三 per household
    assert list(refused({"new_resident": {"name": "张三", **flat}}, 409)["new_resident"]) == ["name"]
    # a bad care field refuses the whole call: no resident was added
    assert "level" in refused({"level": "Z", "new_resident": {"name": "余桂兰", **flat}})
    names = [r["name"] for r in tenant.admin.get("/api/v1/residents").get_json()["items"]]
    assert names == ["张三"]


def _second_community(tenant) -> dict:
    api, ids = tenant.admin, {}

    def created(path, body):
        r = api.post(path, json=body)
        assert r.status_code == 201, r.get_json()
        return r.get_json()["id"]

    ids["community"] = created("/api/v1/communities", {"name": "二社区", "code": "c2"})
    site = created("/api/v1/sites", {"community_id": ids["community"], "name": "二小区", "kind": "compound"})
    ids["building"] = created("/api/v1/buildings", {"site_id": site, "name": "1栋"})
    unit = created("/api/v1/units", {"building_id": ids["building"], "number": "101", "entrance": "1"})
    ids["household"] = created("/api/v1/households", {"unit_id": unit, "kind": "owner"})
    return ids


def test_only_a_care_worker_of_the_community_registers_residents(wuye_make_tenant, wuye_register,
                                                                wuye_enable_plugin):
    tenant = wuye_make_tenant("acme")
    ids, worker, supervisor, _ = _world(tenant, wuye_register, wuye_enable_plugin)
    other = _second_community(tenant)  # with its own care worker
    wuye_enable_plugin(tenant, "care_visits", other["community"])
    stranger = tenant.user("stranger", "care_worker", [other["community"]])
    staff = tenant.user("clerk", "community_staff", [ids["community"]])
    body = {"level": "A", "new_resident": {"name": "余桂兰", "building_id": ids["building"], "room": "101"}}
    people = f"{P}/communities/{ids['community']}/people"
    assert stranger.post(people, json=body).status_code == 404
    assert staff.post(people, json=body).status_code == 404
    r = supervisor.post(people, json=body)
    assert r.status_code == 403 and r.get_json()["message"] == "只有本社区的关爱走访员可以把居民登记进房屋台账"
    # the worker's own community, but a household or building of another one: does not exist
    r = worker.post(people, json={"level": "A", "new_resident": {"name": "余桂兰", "household_id": other["household"]}})
    assert r.status_code == 422 and list(r.get_json()["errors"]["json"]["new_resident"]) == ["household_id"]
    r = worker.post(people, json={"level": "A", "new_resident": {
        "name": "余桂兰", "building_id": other["building"], "room": "101"}})
    assert r.status_code == 422 and list(r.get_json()["errors"]["json"]["new_resident"]) == ["building_id"]
    assert [r["name"] for r in tenant.admin.get("/api/v1/residents").get_json()["items"]] == ["张三"]


# --- privacy of the new texts ------------------------------------------------------------------


def test_ticket_text_and_amendments_are_ciphertext_and_go_with_an_erasure(
        wuye_make_tenant, wuye_register, wuye_enable_plugin, wuye_owner_engine):
    from sqlalchemy import text

    tenant = wuye_make_tenant("acme")
    ids, worker, supervisor, person = _world(tenant, wuye_register, wuye_enable_plugin)
    visit = _visit(worker, ids, person, risk_safety="high", open_ticket=True, ticket_text="阳台栏杆锈断",
                   hazards="阳台栏杆锈断，老人常去晾衣").get_json()
    r = worker.patch(f"{P}/visits/{visit['id']}", json={"hazards": "阳台栏杆锈断", "reason": "删去多余描述"})
    assert r.status_code == 200, r.get_json()

    def rows():
        with wuye_owner_engine.connect() as conn:
            if wuye_owner_engine.dialect.name == "postgresql":  # RLS is forced on the owner too
                conn.execute(text("select set_config('app.tenant_id', :t, false)"), {"t": str(tenant.id)})
            return (conn.execute(text("select ticket_text from care_visits_visits")).all(),
                    conn.execute(text("select changed_fields, changes, reason from care_visits_visit_amendments"))
                    .all())

    visits, amendments = rows()
    dump = repr((visits, amendments))
    for plain in ("阳台", "老人常去晾衣", "删去多余描述"):
        assert plain not in dump, plain
    assert visits[0][0].startswith("gAAAA") and amendments[0][1].startswith("gAAAA")

    assert supervisor.post(f"{P}/people/{person['id']}/erase").status_code == 200
    [record] = worker.get(f"{P}/visits/{visit['id']}").get_json()["amendments"]
    assert (record["fields"], record["changes"], record["reason"]) == (["hazards"], None, None)
    assert worker.get(f"{P}/visits/{visit['id']}").get_json()["ticket_text"] is None
    visits, amendments = rows()
    assert visits[0][0] is None and amendments[0][1:] == (None, None)
