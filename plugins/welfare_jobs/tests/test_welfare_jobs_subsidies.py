"""Monthly subsidies: the arithmetic on chosen numbers, the figures kept on the rows, recompute,
submission, who may, and two computes at once. Test data goes straight into the tables
(_subsidy_rows); the month is November 2025 (30 days)."""

from __future__ import annotations

from datetime import date

from _subsidy_rows import P, add_days, add_placement, add_post, add_worker, placed, rows, setup
from wuye_welfare_jobs.models import Placement, Subsidy
from wuye_welfare_jobs.subsidies import half_up, insurance_subsidy_fen, post_subsidy_fen

from wuye_core.plugins import local_today

NOV = date(2025, 11, 1)
FULL_INSURANCE = 107_149  # 433,800 × 24.70% = 107,148.6 fen, rounded half up


def url(ids, month="2025-11", action=""):
    return f"{P}/communities/{ids['community']}/subsidies/{month}{action}"


def by_name(body):
    return {row["worker_name"]: row for row in body["rows"]["items"]}


def test_the_arithmetic_is_integer_and_rounds_half_up():
    assert half_up(5, 2) == 3 and half_up(1, 2) == 1 and half_up(4, 3) == 1 and half_up(0, 7) == 0
    assert post_subsidy_fen(221_000, 22, 22) == 221_000
    assert post_subsidy_fen(221_000, 25, 22) == 221_000  # never more than the minimum wage
    assert post_subsidy_fen(221_000, 7, 22) == 70_318  # 70,318.18…
    assert post_subsidy_fen(100_001, 1, 2) == 50_001  # 50,000.5 → up (not to even)
    assert post_subsidy_fen(221_000, 0, 22) == 0
    assert insurance_subsidy_fen(433_800, 2_470, 1) == FULL_INSURANCE
    assert insurance_subsidy_fen(100_005, 5_000, 3) == 50_003  # 50,002.5 → up
    assert insurance_subsidy_fen(433_800, 2_470, 0) == 0  # no counted day: no insurance subsidy
    # large figures stay exact (a float would drift): 9,999,999 × 31 / 31
    assert post_subsidy_fen(9_999_999, 31, 31) == 9_999_999 and post_subsidy_fen(9_999_999, 30, 31) == 9_677_418


def test_a_month_full_partial_leave_and_moves(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    tenant = wuye_make_tenant("acme")
    ids, manager = setup(tenant, wuye_register, wuye_enable_plugin)
    app = wuye_app
    clean = add_post(app, tenant, ids, "张家湾保洁岗")
    guard = add_post(app, tenant, ids, "还建小区保安岗", kind="security")
    # full: 22 days present
    full, p_full = placed(app, tenant, ids, "王大山", clean, date(2025, 3, 1))
    add_days(app, tenant, ids, full, p_full, clean, NOV, 22)
    # more than required: still the minimum wage
    over, p_over = placed(app, tenant, ids, "李满勤", clean, date(2025, 3, 1))
    add_days(app, tenant, ids, over, p_over, clean, NOV, 26)
    # partial: 5 present + 2 annual leave (paid) + 3 personal leave (unpaid) + 1 absent = 7 counted
    part, p_part = placed(app, tenant, ids, "张小芳", clean, date(2025, 3, 1), gender="female")
    day = add_days(app, tenant, ids, part, p_part, clean, NOV, 5)
    day = add_days(app, tenant, ids, part, p_part, clean, day, 2, "leave", "annual")
    day = add_days(app, tenant, ids, part, p_part, clean, day, 3, "leave", "personal")
    add_days(app, tenant, ids, part, p_part, clean, day, 1, "absent")
    # on post all month but no counted day (sick leave is unpaid by default): nothing at all
    sick, p_sick = placed(app, tenant, ids, "赵病休", clean, date(2025, 3, 1))
    add_days(app, tenant, ids, sick, p_sick, clean, NOV, 10, "leave", "sick")
    # moved posts on the 11th: one row, for the placement covering more days (security, 20 days)
    moved = add_worker(app, tenant, ids, "钱调岗")
    first = add_placement(app, tenant, ids, moved, clean, date(2025, 3, 1), exited_on=date(2025, 11, 10))
    second = add_placement(app, tenant, ids, moved, guard, date(2025, 11, 11))
    add_days(app, tenant, ids, moved, first, clean, NOV, 8)
    add_days(app, tenant, ids, moved, second, guard, date(2025, 11, 11), 12)
    # left in October: not in November's claim
    _gone, left = placed(app, tenant, ids, "孙已离岗", clean, date(2025, 1, 1))
    with rows(app, tenant) as session:
        session.get(Placement, left).exited_on = date(2025, 10, 31)

    r = manager.post(url(ids, action="/compute"))
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert body["status"] == "draft" and body["month"] == "2025-11" and body["computed_by"] == "mgr"
    got = by_name(manager.get(url(ids), query_string={"per_page": 100}).get_json())
    assert set(got) == {"王大山", "李满勤", "张小芳", "赵病休", "钱调岗"}
    assert (got["王大山"]["days_required"], got["王大山"]["days_counted"]) == (22, 22)
    assert (got["王大山"]["post_subsidy_fen"], got["王大山"]["insurance_subsidy_fen"]) == (221_000, FULL_INSURANCE)
    assert got["王大山"]["total_fen"] == 221_000 + FULL_INSURANCE
    assert (got["李满勤"]["days_counted"], got["李满勤"]["post_subsidy_fen"]) == (26, 221_000)
    assert (got["张小芳"]["days_counted"], got["张小芳"]["post_subsidy_fen"]) == (7, 70_318)
    assert got["张小芳"]["insurance_subsidy_fen"] == FULL_INSURANCE
    assert (got["赵病休"]["days_counted"], got["赵病休"]["post_subsidy_fen"], got["赵病休"]["insurance_subsidy_fen"]) \
        == (0, 0, 0)
    assert (got["钱调岗"]["placement_id"], got["钱调岗"]["post_id"], got["钱调岗"]["post_name"]) \
        == (second, guard, "还建小区保安岗")
    assert got["钱调岗"]["days_counted"] == 20  # both posts' days count: 20 of 22 → 200,909.09…
    assert got["钱调岗"]["post_subsidy_fen"] == 200_909
    # the figures used are on each row; the ID number is masked
    row = got["王大山"]
    assert (row["minimum_wage_fen"], row["insurance_base_fen"], row["insurance_rate_bp"]) == (221_000, 433_800, 2_470)
    assert row["id_number_masked"].startswith("420") and "*" in row["id_number_masked"]
    assert len(row["id_number_masked"]) == 18 and row["id_number_masked"][3:14] == "*" * 11
    # totals
    posts = 221_000 + 221_000 + 70_318 + 0 + 200_909
    state = manager.get(url(ids)).get_json()
    assert (state["people"], state["post_total_fen"], state["insurance_total_fen"]) == (5, posts, 4 * FULL_INSURANCE)
    assert state["total_fen"] == posts + 4 * FULL_INSURANCE
    # the roster's order: by post, then name (security's 钱调岗 apart from the cleaners)
    names = [i["worker_name"] for i in state["rows"]["items"]]
    assert names.index("钱调岗") in (0, 4) and state["rows"]["total"] == 5


def test_paid_leave_follows_the_config_and_figures_stay_on_the_rows(wuye_app, wuye_make_tenant, wuye_register,
                                                                     wuye_enable_plugin):
    tenant = wuye_make_tenant("acme")
    config = {"minimum_wage_fen": 100_001, "work_days_per_month": 2, "insurance_base_fen": 100_005,
              "insurance_rate_bp": 5_000, "paid_leave_kinds": ["sick"]}
    ids, manager = setup(tenant, wuye_register, wuye_enable_plugin, config)
    post = add_post(wuye_app, tenant, ids)
    worker, placement = placed(wuye_app, tenant, ids, "周一天", post, date(2025, 6, 1))
    add_days(wuye_app, tenant, ids, worker, placement, post, NOV, 1, "leave", "sick")  # paid here
    add_days(wuye_app, tenant, ids, worker, placement, post, date(2025, 11, 20), 1, "leave", "annual")  # not here
    row = manager.post(url(ids, action="/compute")).get_json()["rows"]["items"][0]
    assert (row["days_counted"], row["post_subsidy_fen"], row["insurance_subsidy_fen"]) == (1, 50_001, 50_003)

    # the city raises the minimum wage: the draft keeps what it was computed with until recomputed
    r = tenant.admin.put(f"/api/v1/communities/{ids['community']}/plugins/welfare_jobs",
                         json={"enabled": True, "config": {**config, "minimum_wage_fen": 230_000}})
    assert r.status_code == 200, r.get_json()
    row = manager.get(url(ids)).get_json()["rows"]["items"][0]
    assert (row["minimum_wage_fen"], row["post_subsidy_fen"]) == (100_001, 50_001)
    row = manager.post(url(ids, action="/compute")).get_json()["rows"]["items"][0]
    assert (row["minimum_wage_fen"], row["post_subsidy_fen"]) == (230_000, 115_000)


def test_recompute_replaces_the_draft(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    tenant = wuye_make_tenant("acme")
    ids, manager = setup(tenant, wuye_register, wuye_enable_plugin)
    post = add_post(wuye_app, tenant, ids)
    a, pa = placed(wuye_app, tenant, ids, "吴甲", post, date(2025, 1, 1))
    b, pb = placed(wuye_app, tenant, ids, "郑乙", post, date(2025, 1, 1))
    add_days(wuye_app, tenant, ids, a, pa, post, NOV, 11)
    first = manager.post(url(ids, action="/compute")).get_json()
    assert first["people"] == 2 and by_name(first)["吴甲"]["post_subsidy_fen"] == 110_500
    # more attendance recorded, and 郑乙's placement turns out to have ended in October
    add_days(wuye_app, tenant, ids, a, pa, post, date(2025, 11, 12), 11)
    with rows(wuye_app, tenant) as session:
        session.get(Placement, pb).exited_on = date(2025, 10, 31)
    again = manager.post(url(ids, action="/compute")).get_json()
    assert again["id"] == first["id"] and again["people"] == 1
    assert [(r["worker_name"], r["days_counted"], r["post_subsidy_fen"]) for r in again["rows"]["items"]] == [
        ("吴甲", 22, 221_000)]
    assert again["post_total_fen"] == 221_000 and again["insurance_total_fen"] == FULL_INSURANCE
    with rows(wuye_app, tenant) as session:
        assert session.query(Subsidy).count() == 1  # the old rows are gone, not kept beside


def test_submission_is_final(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    tenant = wuye_make_tenant("acme")
    ids, manager = setup(tenant, wuye_register, wuye_enable_plugin)
    # never computed: its state says so; it cannot be submitted or downloaded
    state = manager.get(url(ids)).get_json()
    assert (state["status"], state["people"], state["rows"]["items"]) == ("not_computed", 0, [])
    r = manager.post(url(ids, action="/submit"))
    assert r.status_code == 409 and r.get_json()["errors"]["status"] == "not_computed"
    assert manager.get(url(ids, action="/roster.xlsx")).status_code == 409
    # computed with nobody on post: nothing to submit
    assert manager.post(url(ids, action="/compute")).get_json()["people"] == 0
    r = manager.post(url(ids, action="/submit"))
    assert r.status_code == 409 and "nobody" in manager.post(url(ids, action="/submit") + "?lang=en").get_json()[
        "message"]
    post = add_post(wuye_app, tenant, ids)
    worker, placement = placed(wuye_app, tenant, ids, "冯丙", post, date(2025, 1, 1))
    add_days(wuye_app, tenant, ids, worker, placement, post, NOV, 3)
    assert manager.post(url(ids, action="/compute")).get_json()["people"] == 1
    r = manager.post(url(ids, action="/submit"))
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert (body["status"], body["submitted_by"], body["submitted_on"]) == ("submitted", "mgr",
                                                                           local_today().isoformat())
    # submitted: no recompute, no second submission — and nothing changed
    r = manager.post(url(ids, action="/compute"))
    assert r.status_code == 409 and r.get_json()["errors"]["status"] == "submitted"
    assert "已申报" in r.get_json()["message"]
    assert manager.post(url(ids, action="/submit")).status_code == 409
    assert manager.get(url(ids)).get_json()["post_total_fen"] == body["post_total_fen"] == 30_136


def test_the_month_is_checked(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    tenant = wuye_make_tenant("acme")
    ids, manager = setup(tenant, wuye_register, wuye_enable_plugin)
    today = local_today()
    future = f"{today.year + 1}-01"
    for action in ("/compute", "/submit"):
        r = manager.post(url(ids, future, action))
        assert r.status_code == 422 and "month" in r.get_json()["errors"]["path"], r.get_json()
        assert future in r.get_json()["errors"]["path"]["month"][0]
    for bad in ("2025-13", "2025-1", "november", "1999-12"):
        r = manager.get(url(ids, bad))
        assert r.status_code == 422 and "month" in r.get_json()["errors"]["path"], (bad, r.get_json())
    # this month may be computed (a draft as it stands so far)
    assert manager.post(url(ids, today.strftime("%Y-%m"), "/compute")).status_code == 200


def test_only_the_roster_manager(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    tenant = wuye_make_tenant("acme")
    ids, _manager = setup(tenant, wuye_register, wuye_enable_plugin)
    leader = tenant.user("leader", "welfare_jobs_team_leader", [ids["community"]])
    staff = tenant.user("clerk", "community_staff", [ids["community"]])
    for client in (leader, staff):
        for method, action in (("POST", "/compute"), ("POST", "/submit"), ("GET", ""), ("GET", "/roster.xlsx")):
            r = client.request(method, url(ids, action=action))
            assert r.status_code == 403, (method, action, r.get_json())
    # the tenant's admin may
    assert tenant.admin.post(url(ids, action="/compute")).status_code == 200


def test_two_computes_at_once_leave_one_consistent_draft(wuye_app, wuye_make_tenant, wuye_register,
                                                          wuye_enable_plugin, wuye_race):
    tenant = wuye_make_tenant("acme")
    ids, manager = setup(tenant, wuye_register, wuye_enable_plugin)
    post = add_post(wuye_app, tenant, ids)
    for n, name in enumerate(["甲", "乙", "丙", "丁"]):
        worker, placement = placed(wuye_app, tenant, ids, name, post, date(2025, 1, 1))
        add_days(wuye_app, tenant, ids, worker, placement, post, NOV, 5 * n + 3)
    # the month does not exist yet: the first computes race to create it too
    responses = wuye_race(manager, "POST", url(ids, action="/compute"), n=8)
    assert {r.status_code for r in responses} == {200}, [r.get_json() for r in responses if r.status_code != 200]
    assert len({r.get_json()["id"] for r in responses}) == 1
    raced = manager.get(url(ids)).get_json()
    with rows(wuye_app, tenant) as session:
        assert session.query(Subsidy).count() == 4
    single = manager.post(url(ids, action="/compute")).get_json()
    for key in ("people", "post_total_fen", "insurance_total_fen"):
        assert raced[key] == single[key], key
    assert single["people"] == 4
    assert single["post_total_fen"] == sum(post_subsidy_fen(221_000, d, 22) for d in (3, 8, 13, 18))
