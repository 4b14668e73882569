"""The caps of household imports: unpacked size (zip bombs), rows (at upload from what the sheet
declares, in the job from what it reads), imports pending per community, imports started per user."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime, timedelta

import pytest
from openpyxl import Workbook

from wuye_core.extensions import db
from wuye_core.imports.models import ImportJob, ImportStatus
from wuye_core.tenancy import tenant_context

from .test_import_households import HEADERS, row, upload, xlsx


@pytest.fixture
def world(wuye_make_tenant, wuye_register):
    t = wuye_make_tenant("acme")
    return t, wuye_register(t)


@pytest.fixture
def settings(wuye_app, monkeypatch):
    """The app's settings, changed for one test."""
    current = wuye_app.config["WUYE"]

    def change(**values):
        for name, value in values.items():
            monkeypatch.setattr(current, name, value)

    return change


def rows(n: int) -> list[list]:
    return [row(building="9栋", number=f"{i + 1:03d}", name=f"住户{i}", phone=f"139{i:08d}", id_card=None)
            for i in range(n)]


def imports(api, community_id) -> list[dict]:
    return api.get(f"/api/v1/communities/{community_id}/imports").get_json()["items"]


def test_a_zip_bomb_is_refused_before_it_is_unpacked(world):
    t, ids = world
    buffer = io.BytesIO(xlsx(rows(1)))
    with zipfile.ZipFile(buffer, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/media/padding.bin", b"\0" * (60 * 1024 * 1024))  # 60 MB in ~60 KB
    assert len(buffer.getvalue()) < 200_000
    r = upload(t.admin, ids["community"], buffer.getvalue())
    assert r.status_code == 413
    assert r.get_json()["errors"] == {"files": {"file": ["工作簿解压后为 61 MB，一次最多导入 50 MB。"]}}
    english = t.admin.post(f"/api/v1/communities/{ids['community']}/imports/households?lang=en", json=None,
                           data={"file": (io.BytesIO(buffer.getvalue()), "a.xlsx")})
    assert english.get_json()["errors"]["files"]["file"] == [
        "The workbook unpacks to 61 MB; at most 50 MB can be imported at once."]
    assert imports(t.admin, ids["community"]) == []  # nothing stored, nothing queued


def test_a_sheet_that_declares_too_many_rows_is_refused_at_upload(world, settings):
    t, ids = world
    settings(import_max_rows=5)
    r = upload(t.admin, ids["community"], xlsx(rows(30)))  # the header and 30 rows: A1:M31
    assert r.status_code == 413
    assert r.get_json()["errors"]["files"]["file"] == ["工作表有 31 行，一次最多导入 5 行：请拆分文件。"]
    assert imports(t.admin, ids["community"]) == []


def test_the_job_stops_past_the_row_cap_and_says_where(world, settings):
    """A sheet can declare less than it holds (or nothing): the job counts what it reads."""
    t, ids = world
    settings(import_max_rows=5)
    r = upload(t.admin, ids["community"], xlsx(rows(12)))  # 13 rows declared: within the header's slack
    assert r.status_code == 202
    job = t.admin.get(f"/api/v1/communities/{ids['community']}/imports/{r.get_json()['id']}").get_json()
    assert job["status"] == "failed" and job["created"] == 5 and job["processed_rows"] == 5
    assert job["message"].startswith("文件的行数超过一次导入的上限")
    assert [(e["row"], e["message"]) for e in job["errors"]] == [
        (7, "这一行超过了每次导入 5 行的上限：这一行及以后各行都没有导入。")]  # the header is row 1
    en = t.admin.get(f"/api/v1/communities/{ids['community']}/imports/{job['id']}?lang=en").get_json()
    assert en["message"].startswith("The file has more rows than one import may take")
    households = t.admin.get(f"/api/v1/households?community_id={ids['community']}").get_json()["total"]
    assert households == 1 + 5  # the register's own, and the first five rows


def test_a_sheet_without_a_declared_size_is_capped_by_the_job(world, settings):
    t, ids = world
    settings(import_max_rows=3)
    wb = Workbook(write_only=True)  # writes no <dimension>
    sheet = wb.create_sheet()
    sheet.append(HEADERS)
    for values in rows(40):
        sheet.append(values)
    out = io.BytesIO()
    wb.save(out)
    r = upload(t.admin, ids["community"], out.getvalue())
    assert r.status_code == 202
    job = t.admin.get(f"/api/v1/communities/{ids['community']}/imports/{r.get_json()['id']}").get_json()
    assert job["status"] == "failed" and job["created"] == 3 and job["errors"][-1]["row"] == 5


def test_a_community_has_a_bounded_number_of_imports_pending(wuye_app, world, settings):
    t, ids = world
    settings(import_max_pending_per_community=1)
    with wuye_app.app_context(), tenant_context(t.id):
        stale = datetime.now(UTC) - timedelta(hours=2)  # older than a job may run: its worker died
        db.session.add(ImportJob(community_id=ids["community"], kind="households", status=ImportStatus.queued,
                                 filename="old.xlsx", created_by="admin", errors=[], created_at=stale))
        db.session.commit()
    assert upload(t.admin, ids["community"], xlsx(rows(1))).status_code == 202
    with wuye_app.app_context(), tenant_context(t.id):
        db.session.add(ImportJob(community_id=ids["community"], kind="households", status=ImportStatus.running,
                                 filename="big.xlsx", created_by="admin", errors=[]))
        db.session.commit()
    r = upload(t.admin, ids["community"], xlsx(rows(1)))
    assert r.status_code == 409 and r.get_json()["message"] == "该社区有 1 个导入正在排队或进行，请等它们完成后再导入。"
    assert len(imports(t.admin, ids["community"])) == 3  # the two above and the one done; no new one


def test_a_user_starts_a_bounded_number_of_imports(wuye_app, world, settings):
    t, ids = world
    settings(job_limit_per_user="2 per hour")
    assert upload(t.admin, ids["community"], b"not a workbook").status_code == 422  # refused: not counted
    for _ in range(2):
        assert upload(t.admin, ids["community"], xlsx(rows(1))).status_code == 202
    r = upload(t.admin, ids["community"], xlsx(rows(1)))
    assert r.status_code == 429 and 3500 <= int(r.headers["Retry-After"]) <= 3600
    message = r.get_json()["message"]
    assert message.startswith("你最近启动的此类任务过多（60 分钟内最多 2 个）") and r.headers["Retry-After"] in message
    assert len(imports(t.admin, ids["community"])) == 2
    # another user of the tenant has a budget of their own
    other = t.user("zhangsan", "community_staff", [ids["community"]])
    assert upload(other, ids["community"], xlsx(rows(1))).status_code == 202
