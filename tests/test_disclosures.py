"""Public disclosures (公示, #19 item 5): staff publish documents with attachments to a community
or a site for a publication period; a correction is a new version and the earlier ones are kept;
a withdrawal ends the publication early; residents of those households see the current ones, and
download their files — and nothing else (another site's, another tenant's, not started, ended,
withdrawn, an earlier version's file)."""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta

import pytest
from sqlalchemy import update

from tests.test_resident_sign_in import agree, signed_in
from wuye_core.common.clock import local_today
from wuye_core.disclosures.models import Disclosure
from wuye_core.extensions import db
from wuye_core.tenancy import tenant_context

PDF = b"%PDF-1.4\n% disclosure\n" + b"0" * 64
PNG = b"\x89PNG\r\n\x1a\n" + b"1" * 64
TODAY = local_today()


def _office(part: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(part, "<x/>")
    return out.getvalue()


XLSX_BYTES, DOCX_BYTES = _office("xl/workbook.xml"), _office("word/document.xml")


@pytest.fixture
def acme(wuye_make_tenant, wuye_register):
    tenant = wuye_make_tenant("acme")
    ids = wuye_register(tenant)
    r = tenant.admin.post("/api/v1/sites", json={"community_id": ids["community"], "name": "二小区", "kind": "compound"})
    assert r.status_code == 201, r.get_json()
    ids["other_site"] = r.get_json()["id"]
    r = tenant.admin.post("/api/v1/communities", json={"name": "别的社区", "code": "c2"})
    ids["other_community"] = r.get_json()["id"]
    r = tenant.admin.post("/api/v1/sites", json={"community_id": ids["other_community"], "name": "三小区", "kind": "old"})
    ids["far_site"] = r.get_json()["id"]
    return tenant, ids


def upload(client, content=PDF, name="2026年第三季度收支.pdf", mimetype="application/pdf"):
    return client.post("/api/v1/disclosures/files", json=None, data={"file": (io.BytesIO(content), name, mimetype)})


def uploaded(client, **kw) -> int:
    r = upload(client, **kw)
    assert r.status_code == 201, r.get_json()
    return r.get_json()["id"]


def body(community_id, **changes) -> dict:
    return {"community_id": community_id, "kind": "income_spending", "title": "2026年第三季度物业费收支明细",
            "summary": "收入 12.3 万元，支出 11.8 万元。", "period_start": "2026-07-01", "period_end": "2026-09-30",
            "publish_from": TODAY.isoformat(), "publish_until": (TODAY + timedelta(days=14)).isoformat(), **changes}


def published(client, community_id, **changes) -> dict:
    r = client.post("/api/v1/disclosures", json=body(community_id, **changes))
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def _end(app, tenant_id, disclosure_id):
    """A publication whose period ended yesterday (the API refuses to publish one)."""
    with app.app_context(), tenant_context(tenant_id):
        db.session.execute(update(Disclosure).where(Disclosure.id == disclosure_id).values(
            publish_from=TODAY - timedelta(days=20), publish_until=TODAY - timedelta(days=1)))
        db.session.commit()


def test_a_resident_sees_only_the_current_disclosures_of_their_community_and_site(wuye_app, acme, wuye_make_tenant,
                                                                                  wuye_register, caplog):
    tenant, ids = acme
    c = ids["community"]
    whole = published(tenant.admin, c, file_ids=[uploaded(tenant.admin)], title="全社区公示")
    mine = published(tenant.admin, c, site_id=ids["site"], kind="public_income", title="本小区公共收益")
    other_site = published(tenant.admin, c, site_id=ids["other_site"], title="二小区公示")
    scheduled = published(tenant.admin, c, publish_from=(TODAY + timedelta(days=1)).isoformat(), title="明天开始")
    far = published(tenant.admin, ids["other_community"], title="别的社区公示")
    withdrawn = published(tenant.admin, c, title="已撤回")
    r = tenant.admin.post(f"/api/v1/disclosures/{withdrawn['id']}/withdraw", json={"reason": "数据有误"})
    assert r.status_code == 200 and r.get_json()["status"] == "withdrawn", r.get_json()
    ended = published(tenant.admin, c, title="已结束")
    _end(wuye_app, tenant.id, ended["id"])
    # the same phone in another tenant, with a disclosure current there
    other = wuye_make_tenant("other")
    theirs = published(other.admin, wuye_register(other)["community"], title="外租户公示")

    resident = signed_in(wuye_app, caplog)
    assert resident.get("/api/v1/resident/disclosures").status_code == 403  # consent first
    agree(resident)
    page = resident.get("/api/v1/resident/disclosures").get_json()
    assert {item["id"] for item in page["items"]} == {whole["id"], mine["id"]}
    assert page["total"] == 2
    listed = {item["id"]: item for item in page["items"]}
    assert listed[mine["id"]]["site_name"] == "小区" and listed[mine["id"]]["kind_title"] == "公共收益"
    assert listed[whole["id"]]["files"][0]["filename"] == "2026年第三季度收支.pdf"
    assert "created_by" not in listed[whole["id"]]  # no staff names for residents
    detail = resident.get(f"/api/v1/resident/disclosures/{whole['id']}").get_json()
    assert detail["summary"] == "收入 12.3 万元，支出 11.8 万元。" and detail["corrected"] is False
    for hidden in (other_site, scheduled, far, withdrawn, ended, theirs):
        r = resident.get(f"/api/v1/resident/disclosures/{hidden['id']}")
        assert r.status_code == 404, (hidden["title"], r.get_json())
    # what the /h5 pages call: the same answer
    from wuye_core.disclosures.service import current_for_resident
    from wuye_core.resident_access.households import my_households

    with wuye_app.app_context(), tenant_context(tenant.id):
        shown = current_for_resident(my_households("13800000000"))
    assert [d["id"] for d in shown] == sorted({whole["id"], mine["id"]}, reverse=True)
    # staff see every status, and filter by it
    statuses = {d["title"]: d["status"] for d in tenant.admin.get("/api/v1/disclosures").get_json()["items"]}
    assert statuses == {"全社区公示": "current", "本小区公共收益": "current", "二小区公示": "current",
                        "明天开始": "scheduled", "别的社区公示": "current", "已撤回": "withdrawn", "已结束": "ended"}
    assert [d["id"] for d in tenant.admin.get("/api/v1/disclosures?status=scheduled").get_json()["items"]] == [
        scheduled["id"]]


def test_a_correction_is_a_new_version_and_the_earlier_ones_are_kept(wuye_app, acme, caplog):
    tenant, ids = acme
    first = uploaded(tenant.admin, name="v1.pdf")
    d = published(tenant.admin, ids["community"], file_ids=[first])
    second = uploaded(tenant.admin, content=XLSX_BYTES, name="明细.xlsx", mimetype="application/octet-stream")
    r = tenant.admin.post(f"/api/v1/disclosures/{d['id']}/versions", json={
        "reason": "支出合计有误", "summary": "支出更正为 11.6 万元。", "file_ids": [first, second]})
    assert r.status_code == 201, r.get_json()
    detail = r.get_json()
    assert detail["version"] == 2 and detail["corrected"] is True and detail["summary"] == "支出更正为 11.6 万元。"
    assert [v["version"] for v in detail["versions"]] == [2, 1]
    v2, v1 = detail["versions"]
    assert v1["summary"] == "收入 12.3 万元，支出 11.8 万元。" and v1["reason"] is None
    assert [f["id"] for f in v1["files"]] == [first] and [f["id"] for f in v2["files"]] == [first, second]
    assert v2["files"][1]["content_type"].endswith("spreadsheetml.sheet")
    assert v2["reason"] == "支出合计有误" and v2["title"] == v1["title"]  # left out: kept
    # a third version drops the first file: staff still download it (version 1's), residents no more
    r = tenant.admin.post(f"/api/v1/disclosures/{d['id']}/versions", json={"reason": "换成新表", "file_ids": [second]})
    assert r.status_code == 201, r.get_json()
    resident = signed_in(wuye_app, caplog)
    agree(resident)
    seen = resident.get(f"/api/v1/resident/disclosures/{d['id']}").get_json()
    assert seen["version"] == 3 and seen["corrected"] is True
    assert [(c["version"], c["reason"]) for c in seen["corrections"]] == [(3, "换成新表"), (2, "支出合计有误")]
    assert [f["id"] for f in seen["files"]] == [second]
    assert resident.get(f"/api/v1/resident/disclosures/{d['id']}/files/{first}").status_code == 404
    got = resident.get(f"/api/v1/resident/disclosures/{d['id']}/files/{second}")
    assert got.status_code == 200 and got.data == XLSX_BYTES
    assert got.headers["Content-Disposition"].startswith("attachment")
    staff = tenant.admin.get(f"/api/v1/disclosures/{d['id']}/files/{first}")
    assert staff.status_code == 200 and staff.data == PDF
    # another disclosure cannot carry this one's file, nor a file someone else uploaded
    r = tenant.admin.post("/api/v1/disclosures", json=body(ids["community"], file_ids=[first]))
    assert r.status_code == 422 and "file_ids" in r.get_json()["errors"]["json"], r.get_json()
    clerk = tenant.user("clerk", "community_staff", [ids["community"]])
    r = clerk.post("/api/v1/disclosures", json=body(ids["community"], file_ids=[uploaded(tenant.admin)]))
    assert r.status_code == 422 and "file_ids" in r.get_json()["errors"]["json"], r.get_json()
    # every step is in the audit trail
    actions = [row["action"] for row in tenant.admin.get(
        "/api/v1/audit", query_string={"action": "disclosure.", "per_page": 50}).get_json()["items"]]
    assert actions.count("disclosure.corrected") == 2 and actions.count("disclosure.published") == 1


def test_a_withdrawal_ends_the_publication_and_nothing_is_deleted(wuye_app, acme, caplog):
    tenant, ids = acme
    d = published(tenant.admin, ids["community"], file_ids=[uploaded(tenant.admin)])
    resident = signed_in(wuye_app, caplog)
    agree(resident)
    file_id = d["files"][0]["id"]
    assert resident.get(f"/api/v1/resident/disclosures/{d['id']}/files/{file_id}").status_code == 200
    r = tenant.admin.post(f"/api/v1/disclosures/{d['id']}/withdraw", json={"reason": " "})
    assert r.status_code == 422 and "reason" in r.get_json()["errors"]["json"]
    r = tenant.admin.post(f"/api/v1/disclosures/{d['id']}/withdraw", json={"reason": "误发"})
    assert r.status_code == 200 and r.get_json()["withdraw_reason"] == "误发", r.get_json()
    assert resident.get("/api/v1/resident/disclosures").get_json()["total"] == 0
    assert resident.get(f"/api/v1/resident/disclosures/{d['id']}/files/{file_id}").status_code == 404
    again = tenant.admin.post(f"/api/v1/disclosures/{d['id']}/withdraw", json={"reason": "再撤"})
    assert again.status_code == 409 and again.get_json()["errors"]["status"] == "withdrawn"
    assert tenant.admin.post(f"/api/v1/disclosures/{d['id']}/versions", json={"reason": "改"}).status_code == 409
    kept = tenant.admin.get(f"/api/v1/disclosures/{d['id']}").get_json()
    assert kept["status"] == "withdrawn" and len(kept["versions"]) == 1
    assert tenant.admin.get(f"/api/v1/disclosures/{d['id']}/files/{file_id}").status_code == 200


def test_bad_input_is_a_422_naming_the_field(acme):
    tenant, ids = acme
    c = ids["community"]
    cases = [
        (body(c, period_end="2026-06-30"), "period_end"),
        (body(c, publish_until=(TODAY - timedelta(days=1)).isoformat(),
              publish_from=(TODAY - timedelta(days=3)).isoformat()), "publish_until"),
        (body(c, publish_until=TODAY.isoformat(), publish_from=(TODAY + timedelta(days=1)).isoformat()),
         "publish_until"),
        (body(c, site_id=ids["far_site"]), "site_id"),
        (body(c, site_id=999_999), "site_id"),
        (body(999_999), "community_id"),
        (body(c, kind="gossip"), "kind"),
        (body(c, title=""), "title"),
        (body(c, file_ids=[999_999]), "file_ids"),
    ]
    for sent, field in cases:
        r = tenant.admin.post("/api/v1/disclosures", json=sent)
        assert r.status_code == 422, (field, r.get_json())
        assert list(r.get_json()["errors"]["json"]) == [field], r.get_json()
    zh = tenant.admin.post("/api/v1/disclosures", json=body(c, period_end="2026-06-30"))
    assert zh.get_json()["errors"]["json"]["period_end"] == ["所公示期间的结束日早于开始日。"]
    for content, name, mimetype in [(b"MZ\x90\x00 not a document", "setup.exe", "application/octet-stream"),
                                    (b"<script>alert(1)</script>", "a.pdf", "application/pdf"),
                                    (_office("other/thing.xml"), "a.zip", "application/zip"),
                                    (PNG, "scan.jpg", "image/jpeg"), (b"", "empty.pdf", "application/pdf")]:
        r = upload(tenant.admin, content=content, name=name, mimetype=mimetype)
        assert r.status_code == 422, (name, r.get_json())
        assert list(r.get_json()["errors"]["files"]) == ["file"], r.get_json()
    r = tenant.admin.post("/api/v1/disclosures/files", json=None, data={
        "file": (io.BytesIO(PDF), "a.pdf", "application/pdf"), "note": "x"})
    assert r.status_code == 422 and list(r.get_json()["errors"]["files"]) == ["note"], r.get_json()
    for content, name, mimetype in [(DOCX_BYTES, "说明.docx", "application/msword"), (PNG, "扫描件.png", "image/png"),
                                    (XLSX_BYTES, "表.xlsx", "application/wps-office.xlsx")]:
        assert upload(tenant.admin, content=content, name=name, mimetype=mimetype).status_code == 201, name
    assert tenant.admin.get("/api/v1/disclosures").get_json()["total"] == 0


def test_who_may_publish_and_who_may_read(wuye_app, acme):
    tenant, ids = acme
    d = published(tenant.admin, ids["community"], file_ids=[uploaded(tenant.admin)])
    file_id = d["files"][0]["id"]
    reader = tenant.user("reader", "readonly", [ids["community"]])
    assert reader.get(f"/api/v1/disclosures/{d['id']}").status_code == 200
    assert reader.post("/api/v1/disclosures", json=body(ids["community"])).status_code == 403
    assert upload(reader).status_code == 403
    assert reader.post(f"/api/v1/disclosures/{d['id']}/withdraw", json={"reason": "x"}).status_code == 403
    elsewhere = tenant.user("elsewhere", "community_staff", [ids["other_community"]])
    assert elsewhere.get(f"/api/v1/disclosures/{d['id']}").status_code == 404
    assert elsewhere.get(f"/api/v1/disclosures/{d['id']}/files/{file_id}").status_code == 404
    assert elsewhere.get("/api/v1/disclosures").get_json()["total"] == 0
    r = elsewhere.post("/api/v1/disclosures", json=body(ids["community"]))
    assert r.status_code == 422 and "community_id" in r.get_json()["errors"]["json"]
    worker = tenant.user("worker", "worker", [ids["community"]])
    assert worker.get("/api/v1/disclosures").get_json()["total"] == 0
    assert worker.get(f"/api/v1/disclosures/{d['id']}").status_code == 404
    # a file under another disclosure's URL is not found either
    other = published(tenant.admin, ids["community"])
    assert tenant.admin.get(f"/api/v1/disclosures/{other['id']}/files/{file_id}").status_code == 404


def test_a_plugin_publishes_a_statement_through_the_public_facade(wuye_app, acme, caplog):
    """What the fees plugin (#22) will call: a statement it built, published as staff would."""
    from datetime import date

    from wuye_core.plugins import DomainError, commit, publish_disclosure

    tenant, ids = acme
    statement = {"kind": "income_spending", "title": "2026年第三季度物业费收支明细", "period_start": date(2026, 7, 1),
                 "period_end": date(2026, 9, 30), "publish_from": TODAY, "publish_until": TODAY + timedelta(days=14),
                 "site_id": ids["site"], "by": "fees"}
    with wuye_app.app_context(), tenant_context(tenant.id):
        made = publish_disclosure(ids["community"], files=[("2026Q3.xlsx", XLSX_BYTES)], **statement)
        commit()
        with pytest.raises(DomainError) as refused:
            publish_disclosure(ids["community"], **{**statement, "period_end": date(2026, 6, 30)})
        assert refused.value.errors == {"json": {"period_end": ["The end of the period is before its start."]}}
        with pytest.raises(DomainError) as refused:
            publish_disclosure(ids["community"], files=[("a.xlsx", b"MZ not a workbook")], **statement)
        assert list(refused.value.errors["files"]) == ["file"]
    shown = tenant.admin.get(f"/api/v1/disclosures/{made}").get_json()
    assert shown["created_by"] == "fees" and shown["files"][0]["filename"] == "2026Q3.xlsx"
    assert tenant.admin.get("/api/v1/disclosures").get_json()["total"] == 1  # the refused ones left nothing
    resident = signed_in(wuye_app, caplog)
    agree(resident)
    assert [d["id"] for d in resident.get("/api/v1/resident/disclosures").get_json()["items"]] == [made]


def test_a_plugin_corrects_its_statement_and_reads_where_it_stands(wuye_app, acme):
    """API 1.13, for the fees plugin: version N+1 of a statement it published (files kept or
    replaced), its state for its own pages, the refusals naming the argument."""
    from datetime import date

    from wuye_core.plugins import (
        DisclosureInfo,
        DomainError,
        commit,
        correct_disclosure,
        disclosure_info,
        publish_disclosure,
    )

    tenant, ids = acme
    statement = {"kind": "income_spending", "title": "2026年第三季度物业费收支明细", "period_start": date(2026, 7, 1),
                 "period_end": date(2026, 9, 30), "publish_from": TODAY, "publish_until": TODAY + timedelta(days=14),
                 "by": "fees"}
    with wuye_app.app_context(), tenant_context(tenant.id):
        made = publish_disclosure(ids["community"], files=[("2026Q3.xlsx", XLSX_BYTES)], **statement)
        commit()
        assert disclosure_info(made) == DisclosureInfo(made, ids["community"], None, "income_spending",
                                                       "2026年第三季度物业费收支明细", 1, "current", TODAY,
                                                       TODAY + timedelta(days=14))
        assert correct_disclosure(made, reason="  支出少算一笔 ", summary="更正后支出 11.9 万元。", by="fees") == 2
        assert correct_disclosure(made, reason="换成 PDF", title="2026年第三季度物业费收支明细（更正）",
                                  files=[("2026Q3.pdf", PDF)], by="fees") == 3
        commit()
        for arguments, field in (({"reason": " "}, "reason"), ({"reason": "x" * 501}, "reason"),
                                 ({"reason": "r", "title": ""}, "title"),
                                 ({"reason": "r", "period_end": date(2026, 6, 30)}, "period_end"),
                                 ({"reason": "r", "files": [("a.xlsx", b"MZ no workbook")]}, "file")):
            with pytest.raises(DomainError) as refused:
                correct_disclosure(made, by="fees", **arguments)
            assert field in str(refused.value.errors), (arguments, refused.value.errors)
            db.session.rollback()
        with pytest.raises(DomainError) as refused:
            correct_disclosure(999_999, reason="r", by="fees")
        assert refused.value.errors == {"json": {"disclosure_id": ["Does not exist."]}}
        assert disclosure_info(999_999) is None
    shown = tenant.admin.get(f"/api/v1/disclosures/{made}").get_json()
    assert shown["version"] == 3 and shown["title"].endswith("（更正）")
    assert [(v["version"], v["reason"], v["published_by"], [f["filename"] for f in v["files"]])
            for v in shown["versions"]] == [(3, "换成 PDF", "fees", ["2026Q3.pdf"]),
                                            (2, "支出少算一笔", "fees", ["2026Q3.xlsx"]),  # None: the files kept
                                            (1, None, "fees", ["2026Q3.xlsx"])]
    assert shown["versions"][1]["summary"] == "更正后支出 11.9 万元。" and shown["summary"] == "更正后支出 11.9 万元。"
    assert tenant.admin.post(f"/api/v1/disclosures/{made}/withdraw", json={"reason": "重做"}).status_code == 200
    with wuye_app.app_context(), tenant_context(tenant.id):
        assert disclosure_info(made).status == "withdrawn"
        with pytest.raises(DomainError) as refused:
            correct_disclosure(made, reason="再改", by="fees")
        assert refused.value.status == 409


def test_a_signed_in_caller_corrects_only_what_they_read(wuye_app, acme):
    from wuye_core.plugins import DomainError, correct_disclosure, disclosure_info

    tenant, ids = acme
    elsewhere = published(tenant.admin, ids["other_community"])["id"]
    token = tenant.user("daoxiang", "community_staff", communities=[ids["community"]]).token
    with wuye_app.test_request_context("/api/v1/disclosures",
                                       headers={"Authorization": f"Bearer {token}"}):
        from flask import current_app

        current_app.preprocess_request()  # the API's authentication: the caller is community staff of c1
        assert disclosure_info(elsewhere) is None
        with pytest.raises(DomainError) as refused:
            correct_disclosure(elsewhere, reason="不是我的社区")
        assert list(refused.value.errors["json"]) == ["disclosure_id"]
        db.session.rollback()
