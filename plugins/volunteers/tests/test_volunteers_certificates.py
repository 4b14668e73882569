"""志愿服务证明: issued by the manager for a member and a period, numbered per tenant and year,
printed as a Word document (A4, the ID number masked, a table of the records, the issuer and the
stamp), keeping the figures it was issued with; who may; numbers unique under concurrency."""

from __future__ import annotations

import io
import threading
from datetime import date, timedelta

import pytest
from _record_rows import ID_NUMBER, P, beijing, member, record, world
from docx import Document
from docx.oxml.ns import qn

from wuye_core.plugins import local_today


def _text(data: bytes) -> tuple[str, list[list[str]], Document]:
    doc = Document(io.BytesIO(data))
    paragraphs = "\n".join(p.text for p in doc.paragraphs)
    table = [[cell.text for cell in row.cells] for row in doc.tables[0].rows]
    return paragraphs, table, doc


def _zhang_with_records(w):
    zhang = member(w.tenant, w.cid, "张志华", id_number=ID_NUMBER, registry_number="42011720190001")
    made = {
        "spring": record(w.tenant, w.cid, zhang, beijing(date(2025, 3, 8), 8), 120, "小区环境清洁", "海景北小区"),
        "summer": record(w.tenant, w.cid, zhang, beijing(date(2025, 7, 12), 9), 90, "防汛巡查", "河堤"),
        "autumn": record(w.tenant, w.cid, zhang, beijing(date(2025, 10, 1), 14), 45, "为独居老人代购药品", "3 栋"),
        "before": record(w.tenant, w.cid, zhang, beijing(date(2024, 12, 31), 23, 30), 60, "跨年值守", "社区"),
    }
    return zhang, made


def test_a_certificate_is_numbered_and_printed_as_issued(wuye_app, wuye_make_tenant, wuye_register,
                                                          wuye_enable_plugin):
    w = world(wuye_make_tenant, wuye_register, wuye_enable_plugin,
              {"alliance_name": "海景北社区居民服务联盟", "certificate_issuer": "海景北社区居民委员会"})
    zhang, made = _zhang_with_records(w)
    year = local_today().year
    url = f"{P}/communities/{w.cid}/certificates"
    body = {"member_id": zhang, "period_start": "2025-01-01", "period_end": "2025-12-31", "purpose": "升学"}
    r = w.mgr.post(url, json=body)
    assert r.status_code == 201, r.get_json()
    issued = r.get_json()
    assert issued["number"] == f"志证〔{year}〕第 0001 号" and issued["records"] == 3 and issued["minutes"] == 255
    assert issued["member_name"] == "张志华" and issued["purpose"] == "升学" and issued["issued_by"] == "mgr"
    again = w.mgr.post(url, json={**body, "purpose": None}).get_json()
    assert again["number"] == f"志证〔{year}〕第 0002 号"
    assert [c["number"] for c in w.mgr.get(url, query_string={"member_id": zhang}).get_json()["items"]] == [
        again["number"], issued["number"]]

    r = w.mgr.get(f"{P}/certificates/{issued['id']}/certificate.docx")
    assert r.status_code == 200 and r.mimetype.endswith("wordprocessingml.document")
    assert "filename*=UTF-8''" in r.headers["Content-Disposition"] and r.headers["Cache-Control"] == "private, no-store"
    paragraphs, table, doc = _text(r.data)
    assert "志愿服务证明" in paragraphs and f"编号：志证〔{year}〕第 0001 号" in paragraphs
    assert ("兹证明张志华（身份证号：420***********1234）于2025年1月1日至2025年12月31日在海景北社区居民服务联盟"
            "参加志愿服务 3 次，累计服务时长 4.25 小时。") in paragraphs
    assert ID_NUMBER not in paragraphs and "42011720190001" in paragraphs
    assert "（此证明用于：升学）" in paragraphs and "特此证明。" in paragraphs
    assert "海景北社区居民委员会" in paragraphs and "（盖章）" in paragraphs
    assert table[0] == ["序号", "日期", "服务内容", "服务地点", "时长（小时）"]
    assert [row[1:] for row in table[1:4]] == [["2025-03-08", "小区环境清洁", "海景北小区", "2"],
                                               ["2025-07-12", "防汛巡查", "河堤", "1.5"],
                                               ["2025-10-01", "为独居老人代购药品", "3 栋", "0.75"]]
    assert table[4][0] == "合计" and table[4][-1] == "4.25" and "共 3 次" in table[4]
    section = doc.sections[0]
    assert (round(section.page_width.cm, 1), round(section.page_height.cm, 1)) == (21.0, 29.7)  # A4
    title = next(p for p in doc.paragraphs if p.text == "志愿服务证明")
    assert title.runs[0]._element.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia")) == "SimHei"
    # the download is an export of personal data
    trail = w.tenant.admin.get("/api/v1/audit", query_string={"action": "volunteers.exported"}).get_json()["items"]
    assert [(e["target_type"], e["target_id"]) for e in trail] == [("certificate", str(issued["id"]))]


def test_a_certificate_keeps_its_figures_when_records_change_later(wuye_app, wuye_make_tenant, wuye_register,
                                                                    wuye_enable_plugin):
    w = world(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    zhang, made = _zhang_with_records(w)
    cert = w.mgr.post(f"{P}/communities/{w.cid}/certificates", json={
        "member_id": zhang, "period_start": "2025-01-01", "period_end": "2025-12-31"}).get_json()
    # later: a record corrected (90 → 30 minutes, moved out of the year), another entered in the period
    r = w.mgr.patch(f"{P}/records/{made['summer']}", json={"minutes": 30, "content": "防汛巡查（半程）",
                                                          "reason": "中途离开"})
    assert r.status_code == 200
    assert [c["number"] for c in r.get_json()["certificates"]] == [cert["number"]]  # the record says so
    r = w.mgr.patch(f"{P}/records/{made['autumn']}", json={
        "started_at": "2026-01-02T14:00", "ended_at": "2026-01-02T14:45", "reason": "日期录错"})
    assert r.status_code == 200 and r.get_json()["certificates"] == []
    r = w.mgr.post(f"{P}/communities/{w.cid}/records", json={
        "member_id": zhang, "content": "补录的秋季服务", "place": "社区", "started_at": "2025-11-01T09:00",
        "ended_at": "2025-11-01T10:00"})
    assert r.status_code == 201 and r.get_json()["certificates"] == []  # entered after: not on it
    paragraphs, table, _doc = _text(w.mgr.get(f"{P}/certificates/{cert['id']}/certificate.docx").data)
    assert "参加志愿服务 3 次，累计服务时长 4.25 小时。" in paragraphs
    assert [row[1:] for row in table[1:4]] == [["2025-03-08", "小区环境清洁", "海景北小区", "2"],
                                               ["2025-07-12", "防汛巡查", "河堤", "1.5"],
                                               ["2025-10-01", "为独居老人代购药品", "3 栋", "0.75"]]
    assert len(table) == 5 and table[4][-1] == "4.25"
    assert w.mgr.get(f"{P}/certificates/{cert['id']}").get_json()["minutes"] == 255
    # a new certificate for the same year counts what the records say now: 120 + 30 + 60
    now = w.mgr.post(f"{P}/communities/{w.cid}/certificates", json={
        "member_id": zhang, "period_start": "2025-01-01", "period_end": "2025-12-31"}).get_json()
    assert (now["records"], now["minutes"]) == (3, 210)


def test_who_may_issue_and_what_is_refused(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    w = world(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    zhang, _made = _zhang_with_records(w)
    url = f"{P}/communities/{w.cid}/certificates"
    body = {"member_id": zhang, "period_start": "2025-01-01", "period_end": "2025-12-31"}
    for who in (w.org, w.clerk):
        r = who.post(url, json=body)
        assert r.status_code == 403 and r.get_json()["message"] == "只有本社区的联盟管理员可以这样做。"
        assert who.get(url).status_code == 403
    cert = w.mgr.post(url, json=body).get_json()
    for who in (w.org, w.clerk):
        assert who.get(f"{P}/certificates/{cert['id']}").status_code == 403
        assert who.get(f"{P}/certificates/{cert['id']}/certificate.docx").status_code == 403
    tomorrow = (local_today() + timedelta(days=1)).isoformat()
    refusals = [
        ({**body, "period_start": "2026-02-01", "period_end": "2026-02-01"}, "period_start",
         "该成员在这段期间没有服务记录。"),
        ({**body, "period_end": tomorrow}, "period_end", "期间不能晚于今天结束。"),
        ({**body, "period_start": "2025-12-31", "period_end": "2025-01-01"}, "period_start",
         "期间的开始日期晚于结束日期。"),
        ({**body, "member_id": 424242}, "member_id", "本社区没有这位成员。"),
        ({**body, "period_start": "1999-01-01"}, "period_start", None),
        ({**body, "purpose": "x" * 201}, "purpose", None),
    ]
    for bad, field, message in refusals:
        r = w.mgr.post(url, json=bad)
        assert r.status_code == 422 and field in r.get_json()["errors"]["json"], (bad, r.get_json())
        if message:
            assert r.get_json()["errors"]["json"][field] == [message]
    assert w.mgr.get(url).get_json()["total"] == 1


def test_numbers_are_unique_when_issued_at_once(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin,
                                               wuye_race, wuye_backend):
    """Eight issues at once in one community (its alliance's row lock), then two at once in two
    communities of the tenant with the same prefix (the unique index and a fresh look): every
    number once, in sequence. PostgreSQL: row locks and concurrent transactions (SQLite, the
    single-user mode, serialises every write on its one database lock)."""
    if not wuye_backend.is_postgresql:
        pytest.skip("concurrent transactions: PostgreSQL")
    w = world(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    zhang, _made = _zhang_with_records(w)
    body = {"member_id": zhang, "period_start": "2025-01-01", "period_end": "2025-12-31"}
    responses = wuye_race(w.mgr, "POST", f"{P}/communities/{w.cid}/certificates", json=body, n=8)
    assert sorted(r.status_code for r in responses) == [201] * 8, [r.get_json() for r in responses]
    year = local_today().year
    numbers = sorted(r.get_json()["number"] for r in responses)
    assert numbers == [f"志证〔{year}〕第 {n:04d} 号" for n in range(1, 9)]

    other = w.tenant.admin.post("/api/v1/communities", json={"name": "海景南社区", "code": "c2"}).get_json()["id"]
    wuye_enable_plugin(w.tenant, "volunteers", other)
    li = member(w.tenant, other, "李秀兰")
    record(w.tenant, other, li, beijing(date(2025, 5, 1), 9), 60)
    bodies = [(w.cid, body), (other, {**body, "member_id": li})]
    for _round in range(3):
        barrier = threading.Barrier(2)
        results = []

        def issue(community_id, payload, barrier=barrier, results=results):
            barrier.wait(timeout=30)
            results.append(w.tenant.admin.post(f"{P}/communities/{community_id}/certificates", json=payload))

        threads = [threading.Thread(target=issue, args=pair) for pair in bodies]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert sorted(r.status_code for r in results) == [201, 201], [r.get_json() for r in results]
    everything = [c["number"] for cid in (w.cid, other) for c in w.tenant.admin.get(
        f"{P}/communities/{cid}/certificates", query_string={"per_page": 100}).get_json()["items"]]
    assert sorted(everything) == [f"志证〔{year}〕第 {n:04d} 号" for n in range(1, 15)]
