"""Shared set-up of the members' and teams' tests: not a test module."""

from __future__ import annotations

from datetime import date

P = "/api/v1/plugins/volunteers"
C = "/console/plugins/volunteers"
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def id_number(born: date = date(1980, 5, 17), serial: int = 1, male: bool = True, area: str = "370202") -> str:
    """A valid 18-character ID number (check digit computed) for someone born on `born`."""
    seq = serial * 2 + (1 if male else 0)  # odd: male
    body = f"{area}{born:%Y%m%d}{seq % 1000:03d}"
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, WEIGHTS, strict=True)) % 11]


def refused(response, status: int, field: str, words: str = "") -> dict:
    """The response is a refusal with `status`, naming `field`, its message holding `words`."""
    body = response.get_json()
    assert response.status_code == status, body
    errors = body.get("errors", {})
    flat = {}
    for inner in errors.values():
        flat.update(inner)
    assert field in flat, body
    assert words in " ".join(map(str, flat[field])), flat[field]
    return body


class Alliance:
    """A tenant with the plugin on in its community: the alliance manager, an activity organiser,
    community staff (no alliance role)."""

    def __init__(self, tenant, ids, slug):
        self.tenant, self.ids, self.cid, self.slug = tenant, ids, ids["community"], slug
        self.mgr = tenant.user(f"{slug}-mgr", "volunteers_manager", [self.cid])
        self.org = tenant.user(f"{slug}-org", "volunteers_organiser", [self.cid])
        self.staff = tenant.user(f"{slug}-staff", "community_staff", [self.cid])

    def member(self, name="王秀兰", phone="13912345678", **over) -> dict:
        body = {"name": name, "kind": "volunteer", "phone": phone}
        body.update(over)
        r = self.mgr.post(f"{P}/communities/{self.cid}/members", json=body)
        assert r.status_code == 201, r.get_json()
        return r.get_json()

    def team(self, name="环保督导队", kind="environment", **over) -> dict:
        body = {"name": name, "kind": kind}
        body.update(over)
        r = self.mgr.post(f"{P}/communities/{self.cid}/teams", json=body)
        assert r.status_code == 201, r.get_json()
        return r.get_json()

    def console(self, who="mgr"):
        return self.tenant.console(f"{self.slug}-{who}", "password-123")


def alliance(wuye_make_tenant, wuye_register, wuye_enable_plugin, slug="acme", config=None) -> Alliance:
    tenant = wuye_make_tenant(slug)
    ids = wuye_register(tenant)
    wuye_enable_plugin(tenant, "volunteers", ids["community"], config)
    return Alliance(tenant, ids, slug)
