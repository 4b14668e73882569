"""Shared set-up of the roster's tests (posts, workers, placements): not a test module."""

from __future__ import annotations

from datetime import date

P = "/api/v1/plugins/welfare_jobs"
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def id_number(born: date, serial: int = 1, male: bool = True, area: str = "420117") -> str:
    """A valid 18-character ID number (check digit computed) for someone born on `born`."""
    seq = serial * 2 + (1 if male else 0)  # odd: male
    body = f"{area}{born:%Y%m%d}{seq % 1000:03d}"
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, WEIGHTS, strict=True)) % 11]


def years_ago(today: date, years: int, days: int = 0) -> date:
    from datetime import timedelta

    try:
        day = today.replace(year=today.year - years)
    except ValueError:
        day = date(today.year - years, 3, 1)
    return day - timedelta(days=days)


class Roster:
    """A tenant with the plugin on in its community, a manager, a team leader, community staff."""

    def __init__(self, tenant, ids, slug):
        self.tenant, self.ids, self.cid = tenant, ids, ids["community"]
        self.mgr = tenant.user(f"{slug}-mgr", "welfare_jobs_manager", [self.cid])
        self.leader = tenant.user(f"{slug}-lead", "welfare_jobs_team_leader", [self.cid])
        self.staff = tenant.user(f"{slug}-staff", "community_staff", [self.cid])

    def post(self, **over):
        body = {"kind": "cleaning", "name": "张家湾保洁岗", "site_id": self.ids["site"], "headcount": 2,
                "approval_ref": "东人社〔2026〕12号", "approved_from": "2020-01-01"}
        body.update(over)
        r = self.mgr.post(f"{P}/communities/{self.cid}/posts", json=body)
        assert r.status_code == 201, r.get_json()
        return r.get_json()

    def worker(self, name="李秀英", born=date(1975, 3, 8), serial=1, male=False, **over):
        body = {"name": name, "id_number": id_number(born, serial, male), "phone": "13912345678",
                "group": "landless_farmer", "evidence_ref": "被征地农民认定书 2019-033",
                "land_acquired_year": 2012, "land_village": "张家湾村三组",
                "bank_name": "农业银行", "bank_account": "6228480012345678901"}
        body.update(over)
        r = self.mgr.post(f"{P}/communities/{self.cid}/workers", json=body)
        assert r.status_code == 201, r.get_json()
        return r.get_json()

    def place(self, worker_id, post_id, starts_on, **over):
        body = {"worker_id": worker_id, "post_id": post_id, "starts_on": str(starts_on)}
        body.update(over)
        return self.mgr.post(f"{P}/communities/{self.cid}/placements", json=body)


def roster(wuye_make_tenant, wuye_register, wuye_enable_plugin, slug="acme", config=None) -> Roster:
    tenant = wuye_make_tenant(slug)
    ids = wuye_register(tenant)
    wuye_enable_plugin(tenant, "welfare_jobs", ids["community"], config)
    return Roster(tenant, ids, slug)
