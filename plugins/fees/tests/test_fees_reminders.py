"""Reminders (reminders.py): who is due one (bills ≥ reminder_after_days past due, per unit), one
text per household (its first resident with a mobile number; a unit's own payer on theirs), not
again within reminder_every_days, a Reminder row each with its result (sent / logged / failed),
the job's path (by the console, and daily where the config's `reminders` is on), reminders made by
hand. SMS: the core's `send_sms` (API 1.13), replaced here by a recorder."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from _fees_rows import C, P, bill, rows, unit, world
from sqlalchemy import update
from wuye_fees import reminders
from wuye_fees.models import Reminder

from wuye_core.plugins import DomainError, db, tenant_context

PUBLIC = "https://wuye.example.cn"


@pytest.fixture
def w(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin, monkeypatch):
    """Household H (张三 13800000000, and 李四 13700000001 registered after him): home 101 with a bill
    40 days overdue and one 10 days overdue, and a parking space with one 35 days overdue (one
    text for both units). Household G (no phone at all): a bill 60 days overdue. A shop let to an
    outsider (payer phone 13900000009): 45 days overdue. Unit 103: only 10 days overdue."""
    env = world(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    env.app = wuye_app
    admin = env.tenant.admin
    assert admin.post("/api/v1/residents", json={"household_id": env.ids["household"], "name": "李四",
                                                 "phone": "13700000001"}).status_code == 201
    unit2 = admin.post("/api/v1/units", json={"building_id": env.ids["building"], "number": "102", "entrance": "1"})
    g = admin.post("/api/v1/households", json={"unit_id": unit2.get_json()["id"], "kind": "owner"}).get_json()["id"]
    assert admin.post("/api/v1/residents", json={"household_id": g, "name": "王五"}).status_code == 201
    today = env.today
    h = env.ids["household"]
    home = unit(env.tenant, env.cid, env.site, "1栋101", unit_id=env.ids["unit"])
    parking = unit(env.tenant, env.cid, env.site, "车位A-1", kind="parking", area=None)
    other = unit(env.tenant, env.cid, env.site, "1栋102")
    shop = unit(env.tenant, env.cid, env.site, "商铺1", kind="shop", payer_name="某超市", payer_phone="139-0000-0009")
    late = unit(env.tenant, env.cid, env.site, "1栋103")
    bill(env.tenant, env.cid, env.site, home, 3931, "2026-01", h, due_on=today - timedelta(days=40))
    bill(env.tenant, env.cid, env.site, home, 3931, "2026-02", h, due_on=today - timedelta(days=10))
    bill(env.tenant, env.cid, env.site, parking, 10000, "2026-01", h, due_on=today - timedelta(days=35))
    bill(env.tenant, env.cid, env.site, other, 4000, "2026-01", g, due_on=today - timedelta(days=60))
    bill(env.tenant, env.cid, env.site, shop, 50000, "2026-01", None, due_on=today - timedelta(days=45))
    bill(env.tenant, env.cid, env.site, late, 4000, "2026-01", None, due_on=today - timedelta(days=10))
    env.units = {"home": home, "parking": parking, "other": other, "shop": shop, "late": late}
    env.g = g
    env.texts = []

    def fake_send(phone, text, purpose):
        env.texts.append((phone, text, purpose))
        return env.accept

    env.accept = False  # no SMS provider: the core logs it
    monkeypatch.setattr(reminders, "send_sms", fake_send)
    monkeypatch.setattr(wuye_app.config["WUYE"], "public_url", PUBLIC)
    return env


def _in(env, fn):
    with env.app.test_request_context(), tenant_context(env.tenant.id):
        try:
            return fn()
        finally:
            db.session.remove()


def test_who_is_due(w):
    due = _in(w, lambda: reminders.due(w.cid))
    assert [(r["label"], r["owed_fen"], r["bills"]) for r in due] == [
        ("商铺1", 50000, 1), ("车位A-1", 10000, 1), ("1栋102", 4000, 1), ("1栋101", 3931, 1)]
    assert {r["label"]: r["household_id"] for r in due}["1栋101"] == w.ids["household"]
    # after 5 days, 103's bill is due a reminder too (10 days past due)
    assert len(_in(w, lambda: reminders.due(w.cid, after_days=5))) == 5
    r = w.cashier.get(f"{P}/communities/{w.cid}/reminders/due")
    body = r.get_json()
    assert r.status_code == 200 and body["total"] == 4 and sum(i["owed_fen"] for i in body["items"]) == 67931
    assert [i["label"] for i in body["items"]] == ["商铺1", "车位A-1", "1栋102", "1栋101"]  # most owed first
    page = w.cashier.get(f"{P}/communities/{w.cid}/reminders/due?sort=label&per_page=2&page=2").get_json()
    assert [i["label"] for i in page["items"]] == ["商铺1", "车位A-1"] and page["total"] == 4
    assert w.clerk.get(f"{P}/communities/{w.cid}/reminders/due").status_code == 403


def test_the_job_texts_each_household_once_and_records_it(w, wuye_run_job):
    done = wuye_run_job(w.tenant, "fees", "send_reminders", community_id=w.cid, by="cashier")
    counts = done[w.cid]
    assert counts["due"] == 4 and counts["texted"] == 2 and counts["logged"] == 2 and counts["no_phone"] == 1
    phones = sorted(phone for phone, _t, _p in w.texts)
    assert phones == ["13800000000", "13900000009"]  # 张三 (first registered) for home + parking; the shop's payer
    text = next(t for phone, t, _p in w.texts if phone == "13800000000")
    assert {p for _ph, _t, p in w.texts} == {"fees_reminder"}
    assert "139.31" in text and f"{PUBLIC}/h5/c/{w.tenant.slug}/" in text and "h5%2Fplugins%2Ffees" in text
    made = rows(w.tenant, Reminder)
    assert len(made) == 2
    household = next(r for r in made if r["household_id"] == w.ids["household"])
    assert (household["channel"], household["owed_fen"], household["bills"], household["result"],
            household["sent_by"]) == ("sms", 13931, 2, "logged", "cashier")
    assert household["fee_unit_id"] == min(w.units["home"], w.units["parking"])
    shop = next(r for r in made if r["household_id"] is None)
    assert (shop["fee_unit_id"], shop["owed_fen"], shop["result"]) == (w.units["shop"], 50000, "logged")

    # again at once: nobody twice within reminder_every_days
    again = wuye_run_job(w.tenant, "fees", "send_reminders", community_id=w.cid, by="cashier")[w.cid]
    assert again["texted"] == 0 and again["recent"] == 2 and len(w.texts) == 2
    # 31 days later (the interval is 30), both are texted again; a provider takes them now
    with w.app.app_context(), tenant_context(w.tenant.id):
        db.session.execute(update(Reminder).values(sent_at=datetime.now(UTC) - timedelta(days=31)))
        db.session.commit()
        db.session.remove()
    w.accept = True
    later = wuye_run_job(w.tenant, "fees", "send_reminders", community_id=w.cid, by="system")[w.cid]
    assert later["sent"] == 2 and len(w.texts) == 4
    assert sorted(r["result"] for r in rows(w.tenant, Reminder)) == ["logged", "logged", "sent", "sent"]


def test_a_failed_text_is_recorded_and_tried_again(w, wuye_run_job, monkeypatch):
    def broken(phone, text, purpose):
        raise DomainError("no")

    monkeypatch.setattr(reminders, "send_sms", broken)
    counts = wuye_run_job(w.tenant, "fees", "send_reminders", community_id=w.cid, by="system")[w.cid]
    assert counts["failed"] == 2
    assert {r["result"] for r in rows(w.tenant, Reminder)} == {"failed"}
    monkeypatch.setattr(reminders, "send_sms", lambda phone, text, purpose: True)
    counts = wuye_run_job(w.tenant, "fees", "send_reminders", community_id=w.cid, by="system")[w.cid]
    assert counts["sent"] == 2  # a failed text does not count against the interval


def test_the_daily_job_only_where_reminders_are_on(w, wuye_run_job):
    url = f"/api/v1/communities/{w.cid}/plugins/fees"
    assert w.tenant.admin.put(url, json={"enabled": True, "config": {"reminders": False}}).status_code == 200
    assert wuye_run_job(w.tenant, "fees", "send_reminders") == {}
    assert w.texts == []
    assert w.tenant.admin.put(url, json={"enabled": True, "config": {"reminders": True, "reminder_after_days": 50,
                                                                      "reminder_every_days": 7}}).status_code == 200
    done = wuye_run_job(w.tenant, "fees", "send_reminders")
    assert done[w.cid]["due"] == 1 and done[w.cid]["no_phone"] == 1 and w.texts == []  # only G's bill is 60 days
    assert reminders.SCHEDULES[0].job == "send_reminders" and reminders.SCHEDULES[0].every_seconds == 86400


def test_without_a_public_url_the_text_goes_without_its_link(w, wuye_run_job, monkeypatch):
    monkeypatch.setattr(w.app.config["WUYE"], "public_url", None)
    wuye_run_job(w.tenant, "fees", "send_reminders", community_id=w.cid, by="system")
    assert len(w.texts) == 2 and all("http" not in text for _p, text, _u in w.texts)


def test_started_from_the_api_and_the_console(w):
    r = w.cashier.post(f"{P}/communities/{w.cid}/reminders/send")
    assert r.status_code == 202, r.get_json()
    assert r.get_json() == {"queued": True, "due": 4}
    assert len(w.texts) == 2  # the embedded default runs the job at once
    assert w.clerk.post(f"{P}/communities/{w.cid}/reminders/send").status_code == 403
    console = w.tenant.console("cashier", "password-123")
    page = console.get(f"{C}/communities/{w.cid}/reminders?lang=en").get_data(as_text=True)
    assert "Send text reminders now" in page and "商铺1" in page and 'data-result="logged"' in page
    r = console.post(f"{C}/communities/{w.cid}/reminders/send")
    assert r.status_code == 303
    assert len(w.texts) == 2  # within the interval: nobody twice


def test_reminders_made_by_hand(w):
    url = f"{P}/communities/{w.cid}/reminders"
    r = w.cashier.post(url, json={"fee_unit_id": w.units["other"], "channel": "visit", "note": "已上门，答应月底缴清"})
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert (body["channel"], body["result"], body["owed_fen"], body["household_id"]) == ("visit", "noted", 4000, w.g)
    r = w.cashier.post(url, json={"fee_unit_id": w.units["other"], "channel": "sms"})
    assert r.status_code == 422 and "channel" in r.get_data(as_text=True)
    r = w.cashier.post(url, json={"fee_unit_id": 999999, "channel": "phone"})
    assert r.status_code == 422 and "fee_unit_id" in r.get_data(as_text=True)
    assert w.clerk.post(url, json={"fee_unit_id": w.units["other"], "channel": "visit"}).status_code == 403
    listed = w.cashier.get(url).get_json()
    assert listed["total"] == 1 and listed["items"][0]["note"] == "已上门，答应月底缴清"
    # from the console, refusals shown by field
    console = w.tenant.console("cashier", "password-123")
    r = console.post(f"{url.replace(P, C)}", data={"fee_unit_id": str(w.units["shop"]), "channel": "phone",
                                                    "note": "电话联系"})
    assert r.status_code == 303
    r = console.post(f"{url.replace(P, C)}", data={"fee_unit_id": "", "channel": "phone"})
    assert r.status_code == 422
    assert len(rows(w.tenant, Reminder)) == 2


def test_two_runs_at_once_text_each_household_once(w, wuye_run_job):
    """The daily run and a person's at the same moment (each its own thread, context and
    connection): the units' row locks make the second wait and then find the first's reservations."""
    results: list = []
    barrier = threading.Barrier(2)

    def run(by):
        barrier.wait(timeout=30)
        results.append(wuye_run_job(w.tenant, "fees", "send_reminders", community_id=w.cid, by=by)[w.cid])

    threads = [threading.Thread(target=run, args=(by,)) for by in ("system", "cashier")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(results) == 2
    assert sorted(r["texted"] for r in results) == [0, 2] and sorted(r["recent"] for r in results) == [0, 2]
    assert sorted(phone for phone, _t, _p in w.texts) == ["13800000000", "13900000009"]
    assert len(rows(w.tenant, Reminder)) == 2
