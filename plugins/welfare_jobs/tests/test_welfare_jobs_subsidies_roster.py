"""The claim sheet (实名制花名册及补贴申报表): its cells as the 人社 office reads them, in Chinese
by default and in English for an English reader, a draft marked as such, and the audit entry."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from urllib.parse import unquote

from _subsidy_rows import P, add_days, add_post, placed, setup
from openpyxl import load_workbook

NOV = date(2025, 11, 1)
HEADER = ["序号", "姓名", "性别", "身份证号", "人员类别", "岗位名称", "岗位所在地", "上岗日期", "安置期满日期",
          "应出勤天数", "实际出勤天数", "岗位补贴(元)", "社保补贴(元)", "合计(元)", "开户银行", "银行账号", "备注"]


def _month(tenant, wuye_app, wuye_register, wuye_enable_plugin):
    ids, manager = setup(tenant, wuye_register, wuye_enable_plugin, {"claim_office": "江夏区人力资源和社会保障局"})
    post = add_post(wuye_app, tenant, ids, "张家湾保洁岗")
    wang, p1 = placed(wuye_app, tenant, ids, "王大山", post, date(2025, 3, 1), id_number="420102196505123418",
                      bank_account="6230000011112222333")
    add_days(wuye_app, tenant, ids, wang, p1, post, NOV, 22)
    zhang, p2 = placed(wuye_app, tenant, ids, "张小芳", post, date(2025, 3, 10), id_number="42010219700305242X",
                       gender="female", group="age_4050")
    add_days(wuye_app, tenant, ids, zhang, p2, post, NOV, 7)
    url = f"{P}/communities/{ids['community']}/subsidies/2025-11"
    assert manager.post(f"{url}/compute").status_code == 200
    return ids, manager, url


def _sheet(response):
    assert response.status_code == 200, response.get_json()
    assert response.headers["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    book = load_workbook(io.BytesIO(response.data))
    sheet = book.worksheets[0]
    return sheet, [[c.value for c in row] for row in sheet.iter_rows()]


def test_the_claim_sheet_cells(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    tenant = wuye_make_tenant("acme", name="径河物业")
    ids, manager, url = _month(tenant, wuye_app, wuye_register, wuye_enable_plugin)
    assert manager.post(f"{url}/submit").status_code == 200
    r = manager.get(f"{url}/roster.xlsx")
    sheet, cells = _sheet(r)
    disposition = unquote(r.headers["Content-Disposition"])
    assert "公益性岗位花名册-社区-2025-11.xlsx" in disposition and "草稿" not in disposition
    assert cells[0][0] == "2025年11月公益性岗位人员实名制花名册及补贴申报表"
    info = [v for v in cells[1] if v]
    assert info == ["申报单位：径河物业 社区", "受理单位：江夏区人力资源和社会保障局", "申报月份：2025年11月"]
    assert cells[2] == HEADER
    # rows by post, then name: 张小芳, 王大山 (one post here)
    wang = cells[4]
    assert wang[:11] == [2, "王大山", "男", "420102196505123418", "失地农民", "张家湾保洁岗", "小区",
                         wang[7], wang[8], 22, 22]
    assert wang[7].date() == date(2025, 3, 1) and wang[8].date() == date(2028, 3, 1)
    assert [Decimal(str(v)) for v in wang[11:14]] == [Decimal("2210.00"), Decimal("1071.49"), Decimal("3281.49")]
    assert wang[14:16] == ["农商银行", "6230000011112222333"]
    assert sheet.cell(row=5, column=12).number_format == "0.00"
    zhang = cells[3]
    assert zhang[0] == 1 and zhang[1:5] == ["张小芳", "女", "42010219700305242X", "4050 人员"]
    assert [Decimal(str(v)) for v in zhang[11:14]] == [Decimal("703.18"), Decimal("1071.49"), Decimal("1774.67")]
    totals = cells[5]
    assert totals[1] == "合计" and totals[3] == "2人"
    assert [Decimal(str(v)) for v in totals[11:14]] == [Decimal("2913.18"), Decimal("2142.98"), Decimal("5056.16")]
    signatures = [v for v in cells[-1] if v]
    assert signatures == ["经办人：", "负责人：", "单位（盖章）：", "日期："]
    # it prints: A4 landscape, fitted to the page width, the title, unit and header rows on every page
    assert sheet.page_setup.paperSize == 9 and sheet.page_setup.orientation == "landscape"
    assert sheet.print_title_rows == "$1:$3"

    # personal data left the system: the audit trail says who, which month and how many rows
    trail = tenant.admin.get("/api/v1/audit", query_string={"action": "welfare_jobs.exported"}).get_json()["items"]
    month_id = manager.get(url).get_json()["id"]
    assert [(e["actor_name"], e["target_type"], e["target_id"], e["details"]) for e in trail] == [
        ("mgr", "subsidy_month", str(month_id), {"rows": 2})]


def test_a_draft_says_so_and_english_readers_get_english(wuye_app, wuye_make_tenant, wuye_register,
                                                         wuye_enable_plugin):
    tenant = wuye_make_tenant("acme")
    _ids, manager, url = _month(tenant, wuye_app, wuye_register, wuye_enable_plugin)
    r = manager.get(f"{url}/roster.xlsx")
    _sheet_, cells = _sheet(r)
    assert cells[0][0] == "2025年11月公益性岗位人员实名制花名册及补贴申报表（草稿）"
    assert "草稿" in unquote(r.headers["Content-Disposition"])
    r = manager.get(f"{url}/roster.xlsx", headers={"Accept-Language": "en"})
    _sheet_, cells = _sheet(r)
    assert cells[0][0].startswith("2025-11") and "(draft)" in cells[0][0]
    assert cells[2][:4] == ["No.", "Name", "Gender", "ID number"]
    assert cells[4][2] == "Male" and cells[4][4] == "Landless farmer"
    assert "Public-welfare job roster" in unquote(r.headers["Content-Disposition"])
    trail = tenant.admin.get("/api/v1/audit", query_string={"action": "welfare_jobs.exported"}).get_json()["items"]
    assert len(trail) == 2
