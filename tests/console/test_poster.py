"""A community's gate poster (#19 item 2): its name, the call to scan, the QR code of the residents'
link — which opens the community's entry page — the link in letters and the service phone."""

from __future__ import annotations

import re

import segno

from wuye_core.testing import console_login

from ..test_resident_tickets import set_service_phone


def test_the_gate_poster_carries_the_residents_link_and_the_service_phone(wuye_app, wuye_make_tenant,
                                                                          wuye_register):
    tenant = wuye_make_tenant("acme")
    ids = wuye_register(tenant)
    set_service_phone(tenant, ids["community"], "0571-12345")
    console = console_login(wuye_app, "acme", "admin", "admin-pass-123")
    community_page = console.get(f"/console/register/communities/{ids['community']}").get_data(as_text=True)
    poster_url = f"/console/register/communities/{ids['community']}/poster"
    assert poster_url in community_page

    r = console.get(poster_url)
    page = r.get_data(as_text=True)
    assert r.status_code == 200 and "社区" in page and "扫码报修、查看通知" in page and "0571-12345" in page
    link = re.search(r'<p class="poster-link">([^<]+)</p>', page).group(1)
    assert re.fullmatch(r"http://localhost/h5/c/acme/\d+-[0-9a-f]{10}", link), link
    svg = re.search(r"<svg.*?</svg>", page, re.DOTALL).group(0)
    assert svg == segno.make(link, error="m").svg_inline(scale=1, border=4, omitsize=True, dark="#000")
    entry = wuye_app.test_client().get(link.removeprefix("http://localhost"))
    assert entry.status_code == 200 and 'href="tel:0571-12345"' in entry.get_data(as_text=True)
