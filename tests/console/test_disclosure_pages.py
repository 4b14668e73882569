"""公示 at the console (console/disclosures.py): publish one with its files, see it in publication,
correct it (version 2, the first kept and shown), withdraw it (then among the ended ones);
refusals shown next to their fields with the API's words; read-only for readers, refused to field
workers; the menu entry for those who may read the page."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest

from tests.console import pages
from tests.console.test_links_pages import section
from wuye_core.common.clock import local_today

pytestmark = pytest.mark.usefixtures("_wuye_clean_database")

PDF = b"%PDF-1.4\n% statement\n" + b"0" * 64
TODAY = local_today()


@pytest.fixture
def acme(wuye_make_tenant, wuye_register):
    tenant = wuye_make_tenant("acme")
    return tenant, wuye_register(tenant)


def form(ids, **changes) -> dict:
    return {"community_id": str(ids["community"]), "site_id": "", "kind": "income_spending",
            "title": "2026年第三季度物业费收支明细", "summary": "收入 12.3 万元。", "period_start": "2026-07-01",
            "period_end": "2026-09-30", "publish_from": TODAY.isoformat(),
            "publish_until": (TODAY + timedelta(days=14)).isoformat(), **changes}


def test_publish_correct_and_withdraw_at_the_console(acme):
    tenant, ids = acme
    console = tenant.console()
    page = console.get("/console/disclosures")
    assert page.status_code == 200 and pages.problems(page) == []
    assert 'href="/console/disclosures"' in page.text  # the menu's entry
    new = console.get("/console/disclosures/new")
    assert new.status_code == 200 and pages.problems(new) == []

    refused = console.post("/console/disclosures/new", data=form(ids, period_end="2026-06-30"))
    assert refused.status_code == 422
    assert re.search(r'id="e-period_end">所公示期间的结束日早于开始日。', refused.text), refused.text[:3000]
    refused = console.post("/console/disclosures/new", data={
        **form(ids), "file": (io.BytesIO(b"MZ\x90\x00 a program"), "setup.exe", "application/octet-stream")})
    assert refused.status_code == 422 and 'id="e-file"' in refused.text
    assert tenant.admin.get("/api/v1/disclosures").get_json()["total"] == 0  # nothing kept of either

    sent = console.post("/console/disclosures/new", data={
        **form(ids), "file": (io.BytesIO(PDF), "三季度收支.pdf", "application/pdf")})
    assert sent.status_code == 302, sent.text[:3000]
    detail = console.get(sent.headers["Location"])
    assert detail.status_code == 200 and pages.problems(detail) == []
    assert "三季度收支.pdf" in detail.text and "公示中" in detail.text
    disclosure = tenant.admin.get("/api/v1/disclosures").get_json()["items"][0]
    first = tenant.admin.get(f"/api/v1/disclosures/{disclosure['id']}").get_json()["files"][0]["id"]
    download = console.get(f"/console/disclosures/{disclosure['id']}/files/{first}")
    assert download.status_code == 200 and download.data == PDF
    assert "2026年第三季度物业费收支明细" in section(console.get("/console/disclosures").text, "current")

    corrected = console.post(f"/console/disclosures/{disclosure['id']}/correct", data={
        "reason": "支出合计有误", "file_ids": str(first), "summary": "支出更正。",
        "file": (io.BytesIO(PDF + b"2"), "更正表.pdf", "application/pdf")})
    assert corrected.status_code == 302, corrected.text[:3000]
    detail = console.get(f"/console/disclosures/{disclosure['id']}")
    assert "第 2 版（当前）" in detail.text and "支出合计有误" in detail.text and "更正表.pdf" in detail.text
    assert pages.problems(detail) == []
    versions = tenant.admin.get(f"/api/v1/disclosures/{disclosure['id']}").get_json()["versions"]
    assert [len(v["files"]) for v in versions] == [2, 1]

    no_reason = console.post(f"/console/disclosures/{disclosure['id']}/withdraw", data={"reason": ""})
    assert no_reason.status_code == 422 and 'id="e-withdraw-reason"' in no_reason.text
    withdrawn = console.post(f"/console/disclosures/{disclosure['id']}/withdraw", data={"reason": "误发"})
    assert withdrawn.status_code == 302, withdrawn.text[:3000]
    listed = console.get("/console/disclosures").text
    assert "2026年第三季度物业费收支明细" in section(listed, "ended") and "已撤回" in section(listed, "ended")
    assert section(listed, "current").count("2026年第三季度") == 0


def test_readers_read_and_field_workers_are_refused(acme):
    tenant, ids = acme
    made = tenant.admin.post("/api/v1/disclosures", json={**form(ids), "community_id": ids["community"],
                                                            "site_id": None})
    assert made.status_code == 201, made.get_json()
    disclosure = made.get_json()["id"]
    tenant.user("reader", "readonly", [ids["community"]])
    reader = tenant.console("reader", "password-123")
    page = reader.get(f"/console/disclosures/{disclosure}")
    assert page.status_code == 200 and "h-correct" not in page.text and "h-withdraw" not in page.text
    assert "发布公示" not in reader.get("/console/disclosures").text
    assert reader.post(f"/console/disclosures/{disclosure}/correct", data={"reason": "x"}).status_code == 403
    assert reader.get("/console/disclosures/new").status_code == 403
    tenant.user("fixer", "worker", [ids["community"]])
    worker = tenant.console("fixer", "password-123")
    assert worker.get("/console/disclosures").status_code == 403
    assert 'href="/console/disclosures"' not in worker.get("/console/").text
