"""Every list, the core's and the plugins', has one shape — `{items, total, page, per_page}` —
is newest first unless `sort` asks otherwise, sorts by the fields it declares (and the OpenAPI
document names them), refuses any other field with a 422 naming `sort` and the fields it has,
and pages stably (ties broken by id). A ticket's number finds it."""

from __future__ import annotations

import re

import pytest

PAGE_KEYS = {"items", "total", "page", "per_page"}
CARE = "/api/v1/plugins/care_visits"
RED = "/api/v1/plugins/red_property"
# GETs that answer a JSON array on purpose: not collections that grow, so not paged.
NOT_PAGED = {
    # the care dashboard's figures: one per kind of figure, a fixed handful (like the core
    # dashboard's `figures`, which sit inside an object)
    "/api/v1/plugins/care_visits/communities/{community_id}/figures",
    # a ticket's hand-offs: one live at a time, a handful over its life (handoffs/routes.py)
    "/api/v1/tickets/{ticket_id}/handoffs",
    # a public-welfare worker's documents and insurance policies: a handful per person
    "/api/v1/plugins/welfare_jobs/workers/{worker_id}/documents",
    "/api/v1/plugins/welfare_jobs/workers/{worker_id}/policies",
}


@pytest.fixture
def world(wuye_make_tenant, wuye_register):
    tenant = wuye_make_tenant("lists")
    return tenant, wuye_register(tenant)


def _ticket(client, ids, **changes) -> dict:
    body = {"community_id": ids["community"], "site_id": ids["site"], "channel": "phone", "kind": "repair",
            "category": "水电维修", "title": "漏水", **changes}
    r = client.post("/api/v1/tickets", json=body)
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def _page(client, path, **query) -> dict:
    r = client.get(path, query_string=query)
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert set(body) == PAGE_KEYS, body
    return body


def _ids(client, path, **query) -> list[int]:
    return [item["id"] for item in _page(client, path, **query)["items"]]


# --- the document -------------------------------------------------------------------------------


def _resolve(document, schema):
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def test_every_collection_in_the_document_is_a_page_with_documented_sort_fields(wuye_app):
    document = wuye_app.test_client().get("/api/v1/openapi.json").get_json()
    pages, arrays = [], []
    for path, operations in document["paths"].items():
        get = operations.get("get")
        schema = get and get["responses"].get("200", {}).get("content", {}).get("application/json", {}).get("schema")
        if not schema:
            continue
        schema = _resolve(document, schema)
        if schema.get("type") == "array":
            arrays.append(path)
        elif "items" in schema.get("properties", {}):
            pages.append(path)
            assert set(schema["properties"]) == PAGE_KEYS, path
            assert _resolve(document, schema["properties"]["items"])["type"] == "array", path
            parameters = {p["name"]: p for p in get.get("parameters", [])}
            assert {"page", "per_page", "sort"} <= set(parameters), path
            sort = parameters["sort"]
            fields = sort["schema"]["x-sort-fields"]
            assert "id" in fields and sort["schema"]["default"].lstrip("-") in fields, path
            assert all(name in sort["description"] for name in fields), path
            assert "最新在前" in sort["description"] and "newest first" in sort["description"], path
            pattern = re.compile(sort["schema"]["pattern"])
            assert pattern.search(f"-{fields[-1]},id") and not pattern.search("nonsense"), path
    assert sorted(arrays) == sorted(NOT_PAGED), arrays
    # the core's and both plugins' lists are all there
    for path in ("/api/v1/tickets", "/api/v1/households", "/api/v1/tickets/{ticket_id}/transitions",
                 "/api/v1/communities/{community_id}/config/history", "/api/v1/plugin-deliveries",
                 f"{CARE}/communities/{{community_id}}/people", f"{CARE}/briefs",
                 f"{RED}/communities/{{community_id}}/meetings", f"{RED}/resolutions/{{resolution_id}}/follow-ups"):
        assert path in pages, path
    tickets = {p["name"]: p for p in document["paths"]["/api/v1/tickets"]["get"]["parameters"]}
    assert {"created_at", "priority", "resolve_due_at"} <= set(tickets["sort"]["schema"]["x-sort-fields"])
    assert "443" in tickets["q"]["description"]


# --- tickets --------------------------------------------------------------------------------------


def test_tickets_are_newest_first_and_sort_by_declared_fields(world):
    tenant, ids = world
    made = [_ticket(tenant.admin, ids, title=f"工单{i}", priority=p)
            for i, p in enumerate(["normal", "major", "urgent", "normal", "complex"])]
    numbers = [t["id"] for t in made]
    assert _ids(tenant.admin, "/api/v1/tickets") == numbers[::-1]  # newest first
    assert _ids(tenant.admin, "/api/v1/tickets", sort="id") == numbers
    assert _ids(tenant.admin, "/api/v1/tickets", sort="-created_at") == numbers[::-1]
    assert _ids(tenant.admin, "/api/v1/tickets", sort="created_at") == numbers
    # priority by seriousness (一般 < 紧急 < 重大 < 特殊复杂), not by name; ties by id
    assert _ids(tenant.admin, "/api/v1/tickets", sort="priority") == [numbers[i] for i in (0, 3, 2, 1, 4)]
    assert _ids(tenant.admin, "/api/v1/tickets", sort="-priority") == [numbers[i] for i in (4, 1, 2, 3, 0)]
    assert _ids(tenant.admin, "/api/v1/tickets", sort="priority,-id") == [numbers[i] for i in (3, 0, 2, 1, 4)]
    assert _ids(tenant.admin, "/api/v1/tickets", sort="-priority,created_at") == [numbers[i] for i in (4, 1, 2, 0, 3)]
    # a filter and an order together; the total does not depend on the order
    page = _page(tenant.admin, "/api/v1/tickets", priority="normal", sort="id")
    assert [t["id"] for t in page["items"]] == [numbers[0], numbers[3]] and page["total"] == 2


def test_a_nullable_sort_field_puts_the_missing_values_last_on_both_backends(world):
    tenant, ids = world
    first, second, third = (_ticket(tenant.admin, ids, title=f"工单{i}")["id"] for i in range(3))
    for action in ("accept", "resolve"):
        r = tenant.admin.post(f"/api/v1/tickets/{second}/transitions", json={"action": action})
        assert r.status_code == 200, r.get_json()
    assert _ids(tenant.admin, "/api/v1/tickets", sort="resolved_at") == [second, first, third]
    assert _ids(tenant.admin, "/api/v1/tickets", sort="-resolved_at") == [second, third, first]


def test_an_unknown_sort_field_is_a_422_naming_sort_and_the_fields_it_has(world):
    tenant, _ = world
    r = tenant.admin.get("/api/v1/tickets", query_string={"sort": "-price"})
    assert r.status_code == 422, r.get_json()
    [message] = r.get_json()["errors"]["query"]["sort"]
    assert message.startswith("不能按") and "'price'" in message, message  # Chinese first
    assert "created_at" in message and "priority" in message
    r = tenant.admin.get("/api/v1/tickets", query_string={"sort": "priority,title"},
                         headers={"Accept-Language": "en"})
    assert r.status_code == 422
    assert r.get_json()["errors"] == {"query": {"sort": [
        "Cannot sort by 'title'; sort by: id, created_at, priority, status, arrive_due_at, resolve_due_at, "
        "resolved_at."]}}
    for bad in ("", "id,", "--id", "id desc", "x" * 201):
        r = tenant.admin.get("/api/v1/tickets", query_string={"sort": bad})
        assert r.status_code == 422 and list(r.get_json()["errors"]["query"]) == ["sort"], (bad, r.get_json())
    # a list with fewer fields says its own
    r = tenant.admin.get("/api/v1/sites", query_string={"sort": "created_at"}, headers={"Accept-Language": "en"})
    assert r.get_json()["errors"]["query"]["sort"] == ["Cannot sort by 'created_at'; sort by: id, name, kind."]


def test_paging_is_stable_when_the_sort_field_ties(world):
    tenant, ids = world
    made = [_ticket(tenant.admin, ids, title=f"工单{i}", priority="urgent" if i % 3 else "normal")["id"]
            for i in range(7)]
    for sort in ("priority", "-priority", "status", "-status,priority"):
        seen = []
        for page in (1, 2, 3, 4):
            body = _page(tenant.admin, "/api/v1/tickets", sort=sort, page=page, per_page=2)
            assert body["total"] == 7 and body["page"] == page and body["per_page"] == 2
            seen += [t["id"] for t in body["items"]]
        assert sorted(seen) == sorted(made) and len(seen) == 7, (sort, seen)
    # within a tie: by id, in the direction of the last key
    assert _ids(tenant.admin, "/api/v1/tickets", sort="priority") == [made[i] for i in (0, 3, 6, 1, 2, 4, 5)]
    assert _ids(tenant.admin, "/api/v1/tickets", sort="-priority") == [made[i] for i in (5, 4, 2, 1, 6, 3, 0)]


def test_q_finds_a_ticket_by_its_number_and_titles_still_by_their_text(world):
    tenant, ids = world
    leak = _ticket(tenant.admin, ids, title="厨房漏水")
    other = _ticket(tenant.admin, ids, title="路灯不亮")
    numbered = _ticket(tenant.admin, ids, title=f"{other['id']}号楼路灯")
    assert _ids(tenant.admin, "/api/v1/tickets", q=str(leak["id"])) == [leak["id"]]
    assert _ids(tenant.admin, "/api/v1/tickets", q=f"#{leak['id']}") == [leak["id"]]
    assert _ids(tenant.admin, "/api/v1/tickets", q=f" # {leak['id']} ") == [leak["id"]]
    # the number, and any title holding it
    assert _ids(tenant.admin, "/api/v1/tickets", q=str(other["id"])) == [numbered["id"], other["id"]]
    assert _ids(tenant.admin, "/api/v1/tickets", q="漏水") == [leak["id"]]
    assert _ids(tenant.admin, "/api/v1/tickets", q="路灯") == [numbered["id"], other["id"]]
    assert _ids(tenant.admin, "/api/v1/tickets", q="999999999") == []
    assert _ids(tenant.admin, "/api/v1/tickets", q="99999999999999") == []  # past an integer column: text only


def test_q_by_number_finds_only_tickets_the_caller_may_read(world, wuye_make_tenant, wuye_register):
    tenant, ids = world
    theirs = _ticket(tenant.admin, ids)
    other = wuye_make_tenant("other-lists")
    assert _ids(other.admin, "/api/v1/tickets", q=str(theirs["id"])) == []
    other_ids = wuye_register(other)
    elsewhere = other.user("clerk", "community_staff", [other_ids["community"]])
    assert _ids(elsewhere, "/api/v1/tickets", q=f"#{theirs['id']}") == []


def test_a_tickets_history_and_attachments_are_pages_newest_first(world):
    tenant, ids = world
    ticket = _ticket(tenant.admin, ids)
    url = f"/api/v1/tickets/{ticket['id']}"
    for action in ("accept", "resolve"):
        assert tenant.admin.post(f"{url}/transitions", json={"action": action}).status_code == 200
    assert [h["action"] for h in _page(tenant.admin, f"{url}/transitions")["items"]] == ["resolve", "accept", "submit"]
    assert [h["action"] for h in _page(tenant.admin, f"{url}/transitions", sort="id")["items"]] == [
        "submit", "accept", "resolve"]
    assert _page(tenant.admin, f"{url}/attachments") == {"items": [], "total": 0, "page": 1, "per_page": 20}


# --- the register and the rest of the core ------------------------------------------------------------


def test_register_lists_are_newest_first_and_the_total_ignores_the_order(world):
    tenant, ids = world
    more = [tenant.admin.post("/api/v1/sites", json={"community_id": ids["community"], "name": name,
                                                     "kind": "compound"}).get_json()["id"] for name in ("乙", "甲")]
    everything = [ids["site"], *more]
    assert _ids(tenant.admin, "/api/v1/sites") == everything[::-1]
    assert _ids(tenant.admin, "/api/v1/sites", sort="id") == everything
    by_name = _page(tenant.admin, "/api/v1/sites", sort="name,-id")
    assert [s["name"] for s in by_name["items"]] == sorted(s["name"] for s in by_name["items"])
    assert by_name["total"] == 3
    # the total, cached per list and filters, is the same whatever the order
    for sort in ("id", "-name", "kind,name"):
        assert _page(tenant.admin, "/api/v1/sites", sort=sort)["total"] == 3
    assert _ids(tenant.admin, "/api/v1/households") == [ids["household"]]


def test_other_core_lists_are_newest_first(world):
    tenant, ids = world
    tenant.user("first", "readonly")
    tenant.user("second", "readonly")
    names = [u["username"] for u in _page(tenant.admin, "/api/v1/users")["items"]]
    assert names[:2] == ["second", "first"]
    assert [u["username"] for u in _page(tenant.admin, "/api/v1/users", sort="username")["items"]] == sorted(names)
    community = ids["community"]
    for _ in range(2):
        version = tenant.admin.get(f"/api/v1/communities/{community}/config").get_json()["version"]
        r = tenant.admin.put(f"/api/v1/communities/{community}/config", json={"version": version, "config": {}})
        assert r.status_code == 200, r.get_json()
    history = _page(tenant.admin, f"/api/v1/communities/{community}/config/history")
    versions = [row["version"] for row in history["items"]]
    assert versions == sorted(versions, reverse=True) and history["total"] == len(versions) >= 2
    oldest_first = _ids(tenant.admin, "/api/v1/audit", sort="at", per_page=100)
    assert len(oldest_first) >= 2 and _ids(tenant.admin, "/api/v1/audit", per_page=100) == oldest_first[::-1]


# --- plugins ------------------------------------------------------------------------------------


def test_plugin_lists_are_pages_with_the_same_rules(world, wuye_enable_plugin):
    tenant, ids = world
    community = ids["community"]
    wuye_enable_plugin(tenant, "red_property", community)
    dates = ["2096-03-01", "2096-01-01", "2096-02-01"]
    made = [tenant.admin.post(f"{RED}/communities/{community}/meetings", json={"scheduled_on": d}).get_json()["id"]
            for d in dates]
    path = f"{RED}/communities/{community}/meetings"
    assert _ids(tenant.admin, path) == made[::-1]
    assert [m["scheduled_on"] for m in _page(tenant.admin, path, sort="scheduled_on")["items"]] == sorted(dates)
    page = _page(tenant.admin, path, per_page=2, page=2)
    assert page["total"] == 3 and [m["id"] for m in page["items"]] == [made[0]]
    r = tenant.admin.get(path, query_string={"sort": "title"}, headers={"Accept-Language": "en"})
    assert r.status_code == 422
    assert r.get_json()["errors"]["query"]["sort"] == ["Cannot sort by 'title'; sort by: id, scheduled_on, status."]
    assert tenant.admin.get(path, query_string={"per_page": 101}).status_code == 422
    for list_path in ("agenda-items", "resolutions", "visits", "agreements", "dual-posts", "shared-services"):
        assert _page(tenant.admin, f"{RED}/communities/{community}/{list_path}")["total"] == 0


def test_care_lists_are_pages(world, wuye_enable_plugin):
    tenant, ids = world
    community = ids["community"]
    wuye_enable_plugin(tenant, "care_visits", community)
    worker = tenant.user("worker", "care_worker", [community])
    second = tenant.admin.post("/api/v1/residents", json={"household_id": ids["household"], "name": "余桂兰"})
    people = [worker.post(f"{CARE}/communities/{community}/people",
                          json={"resident_id": resident, "level": level}).get_json()["id"]
              for resident, level in ((ids["resident"], "B"), (second.get_json()["id"], "A"))]
    path = f"{CARE}/communities/{community}/people"
    assert _ids(worker, path) == people[::-1]
    assert _ids(worker, path, sort="level") == people[::-1]
    assert _ids(worker, path, sort="-level") == people
    assert _page(worker, path, per_page=1)["total"] == 2
    for list_path in ("visits", "referrals", "plans", "briefs"):
        assert _page(worker, f"{CARE}/communities/{community}/{list_path}")["total"] == 0
    r = worker.get(f"{CARE}/communities/{community}/visits", query_string={"sort": "visitors"})
    assert r.status_code == 422 and list(r.get_json()["errors"]["query"]) == ["sort"]


def test_volunteers_training_and_time_bank_lists_are_pages(world, wuye_enable_plugin):
    from datetime import date

    from wuye_volunteers.models import Member

    from wuye_core.extensions import db
    from wuye_core.tenancy import tenant_context

    tenant, ids = world
    community = ids["community"]
    wuye_enable_plugin(tenant, "volunteers", community, {"time_bank": True})
    with tenant.app.app_context(), tenant_context(tenant.id):
        members = [Member(community_id=community, name=name, kind="volunteer", joined_on=date(2024, 1, 1),
                          availability=[], consent_contact=False, created_by="test") for name in ("甲", "乙", "丙")]
        db.session.add_all(members)
        db.session.commit()
        member_ids = [m.id for m in members]
        db.session.remove()
    vl = "/api/v1/plugins/volunteers"
    made = []
    for day in ("2026-03-01", "2026-01-01", "2026-02-01"):
        r = tenant.admin.post(f"{vl}/communities/{community}/trainings",
                              json={"title": f"培训{day}", "held_on": day, "minutes": 60})
        assert r.status_code == 201, r.get_json()
        made.append(r.get_json()["id"])
    path = f"{vl}/communities/{community}/trainings"
    assert _ids(tenant.admin, path) == [made[0], made[2], made[1]]  # newest day first
    assert _ids(tenant.admin, path, sort="id") == made
    page = _page(tenant.admin, path, per_page=2, page=2)
    assert page["total"] == 3 and [t["id"] for t in page["items"]] == [made[1]]
    r = tenant.admin.get(path, query_string={"sort": "title"}, headers={"Accept-Language": "en"})
    assert r.status_code == 422 and list(r.get_json()["errors"]["query"]) == ["sort"]
    assert _page(tenant.admin, f"{vl}/members/{member_ids[0]}/trainings")["total"] == 0
    for member_id, points in zip(member_ids, (5, 30, 12), strict=True):
        r = tenant.admin.post(f"{vl}/members/{member_id}/time-bank/adjust", json={"points": points, "reason": "补录"})
        assert r.status_code == 201, r.get_json()
    balances = f"{vl}/communities/{community}/time-bank/balances"
    assert [b["member_id"] for b in _page(tenant.admin, balances)["items"]] == [member_ids[1], member_ids[2],
                                                                                 member_ids[0]]  # highest first
    assert [b["member_id"] for b in _page(tenant.admin, balances, sort="id")["items"]] == member_ids
    assert _page(tenant.admin, balances, per_page=1)["total"] == 3
    ledger = f"{vl}/members/{member_ids[1]}/time-bank/ledger"
    assert len(_ids(tenant.admin, ledger)) == 1 and _page(tenant.admin, ledger, sort="-at")["total"] == 1
    r = tenant.admin.get(balances, query_string={"sort": "points"})
    assert r.status_code == 422 and list(r.get_json()["errors"]["query"]) == ["sort"]


def test_the_list_machinery_is_public_for_plugins():
    import wuye_core.plugins as public

    assert {"PageArgs", "Sort", "page_schema", "paginate", "ranked"} <= set(public.__all__)
