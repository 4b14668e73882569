"""A ledger stored before the safe spreadsheet writer (#15 item 5) is served without formulas.

Briefs keep the files they were built with; one built by the earlier code may hold user text
written as a formula (a community named =HYPERLINK(…)). Downloading it now gives that text as a
string cell, and the rest of the workbook unchanged."""

from __future__ import annotations

import base64
import io

from openpyxl import Workbook, load_workbook
from test_care_visits_flow import P, setup_care
from wuye_care_visits.clock import today as clock_today
from wuye_care_visits.models import CareBrief

from wuye_core.plugins import db, tenant_context


def _old_ledger() -> bytes:
    """What openpyxl wrote when a str starting with = went in as it was (its normal mode)."""
    wb = Workbook()
    sheet = wb.active
    sheet.title = "关爱台账"
    sheet.append(["社区", "姓名", "走访次数"])
    sheet.append(['=HYPERLINK("http://evil.example","点击")', "=1+1", 3])
    sheet.append(["一社区", "张*", 1])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_a_ledger_stored_with_formulas_is_downloaded_as_text(wuye_app, wuye_make_tenant, wuye_register,
                                                            wuye_enable_plugin):
    tenant = wuye_make_tenant("acme")
    ids, worker, supervisor, _ = setup_care(tenant, wuye_register, wuye_enable_plugin)
    today = clock_today()
    r = supervisor.post(f"{P}/communities/{ids['community']}/briefs",
                        json={"period_start": today.replace(day=1).isoformat(), "period_end": today.isoformat()})
    assert r.status_code == 202, r.get_json()
    brief_id = r.get_json()["id"]
    old = _old_ledger()
    assert any(c.data_type == "f" for row in load_workbook(io.BytesIO(old)).active.iter_rows() for c in row)
    with wuye_app.app_context(), tenant_context(tenant.id):
        db.session.get(CareBrief, brief_id).xlsx = base64.b64encode(old).decode()
        db.session.commit()
        db.session.remove()

    r = worker.get(f"{P}/briefs/{brief_id}/ledger.xlsx")
    assert r.status_code == 200
    sheet = load_workbook(io.BytesIO(r.data))["关爱台账"]
    cells = [c for row in sheet.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    assert [[c.value for c in row] for row in sheet.iter_rows()] == [
        ["社区", "姓名", "走访次数"],
        ['=HYPERLINK("http://evil.example","点击")', "=1+1", 3],
        ["一社区", "张*", 1],
    ]
    assert sheet["A2"].data_type == "s" and sheet["C2"].data_type == "n"
