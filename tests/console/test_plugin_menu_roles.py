"""The console's menu for a plugin role that does not read the register (API 1.11): an entry
given `roles` shows to a holder of one of them where the plugin is enabled for a community the
grant covers — the welfare-jobs worker (`Role(can_read=False)`) reaches their own phone page —
and nowhere else; entries for reading roles keep their rule."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.usefixtures("_wuye_clean_database")

ENTRY = 'href="/console/plugins/welfare_jobs/me"'


def test_a_role_that_reads_nothing_gets_the_entries_made_for_it(wuye_make_tenant, wuye_register,
                                                                wuye_enable_plugin):
    tenant = wuye_make_tenant("acme")
    ids = wuye_register(tenant)
    other = tenant.admin.post("/api/v1/communities", json={"name": "二社区", "code": "c2"}).get_json()["id"]
    wuye_enable_plugin(tenant, "welfare_jobs", ids["community"])
    tenant.user("worker", "welfare_jobs_worker", [ids["community"]])
    tenant.user("elsewhere", "welfare_jobs_worker", [other])  # the plugin is off in that community
    tenant.user("reader", "readonly", [ids["community"]])

    home = tenant.console("worker", "password-123").get("/console/").get_data(as_text=True)
    assert ENTRY in home and "我的岗位" in home
    assert 'href="/console/plugins/welfare_jobs/"' not in home  # the managers' entry is not theirs
    assert ENTRY not in tenant.console("elsewhere", "password-123").get("/console/").get_data(as_text=True)
    reader = tenant.console("reader", "password-123").get("/console/").get_data(as_text=True)
    assert ENTRY not in reader and 'href="/console/plugins/welfare_jobs/"' not in reader

    # off in the worker's community: the entry goes with it
    url = f"/api/v1/communities/{ids['community']}/plugins/welfare_jobs"
    assert tenant.admin.put(url, json={"enabled": False}).status_code == 200
    assert ENTRY not in tenant.console("worker", "password-123").get("/console/").get_data(as_text=True)
