"""我的物业费 (/h5/plugins/fees, resident.py): a resident sees only their households' bills and
payments; the overdue banner; a receipt of another household's payment (or a refund, or none) is
a 404; the receipt's download (the payments area's `receipts.receipt_pdf`); English with ?lang=en;
the plugin off is the core's 404."""

from __future__ import annotations

from datetime import timedelta

import pytest
from _fees_rows import bill, payment, unit, world
from wuye_fees.payment_codes import payment_code

H5 = "/h5/plugins/fees"
PHONE = "13800000000"  # wuye_register's resident 张三
NEIGHBOUR = "13700000005"  # of another household


@pytest.fixture
def w(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    env = world(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    admin = env.tenant.admin
    unit2 = admin.post("/api/v1/units", json={"building_id": env.ids["building"], "number": "102", "entrance": "1"})
    env.unit2 = unit2.get_json()["id"]
    env.other = admin.post("/api/v1/households", json={"unit_id": env.unit2, "kind": "owner"}).get_json()["id"]
    assert admin.post("/api/v1/residents", json={"household_id": env.other, "name": "赵六",
                                                 "phone": NEIGHBOUR}).status_code == 201
    today = env.today
    h = env.ids["household"]
    mine = unit(env.tenant, env.cid, env.site, "1栋101", unit_id=env.ids["unit"])
    theirs = unit(env.tenant, env.cid, env.site, "1栋102", unit_id=env.unit2)
    bill(env.tenant, env.cid, env.site, mine, 3931, "2026-01", h, due_on=today - timedelta(days=40),
         discount_fen=431, paid_fen=1000)
    bill(env.tenant, env.cid, env.site, mine, 3931, "2026-02", h, due_on=today + timedelta(days=5))
    bill(env.tenant, env.cid, env.site, mine, 3931, "2025-12", h, status="paid", paid_fen=3931)
    bill(env.tenant, env.cid, env.site, theirs, 7777, "2026-01", env.other, due_on=today - timedelta(days=3))
    env.my_payment = payment(env.tenant, env.cid, env.site, mine, 1000, household_id=h, receipt_no="SF2026-000007")
    env.my_refund = payment(env.tenant, env.cid, env.site, mine, -100, kind="refund", household_id=h)
    env.their_payment = payment(env.tenant, env.cid, env.site, theirs, 5000, household_id=env.other,
                                receipt_no="SF2026-000008")
    env.mine, env.theirs = mine, theirs
    return env


def test_a_resident_sees_only_their_households_bills(w):
    me = w.tenant.resident(w.cid, phone=PHONE)
    r = me.get(f"{H5}/?lang=en")
    assert r.status_code == 200
    page = r.get_data(as_text=True)
    assert "My property fees" in page
    assert f'data-household="{w.ids["household"]}"' in page and f'data-household="{w.other}"' not in page
    assert 'data-period="2026-01"' in page and 'data-period="2026-02"' in page
    assert 'data-period="2025-12"' not in page  # paid: not open
    assert "77.77" not in page  # the neighbour's bill
    assert 'data-owed="6431"' in page  # 2500 + 3931
    assert 'data-overdue="2500"' in page and "1 bill(s) overdue: 25.00 yuan" in page
    assert "discount 4.31" in page and "paid 10.00" in page
    assert f'href="{H5}/receipts/{w.my_payment}.pdf"' in page
    assert f"/receipts/{w.their_payment}.pdf" not in page and f"/receipts/{w.my_refund}.pdf" not in page
    assert 'href="/h5/disclosures"' in page
    # the unit's code for paying at a bank or by WeChat, not the neighbour's
    assert f"<strong>{payment_code(w.mine)}</strong>" in page and payment_code(w.theirs) not in page
    assert "fees-resident.css" in page
    # the neighbour sees theirs, overdue too
    them = w.tenant.resident(w.cid, phone=NEIGHBOUR)
    page = them.get(f"{H5}/?lang=en").get_data(as_text=True)
    assert 'data-owed="7777"' in page and f'data-household="{w.ids["household"]}"' not in page
    assert f'href="{H5}/receipts/{w.their_payment}.pdf"' in page


def test_every_resident_of_the_household_sees_its_bills(w):
    r = w.tenant.admin.post("/api/v1/residents", json={"household_id": w.ids["household"], "name": "孙七",
                                                       "phone": "13600000006"})
    assert r.status_code == 201
    page = w.tenant.resident(w.cid, phone="13600000006").get(f"{H5}/?lang=en").get_data(as_text=True)
    assert 'data-owed="6431"' in page  # the same household: the same bills


def test_receipts_only_of_my_households(w):
    me = w.tenant.resident(w.cid, phone=PHONE)
    assert me.get(f"{H5}/receipts/{w.their_payment}.pdf").status_code == 404
    assert me.get(f"{H5}/receipts/{w.my_refund}.pdf").status_code == 404
    assert me.get(f"{H5}/receipts/999999.pdf").status_code == 404
    r = me.get(f"{H5}/receipts/{w.my_payment}.pdf")
    assert r.status_code == 200 and r.data.startswith(b"%PDF") and r.mimetype == "application/pdf"
    assert "SF2026-000007" in r.headers["Content-Disposition"]
    assert me.get(f"{H5}/receipts/{w.their_payment}.pdf").status_code == 404


def test_the_plugin_off_is_a_404(w):
    me = w.tenant.resident(w.cid, phone=PHONE)
    assert me.get(f"{H5}/").status_code == 200
    url = f"/api/v1/communities/{w.cid}/plugins/fees"
    assert w.tenant.admin.put(url, json={"enabled": False, "config": {}}).status_code == 200
    assert me.get(f"{H5}/").status_code == 404
