"""The time bank's console pages: where it is off they say so (and the tab is not shown); the
balances with a name search and the export; a member's ledger with the spend and the adjust
forms, refusals next to their field."""

from __future__ import annotations

import io

from _bank_rows import C, member, service_record, world
from openpyxl import load_workbook


def test_off_the_pages_say_so(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    w = world(wuye_make_tenant, wuye_register, wuye_enable_plugin)
    console = w.tenant.console("mgr", "password-123")
    tab = f'href="/console/plugins/volunteers/communities/{w.cid}/time-bank"'
    for path in (f"{C}/communities/{w.cid}/time-bank", f"{C}/members/{w.wang}/time-bank"):
        page = console.get(path)
        assert page.status_code == 200 and "本社区未启用时间银行" in page.text and tab not in page.text, path
        assert "兑换服务" not in page.text
    assert "租户管理员" in console.get(f"{C}/communities/{w.cid}/time-bank").text
    r = console.get(f"{C}/communities/{w.cid}/time-bank.xlsx")
    assert r.status_code == 409 and "本社区未启用时间银行" in r.text
    assert console.post(f"{C}/members/{w.wang}/time-bank/spend", data={"points": "1", "description": "理发"}
                        ).status_code == 409


def test_balances_spend_and_adjust_at_the_console(wuye_app, wuye_make_tenant, wuye_register, wuye_enable_plugin):
    w = world(wuye_make_tenant, wuye_register, wuye_enable_plugin, time_bank_on=True)
    qian = member(w.tenant, w.cid, "钱芳")
    service_record(w.tenant, w.wang, 60)  # 10
    service_record(w.tenant, w.li, 150)  # 25
    console = w.tenant.console("mgr", "password-123")
    page = console.get(f"{C}/communities/{w.cid}/time-bank").text
    assert 'aria-current="page">时间银行</a>' in page and "每小时积 10 分" in page
    assert page.index("李建国") < page.index("王秀英") and "钱芳" not in page  # highest first; only with points
    assert 'class="responsive vl-balances"' in page and "下载积分余额表" in page
    found = console.get(f"{C}/communities/{w.cid}/time-bank", query_string={"q": "钱"}).text
    assert "钱芳" in found and "王秀英" not in found
    # the tab shows on the other areas' pages of this plugin too (here: trainings)
    assert f'href="/console/plugins/volunteers/communities/{w.cid}/time-bank"' in console.get(
        f"{C}/communities/{w.cid}/trainings").text

    xlsx = console.get(f"{C}/communities/{w.cid}/time-bank.xlsx")
    assert xlsx.status_code == 200
    rows = [[c.value for c in row] for row in load_workbook(io.BytesIO(xlsx.data)).worksheets[0].iter_rows()]
    assert [r[1] for r in rows[1:]] == ["李建国", "王秀英"] and rows[1][6] == 25
    assert w.tenant.admin.get("/api/v1/audit", query_string={"action": "volunteers.exported"}).get_json()["total"] == 1

    ledger = f"{C}/members/{w.wang}/time-bank"
    page = console.get(ledger).text
    assert "服务记录 #1：小区清洁，1 小时" in page and "兑换服务" in page and "调整积分" in page
    assert f'<option value="{w.li}">李建国</option>' in page and f'<option value="{w.wang}">' not in page
    # more than the balance: 409, said next to the points, what was typed kept
    r = console.post(f"{ledger}/spend", data={"points": "11", "description": "陪护老人", "provider_member_id": str(w.li)})
    assert r.status_code == 409
    assert 'aria-describedby="e-points"' in r.text and "积分不足：余额 10 分，本次服务需要 11 分" in r.text
    assert 'value="陪护老人"' in r.text and f'<option value="{w.li}" selected>' in r.text
    r = console.post(f"{ledger}/spend", data={"points": "4", "description": ""})
    assert r.status_code == 422 and 'aria-describedby="e-description"' in r.text
    r = console.post(f"{ledger}/spend", data={"points": "4", "description": "陪护老人", "provider_member_id": str(w.li)})
    assert r.status_code == 303
    page = console.get(r.headers["Location"]).text
    assert "已兑换 4 分" in page and "由李建国提供" in page and "-4" in page
    # the adjustment: never below 0, a reason needed
    r = console.post(f"{ledger}/adjust", data={"points": "-7", "reason": "更正"})
    assert r.status_code == 409 and 'aria-describedby="e-adjust-points"' in r.text and "最多只能扣减 6 分" in r.text
    r = console.post(f"{ledger}/adjust", data={"points": "5", "reason": ""})
    assert r.status_code == 422 and 'aria-describedby="e-adjust-reason"' in r.text
    r = console.post(f"{ledger}/adjust", data={"points": "5", "reason": "补录积分"})
    assert r.status_code == 303 and "积分已调整 +5 分" in console.get(r.headers["Location"]).text
    assert console.get(f"{C}/members/{qian}/time-bank").status_code == 200  # no line yet: the forms still
    # who left: no spend form, said so
    left = console.get(f"{C}/members/{w.zhao}/time-bank").text
    assert "该成员已退出联盟，积分不能再兑换" in left and "确认兑换" not in left


def test_the_organiser_spends_but_does_not_adjust_or_export(wuye_app, wuye_make_tenant, wuye_register,
                                                            wuye_enable_plugin):
    w = world(wuye_make_tenant, wuye_register, wuye_enable_plugin, time_bank_on=True)
    service_record(w.tenant, w.wang, 60)
    console = w.tenant.console("org", "password-123")
    page = console.get(f"{C}/members/{w.wang}/time-bank").text
    assert "兑换服务" in page and "调整积分" not in page
    assert "下载积分余额表" not in console.get(f"{C}/communities/{w.cid}/time-bank").text
    assert console.post(f"{C}/members/{w.wang}/time-bank/adjust", data={"points": "5", "reason": "x"}).status_code == 403
    assert console.get(f"{C}/communities/{w.cid}/time-bank.xlsx").status_code == 403
    r = console.post(f"{C}/members/{w.wang}/time-bank/spend", data={"points": "3", "description": "理发"})
    assert r.status_code == 303
    staff = w.tenant.console("staff", "password-123")
    assert staff.get(f"{C}/members/{w.wang}/time-bank").status_code == 403
