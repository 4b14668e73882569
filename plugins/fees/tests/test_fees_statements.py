"""The quarterly statement (statements.py, statement_files.py): draft → publish → a resident sees
it on their phone → the books change → correct → version N+1 published as the disclosure's next
version, the earlier versions kept; the files open (openpyxl, python-docx) and hold the figures;
a quarter not ended, a draft out of date, a correction that changes nothing are refused; drafting
and publishing at once make one statement and one publication (PostgreSQL)."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime

import pytest
from _fees_rows import P, add, bill, payment, unit, world
from docx import Document
from openpyxl import load_workbook
from wuye_fees.models import Entry, StatementVersion

from wuye_core.plugins import db, tenant_context


def _entry(w, site_id, direction, category, fen, day) -> int:
    return add(w.tenant, Entry(community_id=w.cid, site_id=site_id, direction=direction, category=category,
                               amount_fen=fen, occurred_on=day, description="test", recorded_by="test"))[0]


def _books(w, y: int) -> dict:
    u = unit(w.tenant, w.cid, w.site, label="1栋101", unit_id=w.ids["unit"])
    bill(w.tenant, w.cid, w.site, u, 11_792, period=f"{y}Q3", paid_fen=11_792, status="paid")
    payment(w.tenant, w.cid, w.site, u, 11_792, paid_at=datetime(y, 7, 5, 2, 0, tzinfo=UTC), receipt_no="R1")
    payment(w.tenant, w.cid, w.site, u, -792, kind="refund", paid_at=datetime(y, 8, 5, 2, 0, tzinfo=UTC))
    return {"unit": u,
            "rent": _entry(w, w.site, "income", "shop_rent", 123_456, date(y, 7, 10)),
            "subsidy": _entry(w, w.site, "income", "subsidy", 300_000, date(y, 9, 10)),
            "staff": _entry(w, w.site, "spending", "staff", 450_000, date(y, 8, 31))}


def _texts_of_docx(content: bytes) -> str:
    doc = Document(io.BytesIO(content))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)


def _cells_of_xlsx(content: bytes) -> list:
    book = load_workbook(io.BytesIO(content))
    return [c for row in book.active.iter_rows(values_only=True) for c in row if c is not None]


def test_draft_publish_see_correct(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    w = world(wuye_make_tenant, wuye_register, wuye_enable_plugin, config={"statement_publish_days": 14})
    y = w.today.year - 1
    books = _books(w, y)
    url = f"{P}/communities/{w.cid}/statements"

    # a quarter not ended: 422 quarter; the cashier may not draft
    this = (w.today.month - 1) // 3 + 1
    r = w.mgr.post(url, json={"year": w.today.year, "quarter": this, "site_id": w.site})
    assert r.status_code == 422 and "quarter" in r.get_json()["errors"]["json"]
    assert w.cashier.post(url, json={"year": y, "quarter": 3, "site_id": w.site}).status_code == 403

    r = w.mgr.post(url, json={"year": y, "quarter": 3, "site_id": w.site})
    assert r.status_code == 201, r.get_json()
    s = r.get_json()
    assert s["status"] == "draft" and s["version"] == 1 and s["drafted"] and not s["stale"]
    f = s["figures"]
    assert f["fee_income_fen"] == 11_000 and f["fee_returned_fen"] == -792 and f["other_income_fen"] == 423_456
    assert f["spending_fen"] == 450_000 and f["gap_fen"] == 439_000 and f["balance_fen"] == -15_544
    assert f["collection_rate"] == 1.0
    # drafting again with the books unchanged writes nothing
    again = w.mgr.post(url, json={"year": y, "quarter": 3, "site_id": w.site}).get_json()
    assert again["id"] == s["id"] and again["version"] == 1 and again["drafted"] is False

    # the books change: the draft is out of date, publishing it is refused; drafting again → version 2
    late = _entry(w, w.site, "spending", "repairs", 10_000, date(y, 9, 29))
    shown = w.mgr.get(f"{P}/statements/{s['id']}").get_json()
    assert shown["stale"] is True
    r = w.mgr.post(f"{P}/statements/{s['id']}/publish", json={})
    assert r.status_code == 409 and "figures" in r.get_json()["errors"]["json"]
    s = w.mgr.post(url, json={"year": y, "quarter": 3, "site_id": w.site}).get_json()
    assert s["version"] == 2 and s["figures"]["spending_fen"] == 460_000
    assert w.mgr.post(f"{P}/statements/{s['id']}/publish", json={"version": 1}).status_code == 409  # not what was read
    assert w.cashier.post(f"{P}/statements/{s['id']}/publish", json={}).status_code == 403

    r = w.mgr.post(f"{P}/statements/{s['id']}/publish", json={"version": 2})
    assert r.status_code == 200, r.get_json()
    s = r.get_json()
    assert s["status"] == "published" and s["disclosure_id"] and s["published_by"] == "mgr"
    assert [(v["version"], v["stage"], v["disclosure_version"]) for v in s["versions"]] == [
        (1, "draft", None), (2, "draft", 1)]
    assert w.mgr.post(f"{P}/statements/{s['id']}/publish", json={}).status_code == 409
    r = w.mgr.post(url, json={"year": y, "quarter": 3, "site_id": w.site})
    assert r.status_code == 409 and "quarter" in r.get_json()["errors"]["json"]

    # the core's disclosure: income_spending, the quarter, from today for 14 days, both files
    d = w.tenant.admin.get(f"/api/v1/disclosures/{s['disclosure_id']}").get_json()
    assert d["kind"] == "income_spending" and d["period_start"] == f"{y}-07-01" and d["period_end"] == f"{y}-09-30"
    assert d["site_id"] == w.site and d["publish_from"] == w.today.isoformat()
    assert (date.fromisoformat(d["publish_until"]) - w.today).days == 14
    assert sorted(name["filename"].rsplit(".", 1)[1] for name in d["files"]) == ["docx", "xlsx"]

    # a resident of the site sees it on their phone, and downloads the files, which hold the figures
    resident = w.tenant.resident(w.cid)
    listed = resident.get("/h5/disclosures").get_data(as_text=True)
    assert f"/h5/disclosures/{s['disclosure_id']}" in listed
    page = resident.get(f"/h5/disclosures/{s['disclosure_id']}").get_data(as_text=True)
    links = re.findall(rf"/h5/disclosures/{s['disclosure_id']}/files/(\d+)", page)
    assert len(links) == 2
    contents = [resident.get(f"/h5/disclosures/{s['disclosure_id']}/files/{fid}").data for fid in links]
    xlsx = next(c for c in contents if c[:2] == b"PK" and b"xl/" in c)
    docx = next(c for c in contents if c[:2] == b"PK" and b"word/" in c)
    cells = _cells_of_xlsx(xlsx)
    for yuan in ("110.00", "1234.56", "3000.00", "4500.00", "100.00"):
        assert any(isinstance(c, float | int) and f"{c:.2f}" == yuan for c in cells), yuan
    text = _texts_of_docx(docx)
    assert "1,234.56" in text and "4,500.00" in text and "255.44" in text  # rent, staff, the deficit (with the late repairs)

    # the books change again (an entry cancelled and recorded anew): correct → version 3 = disclosure version 2
    assert w.mgr.post(f"{P}/entries/{books['rent']}/cancel", json={"reason": "金额有误"}).status_code == 200
    _entry(w, w.site, "income", "shop_rent", 120_000, date(y, 7, 10))
    assert w.mgr.post(f"{P}/statements/{s['id']}/correct", json={"reason": ""}).status_code == 422
    r = w.mgr.post(f"{P}/statements/{s['id']}/correct", json={"reason": "门面租金金额更正"})
    assert r.status_code == 200, r.get_json()
    s = r.get_json()
    assert s["version"] == 3 and s["figures"]["other_income_fen"] == 420_000 and not s["stale"]
    assert [(v["version"], v["stage"], v["disclosure_version"], v["reason"]) for v in s["versions"]] == [
        (1, "draft", None, None), (2, "draft", 1, None), (3, "correction", 2, "门面租金金额更正")]
    assert s["versions"][1]["figures"]["other_income_fen"] == 423_456  # what was published stays
    r = w.mgr.post(f"{P}/statements/{s['id']}/correct", json={"reason": "again"})
    assert r.status_code == 409 and "figures" in r.get_json()["errors"]["json"]
    d = w.tenant.admin.get(f"/api/v1/disclosures/{s['disclosure_id']}").get_json()
    assert d["version"] == 2
    page = resident.get(f"/h5/disclosures/{s['disclosure_id']}").get_data(as_text=True)
    assert "门面租金金额更正" in page
    with w.tenant.app.app_context(), tenant_context(w.tenant.id):
        assert db.session.query(StatementVersion).count() == 3
        db.session.remove()

    # the downloads: any version, in the reader's language
    v2 = w.mgr.get(f"{P}/statements/{s['id']}/statement.docx", query_string={"version": 2},
                   headers={"Accept-Language": "en"})
    assert v2.status_code == 200
    text = _texts_of_docx(v2.data)
    assert "Property service fees received" in text and "1,234.56" in text and "Version 2" in text
    assert "DRAFT" not in text and "Publication period" in text
    v1 = w.mgr.get(f"{P}/statements/{s['id']}/statement.xlsx", query_string={"version": 1},
                   headers={"Accept-Language": "en"})
    assert any("DRAFT" in str(c) for c in _cells_of_xlsx(v1.data))
    current = w.clerk.get(f"{P}/statements/{s['id']}/statement.xlsx", headers={"Accept-Language": "en"})
    assert current.status_code == 200 and 1200 in _cells_of_xlsx(current.data)
    assert w.mgr.get(f"{P}/statements/{s['id']}/statement.xlsx", query_string={"version": 9}).status_code == 422
    listed = w.clerk.get(url).get_json()
    assert listed["total"] == 1 and listed["items"][0]["status"] == "published"
    assert late


def test_the_whole_community_and_bad_input(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    w = world(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    y = w.today.year - 1
    _books(w, y)
    _entry(w, None, "spending", "office", 5_000, date(y, 8, 1))
    url = f"{P}/communities/{w.cid}/statements"
    whole = w.mgr.post(url, json={"year": y, "quarter": 3}).get_json()
    site = w.mgr.post(url, json={"year": y, "quarter": 3, "site_id": w.site}).get_json()
    assert whole["id"] != site["id"] and whole["scope_key"] == "community" and site["scope_key"] == f"site:{w.site}"
    assert whole["figures"]["spending_fen"] == site["figures"]["spending_fen"] + 5_000
    for body, field in (({"year": y, "quarter": 5}, "quarter"), ({"year": y}, "quarter"),
                        ({"year": y, "quarter": 1, "site_id": 999_999}, "site_id"),
                        ({"year": y, "quarter": 1, "extra": 1}, "extra")):
        r = w.mgr.post(url, json=body)
        assert r.status_code == 422 and field in r.get_json()["errors"]["json"], (body, r.get_json())
    assert w.mgr.post(f"{P}/statements/{whole['id']}/correct", json={"reason": "x"}).status_code == 409  # a draft
    assert w.mgr.get(url, query_string={"site_id": 0}).get_json()["total"] == 1
    assert w.mgr.get(url, query_string={"status": "published"}).get_json()["total"] == 0


def test_drafting_and_publishing_at_once(wuye_app, wuye_backend, wuye_make_tenant, wuye_register,
                                         wuye_enable_plugin, wuye_race):
    if not wuye_backend.is_postgresql:
        pytest.skip("concurrency is tested on PostgreSQL")
    w = world(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    y = w.today.year - 1
    _books(w, y)
    answers = wuye_race(w.mgr, "POST", f"{P}/communities/{w.cid}/statements",
                        json={"year": y, "quarter": 3, "site_id": w.site}, n=6)
    assert {a.status_code for a in answers} == {201}
    assert len({a.get_json()["id"] for a in answers}) == 1
    assert sum(a.get_json()["drafted"] for a in answers) == 1
    sid = answers[0].get_json()["id"]
    published = wuye_race(w.mgr, "POST", f"{P}/statements/{sid}/publish", json={}, n=4)
    assert sorted(a.status_code for a in published) == [200, 409, 409, 409]
    assert w.tenant.admin.get("/api/v1/disclosures").get_json()["total"] == 1


def test_a_statement_withdrawn_in_the_core_is_published_anew_when_corrected(wuye_app, wuye_make_tenant,
                                                                             wuye_register, wuye_enable_plugin):
    """Staff may withdraw the disclosure in the core's console: the statement shows it, and its
    correction is published as a new disclosure (a withdrawn one takes no new version)."""
    w = world(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    y = w.today.year - 1
    _books(w, y)
    url = f"{P}/communities/{w.cid}/statements"
    s = w.mgr.post(url, json={"year": y, "quarter": 3, "site_id": w.site}).get_json()
    s = w.mgr.post(f"{P}/statements/{s['id']}/publish", json={}).get_json()
    first = s["disclosure_id"]
    assert w.mgr.get(f"{P}/statements/{s['id']}").get_json()["disclosure_status"] == "current"
    r = w.tenant.admin.post(f"/api/v1/disclosures/{first}/withdraw", json={"reason": "数字有误，核对后重发"})
    assert r.status_code == 200, r.get_json()
    shown = w.mgr.get(f"{P}/statements/{s['id']}").get_json()
    assert shown["status"] == "published" and shown["disclosure_status"] == "withdrawn"
    assert "withdrew" in w.tenant.console("mgr", "password-123").get(
        f"/console/plugins/fees/statements/{s['id']}?lang=en").get_data(as_text=True)
    _entry(w, w.site, "spending", "repairs", 10_000, date(y, 9, 29))
    r = w.mgr.post(f"{P}/statements/{s['id']}/correct", json={"reason": "补记维修支出"})
    assert r.status_code == 200, r.get_json()
    corrected = r.get_json()
    assert corrected["version"] == 2 and corrected["disclosure_id"] != first
    d = w.tenant.admin.get(f"/api/v1/disclosures/{corrected['disclosure_id']}").get_json()
    assert d["status"] == "current" and d["kind"] == "income_spending"
    assert w.mgr.get(f"{P}/statements/{s['id']}").get_json()["disclosure_status"] == "current"
