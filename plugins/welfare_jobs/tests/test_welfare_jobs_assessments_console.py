"""The assessments' console page: everyone on post that year with a grade form; record, correct,
refusals next to the worker's form, the incompetent flag, the export."""

from __future__ import annotations

import io
from datetime import date

from _subsidy_rows import C, add_placement, add_post, add_worker, placed, setup
from openpyxl import load_workbook


def test_grade_correct_and_export(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    tenant = wuye_make_tenant("acme")
    ids, manager = setup(tenant, wuye_register, wuye_enable_plugin)
    post = add_post(wuye_app, tenant, ids, "张家湾保洁岗")
    wang = placed(wuye_app, tenant, ids, "王大山", post, date(2025, 1, 1))[0]
    old = add_worker(wuye_app, tenant, ids, "赵旧年")
    add_placement(wuye_app, tenant, ids, old, post, date(2022, 1, 1), ends_on=date(2024, 12, 31))
    console = tenant.console("mgr", "password-123")
    url = f"{C}/communities/{ids['community']}/assessments"

    page = console.get(url, query_string={"year": "2025"})
    assert page.status_code == 200
    assert "2025 年度考核" in page.text and "王大山" in page.text and "赵旧年" not in page.text
    assert "尚未考核" in page.text and "登记等次" in page.text
    # a score out of range: said next to that worker's form, nothing recorded
    r = console.post(f"{url}?year=2025", data={"worker_id": wang, "grade": "competent", "score": "120"})
    assert r.status_code == 422 and f'id="f-score-{wang}" name="score"' in r.text and "尚未考核" in r.text
    # 赵 was not on post in 2025 (a forged form): refused with the reason
    r = console.post(f"{url}?year=2025", data={"worker_id": old, "grade": "competent"})
    assert r.status_code == 422 and "2025 年不在岗" in r.text
    r = console.post(f"{url}?year=2025", data={"worker_id": wang, "grade": "incompetent", "score": "40"})
    assert r.status_code == 303
    page = console.get(r.headers["Location"]).text
    assert "等次已登记" in page and "不合格 · 40" in page and "可据此解除安置" in page and "更正等次" in page
    assessment = manager.get(f"/api/v1/plugins/welfare_jobs/communities/{ids['community']}/assessments/2025") \
        .get_json()["items"][0]["assessment"]
    # the correction: the score emptied, the grade changed — in the audit trail
    r = console.post(f"{C}/assessments/{assessment['id']}", data={"grade": "basic", "score": "", "note": "已整改"})
    assert r.status_code == 303 and r.headers["Location"].endswith("/assessments?year=2025")
    page = console.get(r.headers["Location"]).text
    assert "考核已更正" in page and "基本合格" in page and "可据此解除安置" not in page and "已整改" in page
    trail = tenant.admin.get("/api/v1/audit", query_string={"action": "welfare_jobs.amended"}).get_json()["items"]
    assert [e["details"]["fields"] for e in trail] == [["grade", "score", "note"]]

    xlsx = console.get(f"{C}/communities/{ids['community']}/assessments.xlsx", query_string={"year": "2025"})
    assert xlsx.status_code == 200
    cells = [[c.value for c in row] for row in load_workbook(io.BytesIO(xlsx.data)).worksheets[0].iter_rows()]
    assert cells[1][1] == "王大山" and cells[1][5] == "基本合格"
